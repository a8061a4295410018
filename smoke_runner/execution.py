"""Runs the suites with pabot (one process per suite), re-runs failures once, merges the attempts.

pabot runs with ``--no-rebot``: it leaves each process's ``output.xml`` under
``pabot_results/<n>/`` and does not merge them itself. The runner combines them in this process
with Robot's own result model, as pabot's merge would (``combine_attempt``: one top-level suite,
``Smoke`` when several suites ran, its suites in the order of pabot's processes: pabot sorts the
suites by name). Everything pabot leaves behind (``pabot_results/`` with its argument files,
``.pabotsuitenames``, the per-process outputs) stays in a private work directory that is deleted
afterwards; only the merged ``output.xml``, ``log.html`` and ``report.html`` reach the run's
results folder.

The first attempt is written to a file only when failures are re-run (``--rerunfailed`` reads
it); the attempts are then merged with rebot's own model (``rebot --merge`` semantics, without a
rebot process). The runner computes the verdict from the resulting model and ``write_output`` /
``write_pages`` write ``output.xml``, then ``log.html`` and ``report.html``, once, with the verdict
as metadata.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner import forkserver
from smoke_runner.guard import die_with_parent, remove_after_run
from smoke_runner.output_watch import PABOT_RESULTS, OutputWatcher

if TYPE_CHECKING:
    from robot.conf import RebotSettings
    from robot.result import Result, TestCase, TestSuite

TOP_SUITE_NAME = "Smoke"
FIRST_OUTPUT = "first.xml"
#: Default time limit (seconds) of the tests, first run and re-run together (SMOKE_RUN_TIMEOUT).
DEFAULT_TIME_LIMIT = 900.0
RERUN_OUTPUT = "rerun.xml"
#: pabot's exit code at its normal end with ``--no-rebot`` (it compiles no results, so counts no failures).
PABOT_NO_REBOT_EXIT = 253


@dataclass
class ExecutionPlan:
    """What to run and how."""

    sources: list[Path]  # one data source (file or folder) per selected suite
    processes: int = 2
    robot_options: list[str] = field(default_factory=list)  # --include/--exclude/--variablefile/...
    rerun_failed: bool = True
    env: Mapping[str, str] = field(default_factory=dict)
    bin_dir: Path = field(default_factory=lambda: Path(sys.executable).parent)
    time_limit: float | None = None  # seconds for pabot and the re-run together; then they are stopped
    forkserver: dict[str, str] = field(default_factory=dict)  # where pabot and robot come from (forkserver.py)


@dataclass
class ExecutionOutcome:
    """Paths of the results of each step, and why they are missing or incomplete."""

    output: Path | None  # where the merged output.xml goes (``write_results``), None when nothing ran
    first: Path | None  # the first attempt's file: only when failures were re-run (None otherwise)
    rerun: Path | None  # the re-run's file, when there was one
    error: str = ""
    timed_out: bool = False  # stopped at the plan's deadline; the results are incomplete
    result: Result | None = None  # the merged results, read once; written by ``write_results``
    ending: Callable[[bool], str | None] | None = None  # pabot, still ending: ``end_pabot``

    def end_pabot(self, stop: bool = False) -> str | None:
        """Wait for pabot's own end (``stop``: stop it now), when ``run_pabot`` returned before it:
        every suite's output was complete and read, and nothing was to be re-run. Return a warning
        when pabot did not end as it should have; None otherwise (or when it had ended already)."""
        ending, self.ending = self.ending, None
        return ending(stop) if ending is not None else None


#: Tag patterns kept out of the tag statistics of the output.xml, log and report the runner writes
#: (as ``rebot --tagstatexclude``): a test's proof tags (``guards:...``, ``guards-with:...``,
#: docs/adding-a-smoke-test.md).
TAGSTAT_EXCLUDE = ("guards*",)


class DeadlineExceeded(Exception):
    """A command was stopped because the run reached its time limit."""


def pabot_command(plan: ExecutionPlan, outputdir: Path, rerun_of: Path | None = None) -> list[str]:
    """The pabot command line (without the executable) for the first run or a re-run: each process's
    output is left in ``outputdir/pabot_results/<n>/output.xml`` (``--no-rebot``, no merge by pabot)."""
    command = ["--processes", str(plan.processes), "--no-pabotlib", "--no-rebot"]
    command += ["--outputdir", str(outputdir), "--log", "NONE", "--report", "NONE"]
    if len(plan.sources) > 1:
        command += ["--name", TOP_SUITE_NAME]
    command += ["--runemptysuite", "--consolecolors", "off"]
    if rerun_of is not None:
        command += ["--rerunfailed", str(rerun_of)]
    command += [*plan.robot_options, *[str(source) for source in plan.sources]]
    return command


def _executable(bin_dir: Path, name: str) -> str:
    for candidate in (bin_dir / name, bin_dir / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name) or name


def _child_env(plan: ExecutionPlan) -> dict[str, str]:
    env = {**os.environ, **plan.env}
    # ROBOT_OPTIONS was checked and folded into the plan's options (smoke_runner/options.py);
    # REBOT_OPTIONS is refused there. Neither reaches robot or rebot a second time.
    env.pop("ROBOT_OPTIONS", None)
    env.pop("REBOT_OPTIONS", None)
    env["PATH"] = os.pathsep.join([str(plan.bin_dir), env.get("PATH", "")])  # pabot starts `robot` from PATH
    return env


def run_pabot(
    plan: ExecutionPlan,
    run_dir: Path,
    stream: Callable[[str], None] | None = None,
    on_output: Callable[[], None] | None = None,
) -> ExecutionOutcome:
    """Run the suites, re-run failures once and merge the attempts (``outcome.result``); the caller
    writes ``run_dir``/output.xml, log.html and report.html with ``write_results``.

    ``stream`` receives pabot's console output line by line (None: discard it); ``on_output`` is
    called once the first suite's output is complete (the other suite may still run). When every
    suite's output of the first attempt is complete and nothing is to be re-run, this returns
    without waiting for pabot's own end: the caller ends it with ``outcome.end_pabot()`` (pabot's
    console lines go on reaching ``stream`` meanwhile).
    """
    global _last_read
    workdir = Path(tempfile.mkdtemp(prefix="smoke-pabot-"))
    remove_after_run(workdir)
    deadline = None if plan.time_limit is None else time.monotonic() + plan.time_limit
    stream = _relabel_workdir(stream, workdir)
    env = _child_env(plan)
    pabot = [_executable(plan.bin_dir, "pabot")]
    if plan.forkserver:  # pabot and its robot processes come from the run's fork server
        env.update(plan.forkserver)
        python = _executable(plan.bin_dir, "python")
        pabot = [*forkserver.client_command(python, "pabot"), "--command", *forkserver.client_command(python)]
        pabot += ["--end-command"]
    rename = len(plan.sources) > 1
    ending: RunningCommand | None = None
    handed_over = False
    try:
        first, code, timed_out, ending = _run_attempt(
            pabot, plan, workdir, "first", env, stream, deadline, expected=len(plan.sources), on_first=on_output
        )
        worth, measured = _rerun_worth(first) if first and plan.rerun_failed and not timed_out else (False, [])
        if ending is not None and (first is None or worth):  # pabot must end before anything else starts
            code, timed_out = _finish(ending)
            ending = None
            if timed_out:
                worth, measured = False, []
        outcome = ExecutionOutcome(None, None, None, timed_out=timed_out)
        if timed_out:
            outcome.error = f"the tests did not finish within {plan.time_limit:g} s"
        if first is None:
            outcome.error = outcome.error or f"pabot produced no output (exit code {code})"
            return outcome
        if measured and stream:
            stream(
                f"Not re-running {len(measured)} failed test(s) tagged {NO_RERUN_TAG} (a measurement a second "
                f"attempt would only repeat): {', '.join(measured)}"
            )
        outputs: list[Path] = []
        if worth:
            first_path = _save_attempt(first, workdir / FIRST_OUTPUT)  # --rerunfailed reads a file
            candidates, _ = _rerun_candidates(first_path, workdir)
            assert candidates is not None
            if stream:
                stream("Re-running failed tests once to detect flaky tests ...")
            rerun, _, rerun_timed_out, _ = _run_attempt(  # no early end: pabot ends before this returns
                pabot, plan, workdir, "rerun", env, stream, deadline, rerun_of=candidates
            )
            if rerun_timed_out:  # keep the first attempt's results, without the re-run
                outcome.timed_out = True
                outcome.error = f"the re-run of failed tests did not finish within {plan.time_limit:g} s"
            elif rerun is not None:
                outputs = [first_path, _save_attempt(rerun, workdir / RERUN_OUTPUT, keep=False)]
        if outputs:
            outcome.result, problem = _merge(outputs, rename)
        else:
            outcome.result, problem = _configured(first, rename)
        if outcome.result is None:
            outcome.error = f"rebot could not merge the outputs: {problem}"
        else:
            outcome.output = run_dir / "output.xml"
        if outputs:  # keep the attempts readable for the model until the work directory is removed
            kept = run_dir / ".attempts"
            kept.mkdir(exist_ok=True)
            outcome.first = Path(shutil.copy2(outputs[0], kept / FIRST_OUTPUT))
            outcome.rerun = Path(shutil.copy2(outputs[1], kept / RERUN_OUTPUT))
        if ending is not None:  # handed over: the work folder stays until pabot has ended
            outcome.ending, ending = _ending(ending, workdir, plan), None
            handed_over = True
        return outcome
    finally:
        _last_read = None
        if ending is not None:  # an error or an interrupt before it was handed over: stop it
            ending.stop()
        if not handed_over:
            _remove(workdir)


def _finish(running: RunningCommand) -> tuple[int, bool]:
    """Wait for ``running``'s end: (its exit code, False), or (-1, True) when stopped at the deadline."""
    try:
        return running.finish(), False
    except DeadlineExceeded:
        return -1, True


