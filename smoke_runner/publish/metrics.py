"""Prometheus metrics of one run: last-run gauges plus a timestamp, written to a file per run and
optionally pushed to a Pushgateway under the grouping key ``{job="smoke_tests", environment=...}``.

A one-shot gate is a batch job: each push replaces the previous one of the same grouping key, so
the pushed values are gauges describing the last run (Prometheus' advice for batch jobs), never
counters that would have to grow from push to push. Accumulating counters and the histogram that
the seed's ``rate()``/``increase()``/``histogram_quantile()`` queries need are served by the canary
(``--every``, see ``smoke_runner.canary``). The families, all gauges (docs/monitoring.md has the
queries, each proven by ``tests/monitoring``)::

    smoke_last_run_tests{suite,status}            tests of the suite per status: passed, failed, skipped,
                                                  flaky (flaky tests are also counted as passed)
    smoke_last_run_test_failed{suite,test}        1 if the test failed after the re-run, else 0
    smoke_last_run_test_flaky{suite,test}         1 if the test failed once and passed on the re-run
    smoke_last_run_test_duration_seconds{suite,test}  duration of the test (final attempt)
    smoke_last_run_pass_ratio                     passed/(passed+failed) over all tests (absent if none)
    smoke_last_run_workflow_pass_ratio            the same over the workflow tests (absent if none ran)
    smoke_last_run_suite_ran{suite}               1 if the suite ran, 0 if not (crash, preflight, time limit)
    smoke_last_run_verdict{verdict,partial}       1 for the run's verdict, 0 for the others; partial="true"
                                                  when the run left tests out (decide/evidence.py)
    smoke_last_run_exit_code                      the runner's exit code (0/10/20/30)
    smoke_last_run_duration_seconds               wall time of the whole run
    smoke_last_run_timestamp_seconds              end of the run, Unix time

The Pushgateway adds the labels of the grouping key (``job``, ``environment``) to every family; the
metrics themselves carry neither (the Pushgateway refuses pushes that do).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from smoke_runner.decide.verdict import Decision, Verdict
from smoke_runner.domain.model import RunResults
from smoke_runner.domain.redaction import split_credentials

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

JOB = "smoke_tests"
PUSH_TIMEOUT = 5.0
ENVIRONMENT_VARIABLE = "SMOKE_ENVIRONMENT"
DEMO_ENVIRONMENT = "demo"
#: Environment names: what a host name, a CI matrix value or a label value comfortably holds.
ENVIRONMENT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
STATUSES = ("passed", "failed", "skipped", "flaky")


class EnvironmentNameError(ValueError):
    """An environment name that cannot become a grouping key and label value."""


def check_environment(name: str) -> str:
    """``name`` if it is a valid environment name; raises ``EnvironmentNameError`` otherwise."""
    if not ENVIRONMENT_PATTERN.fullmatch(name):
        raise EnvironmentNameError(
            f"environment name {name!r} is not allowed: use 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def environment_name(given: str | None, url: str, demo: bool = False) -> str:
    """The run's environment: ``given`` (``--environment``), else ``$SMOKE_ENVIRONMENT``, else ``demo``
    for ``--demo``, else the target's host name (``https://api.staging.example.com`` ->
    ``api.staging.example.com``)."""
    name = (given or os.environ.get(ENVIRONMENT_VARIABLE, "")).strip()
    if not name:
        host = urlsplit(url).hostname or ""
        name = DEMO_ENVIRONMENT if demo else (re.sub(r"[^A-Za-z0-9_.-]", "-", host).strip("._-")[:63] or "unknown")
    return check_environment(name)


def build_registry(
    results: RunResults, decision: Decision, duration: float, finished: float | None = None
) -> CollectorRegistry:
    """A fresh ``CollectorRegistry`` holding this run's last-run gauges (``finished``: Unix time, now)."""
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry(auto_describe=True)
    tests = Gauge(
        "smoke_last_run_tests",
        "Tests of the last run per suite and status (flaky ones count as passed)",
        ("suite", "status"),
        registry=registry,
    )
    failed = Gauge(
        "smoke_last_run_test_failed",
        "1 if the test failed in the last run (after the re-run)",
        ("suite", "test"),
        registry=registry,
    )
    flaky = Gauge(
        "smoke_last_run_test_flaky",
        "1 if the test failed once and passed on the re-run",
        ("suite", "test"),
        registry=registry,
    )
    durations = Gauge(
        "smoke_last_run_test_duration_seconds",
        "Duration of the test in the last run (final attempt)",
        ("suite", "test"),
        registry=registry,
    )
    suite_ran = Gauge(
        "smoke_last_run_suite_ran",
        "1 if the suite ran, 0 if it did not (its tests are then absent)",
        ("suite",),
        registry=registry,
    )
    for suite in results.suites:
        suite_ran.labels(suite.key).set(1 if suite.ran else 0)
        counts = {"passed": suite.passed, "failed": suite.failed, "skipped": suite.skipped, "flaky": len(suite.flaky)}
        for status in STATUSES:
            tests.labels(suite.key, status).set(counts[status])
    for test in results.tests:
        key = (test.suite, test.name)
        failed.labels(*key).set(1 if test.failed else 0)
        flaky.labels(*key).set(1 if test.flaky else 0)
        durations.labels(*key).set(test.elapsed)
    passed, failures = results.count("PASS"), results.count("FAIL")
    if passed + failures:
        Gauge(
            "smoke_last_run_pass_ratio", "passed/(passed+failed) of all tests of the last run", registry=registry
        ).set(passed / (passed + failures))
    if decision.workflow_pass_rate is not None:
        Gauge(
            "smoke_last_run_workflow_pass_ratio",
            "passed/(passed+failed) of the workflow tests of the last run",
            registry=registry,
        ).set(float(decision.workflow_pass_rate))
    verdict_gauge = Gauge(
        "smoke_last_run_verdict",
        "1 for the verdict of the last run, 0 for the others; partial=true when it left tests out",
        ("verdict", "partial"),
        registry=registry,
    )
    partial = "true" if decision.partial else "false"
    for verdict in Verdict:
        verdict_gauge.labels(verdict.name, partial).set(1 if verdict is decision.verdict else 0)
    Gauge("smoke_last_run_exit_code", "Exit code of the last smoke run", registry=registry).set(decision.exit_code)
    Gauge("smoke_last_run_duration_seconds", "Wall time of the last smoke run", registry=registry).set(duration)
    Gauge("smoke_last_run_timestamp_seconds", "End of the last smoke run (Unix time)", registry=registry).set(
        time.time() if finished is None else finished
    )
    return registry


