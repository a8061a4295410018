"""What Jenkins' Robot Framework plugin shows of the gate's output.xml (issue 24, observation 1).

Default tier: the model of the plugin's parser (``_jenkins_model.py``, every rule cited) reproduces
the plugin's own test expectations on a fixture from its test data, and reads a real run's
output.xml. Full tier (``--full`` or ``SMOKE_TESTS_FULL=1``, with ``JENKINS_ROBOT_PLUGIN_SOURCE``):
the plugin's own ``RobotParser``, model classes and ``${ROBOT_FAILEDCASES}`` macro, compiled with
javac against stubs of Jenkins (``jenkins/``), read the same files and see exactly what the model
sees; and they never read ``<meta>``.

The tests named ``test_observation_1_*`` state what the Jenkins page shows now that the runner
writes the re-run's story as plain text and the verdict into the top suite's documentation
(``smoke_runner/publish/readable.py``; issue 24, "What to build"); ``test_observation_9_*`` that the
test pages no longer list the ``guards:`` proof tags.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.consumers import _harness, _jenkins_model, _runs
from tests.runner.helpers import output_metadata

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "robot-plugin-model-output.xml"
#: Markup of Robot's HTML messages (the re-run merge writes ``*HTML* <span class="merge">...<hr>...<br>``);
#: a message that quotes an HTML body it received is text and is not matched.
MARKUP = re.compile(r"^\*HTML\*|<span class=\"|<hr>|<br>")


def test_the_model_reproduces_the_plugins_own_expectations() -> None:
    """jenkinsci/robot-plugin's RobotResultTest.java (lines 57-115) on its fixture model/output.xml."""
    view = _jenkins_model.read(FIXTURE)
    assert view.suite("Othercases & Testcases").description == "Exampledocumentation"  # line 60
    hello = [case for case in view.cases if case.path == "Othercases & Testcases.Hello"]
    assert [case.description for case in hello] == ["Test"]  # line 82
    failer = [case for case in view.cases if case.path == "Othercases & Testcases.Othercases.Failer"]
    assert [case.message.strip() for case in failer] == ["Test failed miserably!"]  # line 104
    assert len(view.cases) == 22  # line 109
    assert sum(case.status == "FAIL" for case in view.cases) == 10  # line 114


def test_the_plugin_shows_every_test_with_its_status(throwaway: _runs.Run) -> None:
    view = _jenkins_model.read(throwaway.output_xml)
    statuses = {case.path.rsplit(".", 1)[-1]: case.status for case in view.cases}
    assert statuses[_runs.PASSED] == "PASS"
    assert statuses[_runs.FAILED_TWICE] == "FAIL"
    assert statuses[_runs.SKIPPED] == "SKIP"
    assert statuses[_runs.FLAKY] == "PASS"
    assert view.case(_runs.SKIPPED).message == _runs.SKIP_REASON


def _assert_readable(message: str, *parts: str) -> None:
    assert not MARKUP.search(message), f"the Jenkins page shows this message escaped, markup and all: {message!r}"
    for part in parts:
        assert part in message, f"the message does not tell {part!r}: {message!r}"


def test_observation_1_jenkins_shows_the_rerun_story_as_plain_text(throwaway: _runs.Run) -> None:
    """The test page, the failed-tests list, ${ROBOT_FAILEDCASES} and Blue Ocean show the message as text."""
    view = _jenkins_model.read(throwaway.output_xml)
    _assert_readable(view.case(_runs.FAILED_TWICE).message, _runs.FIRST_FAILURE, _runs.SECOND_FAILURE)
    _assert_readable(view.case(_runs.FLAKY).message, _runs.FLAKY_FAILURE)
    _assert_readable(view.failed_cases_token(), _runs.SECOND_FAILURE)


def test_observation_1_the_verdict_reaches_the_jenkins_plugin(throwaway: _runs.Run) -> None:
    """The plugin reads no metadata: the verdict must be in the top suite's documentation, as text."""
    metadata = output_metadata(throwaway.output_xml)
    top = _jenkins_model.read(throwaway.output_xml).suites[0]
    assert "ROLLBACK" in top.description, f"the top suite's description (the plugin's page) is {top.description!r}"
    assert metadata["Verdict Reason"] in top.description, (top.description, metadata)
    assert top.description.startswith("Verdict: ROLLBACK (exit code 30)"), top.description
    assert not MARKUP.search(top.description), top.description


def test_observation_1_the_rerun_story_says_what_happened_at_each_attempt(throwaway: _runs.Run) -> None:
    """Flaky: it passed on the re-run, and the first failure; failed twice: both attempts' messages, in order."""
    view = _jenkins_model.read(throwaway.output_xml)
    flaky = view.case(_runs.FLAKY).message
    assert flaky.startswith("Flaky: passed on the re-run. The first attempt failed: "), flaky
    twice = view.case(_runs.FAILED_TWICE).message
    assert twice.startswith("Failed on both attempts."), twice
    assert twice.index(_runs.FIRST_FAILURE) < twice.index(_runs.SECOND_FAILURE), twice
    assert view.case(_runs.PASSED).message == ""  # a test that ran once keeps its own message


