"""One gate run, as a straight pipeline:

    configure -> preflight -> execute (pabot) -> re-run -> merge -> decide -> publish

``run`` checks the settings and selection (configure), provides the target (``PRODUCTION_URL``, or
the bundled reference API with ``--demo``) and runs it once, or again and again in canary mode.
``run_once`` is one pass through the steps, each a package of this one named for it; the results
model and the verdict (``domain``, ``decide``) know nothing of processes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from smoke_runner.canary import CanaryError, run_canary
from smoke_runner.configure.options import Options
from smoke_runner.configure.passthrough import listener_options, overrides
from smoke_runner.configure.profile import ProfileInUse, profile_in_use, robot_copies
from smoke_runner.configure.settings import (
    ConfigurationError,
    TimeSettings,
    check_service_urls,
    is_loopback_host,
    time_settings,
    validate_url,
)
from smoke_runner.configure.suites import (
    foreign_suites,
    resolve_sources,
    robot_options,
    select_tests,
)
from smoke_runner.decide.evidence import Expectation, PlannedTest, judge_evidence, origin_of, trust_of
from smoke_runner.decide.verdict import EXIT_USAGE, decide
from smoke_runner.domain.model import RunResults, SuiteResult
from smoke_runner.domain.redaction import public_url, redact
from smoke_runner.execute.pabot import (
    TOP_SUITE_NAME,
    Attempt,
    ExecutionPlan,
    child_environment,
    run_attempt,
    work_folder,
)
from smoke_runner.merge.combine import combine_attempt, configure, merge_attempts
from smoke_runner.merge.results import load_results
from smoke_runner.preflight.checks import ReachabilityResult, check_python, check_requirements, probe_target
from smoke_runner.preflight.demo import DemoError, ReferenceApiProcess
from smoke_runner.processes.guard import Guard
from smoke_runner.profiles.capabilities import ADMIN_TOKEN_VARIABLE
from smoke_runner.publish import console
from smoke_runner.publish.dashboard import runs_kept
from smoke_runner.publish.metrics import RunListener, environment_name
from smoke_runner.publish.publisher import Publication, publish, report_dry_run
from smoke_runner.publish.run_folder import new_run_dir
from smoke_runner.rerun.policy import NO_RERUN_TAG, choose_reruns, rerun_input

if TYPE_CHECKING:
    from robot.result import Result

FIRST, RERUN = "first", "rerun"


@dataclass
class RunConfiguration:
    """What the configure step settled before the target is contacted."""

    options: Options
    times: TimeSettings
    sources: dict[str, Path]  # every selected suite
    empty: list[str]  # selected suites the filters leave without tests (not run)
    guard: Guard
    selected: list[PlannedTest] = field(default_factory=list)  # the tests the run is asked to run
    left_out: list[PlannedTest] = field(default_factory=list)  # the repository's tests it leaves out
    left_out_by: str = ""  # the options that left them out
    foreign: list[str] = field(default_factory=list)  # selected suites that are not the repository's
    profile: ProfileInUse | None = None  # the API profile, its waivers and loosened policies
    overrides: list[str] = field(default_factory=list)  # variables set from outside the defaults

    def expectation(self, target: Target) -> Expectation:
        """What the run must show it did against ``target`` (``decide/evidence.py``)."""
        return Expectation(
            origin=origin_of(target.url),
            trust=trust_of(target.url, target.ca_bundle),
            selected=self.selected,
            left_out=self.left_out,
            left_out_by=self.left_out_by,
            foreign=self.foreign,
            waivers=dict(self.profile.waivers) if self.profile else {},
            loosened=list(self.profile.loosened) if self.profile else [],
        )

    @property
    def running(self) -> dict[str, Path]:
        return {key: path for key, path in self.sources.items() if key not in self.empty}


@dataclass
class Target:
    """The deployment under test, and what its requests need from the environment."""

    url: str
    ca_bundle: str = ""
    env: dict[str, str] = field(default_factory=dict)  # for the robot processes (CA_BUNDLE of the demo...)


@dataclass
class Execution:
    """What the execute, re-run and merge steps produced."""

    warnings: list[str] = field(default_factory=list)
    result: Result | None = None  # the merged result (None when nothing could be read)
    first: Result | None = None  # the first attempt, when failures were re-run
    rerun: Result | None = None  # the re-run, when there was one
    time_limit_error: str | None = None


def run(options: Options, guard: Guard) -> int:
    """Execute the run (or the canary) ``options`` ask for; return the exit code."""
    if options.check_profile or options.draft_profile:
        return profile_command(options, guard)
    try:
        configuration = configure_run(options, guard)
        with robot_copies(options.variablefiles, guard) as variablefiles, provide_target(options, guard) as target:
            configuration.options = replace(options, variablefiles=variablefiles)  # robot loads what was validated
            if configuration.foreign and not is_loopback_host(urlsplit(target.url).hostname or ""):
                raise ConfigurationError(
                    f"suites from outside the repository ({', '.join(configuration.foreign)}, SMOKE_SUITES_DIR) run "
                    "only against a target on this machine: they are for the project's own tests"
                )
            if options.every is not None:
                return _run_canary(configuration, target)
            code, report = run_once(configuration, target)
        report()  # the verdict is printed last, after the demo API has stopped
        return code
    except ConfigurationError as error:
        console.error(str(error))
        return EXIT_USAGE


def profile_command(options: Options, guard: Guard) -> int:
    """``--check-profile`` (0: usable, 2: not) or ``--draft-profile FILE`` against the target's OpenAPI
    document (the target of PRODUCTION_URL or ``--demo``); no suite runs, nothing is recorded."""
    from smoke_runner.profiles import DocumentError, ProfileError, check_profile, draft_profile, read_openapi_document

    try:
        profile = profile_in_use(options.variablefiles)
        has_target = options.demo or bool(os.environ.get("PRODUCTION_URL", "").strip())
        with contextlib.ExitStack() as stack:
            target = stack.enter_context(provide_target(options, guard)) if has_target else None
            verify: bool | str = (target.ca_bundle or True) if target else True
            document_path = str(load_profile_variables(profile.source).get("OPENAPI_PATH") or "/openapi.json")
            openapi = f"{target.url}{document_path}" if target else None
            if options.draft_profile is not None:
                if openapi is None:
                    raise ConfigurationError("--draft-profile reads the target's OpenAPI document: set PRODUCTION_URL")
                if options.draft_profile.exists():
                    raise ConfigurationError(
                        f"{options.draft_profile} exists already: a draft is written to a new file"
                    )
                document = read_openapi_document(openapi, verify=verify)
                options.draft_profile.write_text(draft_profile(document, None, document_path), encoding="utf-8")
                console.step(
                    f"Drafted {options.draft_profile} from {openapi}: check every TODO, then "
                    f"./run_smoke.sh --check-profile --variablefile {options.draft_profile}"
                )
                return 0
            check = check_profile(
                profile.source,
                openapi,
                admin_token=bool(os.environ.get(ADMIN_TOKEN_VARIABLE)),
                verify=verify,
                target_url=target.url if target else None,
            )
        if openapi is None:
            check.notes.append(
                "no target (PRODUCTION_URL or --demo): the profile was not compared with an OpenAPI document"
            )
        console.usage(check.render().rstrip())
        return 0 if check.ok else EXIT_USAGE
    except (ProfileError, DocumentError, ConfigurationError) as error:
        console.error(str(error))
        return EXIT_USAGE


def load_profile_variables(source: str) -> dict[str, object]:
    """The variables of the profile at ``source`` (with the default profile's under them)."""
    from smoke_runner.profiles import load_profile

    return load_profile(source).variables


# -- configure -------------------------------------------------------------------------------
def configure_run(options: Options, guard: Guard) -> RunConfiguration:
    """Check the settings, the environment and the selection; nothing is contacted yet."""
    times = time_settings(os.environ)
    try:
        runs_kept()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    check_service_urls(os.environ)
    check_python()
    check_requirements(options.demo)
    sources = resolve_sources(options.suites)
    selection = select_tests(sources, options)
    configuration = RunConfiguration(options, times, sources, selection.empty, guard)
    configuration.selected, configuration.left_out, configuration.left_out_by = (
        selection.selected,
        selection.left_out,
        selection.left_out_by,
    )
    configuration.foreign = foreign_suites(sources)
    configuration.profile = profile_in_use(options.variablefiles)
    variables = [arg.split("=", 1)[1] for arg in options.passthrough if arg.startswith("--variable=")]
    configuration.overrides = [redact(item) for item in overrides(variables, options.variablefiles)]
    if configuration.foreign:  # other suites than the repository's: capped, and nothing of ours is "left out"
        configuration.left_out, configuration.left_out_by = [], ""
    return configuration


@contextlib.contextmanager
def provide_target(options: Options, guard: Guard) -> Iterator[Target]:
    """The deployment under test: PRODUCTION_URL, or the bundled reference API (started here and
    always stopped) with ``--demo``."""
    ca_bundle = os.environ.get("CA_BUNDLE", "").strip()
    if not options.demo:
        url = os.environ.get("PRODUCTION_URL", "").strip()
        if not url and options.dryrun:
            url = "http://localhost:8000"  # --dryrun contacts no target
        if not url:
            raise ConfigurationError(
                "PRODUCTION_URL is not set. Export the deployment's base URL "
                "(e.g. PRODUCTION_URL=http://localhost:8000 for a local API) or use --demo."
            )
        yield Target(validate_url(url), ca_bundle)
        return
    console.step(
        f"Starting the bundled reference API (--demo, {options.dialect} dialect, HTTPS with a private demo CA)"
    )
    admin_token = secrets.token_urlsafe(24)  # the lean dialect's admin credential, for this run only
    api = ReferenceApiProcess(
        tls=True, extra_args=["--dialect", options.dialect], env={"LATTICE_ADMIN_TOKEN": admin_token}, guard=guard
    )
    saved_token = os.environ.get(ADMIN_TOKEN_VARIABLE)
    # in this process's environment: the suites inherit it, and the runner masks it like TEST_PASSWORD
    os.environ[ADMIN_TOKEN_VARIABLE] = admin_token
    try:
        try:
            api.start()
        except DemoError as error:
            raise ConfigurationError(f"--demo: {error}") from None
        assert api.ca_bundle is not None
        # The demo's certificate is verified like any private CA's: through CA_BUNDLE.
        console.step(f"Demo certificates are verified with CA_BUNDLE={api.ca_bundle}")
        console.step(f"Reference API listening on {api.base_url}")
        yield Target(api.base_url, str(api.ca_bundle), {"CA_BUNDLE": str(api.ca_bundle)})
    finally:
        api.stop()
        if saved_token is None:
            os.environ.pop(ADMIN_TOKEN_VARIABLE, None)
        else:
            os.environ[ADMIN_TOKEN_VARIABLE] = saved_token


def _run_canary(configuration: RunConfiguration, target: Target) -> int:
    """Canary mode: ``run_once`` every ``--every`` until stopped (see ``smoke_runner.canary``)."""
    options = configuration.options
    assert options.every is not None and options.metrics_listen is not None and options.keep is not None
    try:
        return run_canary(
            lambda record: run_once(configuration, target, record, fresh_run_id=True),
            environment=environment_name(options.environment, target.url, options.demo),
            suites=list(configuration.running),
            interval=options.every,
            listen=options.metrics_listen,
            keep=options.keep,
            results_dir=options.results_dir,
        )
    except CanaryError as error:
        raise ConfigurationError(str(error)) from None


# -- one run ---------------------------------------------------------------------------------
@dataclass
class RunContext:
    """One run: its identity, folder and clock."""

    configuration: RunConfiguration
    target: Target
    run_id: str
    run_name: str
    run_dir: Path
    started_at: datetime
    started: float
    warnings: list[str] = field(default_factory=list)

    @property
    def options(self) -> Options:
        return self.configuration.options

    @property
    def shown_target(self) -> str:
        return public_url(self.target.url)

    @property
    def environment(self) -> str:
        return environment_name(self.options.environment, self.target.url, self.options.demo)


def run_once(
    configuration: RunConfiguration,
    target: Target,
    on_finished: RunListener | None = None,
    fresh_run_id: bool = False,
) -> tuple[int, Callable[[], None]]:
    """One pass through the pipeline against ``target``; return the exit code and the final console
    report (printed by the caller, last)."""
    started_at = datetime.now(timezone.utc)
    given_id = "" if fresh_run_id else os.environ.get("SMOKE_RUN_ID", "").strip()
    run_name, run_dir = new_run_dir(configuration.options.results_dir, started_at)
    configuration.guard.remove_if_empty(run_dir)  # should the runner be killed before it writes anything
    context = RunContext(
        configuration, target, given_id or uuid.uuid4().hex[:12], run_name, run_dir, started_at, time.monotonic()
    )
    try:
        console.step(f"Run {run_name} (id {context.run_id}) against {context.shown_target}; results in {run_dir}")
        probe = preflight(context)
        if probe.error:
            results = RunResults([SuiteResult(key=key, name=key.title(), ran=False) for key in configuration.sources])
            execution = Execution()
            decision = decide(results, probe.error)
        else:
            execution = execute(context)
            results = _results(context, execution)
            evidence = judge_evidence(results, configuration.expectation(target), dryrun=context.options.dryrun)
            decision = decide(results, time_limit_error=execution.time_limit_error, evidence=evidence)
        context.warnings += execution.warnings
        publication = Publication(
            run_dir=run_dir,
            run_name=run_name,
            run_id=context.run_id,
            target=context.shown_target,
            environment=context.environment,
            options=context.options,
            sources=list(configuration.sources),
            started_at=started_at,
            started=context.started,
            warnings=context.warnings,
            preflight_error=probe.error,
            overrides=configuration.overrides,
        )
        if context.options.dryrun:
            return report_dry_run(publication, results, decision, execution.result)
        return publish(publication, results, decision, execution.result, on_finished)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # only if nothing was written yet
        raise


# -- preflight -------------------------------------------------------------------------------
def preflight(context: RunContext) -> ReachabilityResult:
    """Does the target answer at all? (One request; a dry run contacts nothing.)"""
    if context.options.dryrun:
        console.step("Preflight: target not contacted (--dryrun calls no API)")
        return ReachabilityResult(None)
    timeout, ca_bundle = context.configuration.times.preflight_timeout, context.target.ca_bundle
    console.step(
        f"Preflight: is {context.shown_target} answering? (timeout {timeout:g} s"
        + (f", CA bundle {ca_bundle})" if ca_bundle else ")")
    )
    probe = probe_target(context.target.url, timeout, ca_bundle)
    if probe.status is not None:
        console.step(f"Preflight passed: HTTP {probe.status} in {probe.seconds:.2f} s")
    return probe


# -- execute, re-run, merge ------------------------------------------------------------------
def execute(context: RunContext) -> Execution:
    """Run the selected suites with pabot, re-run failures once, merge what ran."""
    configuration, options = context.configuration, context.options
    running = configuration.running
    plan = ExecutionPlan(
        sources=list(running.values()),
        processes=options.processes,
        robot_options=[*robot_options(options), *listener_options(options.listeners, context.run_dir)],
        env=child_environment(
            os.environ,
            {"PRODUCTION_URL": context.target.url, "SMOKE_RUN_ID": context.run_id, **context.target.env},
            Path(sys.executable).parent,
        ),
        time_limit=configuration.times.run_timeout,
    )
    console.step(f"Running {', '.join(running)} with pabot ({plan.processes} processes)")
    execution = execute_suites(plan, configuration.guard, rerun=options.rerun and not options.dryrun)
    execution.warnings[:0] = [f"suite {key}: no test matches the filters, not run" for key in configuration.empty]
    return execution


def execute_suites(
    plan: ExecutionPlan, guard: Guard, rerun: bool = True, stream: Callable[[str], None] | None = console.passthrough
) -> Execution:
    """Steps 3-5 for ``plan``: the first attempt (pabot), the re-run of its failures worth one
    (``rerun``), and the merge of what ran. ``stream`` receives pabot's console lines."""
    name = TOP_SUITE_NAME if len(plan.sources) > 1 else None
    plan.deadline = time.monotonic() + plan.time_limit
    execution = Execution()
    with work_folder(guard) as workdir:
        first = run_attempt(plan, workdir, FIRST, stream)
        execution.result = _combined(first, name, stream, execution)
        if first.timed_out:
            limit = f"{plan.time_limit:g} s (SMOKE_RUN_TIMEOUT)"
            execution.time_limit_error = f"the tests did not finish within {limit}; stopped, results incomplete"
        elif execution.result is None:
            execution.warnings.append(f"pabot produced no output (exit code {first.exit_code})")
        elif rerun:
            _rerun_failures(plan, workdir, execution, name, stream)
    return execution


def _combined(
    attempt: Attempt, name: str | None, stream: Callable[[str], None] | None, execution: Execution
) -> Result | None:
    """The attempt's outputs as one result (merge step), configured as rebot would; what could not
    be read is named."""
    combined, problems = combine_attempt(attempt.outputs, name)
    for problem in problems:
        if stream is not None:
            stream(f"[ WARNING ] {problem}: left out of the results")
    return None if combined is None else configure(combined, name)


def _rerun_failures(
    plan: ExecutionPlan, workdir: Path, execution: Execution, name: str | None, stream: Callable[[str], None] | None
) -> None:
    """The re-run step: run the failed tests worth it once more and merge the two attempts."""
    assert execution.result is not None
    say = stream or (lambda _line: None)
    choice = choose_reruns(execution.result)
    if choice.measured:
        say(
            f"Not re-running {len(choice.measured)} failed test(s) tagged {NO_RERUN_TAG} (a measurement, or a "
            f"target that stalled: a second attempt would only repeat it): {', '.join(choice.measured)}"
        )
    if not choice:
        return
    first_output = workdir / f"{FIRST}.xml"
    execution.result.save(str(first_output))
    say("Re-running failed tests once to detect flaky tests ...")
    rerun = run_attempt(plan, workdir, RERUN, stream, rerun_of=rerun_input(first_output, choice, workdir))
    if rerun.timed_out:  # keep the first attempt's results, without the re-run
        execution.time_limit_error = (
            f"the re-run of failed tests did not finish within {plan.time_limit:g} s (SMOKE_RUN_TIMEOUT)"
        )
        return
    rerun_result = _combined(rerun, name, stream, execution)
    if rerun_result is None:
        execution.warnings.append(f"the re-run produced no output (exit code {rerun.exit_code}): first attempt kept")
        return
    rerun_output = workdir / f"{RERUN}.xml"
    rerun_result.save(str(rerun_output))
    merged, problem = merge_attempts(first_output, rerun_output)
    if merged is None:
        execution.warnings.append(f"rebot could not merge the re-run: {problem}; first attempt kept")
        return
    execution.first, execution.rerun, execution.result = execution.result, rerun_result, configure(merged, name)


def _results(context: RunContext, execution: Execution) -> RunResults:
    """The run's results in its own model: every selected suite, in selection order (suites the
    filters left without tests are there without tests; a suite missing from the output did not run)."""
    configuration = context.configuration
    if execution.result is None:
        return RunResults([SuiteResult(key=key, name=key.title(), ran=False) for key in configuration.running])
    results = load_results(execution.result, configuration.running, execution.first, execution.rerun)
    for key in configuration.empty:  # selected, but the filters left no test in it
        results.suites.insert(list(configuration.sources).index(key), SuiteResult(key=key, name=key.title()))
    return results
