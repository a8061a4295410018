"""``results/dashboard.html``: the trend dashboard of robotframework-dashboard (``robotdashboard``),
brought up to date after every run (one-shot and canary).

Each run's ``output.xml`` is added to ``results/dashboard.db`` (SQLite, beside ``history.jsonl``), and
the page is rebuilt from the whole database with its JavaScript and CSS embedded
(``--offlinedependencies``), so it opens on a CI agent without internet access. The dashboard is
optional: when ``robotdashboard`` is missing or fails, the run gets a warning and its verdict and
exit code stay what they are.

The runner readies ``robotdashboard`` (``prepare_update``: where it is this virtualenv's script, a
process that imports it at once, forked from the run's fork server on Linux) when the first suite's
process has ended (at the latest when pabot has), hands it the run's ``output.xml`` as soon as
that is written (``DashboardUpdate.begin``) and lets it work while it writes the log, the report
and its own artifacts; it then waits for it (``DashboardUpdate.finish``, within
``DASHBOARD_TIMEOUT`` of ``begin``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from smoke_runner import REPO_ROOT, console, forkserver
from smoke_runner.guard import die_with_parent
from smoke_runner.redact import redact

DASHBOARD_FILE = "dashboard.html"
DATABASE_FILE = "dashboard.db"
DASHBOARD_TITLE = "Smoke tests"
DASHBOARD_TIMEOUT = 120.0
#: How many runs the dashboard keeps (the newest, per robotdashboard "project": the top suite's
#: name); ``0`` keeps every run. Each kept run makes every update about 7 ms of CPU dearer:
#: unbounded, a canary every 5 minutes would spend seconds on it after every run within a day.
RUNS_VARIABLE = "SMOKE_DASHBOARD_RUNS"
DEFAULT_RUNS = 30


def robotdashboard_command(bin_dir: Path | None = None) -> str | None:
    """The ``robotdashboard`` executable beside this Python (the virtualenv), else on PATH."""
    folder = bin_dir or Path(sys.executable).parent
    for candidate in (folder / "robotdashboard", folder / "robotdashboard.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("robotdashboard")


def runs_kept() -> int:
    """``$SMOKE_DASHBOARD_RUNS``: how many runs the dashboard keeps (0: all); ``ValueError`` when it
    is not a whole number of runs."""
    raw = os.environ.get(RUNS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RUNS
    if not raw.isdecimal() or not raw.isascii():
        raise ValueError(f"{RUNS_VARIABLE} must be a whole number of runs (0 keeps every run), got {raw!r}")
    return int(raw)


def dashboard_arguments(
    outputs: Sequence[Path], database: Path, html: Path, environment: str | None = None, keep: int = DEFAULT_RUNS
) -> list[str]:
    """robotdashboard's arguments: add ``outputs`` to ``database``, remove all but the newest ``keep``
    runs (0: none), and write ``html`` (dependencies embedded)."""
    args: list[str] = []
    for output in outputs:
        args += ["--outputpath", str(output)]
    if environment:
        args += ["--customfilters", f"environment={environment}"]
    if keep:
        args += ["--removeruns", f"limit={keep}"]
    return [
        *args,
        "--databasepath",
        str(database),
        "--namedashboard",
        str(html),
        "--dashboardtitle",
        DASHBOARD_TITLE,
        "--offlinedependencies",
        "true",
        "--listruns",
        "false",
    ]


#: The warm ``robotdashboard`` (``prepare_update``): this venv's Python imports robotdashboard's
#: modules at once and lets it take its merged JavaScript from the cache (``dashboard_js``; the
#: repository's folder, the argument after the script, is on ``sys.path`` for that import only;
#: anything going wrong there leaves robotdashboard as it is),
#: then waits for the command line (a JSON list on one line of its stdin) and runs
#: the ``robotdashboard`` script itself with it; an empty stdin (nothing to add) ends it. Its own
#: command line names the script right after the code, so that it is recognisable in a process list. When the
#: script is done (its database committed, its page written and closed) it ends with ``os._exit``
#: after flushing its output: Python's teardown would add about 0.1 s. A traceback is printed as
#: Python prints it, with exit code 1.
_WARM = """\
import json, os, runpy, sys, traceback
try:
    import robotframework_dashboard.main