def _ending(running: RunningCommand, workdir: Path, plan: ExecutionPlan) -> Callable[[bool], str | None]:
    """What ``ExecutionOutcome.end_pabot`` calls: wait for pabot (or stop it), then remove its work folder."""

    def end(stop: bool) -> str | None:
        try:
            if stop:
                running.stop()
                return None
            code, timed_out = _finish(running)
            if timed_out:
                return (
                    f"pabot did not end by itself after every suite's output was complete; it was stopped at the time "
                    f"limit ({plan.time_limit:g} s, SMOKE_RUN_TIMEOUT). The results were complete."
                )
            if code not in (0, PABOT_NO_REBOT_EXIT):
                return (
                    f"pabot ended with exit code {code} after every suite's output was complete "
                    f"(normal: {PABOT_NO_REBOT_EXIT})"
                )
            return None
        finally:
            _remove(workdir)

    return end


def _run_attempt(
    pabot: list[str],
    plan: ExecutionPlan,
    workdir: Path,
    attempt: str,
    env: Mapping[str, str],
    stream: Callable[[str], None] | None,
    deadline: float | None,
    rerun_of: Path | None = None,
    expected: int | None = None,
    on_first: Callable[[], None] | None = None,
) -> tuple[Result | None, int, bool, RunningCommand | None]:
    """Run pabot once with its outputs in ``workdir/attempt``; return the attempt's combined results
    (None when no process left a readable output), pabot's exit code (-1 when stopped at the
    deadline), whether it was stopped at the deadline, and pabot itself when it is still ending.

    Each process's output is read as soon as it is complete (``OutputWatcher``; ``on_first`` is
    called, in this thread, after the first). Once ``expected`` outputs are read this returns without waiting for
    pabot's own end (exit code 0 until it has ended). A stopped pabot still leaves the outputs of
    the processes that finished or stopped gracefully: they are combined as well."""
    outputdir = workdir / attempt
    code, timed_out, still_ending = 0, False, None
    watcher = OutputWatcher(outputdir, expected).start()
    first_told = False

    def woken() -> bool:  # in this thread: what on_first starts is this thread's child (parent-death signal)
        nonlocal first_told
        if watcher.first.is_set() and not first_told:
            first_told = True
            if on_first is not None:
                with contextlib.suppress(Exception):  # the dashboard is optional: never the run's end
                    on_first()
        return watcher.complete.is_set() and not running.expired.is_set()  # stopped at the deadline: wait

    try:
        command = [*pabot, *pabot_command(plan, outputdir, rerun_of)]
        running = RunningCommand.start(command, workdir, env, stream, deadline, watcher.wake)
        if running.wait(woken):
            code, timed_out = _finish(running)  # pabot's graceful stop usually still leaves what ran so far
        else:
            still_ending = running
    finally:
        watcher.stop()
    name = TOP_SUITE_NAME if len(plan.sources) > 1 else None
    result, problems = combine_attempt(attempt_outputs(outputdir), name, watcher.read)
    for problem in problems:
        if stream:
            stream(f"[ WARNING ] {problem}: left out of the results")
    return result, code, timed_out, still_ending


