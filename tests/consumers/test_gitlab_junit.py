"""What GitLab shows of the gate's JUnit files (issue 24, observation 5).

Default tier: the model of GitLab's JUnit parser (``_gitlab_model.py``, every rule cited) gives what
GitLab's own spec expects of its parser, and reads a real run's ``*_*.xml``; the strict xunit schema
(tests/runner/schemas/junit-10.xsd) is asked which of GitLab's needs it allows. Full tier
(``--full`` or ``SMOKE_TESTS_FULL=1``, with ``GITLAB_SOURCE``): GitLab's own parser, under Ruby
with ActiveSupport and Nokogiri (``gitlab/gitlab_view.rb``), reads the same files and gives exactly
what the model gives.

The tests named ``test_observation_5_*`` state what GitLab shows of what the runner writes: the
skip reason as text in both flavours; in GitLab's flavour (``--junit-flavour gitlab``, or
``SMOKE_JUNIT_FLAVOUR=gitlab``; smoke_runner/publish/junit.py) also the file of every test, the
failed tests' log.html as their attachment, and the flaky test as flaky. The default (strict)
flavour keeps validating against the strict xunit schema and is read right by junitparser.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.consumers import _gitlab_model, _harness, _runs
from tests.runner.helpers import JUNIT_SCHEMA

SPEC_CASES = Path(__file__).resolve().parent / "fixtures" / "gitlab-junit-spec-cases.json"
#: The JUnit files of a run that a GitLab job publishes. A run with ``--junit-flavour gitlab``
#: (``_runs.GITLAB_FLAVOUR``, or ``SMOKE_JUNIT_FLAVOUR=gitlab``) writes GitLab's flavour in place of the
#: strict files, under the same names.
GITLAB_FLAVOUR_FILES = "*_*.xml"
#: How GitLab's flavour names a flaky test (GitLab has no status for it and shows no output of a pass).
FLAKY_IN_GITLAB = f"{_runs.FLAKY} (flaky)"


def gitlab_view(run: _runs.Run) -> dict[str, _gitlab_model.GitlabCase]:
    """GitLab's test cases of one job that publishes the run's JUnit files, by test name."""
    cases = [case for path in sorted(run.folder.glob(GITLAB_FLAVOUR_FILES)) for case in _gitlab_model.read(path)]
    cases = [case for case in cases if case.name is not None]
    by_name = {case.name: case for case in cases if case.name}
    assert len(by_name) == len(cases), "two test cases with one name"
    return by_name


def shown(case: _gitlab_model.GitlabCase) -> str:
    """Everything of a test case that GitLab's Tests tab and its details show, as one text."""
    return " ".join(
        str(part) for part in (case.classname, case.name, case.file, case.system_output, case.attachment) if part
    )


@pytest.mark.parametrize(
    "case", json.loads(SPEC_CASES.read_text(encoding="utf-8"))["cases"], ids=lambda case: case["context"]
)
def test_the_model_gives_what_gitlabs_own_spec_expects(case: dict) -> None:
    (parsed,) = _gitlab_model.read_text(case["xml"])
    assert (parsed.classname, parsed.name, parsed.execution_time) == ("Calculator", "sumTest1", 0.01)
    assert parsed.status == case["status"]
    if "system_output" in case:
        assert parsed.system_output == case["system_output"]
    if "attachment" in case:
        assert parsed.attachment == case["attachment"]


def test_gitlab_counts_every_test_of_the_run(throwaway: _runs.Run) -> None:
    view = gitlab_view(throwaway)
    assert view[_runs.PASSED].status == "success"
    assert view[_runs.FAILED_TWICE].status == "failed"
    assert view[_runs.SKIPPED].status == "skipped"
    assert view[_runs.FLAKY].status == "success"  # it passed: GitLab has no other status for it
    assert len(view) == 3 + 10


def test_gitlab_shows_both_failures_of_a_test_that_failed_twice(throwaway: _runs.Run) -> None:
    failed = gitlab_view(throwaway)[_runs.FAILED_TWICE]
    assert isinstance(failed.system_output, str), failed
    assert _runs.FIRST_FAILURE in failed.system_output and _runs.SECOND_FAILURE in failed.system_output, failed


