"""Command line of the smoke runner: options, then the run (see ``runner.run``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from smoke_runner import REPO_ROOT
from smoke_runner.canary import (
    DEFAULT_KEEP,
    DEFAULT_METRICS_HOST,
    DEFAULT_METRICS_PORT,
    parse_interval,
    parse_listen_address,
)
from smoke_runner.configure.options import DEMO_DIALECTS, DEPRECATED_TAG, SUITE_NAMES, Options
from smoke_runner.configure.passthrough import OptionError, checked_variablefile, parse_passthrough
from smoke_runner.decide.verdict import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE
from smoke_runner.domain.redaction import redact
from smoke_runner.merge.matrix import MergeError, merge_runs, merged_dashboard
from smoke_runner.pipeline import run
from smoke_runner.processes.guard import Guard
from smoke_runner.publish import console
from smoke_runner.publish.junit import FLAVOUR_VARIABLE, STRICT, check_flavour
from smoke_runner.publish.metrics import ENVIRONMENT_VARIABLE, EnvironmentNameError, check_environment

_T = TypeVar("_T")
#: More processes than suites only costs memory: pabot splits by suite.
MAX_PROCESSES = 8

DESCRIPTION = """\
Post-deployment smoke tests: preflight, health and workflow suites in parallel (pabot), one re-run
of failed tests (flaky detection), a rollback verdict, JUnit/Prometheus/summary artifacts.