def attempt_outputs(outputdir: Path) -> list[Path]:
    """The ``output.xml`` files pabot's processes left under ``outputdir`` (``pabot_results/<n>/``),
    in the order pabot's own merge takes them: by process number (pabot numbers the suites sorted by
    name)."""

    def natural(path: Path) -> list[int | str]:
        return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", path.as_posix())]

    return sorted((outputdir / PABOT_RESULTS).glob("**/output.xml"), key=natural)


def combine_attempt(
    outputs: Sequence[Path], name: str | None = None, read: Callable[[Path], Result] | None = None
) -> tuple[Result | None, list[str]]:
    """The results of one attempt from the ``outputs`` of its pabot processes, combined as pabot's
    merge combines them: the first output's top-level suite takes in the suites (and tests) of the
    others, a suite met again (same name and source) is merged into the one already there, the top
    suite spans from the earliest start to the latest end, and the execution errors are joined.
    ``name`` (``Smoke`` with several sources, which robot already got as ``--name``) names the top
    suite. Return the results (None when no output could be read) and a line per output that could
    not be read (a process killed while writing): those are left out, as pabot leaves them out.
    ``read`` reads one output (default ``ExecutionResult``; the runner gives ``OutputWatcher.read``)."""
    from robot.api import ExecutionResult
    from robot.errors import DataError

    combined: Result | None = None
    problems: list[str] = []
    for output in outputs:
        try:
            result = read(output) if read is not None else ExecutionResult(str(output))
        except (DataError, OSError) as error:
            reason = error.message if isinstance(error, DataError) else str(error)
            problems.append(f"the output of pabot process {output.parent.name} could not be read ({reason})")
            continue
        if combined is None:
            combined = result
            continue
        _merge_suite(combined.suite, result.suite)
        combined.suite.metadata.update(result.suite.metadata)
        combined.errors.add(result.errors)
    if combined is not None and name:
        combined.suite.name = name
    return combined, problems


