"""``results/dashboard.html``: the trend dashboard of robotframework-dashboard (``robotdashboard``),
brought up to date after every run (one-shot and canary).

Each run's ``output.xml`` is added to ``results/dashboard.db`` (SQLite, beside ``history.jsonl``), and
the page is rebuilt from the whole database with its JavaScript and CSS embedded
(``--offlinedependencies``), so it opens on a CI agent without internet access. The dashboard is
optional: when ``robotdashboard`` is missing or fails, the run gets a warning and its verdict and
exit code stay what they are.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from smoke_runner import console
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


def update_dashboard(
    results_dir: Path, outputs: Sequence[Path], environment: str | None = None, timeout: float = DASHBOARD_TIMEOUT
) -> tuple[Path | None, str | None]:
    """Add ``outputs`` (output.xml files) to ``results_dir/dashboard.db`` and rebuild
    ``results_dir/dashboard.html``; return (the page, None) or (None, why it was not updated)."""
    command = robotdashboard_command()
    if command is None:
        return None, "robotdashboard is not installed (pip install robotframework-dashboard)"
    database, html = results_dir / DATABASE_FILE, results_dir / DASHBOARD_FILE
    before = html.stat().st_mtime_ns if html.exists() else None
    try:
        completed = subprocess.run(  # noqa: S603 - our own tool with our own arguments
            [command, *dashboard_arguments(outputs, database, html, environment)],
            cwd=results_dir,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    except subprocess.TimeoutExpired:
        return None, f"robotdashboard did not finish within {timeout:g} s"
    except OSError as error:
        return None, f"robotdashboard could not be started: {error.strerror or error}"
    if completed.returncode != 0 or not html.exists() or html.stat().st_mtime_ns == before:
        lines = [line.strip() for line in (completed.stderr or completed.stdout).splitlines() if line.strip()]
        detail = redact(lines[-1][:300]) if lines else "no output"
        return None, f"robotdashboard failed (exit code {completed.returncode}): {detail}"
    return html, None


def refresh_after_run(results_dir: Path, run_dir: Path, environment: str | None = None) -> str | None:
    """Add the run's ``output.xml`` (if the tests ran) to the dashboard; return a warning, or None."""
    output = run_dir / "output.xml"
    if not output.exists():  # the preflight failed or nothing ran: no Robot results to add
        return None
    page, problem = update_dashboard(results_dir, [output], environment)
    if problem:
        return f"{results_dir / DASHBOARD_FILE} not updated (verdict unchanged): {problem}"
    console.step(f"Dashboard updated: {page}")
    return None
