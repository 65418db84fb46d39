"""`--json FILE` for the commands that report figures: `-` writes the JSON to stdout, and the
human-readable report then goes to stderr, so that stdout is JSON alone (`qfp replay x.pcap --json - | jq`)."""
from __future__ import annotations

import json
import sys

STDOUT = "-"


def report_stream(json_dest: str | None):
    """Where the human-readable report goes: stdout, unless the JSON does."""
    return sys.stderr if json_dest == STDOUT else sys.stdout


def write_json(dest: str, data, **dump_options) -> None:
    """`data` as indented JSON to the file `dest`, or to stdout for `-`."""
    if dest == STDOUT:
        json.dump(data, sys.stdout, indent=1, **dump_options)
        sys.stdout.write("\n")
        sys.stdout.flush()
        return
    with open(dest, "w") as f:
        json.dump(data, f, indent=1, **dump_options)