def _merge_suite(into: TestSuite, other: TestSuite) -> None:
    """Merge ``other`` (the same suite as run by another pabot process) into ``into``, as pabot's
    ResultMerger does: unknown child suites and tests are appended, known child suites merged, the
    setup and teardown keywords of ``other`` appended, and the times widened to cover both."""
    ends = [end for end in (into.end_time, other.end_time) if end is not None]
    starts = [start for start in (into.start_time, other.start_time) if start is not None]
    for item in list(other.setup.body):
        into.setup.body.append(item)
    for item in list(other.teardown.body):
        into.teardown.body.append(item)
    for suite in list(other.suites):
        known = next((mine for mine in into.suites if mine.name == suite.name and mine.source == suite.source), None)
        if known is None:
            into.suites.append(suite)
        else:
            _merge_suite(known, suite)
    names = {test.full_name for test in into.tests}
    for test in list(other.tests):
        if test.full_name not in names:
            into.tests.append(test)
    into.elapsed_time = None
    into.start_time = min(starts) if starts else None
    into.end_time = max(ends) if ends else None


def _save_attempt(result: Result, path: Path, keep: bool = True) -> Path:
    """Write ``result`` to ``path``; with ``keep`` the model stays the one ``_read_once`` gives for
    the file (``_rerun_candidates`` then does not read it back)."""
    global _last_read
    result.save(str(path))
    if keep:
        stat = path.stat()
        _last_read = (path, stat.st_mtime_ns, stat.st_size, result)
    return path


