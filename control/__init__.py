"""control: the control plane over the fast path (qfp). So far only the `qfp` command (control.cli);
the RADIUS CoA server, the IOS config parser and the device arrive with their own issues."""
