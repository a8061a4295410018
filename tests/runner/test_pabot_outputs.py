"""pabot runs with ``--no-rebot``; the runner combines the outputs of its processes itself
(``combine_attempt``) and must get what pabot's own merge gave: one top suite ``Smoke`` (only with
several sources), its suites in pabot's order (its processes', which runs them sorted by name) with
the ids s1-s1, s1-s2, ..., every test with its status and message. A re-run is merged with
``rebot --merge`` semantics, and a run stopped at its time limit still yields the results its
processes left."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import robot
from robot.api import ExecutionResult

from smoke_runner.execute.pabot import TOP_SUITE_NAME, ExecutionPlan, attempt_outputs, child_environment, pabot_command
from smoke_runner.merge.combine import combine_attempt
from smoke_runner.merge.results import load_results
from smoke_runner.pipeline import execute_suites
from smoke_runner.processes.guard import Guard
from tests.runner.helpers import run_robot

PASSES = """\
*** Test Cases ***
First Passes
    [Documentation]    Passes.
    Log    fine
Second Passes
    [Documentation]    Passes too.
    Log    fine
"""
FAILS = """\
*** Test Cases ***
Always Fails
    [Documentation]    Fails on every attempt.
    Fail    the usage counter did not move
Passes Beside It
    [Documentation]    Passes.
    Log    fine
"""
SETUP_FAILS = """\
*** Settings ***
Suite Setup    Fail    cannot connect to /health

*** Test Cases ***
Never Runs
    [Documentation]    Its suite setup fails.
    Log    never
"""
FLAKY = """\
*** Test Cases ***
Fails Only On The First Attempt
    [Documentation]    Fails until its marker file exists (it creates it on the first attempt).
    ${seen} =    Evaluate    os.path.exists(os.environ['FLAKY_MARKER'])    modules=os
    IF    not ${seen}
        Evaluate    open(os.environ['FLAKY_MARKER'], 'w').close()    modules=os
        Fail    first attempt failed
    END
"""
SLOW = """\
*** Test Cases ***
Quick One
    [Documentation]    Passes at once.
    Log    fine
Takes Far Too Long
    [Documentation]    Outlives the run's time limit.
    Sleep    120 s
"""

BIN = Path(sys.executable).parent


def _sources(tmp_path: Path, **suites: str) -> list[Path]:
    folder = tmp_path / "suites"
    folder.mkdir(exist_ok=True)
    paths = []
    for name, text in suites.items():
        path = folder / f"{name}.robot"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _pabot(plan: ExecutionPlan, *args: str, cwd: Path) -> None:
    subprocess.run(  # noqa: S603 - the venv's pabot
        [str(BIN / "pabot"), *args],
        cwd=cwd,
        env=child_environment(os.environ, plan.env, BIN),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _shape(result: robot.result.Result) -> list[tuple[str, ...]]:
    """Every suite and test: id, name, source, status, message (what the verdict is made of)."""
    rows: list[tuple[str, ...]] = [("top", result.suite.name, str(result.suite.status))]
    suites = [result.suite]
    while suites:
        suite = suites.pop(0)
        rows.append((suite.id, suite.name, str(suite.source), suite.status, suite.message))
        suites.extend(suite.suites)
    for test in result.suite.all_tests:
        rows.append((test.id, test.full_name, test.status, test.message, " ".join(test.tags)))
    return rows


def test_the_combined_attempt_is_what_pabots_merge_gave(tmp_path: Path) -> None:
    """Three suites on two processes (more suites than processes), one with failures, one whose
    setup fails: the combination equals pabot's merged output, suite by suite and test by test."""
    sources = _sources(tmp_path, zeta=PASSES, alpha=FAILS, mid=SETUP_FAILS)  # not in alphabetical order
    plan = ExecutionPlan(sources=sources, processes=2, bin_dir=BIN)
    merged_dir = tmp_path / "merged"
    merged_dir.mkdir()
    command = pabot_command(plan, merged_dir)
    command.remove("--no-rebot")
    _pabot(plan, "--output", "merged.xml", *command, cwd=merged_dir)
    expected = ExecutionResult(str(merged_dir / "merged.xml"))
    own = tmp_path / "own"
    own.mkdir()
    _pabot(plan, *pabot_command(plan, own), cwd=own)
    outputs = attempt_outputs(own)
    assert [path.relative_to(own).as_posix() for path in outputs] == [
        f"pabot_results/{index}/output.xml" for index in range(3)
    ]
    combined, problems = combine_attempt(outputs, TOP_SUITE_NAME)
    assert combined is not None and problems == []
    assert _shape(combined) == _shape(expected)
    # pabot runs (and merged) the suites sorted by name, whatever the order of the sources
    assert [suite.name for suite in combined.suite.suites] == ["Alpha", "Mid", "Zeta"]
    assert [suite.id for suite in combined.suite.suites] == ["s1-s1", "s1-s2", "s1-s3"]
    assert combined.suite.name == "Smoke" and combined.suite.status == "FAIL"
    assert combined.statistics.total.passed == expected.statistics.total.passed == 3
    assert combined.statistics.total.failed == expected.statistics.total.failed == 2
    first_start = min(suite.start_time for suite in combined.suite.suites)
    last_end = max(suite.end_time for suite in combined.suite.suites)
    top = combined.suite
    assert top.start_time <= first_start and top.end_time >= last_end  # it spans its processes' runs
    assert top.elapsed_time == top.end_time - top.start_time