def _relabel_workdir(stream: Callable[[str], None] | None, workdir: Path) -> Callable[[str], None] | None:
    """``stream`` with the temporary work folder's path shown as ``<pabot work folder>``: the files
    pabot names there are intermediate, merged into the run folder and then removed."""
    if stream is None:
        return None
    forward = stream

    def relabelled(line: str) -> None:
        forward(line.replace(str(workdir), "<pabot work folder>"))

    return relabelled


def _remove(folder: Path) -> None:
    """Remove pabot's work folder (argfiles included), retrying while interrupted processes exit."""
    for _attempt in range(10):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.2)


#: What ``--rerunfailed`` reads when some failed tests are not worth a re-run.
RERUN_CANDIDATES = "rerun-candidates.xml"
#: Tag of a test whose failure is a measurement a re-run cannot change (e.g. an SLA miss measured
#: over its whole or early-stopped sample): it is not re-run, so it cannot be FLAKY either.
NO_RERUN_TAG = "no-rerun"


def _measured(test: TestCase) -> bool:
    """Whether ``test`` carries `NO_RERUN_TAG` (Robot's tag matching: case and spaces do not count)."""
    return bool(test.tags.match(NO_RERUN_TAG))


def _setup_failed(test: object) -> bool:
    """Whether a suite setup above ``test`` failed (then the test failed without running)."""
    parent = getattr(test, "parent", None)
    while parent is not None:
        if getattr(parent, "has_setup", False) and parent.setup.status == "FAIL":
            return True
        parent = getattr(parent, "parent", None)
    return False


def _failures(result: Result) -> tuple[list[TestCase], list[TestCase], list[str]]:
    """The failed tests of ``result``, those worth a re-run, and the names of the failed tests
    tagged `NO_RERUN_TAG` (their suite setup passed)."""
    failed = [test for test in result.suite.all_tests if test.status == "FAIL"]
    measured = [test.name for test in failed if _measured(test) and not _setup_failed(test)]
    worth = [test for test in failed if not _setup_failed(test) and not _measured(test)]
    return failed, worth, measured


def _rerun_worth(result: Result) -> tuple[bool, list[str]]:
    """Whether a failed test of ``result`` is worth a re-run (see ``_rerun_candidates``), and the
    names of the failed tests tagged `NO_RERUN_TAG`."""
    _failed, worth, measured = _failures(result)
    return bool(worth), measured


