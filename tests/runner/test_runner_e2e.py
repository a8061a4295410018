"""The runner end to end: ./run_smoke.sh as a subprocess against the reference API (healthy and
with faults that land in each row of the decision matrix), closed and hanging targets, the
Pushgateway and the alert webhook. Workflow faults run with ``--suite workflows`` so the health
suite cannot interfere; each listed fault breaks exactly one flow."""

from __future__ import annotations

import re
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smoke_runner.demo import ReferenceApiProcess
from tests.runner.helpers import (
    REPO_ROOT,
    assert_valid_junit,
    failed_names,
    junit_cases,
    metrics,
    run_runner,
    total,
)
from tests.support.artifacts import artifacts_containing

if TYPE_CHECKING:
    from tests.runner.conftest import AlertReceiver

HEALTH_TESTS = 11
WORKFLOW_TESTS = 10
#: Faults and the workflows they break, none of them a security check (checked against the
#: reference API): the pass-rate rows of the matrix. A failed security check rolls back at any rate
#: (tests/runner/test_verdict_evidence.py). The first four break exactly one workflow each.
FLOW_FAULTS = {
    "subscription_not_persisted": {"Subscription Management Flow"},
    "register_allows_duplicate": {"User Registration Flow"},
    "usage_not_counted": {"Usage Tracking Flow"},
    "bulk_partial": {"Bulk Operations Performance Flow"},
    "path_not_shortest": {"Lattice Pathfinding Flow", "Bulk Operations Performance Flow"},  # bulk checks a path too
    "lattice_drops_blocked": {"Lattice Creation Flow", "Lattice Pathfinding Flow"},
}
FAULTS = list(FLOW_FAULTS)
ONE_FLOW_FAULTS = {fault: next(iter(flows)) for fault, flows in list(FLOW_FAULTS.items())[:4]}


def broken_by(faults: list[str]) -> set[str]:
    """The workflows ``faults`` break together."""
    return set().union(*(FLOW_FAULTS[fault] for fault in faults))


needs_health = pytest.mark.skipif(
    not (REPO_ROOT / "suites" / "health.robot").exists(), reason="suites/health.robot does not exist yet"
)


def assert_no_pabot_leftovers(run_dir: Path) -> None:
    leftovers = [
        p
        for p in run_dir.rglob("*")
        if "pabot_results" in p.parts
        or p.name.endswith("argfile.txt")
        or p.name == ".pabotsuitenames"
        or p.name.startswith(".")
    ]
    assert not leftovers, leftovers


def assert_verdict_last(run, verdict: str, code: int) -> None:  # noqa: ANN001
    assert run.returncode == code, run.console
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert lines[-2].startswith(f"VERDICT: {verdict}"), lines[-3:]
    assert lines[-1].startswith("Reason: ")
    assert f"VERDICT:      {verdict} (exit code {code})" in run.summary()


@needs_health
def test_demo_end_to_end_proceeds_with_every_artifact(results_dir: Path) -> None:
    secret = f"Sm0ke-{uuid.uuid4().hex}"
    run = run_runner(["--demo"], results_dir, env={"TEST_PASSWORD": secret})
    assert_verdict_last(run, "PROCEED", 0)
    run_dir = run.run_dir
    stamp = run_dir.name
    for name in (
        "output.xml",
        "log.html",
        "report.html",
        f"health_{stamp}.xml",
        f"workflows_{stamp}.xml",
        f"summary_{stamp}.txt",
        f"metrics_{stamp}.prom",
    ):
        assert (run_dir / name).is_file(), name
    assert (results_dir / "latest").is_symlink() and (results_dir / "history.jsonl").is_file()
    assert_no_pabot_leftovers(run_dir)
    assert "smoke-pabot-" not in run.console, "the console points at pabot's removed work folder"
    health = junit_cases(run.artifact("health"))
    workflows = junit_cases(run.artifact("workflows"))
    assert len(health) == HEALTH_TESTS and len(workflows) == WORKFLOW_TESTS
    assert not failed_names(health) and not failed_names(workflows)
    assert_valid_junit(run.artifact("health"))  # the strict junit-10.xsd of Jenkins' xunit plugin
    assert_valid_junit(run.artifact("workflows"))
    samples = metrics(run.artifact("metrics"))
    assert len(samples["smoke_last_run_test_failed"]) == HEALTH_TESTS + WORKFLOW_TESTS
    assert total(samples, "smoke_last_run_tests", status="failed") == 0
    assert len(samples["smoke_last_run_test_duration_seconds"]) == HEALTH_TESTS + WORKFLOW_TESTS
    assert total(samples, "smoke_last_run_verdict", verdict="PROCEED") == 1
    assert (
        total(samples, "smoke_last_run_suite_ran", suite="health")
        == total(samples, "smoke_last_run_suite_ran", suite="workflows")
        == 1
    )
    # the secret never reaches the console or any artifact
    assert secret not in run.console
    assert not artifacts_containing(results_dir, secret), "TEST_PASSWORD leaked"


