"""qfp_model.tools: what users run, above the control plane: the `qfp` command (cli.py) and its
subcommands (demo, replay, regress, bench), the regression cases' pytest plugin and the CoA client.
Nothing imports this package."""