@pytest.mark.parametrize("flavour", ["throwaway", "throwaway_gitlab"])
def test_observation_5_gitlab_shows_the_skip_reason_as_text(flavour: str, request: pytest.FixtureRequest) -> None:
    skipped = gitlab_view(request.getfixturevalue(flavour))[_runs.SKIPPED]
    assert isinstance(skipped.system_output, str), f"GitLab gets {skipped.system_output!r}, not a text"
    assert skipped.system_output == _runs.SKIP_REASON


def test_observation_5_gitlab_shows_the_flaky_test_as_flaky(throwaway_gitlab: _runs.Run) -> None:
    view = gitlab_view(throwaway_gitlab)
    assert _runs.FLAKY not in view, "the flaky test is listed under its plain name"
    flaky = view[FLAKY_IN_GITLAB]
    assert flaky.status == "success", flaky  # it passed: GitLab has no other status for it
    assert "flaky" in shown(flaky).lower(), f"nothing GitLab shows of the flaky test says so: {flaky}"


def test_observation_5_gitlab_names_the_file_of_every_test(throwaway_gitlab: _runs.Run) -> None:
    view = gitlab_view(throwaway_gitlab)
    assert len(view) == 3 + 10
    files = {name: case.file for name, case in view.items()}
    assert all(files.values()), files
    assert files[_runs.FAILED_TWICE].endswith("suites/health.robot"), files
    assert files[FLAKY_IN_GITLAB].endswith("suites/workflows.robot"), files


def test_observation_5_gitlab_links_a_failed_tests_log(throwaway_gitlab: _runs.Run) -> None:
    """The attachment is the run's log.html, as the job's artifacts name it (relative to the project folder)."""
    view = gitlab_view(throwaway_gitlab)
    failed = view[_runs.FAILED_TWICE]
    project = throwaway_gitlab.folder.parent.parent  # the folder the job ran in (results/ is in it)
    assert failed.attachment == f"results/{throwaway_gitlab.folder.name}/log.html", failed
    assert (project / failed.attachment).is_file()
    assert isinstance(failed.system_output, str) and _runs.SECOND_FAILURE in failed.system_output, failed
    assert all(case.attachment is None for name, case in view.items() if name != _runs.FAILED_TWICE)


def test_observation_5_the_default_flavour_stays_strict(throwaway: _runs.Run, throwaway_gitlab: _runs.Run) -> None:
    """The default JUnit validates against the strict xunit schema; GitLab's flavour does not (its
    ``file`` attribute), which is why it is an option."""
    for path in throwaway.junit_files():
        assert _schema_errors(path) == [], path
    gitlab_errors = [error for path in throwaway_gitlab.junit_files() for error in _schema_errors(path)]
    assert gitlab_errors and all("'file'" in error for error in gitlab_errors), gitlab_errors
    assert not any(case.file for path in throwaway.junit_files() for case in _gitlab_model.read(path))


@pytest.mark.parametrize("flavour", ["throwaway", "throwaway_gitlab"])
def test_observation_5_junitparser_counts_both_flavours(flavour: str, request: pytest.FixtureRequest) -> None:
    """junitparser (a JUnit reader of its own) counts every test of both flavours and reads the skip reason."""
    from junitparser import Failure, JUnitXml, Skipped

    run: _runs.Run = request.getfixturevalue(flavour)
    cases = [case for path in run.junit_files() for suite in JUnitXml.fromfile(str(path)) for case in suite]
    assert len(cases) == 3 + 10
    results = {case.name: case.result for case in cases}
    (failure,) = [name for name, result in results.items() if any(isinstance(item, Failure) for item in result)]
    assert failure == _runs.FAILED_TWICE
    (skipped,) = [item for result in results.values() for item in result if isinstance(item, Skipped)]
    assert skipped.message == _runs.SKIP_REASON and skipped.text == _runs.SKIP_REASON


def _schema_errors(path: Path) -> list[str]:
    import xmlschema

    schema = xmlschema.XMLSchema(str(JUNIT_SCHEMA))
    return [str(error).splitlines()[0] for error in schema.iter_errors(str(path))]


