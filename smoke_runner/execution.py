"""Runs the suites with pabot (one process per suite), re-runs failures once, merges with rebot.

Everything pabot leaves behind (``pabot_results/`` with its argument files, ``.pabotsuitenames``,
the intermediate outputs) stays in a private work directory that is deleted afterwards; only the
merged ``output.xml``, ``log.html`` and ``report.html`` reach the run's results folder.
"""

from __future__ import annotations

import contextlib
import os
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

from smoke_runner.guard import die_with_parent, remove_after_run

TOP_SUITE_NAME = "Smoke"
FIRST_OUTPUT = "first.xml"
#: Default time limit (seconds) of the tests, first run and re-run together (SMOKE_RUN_TIMEOUT).
DEFAULT_TIME_LIMIT = 900.0
RERUN_OUTPUT = "rerun.xml"


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


@dataclass
class ExecutionOutcome:
    """Paths of the results of each step, and why they are missing or incomplete."""

    output: Path | None  # merged output.xml in the run folder, None when nothing ran
    first: Path | None
    rerun: Path | None
    error: str = ""
    timed_out: bool = False  # stopped at the plan's deadline; the results are incomplete


#: Options of every rebot that writes the run's output.xml, log and report: a test's proof tags
#: (``guards:...``, ``guards-with:...``, docs/adding-a-smoke-test.md) stay out of the tag statistics.
REPORT_OPTIONS = ("--tagstatexclude", "guards*")


class DeadlineExceeded(Exception):
    """A command was stopped because the run reached its time limit."""


def pabot_command(plan: ExecutionPlan, workdir: Path, output: str, rerun_of: Path | None = None) -> list[str]:
    """The pabot command line (without the executable) for the first run or a re-run."""
    command = ["--processes", str(plan.processes), "--no-pabotlib"]
    command += ["--outputdir", str(workdir), "--output", output, "--log", "NONE", "--report", "NONE"]
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


def run_pabot(plan: ExecutionPlan, run_dir: Path, stream: Callable[[str], None] | None = None) -> ExecutionOutcome:
    """Run the suites, re-run failures once, merge into ``run_dir``/output.xml, log.html, report.html.

    ``stream`` receives pabot's console output line by line (None: discard it).
    """
    workdir = Path(tempfile.mkdtemp(prefix="smoke-pabot-"))
    remove_after_run(workdir)
    deadline = None if plan.time_limit is None else time.monotonic() + plan.time_limit
    stream = _relabel_workdir(stream, workdir)
    env = _child_env(plan)
    pabot = _executable(plan.bin_dir, "pabot")
    try:
        first = workdir / FIRST_OUTPUT
        timed_out = False
        try:
            code = _run([pabot, *pabot_command(plan, workdir, FIRST_OUTPUT)], workdir, env, stream, deadline)
        except DeadlineExceeded:  # pabot's graceful stop usually still writes what ran so far
            code, timed_out = -1, True
        outcome = ExecutionOutcome(None, first if first.exists() else None, None, timed_out=timed_out)
        if timed_out:
            outcome.error = f"the tests did not finish within {plan.time_limit:g} s"
        if outcome.first is None:
            outcome.error = outcome.error or f"pabot produced no output (exit code {code})"
            return outcome
        outputs = [first]
        candidates = _rerun_candidates(first, workdir) if plan.rerun_failed and not timed_out else None
        if candidates is not None:
            rerun = workdir / RERUN_OUTPUT
            if stream:
                stream("Re-running failed tests once to detect flaky tests ...")
            try:
                _run(
                    [pabot, *pabot_command(plan, workdir, RERUN_OUTPUT, rerun_of=candidates)],
                    workdir,
                    env,
                    stream,
                    deadline,
                )
            except DeadlineExceeded:  # keep the first attempt's results, without the re-run
                outcome.timed_out = True
                outcome.error = f"the re-run of failed tests did not finish within {plan.time_limit:g} s"
            if rerun.exists() and not outcome.timed_out:
                outcome.rerun = rerun
                outputs.append(rerun)
        outcome.output = _merge(outputs, run_dir, workdir, env, plan.bin_dir, len(plan.sources) > 1)
        if outcome.output is None:
            outcome.error = "rebot could not merge the outputs"
        # keep the attempts readable for the model until the work directory is removed
        kept = run_dir / ".attempts"
        kept.mkdir(exist_ok=True)
        outcome.first = Path(shutil.copy2(first, kept / FIRST_OUTPUT))
        if outcome.rerun is not None:
            outcome.rerun = Path(shutil.copy2(outcome.rerun, kept / RERUN_OUTPUT))
        return outcome
    finally:
        _remove(workdir)


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