def _rerun_candidates(output: Path, workdir: Path) -> tuple[Path | None, list[str]]:
    """The output whose failed tests ``--rerunfailed`` should run again, or None when none is worth
    it, and the names of the failed tests tagged `NO_RERUN_TAG`. Tests that failed because their
    suite setup failed are not re-run: the setup failed for every test of the suite, and running
    it once more cannot turn the suite's result around (a target that stalls after /health would
    only double the run's time). Nor are tests tagged
    `NO_RERUN_TAG`: their failure is a measurement that a second attempt would only repeat (a
    slow deployment's SLA miss), at the price of the run's time. Ordinary failures are."""
    from robot.api import ExecutionResult

    failed, worth, measured = _failures(_read_once(output))
    if not worth:
        return None, measured
    if len(worth) == len(failed):
        return output, measured
    result = ExecutionResult(str(output))  # a copy of its own: the one read is the merge's
    failed = [test for test in result.suite.all_tests if test.status == "FAIL"]
    for test in failed:
        if _setup_failed(test) or _measured(test):
            test.status = "PASS"  # only in this copy, which just tells --rerunfailed what to run
    candidates = workdir / RERUN_CANDIDATES
    result.save(str(candidates))
    return candidates, measured


#: The attempt read last (path, modification time, size, model): ``_rerun_candidates`` reads the
#: first attempt and, when nothing is re-run, ``_merge`` takes the same model instead of reading
#: the file again.
_last_read: tuple[Path, int, int, Result] | None = None


def _read_once(output: Path) -> Result:
    """``ExecutionResult(output)``, or the model read last from the unchanged file."""
    global _last_read
    from robot.api import ExecutionResult

    stat = output.stat()
    if _last_read is not None and _last_read[:3] == (output, stat.st_mtime_ns, stat.st_size):
        return _last_read[3]
    result = ExecutionResult(str(output))
    _last_read = (output, stat.st_mtime_ns, stat.st_size, result)
    return result


def _rebot_settings(**options: object) -> RebotSettings:
    from robot.conf import RebotSettings

    return RebotSettings(options)


def _merge(outputs: Sequence[Path], rename: bool) -> tuple[Result | None, str]:
    """The attempts merged as ``rebot --merge [--name Smoke]`` would merge them, in this process:
    (the result, "") or (None, why not)."""
    global _last_read
    from robot.api import ExecutionResult
    from robot.errors import DataError

    try:
        if len(outputs) == 1:
            result = _read_once(outputs[0])
        else:
            result = ExecutionResult(*[str(path) for path in outputs], merge=True)
    except DataError as error:
        return None, error.message
    finally:
        _last_read = None
    return _configured(result, rename, merge=len(outputs) > 1)


def _configured(result: Result, rename: bool, merge: bool = False) -> tuple[Result | None, str]:
    """``result`` configured as rebot configures what it read (``--name Smoke`` when ``rename``,
    the tag statistics without `TAGSTAT_EXCLUDE`): (the result, "") or (None, why not)."""
    from robot.errors import DataError

    settings = _rebot_settings(
        merge=merge, name=TOP_SUITE_NAME if rename else None, tagstatexclude=list(TAGSTAT_EXCLUDE)
    )
    try:
        result.configure(settings.status_rc, settings.suite_config, settings.statistics_config)
    except DataError as error:
        return None, error.message
    return result, ""


def write_results(result: Result, run_dir: Path, metadata: Mapping[str, str] | None = None) -> str | None:
    """Write ``run_dir``'s output.xml, log.html and report.html from ``result`` in one go, with
    ``metadata`` as top-level suite metadata (as ``rebot --metadata NAME:VALUE`` would add it, e.g.
    the verdict); return an error text, or None when all three were written."""
    return write_output(result, run_dir, metadata) or write_pages(result, run_dir)


def write_output(result: Result, run_dir: Path, metadata: Mapping[str, str] | None = None) -> str | None:
    """Write ``run_dir``/output.xml from ``result`` with ``metadata`` as top-level suite metadata;
    return an error text, or None when it was written (and closed: complete for its readers)."""
    from robot.errors import DataError

    settings = _rebot_settings(
        metadata=[f"{name}:{value}" for name, value in (metadata or {}).items()],
        outputdir=str(run_dir),
        output="output.xml",
        tagstatexclude=list(TAGSTAT_EXCLUDE),
    )
    try:
        result.suite.metadata.update(settings.suite_config["metadata"])  # as SuiteConfigurer adds it
        result.save(settings.output)
    except (DataError, OSError) as error:
        return f"writing output.xml failed: {error}"
    return None


