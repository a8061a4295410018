"""``results/dashboard.html`` after three real runs, opened in headless Chromium with every host name
unresolvable (offline): the page's own scripts render the three runs."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from smoke_runner.configure.options import Options
from smoke_runner.publish.dashboard import (
    DASHBOARD_FILE,
    DATABASE_FILE,
    DEFAULT_RUNS,
    dashboard_arguments,
    dashboard_wanted,
    robotdashboard_command,
)
from tests.runner.helpers import run_runner
from tests.support.server import ReferenceApi
from tests.support.suite_model import names_of

pytestmark = pytest.mark.suites

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_tools = pytest.mark.skipif(
    CHROMIUM is None or robotdashboard_command() is None, reason="needs Debian's chromium and robotframework-dashboard"
)
RUNS = 3
#: Chromium without any network but loopback: every host name fails to resolve.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND"


def chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            OFFLINE,
            f"--user-data-dir={cwd / 'chromium-profile'}",
            "--virtual-time-budget=10000",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_dashboard_is_kept_when_asked_for_in_canary_mode_and_once_it_exists(tmp_path: Path) -> None:
    """A one-shot run in a fresh results folder (a CI workspace) spends no robotdashboard on a page of
    one run; --dashboard, canary mode or a database already there keep it up to date."""
    assert not dashboard_wanted(Options(results_dir=tmp_path))
    assert dashboard_wanted(Options(results_dir=tmp_path, dashboard=True))
    assert dashboard_wanted(Options(results_dir=tmp_path, every=60.0))
    (tmp_path / DATABASE_FILE).touch()
    assert dashboard_wanted(Options(results_dir=tmp_path))


def test_dashboard_arguments_embed_the_dependencies_and_use_the_database_beside_history(tmp_path: Path) -> None:
    args = dashboard_arguments([tmp_path / "run" / "output.xml"], tmp_path / DATABASE_FILE, tmp_path / DASHBOARD_FILE)
    assert args[args.index("--offlinedependencies") + 1] == "true"
    assert args[args.index("--databasepath") + 1] == str(tmp_path / DATABASE_FILE)
    assert args[args.index("--removeruns") + 1] == f"limit={DEFAULT_RUNS}"


def test_the_dashboard_keeps_the_newest_runs_only_as_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three runs added one after another with ``SMOKE_DASHBOARD_RUNS=2``: the database keeps the
    newest two (the page's build time and size grow with every run it keeps)."""
    from smoke_runner.publish import dashboard

    if robotdashboard_command() is None:
        pytest.skip("needs robotframework-dashboard")
    suite = tmp_path / "one.robot"
    suite.write_text("*** Test Cases ***\nPasses\n    No Operation\n", encoding="utf-8")
    outputs = []
    for number in range(3):
        output = tmp_path / f"run{number}" / "output.xml"
        ran = subprocess.run(
            [sys.executable, "-m", "robot", "--output", str(output), "--log", "NONE", "--report", "NONE", str(suite)],
            capture_output=True,
            check=False,
        )
        assert ran.returncode == 0, ran.stdout
        outputs.append(output)
    monkeypatch.setenv(dashboard.RUNS_VARIABLE, "2")
    for output in outputs:
        page, problem = dashboard.update_dashboard(tmp_path, [output])
        assert problem is None and page is not None
    with sqlite3.connect(tmp_path / DATABASE_FILE) as database:
        kept = [row[0] for row in database.execute("SELECT path FROM runs ORDER BY run_start")]
    assert [Path(path).parent.name for path in kept] == ["run1", "run2"]


@pytest.mark.parametrize("value", ["-1", "ten", "2.5", "٣"])
def test_a_dashboard_run_count_that_is_not_a_whole_number_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smoke_runner.publish import dashboard

    monkeypatch.setenv(dashboard.RUNS_VARIABLE, value)
    with pytest.raises(ValueError, match="SMOKE_DASHBOARD_RUNS must be a whole number"):
        dashboard.runs_kept()
    monkeypatch.setenv(dashboard.RUNS_VARIABLE, "0")
    assert "--removeruns" not in dashboard_arguments([Path("o.xml")], Path("d.db"), Path("d.html"), keep=0)


