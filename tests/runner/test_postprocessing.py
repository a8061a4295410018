"""After pabot, the attempts are read once and output.xml, log.html and report.html written once.

The in-process merge must give exactly what ``rebot --merge --name Smoke --metadata ...`` gave
(the verdict, the xUnit files and the summary are computed from it), and must not hand a model
that ``_rerun_candidates`` changed to the merge.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import robot
import robot.api

from smoke_runner import execution
from smoke_runner.execution import RERUN_CANDIDATES, _merge, _rerun_candidates, write_results
from smoke_runner.model import load_results
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
    result, problem = _merge([first, rerun], rename=False)
    assert result is not None, problem
    written = tmp_path / "run"
    written.mkdir()
    assert write_results(result, written, metadata) is None
    assert _without_timestamps(written / "output.xml") == _without_timestamps(expected / "output.xml")
    assert output_metadata(written / "output.xml")["Verdict"] == metadata["Verdict"]
    for page in ("log.html", "report.html"):
        assert (written / page).stat().st_size > 10_000
        assert metadata["Verdict"] in (written / page).read_text(encoding="utf-8")
    from_model = load_results(result, {"workflows": source}, first, rerun)
    from_file = load_results(expected / "output.xml", {"workflows": source}, first, rerun)
    assert from_model == from_file
    assert [test.name for test in from_model.flaky] == ["Fails On The First Attempt"]


def test_a_run_without_a_rerun_reads_its_output_once(
    tmp_path: Path, attempts: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _source, first, _rerun = attempts
    reads: list[str] = []
    real = robot.api.ExecutionResult

    def counted(*sources: object, **options: object) -> object:
        reads.extend(str(source) for source in sources)
        return real(*sources, **options)

    monkeypatch.setattr(robot.api, "ExecutionResult", counted)
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert _rerun_candidates(first, workdir) == (first, [])  # every failure is worth a re-run
    result, _ = _merge([first], rename=False)
    assert result is not None
    assert reads == [str(first)]
    assert execution._last_read is None  # the merge let go of the model it took


def test_a_changed_file_is_read_again(tmp_path: Path, attempts: tuple[Path, Path, Path]) -> None:
    _source, first, rerun = attempts
    workdir = tmp_path / "work"
    workdir.mkdir()
    _rerun_candidates(first, workdir)
    first.write_bytes(rerun.read_bytes())  # another attempt under the same name
    result, _ = _merge([first], rename=False)
    assert result is not None
    assert {test.name: test.status for test in result.suite.all_tests} == {"Fails On The First Attempt": "PASS"}


def test_the_model_marked_for_the_rerun_is_not_the_merged_one(tmp_path: Path) -> None:
    """``_rerun_candidates`` marks setup failures PASS in a copy that tells --rerunfailed what to
    run; when the re-run then produces nothing, the merge must still see them failed."""
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "a_setup.robot").write_text(SETUP_FAILS, encoding="utf-8")
    (folder / "b_flow.robot").write_text(SUITE, encoding="utf-8")
    first = run_robot(folder, tmp_path / "first.xml")
    workdir = tmp_path / "work"
    workdir.mkdir()
    assert _rerun_candidates(first, workdir) == (workdir / RERUN_CANDIDATES, [])
    result, _ = _merge([first], rename=True)
    assert result is not None
    statuses = {test.name: test.status for test in result.suite.all_tests}
    assert statuses == {"Cannot Run": "FAIL", "Passes": "PASS", "Fails On The First Attempt": "FAIL"}
    assert result.suite.name == "Smoke"


def test_an_unreadable_output_is_an_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "first.xml"
    broken.write_text("<robot><suite", encoding="utf-8")
    result, problem = _merge([broken], rename=False)
    assert result is None and problem


def test_a_write_that_fails_is_reported(tmp_path: Path, attempts: tuple[Path, Path, Path]) -> None:
    _source, first, _rerun = attempts
    result, _ = _merge([first], rename=False)
    assert result is not None
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x", encoding="utf-8")
    problem = write_results(result, blocked, {"Verdict": "PROCEED"})
    assert problem and "output.xml" in problem
