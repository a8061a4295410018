"""``results/dashboard.html``: the trend dashboard of robotframework-dashboard (``robotdashboard``),
brought up to date after every run (one-shot and canary).

Each run's ``output.xml`` is added to ``results/dashboard.db`` (SQLite, beside ``history.jsonl``), and
the page is rebuilt from the whole database with its JavaScript and CSS embedded
(``--offlinedependencies``), so it opens on a CI agent without internet access. The dashboard is
optional: when ``robotdashboard`` is missing or fails, the run gets a warning and its verdict and
exit code stay what they are. ``robotdashboard`` runs as an ordinary process, started as soon as
``output.xml`` is written (``DashboardUpdate.begin``), while the runner writes the log, the report
and its own artifacts; the runner then waits for it (``DashboardUpdate.finish``, within
``DASHBOARD_TIMEOUT``).

robotdashboard names a run by its output file (the file name without ``output_`` and ``.xml``) and
takes run tags after the path (``--outputpath PATH:TAG``): a run of the gate is handed to it as a link
``output_<environment>_<run>.xml`` (in a temporary folder, removed afterwards) with its verdict as
the tag, so the dashboard lists ``staging_20260101_120000`` tagged ``ROLLBACK``, not ``output``. Its
settings on first load (``--jsonconfig``, ``DASHBOARD_SETTINGS``) label runs by that name.
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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from smoke_runner.configure.options import Options
from smoke_runner.domain.redaction import redact
from smoke_runner.processes.guard import die_with_parent

DASHBOARD_FILE = "dashboard.html"
DATABASE_FILE = "dashboard.db"
DASHBOARD_TITLE = "Smoke tests"
DASHBOARD_TIMEOUT = 120.0
#: How many runs the dashboard keeps (the newest, per robotdashboard "project": the top suite's
#: name); ``0`` keeps every run. Each kept run makes every update about 7 ms of CPU dearer:
#: unbounded, a canary every 5 minutes would spend seconds on it after every run within a day.
RUNS_VARIABLE = "SMOKE_DASHBOARD_RUNS"
DEFAULT_RUNS = 30
#: The dashboard's settings on first load (its settings dialog changes them in the browser): runs
#: are labelled by their alias, ``<environment>_<run>``.
DASHBOARD_SETTINGS = {"show": {"aliases": "alias"}}


def robotdashboard_command(bin_dir: Path | None = None) -> str | None:
    """The ``robotdashboard`` executable beside this Python (the virtualenv), else on PATH."""
    folder = bin_dir or Path(sys.executable).parent
    for candidate in (folder / "robotdashboard", folder / "robotdashboard.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("robotdashboard")


def dashboard_wanted(options: Options) -> bool:
    """Whether a run updates the dashboard: asked for (``--dashboard``), in canary mode, or once the
    results folder has one (a one-shot run in a fresh CI workspace would make a page of one run and
    spend a second of robotdashboard on it: ``docs/performance.md``)."""
    return options.dashboard or options.every is not None or (options.results_dir / DATABASE_FILE).exists()


def runs_kept() -> int:
    """``$SMOKE_DASHBOARD_RUNS``: how many runs the dashboard keeps (0: all); ``ValueError`` when it
    is not a whole number of runs."""
    raw = os.environ.get(RUNS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RUNS
    if not raw.isdecimal() or not raw.isascii():
        raise ValueError(f"{RUNS_VARIABLE} must be a whole number of runs (0 keeps every run), got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class DashboardRun:
    """How the dashboard names and tags a run: ``<environment>_<run>``, tagged with its verdict."""

    environment: str
    run: str  # the run folder's name, its start time (20260101_120000)
    verdict: str

    @property
    def alias(self) -> str:
        return f"{self.environment}_{self.run}"

    def link(self, output: Path, folder: Path) -> Path:
        """A link (or, where links are not allowed, a copy) of ``output`` in ``folder`` named so that
        robotdashboard names the run ``alias``."""
        link = folder / f"output_{self.alias}.xml"
        try:
            link.symlink_to(output.resolve())
        except (OSError, NotImplementedError):
            shutil.copyfile(output, link)
        return link


def dashboard_arguments(
    outputs: Sequence[Path],
    database: Path,
    html: Path,
    environment: str | None = None,
    keep: int = DEFAULT_RUNS,
    tags: Sequence[str] = (),
    settings: Path | None = None,
) -> list[str]:
    """robotdashboard's arguments: add ``outputs`` to ``database`` (each with the run ``tags``),
    remove all but the newest ``keep`` runs (0: none), and write ``html`` (dependencies embedded,
    ``settings`` the JSON of its settings on first load)."""
    args: list[str] = ["--jsonconfig", str(settings)] if settings else []
    for output in outputs:
        args += ["--outputpath", ":".join([str(output), *tags])]
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


@dataclass
class DashboardUpdate:
    """One ``robotdashboard`` run: ``begin`` starts it with the run's output.xml, ``finish`` waits
    for it and says whether the page was updated, ``stop`` ends it early."""

    results_dir: Path
    timeout: float | None = None  # seconds from begin (default DASHBOARD_TIMEOUT)
    problem: str | None = None  # why it could not be started
    process: subprocess.Popen[bytes] | None = None
    before: int | None = None  # the page's modification time before the update (None: no page)
    deadline: float = 0.0
    output: list[IO[bytes]] = field(default_factory=list)  # its stdout and stderr (temporary files)
    links: Path | None = None  # a temporary folder: the settings file and the named links to the outputs

    @property
    def html(self) -> Path:
        return self.results_dir / DASHBOARD_FILE

    def begin(
        self, outputs: Sequence[Path], environment: str | None = None, run: DashboardRun | None = None
    ) -> DashboardUpdate:
        """Start adding ``outputs`` (complete output.xml files) to the database and rebuilding the
        page; with ``run``, the (one) output is named and tagged as ``run`` says."""
        command = robotdashboard_command()
        if command is None:
            self.problem = "robotdashboard is not installed (pip install robotframework-dashboard)"
            return self
        database, html = self.results_dir / DATABASE_FILE, self.html
        tags: list[str] = []
        self.links = Path(tempfile.mkdtemp(prefix="smoke-dashboard-"))
        settings = self.links / "settings.json"
        settings.write_text(json.dumps(DASHBOARD_SETTINGS), encoding="utf-8")
        if run is not None:
            outputs, tags = [run.link(output, self.links) for output in outputs], [run.verdict]
        self.before = html.stat().st_mtime_ns if html.exists() else None
        if self.timeout is None:
            self.timeout = DASHBOARD_TIMEOUT
        self.deadline = time.monotonic() + self.timeout
        self.output = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]  # noqa: SIM115 - closed by finish/stop
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own tool with our own arguments
                [command, *dashboard_arguments(outputs, database, html, environment, runs_kept(), tags, settings)],
                cwd=self.results_dir,
                stdin=subprocess.DEVNULL,
                stdout=self.output[0],
                stderr=self.output[1],
                env={**os.environ, "NO_COLOR": "1"},
                preexec_fn=die_with_parent(),  # killed with the runner, even on SIGKILL (Linux)
            )
        except OSError as error:
            self._close()
            self.problem = f"robotdashboard could not be started: {error.strerror or error}"
        return self

    def finish(self) -> tuple[Path | None, str | None]:
        """Wait for ``robotdashboard`` (until ``timeout`` after ``begin``); return (the page, None)
        or (None, why it was not updated)."""
        if self.process is None:
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
        """Kill ``robotdashboard`` if it still runs, and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self._close()

    @staticmethod
    def _read(stream: IO[bytes]) -> str:
        stream.seek(0)
        return stream.read().decode("utf-8", errors="replace")

    def _close(self) -> None:
        for stream in self.output:
            stream.close()
        self.output = []
        if self.links is not None:
            shutil.rmtree(self.links, ignore_errors=True)
            self.links = None


def update_dashboard(
    results_dir: Path, outputs: Sequence[Path], environment: str | None = None, timeout: float | None = None
) -> tuple[Path | None, str | None]:
    """Add ``outputs`` (output.xml files) to ``results_dir/dashboard.db`` and rebuild
    ``results_dir/dashboard.html``; return (the page, None) or (None, why it was not updated)."""
    update = DashboardUpdate(results_dir, timeout).begin(outputs, environment)
    try:
        return update.finish()
    finally:
        update.stop()


def finish_update(update: DashboardUpdate) -> str | None:
    """Wait for ``update``; return a warning when the page was not updated, else None."""
    try:
        _page, problem = update.finish()
    finally:
        update.stop()
    if problem:
        return f"{update.html} not updated (verdict unchanged): {problem}"
    return None
