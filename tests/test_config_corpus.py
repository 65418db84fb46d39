"""Issue 14, item 2: the configuration language never breaks on real IOS configuration.

Every line of the corpus (tests/configs/corpus/, real configurations from public projects; its
README gives the sources), typed in `configure terminal` in any configuration mode, gets an answer:
applied, kept as not modeled, or refused with a ConfigError (IOS's caret) — never any other
exception; and `show running-config` afterwards round-trips through the file parser. Each corpus
file also loads (leniently: its bad lines are listed, not raised) and round-trips.
"""
from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qfp_model.control.config import ConfigSession, RunningConfig, load_default, parse_config, render_running_config
from qfp_model.control.errors import ConfigError

CORPUS = Path(__file__).parent / "configs" / "corpus"
FILES = sorted(CORPUS.glob("*.cfg"))
# How to reach each configuration mode from global mode, on the embedded default configuration.
MODES = {
    "config": [],
    "config-if (template)": ["interface Virtual-Template1 type tunnel"],
    "config-if (kept)": ["interface GigabitEthernet1"],
    "config-ext-nacl": ["ip access-list extended HUB-IN"],
    "config-std-nacl": ["ip access-list standard MGMT"],
    "config-cmap": ["class-map match-any VOICE"],
    "config-pmap": ["policy-map pol"],
    "config-pmap-c": ["policy-map pol", "class class-default"],
    "config-pmap-c-police": ["policy-map pol", "class class-default", "police cir 512000"],
    "config-ikev2-profile": ["crypto ikev2 profile FLEX-PROFILE"],
    "config-locsvr-da-radius": ["aaa server radius dynamic-author"],
    "config-radius-server": ["radius server ISE-1"],
    "config-sg-radius": ["aaa group server radius ISE"],
    "config-line (kept)": ["line vty 0 4"],
}


@cache
def corpus_lines() -> list[str]:
    seen: dict[str, None] = {}
    for path in FILES:
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line and not line.startswith("!"):
                seen[line] = None
    return list(seen)


@cache
def default_config():
    return load_default().config


def assert_round_trips(config) -> None:
    text = render_running_config(config)
    again = parse_config(text, "running-config").config
    assert render_running_config(again) == text


def test_the_corpus_is_hundreds_of_real_lines():
    assert len(FILES) >= 10 and len(corpus_lines()) > 1000


# Each example copies, edits, renders and re-parses a whole configuration: the CI profile's budget
# would take minutes, so this one stops at a few hundred.
@settings(max_examples=min(settings().max_examples, 300))
@given(mode=st.sampled_from(sorted(MODES)),
       lines=st.lists(st.sampled_from(corpus_lines()), min_size=1, max_size=4))
def test_every_corpus_line_in_every_mode_gets_an_answer_and_round_trips(mode, lines):
    session = ConfigSession(copy.deepcopy(default_config()))
    for line in MODES[mode]:
        session.feed(line)
    for line in lines:
        try:
            session.feed(line)
        except ConfigError as error:
            assert error.reason and error.line is not None and error.column is not None
    assert_round_trips(session.config)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_loads_and_round_trips(path):
    result = parse_config(path.read_text(), path.name, lenient=True)
    for error in result.errors:
        assert error.filename == path.name and error.reason
    assert_round_trips(result.config)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_corpus_file_pasted_at_the_terminal(path):
    """A file's lines one after another, the way a user pastes a configuration at the terminal
    (indentation and all), on an empty configuration."""
    session = ConfigSession(RunningConfig())
    for line in path.read_text().splitlines():
        try:
            session.feed(line)
        except ConfigError:
            pass
        if session.ended:
            session = ConfigSession(session.config)
    assert_round_trips(session.config)
