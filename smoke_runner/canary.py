"""Canary mode (``--every INTERVAL``): the gate runs again and again against the same target, and
``/metrics`` (prometheus_client's own HTTP server, loopback by default) serves counters that grow
run after run, so the seed's queries work verbatim::

    sum(rate(smoke_test_passed_total[5m])) / sum(rate(smoke_test_total[5m]))
    histogram_quantile(0.95, rate(smoke_test_duration_seconds_bucket[5m]))
    increase(smoke_test_failed_total[1h])

Families (every series has the label ``environment``; the counters also ``suite``)::

    smoke_test_total                 counter    tests that passed or failed (skipped tests are not counted)
    smoke_test_passed_total          counter    tests that passed (flaky ones included)
    smoke_test_failed_total          counter    tests that failed after the re-run
    smoke_test_skipped_total         counter    tests that were skipped
    smoke_test_flaky_total           counter    tests that failed once and passed on the re-run
    smoke_test_duration_seconds      histogram  duration of every test that passed or failed (final attempt)
    smoke_canary_runs_total          counter    finished runs per verdict
    smoke_canary_interval_seconds    gauge      the --every interval
    smoke_last_run_*                 gauges     the last run, as a one-shot run pushes them (smoke_runner.metrics)

Every counter series exists from the start with the value 0, so ``rate()`` and ``increase()`` count
the first failures too. Runs never overlap: the next one starts ``--every`` after the previous one
started, or at once if that one took longer. Only the newest ``--keep`` run folders are kept.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner.decide.verdict import EXIT_INTERRUPTED, Decision, Verdict
from smoke_runner.domain.model import RunResults
from smoke_runner.publish import console
from smoke_runner.publish.metrics import RunListener, build_registry

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

DEFAULT_METRICS_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9471
DEFAULT_KEEP = 20
MIN_INTERVAL = 1.0
#: Histogram buckets (seconds) of ``smoke_test_duration_seconds``: p95 is exact to one bucket.
DURATION_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
RUN_FOLDER = re.compile(r"(\d{8}_\d{6})(?:_(\d+))?")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}


class CanaryError(Exception):
    """The canary cannot start (e.g. its metrics port is taken)."""


def parse_interval(text: str) -> float:
    """``30s``, ``5m``, ``1h`` or plain seconds -> seconds (at least 1 s)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text.lower())
    if not match:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 5m or 1h)")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds < MIN_INTERVAL:
        raise ValueError(f"the interval must be at least {MIN_INTERVAL:g} s: {text!r}")
    return seconds


def parse_listen_address(text: str) -> tuple[str, int]:
    """``9471`` -> (127.0.0.1, 9471); ``0.0.0.0:9471`` -> (0.0.0.0, 9471) to be scraped from elsewhere."""
    host, _, port_text = text.rpartition(":")
    host = host.strip("[]") or DEFAULT_METRICS_HOST
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"not a port: {text!r} (use PORT or ADDRESS:PORT, e.g. 9471 or 0.0.0.0:9471)")
    return host, int(port_text)


