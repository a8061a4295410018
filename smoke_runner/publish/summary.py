"""The human-readable ``summary_<timestamp>.txt`` (also the body of the console report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smoke_runner.decide.verdict import ACTIONS, RULES, WORKFLOW_SUITE, Decision, percent
from smoke_runner.domain.model import RunResults, one_line
from smoke_runner.domain.redaction import redact
from smoke_runner.publish.history import Trend


def rules_text() -> str:
    """The decision table (``decide.verdict.RULES``) as the summary prints it."""
    lines = ["Verdict rules (first match wins):"]
    for number, rule in enumerate(RULES, 1):
        lines.append(f"  {number:>2}. {rule.when} -> {rule.verdict.name} (exit {rule.verdict.exit_code})")
    lines.append("  A run that leaves tests out is partial: the verdict says so and names what was left out.")
    return "\n".join(lines)


def verdict_properties(decision: Decision, run_id: str, target: str, environment: str = "") -> dict[str, str]:
    """The verdict as name/value pairs for the JUnit files' ``<properties>`` (secrets redacted): also
    what the matrix merge (``python -m smoke_runner merge``) reads of each run folder."""
    return {
        name: redact(value)
        for name, value in {
            "verdict": decision.verdict.name,
            "exit_code": str(decision.exit_code),
            "reason": decision.reason,
            "partial": "true" if decision.partial else "false",
            "left_out": "; ".join(decision.partial),
            "waived": "; ".join(decision.waived),
            "loosened": "; ".join(decision.loosened),
            "run_id": run_id,
            "target": target,
            "environment": environment,
        }.items()
    }


def verdict_metadata(decision: Decision, results: RunResults, run_id: str, target: str) -> dict[str, str]:
    """The verdict as top-level metadata of output.xml, log.html and report.html (secrets redacted)."""
    counts = (
        f"{len(results.tests)} tests: {results.count('PASS')} passed, {results.count('FAIL')} failed, "
        f"{results.count('SKIP')} skipped, {len(results.flaky)} flaky; "
        f"workflow pass rate {percent(decision.workflow_pass_rate)}"
    )
    return {
        name: redact(" ".join(value.split()))
        for name, value in {
            "Verdict": f"{decision.label} (exit code {decision.exit_code}) - {ACTIONS[decision.verdict]}",
            "Verdict Reason": decision.reason,
            "Partial Run": "; ".join(decision.partial) or "no: every test of the suites ran",
            "Waived Security Checks": "; ".join(decision.waived) or "none",
            "Run ID": run_id,
            "Target": target,
            "Counts": counts,
        }.items()
    }


@dataclass
class RunInfo:
    """Facts about the run that are not test results."""

    run_name: str
    run_id: str
    target: str
    started: str
    duration: float
    suites: list[str]
    processes: int
    dryrun: bool = False
    demo: bool = False
    dialect: str = "contract"  # the demo API's dialect (shown only with demo)
    environment: str = ""  # --environment, $SMOKE_ENVIRONMENT, "demo" or the target's host name
    artifacts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)  # variables set from outside the repository's defaults


def render_summary(
    info: RunInfo, results: RunResults, decision: Decision, trend: Trend | None, history: list[dict[str, Any]]
) -> str:
    """The summary text (secrets redacted)."""
    lines = [
        "Smoke test summary",
        "==================",
        f"Run:          {info.run_name} (run id {info.run_id})",
        f"Target:       {info.target}"
        + (f"  (bundled reference API, --demo, {info.dialect} dialect)" if info.demo else ""),
        *([f"Environment:  {info.environment}"] if info.environment else []),
        f"Started:      {info.started}",
        f"Duration:     {info.duration:.1f} s",
        f"Suites:       {', '.join(info.suites)} ({info.processes} parallel processes)"
        + ("  [DRY RUN: keywords were not executed]" if info.dryrun else ""),
        "",
        f"VERDICT:      {decision.label} (exit code {decision.exit_code}) - {ACTIONS[decision.verdict]}",
        f"Reason:       {decision.reason}",
        *[f"Partial:      {note}" for note in decision.partial],
        *[f"Waived:       {note}" for note in decision.waived],
        *[f"Loosened:     {note}" for note in decision.loosened],
        *profile_lines(results),
        *[f"Override:     {item}" for item in info.overrides],
        f"Pass rate:    workflows {percent(decision.workflow_pass_rate)}",
        *[f"Applicable:   {note}" for note in results.applicability_notes(WORKFLOW_SUITE)],
        "",
        "Results per suite:",
    ]
    for suite in results.suites:
        if not suite.ran:
            lines.append(f"  {suite.key:<12} DID NOT RUN")
            continue
        lines.append(
            f"  {suite.key:<12} {len(suite.tests):>3} tests: {suite.passed} passed, {suite.failed} failed, "
            f"{suite.skipped} skipped, {len(suite.flaky)} flaky ({suite.elapsed:.1f} s)"
        )
    if not results.suites:
        lines.append("  (no suite ran)")
    flaky = results.flaky
    lines += ["", f"Flaky tests ({len(flaky)}): failed on the first attempt, passed on the re-run"]
    lines += [f"  FLAKY {test.suite} / {test.name}: first failure: {one_line(test.first_message)}" for test in flaky]
    failing = [test for test in results.tests if test.failed]
    lines += ["", f"Failed tests ({len(failing)}):"]
    lines += [f"  FAIL  {test.suite} / {test.name}: {test.short_message()}" for test in failing]
    skipped = [test for test in results.tests if test.skipped]
    if skipped:
        lines += ["", f"Skipped tests ({len(skipped)}, not counted as failures):"]
        lines += [f"  SKIP  {test.suite} / {test.name}: {one_line(test.message)}" for test in skipped]
    if info.warnings:
        lines += ["", "Warnings:", *[f"  - {warning}" for warning in info.warnings]]
    lines += ["", *render_trend(trend, history)]
    if info.artifacts:
        lines += ["", "Artifacts:", *[f"  {name}" for name in info.artifacts]]
    lines += ["", rules_text(), ""]
    return redact("\n".join(lines))


def profile_lines(results: RunResults) -> list[str]:
    """The API profile of the run and what its clean-up left behind (ids), for the summary."""
    record = results.profile
    lines = [f"Profile:      {', '.join(record.profiles)}"] if record.profiles else []
    lines += [f"Cleanup:      {line}" for line in record.cleanup]
    lines += [f"Left behind:  {user}" for user in record.users_left_behind]
    lines += [f"Not cleaned:  {problem}" for problem in record.cleanup_problems]
    return lines


def render_trend(trend: Trend | None, history: list[dict[str, Any]]) -> list[str]:
    """The 'last runs' table and trend lines."""
    if not trend or not history:
        return ["Recent runs: none recorded"]
    lines = [
        f"Recent runs (last {trend.runs}, oldest first):",
        f"  {'run':<20} {'verdict':<12} {'passed':>6} {'failed':>6} {'skipped':>7} {'duration':>9}  flaky",
    ]
    for entry in history:
        counts = entry.get("counts", {})
        duration = entry.get("duration_seconds")
        lines.append(
            f"  {entry.get('run', entry.get('timestamp', '?'))!s:<20} {entry.get('verdict', '?')!s:<12} "
            f"{counts.get('passed', 0):>6} {counts.get('failed', 0):>6} {counts.get('skipped', 0):>7} "
            f"{(f'{duration:.1f} s' if isinstance(duration, (int, float)) else '?'):>9}  "
            f"{', '.join(entry.get('flaky', []) or []) or '-'}"
        )
    rate = f"{trend.mean_pass_rate * 100:.1f}%" if trend.mean_pass_rate is not None else "n/a"
    mean = f"{trend.mean_duration:.1f} s" if trend.mean_duration is not None else "n/a"
    change = ""
    if trend.duration_change is not None:
        change = f"; this run {'+' if trend.duration_change >= 0 else ''}{trend.duration_change:.1f} s vs. earlier runs"
    lines.append(f"  Pass rate over these runs: {rate}; mean duration {mean}{change}")
    if trend.flaky_counts:
        lines.append(
            "  Flaky over these runs: " + ", ".join(f"{name} ({count}x)" for name, count in trend.flaky_counts.items())
        )
    else:
        lines.append("  Flaky over these runs: none")
    return lines
