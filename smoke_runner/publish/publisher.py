"""The publish step: everything a run leaves for people and tools, written once the verdict is known.

In this order: ``output.xml`` with the verdict as metadata (then robotdashboard starts on it, in
its own process), ``log.html`` and ``report.html``, the JUnit file of each suite (or of the failed
preflight), the metrics file (and the Pushgateway push), the canary's counters, the alert, the
history line, the summary, ``results/latest``, the dashboard (waited for), and the console report,
which the caller prints last.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner.configure.options import Options
from smoke_runner.decide.verdict import EXIT_DRYRUN, EXIT_USAGE, Decision, Verdict
from smoke_runner.domain.model import RunResults
from smoke_runner.domain.redaction import host_only, public_url, redact
from smoke_runner.publish import console
from smoke_runner.publish.alerts import build_message, send_alert
from smoke_runner.publish.dashboard import DashboardRun, DashboardUpdate, dashboard_wanted, finish_update
from smoke_runner.publish.history import append_history, failure_records, read_history, trend
from smoke_runner.publish.junit import Flavour, write_failure_xunit, write_suite_xunit
from smoke_runner.publish.metrics import RunListener, build_registry, push_metrics, write_metrics
from smoke_runner.publish.pages import LOG, OUTPUT, write_output, write_pages
from smoke_runner.publish.readable import prepare_for_readers
from smoke_runner.publish.run_folder import update_latest
from smoke_runner.publish.summary import RunInfo, render_summary, verdict_metadata, verdict_properties

if TYPE_CHECKING:
    from robot.result import Result

HISTORY_FILE = "history.jsonl"
Report = Callable[[], None]


@dataclass
class Publication:
    """What the publish step needs to know of the run besides its results and verdict."""

    run_dir: Path
    run_name: str
    run_id: str
    target: str  # the target as shown (no credentials, no query)
    environment: str
    options: Options
    sources: list[str]  # every selected suite
    started_at: datetime
    started: float  # monotonic
    warnings: list[str] = field(default_factory=list)
    preflight_error: str | None = None
    overrides: list[str] = field(default_factory=list)  # variables set from outside the defaults

    @property
    def timestamp(self) -> str:
        return self.started_at.isoformat()

    def info(self, duration: float, summary_path: Path) -> RunInfo:
        return RunInfo(
            run_name=self.run_name,
            run_id=self.run_id,
            target=self.target,
            started=self.started_at.isoformat(timespec="seconds"),
            duration=duration,
            suites=self.sources,
            processes=self.options.processes,
            dryrun=self.options.dryrun,
            demo=self.options.demo,
            dialect=self.options.dialect,
            environment=self.environment,
            artifacts=sorted({path.name for path in self.run_dir.iterdir()} | {summary_path.name}),
            warnings=self.warnings,
            overrides=self.overrides,
        )


def write_evidence(
    publication: Publication, results: RunResults, decision: Decision, result: Result | None
) -> DashboardUpdate | None:
    """output.xml (with the verdict), log.html, report.html and the JUnit files; the dashboard's
    update, started on output.xml (None when there is no output.xml or in a dry run)."""
    properties = verdict_properties(decision, publication.run_id, publication.target, publication.environment)
    properties["overrides"] = redact("; ".join(publication.overrides))
    dashboard = None
    if result is not None:
        prepare_for_readers(result, results, decision, publication.environment)
        metadata = verdict_metadata(decision, results, publication.run_id, publication.target)
        metadata["Overrides"] = redact("; ".join(publication.overrides)) or "none: the repository's defaults"
        problem = write_output(result, publication.run_dir, metadata)
        if problem is None and not publication.options.dryrun and dashboard_wanted(publication.options):
            dashboard = DashboardUpdate(publication.options.results_dir).begin(
                [publication.run_dir / OUTPUT],
                publication.environment,
                run=DashboardRun(publication.environment, publication.run_name, decision.verdict.name),
            )
        problem = problem or write_pages(result, publication.run_dir)
        if problem:
            publication.warnings.append(f"the verdict could not be added to log.html/report.html: {problem}")
    flavour = Flavour(publication.options.junit_flavour, _artifact_path(publication.run_dir / LOG))
    if publication.preflight_error:
        write_failure_xunit(
            publication.run_dir / f"preflight_{publication.run_name}.xml",
            "Preflight",
            "Target Is Reachable",
            publication.preflight_error,
            publication.timestamp,
            properties,
        )
    else:
        for suite in results.suites:
            write_suite_xunit(
                suite,
                publication.run_dir / f"{suite.key}_{publication.run_name}.xml",
                publication.timestamp,
                properties=properties,
                flavour=flavour,
            )
    return dashboard


def _artifact_path(path: Path) -> str | None:
    """``path`` as a CI job's artifacts name it (relative to the working directory, where the job
    runs; absolute when it lies elsewhere); None when there is no such file."""
    if not path.is_file():
        return None
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (OSError, ValueError):
        return path.as_posix()


def publish(
    publication: Publication,
    results: RunResults,
    decision: Decision,
    result: Result | None,
    on_finished: RunListener | None = None,
) -> tuple[int, Report]:
    """Write every artifact of a run, push, alert, record it; return the exit code and the final
    console report."""
    dashboard = write_evidence(publication, results, decision, result)
    duration = time.monotonic() - publication.started
    _metrics(publication, results, decision, duration)
    if on_finished is not None:
        try:
            on_finished(results, decision, duration)
        except Exception as error:  # noqa: BLE001 - a metrics problem never changes the verdict
            publication.warnings.append(
                f"canary metrics not updated (verdict unchanged): {type(error).__name__}: {error}"
            )
    counts = {
        "total": len(results.tests),
        "passed": results.count("PASS"),
        "failed": results.count("FAIL"),
        "skipped": results.count("SKIP"),
        "flaky": len(results.flaky),
    }
    flaky_names = [test.name for test in results.flaky]
    _alert(publication, decision, counts, flaky_names)
    history_path = publication.options.results_dir / HISTORY_FILE
    rate = decision.workflow_pass_rate
    append_history(
        history_path,
        {
            "run": publication.run_name,
            "timestamp": publication.started_at.isoformat(timespec="seconds"),
            "run_id": publication.run_id,
            "verdict": decision.verdict.name,
            "exit_code": decision.exit_code,
            "reason": redact(decision.reason),
            "partial": [redact(note) for note in decision.partial],
            "waived": [redact(note) for note in decision.waived],
            "loosened": [redact(note) for note in decision.loosened],
            "overrides": publication.overrides,
            "profile": results.profile.profiles,
            "users_left_behind": [redact(user) for user in results.profile.users_left_behind],
            "cleanup_problems": [redact(problem) for problem in results.profile.cleanup_problems],
            "counts": counts,
            "duration_seconds": round(duration, 3),
            "flaky": flaky_names,
            "target": publication.target,
            "failures": failure_records(results),
            "suites": publication.sources,
            "workflow_pass_rate": None if rate is None else round(float(rate), 4),
            "dryrun": publication.options.dryrun,
            "demo": publication.options.demo,
        },
    )
    recent = read_history(history_path)
    summary_path = publication.run_dir / f"summary_{publication.run_name}.txt"
    if dashboard is not None:  # the page is listed among the artifacts when it is written
        problem = finish_update(dashboard)
        if problem:
            publication.warnings.append(problem)
        else:
            console.step(f"Dashboard updated: {dashboard.html}")
    summary_path.write_text(
        render_summary(publication.info(duration, summary_path), results, decision, trend(recent), recent),
        encoding="utf-8",
    )
    try:
        update_latest(publication.options.results_dir, publication.run_name)
    except OSError as error:
        publication.warnings.append(f"could not update {publication.options.results_dir / 'latest'}: {error}")

    def report() -> None:
        for warning in publication.warnings:
            console.warning(warning)
        console.verdict(decision, results, str(summary_path), str(publication.run_dir))

    return decision.exit_code, report


def _metrics(publication: Publication, results: RunResults, decision: Decision, duration: float) -> None:
    """The metrics file of the run, and its push to the Pushgateway (``PUSHGATEWAY_URL``)."""
    registry = build_registry(results, decision, duration)
    write_metrics(registry, publication.run_dir / f"metrics_{publication.run_name}.prom")
    gateway = os.environ.get("PUSHGATEWAY_URL", "").strip()
    if not gateway:
        return
    error = push_metrics(registry, gateway, publication.environment)
    if error:
        publication.warnings.append(
            f"metrics push to {public_url(gateway)} failed (verdict unchanged): {redact(error)}"
        )
    else:
        console.step(
            f"Metrics pushed to {public_url(gateway)} (job smoke_tests, environment {publication.environment})"
        )


def _alert(publication: Publication, decision: Decision, counts: dict[str, int], flaky: list[str]) -> None:
    """The alert webhook's message for every verdict but PROCEED (``ALERT_WEBHOOK_URL``)."""
    webhook = os.environ.get("ALERT_WEBHOOK_URL", "").strip()
    if not webhook or decision.verdict is Verdict.PROCEED:
        return
    error = send_alert(webhook, build_message(decision, publication.target, publication.run_name, counts, flaky))
    if error:
        publication.warnings.append(f"alert to {host_only(webhook)} failed: {redact(error)}")
    else:
        console.step(f"Alert sent to {host_only(webhook)}")


