"""Every test of the suites declares a proof that can be run, in a form the project's tests can read.

These checks need no server (the ``unit`` ones no process either): they read the ``guards:`` tags
(tests/support/suite_model.py). The proof runs themselves are ``test_proof_*`` in tests/health,
tests/workflows and tests/profiles, grouped (tests/test_proof_groups.py); run them all with
``.venv/bin/python -m pytest tests/ -k proof``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from robot.api import ExecutionResult

from reference_api.faults import KNOWN_FAULTS
from reference_api.mutations import Mutation
from smoke_runner.merge.combine import TAGSTAT_EXCLUDE as RUNNER_TAGSTAT_EXCLUDE
from smoke_runner.merge.combine import configure
from smoke_runner.publish.pages import write_output
from tests.support.suite_model import (
    PROOF_PREFIX,
    REPO_ROOT,
    STAND_INS,
    SUITE_NAMES,
    TAGSTAT_EXCLUDE,
    VARIABLE_PREFIX,
    ProofDeclarationError,
    SuiteTest,
    parse_proof,
    suite_tests,
)

pytestmark = pytest.mark.suites

ALL_TESTS = [test for suite in SUITE_NAMES for test in suite_tests(suite)]
IDS = [f"{test.suite}-{test.name.replace(' ', '_')}" for test in ALL_TESTS]
VARIABLES_TEXT = "\n".join(path.read_text(encoding="utf-8") for path in (REPO_ROOT / "variables").glob("*.resource"))


@pytest.mark.unit
@pytest.mark.parametrize("test", ALL_TESTS, ids=IDS)
def test_proofs_every_test_declares_one(test: SuiteTest) -> None:
    assert test.proofs, f"{test.suite} / {test.name} declares no guards: tag (docs/adding-a-smoke-test.md)"


@pytest.mark.unit
@pytest.mark.parametrize("test", ALL_TESTS, ids=IDS)
def test_proofs_name_known_faults_valid_mutations_and_known_stand_ins(test: SuiteTest) -> None:
    for proof in test.proofs:
        if proof.kind == "fault":
            assert proof.spec in KNOWN_FAULTS, (
                f"{test.name}: guards:{proof.spec} is no fault of the reference API; "
                f"known faults: {', '.join(sorted(KNOWN_FAULTS))}; or declare a mutation (guards:mutate:...)"
            )
        elif proof.kind == "mutate":
            Mutation.parse(proof.spec)  # raises with what a valid spec looks like
        else:
            assert proof.spec in STAND_INS, f"{test.name}: unknown stand-in {proof.spec!r}; known: {sorted(STAND_INS)}"


@pytest.mark.unit
@pytest.mark.parametrize("test", ALL_TESTS, ids=IDS)
def test_proofs_set_only_variables_the_suites_have(test: SuiteTest) -> None:
    for name in test.variables:
        assert re.search(rf"^[$@&]\{{{re.escape(name)}(:[^}}]*)?\}}", VARIABLES_TEXT, re.MULTILINE), (
            f"{test.name}: guards-with:{name}=... names no variable of variables/*.resource"
        )


@pytest.mark.unit
@pytest.mark.parametrize("test", ALL_TESTS, ids=IDS)
def test_proofs_tags_hold_no_robot_variable_syntax(test: SuiteTest) -> None:
    """Robot resolves ``${...}`` in tags when it runs: a declared text must be matched as written."""
    for tag in test.tags:
        if tag.startswith((PROOF_PREFIX, VARIABLE_PREFIX)):
            assert not re.search(r"[$@&%]\{", tag), f"{test.name}: {tag!r} holds Robot variable syntax"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("guards:tenant_leak", ("fault", "tenant_leak", None)),
        ("guards:tenant_leak -> Read another user's lattice", ("fault", "tenant_leak", "Read another user's lattice")),
        (
            "guards:mutate:GET /health:status=500 -> disagrees -> twice",
            ("mutate", "GET /health:status=500", "disagrees -> twice"),
        ),
        ("guards:stand-in:catch-all", ("stand-in", "catch-all", None)),
    ],
)
def test_proofs_tags_are_read_as_documented(tag: str, expected: tuple[str, str, str | None]) -> None:
    assert parse_proof(tag) == expected


@pytest.mark.unit
@pytest.mark.parametrize("tag", ["guards:", "guards:mutate:", "guards:tenant_leak -> "])
def test_proofs_an_empty_declaration_is_refused(tag: str) -> None:
    with pytest.raises(ProofDeclarationError):
        parse_proof(tag)


def test_proofs_tags_are_kept_out_of_the_report_statistics(tmp_path: Path) -> None:
    """The output the runner writes (its in-process merge and write) drops ``guards*`` from the tag
    statistics, and only those tags."""
    assert TAGSTAT_EXCLUDE in RUNNER_TAGSTAT_EXCLUDE
    suite = tmp_path / "tagged.robot"
    suite.write_text(
        "*** Test Cases ***\nTagged\n    [Documentation]    A test with proof tags.\n    [Tags]\n"
        "    ...    security\n    ...    guards:tenant_leak -> Read another\n    ...    guards-with:SLA_SAMPLES=3\n"
        "    No Operation\n",
        encoding="utf-8",
    )
    first, run_dir = tmp_path / "first.xml", tmp_path / "run"
    run_dir.mkdir()
    robot_cli = [sys.executable, "-m", "robot", "--output", str(first), "--log", "NONE", "--report", "NONE", str(suite)]
    subprocess.run(robot_cli, capture_output=True, check=True, timeout=120)
    result = configure(ExecutionResult(str(first)), "Smoke")
    assert write_output(result, run_dir, {"Verdict": "PROCEED"}) is None
    tag_statistics = ElementTree.parse(run_dir / "output.xml").getroot().findall("./statistics/tag/stat")
    assert [stat.text for stat in tag_statistics] == ["security"]