def _setup_failed(test: object) -> bool:
    """Whether a suite setup above ``test`` failed (then the test failed without running)."""
    parent = getattr(test, "parent", None)
    while parent is not None:
        if getattr(parent, "has_setup", False) and parent.setup.status == "FAIL":
            return True
        parent = getattr(parent, "parent", None)
    return False


def _rerun_candidates(output: Path, workdir: Path) -> Path | None:
    """The output whose failed tests ``--rerunfailed`` should run again, or None when none is worth
    it. Tests that failed because their suite setup failed are not re-run: the setup failed for
    every test of the suite, and running it once more cannot turn the suite's result around (a
    target that stalls after /health would only double the run's time). Ordinary failures are."""
    from robot.api import ExecutionResult

    result = ExecutionResult(str(output))
    failed = [test for test in result.suite.all_tests if test.status == "FAIL"]
    worth = [test for test in failed if not _setup_failed(test)]
    if not worth:
        return None
    if len(worth) == len(failed):
        return output
    for test in failed:
        if _setup_failed(test):
            test.status = "PASS"  # only in this copy, which just tells --rerunfailed what to run
    candidates = workdir / RERUN_CANDIDATES
    result.save(str(candidates))
    return candidates


def _merge(
    outputs: Sequence[Path], run_dir: Path, workdir: Path, env: Mapping[str, str], bin_dir: Path, rename: bool
) -> Path | None:
    command = [_executable(bin_dir, "rebot")]
    if len(outputs) > 1:
        command.append("--merge")
    if rename:
        command += ["--name", TOP_SUITE_NAME]
    command += [
        "--outputdir",
        str(run_dir),
        "--output",
        "output.xml",
        "--log",
        "log.html",
        "--report",
        "report.html",
        *REPORT_OPTIONS,
        *[str(path) for path in outputs],
    ]
    _run(command, workdir, env, None)
    merged = run_dir / "output.xml"
    return merged if merged.exists() else None


def add_metadata(
    run_dir: Path, metadata: Mapping[str, str], bin_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    """Rewrite ``run_dir``'s output.xml, log.html and report.html with ``metadata`` as top-level suite
    metadata (``rebot --metadata``), e.g. the verdict decided from the merged results; return an
    error text, or None when rebot wrote them."""
    output = run_dir / "output.xml"
    if not output.is_file():
        return f"{output} does not exist"
    workdir = Path(tempfile.mkdtemp(prefix="smoke-rebot-"))
    try:
        source = Path(shutil.copy2(output, workdir / "merged.xml"))
        command = [_executable(bin_dir or Path(sys.executable).parent, "rebot")]
        for name, value in metadata.items():
            command += ["--metadata", f"{name}:{value}"]
        command += [
            "--outputdir",
            str(run_dir),
            "--output",
            "output.xml",
            "--log",
            "log.html",
            "--report",
            "report.html",
            *REPORT_OPTIONS,
            str(source),
        ]
        lines: list[str] = []
        code = _run(command, workdir, {**os.environ, **(env or {})}, lines.append)
        # rebot exits with the number of failed tests (max 250); 251+ are its own errors
        return None if code <= 250 else f"rebot exit code {code}: {' '.join(lines)[-300:]}"
    finally:
        _remove(workdir)


def _run(
    command: list[str],
    cwd: Path,
    env: Mapping[str, str],
    stream: Callable[[str], None] | None,
    deadline: float | None = None,
) -> int:
    """Run ``command`` in its own session, streaming its output. On an interrupt (Ctrl-C, SIGTERM)
    pabot is stopped with SIGINT (its graceful shutdown ends the robot processes it started in their
    own sessions); whatever is left after a few seconds is killed. At ``deadline`` (monotonic) the
    command is stopped the same way and ``DeadlineExceeded`` is raised."""
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
    assert process.stdout is not None
    expired = threading.Event()
    watchdog = _watchdog(process, deadline, expired)
    try:
        for line in process.stdout:
            if stream:
                stream(line.rstrip("\n"))
        code: int = process.wait()
    except BaseException:
        stop_process_tree(process)
        raise
    finally:
        if watchdog is not None:
            watchdog.cancel()
            watchdog.join()  # an expiry in progress finishes stopping the process tree first
    if expired.is_set():
        raise DeadlineExceeded(" ".join(command[:1]))
    return code


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
