"""``results/history.jsonl``: one JSON line per run, and the trend over the last runs."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke_runner.domain.model import RunResults
from smoke_runner.domain.redaction import redact

TREND_RUNS = 10


def append_history(path: Path, entry: dict[str, Any]) -> None:
    """Append ``entry`` as one line (a single write with O_APPEND, safe for concurrent runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def read_history(path: Path, limit: int = TREND_RUNS) -> list[dict[str, Any]]:
    """The last ``limit`` well-formed entries, oldest first (broken lines are skipped)."""
    if not path.exists():
        return []
    entries: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries[-limit:]


@dataclass
class Trend:
    """Pass rate, duration and flaky tests over recent runs."""

    runs: int
    mean_pass_rate: float | None  # passed/(passed+failed) over all tests of the runs, 0..1
    mean_duration: float | None
    duration_change: float | None  # last run's duration minus the mean of the runs before it
    flaky_counts: dict[str, int]


def trend(entries: list[dict[str, Any]]) -> Trend:
    """Summarise ``entries`` (oldest first; the last one is the current run)."""
    passed = sum(int(e.get("counts", {}).get("passed", 0)) for e in entries)
    failed = sum(int(e.get("counts", {}).get("failed", 0)) for e in entries)
    durations = [float(e["duration_seconds"]) for e in entries if isinstance(e.get("duration_seconds"), (int, float))]
    change = None
    if len(durations) >= 2:
        earlier = durations[:-1]
        change = durations[-1] - sum(earlier) / len(earlier)
    flaky: dict[str, int] = {}
    for entry in entries:
        for name in entry.get("flaky", []) or []:
            flaky[name] = flaky.get(name, 0) + 1
    return Trend(
        runs=len(entries),
        mean_pass_rate=passed / (passed + failed) if passed + failed else None,
        mean_duration=sum(durations) / len(durations) if durations else None,
        duration_change=change,
        flaky_counts=dict(sorted(flaky.items(), key=lambda item: (-item[1], item[0]))),
    )


def failure_records(results: RunResults) -> list[dict[str, str]]:
    """The failed tests of a run for its history line: suite, test and message (both attempts'
    messages when the re-run failed too; secrets redacted)."""
    return [
        {"suite": test.suite, "test": test.name, "message": redact(test.short_message(1000))}
        for test in results.tests
        if test.failed
    ]
