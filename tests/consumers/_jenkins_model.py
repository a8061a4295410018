"""What the Jenkins Robot Framework plugin reads from an ``output.xml``, as a small model.

The plugin is jenkinsci/robot-plugin; its parser is ``RobotParser.RobotParserCallable``
(src/main/java/hudson/plugins/robot/RobotParser.java). Every rule below cites the line it stands for,
at commit 5b98144e084ca26894a0fcb95b79dfccc975d1cd (2026-03-06, "Pass correct pathes to artifact
manager (#93)"). The model is what runs in CI, where the plugin's source cannot be fetched; on a
machine with the plugin's source, ``test_jenkins_robot_plugin.py`` compiles and runs the plugin's own
parser (``jenkins/``) and proves that it sees exactly what this model sees.

- A test's status is its own ``<status status=...>``: PASS, SKIP, anything else FAIL (lines 335-336;
  the pages: model/RobotCaseResult/index.jelly lines 24-34).
- A test's message (``errorMsg``) is the text of that ``<status>`` element, verbatim (lines 343-356).
  The test page shows it as "Message:" when the test did not pass (RobotCaseResult/index.jelly lines
  43-45), the failed-tests list expands to it (RobotCaseResult/summary.jelly line 25),
  ``${ROBOT_FAILEDCASES, addErrorMessages=true}`` writes it into e-mails
  (tokens/RobotFailedCasesTokenMacro.java lines 39-44) and Blue Ocean shows it as the error details
  (blueocean/BlueRobotTestResult.java lines 51-54). Every page escapes it
  (``escape-by-default='true'``): markup such as Robot's ``*HTML*`` messages is shown as text.
- A test's description is the text of its own ``<doc>`` (lines 320-325); its tags are its ``<tag>``
  elements (lines 328-333, 541-560).
- A suite's description (the suite page's "Description:" row, RobotSuiteResult/index.jelly line 36)
  is the text of the last ``<doc>`` the parser meets inside the suite outside its child suites, its
  tests and its teardown keyword (lines 155-179): the suite's own ``<doc>``, which output.xml writes
  after the suite's keywords, or, when the suite has none, the last keyword documentation of its
  setup.
- ``<meta>`` (suite metadata) is never read: the parser has no branch for it, and it stops at
  ``<statistics>`` (lines 120-122). Neither are ``<statistics>``, ``<errors>`` or messages (``<msg>``).
- The plugin's build summary and result page show counts, the result's timestamp and links (the
  result's own description is always empty: model/RobotResult.java lines 82-85).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

#: Elements of a suite whose contents the plugin parses on its own (child suites, tests) or skips
#: (a teardown keyword up to its status), so that a ``<doc>`` in them is not the suite's description.
_NOT_THE_SUITES = ("suite", "test")


@dataclass(frozen=True)
class JenkinsCase:
    """One test as the plugin shows it."""

    path: str
    status: str
    message: str
    description: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class JenkinsSuite:
    """One suite as the plugin shows it."""

    path: str
    description: str


@dataclass(frozen=True)
class JenkinsView:
    """Everything the plugin takes from one output.xml."""

    suites: tuple[JenkinsSuite, ...]
    cases: tuple[JenkinsCase, ...]

    def case(self, name: str) -> JenkinsCase:
        found = [case for case in self.cases if case.path.rsplit(".", 1)[-1] == name]
        assert len(found) == 1, f"expected one test named {name!r} in the plugin's view, found {found}"
        return found[0]

    def suite(self, path: str) -> JenkinsSuite:
        found = [suite for suite in self.suites if suite.path == path]
        assert len(found) == 1, f"expected one suite {path!r} in the plugin's view, found {self.suites}"
        return found[0]

    def failed_cases_token(self) -> str:
        """``${ROBOT_FAILEDCASES, addErrorMessages=true}``: failed tests by path, each with its message."""
        failed = sorted((case for case in self.cases if case.status == "FAIL"), key=lambda case: case.path)
        return "\n".join(f"{case.path}: {case.message}" if case.message else case.path for case in failed)


def _text(element: ET.Element | None) -> str:
    return element.text or "" if element is not None else ""


def _is_teardown(element: ET.Element) -> bool:
    return element.tag == "kw" and (element.get("type") or "").lower() == "teardown"


def _suite_description(suite: ET.Element) -> str:
    description = ""
    pending = list(reversed(list(suite)))
    while pending:
        element = pending.pop()
        if element.tag in _NOT_THE_SUITES or _is_teardown(element):
            continue
        if element.tag == "doc" and element.text:
            description = element.text
        pending.extend(reversed(list(element)))
    return description


def _case(test: ET.Element, parent: str) -> JenkinsCase:
    status = test.find("status")
    assert status is not None, f"test {test.get('name')!r} has no <status>"
    value = status.get("status")
    return JenkinsCase(
        path=f"{parent}.{test.get('name')}",
        status="PASS" if value == "PASS" else "SKIP" if value == "SKIP" else "FAIL",
        message=_text(status),
        description=_text(test.find("doc")),
        tags=tuple(_text(tag) for tag in [*test.findall("tags/tag"), *test.findall("tag")]),
    )


def read(output_xml: Path) -> JenkinsView:
    """The plugin's view of ``output_xml``."""
    suites: list[JenkinsSuite] = []
    cases: list[JenkinsCase] = []

    def visit(suite: ET.Element, parent: str) -> None:
        path = f"{parent}.{suite.get('name')}" if parent else str(suite.get("name"))
        suites.append(JenkinsSuite(path=path, description=_suite_description(suite)))
        for child in suite:
            if child.tag == "suite":
                visit(child, path)
            elif child.tag == "test":
                cases.append(_case(child, path))

    root = ET.parse(output_xml).getroot()
    for suite in root.findall("suite"):
        visit(suite, "")
    return JenkinsView(suites=tuple(suites), cases=tuple(cases))
