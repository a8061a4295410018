"""The trend dashboard (``robotdashboard``) starts as soon as the run's output.xml is written and
works while the runner writes the log, the report, the xUnit files, the metrics and the summary;
the runner waits for it (within its time limit) before the verdict. A failure or a time-out stays
a warning that leaves the verdict alone.

A stand-in ``robotdashboard`` proves the order without timing anything: it reads output.xml
completely, then waits for the run's summary (written after everything else) before it writes
the page, which only works when it runs alongside the rest."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from smoke_runner import dashboard, forkserver, runner
from smoke_runner.execution import ExecutionOutcome, ExecutionPlan
from smoke_runner.preflight import ReachabilityResult
from smoke_runner.run_options import Options
from tests.runner.helpers import run_robot

SUITE = """\
*** Test Cases ***
Api Is Up
    [Documentation]    Passes.
    Log    up
"""

#: A robotdashboard stand-in: notes what it found, waits (bounded) for the file named by
#: WAIT_FOR (a glob in the run folder), then writes the page named by --namedashboard.
STAND_IN = """\
#!{python}
import json, os, sys, time
from pathlib import Path
from robot.api import ExecutionResult
args = sys.argv[1:]
output = Path(args[args.index("--outputpath") + 1])
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


#: The run's fork server while a "forked" stand-in test runs (else empty: none).
SERVED: dict[str, str] = {}


@pytest.fixture(params=["cold", "warm", "forked"])
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The stand-in as ``robotdashboard``: started when output.xml is there ("cold", as any
    robotdashboard on PATH), or run by the warm process readied before ("warm", as this
    virtualenv's robotdashboard), forked from the run's fork server ("forked", on Linux)."""
    script = tmp_path / "robotdashboard"
    script.write_text(STAND_IN.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setattr(dashboard, "robotdashboard_command", lambda bin_dir=None: str(script))
    warm = request.param != "cold"
    monkeypatch.setattr(dashboard, "_warm_python", lambda command: sys.executable if warm else None)
    notes = tmp_path / "notes.json"
    monkeypatch.setenv("STAND_IN_NOTES", str(notes))
    if request.param != "forked":
        yield notes
        return
    if not forkserver.supported():
        pytest.skip("the fork server is Linux only")
    with forkserver.serving(sys.executable) as served:
        monkeypatch.setattr(sys.modules[__name__], "SERVED", served)
        yield notes


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Path]:
    """``runner._run_against`` a target that answers, with pabot replaced by an in-process robot run."""
    source = tmp_path / "health.robot"
    source.write_text(SUITE, encoding="utf-8")
    output = run_robot(source, tmp_path / "robot.xml")

    def fake_pabot(
        plan: ExecutionPlan, run_dir: Path, stream: object = None, on_output: object = None
    ) -> ExecutionOutcome:
        return ExecutionOutcome(run_dir / "output.xml", None, None, result=ExecutionResult(str(output)))

    monkeypatch.setattr(runner, "run_pabot", fake_pabot)
    monkeypatch.setattr(runner, "probe_target", lambda *args: ReachabilityResult(None, 200, 0.01))
    monkeypatch.setenv("SMOKE_RUN_ID", "overlap-test")
    options = Options(suites=["health"], results_dir=tmp_path / "results")
    plan = ExecutionPlan(sources=[source], processes=1, forkserver=SERVED)
    code, report = runner._run_against("http://127.0.0.1:9", options, {"health": source}, [], plan, 5.0)
    report()
    return code, tmp_path / "results"


def test_the_dashboard_reads_a_complete_output_while_the_rest_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAIT_FOR", "summary_*.txt")  # the last artifact of the run folder
    code, results = _run(tmp_path, monkeypatch)
    out = capsys.readouterr()
    assert code == 0, out
    # it got to the summary: the runner wrote it while the dashboard was still at work
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
    assert code == 0, out  # the verdict stays what the tests said
    assert "not updated (verdict unchanged): robotdashboard did not finish within 1 s" in out.err, out.err
    assert not (results / dashboard.DASHBOARD_FILE).exists()


def test_a_failing_dashboard_is_a_warning_with_its_last_line(tmp_path: Path, stand_in: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "output.xml").write_text("<robot/>", encoding="utf-8")
    update = dashboard.begin_after_run(dashboard.prepare_update(tmp_path, served=SERVED), tmp_path / "run")
    assert update is not None and update.process is not None
    assert ("robot_client.py" in " ".join(map(str, update.process.args))) == bool(SERVED)  # forked when served
    warning = dashboard.finish_after_run(update)  # the stand-in cannot read "<robot/>": exit code 1
    assert warning and "verdict unchanged" in warning and "exit code 1" in warning, warning
    assert update.output == [], "its output files are closed"


def test_a_readied_dashboard_without_output_ends_quietly(tmp_path: Path, stand_in: Path) -> None:
    """Readied while the suites ran, but no output.xml came (it could not be written): no warning."""
    update = dashboard.prepare_update(tmp_path, served=SERVED)
    assert dashboard.begin_after_run(update, tmp_path) is None
    assert update.process is None or update.process.poll() is not None
    assert dashboard.finish_after_run(update) is None
    assert not (tmp_path / dashboard.DASHBOARD_FILE).exists()


def test_this_virtualenvs_robotdashboard_runs_warm() -> None:
    command = dashboard.robotdashboard_command()
    if command is None or Path(command).parent != Path(sys.executable).parent:
        pytest.skip("robotdashboard is not installed in this virtualenv")
    assert dashboard._warm_python(command) == sys.executable
    assert dashboard._warm_python(str(Path(sys.executable).parent / "no-such-tool")) is None
