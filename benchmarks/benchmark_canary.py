"""Benchmark of the canary (``run_smoke.sh --every``; prints figures, not a test).

1. Memory: the canary runs against the demo API (``--demo``); the resident memory (VmRSS) of the
   long-running runner process is read from /proc after the first and after the last cycle
   (default 50). Goal: flat, under 200 MB.
2. Time to detection: a canary tests a healthy reference API through a TCP proxy; the proxy is
   switched to an API with a fault, and the time until the canary's ``/metrics`` shows it
   (``smoke_last_run_verdict{verdict="PROCEED"}`` turns 0 and ``smoke_test_failed_total`` grows) is
   measured. Prometheus adds up to one scrape interval, the alert rule one evaluation interval.

Every loop is bounded; everything listens on loopback and is stopped at the end.

Usage: ``.venv/bin/python benchmarks/benchmark_canary.py [--cycles 50] [--suite health] [--test NAME]...``
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from smoke_runner.preflight.demo import free_port  # noqa: E402
from tests.monitoring._servers import SwitchingProxy  # noqa: E402
from tests.support.server import ReferenceApi  # noqa: E402

RUNNER = REPO_ROOT / "run_smoke.sh"
CLEARED = ("PRODUCTION_URL", "PUSHGATEWAY_URL", "ALERT_WEBHOOK_URL", "LATTICE_FAULTS", "SMOKE_RUN_ID")
FAULT = "health_body_fail"
CYCLE_LIMIT = 600.0  # seconds one cycle may take before the benchmark gives up


def canary(args: list[str], results: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    child_env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    child_env["SMOKE_VENV"] = sys.prefix
    child_env.update(env or {})
    return subprocess.Popen(  # noqa: S603
        [
            "bash",
            str(RUNNER),
            "--results-dir",
            str(results),
            "--every",
            "1s",
            "--metrics-port",
            str(port),
            "--keep",
            "3",
            *args,
        ],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def runs(results: Path) -> int:
    path = results / "history.jsonl"
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def wait_runs(results: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + CYCLE_LIMIT * max(1, count - runs(results))
    while runs(results) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the canary stopped or stalled after {runs(results)} runs")
        time.sleep(0.2)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def metric(port: int, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def memory(cycles: int, selection: list[str]) -> tuple[float, float, float]:
    """(MB after the first cycle, MB after the last, seconds per cycle)."""
    with tempfile.TemporaryDirectory(prefix="smoke-canary-bench-") as folder:
        results, port = Path(folder), free_port()
        process = canary(["--demo", *selection], results, port)
        try:
            wait_runs(results, 1, process)
            first = rss_mb(process.pid)
            started = time.monotonic()
            wait_runs(results, cycles, process)
            last = rss_mb(process.pid)
            per_cycle = (time.monotonic() - started) / max(1, cycles - 1)
        finally:
            stop(process)
    return first, last, per_cycle


def time_to_detection(selection: list[str]) -> tuple[float, float]:
    """(seconds from the fault to the metric change, seconds of one cycle before it)."""
    with (
        tempfile.TemporaryDirectory(prefix="smoke-canary-ttd-") as folder,
        ReferenceApi() as healthy,
        ReferenceApi(faults=[FAULT]) as broken,
    ):
        results, port = Path(folder), free_port()
        proxy = SwitchingProxy(healthy.port)
        process = canary(selection, results, port, {"PRODUCTION_URL": proxy.url, "ALLOW_PLAINTEXT_CREDENTIALS": "1"})
        try:
            wait_runs(results, 2, process)
            entries = [json.loads(line) for line in (results / "history.jsonl").read_text().splitlines()]
            cycle = float(entries[-1]["duration_seconds"])
            failed_before = metric(port, "smoke_test_failed_total")
            proxy.switch(broken.port)
            switched = time.monotonic()
            deadline = switched + 3 * CYCLE_LIMIT
            while time.monotonic() < deadline:
                if (
                    metric(port, "smoke_last_run_verdict", verdict="PROCEED") == 0
                    and metric(port, "smoke_test_failed_total") > failed_before
                ):
                    return time.monotonic() - switched, cycle
                time.sleep(0.1)
            raise SystemExit("the fault was not detected")
        finally:
            stop(process)
            proxy.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50, help="canary cycles for the memory figure (default 50)")
    parser.add_argument("--suite", action="append", default=[], help="suite(s) to run (default: both)")
    parser.add_argument("--test", action="append", default=[], help="only these tests (faster cycles)")
    options = parser.parse_args()
    selection = [arg for suite in options.suite for arg in ("--suite", suite)]
    selection += [arg for test in options.test for arg in ("--test", test)]
    print(f"smoke canary benchmark ({os.cpu_count()} CPUs, selection: {' '.join(selection) or 'both suites'})")
    first, last, per_cycle = memory(options.cycles, selection)
    print(f"  canary memory after 1 cycle:       {first:7.1f} MB")
    print(
        f"  canary memory after {options.cycles} cycles:{'':<{max(0, 6 - len(str(options.cycles)))}} {last:7.1f} MB"
        f"   (goal: flat, < 200 MB; {per_cycle:.1f} s per cycle)"
    )
    detection, cycle = time_to_detection(selection)
    print(
        f"  time to detection ({FAULT}): {detection:6.1f} s   (one run takes {cycle:.1f} s; "
        f"add one scrape interval for Prometheus)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
