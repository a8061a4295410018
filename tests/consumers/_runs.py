"""Real runner runs whose artifacts the consumer tests read.

``throwaway_run``: ``run_smoke.sh`` on two small suites (SMOKE_SUITES_DIR) against a local HTTP
server, in a few seconds: a test that passes, one that fails at both attempts with two different
messages, one that is skipped, and one that fails once and passes on the re-run (flaky).
Either with runner options, e.g. ``GITLAB_FLAVOUR`` (the JUnit files GitLab reads right).
``demo_run``: ``run_smoke.sh --demo`` with the reference API's faults ``flaky_once`` (a workflow
passes only on the re-run) and ``missing_security_headers`` (a health check fails twice): the real
suites, as a CI job produces them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.runner.helpers import run_runner
from tests.support.hostile import HostileServer, answer

HEALTH = """\
*** Settings ***
Documentation    Throwaway health suite of the consumer tests.

*** Test Cases ***
Api Is Up
    [Documentation]    Passes.
    [Tags]    health
    Log    up
Database Is Up
    [Documentation]    Fails at both attempts, with a different message each time.
    [Tags]    health    guards:database_down -> database is    guards-with:DATABASE_SAMPLES=3
    ${seen} =    Evaluate    os.path.exists(os.environ['FAIL_MARKER'])    modules=os
    IF    not ${seen}
        Evaluate    open(os.environ['FAIL_MARKER'], 'w').close()    modules=os
        Fail    database is down at the first attempt
    END
    Fail    database is still down at the re-run
Redis Is Up
    [Documentation]    Skipped: Redis is optional.
    [Tags]    health
    Skip    Redis is not configured
"""
WORKFLOWS = """\
*** Settings ***
Documentation    Throwaway workflow suite of the consumer tests.
Test Tags        workflow    critical

*** Test Cases ***
Counter Tracking Flow
    [Documentation]    Fails at the first attempt only (flaky).
    ${seen} =    Evaluate    os.path.exists(os.environ['FLAKY_MARKER'])    modules=os
    IF    not ${seen}
        Evaluate    open(os.environ['FLAKY_MARKER'], 'w').close()    modules=os
        Fail    usage counter did not move at the first attempt
    END