def test_the_strict_schema_allows_skip_text_and_attachments_but_not_a_file(
    throwaway: _runs.Run, tmp_path: Path
) -> None:
    """What GitLab needs, asked of junit-10.xsd (Jenkins' xunit plugin) with the project's own files."""
    health = next(throwaway.folder.glob("health_*.xml"))
    assert _schema_errors(health) == []

    def variant(name: str, change: Callable[[dict[str, ET.Element]], None]) -> Path:
        tree = ET.parse(health)
        cases = {case.get("name"): case for case in tree.getroot().iter("testcase")}
        change(cases)
        path = tmp_path / name
        tree.write(path, encoding="utf-8", xml_declaration=True)
        return path

    def skip_text(cases: dict[str, ET.Element]) -> None:
        skipped = cases[_runs.SKIPPED].find("skipped")
        skipped.text = skipped.get("message")

    def attachment(cases: dict[str, ET.Element]) -> None:
        ET.SubElement(cases[_runs.FAILED_TWICE], "system-out").text = "[[ATTACHMENT|results/20260101_000000/log.html]]"

    def file_attribute(cases: dict[str, ET.Element]) -> None:
        for case in cases.values():
            case.set("file", "suites/health.robot")

    assert _schema_errors(variant("skip-text.xml", skip_text)) == []
    assert _schema_errors(variant("attachment.xml", attachment)) == []
    errors = _schema_errors(variant("file.xml", file_attribute))
    assert errors and all("'file'" in error for error in errors), errors


# --- full tier: GitLab's own parser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def gitlab() -> _harness.Source:
    return _harness.gitlab_source()


def _real(gitlab: _harness.Source, files: list[Path], work: Path) -> list[dict]:
    return _harness.run_gitlab_harness(gitlab, files, work)


_EMPTY = _gitlab_model.GitlabCase("", "success", None, None, None, 0.0, None, None)
FIELDS = tuple(asdict(_EMPTY))


def _agree(gitlab: _harness.Source, files: list[Path], work: Path) -> list[dict]:
    seen = _real(gitlab, files, work)
    real = sorted(json.dumps({key: line[key] for key in FIELDS}, sort_keys=True) for line in seen)
    model = sorted(json.dumps(asdict(case), sort_keys=True) for path in files for case in _gitlab_model.read(path))
    assert real == model
    return seen


@pytest.mark.full
def test_gitlabs_parser_agrees_with_the_model_on_its_own_spec_cases(gitlab: _harness.Source, tmp_path: Path) -> None:
    for number, case in enumerate(json.loads(SPEC_CASES.read_text(encoding="utf-8"))["cases"]):
        path = tmp_path / f"case-{number}.xml"
        path.write_text(case["xml"], encoding="utf-8")
        _agree(gitlab, [path], tmp_path / f"work-{number}")


@pytest.mark.full
def test_gitlabs_parser_agrees_with_the_model_on_the_runs(
    gitlab: _harness.Source, throwaway: _runs.Run, demo: _runs.Run, tmp_path: Path
) -> None:
    for run in (throwaway, demo):
        seen = _agree(gitlab, run.junit_files(), tmp_path / run.folder.name)
        assert len(seen) == sum(len(ET.parse(path).getroot().findall(".//testcase")) for path in run.junit_files())


@pytest.mark.full
def test_observation_5_gitlabs_parser_on_the_demo_run(gitlab: _harness.Source, demo: _runs.Run, tmp_path: Path) -> None:
    """A ``--demo`` run (GitLab's flavour) with a flaky workflow, read by GitLab's parser: flaky
    visible, file, skip text."""
    seen = {line["name"]: line for line in _real(gitlab, sorted(demo.folder.glob(GITLAB_FLAVOUR_FILES)), tmp_path)}
    flaky = seen[f"{_runs.DEMO_FLAKY} (flaky)"]
    text = " ".join(str(flaky[key]) for key in ("classname", "name", "file", "system_output") if flaky[key])
    assert "flaky" in text.lower(), flaky
    assert all(line["file"] for line in seen.values()), [line["name"] for line in seen.values() if not line["file"]]
    skipped = [line for line in seen.values() if line["status"] == "skipped"]
    assert skipped and all(line["system_output_class"] == "String" for line in skipped), skipped
