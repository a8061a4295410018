"""The trend dashboard (``robotdashboard``) starts as soon as the run's output.xml is written and
works while the runner writes the log, the report, the JUnit files and the metrics; the runner
waits for it (within its time limit) before the summary and the verdict. A failure or a time-out
stays a warning that leaves the verdict alone.

A stand-in ``robotdashboard`` proves the order without timing anything: it reads output.xml
completely, then waits for the run's metrics file (written after the pages and the JUnit files)
before it writes the page, which only works when it runs alongside the rest."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from smoke_runner import pipeline
from smoke_runner.configure.options import Options
from smoke_runner.configure.settings import TimeSettings
from smoke_runner.decide.evidence import PlannedTest
from smoke_runner.pipeline import Execution, RunConfiguration, Target
from smoke_runner.preflight.checks import ReachabilityResult
from smoke_runner.processes.guard import Guard
from smoke_runner.publish import dashboard
from tests.runner.helpers import run_robot

SUITE = """\
*** Test Cases ***
Api Is Up
    [Documentation]    Passes.
    Log    up
"""

#: A robotdashboard stand-in: notes what it found, waits (bounded) for the file named by
#: WAIT_FOR (a glob in the run folder), then writes the page named by --namedashboard. The runner
#: hands it ``output_<environment>_<run>.xml:<verdict>``, a link to the run's output.xml.
STAND_IN = """\
#!{python}
import json, os, sys, time
from pathlib import Path
from robot.api import ExecutionResult
args = sys.argv[1:]
output = Path(args[args.index("--outputpath") + 1].split(":")[0]).resolve()  # PATH:TAG, a link into the run
page = Path(args[args.index("--namedashboard") + 1])
seen = {{"tests": ExecutionResult(str(output)).suite.test_count}}
Path(os.environ["STAND_IN_NOTES"]).write_text(json.dumps(seen))
deadline = time.monotonic() + float(os.environ.get("STAND_IN_PATIENCE", "60"))
while not list(output.parent.glob(os.environ["WAIT_FOR"])):
    if time.monotonic() > deadline:
        print("gave up waiting for " + os.environ["WAIT_FOR"], file=sys.stderr)
        sys.exit(4)
    time.sleep(0.05)
page.write_text("<html>dashboard</html>")
"""


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The stand-in as ``robotdashboard``."""
    script = tmp_path / "robotdashboard"
    script.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setattr(dashboard, "robotdashboard_command", lambda bin_dir=None: str(script))
    notes = tmp_path / "notes.json"
    monkeypatch.setenv("STAND_IN_NOTES", str(notes))
    yield notes


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    """``pipeline.run_once`` against a target that answers, with pabot replaced by an in-process robot run."""
    source = tmp_path / "health.robot"
    source.write_text(SUITE, encoding="utf-8")
    output = run_robot(source, tmp_path / "robot.xml")

    def fake_execute(context: object) -> Execution:
        return Execution(result=ExecutionResult(str(output)))

    monkeypatch.setattr(pipeline, "execute", fake_execute)
    monkeypatch.setattr(pipeline, "probe_target", lambda *args: ReachabilityResult(None, 200, 0.01))
    monkeypatch.setenv("SMOKE_RUN_ID", "overlap-test")
    options = Options(suites=["health"], results_dir=tmp_path / "results", dashboard=True)
    configuration = RunConfiguration(options, TimeSettings(30, 5, 60), {"health": source}, [], Guard())
    configuration.selected, configuration.foreign = [PlannedTest("health", "Api Is Up")], ["health"]
    code, report = pipeline.run_once(configuration, Target("http://127.0.0.1:9"))
    report()
    return code, tmp_path / "results"


def test_the_dashboard_reads_a_complete_output_while_the_rest_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAIT_FOR", "metrics_*.prom")  # written after the pages and the JUnit files
    code, results = _run(tmp_path, monkeypatch)
    out = capsys.readouterr()
    assert code == 10, out  # a suite from outside the repository: MONITOR at best
    # it got to the metrics file: the runner wrote it while the dashboard was still at work
    assert (results / dashboard.DASHBOARD_FILE).read_text() == "<html>dashboard</html>", out.err
    notes = stand_in.read_text()
    assert '"tests": 1' in notes, notes  # output.xml was complete when it started
    lines = out.out.splitlines()
    updated = next(index for index, line in enumerate(lines) if line.startswith("== Dashboard updated: "))
    verdict = next(index for index, line in enumerate(lines) if line.startswith("VERDICT: "))
    assert updated < verdict, lines  # waited for before the verdict is printed
    assert "WARNING" not in out.err, out.err


def test_a_dashboard_that_does_not_finish_in_time_is_stopped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAIT_FOR", "never-written")
    monkeypatch.setenv("STAND_IN_PATIENCE", "60")
    monkeypatch.setattr(dashboard, "DASHBOARD_TIMEOUT", 1.0)
    code, results = _run(tmp_path, monkeypatch)
    out = capsys.readouterr()
    assert code == 10, out  # the verdict stays what the tests said (MONITOR: a suite from outside the repository)
    assert "not updated (verdict unchanged): robotdashboard did not finish within 1 s" in out.err, out.err
    assert not (results / dashboard.DASHBOARD_FILE).exists()


def test_a_failing_dashboard_is_a_warning_with_its_last_line(tmp_path: Path, stand_in: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "output.xml").write_text("<robot/>", encoding="utf-8")
    update = dashboard.DashboardUpdate(tmp_path).begin([tmp_path / "run" / "output.xml"])
    assert update.process is not None
    warning = dashboard.finish_update(update)  # the stand-in cannot read "<robot/>": exit code 1
    assert warning and "verdict unchanged" in warning and "exit code 1" in warning, warning
    assert update.output == [], "its output files are closed"
