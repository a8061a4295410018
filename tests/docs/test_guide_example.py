"""docs/adding-a-smoke-test.md cannot rot: its example is a real file that passes against the reference API.

* the guide's Robot code block is exactly ``docs/examples/lattice_deletion.robot``, its Python
  block exactly ``docs/examples/qa.py``, and the keywords it shows are in ``resources/lattices.resource``
  (its additions, the blocks marked ``guide:append=``, are applied by test_guide_executed.py);
* the example passes against a fresh reference API, with the guide's variables file, and its
  suite teardown leaves no row behind;
* the example follows the conventions the guide teaches (name, tags, documentation, timeout).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from robot.api import TestSuiteBuilder as SuiteBuilder

from tests.docs._markdown import REPO_ROOT, code_blocks
from tests.support.robot_run import RobotRun, run_suite
from tests.support.server import ReferenceApi

GUIDE = REPO_ROOT / "docs" / "adding-a-smoke-test.md"
EXAMPLE = REPO_ROOT / "docs" / "examples" / "lattice_deletion.robot"
VARIABLES = REPO_ROOT / "docs" / "examples" / "qa.py"
LATTICES = REPO_ROOT / "resources" / "lattices.resource"
TEST_NAME = "Lattice Deletion Flow"
TABLES = ("users", "subscriptions", "usage", "lattices", "webhooks", "webhook_deliveries")


def _blocks(language: str) -> list[str]:
    """The guide's code blocks in ``language``, except its additions (``guide:append=``, test_guide_executed.py)."""
    return [
        block.text
        for block in code_blocks(GUIDE)
        if block.language == language and not any(word.startswith("guide:append=") for word in block.info.split())
    ]


def test_guide_shows_the_example_file_exactly() -> None:
    robot_blocks = _blocks("robotframework")
    assert robot_blocks, "the guide has no robotframework code block"
    assert robot_blocks[0] == EXAMPLE.read_text(encoding="utf-8"), (
        "the first robotframework block of docs/adding-a-smoke-test.md must be exactly "
        "docs/examples/lattice_deletion.robot (copy the file into the guide after changing it)"
    )


def test_guide_shows_the_variables_file_exactly() -> None:
    python_blocks = _blocks("python")
    assert python_blocks == [VARIABLES.read_text(encoding="utf-8")], (
        "the guide's python block must be exactly docs/examples/qa.py"
    )


def test_keywords_shown_in_the_guide_are_the_real_ones() -> None:
    robot_blocks = _blocks("robotframework")
    assert len(robot_blocks) >= 2, "the guide must show the keywords it added"
    resource = LATTICES.read_text(encoding="utf-8")
    for keyword_block in robot_blocks[1:]:
        assert keyword_block.strip() in resource, (
            "a keyword block of the guide is not (or no longer) in resources/lattices.resource:\n" + keyword_block
        )


def test_example_follows_the_conventions_of_the_guide() -> None:
    suite = SuiteBuilder().build(str(EXAMPLE))
    assert [test.name for test in suite.tests] == [TEST_NAME]
    test = suite.tests[0]
    assert test.name.endswith(" Flow")
    assert {"workflow", "critical", "lattices"} <= set(test.tags)
    assert any(tag.startswith("guards:") for tag in test.tags), "the example declares its proof"
    assert test.doc.strip(), "the example test needs [Documentation]"
    assert str(test.timeout) == "30 seconds", "a smoke test stays under 30 seconds"
    assert suite.setup.name == "Create Test Identity"
    assert suite.teardown.name == "Remove Test Data"
    imports = {Path(item.name).name for item in suite.resource.imports if item.type == "RESOURCE"}
    workflows = SuiteBuilder().build(str(REPO_ROOT / "suites" / "workflows.robot"))
    assert imports == {Path(item.name).name for item in workflows.resource.imports if item.type == "RESOURCE"}


@pytest.fixture(scope="module")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RobotRun, dict[str, int]]:
    output_dir = tmp_path_factory.mktemp("guide-example")
    with ReferenceApi() as api:
        run = run_suite(
            EXAMPLE, api.base_url, output_dir / "results", extra_args=["--variablefile", str(VARIABLES)], timeout=120
        )
        path = api.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            left = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    return run, left


def test_example_passes_against_the_reference_api(example_run: tuple[RobotRun, dict[str, int]]) -> None:
    run, _ = example_run
    assert run.returncode == 0, run.stdout
    assert run.status(TEST_NAME) == "PASS", run.message(TEST_NAME)


def test_example_cleans_up_everything_it_created(example_run: tuple[RobotRun, dict[str, int]]) -> None:
    _, left = example_run
    assert not {table: count for table, count in left.items() if count}, f"the example left rows behind: {left}"