#: Told about every finished run (results, decision, duration in seconds): the canary's counters.
RunListener = Callable[[RunResults, Decision, float], None]


def write_metrics(registry: CollectorRegistry, path: Path) -> Path:
    """Write the registry in the text exposition format (atomically)."""
    from prometheus_client import write_to_textfile

    write_to_textfile(str(path), registry)
    return path


def grouping_key(environment: str) -> dict[str, str]:
    """The Pushgateway grouping key besides ``job``: one group per environment."""
    return {"environment": environment}


def push_metrics(
    registry: CollectorRegistry, gateway: str, environment: str, timeout: float = PUSH_TIMEOUT
) -> str | None:
    """Replace the group ``{job="smoke_tests", environment=...}`` on the Pushgateway at ``gateway``
    with this run's metrics (other environments' groups are untouched); return an error text, or None.
    Credentials in ``gateway`` (``http://user:pw@host:9091``) are sent as HTTP Basic auth."""
    from prometheus_client import push_to_gateway
    from prometheus_client.exposition import default_handler

    try:
        gateway, credentials = split_credentials(gateway)
        handler = default_handler if credentials is None else _basic_auth(*credentials)
        push_to_gateway(
            gateway,
            job=JOB,
            registry=registry,
            grouping_key=grouping_key(environment),
            timeout=timeout,
            handler=handler,
        )
    except Exception as error:  # noqa: BLE001 - any push failure is only a warning
        return " ".join(str(error).split())[:300] or type(error).__name__
    return None


def _basic_auth(user: str, password: str) -> Callable[..., Callable[[], None]]:
    """A push handler that sends ``user``/``password`` as HTTP Basic auth."""
    from prometheus_client.exposition import basic_auth_handler

    def handler(
        url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes
    ) -> Callable[[], None]:
        return basic_auth_handler(url, method, timeout, headers, data, user, password)

    return handler