def write_pages(result: Result, run_dir: Path) -> str | None:
    """Write ``run_dir``/log.html and report.html from ``result`` (after ``write_output``, which
    added the metadata); return an error text, or None when both were written."""
    from robot.errors import DataError
    from robot.reporting.jsmodelbuilders import JsModelBuilder
    from robot.reporting.logreportwriters import LogWriter, ReportWriter

    settings = _rebot_settings(
        outputdir=str(run_dir), log="log.html", report="report.html", tagstatexclude=list(TAGSTAT_EXCLUDE)
    )
    if settings.rpa is None:
        settings.rpa = result.rpa
    try:
        js_result = JsModelBuilder(
            log_path=settings.log,
            split_log=settings.split_log,
            expand_keywords=settings.expand_keywords,
            prune_input_to_save_memory=False,
        ).build_from(result)
        LogWriter(js_result).write(settings.log, dict(settings.log_config, minLevel=js_result.min_level))
        js_result.remove_data_not_needed_in_report()
        ReportWriter(js_result).write(settings.report, settings.report_config)
    except (DataError, OSError) as error:
        return f"writing log.html and report.html failed: {error}"
    return None


class RunningCommand:
    """A command (pabot) running in its own session, its output streamed line by line from a thread.

    ``wait`` returns when its output has ended or ``wake`` was set (by the ``OutputWatcher``);
    ``finish`` waits for its exit; ``stop`` stops it. On an interrupt (Ctrl-C, SIGTERM) while waiting,
    pabot is stopped with SIGINT (its graceful shutdown ends the robot processes it started in their
    own sessions); whatever is left after a few seconds is killed. At ``deadline`` (monotonic) the
    command is stopped the same way and ``finish`` raises ``DeadlineExceeded``."""

    def __init__(
        self, command: list[str], process: subprocess.Popen[str], deadline: float | None, wake: threading.Event
    ) -> None:
        self.command = command
        self.process = process
        self.wake = wake  # set when the output ends (and by whoever else may end the wait)
        self.ended = threading.Event()  # the output has ended
        self.expired = threading.Event()
        self.failure: Exception | None = None  # raised by ``stream``: the command was stopped
        self.watchdog = _watchdog(process, deadline, self.expired)
        self.reader: threading.Thread | None = None

    @classmethod
    def start(
        cls,
        command: list[str],
        cwd: Path,
        env: Mapping[str, str],
        stream: Callable[[str], None] | None,
        deadline: float | None = None,
        wake: threading.Event | None = None,
    ) -> RunningCommand:
        """Start ``command`` in ``cwd`` with ``env``; its output lines go to ``stream``."""
        kwargs: dict[str, object] = {}
        if os.name == "nt":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            kwargs["start_new_session"] = True
            kwargs["preexec_fn"] = die_with_parent()  # killed with the runner, even on SIGKILL (Linux)
        process = subprocess.Popen(  # type: ignore[call-overload]  # noqa: S603 - kwargs by platform
            command,
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            **kwargs,
        )
        running = cls(command, process, deadline, wake or threading.Event())
        running.reader = threading.Thread(target=running._read, args=(stream,), name="pabot-output", daemon=True)
        running.reader.start()
        return running

    def _read(self, stream: Callable[[str], None] | None) -> None:
        assert self.process.stdout is not None
        try:
            for line in self.process.stdout:
                if stream is None or self.failure is not None:
                    continue  # read on: a full pipe would block pabot
                try:
                    stream(line.rstrip("\n"))
                except Exception as error:  # noqa: BLE001 - raised by finish, once the command is stopped
                    self.failure = error
                    threading.Thread(target=stop_process_tree, args=(self.process,), daemon=True).start()
        finally:
            self.ended.set()
            self.wake.set()

    def wait(self, woken: Callable[[], bool]) -> bool:
        """Wait until the output has ended (True) or ``woken()``, asked in this thread each time
        ``wake`` is set, says to wait no longer (False: the command runs on)."""
        try:
            while True:
                self.wake.wait(0.5)
                self.wake.clear()  # cleared before looking: what is set from now on wakes it again
                if self.ended.is_set():
                    return True
                if woken():
                    return False
        except BaseException:
            self.stop()
            raise

    def finish(self) -> int:
        """Wait for the command's end; its exit code (``DeadlineExceeded`` when stopped at the deadline)."""
        try:
            if self.reader is not None:
                self.reader.join()
            code: int = self.process.wait()
        except BaseException:
            self.stop()
            raise
        finally:
            self._end_watchdog()
        if self.failure is not None:
            raise self.failure
        if self.expired.is_set():
            raise DeadlineExceeded(" ".join(self.command[:1]))
        return code

    def stop(self) -> None:
        """Stop the command (and what it started) now."""
        stop_process_tree(self.process)
        if self.reader is not None:
            self.reader.join(timeout=10)
        self._end_watchdog()

    def _end_watchdog(self) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog.join()  # an expiry in progress finishes stopping the process tree first


