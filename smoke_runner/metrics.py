"""Prometheus metrics of a run: a text file per run, optionally pushed to a Pushgateway.

Families (every per-test series has the labels ``suite`` and ``test``)::

    smoke_test_total                      counter  1 per test that ran (passed, failed or skipped)
    smoke_test_passed_total               counter  1 if the test passed (flaky tests included)
    smoke_test_failed_total               counter  1 if the test failed after the re-run
    smoke_test_skipped_total              counter  1 if the test was skipped
    smoke_test_flaky_total                counter  1 if the test failed once and passed on the re-run
    smoke_test_duration_seconds           histogram  test durations (final attempt)
    smoke_suite_ran{suite=...}            gauge    1 if the suite ran, 0 if it did not (crash, preflight failed,
                                                   time limit): its tests are then absent from the counters
    smoke_run_verdict{verdict=...}        gauge    1 for this run's verdict, 0 for the others
    smoke_run_exit_code                   gauge    the runner's exit code (0/10/20/30)
    smoke_run_duration_seconds            gauge    wall time of the whole run
    smoke_run_workflow_pass_ratio         gauge    passed/(passed+failed) of the workflows (absent if none ran)
    smoke_run_timestamp_seconds           gauge    end of the run, Unix time

So the seed's queries work: ``sum(smoke_test_passed_total) / sum(smoke_test_total)``,
``histogram_quantile(0.95, sum by (le) (rate(smoke_test_duration_seconds_bucket[5m])))``,
``increase(smoke_test_failed_total[1h])``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from smoke_runner.model import RunResults
from smoke_runner.redact import split_credentials
from smoke_runner.verdict import Decision, Verdict

JOB = "smoke_tests"
PUSH_TIMEOUT = 5.0
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def build_registry(results: RunResults, decision: Decision, duration: float):  # noqa: ANN201
    """A fresh ``CollectorRegistry`` holding this run's metrics."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    try:  # no *_created samples: they would confuse rate() on pushed counters
        from prometheus_client import disable_created_metrics

        disable_created_metrics()
    except ImportError:  # pragma: no cover - prometheus_client < 0.17
        pass
    registry = CollectorRegistry(auto_describe=True)
    labels = ("suite", "test")
    total = Counter("smoke_test", "Smoke tests that ran (passed, failed or skipped)", labels, registry=registry)
    passed = Counter("smoke_test_passed", "Smoke tests that passed (flaky included)", labels, registry=registry)
    failed = Counter("smoke_test_failed", "Smoke tests that failed after the re-run", labels, registry=registry)
    skipped = Counter("smoke_test_skipped", "Smoke tests that were skipped", labels, registry=registry)
    flaky = Counter("smoke_test_flaky", "Smoke tests that failed once and passed on the re-run", labels,
                    registry=registry)
    duration_hist = Histogram("smoke_test_duration_seconds", "Duration of each smoke test", labels,
                              buckets=DURATION_BUCKETS, registry=registry)
    for test in results.tests:
        key = (test.suite, test.name)
        total.labels(*key).inc()
        for counter, hit in ((passed, test.passed), (failed, test.failed), (skipped, test.skipped),
                             (flaky, test.flaky)):
            child = counter.labels(*key)
            if hit:
                child.inc()
        duration_hist.labels(*key).observe(test.elapsed)
    suite_ran = Gauge("smoke_suite_ran", "1 if the suite ran, 0 if it did not (its tests are then not counted)",
                      ("suite",), registry=registry)
    for suite in results.suites:
        suite_ran.labels(suite.key).set(1 if suite.ran else 0)
    verdict_gauge = Gauge("smoke_run_verdict", "1 for the verdict of the run", ("verdict",), registry=registry)
    for verdict in Verdict:
        verdict_gauge.labels(verdict.name).set(1 if verdict is decision.verdict else 0)
    Gauge("smoke_run_exit_code", "Exit code of the smoke runner", registry=registry).set(decision.exit_code)
    Gauge("smoke_run_duration_seconds", "Wall time of the smoke run", registry=registry).set(duration)
    if decision.workflow_pass_rate is not None:
        Gauge("smoke_run_workflow_pass_ratio", "passed/(passed+failed) of the workflow tests",
              registry=registry).set(float(decision.workflow_pass_rate))
    Gauge("smoke_run_timestamp_seconds", "End of the smoke run (Unix time)", registry=registry).set(time.time())
    return registry


def write_metrics(registry, path: Path) -> Path:  # noqa: ANN001
    """Write the registry in the text exposition format (atomically)."""
    from prometheus_client import write_to_textfile

    write_to_textfile(str(path), registry)
    return path


def push_metrics(registry, gateway: str, timeout: float = PUSH_TIMEOUT) -> str | None:  # noqa: ANN001
    """Push to the Pushgateway at ``gateway`` (job ``smoke_tests``); return an error text, or None.
    Credentials in ``gateway`` (``http://user:pw@host:9091``) are sent as HTTP Basic auth."""
    from prometheus_client import push_to_gateway
    from prometheus_client.exposition import default_handler

    try:
        gateway, credentials = split_credentials(gateway)
        handler = default_handler if credentials is None else _basic_auth(*credentials)
        push_to_gateway(gateway, job=JOB, registry=registry, timeout=timeout, handler=handler)
    except Exception as error:  # noqa: BLE001 - any push failure is only a warning
        return " ".join(str(error).split())[:300] or type(error).__name__
    return None


def _basic_auth(user: str, password: str) -> Callable[..., Callable[[], None]]:
    """A push handler that sends ``user``/``password`` as HTTP Basic auth."""
    from prometheus_client.exposition import basic_auth_handler

    def handler(url: str, method: str, timeout: float | None, headers: list[tuple[str, str]],
                data: bytes) -> Callable[[], None]:
        return basic_auth_handler(url, method, timeout, headers, data, user, password)

    return handler
