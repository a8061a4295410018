"""JUnit XML per suite, written from the runner's results (not robot's nested xUnit), in one of two
flavours (``--junit-flavour``, ``$SMOKE_JUNIT_FLAVOUR``):

``strict`` (the default): valid against the strict JUnit schema of Jenkins' xunit plugin
(``junit-10.xsd``, a copy in ``tests/runner/schemas/``), and counted reliably by Jenkins' JUnit
publisher, junitparser and GitLab::

    <testsuites name="Smoke.Health" tests="11" failures="1" errors="0" time="2.345">
      <testsuite name="Health" tests="11" failures="1" errors="0" skipped="1" time="2.345"
                 timestamp="..." file="suites/health.robot">
        <properties>
          <property name="verdict" value="ROLLBACK"/>   (and reason, exit_code, run_id, target, environment)
        </properties>
        <testcase classname="Smoke.Health" name="Security Headers Are Present" time="0.120">
          <failure message="first line" type="AssertionError">full message</failure>
          <rerunFailure message="..." type="AssertionError"/>      (failed on the re-run as well)
        </testcase>
        <testcase ...><skipped message="why">why</skipped></testcase>
        <testcase ...><flakyFailure message="first failure" type="AssertionError">   (FLAKY)
          <stackTrace>first failure, full</stackTrace></flakyFailure>
          <system-out>FLAKY: ...</system-out></testcase>
      </testsuite>
    </testsuites>

The strict schema allows no ``skipped`` attribute and no properties on ``<testsuites>`` and no
``file`` attribute on ``<testcase>``: the properties and the ``.robot`` file therefore sit on the
one ``<testsuite>``. Tests of nested sub-suites are flattened into it; their ``classname`` is their
own suite's full name. A flaky test passes and carries Surefire's ``<flakyFailure>`` (Jenkins'
and GitLab's readers show it as passed; Surefire-aware tools as flaky). A skipped test's reason is
the ``<skipped>`` element's text as well as its ``message``: GitLab shows the element's value, which
for an element without text is a Hash of its attributes.

``gitlab``: what GitLab's JUnit reader (lib/gitlab/ci/parsers/test/junit.rb) shows, which the strict
schema forbids in part: every ``<testcase>`` names its ``file`` (GitLab's Filename column); a failed
test's ``<system-out>`` holds ``[[ATTACHMENT|<run folder>/log.html]]`` (the path relative to the
working directory, where a CI job's artifacts are: GitLab links it as the test's attachment); a flaky
test is named ``<name> (flaky)`` (GitLab has no status for it and shows no output of a passed test;
the cost: its history in GitLab is that of another test name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from smoke_runner.domain.model import SuiteResult, TestResult
from smoke_runner.domain.redaction import redact

STRICT, GITLAB = "strict", "gitlab"
FLAVOURS = (STRICT, GITLAB)
#: Chooses the flavour when ``--junit-flavour`` is not given.
FLAVOUR_VARIABLE = "SMOKE_JUNIT_FLAVOUR"


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _first_line(message: str, limit: int = 500) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line[:limit]


def _failure_message(test: TestResult) -> str:
    """The first line of the message; of a test that failed on both attempts for different reasons,
    the first line of each attempt's message (``first attempt: ...; re-run: ...``)."""
    if test.rerun and not test.skipped_on_failure and test.message.startswith("first attempt: "):
        return (
            f"first attempt: {_first_line(redact(test.first_message), 250)}; "
            f"re-run: {_first_line(redact(test.rerun_message), 250)}"
        )
    return _first_line(redact(test.message))


@dataclass(frozen=True)
class Flavour:
    """Which JUnit the files are (``STRICT`` or ``GITLAB``), and for ``GITLAB`` the path of the run's
    log.html as a CI job's artifacts name it (None: no log.html to attach)."""

    name: str = STRICT
    log_path: str | None = None

    @property
    def gitlab(self) -> bool:
        return self.name == GITLAB


def check_flavour(name: str) -> str:
    """``name`` when it is a JUnit flavour; ``ValueError`` naming the flavours otherwise."""
    if name not in FLAVOURS:
        raise ValueError(f"JUnit flavour {name!r} is not one of {', '.join(FLAVOURS)}")
    return name