def test_observation_9_the_test_pages_show_no_proof_tags(throwaway: _runs.Run) -> None:
    """The suites declare ``guards:`` proofs (the throwaway suite too); the plugin's tag row shows none."""
    view = _jenkins_model.read(throwaway.output_xml)
    assert view.case(_runs.FAILED_TWICE).tags == ("health",), view.case(_runs.FAILED_TWICE)
    shown = {tag for case in view.cases for tag in case.tags}
    assert not {tag for tag in shown if tag.lower().startswith("guards")}, shown
    assert "flaky" in view.case(_runs.FLAKY).tags  # and the flaky test says so (observation 8)


@pytest.mark.full
def test_observation_9_the_demo_runs_test_pages_show_no_proof_tags(demo: _runs.Run) -> None:
    """The real suites declare a proof beside every test: none reaches the plugin's tag rows."""
    view = _jenkins_model.read(demo.output_xml)
    shown = {tag for case in view.cases for tag in case.tags}
    assert shown and not {tag for tag in shown if tag.lower().startswith("guards")}, shown
    assert "flaky" in view.case(_runs.DEMO_FLAKY).tags


# --- full tier: the plugin's own parser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin's parser, model and token macro compiled with the stubs: the classes folder."""
    source = _harness.jenkins_plugin_source()
    return _harness.compile_jenkins_harness(source, tmp_path_factory.mktemp("robot-plugin"))


def _agree(plugin: Path, output_xml: Path) -> list[dict]:
    """Run the plugin on ``output_xml`` and check that it sees what the model sees; its view."""
    seen = _harness.run_jenkins_harness(plugin, output_xml)
    model = _jenkins_model.read(output_xml)
    suites = sorted((line["path"], line["description"]) for line in seen if line["kind"] == "suite")
    assert suites == sorted((suite.path, suite.description) for suite in model.suites)
    cases = sorted(
        (line["path"], line["status"], line["message"], line["description"], tuple(line["tags"]))
        for line in seen
        if line["kind"] == "case"
    )
    assert cases == sorted((case.path, case.status, case.message, case.description, case.tags) for case in model.cases)
    (token,) = [line["value"] for line in seen if line["kind"] == "token"]
    assert token == model.failed_cases_token()
    return seen


@pytest.mark.full
def test_the_plugins_parser_agrees_with_the_model_on_its_own_fixture(plugin: Path, tmp_path: Path) -> None:
    copy = tmp_path / "output.xml"
    copy.write_bytes(FIXTURE.read_bytes())
    seen = _agree(plugin, copy)
    (result,) = [line for line in seen if line["kind"] == "result"]
    assert (result["total"], result["failed"]) == (22, 10)


@pytest.mark.full
def test_the_plugins_parser_agrees_with_the_model_on_the_runs(
    plugin: Path, throwaway: _runs.Run, demo: _runs.Run
) -> None:
    for run in (throwaway, demo):
        seen = _agree(plugin, run.output_xml)
        (result,) = [line for line in seen if line["kind"] == "result"]
        statuses = [test.find("status").get("status") for test in ET.parse(run.output_xml).getroot().iter("test")]
        assert result["total"] == len(statuses)
        assert result["failed"] == statuses.count("FAIL")
        assert result["skipped"] == statuses.count("SKIP")


@pytest.mark.full
def test_the_plugin_never_reads_suite_metadata(plugin: Path, demo: _runs.Run, tmp_path: Path) -> None:
    """Every ``<meta>`` value replaced by a marker: no marker reaches anything the plugin shows."""
    tree = ET.parse(demo.output_xml)
    metas = list(tree.getroot().iter("meta"))
    assert {meta.get("name") for meta in metas} >= {"Verdict", "Verdict Reason"}
    for number, meta in enumerate(metas):
        meta.text = f"METADATA-MARKER-{number}"
    copy = tmp_path / "output.xml"
    tree.write(copy, encoding="UTF-8", xml_declaration=True)
    shown = "\n".join(str(value) for line in _harness.run_jenkins_harness(plugin, copy) for value in line.values())
    assert "METADATA-MARKER-" not in shown


@pytest.mark.full
def test_observation_1_the_plugins_parser_shows_the_demo_rerun_as_plain_text(plugin: Path, demo: _runs.Run) -> None:
    """A ``--demo`` run with a flaky workflow and a health check that fails twice, read by the plugin."""
    seen = _harness.run_jenkins_harness(plugin, demo.output_xml)
    cases = {line["name"]: line for line in seen if line["kind"] == "case"}
    for name in (_runs.DEMO_FLAKY, _runs.DEMO_FAILED_TWICE):
        _assert_readable(cases[name]["message"])
    (token,) = [line["value"] for line in seen if line["kind"] == "token"]
    _assert_readable(token, _runs.DEMO_FAILED_TWICE)
    top = next(line for line in seen if line["kind"] == "suite")
    assert "ROLLBACK" in top["description"], top
