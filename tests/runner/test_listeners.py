"""``--listener`` on an allow-list (issue 24, observation 7): Allure's listener by its module name and
a team's own listener files in ``listeners/``; anything else is refused with exit code 2. What a
listener receives is masked like every artifact: SmokeLibrary's masking listener must see every
event first (Robot Framework 7 calls listeners by ``ROBOT_LISTENER_PRIORITY``, highest first, command
line listeners before library listeners of the same priority).

The end-to-end tests run a copy of the runner whose ``listeners/`` holds a recording listener, on a
throwaway suite that imports SmokeLibrary and logs and fails with ``TEST_PASSWORD``; with Allure's real
listener the same run's Allure results are read.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from smoke_runner.cli import UsageError, parse_options
from smoke_runner.configure import passthrough
from smoke_runner.configure.passthrough import ALLURE_LISTENER, ALLURE_RESULTS, listener_options
from tests.runner.helpers import REPO_ROOT, run_runner
from tests.support.hostile import HostileServer, answer

SECRET = "Listener-Secret-7f3a9c"
RECORDER = '''\
"""Records every event a listener receives (the test of issue 24, observation 7)."""

import json
import os


class recorder:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, *args):
        self.path = os.environ["RECORDER_FILE"]
        self._write("args", list(args))

    def _write(self, event, value):
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps({"event": event, "value": value}) + "\\n")

    def log_message(self, message):
        self._write("log_message", message.message)

    def message(self, message):
        self._write("message", message.message)

    def start_keyword(self, data, result):
        self._write("start_keyword", [str(arg) for arg in result.args])

    def end_keyword(self, data, result):
        self._write("end_keyword", [str(arg) for arg in result.args] + [result.doc])

    def end_test(self, data, result):
        self._write("end_test", [result.name, result.status, result.message, result.doc])

    def end_suite(self, data, result):
        self._write("end_suite", [result.name, result.message, result.doc])
'''
SUITE = f"""\
*** Settings ***
Documentation    A suite whose test logs and fails with the password.
Library          {REPO_ROOT / "libraries" / "SmokeLibrary"}/

*** Test Cases ***
Login Works
    [Documentation]    Logs the password and fails with it: every reader must see it masked.
    Log    the password is %{{TEST_PASSWORD}}
    Fail    login failed for password %{{TEST_PASSWORD}}