@needs_health
def test_health_failure_rolls_back_and_alerts(results_dir: Path, alert_receiver: AlertReceiver) -> None:
    run = run_runner(
        ["--demo"],
        results_dir,
        env={"LATTICE_FAULTS": "missing_security_headers", "ALERT_WEBHOOK_URL": alert_receiver.url},
    )
    assert_verdict_last(run, "ROLLBACK", 30)
    health = junit_cases(run.artifact("health"))
    assert len(health) == HEALTH_TESTS
    failed = failed_names(health)
    assert len(failed) >= 1
    for name in failed:
        assert health[name].find("failure").get("message")
        assert name in run.stdout  # failing tests are listed with the verdict
    assert not failed_names(junit_cases(run.artifact("workflows")))
    assert_valid_junit(run.artifact("health"))
    assert_valid_junit(run.artifact("workflows"))
    # the failed checks (security headers) carry the security tag: the reason names them
    assert "security check(s) failed: 'health / Security Headers Are Present'" in run.summary()
    assert len(alert_receiver.bodies) == 1 and "ROLLBACK" in alert_receiver.bodies[0]["text"]


def test_one_broken_flow_is_monitor_with_metrics_pushed_and_alert(
    results_dir: Path,
    alert_receiver: AlertReceiver,
    pushgateway: str,
) -> None:
    run = run_runner(
        ["--demo", "--suite", "workflows"],
        results_dir,
        env={"LATTICE_FAULTS": FAULTS[0], "ALERT_WEBHOOK_URL": alert_receiver.url, "PUSHGATEWAY_URL": pushgateway},
    )
    assert_verdict_last(run, "MONITOR", 10)
    cases = junit_cases(run.artifact("workflows"))
    assert len(cases) == WORKFLOW_TESTS
    assert failed_names(cases) == {ONE_FLOW_FAULTS[FAULTS[0]]}
    assert "expected pro/active" in cases[ONE_FLOW_FAULTS[FAULTS[0]]].find("failure").get("message")
    assert not list(run.run_dir.glob("health_*.xml"))
    summary = run.summary()
    assert "9/10 workflows passed (90.0%)" in summary and ONE_FLOW_FAULTS[FAULTS[0]] in summary
    samples = metrics(run.artifact("metrics"))
    assert len(samples["smoke_last_run_test_failed"]) == 10
    assert total(samples, "smoke_last_run_tests", status="passed") == 9
    assert total(samples, "smoke_last_run_test_failed", test=ONE_FLOW_FAULTS[FAULTS[0]]) == 1
    assert total(samples, "smoke_last_run_verdict", verdict="MONITOR") == 1
    # alert: Slack-compatible JSON
    assert len(alert_receiver.bodies) == 1
    body = alert_receiver.bodies[0]
    assert "MONITOR" in body["text"] and ONE_FLOW_FAULTS[FAULTS[0]] in body["text"]
    assert isinstance(body["blocks"], list) and isinstance(body["attachments"], list)
    # the Pushgateway holds the run's metrics under job="smoke_tests" and the environment (demo)
    with urllib.request.urlopen(f"{pushgateway}/metrics", timeout=5) as response:
        exposed = response.read().decode()
    assert re.search(
        r'smoke_last_run_test_failed\{environment="demo",[^}]*job="smoke_tests"[^}]*'
        r'test="Subscription Management Flow"[^}]*\} 1',
        exposed,
    ), exposed[:2000]
    assert "Metrics pushed" in run.stdout


@pytest.mark.parametrize(
    ("faults", "rate"),
    [
        (FAULTS[:2], "8/10 workflows passed (80.0%)"),
        (FAULTS[:3], "7/10 workflows passed (70.0%)"),
        ([*FAULTS[:3], "path_not_shortest"], "5/10 workflows passed (50.0%)"),
    ],
)
def test_fifty_to_eighty_percent_is_investigate(results_dir: Path, faults: list[str], rate: str) -> None:
    run = run_runner(["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": ",".join(faults)})
    assert_verdict_last(run, "INVESTIGATE", 20)
    cases = junit_cases(run.artifact("workflows"))
    assert failed_names(cases) == broken_by(faults)
    assert rate in run.summary()


