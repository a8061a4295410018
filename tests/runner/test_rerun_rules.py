"""No re-run when the suite setup failed for every test of a suite (issue 9, row 10): the re-run
could not change anything and would only double the time a stalling target costs. Ordinary
failures are still re-run once."""

from __future__ import annotations

from pathlib import Path

from tests.runner.conftest import AlertReceiver
from tests.runner.helpers import run_runner

HEALTH = """\
*** Settings ***
Documentation    Throwaway health suite whose setup always fails (it counts its attempts).
Suite Setup      Count And Fail

*** Test Cases ***
Api Is Up
    [Documentation]    Never runs: the suite setup fails.
    Log    up
Database Is Up
    [Documentation]    Never runs: the suite setup fails.
    Log    up

*** Keywords ***
Count And Fail
    [Documentation]    Appends a line to the setup counter, then fails like a stalled target.
    Evaluate    open(os.environ['SETUP_COUNTER'], 'a').write('setup ')    modules=os
    Fail    Cannot connect to /health: read timed out
"""
WORKFLOWS = """\
*** Settings ***
Documentation    Throwaway workflow suite with an ordinary failure (it counts its attempts).
Test Tags        workflow

*** Test Cases ***
Counter Tracking Flow
    [Documentation]    Fails on every attempt after counting it.
    Evaluate    open(os.environ['TEST_COUNTER'], 'a').write('test ')    modules=os
    Fail    usage counter did not move
"""


def _suites(tmp_path: Path, *, workflows: bool) -> Path:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "health.robot").write_text(HEALTH, encoding="utf-8")
    if workflows:
        (folder / "workflows.robot").write_text(WORKFLOWS, encoding="utf-8")
    return folder


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").split()) if path.exists() else 0


def test_a_suite_whose_setup_failed_for_every_test_is_not_rerun(
    tmp_path: Path, results_dir: Path, alert_receiver: AlertReceiver
) -> None:
    setup_counter = tmp_path / "setup.txt"
    env = {
        "SMOKE_SUITES_DIR": str(_suites(tmp_path, workflows=False)),
        "SETUP_COUNTER": str(setup_counter),
        "PRODUCTION_URL": alert_receiver.url,
    }  # answers the preflight (any status counts)
    run = run_runner(["--suite", "health"], results_dir, env=env)
    assert run.returncode == 30, run.console
    assert _lines(setup_counter) == 1, f"the failing suite setup ran {_lines(setup_counter)} times\n{run.console}"
    assert "Re-running failed tests" not in run.stdout


def test_ordinary_failures_are_still_rerun_beside_a_failed_suite_setup(
    tmp_path: Path, results_dir: Path, alert_receiver: AlertReceiver
) -> None:
    setup_counter, test_counter = tmp_path / "setup.txt", tmp_path / "test.txt"
    env = {
        "SMOKE_SUITES_DIR": str(_suites(tmp_path, workflows=True)),
        "SETUP_COUNTER": str(setup_counter),
        "TEST_COUNTER": str(test_counter),
        "PRODUCTION_URL": alert_receiver.url,
    }
    run = run_runner([], results_dir, env=env)
    assert run.returncode == 30, run.console
    assert _lines(test_counter) == 2, f"the ordinary failure ran {_lines(test_counter)} times\n{run.console}"
    assert _lines(setup_counter) == 1, f"the failing suite setup ran {_lines(setup_counter)} times\n{run.console}"
