"""One smoke run from parsed options to exit code: preflight, pabot, verdict, artifacts, alerts."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from smoke_runner import REPO_ROOT, console, forkserver
from smoke_runner.alerts import build_message, send_alert
from smoke_runner.artifacts import new_run_dir, update_latest
from smoke_runner.canary import CanaryError, run_canary
from smoke_runner.dashboard import DashboardUpdate, begin_after_run, finish_after_run, prepare_update, runs_kept
from smoke_runner.demo import DemoError, ReferenceApiProcess
from smoke_runner.execution import (
    DEFAULT_TIME_LIMIT,
    ExecutionPlan,
    run_pabot,
    write_output,
    write_pages,
)
from smoke_runner.history import append_history, failure_records, read_history, trend
from smoke_runner.metrics import build_registry, environment_name, push_metrics, run_finished, write_metrics
from smoke_runner.model import RunResults, SuiteResult, load_results
from smoke_runner.preflight import (
    DEFAULT_PREFLIGHT_TIMEOUT,
    ConfigurationError,
    ReachabilityResult,
    check_python,
    check_requirements,
    check_service_urls,
    probe_target,
    validate_url,
)
from smoke_runner.redact import host_only, public_url, redact
from smoke_runner.run_options import Options
from smoke_runner.summary import RunInfo, render_summary, verdict_metadata, verdict_properties
from smoke_runner.verdict import EXIT_DRYRUN, EXIT_USAGE, Decision, Verdict, decide
from smoke_runner.xunit import write_failure_xunit, write_suite_xunit

HISTORY_FILE = "history.jsonl"


def suites_dir() -> Path:
    """``$SMOKE_SUITES_DIR`` or ``<repo>/suites``."""
    return Path(os.environ.get("SMOKE_SUITES_DIR") or REPO_ROOT / "suites").resolve()


def resolve_sources(names: list[str]) -> dict[str, Path]:
    """``health`` -> ``suites/health.robot`` (or the folder ``suites/health/``)."""
    base = suites_dir()
    sources: dict[str, Path] = {}
    for name in names:
        for candidate in (base / f"{name}.robot", base / name):
            if candidate.exists():
                sources[name] = candidate
                break
        else:
            raise ConfigurationError(f"suite {name!r} not found: expected {base / (name + '.robot')}")
    return sources


def selected_test_count(source: Path, options: Options) -> int | None:
    """How many tests of ``source`` the tag/test filters select (None if the suite cannot be parsed:
    robot will then report the problem in the run)."""
    from robot.api import TestSuiteBuilder
    from robot.errors import DataError

    try:
        suite = TestSuiteBuilder().build(str(source))
        suite.filter(
            included_tests=options.tests or None,
            included_tags=options.include or None,
            excluded_tags=options.exclude or None,
        )
    except (DataError, OSError, ValueError):
        return None
    count: int = suite.test_count
    return count


#: Sane ranges (seconds) of the time settings: finite, above zero, at most the maximum.
TIME_LIMITS = {"API_TIMEOUT": 600.0, "PREFLIGHT_TIMEOUT": 600.0, "SMOKE_RUN_TIMEOUT": 86400.0}


def _seconds_env(name: str, default: float) -> float:
    """``$name`` as seconds: a finite number in (0, TIME_LIMITS[name]]; anything else (0, -1, abc,
    nan, inf, 1e30) is a configuration error (exit code 2), never a silently unlimited run."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    maximum = TIME_LIMITS[name]
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= maximum):
        raise ConfigurationError(f"{name} must be a number of seconds above 0 and at most {maximum:g}, got {raw!r}")
    return value


def check_dashboard_runs() -> None:
    """``SMOKE_DASHBOARD_RUNS`` is a whole number (a configuration error, exit code 2, otherwise)."""
    try:
        runs_kept()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None


def check_time_settings() -> tuple[float, float]:
    """Check API_TIMEOUT (read by the suites), PREFLIGHT_TIMEOUT and SMOKE_RUN_TIMEOUT; return the
    preflight timeout and the run's time limit."""
    _seconds_env("API_TIMEOUT", 30.0)
    return (
        _seconds_env("PREFLIGHT_TIMEOUT", DEFAULT_PREFLIGHT_TIMEOUT),
        _seconds_env("SMOKE_RUN_TIMEOUT", DEFAULT_TIME_LIMIT),
    )