def test_six_broken_flows_is_rollback_against_production_url(results_dir: Path) -> None:
    with ReferenceApiProcess(faults=FAULTS) as api:
        run = run_runner(["--suite", "workflows"], results_dir, env={"PRODUCTION_URL": api.base_url})
    assert_verdict_last(run, "ROLLBACK", 30)
    cases = junit_cases(run.artifact("workflows"))
    assert failed_names(cases) == broken_by(FAULTS)
    assert len(broken_by(FAULTS)) == 6 and "4/10 workflows passed (40.0%)" in run.summary()
    assert total(metrics(run.artifact("metrics")), "smoke_last_run_tests", status="failed") == 6


def test_closed_port_is_a_fast_rollback(
    results_dir: Path,
    closed_port_url: str,
    alert_receiver: AlertReceiver,
) -> None:
    run = run_runner([], results_dir, env={"PRODUCTION_URL": closed_port_url, "ALERT_WEBHOOK_URL": alert_receiver.url})
    assert_verdict_last(run, "ROLLBACK", 30)
    assert run.seconds < 10, run.seconds
    assert "Preflight failed" in run.stdout and "Connection refused" in run.stdout
    assert "pabot" not in run.stdout.lower()
    cases = junit_cases(run.artifact("preflight"))
    assert failed_names(cases) == {"Target Is Reachable"}
    samples = metrics(run.artifact("metrics"))
    assert total(samples, "smoke_last_run_verdict", verdict="ROLLBACK") == 1
    assert total(samples, "smoke_last_run_suite_ran") == 0, "a suite that never ran must not look like a green one"
    assert '"verdict": "ROLLBACK"' in (results_dir / "history.jsonl").read_text()
    assert len(alert_receiver.bodies) == 1


def test_hanging_target_is_a_bounded_rollback(results_dir: Path, hanging_url: str) -> None:
    run = run_runner([], results_dir, env={"PRODUCTION_URL": hanging_url, "PREFLIGHT_TIMEOUT": "2"})
    assert_verdict_last(run, "ROLLBACK", 30)
    assert 2 <= run.seconds < 12, run.seconds
    assert "sent no answer within 2 s" in run.stdout


def _processes_with_env(marker: str) -> list[int]:
    """Pids of live processes whose environment contains ``marker``."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


@needs_health
def test_run_time_limit_stops_the_tests_and_rolls_back(results_dir: Path) -> None:
    run_id = f"time-limit-{uuid.uuid4().hex[:8]}"
    run = run_runner(
        ["--demo"],
        results_dir,
        env={
            "LATTICE_FAULTS": "slow_responses",
            "LATTICE_SLOW_MS": "2000",  # every answer takes 2 s
            "SMOKE_RUN_TIMEOUT": "4",
            "SMOKE_RUN_ID": run_id,
        },
    )
    assert_verdict_last(run, "ROLLBACK", 30)
    assert "Reason: Run stopped at its time limit: the tests did not finish within 4 s" in run.stdout
    assert run.seconds < 60, run.seconds  # 4 s limit + the graceful stop, not the tests' own timeouts
    assert "did not finish within 4 s" in run.summary()
    assert not _processes_with_env(f"SMOKE_RUN_ID={run_id}"), "robot/pabot processes outlived the run"
    assert_no_pabot_leftovers(run.run_dir)


def test_time_limit_must_be_a_positive_number(results_dir: Path) -> None:
    run = run_runner([], results_dir, env={"PRODUCTION_URL": "http://127.0.0.1:9", "SMOKE_RUN_TIMEOUT": "soon"})
    assert run.returncode == 2 and "SMOKE_RUN_TIMEOUT must be a number of seconds" in run.stderr, run.console


def test_unreachable_pushgateway_and_webhook_are_warnings_only(results_dir: Path, closed_port_url: str) -> None:
    run = run_runner(
        [],
        results_dir,
        env={
            "PRODUCTION_URL": closed_port_url,
            "PUSHGATEWAY_URL": "http://127.0.0.1:9",
            "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/x",
        },
    )
    assert_verdict_last(run, "ROLLBACK", 30)
    assert "metrics push" in run.stderr and "alert to" in run.stderr


@pytest.mark.parametrize("args", [["--help"], ["--bogus-option"], ["--suite", "nope"], ["--processes", "x"]])
def test_help_and_bad_options_exit_2(results_dir: Path, args: list[str]) -> None:
    run = run_runner(args, results_dir, env={"PRODUCTION_URL": "http://127.0.0.1:9"})
    assert run.returncode == 2, run.console
    assert "usage: run_smoke" in run.stdout or "ERROR" in run.stderr
    assert not results_dir.exists() or not any(results_dir.iterdir())


def test_missing_production_url_is_a_configuration_error(results_dir: Path) -> None:
    run = run_runner([], results_dir)
    assert run.returncode == 2 and "PRODUCTION_URL is not set" in run.stderr
