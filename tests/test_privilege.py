"""Privilege 1 (user EXEC, `>`): the commands IOS gives level 1 work, the privileged ones are
refused with IOS's caret as if they did not exist, an output modifier included (a pipe once let
`show running-config | include` through at level 1), until `enable`."""
from __future__ import annotations

import pytest

from qfp_model.control.core.device import Device
from qfp_model.control.errors import ExecError
from qfp_model.control.headend import Headend


@pytest.fixture
def user():
    headend = Headend(Device.from_config_file())
    yield headend.open_terminal(privilege=1, remote=True)
    headend.close()


@pytest.mark.parametrize("line", [
    "show version", "show interfaces", "show interfaces GigabitEthernet1", "show ip interface brief",
    "show clock", "show terminal", "show version | include uptime", "terminal length 0",
])
def test_level_1_commands_work_at_user_exec(user, line):
    assert user.prompt() == "flexvpn-hub>"
    user.execute(line)


@pytest.mark.parametrize("line, caret", [
    ("configure terminal", 0),
    ("clear counters", 0),
    ("show running-config", 5),
    ("show running-config | include hostname", 5),
    ("show running-config interface Loopback0 | include address", 5),
    ("configure terminal | include x", 0),
])
def test_privileged_commands_get_the_caret_at_user_exec(user, line, caret):
    with pytest.raises(ExecError) as refused:
        user.execute(line)
    assert str(refused.value) == "Invalid input detected at '^' marker."
    assert refused.value.column == caret
    assert user.config_session is None and user.confirmation is None
