"""Keyword documentation names no variable that does not exist when the keyword runs.

Robot Framework resolves variables in a user keyword's ``[Documentation]`` every time the keyword
runs; a ``${response}`` that is only an example (``| ${response} = | Get Anonymously | ... |``) is
looked up, not found, and Robot computes "did you mean" suggestions over every variable name
before ignoring the error: about a thousand times a run, a measurable share of the gate's time
(issue 12). Robot resolves the documentation *before* the keyword's arguments exist, in the caller's
scope, so even an argument's name is looked up there. Example variables and argument names are
therefore written ``\\${response}`` (libdoc shows ``${response}``); only global variables
(``${HEALTH_PATH}``, ``${OWNER_SESSION}``) stay unescaped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from robot.running.builder import ResourceFileBuilder
from robot.utils import normalize
from robot.variables.search import VariableMatches

from tests.docs._markdown import REPO_ROOT

RESOURCES = sorted((REPO_ROOT / "resources").glob("*.resource"))
#: Robot's built-in variables a keyword's documentation may name.
BUILT_IN = {"${EMPTY}", "${SPACE}", "${TRUE}", "${FALSE}", "${NONE}", "${TEST NAME}", "${SUITE NAME}", "${CURDIR}"}


def _key(name: str) -> str:
    """``${LATTICE_2D: dict}`` -> ``lattice2d`` (Robot's matching: case, spaces, underscores ignored)."""
    return normalize(name[2:-1].split(": ")[0], ignore="_")


def global_variables() -> set[str]:
    """Normalised names of the variables every suite has: variables/*.resource (with their
    variable files: the default API profile) and variables/environment.py."""
    names = {_key(name) for name in BUILT_IN}
    for resource in sorted((REPO_ROOT / "variables").glob("*.resource")):
        model = ResourceFileBuilder().build(resource)
        names |= {_key(variable.name) for variable in model.variables}
        for item in model.imports:
            if item.type == "VARIABLES":
                names |= _variable_file_names(resource.parent / item.name)
    names |= _variable_file_names(REPO_ROOT / "variables" / "environment.py")
    return names


def _variable_file_names(path: Path) -> set[str]:
    from robot.variables.filesetter import VariableFileSetter
    from robot.variables.store import VariableStore
    from robot.variables.variables import Variables

    store = VariableStore(Variables())
    VariableFileSetter(store).set(str(path))
    return {_key(name) for name in store.as_dict(decoration=True)}


def unknown_doc_variables(resource: Path, known: set[str]) -> list[str]:
    """``keyword: ${name}`` for every unescaped variable in a keyword's documentation that is not
    a global variable (arguments do not count: the documentation is resolved before they exist)."""
    problems = []
    for keyword in ResourceFileBuilder().build(resource).keywords:
        for match in VariableMatches(keyword.doc, identifiers="$@&%"):
            # ${identity.email}, ${user}[id]: the variable is what comes before the extended part
            base = normalize(re.split(r"[.\[]", match.base or "")[0], ignore="_")
            if base not in known:
                problems.append(f"{resource.name}: {keyword.name}: {match.identifier}{{{match.base}}}")
    return problems


@pytest.fixture(scope="module")
def known() -> set[str]:
    return global_variables()


@pytest.mark.parametrize("resource", RESOURCES, ids=[path.name for path in RESOURCES])
def test_keyword_docs_name_only_existing_variables(resource: Path, known: set[str]) -> None:
    problems = unknown_doc_variables(resource, known)
    assert not problems, (
        "keyword documentation names variables that do not exist when the keyword runs "
        "(write examples as \\${name}):\n" + "\n".join(problems)
    )


def test_an_example_variable_in_a_doc_is_found(tmp_path: Path, known: set[str]) -> None:
    """The check fails on the defect it exists for, and accepts the escaped spelling."""
    resource = tmp_path / "example.resource"
    body = (
        "*** Keywords ***\nGet Thing\n    [Documentation]    Gets it.\n    ...\n"
        "    ...    | {response} = | Get Thing | ${{id}} | ${{BASE_URL}} |\n"
        "    [Arguments]    ${{id}}\n    RETURN    ${{id}}\n"
    )
    resource.write_text(body.format(response="${response}"), encoding="utf-8")
    assert unknown_doc_variables(resource, known) == [
        "example.resource: Get Thing: ${response}",
        "example.resource: Get Thing: ${id}",  # an argument: it does not exist yet either
    ]
    resource.write_text(body.format(response="\\${response}").replace("| ${id}", "| \\${id}"), encoding="utf-8")
    assert unknown_doc_variables(resource, known) == []
