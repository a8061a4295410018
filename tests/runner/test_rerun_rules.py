"""No re-run when the suite setup failed for every test of a suite (issue 9, row 10): the re-run
could not change anything and would only double the time a stalling target costs. Nor for a test
tagged ``no-rerun`` (issue 12: a measured SLA miss). Ordinary failures are still re-run once, and
one that passes on the re-run is still FLAKY."""

from __future__ import annotations

from pathlib import Path

from tests.runner.helpers import run_runner
from tests.support.hostile import HostileServer

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
    tmp_path: Path, results_dir: Path, alert_receiver: HostileServer
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
    tmp_path: Path, results_dir: Path, alert_receiver: HostileServer
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


MEASURED_HEALTH = """\
*** Settings ***
Documentation    Throwaway health suite with a measured failure (it counts its attempts; it would pass a second time).

*** Test Cases ***
Api Is Up
    [Documentation]    Passes.
    Log    up
Response Times Meet SLA
    [Documentation]    Fails on its first attempt only: a re-run would hide the miss as a flaky pass.
    [Tags]    sla    no-rerun
    Evaluate    open(os.environ['SLA_COUNTER'], 'a').write('sla ')    modules=os
    ${attempts} =    Evaluate    len(open(os.environ['SLA_COUNTER']).read().split())    modules=os
    Should Be Equal As Integers    ${attempts}    2    p95 exceeds 500 ms (attempt ${attempts})
"""
FLAKY_WORKFLOWS = """\
*** Settings ***
Documentation    Throwaway workflow suite whose test fails on its first attempt only (it counts its attempts).
Test Tags        workflow

*** Test Cases ***
Usage Tracking Flow
    [Documentation]    Fails on the first attempt, passes on the re-run: FLAKY.
    Evaluate    open(os.environ['TEST_COUNTER'], 'a').write('test ')    modules=os
    ${attempts} =    Evaluate    len(open(os.environ['TEST_COUNTER']).read().split())    modules=os
    Should Be Equal As Integers    ${attempts}    2    usage counter did not move (attempt ${attempts})
"""


def test_a_measured_failure_is_not_rerun_while_an_ordinary_one_is_still_found_flaky(
    tmp_path: Path, results_dir: Path, alert_receiver: HostileServer
) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "health.robot").write_text(MEASURED_HEALTH, encoding="utf-8")
    (folder / "workflows.robot").write_text(FLAKY_WORKFLOWS, encoding="utf-8")
    sla_counter, test_counter = tmp_path / "sla.txt", tmp_path / "test.txt"
    env = {
        "SMOKE_SUITES_DIR": str(folder),
        "SLA_COUNTER": str(sla_counter),
        "TEST_COUNTER": str(test_counter),
        "PRODUCTION_URL": alert_receiver.url,
    }
    run = run_runner([], results_dir, env=env)
    assert run.returncode == 30, run.console  # the measured miss stands: ROLLBACK, not a flaky MONITOR
    assert _lines(sla_counter) == 1, f"the no-rerun test ran {_lines(sla_counter)} times\n{run.console}"
    assert _lines(test_counter) == 2, f"the ordinary failure ran {_lines(test_counter)} times\n{run.console}"
    assert "Not re-running 1 failed test(s) tagged no-rerun" in run.stdout and "Response Times Meet SLA" in run.stdout
    assert "FLAKY health / Response Times Meet SLA" not in run.stdout
    assert "FLAKY workflows / Usage Tracking Flow" in run.stdout, run.console
    assert "1 health check(s) failed: 'health / Response Times Meet SLA'" in run.stdout
    assert "p95 exceeds 500 ms (attempt 1)" in run.summary()


def test_only_measured_failures_mean_no_rerun_at_all(
    tmp_path: Path, results_dir: Path, alert_receiver: HostileServer
) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "health.robot").write_text(MEASURED_HEALTH, encoding="utf-8")
    sla_counter = tmp_path / "sla.txt"
    env = {"SMOKE_SUITES_DIR": str(folder), "SLA_COUNTER": str(sla_counter), "PRODUCTION_URL": alert_receiver.url}
    run = run_runner(["--suite", "health"], results_dir, env=env)
    assert run.returncode == 30, run.console
    assert _lines(sla_counter) == 1 and "Re-running failed tests" not in run.stdout, run.console
