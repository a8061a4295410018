"""Pure helpers of the gate benchmark (``benchmarks/benchmark_runner.py``): no process, no clock.

They turn what a run leaves behind into figures: the suites' and tests' start and end times in an
``output.xml`` (Robot Framework 7's ``start``/``elapsed`` and Robot 6's ``starttime``/``endtime``),
the console lines of the runner with the second each arrived at, and the artifacts' modification
times, into the phases of one run; then medians and aligned lines with their goals.
"""

from __future__ import annotations

import html
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

#: Where the benchmark's timed reference API serves its request counts (benchmarks/timed_api.py).
STATS_PATH = "/__benchmark__/requests"
#: Console lines (as the runner prints them) that mark the phases of a run.
PABOT_STARTS = re.compile(r"^== Running .+ with pabot")
RERUN_STARTS = re.compile(r"^Re-running failed tests")
PABOT_ENDS = re.compile(r"^Elapsed time:")
VERDICT_LINE = re.compile(r"^VERDICT: (\w+)")


@dataclass(frozen=True)
class TestTiming:
    """One test of an output.xml: name, status, seconds, first line of its message."""

    name: str
    status: str
    seconds: float
    message: str = ""


@dataclass(frozen=True)
class SuiteTiming:
    """A suite that holds tests: its name, start and end (seconds since the epoch) and tests."""

    name: str
    start: float
    end: float
    tests: tuple[TestTiming, ...] = ()

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Phases:
    """Phases of one run, in seconds (``None`` when a marker was not seen)."""

    setup: float | None = None  # start of the command until the runner starts pabot
    pabot_start: float | None = None  # pabot started until the first suite started
    suites: dict[str, float] = field(default_factory=dict)  # each suite's own duration
    pabot_finish: float | None = None  # the last suite ended until pabot ended (first run)
    rerun: float | None = None  # re-run of failures (second pabot), when there was one
    post: float | None = None  # pabot ended until the runner exited (merge, logs, xUnit, summary...)
    artifacts: dict[str, float] = field(default_factory=dict)  # artifact -> written, seconds after pabot ended


def _timestamp(text: str) -> float:
    """Seconds since the epoch of a Robot timestamp (local time, as Robot writes it)."""
    text = text.strip()
    if re.fullmatch(r"\d{8} \d{2}:\d{2}:\d{2}(\.\d+)?", text):  # Robot 6: 20261201 14:33:24.486
        return datetime.strptime(text, "%Y%m%d %H:%M:%S.%f" if "." in text else "%Y%m%d %H:%M:%S").timestamp()
    return datetime.fromisoformat(text).timestamp()


def _span(status: ElementTree.Element | None) -> tuple[float, float] | None:
    """(start, end) of a ``<status>`` element, in seconds since the epoch; ``None`` when it has no
    start (rebot leaves it out of a suite merged from several outputs)."""
    if status is None:
        return None
    if "start" in status.attrib:  # Robot 7
        start = _timestamp(status.attrib["start"])
        return start, start + float(status.attrib.get("elapsed", "0"))
    if status.attrib.get("starttime", "N/A") != "N/A" and status.attrib.get("endtime", "N/A") != "N/A":  # Robot 6
        return _timestamp(status.attrib["starttime"]), _timestamp(status.attrib["endtime"])
    return None


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _merge_part(text: str, name: str) -> str:
    """The text after rebot's ``<span class="NAME">...</span>`` label, up to the next ``<hr>``, as plain text."""
    match = re.search(rf'<span class="{name}">[^<]*</span>(.*?)(?:<hr>|$)', text, re.DOTALL)
    if not match:
        return ""
    plain = re.sub(r"<br\s*/?>", "\n", match.group(1))
    return _first_line(html.unescape(re.sub(r"<[^>]+>", "", plain)))


def failure_message(text: str | None) -> str:
    """The first line of a test's message; for a test that ``rebot --merge`` merged from a first run
    and a re-run (an ``*HTML*`` message), the first lines of both attempts' messages."""
    if not (text or "").startswith("*HTML*") or 'class="merge"' not in (text or ""):
        return _first_line(text)
    new, old = _merge_part(text or "", "new-message"), _merge_part(text or "", "old-message")
    return f"first attempt: {old}; re-run: {new}" if old else f"re-run: {new}"


def suite_timings(xml: str | Path) -> list[SuiteTiming]:
    """The suites that hold tests directly, in the order of the file (``xml`` is a path or the XML text)."""
    root = ElementTree.parse(xml).getroot() if isinstance(xml, Path) else ElementTree.fromstring(xml)
    found: list[SuiteTiming] = []
    for suite in root.iter("suite"):
        tests = suite.findall("test")
        if not tests:
            continue
        timings, spans = [], []
        for test in tests:
            test_status = test.find("status")
            if test_status is None:
                continue
            test_span = _span(test_status)
            if test_span is not None:
                spans.append(test_span)
            timings.append(
                TestTiming(
                    test.attrib.get("name", ""),
                    test_status.attrib.get("status", ""),
                    test_span[1] - test_span[0] if test_span else 0.0,
                    failure_message(test_status.text),
                )
            )
        span = _span(suite.find("status"))
        if span is None and spans:  # a merged suite without times of its own: its tests' first start, last end
            span = (min(start for start, _ in spans), max(end for _, end in spans))
        if span is not None:
            found.append(SuiteTiming(suite.attrib.get("name", ""), span[0], span[1], tuple(timings)))
    return found


