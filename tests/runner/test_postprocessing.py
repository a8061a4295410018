"""After pabot, the attempts are merged in the runner's process and output.xml, log.html and
report.html written once.

The in-process merge must give exactly what ``rebot --merge --name Smoke --metadata ...`` gave
(the verdict, the JUnit files and the summary are computed from it), and the copy that tells
``--rerunfailed`` what to run must never be the merged result.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import robot
from robot.api import ExecutionResult

from smoke_runner.merge.combine import configure, merge_attempts
from smoke_runner.merge.results import load_results
from smoke_runner.publish.pages import write_output, write_pages
from smoke_runner.rerun.policy import RERUN_CANDIDATES, choose_reruns, rerun_input
from tests.runner.helpers import output_metadata, run_robot

SUITE = """\
*** Settings ***
Suite Setup    Log    setup

*** Test Cases ***
Passes
    [Documentation]    Always passes.
    Log    fine

Fails On The First Attempt
    [Documentation]    Fails unless ATTEMPT is second.
    Should Be Equal    ${ATTEMPT}    second    first attempt failed

*** Variables ***
${ATTEMPT}    first
"""

SETUP_FAILS = """\
*** Settings ***
Suite Setup    Fail    the setup failed

*** Test Cases ***
Cannot Run
    [Documentation]    Its setup fails.
    Log    never
"""


def _without_timestamps(path: Path) -> str:
    return re.sub(r' generated="[^"]*"', "", path.read_text(encoding="utf-8"))


@pytest.fixture
def attempts(tmp_path: Path) -> tuple[Path, Path, Path]:
    source = tmp_path / "workflows.robot"
    source.write_text(SUITE, encoding="utf-8")
    first = run_robot(source, tmp_path / "first.xml")
    rerun = run_robot(source, tmp_path / "rerun.xml", variable=["ATTEMPT:second"], rerunfailed=str(first))
    return source, first, rerun


def test_the_merge_and_the_single_write_give_what_rebot_gave(tmp_path: Path, attempts: tuple[Path, Path, Path]) -> None:
    source, first, rerun = attempts
    metadata = {"Verdict": "MONITOR (exit code 10) - flaky: a: b", "Run ID": "run-1"}
    expected = tmp_path / "rebot"
    robot.rebot(
        str(first),
        str(rerun),
        merge=True,
        metadata=[f"{name}:{value}" for name, value in metadata.items()],
        outputdir=str(expected),
        output="output.xml",
        log="log.html",
        report="report.html",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    result, problem = merge_attempts(first, rerun)
    assert result is not None, problem
    result = configure(result, None)
    written = tmp_path / "run"
    written.mkdir()
    assert write_output(result, written, metadata) is None
    assert write_pages(result, written) is None
    assert _without_timestamps(written / "output.xml") == _without_timestamps(expected / "output.xml")
    assert output_metadata(written / "output.xml")["Verdict"] == metadata["Verdict"]
    for page in ("log.html", "report.html"):
        assert (written / page).stat().st_size > 10_000
        assert metadata["Verdict"] in (written / page).read_text(encoding="utf-8")
    from_model = load_results(result, {"workflows": source}, ExecutionResult(str(first)), ExecutionResult(str(rerun)))
    from_file = load_results(
        ExecutionResult(str(expected / "output.xml")),
        {"workflows": source},
        ExecutionResult(str(first)),
        ExecutionResult(str(rerun)),
    )
    assert from_model == from_file
    assert [test.name for test in from_model.flaky] == ["Fails On The First Attempt"]


def test_every_failure_worth_a_rerun_reruns_from_the_first_output_itself(
    tmp_path: Path, attempts: tuple[Path, Path, Path]
) -> None:
    _source, first, _rerun = attempts
    choice = choose_reruns(ExecutionResult(str(first)))
    assert choice.worth and not choice.measured and not choice.setup_failed
    assert rerun_input(first, choice, tmp_path) == first  # no copy is written


def test_the_copy_marked_for_the_rerun_is_not_the_first_attempt(tmp_path: Path) -> None:
    """``rerun_input`` marks setup failures PASS in a copy that tells --rerunfailed what to run;
    the first attempt itself still has them failed."""
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "a_setup.robot").write_text(SETUP_FAILS, encoding="utf-8")
    (folder / "b_flow.robot").write_text(SUITE, encoding="utf-8")
    first = run_robot(folder, tmp_path / "first.xml")
    workdir = tmp_path / "work"
    workdir.mkdir()
    choice = choose_reruns(ExecutionResult(str(first)))
    assert choice.setup_failed == ["Cannot Run"] and choice.worth == ["Suites.B Flow.Fails On The First Attempt"]
    candidates = rerun_input(first, choice, workdir)
    assert candidates == workdir / RERUN_CANDIDATES
    marked = {test.name: test.status for test in ExecutionResult(str(candidates)).suite.all_tests}
    assert marked == {"Cannot Run": "PASS", "Passes": "PASS", "Fails On The First Attempt": "FAIL"}
    statuses = {test.name: test.status for test in ExecutionResult(str(first)).suite.all_tests}
    assert statuses == {"Cannot Run": "FAIL", "Passes": "PASS", "Fails On The First Attempt": "FAIL"}


def test_an_unreadable_output_is_an_error_not_a_crash(tmp_path: Path, attempts: tuple[Path, Path, Path]) -> None:
    _source, first, _rerun = attempts
    broken = tmp_path / "rerun-broken.xml"
    broken.write_text("<robot><suite", encoding="utf-8")
    result, problem = merge_attempts(first, broken)
    assert result is None and problem


def test_a_write_that_fails_is_reported(tmp_path: Path, attempts: tuple[Path, Path, Path]) -> None:
    _source, first, _rerun = attempts
    result = ExecutionResult(str(first))
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    problem = write_output(result, blocked, {"Verdict": "PROCEED"})
    assert problem and "output.xml" in problem
