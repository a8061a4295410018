"""Everything the runner prints (the only module that prints). Colours only on a terminal and
never with ``NO_COLOR``; every line goes through the secret redaction."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from smoke_runner.decide.verdict import ACTIONS, WORKFLOW_SUITE, Decision, Verdict, percent
from smoke_runner.domain.model import RunResults, one_line
from smoke_runner.domain.redaction import redact

RESET = "\033[0m"
STYLES = {"red": "\033[1;31m", "yellow": "\033[1;33m", "green": "\033[1;32m", "cyan": "\033[36m", "bold": "\033[1m"}
VERDICT_STYLE = {
    Verdict.PROCEED: "green",
    Verdict.MONITOR: "green",
    Verdict.INVESTIGATE: "yellow",
    Verdict.ROLLBACK: "red",
}


def use_colour(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (stdout) is a terminal and ``NO_COLOR`` is not set."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR", "") != "":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _style(text: str, style: str) -> str:
    return f"{STYLES[style]}{text}{RESET}" if use_colour() else text


def _out(text: str = "", stream: TextIO | None = None) -> None:
    print(redact(text), file=stream or sys.stdout, flush=True)


def step(message: str) -> None:
    """A progress line: ``== message``."""
    _out(_style(f"== {message}", "cyan"))


def passthrough(line: str) -> None:
    """A line of pabot's console output."""
    _out(line)


def warning(message: str) -> None:
    """A warning that does not change the verdict."""
    _out(_style(f"WARNING: {message}", "yellow"), sys.stderr)


def error(message: str) -> None:
    """A usage or configuration error (exit code 2)."""
    _out(_style(f"ERROR: {message}", "red"), sys.stderr)


def usage(text: str) -> None:
    """The --help text."""
    _out(text)


def verdict(decision: Decision, results: RunResults, summary_path: str = "", run_dir: str = "") -> None:
    """The final block: verdict, reason, failing tests with messages, flaky tests. Printed last."""
    style = VERDICT_STYLE[decision.verdict]
    rule = "=" * 78
    _out(rule)
    for suite in results.suites:
        if suite.ran:
            _out(
                f"{suite.key:<12} {suite.passed} passed, {suite.failed} failed, {suite.skipped} skipped, "
                f"{len(suite.flaky)} flaky"
            )
        else:
            _out(f"{suite.key:<12} DID NOT RUN")
    if decision.workflow_pass_rate is not None:
        _out(f"Workflow pass rate: {percent(decision.workflow_pass_rate)} (passed / (passed + failed))")
    for note in results.applicability_notes(WORKFLOW_SUITE):
        _out(f"Applicable: {note}")
    for note in decision.partial:
        _out(_style("PARTIAL ", "yellow") + note)
    for note in decision.waived:
        _out(_style("WAIVED  ", "yellow") + note)
    for user in results.profile.users_left_behind:
        _out(
            _style("LEFT BEHIND ", "yellow") + f"throwaway user {user} (remove it, or choose another CLEANUP strategy)"
        )
    for problem in results.profile.cleanup_problems:
        _out(_style("NOT CLEANED ", "yellow") + problem)
    for test in results.flaky:
        _out(
            _style("FLAKY ", "yellow") + f"{test.suite} / {test.name}: passed on the re-run; first failure: "
            f"{one_line(test.first_message)}"
        )
    for test in decision.failing:
        _out(_style("FAIL  ", "red") + f"{test.suite} / {test.name}: {test.short_message()}")
    if summary_path:
        _out(f"Summary:   {summary_path}")
    if run_dir:
        _out(f"Artifacts: {run_dir}")
    _out(rule)
    _out(_style(f"VERDICT: {decision.label} - {ACTIONS[decision.verdict]} (exit code {decision.exit_code})", style))
    _out(f"Reason: {decision.reason}")
