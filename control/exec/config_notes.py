"""`show parser not-modeled`: the commands the running configuration keeps but the model does not act
on, each once, where they are (the device log's %PARSER-6-NOTMODELED names the same ones).

IOS has no such command; its name follows the log message, under IOS's `show parser` family.
"""
from __future__ import annotations

from ..config.model import RunningConfig

HELP = {"parser": "Display parser information",
        "not-modeled": "Commands kept in the configuration but not modeled"}


def not_modeled_data(config: RunningConfig) -> list[str]:
    return config.unmodeled_commands()


def render_not_modeled(commands: list[str]) -> str:
    if not commands:
        return "Every configured command is modeled\n"
    return "Kept in the running configuration but not modeled:\n" + "".join(f"  {c}\n" for c in commands)


def register(commands, config: RunningConfig) -> None:
    commands.add("show parser not-modeled", lambda a: render_not_modeled(not_modeled_data(config)),
                 HELP, data=lambda a: not_modeled_data(config))