Target: PRODUCTION_URL (required unless --demo). Secrets (TEST_PASSWORD) only via the environment.
Other environment: API_TIMEOUT, TEST_EMAIL, TEST_PASSWORD, CA_BUNDLE, REDIS_REQUIRED,
ALLOW_PLAINTEXT_CREDENTIALS, PREFLIGHT_TIMEOUT (default 5 s), SMOKE_RUN_TIMEOUT (default 900 s),
PUSHGATEWAY_URL, ALERT_WEBHOOK_URL, SMOKE_ENVIRONMENT, SMOKE_RESULTS_DIR, SMOKE_VENV (wrappers), NO_COLOR.
With --dashboard, in canary mode (--every) and once results/dashboard.db exists, every run (not a dry
run) brings results/dashboard.html up to date (robotdashboard)."""

EPILOG = """\
Other options are passed through to robot if they are on the allow-list (any spelling robot
accepts, also in --argumentfile/-A files and ROBOT_OPTIONS): --test/--task, --include/--exclude,
--variable NAME:VALUE and --variablefile (except for the protected variables BASE_URL, TLS_VERIFY,
CA_BUNDLE, TEST_PASSWORD, ... which come from the environment), --settag (not robot:* tags),
--loglevel, --metadata, --tagdoc, --tagstat*, --expandkeywords, --maxerrorlines, --maxassignlength,
--listener (Allure's allure_robotframework[:FOLDER], or a listener file of listeners/: --listener NAME).
Anything else (pabot's --shard/--testlevelsplit/--argumentfileN, robot's --skip*, --dryrun, ...)
is refused with exit code 2.

Exit codes: 0 PROCEED, 10 MONITOR, 20 INVESTIGATE, 30 ROLLBACK,
            3 DRYRUN (--dryrun finished: nothing was tested, no verdict, nothing pushed or recorded),
            2 usage/configuration error (also --help, so it can never pass a gate; also a --dryrun
              that found errors in the suites), 130 interrupted, 1 internal error of the runner.
Artifacts:  results/<timestamp>/{output.xml,log.html,report.html,health_<ts>.xml,workflows_<ts>.xml,
            summary_<ts>.txt,metrics_<ts>.prom}, results/latest, results/history.jsonl
Merge:      run_smoke merge --out DIR RUN_DIR...   (one report of several environments' runs)
Docs:       docs/runner.md, docs/ci.md"""


class UsageError(Exception):
    """Bad command line (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser (``--help`` is handled by ``main``)."""
    parser = _Parser(
        prog="run_smoke",
        description=DESCRIPTION,
        epilog=EPILOG,
        add_help=False,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit with code 2")
    parser.add_argument(
        "--demo", action="store_true", help="start the bundled reference API on a free loopback port and test it"
    )
    parser.add_argument(
        "--dialect",
        choices=DEMO_DIALECTS,
        metavar="{contract,classic,lean}",
        help="with --demo: the reference API's dialect (default contract); 'classic' is a "
        "differently shaped API, mapped by --variablefile variables/profiles/classic.yaml",
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=SUITE_NAMES,
        metavar="{health,workflows}",
        help="suite to run (repeatable; default: both)",
    )
    parser.add_argument("--include", "-i", action="append", default=[], metavar="TAG", help="run only tests with TAG")
    parser.add_argument(
        "--exclude",
        "-e",
        action="append",
        default=[],
        metavar="TAG",
        help=f"skip tests with TAG (tests tagged '{DEPRECATED_TAG}' are always skipped "
        f"unless --include {DEPRECATED_TAG})",
    )
    parser.add_argument(
        "--processes",
        type=_bounded_int(MAX_PROCESSES),
        default=2,
        metavar="N",
        help=f"parallel pabot processes (default 2; one suite per process; 1 to {MAX_PROCESSES})",
    )
    parser.add_argument(
        "--variablefile",
        "-V",
        metavar="PATH",
        help="Robot variable file for an environment, e.g. variables/staging.py or just 'staging'",
    )
    parser.add_argument(
        "--dryrun",
        action="store_true",
        help="robot --dryrun: check the suites, call no API; exit code 3, never a verdict",
    )
    parser.add_argument("--no-rerun", action="store_true", help="do not re-run failed tests (no flaky detection)")
    parser.add_argument(
        "--check-profile",
        action="store_true",
        help="validate the profile (--variablefile variables/profiles/NAME.yaml, default contract.yaml), compare "
        "it with the target's OpenAPI document and print what every test would do; runs no suite (exit 0 or 2)",
    )
    parser.add_argument(
        "--draft-profile",
        metavar="FILE",
        help="write a starting profile for the target from its OpenAPI document (every TODO to be checked); "
        "runs no suite",
    )
    parser.add_argument(
        "--results-dir", metavar="DIR", help="where run folders go (default: $SMOKE_RESULTS_DIR or <repo>/results)"
    )
    parser.add_argument(
        "--junit-flavour",
        type=_checked(check_flavour),
        metavar="{strict,gitlab}",
        help=f"the JUnit files' flavour (default: ${FLAVOUR_VARIABLE}, else strict): strict validates against "
        "the strict xunit schema (Jenkins); gitlab adds what GitLab's reader shows (file, log.html "
        "attachment, flaky in the name)",
    )
    _add_monitoring_options(parser)
    return parser


def build_merge_parser() -> argparse.ArgumentParser:
    """The parser of ``merge`` (``python -m smoke_runner merge --out DIR RUN_DIR...``)."""
    parser = _Parser(
        prog="run_smoke merge",
        description="Merge the run folders of several environments (a CI matrix) into one output.xml, "
        "log.html and report.html: a child suite per environment, named by it, the overall verdict (the "
        "worst) on top, no guards:* tag statistics. Also a run whose preflight failed (no output.xml). "
        "Exit code 0 once the report is written, 2 for a usage error. See docs/ci.md.",
        add_help=False,
        allow_abbrev=False,
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit with code 2")
    parser.add_argument("--out", metavar="DIR", help="the folder to write the merged report into (created)")
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="also add each run to DIR/dashboard.db and build DIR/dashboard.html (robotdashboard): runs named "
        "<environment>_<run>, tagged with their verdict, filterable by environment",
    )
    parser.add_argument("runs", nargs="*", metavar="RUN_DIR", help="run folders (results/<environment>/<run>/)")
    return parser


def merge_main(argv: Sequence[str]) -> int:
    """``merge``: write the merged report; return the exit code."""
    parser = build_merge_parser()
    try:
        namespace = parser.parse_args(list(argv))
        if namespace.help:
            console.usage(parser.format_help())
            return EXIT_USAGE
        if not namespace.out:
            raise UsageError("--out DIR is required: the folder the merged report is written to")
        if not namespace.runs:
            raise UsageError("no RUN_DIR given: name the run folders to merge (results/<environment>/<run>/)")
        verdict, records = merge_runs([Path(run) for run in namespace.runs], Path(namespace.out))
    except (UsageError, MergeError) as error:
        console.error(str(error))
        console.usage(parser.format_usage().rstrip())
        return EXIT_USAGE
    for record in records:
        console.step(f"{record.environment} ({record.folder}): {redact(record.describe())}")
    console.step(f"Merged {len(records)} run(s) into {namespace.out}: overall verdict {verdict.name}")
    if namespace.dashboard:
        for problem in merged_dashboard(records, Path(namespace.out)):
            console.warning(problem)
    return 0


def _add_monitoring_options(parser: argparse.ArgumentParser) -> None:
    """Options of docs/monitoring.md: the environment (Pushgateway grouping key) and canary mode."""
    parser.add_argument(
        "--environment",
        metavar="NAME",
        help="environment name for the Pushgateway grouping key and label (default: "
        "$SMOKE_ENVIRONMENT, 'demo' with --demo, else the target's host name)",
    )
    parser.add_argument(
        "--every",
        type=_checked(parse_interval),
        metavar="INTERVAL",
        help="canary mode: run again every INTERVAL (e.g. 30s, 5m, 1h) until stopped, "
        "serving accumulating metrics on --metrics-port",
    )
    parser.add_argument(
        "--dashboard",
        action="store_true",
        help="add the run to results/dashboard.db and rebuild results/dashboard.html (robotdashboard); "
        "always in canary mode and once the database exists",
    )
    parser.add_argument(
        "--metrics-port",
        type=_checked(parse_listen_address),
        metavar="[ADDRESS:]PORT",
        help=f"canary: serve /metrics here (default 127.0.0.1:{DEFAULT_METRICS_PORT})",
    )
    parser.add_argument(
        "--keep",
        type=_positive_int,
        metavar="N",
        help=f"canary: keep only the newest N run folders (default {DEFAULT_KEEP})",
    )


def _checked(parse: Callable[[str], _T]) -> Callable[[str], _T]:
    """``parse`` as an argparse type: its ValueError becomes the parser's error message."""

    def convert(text: str) -> _T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return convert


def _monitoring_options(namespace: argparse.Namespace) -> dict[str, object]:
    """The parsed monitoring options, checked together."""
    if namespace.every is None:
        for given, name in ((namespace.metrics_port, "--metrics-port"), (namespace.keep, "--keep")):
            if given is not None:
                raise UsageError(f"{name} is an option of canary mode: use it with --every")
    elif namespace.dryrun:
        raise UsageError("--every cannot be combined with --dryrun: a canary measures real runs")
    environment = (namespace.environment or os.environ.get(ENVIRONMENT_VARIABLE, "")).strip() or None
    if environment is not None:
        try:
            check_environment(environment)
        except EnvironmentNameError as error:
            raise UsageError(str(error)) from None
    return {
        "environment": environment,
        "dashboard": namespace.dashboard,
        "every": namespace.every,
        "metrics_listen": namespace.metrics_port
        or ((DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT) if namespace.every else None),
        "keep": namespace.keep or (DEFAULT_KEEP if namespace.every else None),
    }


def _bounded_int(maximum: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``maximum``."""

    def convert(text: str) -> int:
        value = _positive_int(text)
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}: {value}")
        return value

    return convert


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _excluded_tags(include: list[str], exclude: list[str]) -> list[str]:
    """The tags to exclude: those asked for, plus ``deprecated`` unless it was included explicitly."""
    if DEPRECATED_TAG in (tag.lower() for tag in include) or DEPRECATED_TAG in (tag.lower() for tag in exclude):
        return list(exclude)
    return [*exclude, DEPRECATED_TAG]


def parse_options(argv: Sequence[str]) -> Options | None:
    """Parse ``argv``; None means --help was asked for."""
    parser = build_parser()
    namespace, rest = parser.parse_known_args(list(argv))
    if namespace.help:
        return None
    if namespace.dialect and not namespace.demo:
        raise UsageError("--dialect chooses the bundled reference API's dialect: use it with --demo")
    try:
        passthrough = parse_passthrough(rest)
        variablefiles = [checked_variablefile(namespace.variablefile)] if namespace.variablefile else []
    except OptionError as error:
        raise UsageError(str(error)) from None
    include = [*namespace.include, *passthrough.include]
    flavour = namespace.junit_flavour or os.environ.get(FLAVOUR_VARIABLE, "").strip() or STRICT
    try:
        check_flavour(flavour)
    except ValueError as error:
        raise UsageError(f"{FLAVOUR_VARIABLE}: {error}") from None
    results_dir = namespace.results_dir or os.environ.get("SMOKE_RESULTS_DIR") or str(REPO_ROOT / "results")
    return Options(
        demo=namespace.demo,
        dialect=namespace.dialect or "contract",
        suites=list(dict.fromkeys(namespace.suite or SUITE_NAMES)),
        include=include,
        exclude=_excluded_tags(include, [*namespace.exclude, *passthrough.exclude]),
        processes=namespace.processes,
        variablefiles=variablefiles + passthrough.variablefiles,
        tests=passthrough.tests,
        dryrun=namespace.dryrun,
        rerun=not namespace.no_rerun,
        results_dir=Path(results_dir).expanduser().resolve(),
        passthrough=passthrough.args,
        check_profile=namespace.check_profile,
        draft_profile=Path(namespace.draft_profile).expanduser().resolve() if namespace.draft_profile else None,
        listeners=passthrough.listeners,
        junit_flavour=flavour,
        **_monitoring_options(namespace),  # type: ignore[arg-type]
    )


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the smoke tests; return the exit code (see docs/runner.md)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["merge"]:
        return merge_main(argv[1:])
    parser = build_parser()
    # Ctrl-C and CI cancellation (SIGTERM) stop pabot and the demo API, then exit 130. SIGINT is
    # installed explicitly: shells start background jobs with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        try:
            options = parse_options(argv)
        except UsageError as error:
            console.error(str(error))
            console.usage(parser.format_usage().rstrip())
            console.usage("Try --help. Exit code 2: usage error.")
            return EXIT_USAGE
        if options is None:
            console.usage(parser.format_help())
            return EXIT_USAGE
        guard = Guard().start()  # nothing the run starts outlives it, even if the runner is killed
        return run(options, guard)
    except KeyboardInterrupt:
        console.error("interrupted: no verdict (exit code 130)")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a one-line, redacted reason instead of a traceback
        detail = " ".join(str(error).split())[:300]
        console.error(
            f"internal error of the runner, no verdict (exit code {EXIT_INTERNAL}): {type(error).__name__}: {detail}"
        )
        return EXIT_INTERNAL
