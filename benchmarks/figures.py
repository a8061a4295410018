"""Pure helpers of the gate benchmark (``benchmarks/bench.py``): no process, no clock, no file.

They turn what a run prints (its console lines, each with the second it arrived at) into phases and
a verdict, series of runs into medians and ranges, and rows into the Markdown tables the benchmark
prints.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath

#: One console line of a run: the second (since the command started) it arrived at, and its text.
Line = tuple[float, str]

#: The console lines that mark a run's phases (the runner's own and pabot's, as the runner passes them on).
PABOT_STARTS = re.compile(r"^== Running .+ with pabot")
SUITE_STARTS = re.compile(r"\] EXECUTING ")
SUITE_ENDS = re.compile(r"\] (PASSED|FAILED) .+ in [\d.]+ seconds")
PABOT_ENDS = re.compile(r"^Elapsed time:")
REPORT_WRITTEN = re.compile(r"^Report:")
DASHBOARD_WRITTEN = re.compile(r"^== Dashboard updated")
VERDICT_LINE = re.compile(r"^VERDICT: (\w+)")
FAILED_TEST = re.compile(r"^FAIL  ")
REASON_LINE = re.compile(r"^Reason: ")

#: The phases of a healthy run, in order: (name, what it spans).
PHASES = (
    ("set-up", "start until the runner starts pabot: bash's checks, Python, imports, preflight"),
    ("pabot's start", "until the first suite starts: pabot's and the robot processes' start"),
    ("suites", "the first suite's start until the last one's end (in parallel)"),
    ("pabot's end", "the last suite's end until pabot's 'Elapsed time' line"),
    ("log and report", "pabot's end until the runner names report.html: merge, output.xml, log, report"),
    ("dashboard wait", "report.html until the dashboard is updated"),
    ("after pabot", "pabot's end until the runner exits: everything after pabot"),
)


def first(lines: Iterable[Line], pattern: re.Pattern[str]) -> float | None:
    """The second the first line matching ``pattern`` arrived at (None: no such line)."""
    return next((second for second, text in lines if pattern.search(text)), None)


def last(lines: Iterable[Line], pattern: re.Pattern[str]) -> float | None:
    """The second the last line matching ``pattern`` arrived at (None: no such line)."""
    found = None
    for second, text in lines:
        if pattern.search(text):
            found = second
    return found


def between(start: float | None, end: float | None) -> float | None:
    """``end - start``, or None when either is unknown."""
    return None if start is None or end is None else end - start


def phases(lines: Sequence[Line], exited: float) -> dict[str, float | None]:
    """The phases (``PHASES``) of one run from its console lines; ``exited`` is the second the
    command exited. A phase whose marker lines are missing (a re-run, another revision's output)
    is None."""
    pabot, pabot_end = first(lines, PABOT_STARTS), first(lines, PABOT_ENDS)
    suites_start, suites_end = first(lines, SUITE_STARTS), last(lines, SUITE_ENDS)
    report = first(lines, REPORT_WRITTEN)
    return {
        "set-up": pabot,
        "pabot's start": between(pabot, suites_start),
        "suites": between(suites_start, suites_end),
        "pabot's end": between(suites_end, pabot_end),
        "log and report": between(pabot_end, report),
        "dashboard wait": between(report, first(lines, DASHBOARD_WRITTEN)),
        "after pabot": between(last(lines, PABOT_ENDS), exited),
    }


def verdict(lines: Iterable[Line]) -> str:
    """The verdict the runner printed last (``-`` when it printed none)."""
    found = "-"
    for _, text in lines:
        match = VERDICT_LINE.search(text)
        if match:
            found = match.group(1)
    return found


def explanation(lines: Iterable[Line], most: int = 4, width: int = 160) -> list[str]:
    """The verdict's reason and the first ``most`` failed tests the runner printed, each cut to ``width``."""
    texts = [text for _, text in lines]
    reasons = [text for text in texts if REASON_LINE.search(text)][-1:]
    failed = [text for text in texts if FAILED_TEST.search(text)][:most]
    return [text if len(text) <= width else text[: width - 3] + "..." for text in reasons + failed]


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are not None (None when there are none)."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def summary(values: Iterable[float | None], digits: int = 2) -> str:
    """``median (min-max)`` of the values that are not None; the median alone for one value, ``-`` for none."""
    present = [value for value in values if value is not None]
    if not present:
        return "-"
    middle = f"{statistics.median(present):.{digits}f}"
    if len(present) == 1:
        return middle
    return f"{middle} ({min(present):.{digits}f}-{max(present):.{digits}f})"


def ratios(numerators: Sequence[float | None], denominators: Sequence[float | None]) -> list[float | None]:
    """Pairwise ``numerator / denominator`` (rounds measured side by side); None where either is
    missing or the denominator is not positive."""
    return [
        None if top is None or bottom is None or bottom <= 0 else top / bottom
        for top, bottom in zip(numerators, denominators)
    ]


def counts(values: Iterable[str]) -> str:
    """``PROCEED x5`` or ``PROCEED x4, ROLLBACK x1``: how often each value occurred, most frequent first."""
    tally: dict[str, int] = {}
    for value in values:
        tally[value] = tally.get(value, 0) + 1
    return ", ".join(f"{value} x{number}" for value, number in sorted(tally.items(), key=lambda item: -item[1]))


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table whose columns are padded to the same width (readable as text too)."""
    body = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[column]) if column < len(row) else 0 for row in body) for column in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [(cells[column] if column < len(cells) else "").ljust(widths[column]) for column in range(len(widths))]
        return "| " + " | ".join(padded) + " |"

    return [line(body[0]), line(["-" * width for width in widths]), *[line(row) for row in body[1:]]]


def process_label(argv: Sequence[str], name: str = "") -> str:
    """A short name for a process of the gate: the module a Python runs with ``-m``, else the script
    it runs (``pabot``, ``robot``, ``robotdashboard``), else the program (``bash``); ``name`` (the
    process's own name, which a forked process may have changed) is added when it says more."""
    words = [word for word in argv if word]
    if not words:
        return name or "?"
    program = PurePath(words[0]).name
    if "-m" in words[:-1]:
        label = words[words.index("-m") + 1]
    elif program.startswith("python") and "-c" in words:
        label = f"{program} -c"
    elif program.startswith("python"):
        script = next((word for word in words[1:] if not word.startswith("-")), program)
        label = PurePath(script).name
    else:
        label = program
    if name and not name.startswith("python") and name not in (label, program, PurePath(label).name):
        label += f" [{name}]"
    return label


def split_by_label(seen: Mapping[int, tuple[str, float]]) -> dict[str, tuple[float, int]]:
    """CPU seconds and number of processes per label, from ``seen`` (process id -> (label, seconds))."""
    totals: dict[str, tuple[float, int]] = {}
    for label, seconds in seen.values():
        total, number = totals.get(label, (0.0, 0))
        totals[label] = (total + seconds, number + 1)
    return totals