""" + "".join(f"Flow Number {number}\n    [Documentation]    Passes.\n    Log    ok\n" for number in range(1, 10))

#: The runner option that writes the JUnit files in GitLab's flavour (smoke_runner/publish/junit.py).
GITLAB_FLAVOUR = ("--junit-flavour", "gitlab")
#: The tests of the throwaway run by what happens to them.
PASSED = "Api Is Up"
FAILED_TWICE = "Database Is Up"
FIRST_FAILURE = "database is down at the first attempt"
SECOND_FAILURE = "database is still down at the re-run"
SKIPPED = "Redis Is Up"
SKIP_REASON = "Redis is not configured"
FLAKY = "Counter Tracking Flow"
FLAKY_FAILURE = "usage counter did not move at the first attempt"
#: The faults of the demo run and the tests they hit (as the suites declare them).
DEMO_FAULTS = "flaky_once,missing_security_headers"
DEMO_FLAKY = "Subscription Management Flow"
DEMO_FAILED_TWICE = "Security Headers Are Present"


@dataclass(frozen=True)
class Run:
    """The artifacts of one finished runner run."""

    folder: Path
    exit_code: int
    console: str

    @property
    def output_xml(self) -> Path:
        return self.folder / "output.xml"

    def junit_files(self) -> list[Path]:
        return sorted(path for path in self.folder.glob("*_*.xml") if path.name != "output.xml")


def throwaway_run(work: Path, args: Sequence[str] = ()) -> Run:
    """The throwaway run with the runner options ``args``, run from ``work`` (as a CI job runs from its
    project folder: the run folder is ``results/<run>/`` relative to it)."""
    suites = work / "suites"
    suites.mkdir(parents=True)
    (suites / "health.robot").write_text(HEALTH, encoding="utf-8")
    (suites / "workflows.robot").write_text(WORKFLOWS, encoding="utf-8")
    target = HostileServer(answer()).start()  # any HTTP answer passes the preflight
    try:
        run = run_runner(
            list(args),
            work / "results",
            cwd=work,
            env={
                "SMOKE_SUITES_DIR": str(suites),
                "PRODUCTION_URL": target.url,
                "FLAKY_MARKER": str(work / "flaky.marker"),
                "FAIL_MARKER": str(work / "fail.marker"),
            },
        )
    finally:
        target.close()
    assert run.returncode == 30, f"the throwaway run should roll back (a health check failed):\n{run.console}"
    return Run(run.run_dir, run.returncode, run.console)


def demo_run(work: Path, args: Sequence[str] = ()) -> Run:
    run = run_runner(["--demo", *args], work / "results", env={"LATTICE_FAULTS": DEMO_FAULTS}, timeout=300, cwd=work)
    assert run.returncode == 30, f"the demo run should roll back (a health check failed twice):\n{run.console}"
    return Run(run.run_dir, run.returncode, run.console)


def monitor_run(work: Path) -> Run:
    """Every test passes, one only on the re-run (flaky): MONITOR with a green report.html."""
    suites = work / "passing"
    _write_passing_suites(suites)
    target = HostileServer(answer()).start()
    try:
        run = run_runner(
            ["--environment", "staging"],
            work / "results",
            cwd=work,
            env={"SMOKE_SUITES_DIR": str(suites), "PRODUCTION_URL": target.url, "FLAKY_MARKER": str(work / "flaky")},
        )
    finally:
        target.close()
    assert run.returncode == 10, run.console
    return Run(run.run_dir, run.returncode, run.console)


def _write_passing_suites(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "health.robot").write_text(
        HEALTH.split("Database Is Up")[0] + "Database Is Up\n    [Documentation]    Passes.\n    Log    up\n",
        encoding="utf-8",
    )
    (folder / "workflows.robot").write_text(WORKFLOWS, encoding="utf-8")


#: The environments of the matrix runs and the verdict each gets.
MATRIX = {"staging": 10, "production": 30, "eu-canary": 30}


def matrix_runs(work: Path) -> dict[str, Run]:
    """One run per environment of ``MATRIX``, each in ``results/<environment>/`` of ``work`` as the CI
    matrix examples lay them out: ``staging`` passes every test (MONITOR: the throwaway suites are not
    the repository's), ``production`` is the throwaway run (a health check fails twice: ROLLBACK),
    ``eu-canary``'s target does not answer (its preflight fails: no output.xml)."""
    suites = work / "suites"
    suites.mkdir(parents=True)
    (suites / "health.robot").write_text(HEALTH, encoding="utf-8")
    (suites / "workflows.robot").write_text(WORKFLOWS, encoding="utf-8")
    passing = work / "passing"
    _write_passing_suites(passing)
    target = HostileServer(answer()).start()
    closed = HostileServer(answer()).start()
    closed.close()  # a port that no longer answers
    runs = {}
    try:
        for environment, suites_dir, url in (
            ("staging", passing, target.url),
            ("production", suites, target.url),
            ("eu-canary", suites, closed.url),
        ):
            run = run_runner(
                ["--environment", environment],
                work / "results" / environment,
                cwd=work,
                env={
                    "SMOKE_SUITES_DIR": str(suites_dir),
                    "PRODUCTION_URL": url,
                    "FLAKY_MARKER": str(work / f"{environment}.flaky"),
                    "FAIL_MARKER": str(work / f"{environment}.fail"),
                    "PREFLIGHT_TIMEOUT": "2",
                },
            )
            assert run.returncode == MATRIX[environment], f"{environment}:\n{run.console}"
            runs[environment] = Run(run.run_dir, run.returncode, run.console)
    finally:
        target.close()
    return runs