def robot_options(options: Options) -> list[str]:
    """Options given to every robot process (through pabot)."""
    args: list[str] = []
    for tag in options.include:
        args.append(f"--include={tag}")
    for tag in options.exclude:
        args.append(f"--exclude={tag}")
    for test in options.tests:
        args.append(f"--test={test}")  # one argument: pabot reads its own options anywhere on the line
    for variablefile in options.variablefiles:
        args.append(f"--variablefile={variablefile}")
    if options.dryrun:
        args.append("--dryrun")
    return args + options.passthrough


@contextlib.contextmanager
def _target(options: Options) -> Iterator[str]:
    """The URL under test: the demo API (started and always stopped) or PRODUCTION_URL."""
    if not options.demo:
        url = os.environ.get("PRODUCTION_URL", "").strip()
        if not url and options.dryrun:
            url = "http://localhost:8000"  # --dryrun contacts no target
        if not url:
            raise ConfigurationError(
                "PRODUCTION_URL is not set. Export the deployment's base URL "
                "(e.g. PRODUCTION_URL=http://localhost:8000 for a local API) or use --demo."
            )
        yield validate_url(url)
        return
    console.step(
        f"Starting the bundled reference API (--demo, {options.dialect} dialect, HTTPS with a private demo CA)"
    )
    api = ReferenceApiProcess(tls=True, extra_args=["--dialect", options.dialect])
    saved_ca_bundle = os.environ.get("CA_BUNDLE")
    try:
        try:
            api.start()
        except DemoError as error:
            raise ConfigurationError(f"--demo: {error}") from None
        # The demo's certificate is verified like any private CA's: through CA_BUNDLE.
        os.environ["CA_BUNDLE"] = str(api.ca_bundle)
        console.step(f"Demo certificates are verified with CA_BUNDLE={api.ca_bundle}")
        console.step(f"Reference API listening on {api.base_url}")
        yield api.base_url
    finally:
        api.stop()
        if saved_ca_bundle is None:
            os.environ.pop("CA_BUNDLE", None)
        else:
            os.environ["CA_BUNDLE"] = saved_ca_bundle


def run(options: Options, served: dict[str, str] | None = None) -> int:
    """Execute one run; return the exit code. ``served``: the run's fork server (``forkserver.serving``,
    started by the command line); None starts one here, empty means none."""
    try:
        preflight_timeout, time_limit = check_time_settings()
        check_dashboard_runs()
        check_service_urls()
        check_python()
        check_requirements(options.demo)
        sources = resolve_sources(options.suites)
        # Without a --test/--include/--exclude filter every test runs: no suite needs parsing here (a
        # suite without any test is run as such, --runemptysuite), and Robot is not imported yet.
        filtered = options.tests or options.include or options.exclude
        empty = [key for key, source in sources.items() if filtered and selected_test_count(source, options) == 0]
        if len(empty) == len(sources):
            raise ConfigurationError("no test matches the --include/--exclude/--test filters")
        plan = ExecutionPlan(
            sources=[path for key, path in sources.items() if key not in empty],
            processes=options.processes,
            robot_options=robot_options(options),
            rerun_failed=options.rerun and not options.dryrun,
            bin_dir=Path(sys.executable).parent,
            time_limit=time_limit,
        )
        with forkserver.reused_or_serving(served, sys.executable) as plan.forkserver, _target(options) as url:
            if options.every is not None:  # canary mode (docs/monitoring.md): run again and again
                return _run_canary(url, options, sources, empty, plan, preflight_timeout)
            code, report = _run_against(url, options, sources, empty, plan, preflight_timeout)
        report()  # the verdict is printed last, after the demo API has stopped
        return code
    except ConfigurationError as error:
        console.error(str(error))
        return EXIT_USAGE