"""
#: What the masking listener needs for every listener to see masked events (libraries/ is the lead's).

# --- the allow-list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--listener", "x"],
        ["--listener", "robot.libraries.BuiltIn"],
        ["--listener=RobotStackTracer"],
        ["--listener", "listeners/../smoke_runner/cli.py"],
        ["--listener", str(REPO_ROOT / "smoke_runner" / "cli.py")],
    ],
)
def test_observation_7_listeners_outside_the_allow_list_are_refused(args: list[str]) -> None:
    with pytest.raises(UsageError, match=r"--listener .* is not allowed: only allure_robotframework"):
        parse_options(args)


def test_observation_7_a_listener_from_robot_options_or_an_argument_file_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argfile = tmp_path / "args.txt"
    argfile.write_text("--listener evil\n", encoding="utf-8")
    with pytest.raises(UsageError, match="--listener evil is not allowed"):
        parse_options(["-A", str(argfile)])
    monkeypatch.setenv("ROBOT_OPTIONS", "--listener evil")
    with pytest.raises(UsageError, match="--listener evil is not allowed"):
        parse_options([])


def test_observation_7_a_file_in_the_listeners_folder_is_allowed_by_name_or_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "listeners"
    folder.mkdir()
    (folder / "recorder.py").write_text(RECORDER, encoding="utf-8")
    monkeypatch.setattr(passthrough, "LISTENERS_DIR", folder)
    expected = str((folder / "recorder.py").resolve())
    for given in ("recorder", "recorder.py", str(folder / "recorder.py")):
        options = parse_options(["--listener", given])
        assert options is not None and options.listeners == [expected], given
        assert not [arg for arg in options.passthrough if "listener" in arg]
    options = parse_options(["--listener", "recorder:verbose:/tmp/x"])
    assert options is not None and options.listeners == [f"{expected}:verbose:/tmp/x"]
    options = parse_options(["--listener", "recorder;page;http://localhost:8080/"])  # ";" when an argument holds ":"
    assert options is not None and options.listeners == [f"{expected};page;http://localhost:8080/"]


def test_observation_7_a_link_out_of_the_listeners_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "listeners"
    folder.mkdir()
    outside = tmp_path / "outside.py"
    outside.write_text(RECORDER, encoding="utf-8")
    (folder / "linked.py").symlink_to(outside)
    monkeypatch.setattr(passthrough, "LISTENERS_DIR", folder)
    with pytest.raises(UsageError, match="--listener linked is not allowed"):
        parse_options(["--listener", "linked"])


def test_observation_7_a_listener_argument_with_a_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PASSWORD", SECRET)
    with pytest.raises(UsageError, match="its arguments hold a secret"):
        parse_options(["--listener", f"{ALLURE_LISTENER}:/tmp/{SECRET}"])


def test_observation_7_allure_writes_into_the_run_folder_unless_given_a_folder(tmp_path: Path) -> None:
    options = parse_options(["--listener", ALLURE_LISTENER])
    assert options is not None and options.listeners == [ALLURE_LISTENER]
    run = tmp_path / "20260101_000000"
    assert listener_options(options.listeners, run) == [f"--listener={ALLURE_LISTENER}:{run / ALLURE_RESULTS}"]
    options = parse_options(["--listener", f"{ALLURE_LISTENER}:allure"])  # relative to where the runner starts
    assert options is not None
    assert options.listeners == [f"{ALLURE_LISTENER}:{Path('allure').resolve()}"]
    assert listener_options(options.listeners, run) == [f"--listener={ALLURE_LISTENER}:{Path('allure').resolve()}"]


def test_observation_7_the_refusal_ends_the_run_with_exit_code_2(tmp_path: Path) -> None:
    run = run_runner(["--listener", "evil"], tmp_path / "results", env={"PRODUCTION_URL": "http://127.0.0.1:9"})
    assert run.returncode == 2, run.console
    assert "--listener evil is not allowed" in run.stderr
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


# --- what listeners receive -------------------------------------------------------------------------


def _project_copy(root: Path) -> Path:
    """The runner (code, wrapper, settings, default profile) in ``root``; the recording listener in ``listeners/``."""
    for folder in ("smoke_runner", "variables"):
        shutil.copytree(REPO_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("run_smoke.sh", "pyproject.toml", "requirements.txt"):
        shutil.copy2(REPO_ROOT / name, root / name)
    (root / "listeners").mkdir()
    (root / "listeners" / "recorder.py").write_text(RECORDER, encoding="utf-8")
    suites = root / "throwaway"
    suites.mkdir()
    (suites / "health.robot").write_text(SUITE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def listened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the copy with the recording listener and Allure's: its work folder."""
    pytest.importorskip("allure_robotframework", reason="needs allure-robotframework (requirements-dev.txt)")
    work = tmp_path_factory.mktemp("listened")
    root = _project_copy(work / "project")
    target = HostileServer(answer()).start()
    try:
        run = run_runner(
            ["--suite", "health", "--no-rerun", "--listener", "recorder", "--listener", ALLURE_LISTENER],
            work / "results",
            env={
                "SMOKE_SUITES_DIR": str(root / "throwaway"),
                "PRODUCTION_URL": target.url,
                "TEST_PASSWORD": SECRET,
                "RECORDER_FILE": str(work / "recorded.jsonl"),
            },
            cwd=work,
            runner=root / "run_smoke.sh",
        )
    finally:
        target.close()
    assert run.returncode == 30, run.console
    return work


def _recorded(work: Path) -> list[dict[str, object]]:
    lines = (work / "recorded.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _allure_results(work: Path) -> list[Path]:
    run_dir = (work / "results" / "latest").resolve()
    return sorted((run_dir / ALLURE_RESULTS).glob("*"))


def test_observation_7_a_listener_from_the_folder_receives_the_run(listened: Path) -> None:
    events = _recorded(listened)
    ended = [event["value"] for event in events if event["event"] == "end_test"]
    assert len(ended) == 1 and ended[0][:2] == ["Login Works", "FAIL"], ended  # type: ignore[index]
    assert any(event["event"] == "log_message" for event in events)


def test_observation_7_allures_listener_writes_into_the_run_folder(listened: Path) -> None:
    results = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in _allure_results(listened)
        if path.name.endswith("-result.json")
    ]
    assert [(result["name"], result["status"]) for result in results] == [("Login Works", "failed")], results


def test_observation_7_the_artifacts_hold_no_secret(listened: Path) -> None:
    """Unchanged by listeners: output.xml, log.html, report.html and the JUnit files are masked."""
    run_dir = (listened / "results" / "latest").resolve()
    for path in run_dir.iterdir():
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path


def test_observation_7_no_secret_reaches_a_listener_from_the_folder(listened: Path) -> None:
    text = (listened / "recorded.jsonl").read_text(encoding="utf-8")
    assert "***" in text, "the recording listener saw nothing masked: the test proves nothing"
    assert SECRET not in text, [line for line in text.splitlines() if SECRET in line]


def test_observation_7_no_secret_reaches_allure(listened: Path) -> None:
    leaked = [path.name for path in _allure_results(listened) if SECRET in path.read_text(encoding="utf-8")]
    assert _allure_results(listened) and not leaked, leaked