def _testcase(parent: ET.Element, test: TestResult, flavour: Flavour) -> None:
    name = f"{test.name} (flaky)" if flavour.gitlab and test.flaky else test.name
    case = ET.SubElement(parent, "testcase", classname=test.classname, name=name, time=_seconds(test.elapsed))
    if flavour.gitlab and test.source:
        case.set("file", test.source)
    message = redact(test.message)
    if test.failed:
        failure = ET.SubElement(case, "failure", message=_failure_message(test) or "failed", type="AssertionError")
        failure.text = message
        if test.rerun:  # Surefire: the first attempt is <failure>, each re-run a <rerunFailure>
            again = redact(test.rerun_message)
            ET.SubElement(case, "rerunFailure", message=_first_line(again) or "failed", type="AssertionError")
        if flavour.gitlab and flavour.log_path:
            ET.SubElement(case, "system-out").text = f"Log: [[ATTACHMENT|{flavour.log_path}]]"
    elif test.skipped:
        reason = _first_line(message) or "skipped"
        ET.SubElement(case, "skipped", message=reason).text = message.strip() or reason
    if test.flaky:
        first = redact(test.first_message)
        flaky = ET.SubElement(case, "flakyFailure", message=_first_line(first) or "failed", type="AssertionError")
        ET.SubElement(flaky, "stackTrace").text = first
        ET.SubElement(
            case, "system-out"
        ).text = f"FLAKY: failed on the first attempt, passed on the re-run. First failure: {first}"


def _properties(parent: ET.Element, properties: Mapping[str, str] | None) -> None:
    if properties:
        element = ET.SubElement(parent, "properties")
        for name, value in properties.items():
            ET.SubElement(element, "property", name=name, value=redact(str(value)))


def write_suite_xunit(
    suite: SuiteResult,
    path: Path,
    timestamp: str,
    top_name: str = "Smoke",
    properties: Mapping[str, str] | None = None,
    flavour: Flavour | None = None,
) -> Path:
    """Write ``suite`` as JUnit XML to ``path`` in ``flavour`` (default: strict); a suite that did
    not run gets one failing testcase. ``properties`` (verdict, reason, run id, target, environment)
    go into the ``<testsuite>``'s ``<properties>``."""
    tests = list(suite.tests)
    if not suite.ran:
        tests = [
            TestResult(
                suite.key,
                f"{suite.name or suite.key} suite ran",
                f"{top_name}.{suite.name}",
                "FAIL",
                "The suite did not run: its process crashed or produced no output",
            )
        ]
    failures = sum(1 for test in tests if test.failed)
    skipped = sum(1 for test in tests if test.skipped)
    elapsed = suite.elapsed or sum(test.elapsed for test in tests)
    counts = {"tests": str(len(tests)), "failures": str(failures), "errors": "0", "time": _seconds(elapsed)}
    root = ET.Element("testsuites", {"name": f"{top_name}.{suite.name or suite.key}", **counts})
    extra = {"file": suite.source} if suite.source else {}
    testsuite = ET.SubElement(
        root,
        "testsuite",
        {"name": suite.name or suite.key, "timestamp": timestamp, "skipped": str(skipped), **counts, **extra},
    )
    _properties(testsuite, properties)
    for test in tests:
        _testcase(testsuite, test, flavour or Flavour())
    return _write(root, path)


def write_failure_xunit(
    path: Path,
    suite_name: str,
    case_name: str,
    message: str,
    timestamp: str,
    properties: Mapping[str, str] | None = None,
) -> Path:
    """A JUnit file with one failing testcase (e.g. the preflight), so CI shows why nothing ran."""
    counts = {"tests": "1", "failures": "1", "errors": "0", "time": "0.000"}
    root = ET.Element("testsuites", {"name": suite_name, **counts})
    testsuite = ET.SubElement(root, "testsuite", {"name": suite_name, "timestamp": timestamp, "skipped": "0", **counts})
    _properties(testsuite, properties)
    case = ET.SubElement(testsuite, "testcase", classname=suite_name, name=case_name, time="0.000")
    failure = ET.SubElement(case, "failure", message=_first_line(redact(message)), type="PreflightError")
    failure.text = redact(message)
    return _write(root, path)


def _write(root: ET.Element, path: Path) -> Path:
    ET.indent(root) if hasattr(ET, "indent") else None
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