def _first(lines: Sequence[tuple[float, str]], pattern: re.Pattern[str]) -> float | None:
    return next((seconds for seconds, text in lines if pattern.search(text)), None)


def _all(lines: Sequence[tuple[float, str]], pattern: re.Pattern[str]) -> list[float]:
    return [seconds for seconds, text in lines if pattern.search(text)]


def phases(
    lines: Sequence[tuple[float, str]],
    suites: Sequence[SuiteTiming],
    started: float,
    exited: float,
    artifacts: Mapping[str, float] | None = None,
) -> Phases:
    """The phases of one run.

    ``lines`` are the runner's console lines with the second (since the run's start) each arrived
    at; ``suites`` the suites of its output.xml; ``started`` the run's start in seconds since the
    epoch (to place the output.xml times); ``exited`` the second the runner exited (since the
    start); ``artifacts`` the modification times (seconds since the epoch) of the run's files.
    """
    result = Phases()
    pabot = _first(lines, PABOT_STARTS)
    ends = _all(lines, PABOT_ENDS)
    rerun = _first(lines, RERUN_STARTS)
    result.setup = pabot
    if suites:
        first_start = min(suite.start for suite in suites) - started
        last_end = max(suite.end for suite in suites) - started
        if pabot is not None:
            result.pabot_start = first_start - pabot
        result.suites = {suite.name: suite.seconds for suite in suites}
        if ends and rerun is None:  # with a re-run, the merged output.xml mixes both attempts' times
            result.pabot_finish = ends[0] - last_end
    last_pabot_end = ends[-1] if ends else None
    if rerun is not None and last_pabot_end is not None and last_pabot_end > rerun:
        result.rerun = last_pabot_end - rerun
    if last_pabot_end is not None:
        result.post = exited - last_pabot_end
        for name, mtime in sorted((artifacts or {}).items(), key=lambda item: item[1]):
            result.artifacts[name] = mtime - started - last_pabot_end
    return result


def verdict(lines: Iterable[tuple[float, str]]) -> str:
    """The verdict the runner printed last (``-`` when there is none: a usage error, a crash)."""
    found = "-"
    for _, text in lines:
        match = VERDICT_LINE.search(text)
        if match:
            found = match.group(1)
    return found


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are not ``None`` (``None`` when there are none)."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def spread(values: Iterable[float | None]) -> str:
    """``(min-max)`` of the values that are not ``None``, or ``""`` for fewer than two."""
    present = [value for value in values if value is not None]
    return f"({min(present):.1f}-{max(present):.1f})" if len(present) > 1 else ""


def figure(label: str, value: float | None, unit: str = "s", detail: str = "", goal: str = "") -> str:
    """One aligned line of the report: label, value with unit, detail, and the goal beside it."""
    shown = "n/a" if value is None else f"{value:8.2f} {unit}"
    text = f"  {label:<52} {shown:>12}"
    if detail:
        text += f"  {detail}"
    if goal:
        text += f"   goal {goal}"
    return text.rstrip()


def per_request(suite_seconds: float | None, server_seconds: float | None, requests: int) -> float | None:
    """Client-side seconds per request: (suite time - server time) / requests (``None`` without requests)."""
    if suite_seconds is None or server_seconds is None or requests <= 0:
        return None
    return (suite_seconds - server_seconds) / requests


def process_label(argv: Sequence[str]) -> str:
    """A short name for a process of the gate from its command line: the module run with ``-m``,
    else the script a Python runs (``pabot``, ``robot``, ``rebot``, ``robot_client.py``), else the script named after a
    Python's ``-c`` code (the runner's warm ``robotdashboard``), else the program's name."""
    if not argv:
        return "?"
    words = list(argv)
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1]
    program = Path(words[0]).name
    if program.startswith("python") and any(Path(word).name == "robot_client.py" for word in words[1:3]):
        return "robot_client.py"  # the fork server's client, whatever it asks for (``--python -c ...`` too)
    if program.startswith("python") and len(words) > 3 and words[1] == "-c" and "/" in words[3]:
        return Path(words[3]).name  # a script's path after the code: the runner's warm robotdashboard
    if program.startswith("python") and "-c" in words:
        return "python"  # other code (run_smoke.sh's check of the virtualenv)
    script = next((word for word in words[1:] if not word.startswith("-")), None)
    if program.startswith("python") and "-c" not in words and script is not None:
        return Path(script).name  # ``python -S robot_client.py``: the script, past the interpreter's flags
    return program


def mib(kilobytes: int) -> float:
    """``ru_maxrss`` (KiB on Linux) in MiB."""
    return kilobytes / 1024
