"""run_smoke.sh and run_smoke.bat stay in step: same module checks, same entry point, exit code passed on.

The .bat cannot run here (no Windows); these checks catch the drift that would make it differ.
"""

from __future__ import annotations

import re

import pytest

from smoke_runner.preflight.checks import DEMO_MODULES, SUITE_MODULES
from tests.runner.helpers import REPO_ROOT

pytestmark = pytest.mark.unit

SH = (REPO_ROOT / "run_smoke.sh").read_text(encoding="utf-8")
BAT_BYTES = (REPO_ROOT / "run_smoke.bat").read_bytes()
BAT = BAT_BYTES.decode("ascii")


def _module_lists(text: str, pattern: str) -> list[list[str]]:
    return [line.split() for line in re.findall(pattern, text)]


def test_both_wrappers_check_the_modules_the_preflight_checks() -> None:
    """For SMOKE_PYTHON (then missing packages are an error) and for the virtual environment
    (then they are installed): the suites' modules, then the demo's."""
    sh_lists = _module_lists(SH, r"importable ([A-Za-z0-9_ ]+?)(?:;| \\|$)")
    bat_lists = _module_lists(BAT, r'"%CHECK%" ([A-Za-z0-9_ ]+)\r\n')
    expected = [list(SUITE_MODULES), list(DEMO_MODULES)] * 2
    assert [names for names in sh_lists if names] == expected, sh_lists
    assert bat_lists == expected, bat_lists


def test_both_wrappers_run_the_same_entry_point_and_pass_its_exit_code_on() -> None:
    assert 'exec "$VPY" -m smoke_runner "$@"' in SH
    assert '"%VPY%" -m smoke_runner %*\r\nexit /b %ERRORLEVEL%' in BAT


def test_both_wrappers_put_the_interpreters_folder_first_on_path_for_pabot() -> None:
    assert 'export PATH="$BIN:$PATH"' in SH and 'BIN="$VENV/bin"' in SH
    assert 'set "PATH=%BIN%;%PATH%"' in BAT and 'set "BIN=%VENV%\\Scripts"' in BAT


def test_both_wrappers_ask_the_runner_which_python_is_new_enough() -> None:
    """The Python floor has one home (requires-python in pyproject.toml) and one reader
    (smoke_runner/preflight/python_version.py), which both wrappers ask."""
    reader = "from smoke_runner.preflight.python_version import unsupported_python"
    assert reader in SH and reader in BAT
    for wrapper in (SH, BAT):
        assert not re.search(r"\b3\.\d+\b|\(3, \d+\)", wrapper), "a Python version written into a wrapper"


def test_batch_file_has_crlf_line_endings_only() -> None:
    assert b"\r\n" in BAT_BYTES and b"\n" not in BAT_BYTES.replace(b"\r\n", b""), "cmd.exe needs CRLF"
    assert "eol=crlf" in (REPO_ROOT / ".gitattributes").read_text(encoding="utf-8")
