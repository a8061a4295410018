"""Flaky detection: a failed test is re-run once; passing on the re-run makes it FLAKY (counted as
passed in the pass rate, but the verdict is at least MONITOR naming it; reported in the summary, the
metrics, the xUnit file and the history); a health test that fails twice rolls back. Uses throwaway
suites (SMOKE_SUITES_DIR) whose test fails only on its first
attempt (a marker file), and the reference API's ``flaky_once`` fault when it exists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from tests.runner.helpers import (
    RunnerRun,
    assert_valid_junit,
    failed_names,
    junit_cases,
    metrics,
    run_runner,
    total,
)
from tests.support.hostile import HostileServer, answer
from tests.support.suite_model import only_test_broken_by_fault

pytestmark = pytest.mark.suites

HEALTH = """\
*** Settings ***
Documentation    Throwaway health suite of the runner's tests.

*** Test Cases ***
Api Is Up
    [Tags]    health
    Log    up
Database Is Up
    [Tags]    health
    Should Not Be Equal    %{HEALTH_BROKEN=0}    1    database is down
Redis Is Up
    [Tags]    health
    Skip    Redis is not configured
"""
WORKFLOWS_HEAD = """\
*** Settings ***
Documentation    Throwaway workflow suite of the runner's tests.
Test Tags        workflow    critical

*** Test Cases ***
Process Survives
    Evaluate    os.kill(os.getpid(), 9) if os.environ.get('CRASH_WORKFLOWS') == '1' else None    modules=os
Counter Tracking Flow
    ${seen} =    Evaluate    os.path.exists(os.environ['FLAKY_MARKER'])    modules=os
    IF    not ${seen}
        Evaluate    open(os.environ['FLAKY_MARKER'], 'w').close()    modules=os
        Fail    usage counter did not move (first attempt)
    END
"""


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "health.robot").write_text(HEALTH)
    body = WORKFLOWS_HEAD + "".join(f"Flow Number {i}\n    Log    ok\n" for i in range(1, 10))
    (folder / "workflows.robot").write_text(body)
    return folder


@pytest.fixture
def target() -> Iterator[HostileServer]:
    """A loopback target that answers every request 200: enough for the preflight."""
    with HostileServer(answer()) as server:
        yield server


def run_fake_suites(tmp_path: Path, suites: Path, target: HostileServer, **switches: str) -> RunnerRun:
    """The runner over the fake suites against ``target``; ``switches`` turn their faults on."""
    env = {"SMOKE_SUITES_DIR": str(suites), "PRODUCTION_URL": target.url, "FLAKY_MARKER": str(tmp_path / "marker")}
    return run_runner([], tmp_path / "results", env={**env, **switches})


def test_flaky_test_is_reported_counts_as_passed_and_makes_monitor(
    tmp_path: Path, suites: Path, target: HostileServer
) -> None:
    results_dir = tmp_path / "results"
    run = run_fake_suites(tmp_path, suites, target)
    assert run.returncode == 10, run.console
    assert "'workflows / Counter Tracking Flow'" in run.stdout.splitlines()[-1]  # named in the reason
    assert "FLAKY workflows / Counter Tracking Flow" in run.stdout
    summary = run.summary()
    assert "Flaky tests (1)" in summary and "usage counter did not move" in summary
    cases = junit_cases(run.artifact("workflows"))
    assert cases["Counter Tracking Flow"].find("failure") is None
    assert "FLAKY" in cases["Counter Tracking Flow"].find("system-out").text
    flaky = cases["Counter Tracking Flow"].find("flakyFailure")  # Surefire's element for a pass on a re-run
    assert flaky.get("message") == "usage counter did not move (first attempt)" and flaky.get("type")
    assert_valid_junit(run.artifact("workflows"))
    assert_valid_junit(run.artifact("health"))
    assert junit_cases(run.artifact("health"))["Redis Is Up"].find("skipped") is not None
    samples = metrics(run.artifact("metrics"))
    assert total(samples, "smoke_last_run_tests", status="flaky") == 1
    assert total(samples, "smoke_last_run_test_flaky", test="Counter Tracking Flow") == 1
    assert total(samples, "smoke_last_run_tests", status="skipped") == 1
    history = [json.loads(line) for line in (results_dir / "history.jsonl").read_text().splitlines()]
    assert history[-1]["flaky"] == ["Counter Tracking Flow"] and history[-1]["verdict"] == "MONITOR"
    # the merged output tells both attempts, in plain text (Jenkins' plugin shows messages escaped),
    # and tags the flaky test (issue 24, observations 1 and 8)
    output = (run.run_dir / "output.xml").read_text()
    assert "Flaky: passed on the re-run. The first attempt failed: usage counter did not move" in output
    assert "*HTML*" not in output and "re-executed" not in output
    tests = ExecutionResult(str(run.run_dir / "output.xml")).suite.all_tests
    assert [test.name for test in tests if "flaky" in test.tags] == ["Counter Tracking Flow"]


def test_health_test_failing_twice_rolls_back(tmp_path: Path, suites: Path, target: HostileServer) -> None:
    run = run_fake_suites(tmp_path, suites, target, HEALTH_BROKEN="1")
    assert run.returncode == 30, run.console
    assert "Re-running failed tests once" in run.stdout
    assert "FAIL  health / Database Is Up: database is down" in run.stdout
    assert "FLAKY workflows / Counter Tracking Flow" in run.stdout  # re-run in the same pass


def test_reference_api_flaky_once_fault(tmp_path: Path) -> None:
    run = run_runner(["--demo", "--suite", "workflows"], tmp_path / "results", env={"LATTICE_FAULTS": "flaky_once"})
    assert run.returncode == 10, run.console  # a pass on the second try is not a clean pass
    flow = only_test_broken_by_fault("workflows", "subscription_not_persisted").name  # reads the subscription
    assert f"FLAKY workflows / {flow}" in run.stdout
    assert total(metrics(run.artifact("metrics")), "smoke_last_run_tests", status="flaky") == 1


def test_crashed_suite_is_rollback(tmp_path: Path, suites: Path, target: HostileServer) -> None:
    run = run_fake_suites(tmp_path, suites, target, CRASH_WORKFLOWS="1")
    assert run.returncode == 30, run.console
    assert "did not run" in run.stdout
    cases = junit_cases(run.artifact("workflows"))
    assert len(cases) == 1 and failed_names(cases)
    assert len(junit_cases(run.artifact("health"))) == 3
