"""The IOS configuration: its model (model), parser (parse_config, ConfigSession), `show
running-config` (render_running_config) and the embedded default, a FlexVPN hub (load_default)."""
from __future__ import annotations

from importlib import resources

from . import model
from .model import RunningConfig
from .parser import Changes, ConfigErrors, ConfigSession, ParseResult, parse_config
from .render import render_running_config

DEFAULT_CONFIG = "default.cfg"

__all__ = ["Changes", "ConfigErrors", "ConfigSession", "ParseResult", "RunningConfig",
           "default_config_text", "load_default", "model", "parse_config", "render_running_config"]


def default_config_text() -> str:
    return resources.files(__package__).joinpath(DEFAULT_CONFIG).read_text()


def load_default() -> ParseResult:
    """The embedded default configuration, parsed (it has no errors: a test holds it to that)."""
    return parse_config(default_config_text(), filename=DEFAULT_CONFIG)
