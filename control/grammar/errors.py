"""The exec engine's refusals, as IOS words them, and how a terminal or a log lays them out."""
from __future__ import annotations

from ..errors import ExecError


class InvalidInput(ExecError):
    """A token the command cannot take; IOS marks it with a caret under its first character."""
    blank_after = True   # IOS leaves an empty line after this message at a terminal

    def __init__(self, line: str, column: int):
        self.line = line
        self.column = column
        super().__init__("Invalid input detected at '^' marker.")


class IncompleteCommand(ExecError):
    blank_after = True

    def __init__(self) -> None:
        super().__init__("Incomplete command.")


class AmbiguousCommand(ExecError):
    def __init__(self, line: str):
        self.line = line
        super().__init__(f'Ambiguous command:  "{line}"')


class UnrecognizedCommand(ExecError):
    """`?` after a partial word that nothing starts with."""

    def __init__(self) -> None:
        super().__init__("Unrecognized command")


def format_error(exc: ExecError, prompt: str | None = None) -> str:
    """IOS's text for a refused command. At a terminal the command is on screen already, after
    `prompt`, so the caret is indented by the prompt; elsewhere (`qfp cli`, a log) the command is
    echoed above the caret so that the caret has something to point at."""
    message = f"% {exc}"
    if isinstance(exc, InvalidInput):
        if prompt is None:
            return f"{exc.line}\n{' ' * exc.column}^\n{message}"
        return f"{' ' * (len(prompt) + exc.column)}^\n{message}"
    return message