class _LastRun:
    """A collector that serves the last run's gauges (``smoke_last_run_*``) with the environment label."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        self.registry: CollectorRegistry | None = None

    def collect(self) -> Iterator[Metric]:  # prometheus_client's collector protocol
        registry = self.registry
        if registry is None:
            return
        for family in registry.collect():
            for sample in family.samples:
                sample.labels["environment"] = self.environment
            yield family


class CanaryMetrics:
    """The canary's registry: counters and a histogram that accumulate over the runs of this process."""

    def __init__(self, environment: str, suites: list[str], interval: float) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: the counters are all that the queries need
        self.environment = environment
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("environment", "suite")
        self.total = Counter(
            "smoke_test",
            "Smoke tests that passed or failed (skipped ones are not counted)",
            labels,
            registry=self.registry,
        )
        self.passed = Counter(
            "smoke_test_passed", "Smoke tests that passed (flaky ones included)", labels, registry=self.registry
        )
        self.failed = Counter(
            "smoke_test_failed", "Smoke tests that failed after the re-run", labels, registry=self.registry
        )
        self.skipped = Counter("smoke_test_skipped", "Smoke tests that were skipped", labels, registry=self.registry)
        self.flaky = Counter(
            "smoke_test_flaky", "Smoke tests that failed once and passed on the re-run", labels, registry=self.registry
        )
        self.duration = Histogram(
            "smoke_test_duration_seconds",
            "Duration of each smoke test that passed or failed",
            ("environment",),
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.runs = Counter(
            "smoke_canary_runs", "Finished canary runs per verdict", ("environment", "verdict"), registry=self.registry
        )
        Gauge(
            "smoke_canary_interval_seconds",
            "Seconds between the starts of two canary runs",
            ("environment",),
            registry=self.registry,
        ).labels(environment).set(interval)
        # every series exists at 0 before the first run: rate() and increase() then see the first change
        for counter in (self.total, self.passed, self.failed, self.skipped, self.flaky):
            for suite in suites:
                counter.labels(environment, suite)
        self.duration.labels(environment)
        for verdict in Verdict:
            self.runs.labels(environment, verdict.name)
        self._last = _LastRun(environment)
        collector: Collector = self._last
        self.registry.register(collector)

    def record(self, results: RunResults, decision: Decision, duration: float) -> None:
        """Add a finished run to the counters and the histogram; replace the last-run gauges."""
        env = self.environment
        for suite in results.suites:
            passed, failed = suite.passed, suite.failed
            self.total.labels(env, suite.key).inc(passed + failed)
            self.passed.labels(env, suite.key).inc(passed)
            self.failed.labels(env, suite.key).inc(failed)
            self.skipped.labels(env, suite.key).inc(suite.skipped)
            self.flaky.labels(env, suite.key).inc(len(suite.flaky))
        for test in results.tests:
            if test.passed or test.failed:
                self.duration.labels(env).observe(test.elapsed)
        self.runs.labels(env, decision.verdict.name).inc()
        self._last.registry = build_registry(results, decision, duration)


def start_metrics_server(registry: CollectorRegistry, host: str, port: int) -> WSGIServer:
    """prometheus_client's HTTP server for ``registry`` on ``host:port``; returns the server."""
    from prometheus_client import start_http_server

    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        raise CanaryError(f"cannot serve metrics on {host}:{port}: {error.strerror or error}") from None
    return server


def run_folders(results_dir: Path) -> list[Path]:
    """The run folders (``YYYYMMDD_HHMMSS[_N]``) in ``results_dir``, oldest first."""
    found = []
    for path in results_dir.iterdir() if results_dir.is_dir() else []:
        match = RUN_FOLDER.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink():
            found.append((match.group(1), int(match.group(2) or 1), path))
    return [path for _stamp, _index, path in sorted(found)]


def prune_run_folders(results_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` run folders (never the one ``results/latest`` points at)."""
    latest = results_dir / "latest"
    current = latest.resolve() if latest.is_symlink() else None
    removed = []
    folders = run_folders(results_dir)
    for path in folders[: max(0, len(folders) - keep)]:
        if current is not None and path.resolve() == current:
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _describe(seconds: float) -> str:
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def run_canary(
    cycle: Callable[[RunListener], tuple[int, Callable[[], None]]],
    *,
    environment: str,
    suites: list[str],
    interval: float,
    listen: tuple[str, int],
    keep: int,
    results_dir: Path,
    max_runs: int | None = None,
) -> int:
    """Run ``cycle`` (one gate run, told to report its results to the canary's counters; it returns
    its exit code and its console report) every ``interval`` seconds until interrupted (Ctrl-C,
    SIGTERM) or ``max_runs`` runs; return 130, or the last exit code."""
    metrics = CanaryMetrics(environment, suites, interval)
    host, port = listen
    server = start_metrics_server(metrics.registry, host, port)
    shown_host = f"[{host}]" if ":" in host else host
    console.step(
        f"Canary: a run every {_describe(interval)} against environment {environment}; metrics on "
        f"http://{shown_host}:{server.server_address[1]}/metrics; the newest {keep} run folders are kept"
    )
    runs, code = 0, 0
    try:
        while max_runs is None or runs < max_runs:
            started = time.monotonic()
            code, report = cycle(metrics.record)
            runs += 1
            report()
            for path in prune_run_folders(results_dir, keep):
                console.step(f"Removed the old run folder {path.name} (--keep {keep})")
            if max_runs is not None and runs >= max_runs:
                break
            wait = started + interval - time.monotonic()
            if wait > 0:
                console.step(f"Canary: next run in {wait:.0f} s")
                time.sleep(wait)
            else:
                console.warning(f"the run took longer than --every {_describe(interval)}; the next one starts now")
    except KeyboardInterrupt:
        console.error("canary stopped: the run in progress (if any) was stopped and not counted (exit code 130)")
        code = EXIT_INTERRUPTED
    finally:
        with contextlib.suppress(Exception):
            server.shutdown()
            server.server_close()
        console.step("Canary: metrics server closed")
    return code