def _watchdog(
    process: subprocess.Popen[str], deadline: float | None, expired: threading.Event
) -> threading.Timer | None:
    """A timer that stops ``process`` at ``deadline`` and sets ``expired``; None without a deadline."""
    if deadline is None:
        return None

    def expire() -> None:
        if process.poll() is None:
            expired.set()
            stop_process_tree(process)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
    timer.daemon = True
    timer.start()
    return timer


GRACE_SECONDS = 8.0


def _process_table() -> dict[int, tuple[int, str]]:
    """{pid: (parent pid, start time)} from Linux /proc, or from ``ps`` where there is no /proc (macOS)."""
    if not Path("/proc/self/stat").exists():
        return _ps_process_table()
    table: dict[int, tuple[int, str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            table[int(stat.parent.name)] = (int(fields[1]), fields[19])
        except (OSError, IndexError, ValueError):
            continue
    return table


def _ps_process_table() -> dict[int, tuple[int, str]]:
    table: dict[int, tuple[int, str]] = {}
    try:
        listing = subprocess.run(
            ["ps", "-A", "-o", "pid=", "-o", "ppid=", "-o", "lstart="],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return table
    for line in listing.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3 and fields[0].isdigit() and fields[1].isdigit():
            table[int(fields[0])] = (int(fields[1]), fields[2].strip())
    return table


def _descendants(pid: int) -> dict[int, str]:
    """{pid: start time} of every descendant of ``pid`` (the start time guards against pid reuse)."""
    table = _process_table()
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found[child] = table[child][1]
                todo.append(child)
    return found


def _kill_still_running(tree: dict[int, str]) -> None:
    table = _process_table()
    for pid, started in tree.items():
        if table.get(pid, (0, ""))[1] == started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def stop_process_tree(process: subprocess.Popen[str]) -> None:
    """SIGINT to ``process`` (pabot's graceful stop), up to GRACE_SECONDS to exit, then SIGKILL to
    it and to every descendant (robot processes in their own sessions) still running."""
    if os.name == "nt":  # no SIGINT for another console's process: end pabot and its robot processes
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(
                ["taskkill", "/T", "/F", "/PID", str(process.pid)],  # noqa: S607
                capture_output=True,
                timeout=30,
                check=False,
            )
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=GRACE_SECONDS)
        return
    tree = _descendants(process.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(process.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=GRACE_SECONDS)
    if process.poll() is None:
        tree.update(_descendants(process.pid))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process.pid, signal.SIGKILL)
    _kill_still_running(tree)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
