"""Canary mode against a real Prometheus: the seed's three queries, verbatim, give the true figures.

The canary (``./run_smoke.sh --every 2s``) tests the reference API through a proxy that sends it to
a healthy API for the first run, to one with the ``missing_security_headers`` fault for the next
two, and back to the healthy one for the fourth. Prometheus scrapes the canary every second. The truth is read from
the runs' own ``output.xml`` files with Robot's API, independently of the canary's metrics code.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from smoke_runner.canary import DURATION_BUCKETS
from smoke_runner.preflight.demo import free_port
from tests.monitoring._servers import Prometheus, SwitchingProxy
from tests.runner.helpers import CLEARED, REPO_ROOT, RUNNER, VENV
from tests.support.hostile import HostileServer, answer
from tests.support.server import ReferenceApi
from tests.support.suite_model import names_of, only_test_broken_by_fault

#: A slow consumer (a real Prometheus, Chromium, the guide replayed): the full tier (./run_tests.sh --full).
pytestmark = [pytest.mark.full, pytest.mark.suites]

SEED_PASS_RATIO = "sum(rate(smoke_test_passed_total[5m])) / sum(rate(smoke_test_total[5m]))"
SEED_P95 = "histogram_quantile(0.95, rate(smoke_test_duration_seconds_bucket[5m]))"
SEED_FAILURES = "increase(smoke_test_failed_total[1h])"
FAULT = "missing_security_headers"
#: The check FAULT breaks (as the suite declares) and two checks that pass.
BROKEN = only_test_broken_by_fault("health", FAULT).name
TESTS = (*[name for name in names_of("health") if name != BROKEN][:2], BROKEN)
RUNS = 4
DEADLINE = 240.0


def history(results: Path) -> list[dict]:
    path = results / "history.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def truth(results: Path, runs: list[dict]) -> tuple[int, int, list[float]]:
    """(passed, failed, durations of the tests that passed or failed) of ``runs``, from their output.xml."""
    from robot.api import ExecutionResult

    passed = failed = 0
    durations: list[float] = []
    for run in runs:
        for test in ExecutionResult(str(results / run["run"] / "output.xml")).suite.all_tests:
            if test.status in ("PASS", "FAIL"):
                passed += test.status == "PASS"
                failed += test.status == "FAIL"
                durations.append(test.elapsed_time.total_seconds())
    return passed, failed, durations


def bucket_of(value: float) -> tuple[float, float]:
    """The histogram bucket (lower, upper] that holds ``value``."""
    lower = 0.0
    for upper in (*DURATION_BUCKETS, math.inf):
        if value <= upper:
            return lower, upper
        lower = upper
    raise AssertionError(value)


def wait_for_runs(results: Path, count: int, canary: subprocess.Popen[str], deadline: float) -> list[dict]:
    while True:
        runs = history(results)
        if len(runs) >= count:
            return runs
        if canary.poll() is not None:
            pytest.fail(f"the canary exited with {canary.returncode}:\n{canary.stdout.read() if canary.stdout else ''}")
        if time.monotonic() > deadline:
            pytest.fail(f"only {len(runs)} of {count} canary runs finished in time")
        time.sleep(0.2)


def test_seed_queries_give_the_true_figures_of_the_canary_runs(tmp_path: Path) -> None:
    results = tmp_path / "results"
    metrics_port = free_port()
    (tmp_path / "prometheus").mkdir()
    with ReferenceApi() as healthy, ReferenceApi(faults=[FAULT]) as broken:
        proxy = SwitchingProxy(healthy.port)
        receiver = HostileServer(answer()).start()
        try:
            with Prometheus(tmp_path / "prometheus", {"smoke-canary": (f"127.0.0.1:{metrics_port}", False)}) as prom:
                env = {key: value for key, value in os.environ.items() if key not in CLEARED}
                env.update(
                    {
                        "SMOKE_VENV": str(VENV),
                        "PRODUCTION_URL": proxy.url,
                        "ALLOW_PLAINTEXT_CREDENTIALS": "1",
                        "ALERT_WEBHOOK_URL": receiver.url,
                    }
                )
                # Prometheus applies new targets every 5 s: let its scrape loop run (up == 0 while
                # nothing listens) so that it sees the counters at 0 before the first run ends
                prom.wait_for('up{job="smoke-canary"}', lambda result: len(result) == 1)
                command = [
                    "bash",
                    str(RUNNER),
                    "--results-dir",
                    str(results),
                    "--suite",
                    "health",
                    "--every",
                    "2s",
                    "--metrics-port",
                    str(metrics_port),
                    "--keep",
                    "10",
                    "--environment",
                    "canary-test",
                ]
                for name in TESTS:
                    command += ["--test", name]
                canary = subprocess.Popen(
                    command,
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=subprocess.PIPE,  # noqa: S603
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                try:
                    deadline = time.monotonic() + DEADLINE
                    wait_for_runs(results, 1, canary, deadline)
                    proxy.switch(broken.port)  # the fault is on for the next runs ...
                    wait_for_runs(results, 3, canary, deadline)
                    proxy.switch(healthy.port)  # ... and off again
                    wait_for_runs(results, RUNS, canary, deadline)
                    prom.wait_for(
                        'sum(smoke_canary_runs_total{job="smoke-canary"})',
                        lambda result: result and result[0][1] >= RUNS,
                    )
                    # evaluate at the newest scrape: Prometheus then has nothing to extrapolate at the end
                    at = prom.query('timestamp(smoke_canary_interval_seconds{job="smoke-canary"})')[0][1]
                    counted = int(prom.query('sum(smoke_canary_runs_total{job="smoke-canary"})', at)[0][1])
                    ratio = prom.query(SEED_PASS_RATIO, at)
                    p95 = prom.query(SEED_P95, at)
                    failures = prom.query(SEED_FAILURES, at)
                    runs = wait_for_runs(results, counted, canary, deadline)[:counted]
                finally:
                    canary.send_signal(signal.SIGTERM)
                    output, _ = canary.communicate(timeout=60)
        finally:
            proxy.close()
            receiver.close()

    # SIGTERM: the run in progress is stopped, the metrics server closed, exit code 130
    assert canary.returncode == 130, output
    assert "Canary: metrics server closed" in output, output[-3000:]
    verdicts = [run["verdict"] for run in runs]
    # two health checks of one suite: a partial run, at best MONITOR (the workflows' security checks did not run)
    assert "MONITOR" in verdicts and "ROLLBACK" in verdicts, f"the fault did not show in the runs: {verdicts}"
    assert all(run["partial"] for run in runs)
    # as in one-shot mode, every verdict but PROCEED is posted to the alert webhook
    rollbacks = [body for body in receiver.json_bodies if "ROLLBACK" in body["text"]]
    assert len(receiver.json_bodies) >= len(verdicts) - 1 and len(rollbacks) >= verdicts.count("ROLLBACK") - 1
    assert all(BROKEN in body["text"] for body in rollbacks), rollbacks
    passed, failed, durations = truth(results, runs)
    assert failed > 0 and passed > 0

    # sum(rate(passed[5m])) / sum(rate(total[5m])): one ratio in [0, 1], the runs' passed/(passed+failed)
    assert len(ratio) == 1, ratio
    assert 0 <= ratio[0][1] <= 1
    assert ratio[0][1] == pytest.approx(passed / (passed + failed), abs=0.005), (ratio, passed, failed, verdicts)

    # histogram_quantile(0.95, ...): one series; within the bucket that holds the runs' true p95
    assert len(p95) == 1 and p95[0][0].get("environment") == "canary-test", p95
    true_p95 = sorted(durations)[math.ceil(0.95 * len(durations)) - 1]
    lower, upper = bucket_of(true_p95)
    assert lower <= p95[0][1] <= upper, (p95, true_p95, sorted(durations))

    # increase(failed[1h]): the failures, counted exactly (one series per suite: health)
    assert [labels.get("suite") for labels, _ in failures] == ["health"], failures
    assert failures[0][1] == pytest.approx(failed, abs=1e-6), (failures, failed, verdicts)
