"""Every request of the suites goes through a guarded session (a suite-level check: it holds again
when a test is added to ``suites/*.robot`` or a keyword to ``resources/*.resource``).

RequestsLibrary's sessionless keywords (``GET    ${url}``) and a session opened without
`Guard Requests Of Session` would bypass SmokeLibrary's transport: the run's origin pin (nothing to
another host), the total deadline and size cap of each answer, no redirect with credentials, and
the registration of each answer's secrets before RequestsLibrary logs it. The files are read with
Robot Framework's own parser (``robot.api.parsing``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from robot.api.parsing import Keyword, KeywordCall, ModelVisitor, get_model, get_resource_model
from robot.api.parsing import TestCase as RobotTest

pytestmark = [pytest.mark.suites, pytest.mark.unit]

REPO = Path(__file__).resolve().parent.parent
ROBOT_FILES = sorted([*REPO.glob("suites/*.robot"), *REPO.glob("resources/*.resource")])
#: RequestsLibrary's keywords that send a request without a session (as Robot normalises names).
SESSIONLESS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
#: RequestsLibrary's keywords that open a session: the same keyword must guard it.
OPENS_A_SESSION = frozenset(
    {"createsession", "createcustomsession", "createclientcertsession", "createdigestsession", "createntlmsession"}
)
GUARD = "guardrequestsofsession"


def _normal(name: str) -> str:
    """A keyword name as Robot matches it (case, spaces and underscores ignored), without its library prefix."""
    bare = name.rsplit(".", 1)[-1] if name.lower().startswith("requestslibrary.") else name
    return bare.lower().replace(" ", "").replace("_", "")


class _Calls(ModelVisitor):  # type: ignore[misc]
    """Per test or keyword of a file: the keywords it calls, in order, with their lines."""

    def __init__(self) -> None:
        self.bodies: dict[str, list[tuple[str, int]]] = {}
        self._current = ""

    def visit_Keyword(self, node: Keyword) -> None:  # noqa: N802 - Robot's visitor protocol
        self._current = f"keyword '{node.name}'"
        self.bodies[self._current] = []
        self.generic_visit(node)

    def visit_TestCase(self, node: RobotTest) -> None:  # noqa: N802 - Robot's visitor protocol
        self._current = f"test '{node.name}'"
        self.bodies[self._current] = []
        self.generic_visit(node)

    def visit_KeywordCall(self, node: KeywordCall) -> None:  # noqa: N802 - Robot's visitor protocol
        if self._current and node.keyword:
            self.bodies[self._current].append((_normal(node.keyword), node.lineno))


def unguarded_requests(path: Path) -> list[str]:
    """Sessionless requests, and sessions opened without being guarded in the same keyword, in ``path``."""
    model = get_resource_model(path) if path.suffix == ".resource" else get_model(path)
    calls = _Calls()
    calls.visit(model)
    problems = []
    for where, body in calls.bodies.items():
        names = [name for name, _ in body]
        for index, (name, line) in enumerate(body):
            if name in SESSIONLESS:
                problems.append(f"{path.name}:{line} {where}: a request without a session ({name.upper()})")
            elif name in OPENS_A_SESSION and GUARD not in names[index + 1 :]:
                problems.append(f"{path.name}:{line} {where}: a session opened without 'Guard Requests Of Session'")
    return problems


def test_every_request_of_the_suites_goes_through_a_guarded_session() -> None:
    problems = [problem for path in ROBOT_FILES for problem in unguarded_requests(path)]
    assert not problems, (
        "requests that bypass SmokeLibrary's guarded transport (use the keywords of resources/http.resource: "
        "Get Anonymously, Post Anonymously, Get As...):\n" + "\n".join(problems)
    )


def test_the_check_finds_a_sessionless_request_and_an_unguarded_session(tmp_path: Path) -> None:
    suite = tmp_path / "bypass.robot"
    suite.write_text(
        "*** Settings ***\nLibrary    RequestsLibrary\n\n*** Test Cases ***\nSessionless\n"
        "    [Documentation]    A request without a session.\n    ${answer} =    GET    https://example.com/\n"
        "    RequestsLibrary.Post    https://example.com/\n\n*** Keywords ***\nOpen Plain Session\n"
        "    [Documentation]    A session nobody guards.\n    Create Session    plain    https://example.com\n",
        encoding="utf-8",
    )
    problems = unguarded_requests(suite)
    assert len(problems) == 3, problems
    assert "bypass.robot:7 test 'Sessionless': a request without a session (GET)" in problems
    assert any("session opened without 'Guard Requests Of Session'" in problem for problem in problems)