def _run_canary(
    url: str,
    options: Options,
    sources: dict[str, Path],
    empty: list[str],
    plan: ExecutionPlan,
    preflight_timeout: float,
) -> int:
    """Canary mode: ``_run_against`` every ``--every`` until stopped (see ``smoke_runner.canary``)."""
    assert options.every is not None and options.metrics_listen is not None and options.keep is not None
    try:
        return run_canary(
            lambda: _run_against(url, options, sources, empty, plan, preflight_timeout),
            environment=environment_name(options.environment, url, options.demo),
            suites=[key for key in sources if key not in empty],
            interval=options.every,
            listen=options.metrics_listen,
            keep=options.keep,
            results_dir=options.results_dir,
        )
    except CanaryError as error:
        raise ConfigurationError(str(error)) from None


@dataclass
class RunContext:
    """What one run knows before any test starts."""

    options: Options
    sources: dict[str, Path]  # every selected suite
    empty: list[str]  # selected suites the filters left without tests (not run)
    plan: ExecutionPlan
    url: str
    run_id: str
    run_name: str
    run_dir: Path
    started_at: datetime
    started: float
    warnings: list[str] = field(default_factory=list)
    time_limit_error: str | None = None
    dashboard: DashboardUpdate | None = None  # robotdashboard, working while the other artifacts are written

    @property
    def target(self) -> str:
        return public_url(self.url)

    @property
    def environment(self) -> str:
        return environment_name(self.options.environment, self.url, self.options.demo)


