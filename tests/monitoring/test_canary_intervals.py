"""The canary's queries at two intervals, in a real Prometheus (issue 24, observation 2).

Two canaries (``run_smoke.sh --every``) test the reference API with the ``missing_security_headers``
fault (one of three health checks fails in every run): one every ``SHORT`` seconds, shorter than
the ``rate()`` window, one every ``LONG`` seconds, longer than it. Prometheus scrapes both every
second and evaluates monitoring/smoke-recording-rules.yml every second, with the rules' windows
scaled from minutes to seconds (``[5m]`` -> ``[WINDOW s]``; the relation between interval, scrape
and window is what is tested, and it scales).

Afterwards, from what Prometheus stored:

- the seed's pass rate (same window) is a number at every instant where a run ended between two
  scrapes inside the window, and NaN at every instant where none did: the relation documented in
  docs/monitoring.md; with the short interval it is never NaN once the first run is in, with the
  long one it is NaN between runs;
- the recording rules never give NaN for either canary, from the first run on, and always the
  runs' true pass ratio (read from their output.xml) and a p95 within the runs' true durations.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from smoke_runner.canary import DURATION_BUCKETS
from smoke_runner.preflight.demo import free_port
from tests.monitoring._servers import SCRAPE_INTERVAL, Prometheus
from tests.monitoring.test_canary_prometheus import history, truth
from tests.runner.helpers import CLEARED, REPO_ROOT, RUNNER, VENV
from tests.support.server import ReferenceApi
from tests.support.suite_model import names_of, only_test_broken_by_fault

#: A slow consumer (a real Prometheus, Chromium, the guide replayed): the full tier (./run_tests.sh --full).
pytestmark = [pytest.mark.full, pytest.mark.suites]

RULES = REPO_ROOT / "monitoring" / "smoke-recording-rules.yml"
FAULT = "missing_security_headers"
BROKEN = only_test_broken_by_fault("health", FAULT).name
TESTS = (*[name for name in names_of("health") if name != BROKEN][:2], BROKEN)
SCRAPE = float(SCRAPE_INTERVAL.removesuffix("s"))
WINDOW = 20.0  # seconds: the rules' [5m], scaled (room for a busy machine: short runs may end 18 s apart)
SHORT = 5.0  # interval + 2 x scrape <= window: the seed's query never NaN
LONG = 30.0  # interval > window: NaN between runs
LONG_RUNS = 2
DEADLINE = 300.0
SEED_RATIO = (
    'sum(rate(smoke_test_passed_total{{environment="{env}"}}[{w}s]))'
    ' / sum(rate(smoke_test_total{{environment="{env}"}}[{w}s]))'
)


def scaled_rules(folder: Path) -> Path:
    """The recording rules with their windows in seconds: [5m] -> [WINDOW s], [1h] -> [600 s]."""
    text = RULES.read_text(encoding="utf-8")
    assert text.count("[5m]") == 4 and text.count("[1h]") == 1, "the rules' windows changed: adapt this test"
    path = folder / "smoke-recording-rules.yml"
    path.write_text(text.replace("[5m]", f"[{WINDOW:.0f}s]").replace("[1h]", "[600s]"), encoding="utf-8")
    return path


def start_canary(results: Path, port: int, environment: str, interval: float, target: str) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update({"SMOKE_VENV": str(VENV), "PRODUCTION_URL": target, "ALLOW_PLAINTEXT_CREDENTIALS": "1"})
    command = ["bash", str(RUNNER), "--results-dir", str(results), "--suite", "health", "--processes", "1"]
    command += ["--every", f"{interval:g}s", "--metrics-port", str(port), "--keep", "20", "--environment", environment]
    for name in TESTS:
        command += ["--test", name]
    return subprocess.Popen(  # noqa: S603
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(canary: subprocess.Popen[str]) -> str:
    canary.send_signal(signal.SIGTERM)
    output, _ = canary.communicate(timeout=60)
    return output


def run_ends(prom: Prometheus, environment: str, at: float, seconds: float) -> list[float]:
    """The end times of the runs Prometheus saw (the values of smoke_last_run_timestamp_seconds)."""
    found = prom.samples(f'smoke_last_run_timestamp_seconds{{environment="{environment}"}}', seconds, at)
    return sorted({value for _labels, points in found for _t, value in points})


def bucket_bounds(durations: list[float]) -> tuple[float, float]:
    """The lower bound of the bucket of the shortest and the upper bound of that of the longest duration."""
    bounds = (0.0, *DURATION_BUCKETS, math.inf)
    lower = max(bound for bound in bounds if bound < min(durations))
    upper = min(bound for bound in bounds if bound >= max(durations))
    return lower, upper


def test_recording_rules_never_give_nan_at_intervals_shorter_and_longer_than_the_window(tmp_path: Path) -> None:
    ports = {"short": free_port(), "long": free_port()}
    intervals = {"short": SHORT, "long": LONG}
    (tmp_path / "prometheus").mkdir()
    targets = tuple(f"127.0.0.1:{port}" for port in ports.values())
    with (
        ReferenceApi(faults=[FAULT]) as api,
        Prometheus(tmp_path / "prometheus", {"smoke-canary": (targets, False)}, (scaled_rules(tmp_path),)) as prom,
    ):
        prom.wait_for('up{job="smoke-canary"}', lambda result: len(result) == 2)
        started = time.time()
        canaries = {
            name: start_canary(tmp_path / name, ports[name], name, intervals[name], api.base_url) for name in intervals
        }
        outputs: dict[str, str] = {}
        try:
            deadline = time.monotonic() + DEADLINE
            while len(history(tmp_path / "long")) < LONG_RUNS:
                for name, canary in canaries.items():
                    if canary.poll() is not None:
                        pytest.fail(f"the {name} canary exited with {canary.returncode}:\n{stop(canary)}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"the long canary finished {len(history(tmp_path / 'long'))} of {LONG_RUNS} runs in time"
                    )
                time.sleep(0.5)
            time.sleep(2 * SCRAPE + 1)  # the last run scraped and evaluated
            finished = time.time()
        finally:
            for name, canary in canaries.items():
                outputs[name] = stop(canary)
        span = finished - started + 5
        for name in intervals:
            check_environment(prom, tmp_path / name, name, finished, span, outputs[name])


def check_environment(
    prom: Prometheus, results: Path, environment: str, finished: float, span: float, log: str
) -> None:
    ends = run_ends(prom, environment, finished, span)
    runs = history(results)
    assert len(ends) >= 2, f"{environment}: Prometheus saw {len(ends)} runs\n{log[-3000:]}"
    passed_failed = [truth(results, [run]) for run in runs if (results / run["run"] / "output.xml").exists()]
    ratios = [passed / (passed + failed) for passed, failed, _ in passed_failed]
    durations = [duration for _, _, run_durations in passed_failed for duration in run_durations]
    assert ratios and all(0 < ratio < 1 for ratio in ratios), f"{environment}: the fault did not show: {ratios}"
    first = ends[0] + 2 * SCRAPE + 1  # the first run scraped and evaluated

    # the seed's query (same window): a number exactly where a run ended inside the window, else NaN
    seed = SEED_RATIO.format(env=environment, w=f"{WINDOW:.0f}")
    series = prom.query_range(seed, first, finished, 0.5)
    assert len(series) == 1, series
    visible = nan = 0
    for at, value in series[0][1]:
        if any(at - WINDOW + SCRAPE + 1 <= end <= at - SCRAPE - 1 for end in ends):
            visible += 1
            assert not math.isnan(value), f"{environment}: the seed's ratio is NaN at {at} though a run ended at {ends}"
            assert min(ratios) - 1e-9 <= value <= max(ratios) + 1e-9, (environment, value, ratios)
        elif not any(at - WINDOW - 1 <= end <= at + 1 for end in ends):
            nan += 1
            assert math.isnan(value), f"{environment}: the seed's ratio is {value} at {at}, no run ended in its window"
    gaps = [later - earlier for earlier, later in zip(ends, ends[1:])]
    if environment == "short":
        assert max(gaps) + 2 * SCRAPE <= WINDOW, f"runs of the short canary ended {gaps} s apart: machine too slow"
        assert nan == 0 and visible > 0, (visible, nan)
    else:
        assert nan > 0, f"the long canary's seed query was never NaN: {visible} visible instants, run ends {ends}"

    # the recording rules: a value at every evaluation from the first run on, never NaN, the truth
    for rule, check in (
        ("smoke:test_pass_ratio:5m", lambda value: min(ratios) - 1e-9 <= value <= max(ratios) + 1e-9),
        ("smoke:test_duration_seconds:p95_5m", lambda value: bucket_bounds(durations)[0] <= value),
        ("smoke:test_failures:1h", lambda value: value >= 0),
    ):
        recorded = prom.samples(f'{rule}{{environment="{environment}"}}', span, finished)
        points = sorted(point for _labels, values in recorded for point in values if point[0] >= first)
        assert points, f"{environment}: {rule} recorded nothing"
        assert not [point for point in points if math.isnan(point[1])], f"{environment}: {rule} gave NaN: {points}"
        assert all(check(value) for _t, value in points), f"{environment}: {rule} gave {points}, runs {ratios}"
        times = [t for t, _value in points]
        assert times[0] <= first + 1 and max(b - a for a, b in zip(times, times[1:])) <= 2.5 * SCRAPE, (
            f"{environment}: {rule} is missing at times: {times}"
        )
    p95 = [
        value
        for _l, values in prom.samples(
            f'smoke:test_duration_seconds:p95_5m{{environment="{environment}"}}', span, finished
        )
        for _t, value in values
    ]
    assert max(p95) <= bucket_bounds(durations)[1], (p95, durations)
    assert re.search(r"Canary: metrics server closed", log), log[-2000:]
