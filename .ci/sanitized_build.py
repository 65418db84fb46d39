"""pytest plugin for the sanitizer run (.ci/test): refuse to test anything but the sanitized build.

Without it, a stray module from the editable install (built in place, in qfp/) would make the run
pass without a single sanitized instruction executed."""
import sys
from pathlib import Path

import pytest


def pytest_sessionstart(session):
    import qfp_model.qfp._fastpath as fastpath

    module = Path(fastpath.__file__).resolve()
    if not module.is_relative_to(Path(sys.prefix).resolve()):
        pytest.exit(f"sanitizer run: qfp_model.qfp._fastpath came from {module}, not from {sys.prefix}", returncode=3)
    if b"__asan_init" not in module.read_bytes() or b"__ubsan_handle" not in module.read_bytes():
        pytest.exit(f"sanitizer run: {module} is not built with ASan and UBSan", returncode=3)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:   # xdist workers have none
        reporter.write_line(f"sanitized module under test: {module}")