except ImportError:
    pass
else:
    sys.path.insert(0, sys.argv[2])
    try:
        from smoke_runner.dashboard_js import remember_js_block
        remember_js_block()
    except Exception:
        pass
    finally:
        sys.path.remove(sys.argv[2])
line = sys.stdin.readline()
if not line:
    sys.exit(0)
sys.argv = json.loads(line)
code = 0
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    if not isinstance(stop.code, (int, type(None))):
        print(stop.code, file=sys.stderr)
except BaseException:
    traceback.print_exc()
    code = 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""


def _warm_python(command: str) -> str | None:
    """The Python that can run ``command`` warm: this one when ``command`` is the Python script pip
    installed beside it (this virtualenv's ``robotdashboard``), else None (it is started cold)."""
    script = Path(command)
    if script.suffix or script.parent != Path(sys.executable).parent:
        return None
    try:
        with script.open("rb") as handle:
            first = handle.readline(200)
    except OSError:
        return None
    return sys.executable if first.startswith(b"#!") and b"python" in first else None


@dataclass
class DashboardUpdate:
    """One ``robotdashboard`` run: ``prepare_update`` readies it (a warm process that has already
    imported robotdashboard, where it can), ``begin`` gives it the output.xml files, ``finish``
    waits for it and says whether the page was updated, ``stop`` ends it early."""

    results_dir: Path
    timeout: float = DASHBOARD_TIMEOUT
    problem: str | None = None  # why it could not be started
    command: str | None = None
    process: subprocess.Popen[bytes] | None = None
    begun: bool = False
    before: int | None = None  # the page's modification time before the update (None: no page)
    deadline: float = 0.0
    output: list[IO[bytes]] = field(default_factory=list)  # its stdout and stderr (temporary files)
    served: dict[str, str] = field(default_factory=dict)  # the fork server it comes from (none: empty)

    @property
    def html(self) -> Path:
        return self.results_dir / DASHBOARD_FILE

    def _spawn(self, command: list[str], stdin: int) -> None:
        self.output = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]  # noqa: SIM115 - closed by finish/stop
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own tool with our own arguments
                command,
                cwd=self.results_dir,
                stdin=stdin,
                stdout=self.output[0],
                stderr=self.output[1],
                env={**os.environ, "NO_COLOR": "1", **self.served},
                preexec_fn=die_with_parent(),  # killed with the runner, even on SIGKILL (Linux)
            )
        except OSError as error:
            self._close()
            self.problem = f"robotdashboard could not be started: {error.strerror or error}"

    def begin(self, outputs: Sequence[Path], environment: str | None = None) -> None:
        """Add ``outputs`` (complete output.xml files) to the database and rebuild the page: the
        warm process gets its command line, or ``robotdashboard`` is started now."""
        if self.command is None or self.begun:
            return
        self.begun = True
        database, html = self.results_dir / DATABASE_FILE, self.html
        self.before = html.stat().st_mtime_ns if html.exists() else None
        command = [self.command, *dashboard_arguments(outputs, database, html, environment, runs_kept())]
        self.deadline = time.monotonic() + self.timeout
        if self.process is None:
            if self.problem is None:
                self._spawn(command, subprocess.DEVNULL)
            return
        assert self.process.stdin is not None
        try:
            self.process.stdin.write((json.dumps(command) + "\n").encode("utf-8"))
            self.process.stdin.close()
        except OSError:  # the warm process ended early: its exit code and output tell why
            pass

    def finish(self) -> tuple[Path | None, str | None]:
        """Wait for ``robotdashboard`` (until ``timeout`` after ``begin``); return (the page, None)
        or (None, why it was not updated)."""
        if self.process is None or not self.begun:
            return None, self.problem or "robotdashboard was not started"
        try:
            code = self.process.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            return None, f"robotdashboard did not finish within {self.timeout:g} s"
        stdout, stderr = (self._read(stream) for stream in self.output)
        self._close()
        html = self.html
        if code != 0 or not html.exists() or html.stat().st_mtime_ns == self.before:
            lines = [line.strip() for line in (stderr or stdout).splitlines() if line.strip()]
            detail = redact(lines[-1][:300]) if lines else "no output"
            return None, f"robotdashboard failed (exit code {code}): {detail}"
        return html, None

    def stop(self) -> None:
        """Kill ``robotdashboard`` (or the warm process) if it still runs, and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self._close()

    @staticmethod
    def _read(stream: IO[bytes]) -> str:
        stream.seek(0)
        return stream.read().decode("utf-8", errors="replace")

    def _close(self) -> None:
        for stream in self.output:
            stream.close()
        self.output = []


def prepare_update(
    results_dir: Path, timeout: float | None = None, served: Mapping[str, str] | None = None
) -> DashboardUpdate:
    """Ready a dashboard update of ``results_dir`` before its output.xml exists: where
    ``robotdashboard`` is this virtualenv's script, a process starts now and imports it while the
    runner writes output.xml; ``begin`` then hands it the command line (within ``timeout`` of
    that, by default ``DASHBOARD_TIMEOUT``, ``finish`` must see it done). With ``served`` (the
    run's fork server, ``forkserver.serving``) that process is forked from the server, with Robot
    Framework already imported."""
    update = DashboardUpdate(results_dir, DASHBOARD_TIMEOUT if timeout is None else timeout)
    update.command = robotdashboard_command()
    if update.command is None:
        update.problem = "robotdashboard is not installed (pip install robotframework-dashboard)"
        return update
    python = _warm_python(update.command)
    if python is not None:
        start = [*forkserver.client_command(python, "python"), "-c"] if served else [python, "-c"]
        update.served = dict(served or {})
        update._spawn([*start, _WARM, update.command, str(REPO_ROOT)], subprocess.PIPE)  # named after what it runs
    return update


def start_update(
    results_dir: Path, outputs: Sequence[Path], environment: str | None = None, timeout: float | None = None
) -> DashboardUpdate:
    """Start adding ``outputs`` (complete output.xml files) to ``results_dir/dashboard.db`` and
    rebuilding ``results_dir/dashboard.html``; ``finish`` the returned update to know how it went
    (within ``timeout`` seconds of the start, by default ``DASHBOARD_TIMEOUT``)."""
    update = prepare_update(results_dir, timeout)
    update.begin(outputs, environment)
    return update


def update_dashboard(
    results_dir: Path, outputs: Sequence[Path], environment: str | None = None, timeout: float | None = None
) -> tuple[Path | None, str | None]:
    """Add ``outputs`` (output.xml files) to ``results_dir/dashboard.db`` and rebuild
    ``results_dir/dashboard.html``; return (the page, None) or (None, why it was not updated)."""
    update = start_update(results_dir, outputs, environment, timeout)
    try:
        return update.finish()
    finally:
        update.stop()


def start_after_run(results_dir: Path, run_dir: Path, environment: str | None = None) -> DashboardUpdate | None:
    """Start adding the run's ``output.xml`` (if the tests ran) to the dashboard; None when there is
    nothing to add (the preflight failed or nothing ran)."""
    output = run_dir / "output.xml"
    if not output.exists():
        return None
    return start_update(results_dir, [output], environment)


def begin_after_run(update: DashboardUpdate, run_dir: Path, environment: str | None = None) -> DashboardUpdate | None:
    """Hand the run's complete ``output.xml`` to ``update`` (from ``prepare_update``); None (and
    ``update`` stopped) when there is none."""
    output = run_dir / "output.xml"
    if not output.exists():
        update.stop()
        return None
    update.begin([output], environment)
    return update


def finish_after_run(update: DashboardUpdate | None) -> str | None:
    """Wait for ``start_after_run``'s update; print where the page is, or return a warning."""
    if update is None:
        return None
    if not update.begun and update.problem is None:  # readied, but no output.xml was written
        update.stop()
        return None
    try:
        page, problem = update.finish()
    finally:
        update.stop()
    if problem:
        return f"{update.html} not updated (verdict unchanged): {problem}"
    console.step(f"Dashboard updated: {page}")
    return None


def refresh_after_run(results_dir: Path, run_dir: Path, environment: str | None = None) -> str | None:
    """Add the run's ``output.xml`` (if the tests ran) to the dashboard; return a warning, or None."""
    return finish_after_run(start_after_run(results_dir, run_dir, environment))
