"""One-shot pushes of two environments through a real Pushgateway into a real Prometheus: each
documented query (docs/monitoring.md names them verbatim) answers the truth of the last run of each
environment, and the environments do not overwrite each other."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from smoke_runner.decide.verdict import decide
from smoke_runner.domain import model
from smoke_runner.domain.model import RunResults, SuiteResult
from smoke_runner.publish.metrics import build_registry, push_metrics
from tests.monitoring._servers import Prometheus, Pushgateway

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / "docs" / "monitoring.md"
LAST_VERDICT = "smoke_last_run_verdict == 1"
LAST_PASS_RATIO = "smoke_last_run_pass_ratio"
LAST_PASS_RATIO_FROM_COUNTS = (
    'sum by (environment) (smoke_last_run_tests{status="passed"}) / '
    'sum by (environment) (smoke_last_run_tests{status=~"passed|failed"})'
)
LAST_DURATION = "smoke_last_run_duration_seconds"
SINCE_LAST_RUN = "time() - smoke_last_run_timestamp_seconds"
FAILED_TESTS = "smoke_last_run_test_failed == 1"
FAILED_HEALTH_CHECKS = 'smoke_last_run_tests{suite="health", status="failed"}'
QUERIES = (
    LAST_VERDICT,
    LAST_PASS_RATIO,
    LAST_PASS_RATIO_FROM_COUNTS,
    LAST_DURATION,
    SINCE_LAST_RUN,
    FAILED_TESTS,
    FAILED_HEALTH_CHECKS,
)


def suite(key: str, passed: int, failed: int, failing_name: str = "") -> SuiteResult:
    tests = [
        model.TestResult(
            suite=key, name=f"{key} test {index}", classname=f"Smoke.{key.title()}", status="PASS", elapsed=0.1 * index
        )
        for index in range(passed)
    ]
    tests += [
        model.TestResult(
            suite=key,
            name=failing_name or f"{key} failure {index}",
            classname=f"Smoke.{key.title()}",
            status="FAIL",
            message="expected 200, got 500",
            elapsed=1.0,
        )
        for index in range(failed)
    ]
    return SuiteResult(key=key, name=key.title(), tests=tests)


def push(gateway: str, environment: str, results: RunResults, duration: float, finished: float) -> str:
    decision = decide(results)
    error = push_metrics(build_registry(results, decision, duration, finished=finished), gateway, environment)
    assert error is None, error
    return decision.verdict.name


def by_environment(result: list[tuple[dict[str, str], float]]) -> dict[str, float]:
    found: dict[str, float] = {}
    for labels, value in result:
        assert labels.get("job") == "smoke_tests", labels
        assert labels["environment"] not in found, f"two series for {labels['environment']}: {result}"
        found[labels["environment"]] = value
    return found


def test_every_query_here_is_the_one_the_docs_name() -> None:
    text = DOC.read_text(encoding="utf-8")
    for query in QUERIES:
        assert f"`{query}`" in text, f"docs/monitoring.md does not name the tested query {query}"


def test_documented_one_shot_queries_answer_the_last_run_of_each_environment(tmp_path: Path) -> None:
    now = time.time()
    with (
        Pushgateway(tmp_path) as gateway,
        Prometheus(tmp_path, {"pushgateway": (f"127.0.0.1:{gateway.port}", True)}) as prom,
    ):
        # staging: a green run, replaced by a later run with one failing workflow
        assert (
            push(
                gateway.url, "staging", RunResults([suite("health", 3, 0), suite("workflows", 10, 0)]), 30.0, now - 900
            )
            == "PROCEED"
        )
        # production: a failing health check
        assert (
            push(
                gateway.url,
                "production",
                RunResults([suite("health", 2, 1, "Storage Check Passes"), suite("workflows", 5, 0)]),
                61.0,
                now - 300,
            )
            == "ROLLBACK"
        )
        assert (
            push(
                gateway.url,
                "staging",
                RunResults([suite("health", 3, 0), suite("workflows", 9, 1, "Callback Registration Flow")]),
                42.5,
                now - 120,
            )
            == "MONITOR"
        )
        prom.wait_for(LAST_DURATION, lambda result: sorted(value for _, value in result) == [42.5, 61.0])
        at = time.time()
        answers = {query: prom.query(query, at) for query in QUERIES}

    verdicts = {labels["environment"]: labels["verdict"] for labels, _ in answers[LAST_VERDICT]}
    assert verdicts == {"staging": "MONITOR", "production": "ROLLBACK"}
    assert by_environment(answers[LAST_PASS_RATIO]) == pytest.approx({"staging": 12 / 13, "production": 7 / 8})
    assert by_environment(
        [({**labels, "job": "smoke_tests"}, value) for labels, value in answers[LAST_PASS_RATIO_FROM_COUNTS]]
    ) == pytest.approx({"staging": 12 / 13, "production": 7 / 8})
    assert by_environment(answers[LAST_DURATION]) == {"staging": 42.5, "production": 61.0}
    since = by_environment(answers[SINCE_LAST_RUN])
    assert since == pytest.approx({"staging": at - (now - 120), "production": at - (now - 300)}, abs=0.01)
    failing = {(labels["environment"], labels["test"]) for labels, _ in answers[FAILED_TESTS]}
    assert failing == {("staging", "Callback Registration Flow"), ("production", "Storage Check Passes")}
    assert by_environment(answers[FAILED_HEALTH_CHECKS]) == {"staging": 0.0, "production": 1.0}
