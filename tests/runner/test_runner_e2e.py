"""The runner end to end: ./run_smoke.sh as a subprocess against the reference API (healthy and
with faults that land in each row of the decision matrix), closed and hanging targets, the
Pushgateway and the alert webhook. Workflow faults run with ``--suite workflows`` so the health
suite cannot interfere.

Nothing here names a test or counts them: the counts, the flows and the faults that break them
come from the suites' own declarations (``guards:`` tags, tests/support/suite_model.py). The faults
are chosen by how many flows they break, and the expected verdict is computed from the counts with
the seed's rollback matrix, so a new flow changes no expectation."""

from __future__ import annotations

import re
import urllib.request
import uuid
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smoke_runner.preflight.demo import ReferenceApiProcess
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
from tests.support.suite_model import (
    broken_by_fault,
    faults_declared,
    suite_test_named,
    suite_tests,
)

pytestmark = pytest.mark.suites

if TYPE_CHECKING:
    from tests.support.hostile import HostileServer

#: The runner skips tests tagged ``deprecated`` unless asked for them.
HEALTH_TESTS = len([test for test in suite_tests("health") if not test.has_tag("deprecated")])
WORKFLOW_TESTS = len([test for test in suite_tests("workflows") if not test.has_tag("deprecated")])


def band(passed: int, total: int) -> str:
    """The seed's rollback matrix for a workflow pass rate (docs/runner.md): the expected verdict."""
    rate = Fraction(passed, total)
    if rate < Fraction(1, 2):
        return "ROLLBACK"
    if rate <= Fraction(4, 5):
        return "INVESTIGATE"
    return "MONITOR" if rate < 1 else "PROCEED"


EXIT_CODES = {"PROCEED": 0, "MONITOR": 10, "INVESTIGATE": 20, "ROLLBACK": 30}


def flow_faults() -> dict[str, frozenset[str]]:
    """Faults declared by workflows and the flows each breaks (as declared), none of them a security
    check (a failed security check rolls back at any rate, tests/runner/test_verdict_evidence.py) or
    a deprecated test (the runner does not run it).
    Those that break fewer flows come first, then in the suite's order."""
    faults = {
        fault: frozenset(test.name for test in broken_by_fault("workflows", fault))
        for fault in faults_declared("workflows")
    }
    excluded = {
        test.name for test in suite_tests("workflows") if test.has_tag("security") or test.has_tag("deprecated")
    }
    plain = {fault: flows for fault, flows in faults.items() if not flows & excluded}
    return dict(sorted(plain.items(), key=lambda item: len(item[1])))


def faults_breaking(count: int) -> list[str]:
    """Faults that together break exactly ``count`` flows, no flow by two of them (a bounded search
    over the declared faults, those breaking fewer flows first)."""
    faults = list(flow_faults().items())

    def search(start: int, broken: frozenset[str]) -> list[str] | None:
        if len(broken) == count:
            return []
        for index in range(start, len(faults)):
            fault, flows = faults[index]
            if not broken & flows and len(broken | flows) <= count:
                rest = search(index + 1, broken | flows)
                if rest is not None:
                    return [fault, *rest]
        return None

    found = search(0, frozenset())
    if found is None:
        raise LookupError(f"the workflows declare no non-security faults that break exactly {count} flows")
    return found


def broken_by(faults: list[str]) -> set[str]:
    """The workflows ``faults`` break together (as the suite declares)."""
    declared = flow_faults()
    return set().union(*(declared[fault] for fault in faults))


