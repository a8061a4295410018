"""``results/dashboard.html``: the trend dashboard of robotframework-dashboard (``robotdashboard``),
brought up to date after every run (one-shot and canary).

Each run's ``output.xml`` is added to ``results/dashboard.db`` (SQLite, beside ``history.jsonl``), and
the page is rebuilt from the whole database with its JavaScript and CSS embedded
(``--offlinedependencies``), so it opens on a CI agent without internet access. The dashboard is
optional: when ``robotdashboard`` is missing or fails, the run gets a warning and its verdict and
exit code stay what they are.

The runner starts ``robotdashboard`` (``start_update``) as soon as the run's ``output.xml`` is
written and lets it work while it writes the log, the report and its own artifacts; it then waits
for it (``DashboardUpdate.finish``, within ``DASHBOARD_TIMEOUT`` of its start).
"""

from __future__ import annotations

import contextlib
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

from smoke_runner import console
from smoke_runner.guard import die_with_parent
from smoke_runner.redact import redact

DASHBOARD_FILE = "dashboard.html"
DATABASE_FILE = "dashboard.db"
DASHBOARD_TITLE = "Smoke tests"
DASHBOARD_TIMEOUT = 120.0


def robotdashboard_command(bin_dir: Path | None = None) -> str | None:
    """The ``robotdashboard`` executable beside this Python (the virtualenv), else on PATH."""
    folder = bin_dir or Path(sys.executable).parent
    for candidate in (folder / "robotdashboard", folder / "robotdashboard.exe"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("robotdashboard")


def dashboard_arguments(
    outputs: Sequence[Path], database: Path, html: Path, environment: str | None = None
) -> list[str]:
    """robotdashboard's arguments: add ``outputs`` to ``database`` and write ``html`` (dependencies embedded)."""
    args: list[str] = []
    for output in outputs:
        args += ["--outputpath", str(output)]
    if environment:
        args += ["--customfilters", f"environment={environment}"]
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
    """One ``robotdashboard`` run, started by ``start_update``: ``finish`` waits for it and says
    whether the page was updated; ``stop`` ends it early (the run was interrupted)."""

    html: Path
    timeout: float = DASHBOARD_TIMEOUT
    problem: str | None = None  # why it could not be started
    process: subprocess.Popen[bytes] | None = None
    before: int | None = None  # the page's modification time before the update (None: no page)
    deadline: float = 0.0
    output: list[IO[bytes]] = field(default_factory=list)  # its stdout and stderr (temporary files)

    def finish(self) -> tuple[Path | None, str | None]:
        """Wait for ``robotdashboard`` (until ``timeout`` after its start); return (the page, None)
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
        """Kill ``robotdashboard`` if it still runs (and wait for it)."""
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


def start_update(
    results_dir: Path, outputs: Sequence[Path], environment: str | None = None, timeout: float | None = None
) -> DashboardUpdate:
    """Start adding ``outputs`` (complete output.xml files) to ``results_dir/dashboard.db`` and
    rebuilding ``results_dir/dashboard.html``; ``finish`` the returned update to know how it went
    (within ``timeout`` seconds of the start, by default ``DASHBOARD_TIMEOUT``)."""
    database, html = results_dir / DATABASE_FILE, results_dir / DASHBOARD_FILE
    update = DashboardUpdate(html, DASHBOARD_TIMEOUT if timeout is None else timeout)
    command = robotdashboard_command()
    if command is None:
        update.problem = "robotdashboard is not installed (pip install robotframework-dashboard)"
        return update
    update.before = html.stat().st_mtime_ns if html.exists() else None
    update.output = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]  # noqa: SIM115 - closed by finish/stop
    update.deadline = time.monotonic() + update.timeout
    try:
        update.process = subprocess.Popen(  # noqa: S603 - our own tool with our own arguments
            [command, *dashboard_arguments(outputs, database, html, environment)],
            cwd=results_dir,
            stdin=subprocess.DEVNULL,
            stdout=update.output[0],
            stderr=update.output[1],
            env={**os.environ, "NO_COLOR": "1"},
            preexec_fn=die_with_parent(),  # killed with the runner, even on SIGKILL (Linux)
        )
    except OSError as error:
        update._close()
        update.problem = f"robotdashboard could not be started: {error.strerror or error}"
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


def finish_after_run(update: DashboardUpdate | None) -> str | None:
    """Wait for ``start_after_run``'s update; print where the page is, or return a warning."""
    if update is None:
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