def report_dry_run(
    publication: Publication, results: RunResults, decision: Decision, result: Result | None
) -> tuple[int, Report]:
    """A dry run is not a result: its output, log, report and summary are written (in its own run
    folder), nothing is pushed or alerted, no history line is written and ``results/latest`` does
    not move. Exit code EXIT_DRYRUN (3), or EXIT_USAGE (2) when the dry run found errors in the suites."""
    decision.reason += " (DRY RUN: keywords were not executed, the target was not contacted)"
    write_evidence(publication, results, decision, result)
    summary_path = publication.run_dir / f"summary_{publication.run_name}.txt"
    info = publication.info(time.monotonic() - publication.started, summary_path)
    summary_path.write_text(render_summary(info, results, decision, None, []), encoding="utf-8")
    failing = [test for test in results.tests if test.failed]
    code = EXIT_USAGE if failing or not all(suite.ran for suite in results.suites) else EXIT_DRYRUN

    def report() -> None:
        for warning in publication.warnings:
            console.warning(warning)
        for test in failing:
            console.error(f"dry run: {test.suite} / {test.name}: {' '.join(test.message.split())[:300]}")
        console.step(f"Summary:   {summary_path}")
        if code == EXIT_DRYRUN:
            console.step(
                f"DRY RUN: the suites parse and their keywords resolve ({len(results.tests)} tests); "
                f"nothing was tested, so there is no verdict (exit code {EXIT_DRYRUN}). Nothing was "
                "pushed or alerted; results/latest and the history are unchanged."
            )
        else:
            console.error(f"DRY RUN found errors in the suites: no verdict (exit code {EXIT_USAGE})")

    return code, report
