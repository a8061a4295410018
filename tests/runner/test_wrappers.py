"""run_smoke.sh and run_smoke.bat stay in step: same module checks, same entry point, exit code passed on.

The .bat cannot run here (no Windows); these checks catch the drift that would make it differ.
"""

from __future__ import annotations

import re

from smoke_runner.preflight import DEMO_MODULES, SUITE_MODULES
from tests.runner.helpers import REPO_ROOT

SH = (REPO_ROOT / "run_smoke.sh").read_text(encoding="utf-8")
BAT_BYTES = (REPO_ROOT / "run_smoke.bat").read_bytes()
BAT = BAT_BYTES.decode("ascii")


def _module_lists(text: str, pattern: str) -> list[list[str]]:
    return [line.split() for line in re.findall(pattern, text)]


def test_both_wrappers_check_the_modules_the_preflight_checks() -> None:
    sh_lists = _module_lists(SH, r"importable ([A-Za-z0-9_ ]+);")
    bat_lists = _module_lists(BAT, r'"%CHECK%" ([A-Za-z0-9_ ]+)\r\n')
    assert sh_lists == [list(SUITE_MODULES), list(DEMO_MODULES)], sh_lists
    assert bat_lists == [list(SUITE_MODULES), list(DEMO_MODULES)], bat_lists


def test_both_wrappers_run_the_same_entry_point_and_pass_its_exit_code_on() -> None:
    assert 'exec "$VPY" -m smoke_runner "$@"' in SH
    assert '"%VPY%" -m smoke_runner %*\r\nexit /b %ERRORLEVEL%' in BAT


def test_both_wrappers_put_the_venv_first_on_path_for_pabot() -> None:
    assert 'export PATH="$VENV/bin:$PATH"' in SH
    assert 'set "PATH=%VENV%\\Scripts;%PATH%"' in BAT


def test_batch_file_has_crlf_line_endings_only() -> None:
    assert b"\r\n" in BAT_BYTES and b"\n" not in BAT_BYTES.replace(b"\r\n", b""), "cmd.exe needs CRLF"
    assert "eol=crlf" in (REPO_ROOT / ".gitattributes").read_text(encoding="utf-8")