@pytest.mark.full
@needs_tools
def test_dashboard_shows_three_runs_offline_in_chromium(tmp_path: Path) -> None:
    """... named by environment and run (``staging_<run>``, issue 24 observation 8), each tagged with
    its verdict."""
    results = tmp_path / "results"
    with ReferenceApi() as api:
        for number in range(RUNS):  # --dashboard once: later runs keep the dashboard they find up to date
            asked = ["--dashboard"] if number == 0 else []
            one_test = ["--suite", "health", "--test", names_of("health")[0], "--no-rerun"]
            run = run_runner(
                [*one_test, "--environment", "staging", *asked],
                results,
                env={"PRODUCTION_URL": api.base_url, "ALLOW_PLAINTEXT_CREDENTIALS": "1", "SMOKE_VENV": sys.prefix},
            )  # this virtualenv: robotdashboard is in it
            assert run.returncode == 10, run.console  # one health check: a partial run, MONITOR at best
            assert "Dashboard updated" in run.stdout, run.console
    page = results / DASHBOARD_FILE
    assert page.is_file() and (results / DATABASE_FILE).is_file() and (results / "history.jsonl").is_file()
    html = page.read_text(encoding="utf-8")
    external = re.findall(r"<(?:script|link)\b[^>]*(?:src|href)=[\"'](?:https?:)?//[^\"']+", html)
    assert not external, f"the dashboard loads from the network: {external[:3]}"

    dom = chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f"Run Statistics ({RUNS})" in dom.stdout and f"showing {RUNS} of {RUNS} runs" in dom.stdout, (
        re.findall(r"showing \d+ of \d+ runs|Run Statistics \(\d+\)", dom.stdout)[:3] or dom.stdout[:2000]
    )
    # observation 8: the runs are listed by environment and run (not "output"), with the verdict as run tag
    runs = sorted(path.name for path in results.iterdir() if path.is_dir() and path.name[:1].isdigit())
    assert len(runs) == RUNS
    compare = re.search(r'<select[^>]*id="compareRun1"[^>]*>(.*?)</select>', dom.stdout, re.DOTALL)
    assert compare, "the dashboard has no run comparison list"
    listed = re.findall(r'<option value="([^"]+)"', compare.group(1))
    assert sorted(name for name in listed if name != "None") == [f"staging_{run}" for run in runs], listed
    tags = set(re.findall(r'id="runTagCheckBox([A-Z]+)"', dom.stdout))
    assert tags == {"MONITOR"}, tags


def test_a_missing_or_failing_robotdashboard_is_only_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smoke_runner.publish import dashboard

    run_dir = tmp_path / "20261201_120000"
    run_dir.mkdir()
    (run_dir / "output.xml").write_text("<robot/>", encoding="utf-8")
    monkeypatch.setattr(dashboard, "robotdashboard_command", lambda bin_dir=None: None)
    missing = dashboard.finish_update(dashboard.DashboardUpdate(tmp_path).begin([run_dir / "output.xml"]))
    assert missing and "robotdashboard is not installed" in missing
    failing = tmp_path / "robotdashboard"
    failing.write_text("#!/bin/sh\necho 'cannot read output.xml' >&2\nexit 3\n", encoding="utf-8")
    failing.chmod(0o755)
    monkeypatch.setattr(dashboard, "robotdashboard_command", lambda bin_dir=None: str(failing))
    warning = dashboard.finish_update(dashboard.DashboardUpdate(tmp_path).begin([run_dir / "output.xml"]))
    assert warning and "verdict unchanged" in warning and "exit code 3" in warning
    assert "cannot read output.xml" in warning
    assert not (tmp_path / DASHBOARD_FILE).exists()