def broken_counts(verdict: str) -> list[int]:
    """How many broken flows land in ``verdict``'s band: its smallest, middle and largest count."""
    counts = [k for k in range(1, WORKFLOW_TESTS + 1) if band(WORKFLOW_TESTS - k, WORKFLOW_TESTS) == verdict]
    return sorted({counts[0], counts[len(counts) // 2], counts[-1]})


def rate_line(broken: int) -> str:
    """The summary's pass-rate line for ``broken`` failed flows."""
    passed = WORKFLOW_TESTS - broken
    return f"{passed}/{WORKFLOW_TESTS} workflows passed ({passed / WORKFLOW_TESTS:.1%})"


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


def assert_verdict_last(run, verdict: str, code: int, partial: bool = False) -> None:  # noqa: ANN001
    """The verdict is the console's last word and the summary's; a run of one suite says it is partial."""
    assert run.returncode == code, run.console
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    label = f"{verdict} (partial run)" if partial else verdict
    assert lines[-2].startswith(f"VERDICT: {label} - "), lines[-3:]
    assert lines[-1].startswith("Reason: ")
    assert f"VERDICT:      {label} (exit code {code})" in run.summary()


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


def security_health_proof() -> tuple[dict[str, str], str]:
    """The environment that breaks one security health check, and that check: a proof only that check
    declares, a mutation first (it changes nothing but the answers it names)."""
    candidates = [
        (proof, test.name)
        for test in suite_tests("health")
        if test.has_tag("security")
        for proof in test.proofs
        if proof.kind in ("mutate", "fault")
        and [t.name for suite in ("health", "workflows") for t in suite_tests(suite) if t.proof(proof.kind, proof.spec)]
        == [test.name]
    ]
    if not candidates:
        raise LookupError("no security health check declares a proof of its own")
    proof, name = min(candidates, key=lambda candidate: candidate[0].kind != "mutate")
    variable = "LATTICE_MUTATIONS" if proof.kind == "mutate" else "LATTICE_FAULTS"
    return {variable: proof.spec}, name


@needs_health
def test_health_failure_rolls_back_and_alerts(results_dir: Path, alert_receiver: HostileServer) -> None:
    breakage, check = security_health_proof()
    run = run_runner(["--demo"], results_dir, env={**breakage, "ALERT_WEBHOOK_URL": alert_receiver.url})
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
    # the failed check carries the security tag: the reason names it
    assert "security check(s) failed: " in run.summary() and f"'health / {check}'" in run.summary()
    assert check in failed
    assert len(alert_receiver.json_bodies) == 1 and "ROLLBACK" in alert_receiver.json_bodies[0]["text"]


def test_one_broken_flow_is_monitor_with_metrics_pushed_and_alert(
    results_dir: Path,
    alert_receiver: HostileServer,
    pushgateway: str,
) -> None:
    [fault] = faults_breaking(1)
    [flow] = broken_by([fault])
    verdict = band(WORKFLOW_TESTS - 1, WORKFLOW_TESTS)
    run = run_runner(
        ["--demo", "--suite", "workflows"],
        results_dir,
        env={"LATTICE_FAULTS": fault, "ALERT_WEBHOOK_URL": alert_receiver.url, "PUSHGATEWAY_URL": pushgateway},
    )
    assert_verdict_last(run, verdict, EXIT_CODES[verdict], partial=True)
    cases = junit_cases(run.artifact("workflows"))
    assert len(cases) == WORKFLOW_TESTS
    assert failed_names(cases) == {flow}
    message = cases[flow].find("failure").get("message")
    assert all(text in message for text in suite_test_named(flow).proof("fault", fault).expects), message
    assert not list(run.run_dir.glob("health_*.xml"))
    summary = run.summary()
    assert rate_line(1) in summary and flow in summary
    samples = metrics(run.artifact("metrics"))
    assert len(samples["smoke_last_run_test_failed"]) == WORKFLOW_TESTS
    assert total(samples, "smoke_last_run_tests", status="passed") == WORKFLOW_TESTS - 1
    assert total(samples, "smoke_last_run_test_failed", test=flow) == 1
    assert total(samples, "smoke_last_run_verdict", verdict=verdict) == 1
    # alert: Slack-compatible JSON
    assert len(alert_receiver.json_bodies) == 1
    body = alert_receiver.json_bodies[0]
    assert verdict in body["text"] and flow in body["text"]
    assert isinstance(body["blocks"], list) and isinstance(body["attachments"], list)
    # the Pushgateway holds the run's metrics under job="smoke_tests" and the environment (demo)
    with urllib.request.urlopen(f"{pushgateway}/metrics", timeout=5) as response:
        exposed = response.read().decode()
    assert re.search(
        r'smoke_last_run_test_failed\{environment="demo",[^}]*job="smoke_tests"[^}]*'
        rf'test="{re.escape(flow)}"[^}}]*\}} 1',
        exposed,
    ), exposed[:2000]
    assert "Metrics pushed" in run.stdout


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(count, marks=[] if index == len(broken_counts("INVESTIGATE")) // 2 else [pytest.mark.full])
        for index, count in enumerate(broken_counts("INVESTIGATE"))
    ],
)
def test_the_investigate_band_of_the_pass_rate(results_dir: Path, broken: int) -> None:
    faults = faults_breaking(broken)
    run = run_runner(["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": ",".join(faults)})
    assert_verdict_last(run, "INVESTIGATE", 20, partial=True)
    cases = junit_cases(run.artifact("workflows"))
    assert failed_names(cases) == broken_by(faults)
    assert rate_line(broken) in run.summary()


@pytest.mark.full  # rule tied to decide in the default tier (tests/runner/test_verdict.py); here end to end
def test_a_pass_rate_below_the_investigate_band_is_rollback_against_production_url(results_dir: Path) -> None:
    broken = max(broken_counts("INVESTIGATE")) + 1
    assert band(WORKFLOW_TESTS - broken, WORKFLOW_TESTS) == "ROLLBACK"
    faults = faults_breaking(broken)
    with ReferenceApiProcess(faults=faults) as api:
        run = run_runner(["--suite", "workflows"], results_dir, env={"PRODUCTION_URL": api.base_url})
    assert_verdict_last(run, "ROLLBACK", 30, partial=True)
    cases = junit_cases(run.artifact("workflows"))
    assert failed_names(cases) == broken_by(faults)
    assert len(broken_by(faults)) == broken and rate_line(broken) in run.summary()
    assert total(metrics(run.artifact("metrics")), "smoke_last_run_tests", status="failed") == broken


def test_closed_port_is_a_fast_rollback(
    results_dir: Path,
    closed_port_url: str,
    alert_receiver: HostileServer,
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
    assert len(alert_receiver.json_bodies) == 1


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


@pytest.mark.full  # the default tier stops a run at its limit in tests/runner/test_pabot_outputs.py
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
