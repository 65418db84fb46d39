"""The `qfp` command's exit statuses, one convention for every subcommand (cli.py's docstring and
README say what each means to a user)."""
from __future__ import annotations

OK = 0            # done, and everything that was checked held
FAILED = 1        # done or tried, and something failed: a refused command or configuration, a failed
                  # expectation or check, a capture that stops short, a device that went away
USAGE = 2         # could not start: a usage error, a missing or unreadable input file, no device
                  # listening, a missing optional dependency (argparse's own errors are 2 as well)
INTERRUPTED = 130   # SIGINT (128 + 2), as a shell reports a command it interrupted
BROKEN_PIPE = 141   # stdout's reader went away (`qfp demo | head -1`): 128 + SIGPIPE, quietly
