"""Class-map match statements as IOS prints them in the QoS show commands.

`show policy-map interface` prints `Match: <text>` and `show class-map` prints `Match <text>`; the
text is the same, so it is made once here from the configuration model's match statement (the
attributes control/compile.py reads: kind, negate, values, name)."""
from __future__ import annotations

from ..config.lexicon import dscp_name


def match_text(match) -> str:
    """`any`, `dscp ef (46) af41 (34)`, `precedence 5`, `access-group name X`,
    `access-group 101`, `class-map X`, each with a leading `not ` when negated."""
    if match.kind == "any":
        text = "any"
    elif match.kind == "dscp":
        text = "dscp " + " ".join(f"{dscp_name(v)} ({v})" for v in match.values)
    elif match.kind == "precedence":
        text = "precedence " + " ".join(str(v) for v in match.values)
    elif match.kind == "access-group":
        # IOS names a numbered ACL bare and a named one with `name`, as they are configured.
        text = f"access-group {match.name}" if str(match.name).isdigit() else \
            f"access-group name {match.name}"
    else:
        text = f"class-map {match.name}"
    return "not " + text if match.negate else text