def _run_against(
    url: str,
    options: Options,
    sources: dict[str, Path],
    empty: list[str],
    plan: ExecutionPlan,
    preflight_timeout: float,
) -> tuple[int, Callable[[], None]]:
    """Run against ``url``; return the exit code and the final console report (printed by the caller)."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    run_id = os.environ.get("SMOKE_RUN_ID") or uuid.uuid4().hex[:12]
    os.environ["SMOKE_RUN_ID"] = run_id
    os.environ["PRODUCTION_URL"] = url
    plan.env = {
        "PRODUCTION_URL": url,
        "SMOKE_RUN_ID": run_id,
        "PATH": os.pathsep.join([str(plan.bin_dir), os.environ.get("PATH", "")]),
    }
    run_name, run_dir = new_run_dir(options.results_dir, started_at)
    context = RunContext(options, sources, empty, plan, url, run_id, run_name, run_dir, started_at, started)
    try:
        results, decision = _execute(context, preflight_timeout)
        if options.dryrun:
            return _report_dry_run(context, results, decision)
        summary_path = _publish(context, results, decision)
    except KeyboardInterrupt:
        shutil.rmtree(run_dir / ".attempts", ignore_errors=True)
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # only if nothing was written yet
        raise
    finally:
        if context.dashboard is not None:  # interrupted before it was waited for: end it
            context.dashboard.stop()

    def report() -> None:
        for warning in context.warnings:
            console.warning(warning)
        console.verdict(decision, results, str(summary_path), str(run_dir))

    return decision.exit_code, report


def _execute(context: RunContext, preflight_timeout: float) -> tuple[RunResults, Decision]:
    """Preflight, then pabot (unless the preflight failed); the results and the verdict.
    Writes the xUnit files."""
    console.step(f"Run {context.run_name} (id {context.run_id}) against {context.target}; results in {context.run_dir}")
    timestamp = context.started_at.isoformat()
    ca_bundle = os.environ.get("CA_BUNDLE", "").strip()
    if context.options.dryrun:
        console.step("Preflight: target not contacted (--dryrun calls no API)")
        probe = ReachabilityResult(None, None)
    else:
        console.step(
            f"Preflight: is {context.target} answering? (timeout {preflight_timeout:g} s"
            + (f", CA bundle {ca_bundle})" if ca_bundle else ")")
        )
        probe = probe_target(context.url, preflight_timeout, ca_bundle)
    if probe.error:
        results = RunResults([SuiteResult(key=key, name=key.title(), ran=False) for key in context.sources])
        decision = decide(results, probe.error)
        write_failure_xunit(
            context.run_dir / f"preflight_{context.run_name}.xml",
            "Preflight",
            "Target Is Reachable",
            probe.error,
            timestamp,
            verdict_properties(decision, context.run_id, context.target),
        )
        return results, decision
    if probe.status is not None:
        console.step(f"Preflight passed: HTTP {probe.status} in {probe.seconds:.2f} s")
    ran = {key: path for key, path in context.sources.items() if key not in context.empty}
    context.warnings += [f"suite {key}: no test matches the filters, not run" for key in context.empty]
    console.step(f"Running {', '.join(ran)} with pabot ({context.plan.processes} processes)")
    outcome = None
    try:  # pabot may still be ending (every suite's output complete): it ends before the verdict
        try:
            outcome = run_pabot(context.plan, context.run_dir, console.passthrough, _ready_dashboard_early(context))
            if outcome.result is None and context.dashboard is not None:  # nothing to add
                context.dashboard.stop()
                context.dashboard = None
            elif outcome.result is not None and not context.options.dryrun and context.dashboard is None:
                context.dashboard = prepare_update(  # imports while output.xml is written
                    context.options.results_dir, served=context.plan.forkserver
                )
            if outcome.timed_out:
                context.time_limit_error = f"{outcome.error} (SMOKE_RUN_TIMEOUT); stopped, results incomplete"
            if outcome.result is not None:
                results = load_results(outcome.result, ran, outcome.first, outcome.rerun)
            else:
                context.warnings.append(outcome.error)
                results = RunResults([SuiteResult(key=key, name=key.title(), ran=False) for key in ran])
        finally:
            shutil.rmtree(context.run_dir / ".attempts", ignore_errors=True)
        for key in context.empty:  # selected, but the filters left no test in it
            results.suites.insert(list(context.sources).index(key), SuiteResult(key=key, name=key.title()))
        decision = decide(results, time_limit_error=context.time_limit_error)
        if context.options.dryrun:
            decision.reason += " (DRY RUN: keywords were not executed, the target was not contacted)"
        properties = verdict_properties(decision, context.run_id, context.target)
        problem = None
        if outcome is not None and outcome.result is not None:  # written once, with the verdict where people look
            metadata = verdict_metadata(decision, results, context.run_id, context.target)
            problem = write_output(outcome.result, context.run_dir, metadata)
            if context.dashboard is not None and problem:  # no complete output.xml to add
                context.dashboard.stop()
                context.dashboard = None
            elif context.dashboard is not None:  # the trend dashboard reads the complete output.xml
                context.dashboard = begin_after_run(context.dashboard, context.run_dir, context.environment)
        for suite in results.suites:
            write_suite_xunit(
                suite, context.run_dir / f"{suite.key}_{context.run_name}.xml", timestamp, properties=properties
            )
        if outcome is not None and outcome.result is not None:
            problem = problem or write_pages(outcome.result, context.run_dir)
            if problem:
                context.warnings.append(f"the verdict could not be added to log.html/report.html: {problem}")
    except BaseException:
        if outcome is not None:
            outcome.end_pabot(stop=True)
        raise
    if outcome is not None and (ended := outcome.end_pabot()) is not None:
        context.warnings.append(ended)
    return results, decision


def _ready_dashboard_early(context: RunContext) -> Callable[[], None]:
    """Called (in ``run_pabot``'s thread: the process it starts dies with that thread's end only)
    when the first suite's output is complete: the other suite runs on and a core is free, so the
    warm ``robotdashboard`` starts importing, ready for output.xml."""

    def ready() -> None:
        if context.dashboard is None and not context.options.dryrun:
            context.dashboard = prepare_update(context.options.results_dir, served=context.plan.forkserver)

    return ready


def _report_dry_run(context: RunContext, results: RunResults, decision: Decision) -> tuple[int, Callable[[], None]]:
    """A dry run is not a result: only its summary is written (in its own run folder); nothing is
    pushed or alerted, no history line is written and ``results/latest`` does not move. Exit code
    EXIT_DRYRUN (3), or EXIT_USAGE (2) when the dry run found errors in the suites."""
    summary_path = context.run_dir / f"summary_{context.run_name}.txt"
    info = RunInfo(
        run_name=context.run_name,
        run_id=context.run_id,
        target=context.target,
        started=context.started_at.isoformat(timespec="seconds"),
        duration=time.monotonic() - context.started,
        suites=list(context.sources),
        processes=context.plan.processes,
        dryrun=True,
        demo=context.options.demo,
        dialect=context.options.dialect,
        artifacts=sorted({path.name for path in context.run_dir.iterdir()} | {summary_path.name}),
        warnings=context.warnings,
    )
    summary_path.write_text(render_summary(info, results, decision, None, []), encoding="utf-8")
    failing = [test for test in results.tests if test.failed]
    code = EXIT_USAGE if failing or not all(suite.ran for suite in results.suites) else EXIT_DRYRUN

    def report() -> None:
        for warning in context.warnings:
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


def _publish(context: RunContext, results: RunResults, decision: Decision) -> Path:
    """Metrics file (and push), alert, history line, summary, results/latest; returns the summary path."""
    duration = time.monotonic() - context.started
    run_name, run_dir = context.run_name, context.run_dir
    registry = build_registry(results, decision, duration)
    write_metrics(registry, run_dir / f"metrics_{run_name}.prom")
    environment = context.environment
    gateway = os.environ.get("PUSHGATEWAY_URL", "").strip()
    if gateway:
        error = push_metrics(registry, gateway, environment)
        if error:
            context.warnings.append(
                f"metrics push to {public_url(gateway)} failed (verdict unchanged): {redact(error)}"
            )
        else:
            console.step(f"Metrics pushed to {public_url(gateway)} (job smoke_tests, environment {environment})")
    context.warnings += run_finished(results, decision, duration)  # the canary's counters
    counts = {
        "total": len(results.tests),
        "passed": results.count("PASS"),
        "failed": results.count("FAIL"),
        "skipped": results.count("SKIP"),
        "flaky": len(results.flaky),
    }
    flaky_names = [test.name for test in results.flaky]
    webhook = os.environ.get("ALERT_WEBHOOK_URL", "").strip()
    if webhook and decision.verdict is not Verdict.PROCEED:
        error = send_alert(webhook, build_message(decision, context.target, run_name, counts, flaky_names))
        if error:
            context.warnings.append(f"alert to {host_only(webhook)} failed: {redact(error)}")
        else:
            console.step(f"Alert sent to {host_only(webhook)}")

    history_path = context.options.results_dir / HISTORY_FILE
    rate = decision.workflow_pass_rate
    append_history(
        history_path,
        {
            "run": run_name,
            "timestamp": context.started_at.isoformat(timespec="seconds"),
            "run_id": context.run_id,
            "verdict": decision.verdict.name,
            "exit_code": decision.exit_code,
            "reason": redact(decision.reason),
            "counts": counts,
            "duration_seconds": round(duration, 3),
            "flaky": flaky_names,
            "target": context.target,
            "failures": failure_records(results),
            "suites": list(context.sources),
            "workflow_pass_rate": None if rate is None else round(float(rate), 4),
            "dryrun": context.options.dryrun,
            "demo": context.options.demo,
        },
    )
    recent = read_history(history_path)
    summary_path = run_dir / f"summary_{run_name}.txt"
    info = RunInfo(
        run_name=run_name,
        run_id=context.run_id,
        target=context.target,
        started=context.started_at.isoformat(timespec="seconds"),
        duration=duration,
        suites=list(context.sources),
        processes=context.plan.processes,
        dryrun=context.options.dryrun,
        demo=context.options.demo,
        dialect=context.options.dialect,
        artifacts=sorted({path.name for path in run_dir.iterdir()} | {summary_path.name}),
        warnings=context.warnings,
    )
    summary_path.write_text(render_summary(info, results, decision, trend(recent), recent), encoding="utf-8")
    try:
        update_latest(context.options.results_dir, run_name)
    except OSError as error:
        context.warnings.append(f"could not update {context.options.results_dir / 'latest'}: {error}")
    # the trend dashboard, started once output.xml was written (optional: a failure is only a warning)
    update, context.dashboard = context.dashboard, None
    problem = finish_after_run(update)
    if problem:
        context.warnings.append(problem)
    return summary_path