def test_one_source_keeps_its_own_name(tmp_path: Path) -> None:
    """``--suite health``: one source, no ``--name``; the top suite is the suite itself."""
    (source,) = _sources(tmp_path, health=FAILS)
    plan = ExecutionPlan(sources=[source], processes=2, bin_dir=BIN)
    assert "--name" not in pabot_command(plan, tmp_path)
    outcome = execute_suites(_planned(plan), Guard(), stream=None)
    assert outcome.result is not None, outcome
    assert outcome.result.suite.name == "Health" and outcome.result.suite.id == "s1"
    statuses = {test.name: test.status for test in outcome.result.suite.all_tests}
    assert statuses == {"Always Fails": "FAIL", "Passes Beside It": "PASS"}
    assert outcome.rerun is not None, "the failure was re-run"
    results = load_results(outcome.result, {"health": source}, outcome.first, outcome.rerun)
    assert [(suite.key, suite.ran, suite.failed, suite.passed) for suite in results.suites] == [("health", True, 1, 1)]
    failed = next(test for test in results.tests if test.failed)
    assert failed.rerun and failed.message.endswith("(the same on the first attempt and the re-run)"), failed


def test_an_output_that_cannot_be_read_is_left_out_and_named(tmp_path: Path) -> None:
    sources = _sources(tmp_path, zeta=PASSES, alpha=FAILS)
    outputs = []
    for index, source in enumerate(sources):
        folder = tmp_path / "pabot_results" / str(index)
        folder.mkdir(parents=True)
        robot.run(
            *map(str, sources),
            name=TOP_SUITE_NAME,
            suite=f"{TOP_SUITE_NAME}.{source.stem.title()}",
            output=str(folder / "output.xml"),
            log="NONE",
            report="NONE",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
        outputs.append(folder / "output.xml")
    text = outputs[0].read_text(encoding="utf-8")
    outputs[0].write_text(text[: len(text) // 2], encoding="utf-8")  # a process killed while writing
    assert attempt_outputs(tmp_path) == outputs
    combined, problems = combine_attempt(outputs, TOP_SUITE_NAME)
    assert combined is not None
    assert [suite.name for suite in combined.suite.suites] == ["Alpha"]
    assert len(problems) == 1 and "pabot process 0 could not be read" in problems[0], problems
    assert combine_attempt(outputs[:1], TOP_SUITE_NAME)[0] is None


def test_a_failure_that_passes_on_the_rerun_is_merged_as_rebot_merges_it(tmp_path: Path) -> None:
    sources = _sources(tmp_path, health=PASSES, workflows=FLAKY, extra=FAILS)
    plan = ExecutionPlan(
        sources=sources, processes=2, bin_dir=BIN, env={"FLAKY_MARKER": str(tmp_path / "marker")}, time_limit=300
    )
    lines: list[str] = []
    outcome = execute_suites(_planned(plan), Guard(), stream=lines.append)
    assert outcome.result is not None and not outcome.warnings, (outcome.warnings, lines)
    assert outcome.first is not None and outcome.rerun is not None
    assert "Re-running failed tests once to detect flaky tests ..." in lines
    top = outcome.result.suite
    assert top.name == "Smoke" and [suite.name for suite in top.suites] == ["Extra", "Health", "Workflows"]
    statuses = {test.name: test.status for test in top.all_tests}
    assert statuses == {
        "First Passes": "PASS",
        "Second Passes": "PASS",
        "Fails Only On The First Attempt": "PASS",
        "Always Fails": "FAIL",
        "Passes Beside It": "PASS",
    }
    flaky = next(test for test in top.all_tests if test.name == "Fails Only On The First Attempt")
    assert "Test has been re-executed and results merged" in flaky.message and "first attempt failed" in flaky.message
    # the re-run ran only the suites with failures: its own result holds nothing else
    assert [suite.name for suite in outcome.rerun.suite.suites] == ["Extra", "Workflows"]
    results = load_results(
        outcome.result, dict(zip(("health", "workflows", "extra"), sources)), outcome.first, outcome.rerun
    )
    assert [test.name for test in results.flaky] == ["Fails Only On The First Attempt"]


def test_a_healthy_attempt_is_not_rerun_and_leaves_no_work_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing to re-run: one attempt, and pabot's work folder (argument files) is gone afterwards."""
    sources = _sources(tmp_path, health=PASSES, workflows=PASSES.replace("Passes", "Works"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # the work folder is made here
    outcome = execute_suites(_planned(ExecutionPlan(sources=sources, processes=1, bin_dir=BIN)), Guard(), stream=None)
    assert outcome.result is not None and outcome.first is None and outcome.rerun is None
    assert [suite.name for suite in outcome.result.suite.suites] == ["Health", "Workflows"]
    assert outcome.result.statistics.total.passed == 4
    assert list(temporary.iterdir()) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_a_run_stopped_at_its_time_limit_keeps_what_ran(tmp_path: Path) -> None:
    sources = _sources(tmp_path, health=PASSES, workflows=SLOW)
    outcome = execute_suites(
        _planned(ExecutionPlan(sources=sources, processes=2, bin_dir=BIN, time_limit=10)), Guard(), stream=None
    )
    assert outcome.time_limit_error is not None and "did not finish within 10 s" in outcome.time_limit_error
    assert outcome.result is not None, "the processes' outputs were there to combine"
    statuses = {test.name: test.status for test in outcome.result.suite.all_tests}
    # the suite that finished keeps its results; pabot marks every test of the stopped one failed
    assert statuses == {
        "First Passes": "PASS",
        "Second Passes": "PASS",
        "Quick One": "FAIL",
        "Takes Far Too Long": "FAIL",
    }
    stopped = next(test for test in outcome.result.suite.all_tests if test.name == "Takes Far Too Long")
    assert "interrupted" in stopped.message, stopped.message
    assert outcome.rerun is None, "no re-run after the time limit"


def _robot_output(tmp_path: Path, index: int, text: str) -> Path:
    source = tmp_path / f"suite{index}.robot"
    source.write_text(text, encoding="utf-8")
    folder = tmp_path / "pabot_results" / str(index)
    folder.mkdir(parents=True, exist_ok=True)
    return run_robot(source, folder / "output.xml")


FAKE_PABOT = """#!{python}
import os, shutil, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # a pabot that ignores the graceful stop
args = sys.argv[1:]
results = os.path.join(args[args.index("--outputdir") + 1], "pabot_results")
for number, prepared in enumerate(os.environ["FAKE_OUTPUTS"].split(os.pathsep)):
    os.makedirs(os.path.join(results, str(number)))
    shutil.copy(prepared, os.path.join(results, str(number), "output.xml"))
print("every process has ended", flush=True)
time.sleep(float(os.environ["FAKE_LINGER"]))
sys.exit(0)
"""


@pytest.mark.skipif(os.name == "nt", reason="a POSIX script stands in for pabot")
def test_a_pabot_that_does_not_end_is_killed_at_the_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pabot leaves complete outputs, then hangs and ignores SIGINT: it is killed at the time limit
    (after the grace period), the run is marked incomplete, and what it left is kept."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pabot"
    script.write_text(FAKE_PABOT.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    (tmp_path / "prepared").mkdir()
    outputs = [_robot_output(tmp_path / "prepared", number, PASSES) for number in range(2)]
    monkeypatch.setenv("FAKE_OUTPUTS", os.pathsep.join(str(output) for output in outputs))
    monkeypatch.setenv("FAKE_LINGER", "600")
    sources = _sources(tmp_path, health=PASSES, workflows=PASSES)
    plan = ExecutionPlan(sources=sources, processes=2, bin_dir=bin_dir, time_limit=2)
    started = time.monotonic()
    outcome = execute_suites(_planned(plan), Guard(), stream=None)
    assert time.monotonic() - started < 30, "the hanging pabot was not stopped"
    assert outcome.time_limit_error is not None
    assert outcome.result is not None and outcome.result.statistics.total.passed == 4


def _planned(plan: ExecutionPlan) -> ExecutionPlan:
    """``plan`` with the environment of this test process (pabot starts robot from PATH)."""
    plan.env = child_environment(os.environ, dict(plan.env), plan.bin_dir)
    return plan
