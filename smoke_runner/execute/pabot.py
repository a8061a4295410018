"""Runs the selected suites with pabot, one robot process per suite, bounded by the run's deadline.

pabot runs with ``--no-rebot``: each process leaves its ``output.xml`` under
``pabot_results/<n>/`` of the attempt's folder and pabot merges nothing itself (``merge`` combines
them). Everything pabot leaves behind (``pabot_results/`` with its argument files, which hold
``--variable`` values in clear text, and ``.pabotsuitenames``) stays in a private work folder that
the run removes; only the merged ``output.xml``, ``log.html`` and ``report.html`` reach the run's
results folder.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from smoke_runner.processes.commands import DeadlineExceeded, RunningCommand
from smoke_runner.processes.guard import Guard

#: The name of the top-level suite when several suites run (pabot and robot get it as ``--name``).
TOP_SUITE_NAME = "Smoke"
#: Where pabot (``--no-rebot``) leaves each process's output, under ``--outputdir``.
PABOT_RESULTS = "pabot_results"


@dataclass
class ExecutionPlan:
    """What to run and how: the same for the first attempt and the re-run."""

    sources: list[Path]  # one data source (file or folder) per selected suite
    processes: int = 2
    robot_options: list[str] = field(default_factory=list)  # --include/--exclude/--variablefile/...
    env: Mapping[str, str] = field(default_factory=dict)  # the children's environment, complete
    bin_dir: Path = field(default_factory=lambda: Path(sys.executable).parent)
    time_limit: float = 900.0  # seconds for every attempt together (SMOKE_RUN_TIMEOUT)
    deadline: float | None = None  # monotonic time at which every attempt is stopped (set at the start)


@dataclass
class Attempt:
    """One pabot run: the outputs its processes left (pabot's order), its exit code (-1 when it was
    stopped at the deadline) and whether it was."""

    outputs: list[Path]
    exit_code: int
    timed_out: bool = False


def pabot_command(plan: ExecutionPlan, outputdir: Path, rerun_of: Path | None = None) -> list[str]:
    """The pabot command line (without the executable) for the first run or a re-run of the failed
    tests in ``rerun_of``."""
    command = ["--processes", str(plan.processes), "--no-pabotlib", "--no-rebot"]
    command += ["--outputdir", str(outputdir), "--log", "NONE", "--report", "NONE"]
    if len(plan.sources) > 1:
        command += ["--name", TOP_SUITE_NAME]
    command += ["--runemptysuite", "--consolecolors", "off"]
    if rerun_of is not None:
        command += ["--rerunfailed", str(rerun_of)]
    command += [*plan.robot_options, *[str(source) for source in plan.sources]]
    return command


def executable(bin_dir: Path, name: str) -> str:
    """``name`` in ``bin_dir`` (the virtual environment), else on PATH."""
    for candidate in (bin_dir / name, bin_dir / f"{name}.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name) or name


def child_environment(base: Mapping[str, str], overrides: Mapping[str, str], bin_dir: Path) -> dict[str, str]:
    """The environment of pabot and its robot processes: ``base`` with ``overrides``, ``bin_dir``
    first on PATH (pabot starts ``robot`` from PATH), and neither ROBOT_OPTIONS (checked and folded
    into the plan's options by the configure step) nor REBOT_OPTIONS (refused there)."""
    env = {**base, **overrides}
    env.pop("ROBOT_OPTIONS", None)
    env.pop("REBOT_OPTIONS", None)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    return env


def attempt_outputs(outputdir: Path) -> list[Path]:
    """The ``output.xml`` files pabot's processes left under ``outputdir`` (``pabot_results/<n>/``),
    in the order pabot's own merge takes them: by process number (pabot numbers the suites sorted
    by name)."""

    def natural(path: Path) -> list[int | str]:
        return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", path.as_posix())]

    return sorted((outputdir / PABOT_RESULTS).glob("**/output.xml"), key=natural)


def run_attempt(
    plan: ExecutionPlan,
    workdir: Path,
    name: str,
    stream: Callable[[str], None] | None,
    rerun_of: Path | None = None,
) -> Attempt:
    """Run pabot once with its outputs in ``workdir/name`` and wait for its end (at the latest the
    plan's deadline, when it is stopped: a stopped pabot still leaves the outputs of the processes
    that finished or stopped gracefully)."""
    outputdir = workdir / name
    pabot = executable(plan.bin_dir, "pabot")
    running = RunningCommand(
        [pabot, *pabot_command(plan, outputdir, rerun_of)],
        workdir,
        plan.env,
        _relabelled(stream, workdir),
        plan.deadline,
    )
    try:
        code, timed_out = running.finish(), False
    except DeadlineExceeded:
        code, timed_out = -1, True
    return Attempt(attempt_outputs(outputdir), code, timed_out)


@contextmanager
def work_folder(guard: Guard) -> Iterator[Path]:
    """A private temporary folder for pabot's files, removed afterwards (by the guard, should the
    runner die first)."""
    folder = Path(tempfile.mkdtemp(prefix="smoke-pabot-"))
    guard.remove_after_run(folder)
    try:
        yield folder
    finally:
        _remove(folder)


def seconds_left(plan: ExecutionPlan) -> float | None:
    """Seconds until the plan's deadline (None without one)."""
    return None if plan.deadline is None else plan.deadline - time.monotonic()


def _relabelled(stream: Callable[[str], None] | None, workdir: Path) -> Callable[[str], None] | None:
    """``stream`` with the work folder's path shown as ``<pabot work folder>``: the files pabot names
    there are intermediate, merged into the run folder and then removed."""
    if stream is None:
        return None
    forward = stream

    def relabelled(line: str) -> None:
        forward(line.replace(str(workdir), "<pabot work folder>"))

    return relabelled


def _remove(folder: Path) -> None:
    """Remove the work folder, retrying while interrupted processes exit."""
    for _attempt in range(10):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.2)
