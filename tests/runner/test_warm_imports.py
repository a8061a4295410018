"""Robot Framework's import cache filled in the fork server (``smoke_runner/warm_imports.py``): a
robot process that starts with it runs as one that parses everything itself. Each case runs in a
process of its own (the cache is Robot's process-wide ``IMPORTER``): the server's part (``warm``),
then what a forked robot process does (``robot.run_cli``), with Robot's syslog as the witness of
what came from the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from robot.api import ExecutionResult

from smoke_runner import REPO_ROOT, warm_imports

#: In a process of its own: warm the resource files given (or not), optionally rewrite one of them
#: as the server's fork would find it changed, then run robot as a forked robot process does.
SCRIPT = """
import json, sys
from pathlib import Path
from robot.running import namespace
from smoke_runner.warm_imports import WARM_LIBRARIES, WarmImporter
case = json.loads(sys.argv[1])
if case["warm"]:
    importer = WarmImporter()
    importer.warm([Path(path) for path in case["resources"]], WARM_LIBRARIES)
    namespace.IMPORTER = importer
    print(json.dumps([path for path, _before, _resource in importer.warm_resources]))
for path, text in case.get("rewrite", {}).items():
    Path(path).write_text(text, encoding="utf-8")
from robot import run_cli
sys.exit(run_cli(case["args"], exit=False))
"""

GREETING = """\
*** Keywords ***
Greet
    [Documentation]    Logs a greeting.
    Log    hello from the first version
"""

CHANGED_GREETING = """\
*** Keywords ***
Greet
    [Documentation]    Logs a greeting (changed after the server parsed this file).
    Log    hello from the second, longer version
"""

BROKEN = """\
*** Settings ***
Nonexisting Setting    x

*** Keywords ***
Twice
    No Operation

Twice
    No Operation
"""

SUITE = """\
*** Settings ***
Resource    greeting.resource
Resource    broken.resource

*** Test Cases ***
Greets
    [Documentation]    Uses the resource file's keyword.
    Greet
"""


def _run(folder: Path, warm: bool, rewrite: dict[str, str] | None = None) -> tuple[list[str], str, Any]:
    """Warm ``folder``'s resource files (or not), run its suite; (what was kept, syslog, result)."""
    name = "warm" if warm else "cold"
    syslog, output = folder / f"syslog-{name}.txt", folder / f"output-{name}.xml"
    case = {
        "warm": warm,
        "resources": [str(path) for path in sorted(folder.glob("*.resource"))],
        "rewrite": rewrite or {},
        "args": [
            "--output",
            str(output),
            "--log",
            "NONE",
            "--report",
            "NONE",
            "--console",
            "none",
            str(folder / "suite.robot"),
        ],
    }
    completed = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", SCRIPT, json.dumps(case)],
        cwd=REPO_ROOT,
        env={"ROBOT_SYSLOG_FILE": str(syslog), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    kept = json.loads(completed.stdout) if warm else []
    return kept, syslog.read_text(encoding="utf-8"), ExecutionResult(str(output))


def _suite_folder(tmp_path: Path) -> Path:
    (tmp_path / "greeting.resource").write_text(GREETING, encoding="utf-8")
    (tmp_path / "broken.resource").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "suite.robot").write_text(SUITE, encoding="utf-8")
    return tmp_path


def _messages(result: Any) -> list[str]:
    return [message.message for message in result.suite.tests[0].body[0].body[0].body]


def _errors(result: Any) -> list[tuple[str, str]]:
    return [(message.level, message.message) for message in result.errors]


def test_a_warm_robot_process_takes_resources_and_libraries_from_the_cache(tmp_path: Path) -> None:
    folder = _suite_folder(tmp_path)
    kept, syslog, result = _run(folder, warm=True)
    assert kept == [str(folder / "greeting.resource")]
    assert f"Found resource file '{folder / 'greeting.resource'}' from cache." in syslog
    for library in warm_imports.WARM_LIBRARIES[:1]:  # BuiltIn: every robot process imports it
        assert f"Found library '{library}' with arguments [ ] from cache." in syslog
    assert result.suite.tests[0].status == "PASS"
    assert _messages(result) == ["hello from the first version"]


def test_a_resource_file_changed_after_the_server_parsed_it_is_parsed_again(tmp_path: Path) -> None:
    folder = _suite_folder(tmp_path)
    greeting = folder / "greeting.resource"
    kept, syslog, result = _run(folder, warm=True, rewrite={str(greeting): CHANGED_GREETING})
    assert kept == [str(greeting)]
    assert f"Found resource file '{greeting}' from cache." not in syslog
    assert _messages(result) == ["hello from the second, longer version"]


def test_a_resource_file_with_problems_is_left_to_each_process_which_reports_them_as_always(
    tmp_path: Path,
) -> None:
    folder = _suite_folder(tmp_path)
    kept, warm_syslog, warm = _run(folder, warm=True)
    _, cold_syslog, cold = _run(folder, warm=False)
    assert str(folder / "broken.resource") not in kept
    assert f"Found resource file '{folder / 'broken.resource'}' from cache." not in warm_syslog
    assert _errors(warm) == _errors(cold)
    assert any("Non-existing setting 'Nonexisting Setting'" in text for _level, text in _errors(warm))
    assert any("defined multiple times" in text for _level, text in _errors(warm))
    assert "Found resource file" not in cold_syslog  # the cold run is the reference: nothing cached


def _python(code: str) -> Any:
    """What ``code``, run by this Python in a process of its own, prints as JSON."""
    completed = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_repositorys_resource_files_are_all_kept() -> None:
    """Every resource file of the suites parses cleanly, so every one is parsed once per run."""
    code = (
        "import json; from smoke_runner import REPO_ROOT, warm_imports; "
        "from robot.running import namespace; importer = warm_imports.install(REPO_ROOT); "
        "print(json.dumps([importer is namespace.IMPORTER, [p for p, _b, _r in importer.warm_resources], "
        "[key[0] for key, _l in importer.warm_libraries]]))"
    )
    installed, resources, libraries = _python(code)
    assert installed
    assert resources == [str(path) for path in warm_imports.resource_files(REPO_ROOT)]
    assert len(resources) >= 9  # resources/ and variables/
    assert libraries == list(warm_imports.WARM_LIBRARIES)


def test_when_robots_internals_are_not_as_expected_nothing_is_installed() -> None:
    code = (
        "import json; from smoke_runner import REPO_ROOT, warm_imports; from robot.running import namespace; "
        "before = namespace.IMPORTER; del warm_imports.Importer.import_library; "
        "print(json.dumps([warm_imports.install(REPO_ROOT) is None, namespace.IMPORTER is before]))"
    )
    assert _python(code) == [True, True]
