"""`banner motd|login|exec`: IOS's delimited banners, typed in `configure terminal` over several
lines, kept in the running configuration, and shown by a vty at IOS's moments (control/io/ssh.py:
the login banner before authentication, as SSH's authentication banner; motd, then exec, when the
exec starts).

The configuration keeps a banner verbatim, as one block: `banner motd ^C`, its text lines, and
the closing `^C` — the form IOS prints whatever delimiter was typed, and the form a file is read
in (control/config/modes/top.py). The text is everything between the two delimiters, line breaks
included, which is what IOS prints: the usual form, delimiter on a line of its own, starts and
ends the text with a line break.

Typing one is the terminal's business rather than the parser's, since it is a dialogue: IOS
answers `Enter TEXT message.  End with the character '#'.` and takes lines, none of them a
command, until one holds the delimiter. The parser still sees the `banner` line itself, so that
the mode changes are those of any other global command; the banners shown here (motd, login,
exec) are not noted as not modeled, the others are.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import model as M

KINDS = M.SHOWN_BANNERS + M.UNSHOWN_BANNERS
STORED_DELIMITER = "^C"


@dataclass
class BannerEntry:
    """A banner being typed: its kind, its delimiter, the text so far, and the block the parser
    made of its first line (replaced by the whole banner once the delimiter comes)."""
    kind: str
    delimiter: str
    block: M.Unmodeled | None
    text: list[str] = field(default_factory=list)


def split_header(line: str) -> tuple[str, str, str] | None:
    """(kind, delimiter, what follows the delimiter) of a `banner` line; None when it is not one
    (or names no delimiter). `banner ^C...` with no keyword is motd, as on IOS."""
    words = line.split(None, 2)
    if not words or words[0].lower() != "banner" or len(words) < 2:
        return None
    if words[1].lower() in KINDS:
        kind, rest = words[1].lower(), line.split(None, 2)[2] if len(words) > 2 else ""
    else:
        kind, rest = "motd", line.split(None, 1)[1]
    rest = rest.lstrip()
    if not rest:
        return None
    delimiter = STORED_DELIMITER if rest.startswith(STORED_DELIMITER) else rest[0]
    return kind, delimiter, rest[len(delimiter):]


def stored_lines(kind: str, text: str) -> tuple[str, ...]:
    """The block IOS prints for a banner of this text."""
    return tuple(f"banner {kind} {STORED_DELIMITER}{text}{STORED_DELIMITER}".split("\n"))


def _text(lines: tuple[str, ...]) -> tuple[str, str] | None:
    """(kind, text) of a kept banner block."""
    header = split_header(lines[0])
    if header is None:
        return None
    kind, delimiter, first = header
    whole = "\n".join((first, *lines[1:]))
    end = whole.find(delimiter)
    return kind, whole if end < 0 else whole[:end]


def banner_blocks(config: M.RunningConfig, kind: str) -> list[M.Unmodeled]:
    found = []
    for block in config.unmodeled_blocks():
        parsed = _text(block.lines) if block.lines[0].split()[:1] == ["banner"] else None
        if parsed is not None and parsed[0] == kind:
            found.append(block)
    return found


def banner(config: M.RunningConfig, kind: str) -> str | None:
    """The text of the configuration's `banner KIND` (the last, should a file repeat one), with
    IOS's `$(hostname)` and `$(domain)` tokens replaced; None without one."""
    blocks = banner_blocks(config, kind)
    if not blocks:
        return None
    text = _text(blocks[-1].lines)[1]
    return text.replace("$(hostname)", config.hostname).replace("$(domain)", _domain(config))


def _domain(config: M.RunningConfig) -> str:
    for block in config.unmodeled_blocks():
        words = block.lines[0].split()
        if (words[:3] == ["ip", "domain", "name"] and len(words) == 4) or \
                (words[:2] == ["ip", "domain-name"] and len(words) == 3):
            return words[-1]
    return ""


def store(config: M.RunningConfig, entry: BannerEntry) -> None:
    """Put a whole banner in the configuration in place of the parser's first-line block, and
    drop the kind's earlier banner: IOS has one of each."""
    for old in banner_blocks(config, entry.kind):
        if old is not entry.block:
            config.remove_unmodeled(old)
    new = M.Unmodeled(stored_lines(entry.kind, "\n".join(entry.text)))
    if entry.block is not None:
        config.replace_unmodeled(entry.block, new)
    else:
        config.add_unmodeled(new)


def remove(config: M.RunningConfig, line: str) -> bool:
    """`no banner [KIND]` (KIND motd when not named, as IOS reads it): whether it was one."""
    words = line.lower().split()
    if words[:2] != ["no", "banner"]:
        return False
    kind = words[2] if len(words) > 2 and words[2] in KINDS else "motd"
    for block in banner_blocks(config, kind):
        config.remove_unmodeled(block)
    return True


def prompt_for_text(delimiter: str) -> str:
    return f"Enter TEXT message.  End with the character '{delimiter}'.\n"


def shown(config: M.RunningConfig, kinds: tuple[str, ...]) -> str:
    """What a vty prints of these banners, in order: each text as typed, ending on a line break."""
    out = []
    suppressed = _suppressed(config)
    for kind in kinds:
        text = banner(config, kind)
        if text is None or kind in suppressed:
            continue
        out.append(text if text.endswith("\n") else text + "\n")
    return "".join(out)


def _suppressed(config: M.RunningConfig) -> set[str]:
    """`no exec-banner` on the vty lines silences the exec and motd banners, `no motd-banner` the
    motd one (IOS's line commands)."""
    off: set[str] = set()
    for block in config.unmodeled_blocks():
        if block.lines[0].split()[:2] != ["line", "vty"]:
            continue
        lines = {line.strip() for line in block.lines[1:]}
        if "no exec-banner" in lines:
            off |= {"exec", "motd"}
        if "no motd-banner" in lines:
            off.add("motd")
        break
    return off
