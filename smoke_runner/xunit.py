"""JUnit XML per suite, written from the runner's results (not robot's nested xUnit).

Layout, which Jenkins' JUnit publisher and GitLab's junit report both count reliably::

    <testsuites name="Smoke.Health" tests="11" failures="1" errors="0" skipped="1" time="2.345">
      <testsuite name="Health" tests="11" failures="1" errors="0" skipped="1" time="2.345" timestamp="...">
        <testcase classname="Smoke.Health" name="Security Headers Are Present" time="0.120">
          <failure message="first line" type="AssertionError">full message</failure>
        </testcase>
        <testcase ...><skipped message="why"/></testcase>
      </testsuite>
    </testsuites>

Tests of nested sub-suites are flattened into the suite's one ``<testsuite>``; their
``classname`` is their own suite's full name. A flaky test passes and says so in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from smoke_runner.model import SuiteResult, TestResult
from smoke_runner.redact import redact


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _first_line(message: str, limit: int = 500) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line[:limit]


def _testcase(parent: ET.Element, test: TestResult) -> None:
    case = ET.SubElement(parent, "testcase", classname=test.classname, name=test.name, time=_seconds(test.elapsed))
    message = redact(test.message)
    if test.failed:
        failure = ET.SubElement(case, "failure", message=_first_line(message) or "failed", type="AssertionError")
        failure.text = message
    elif test.skipped:
        ET.SubElement(case, "skipped", message=_first_line(message) or "skipped")
    if test.flaky:
        out = ET.SubElement(case, "system-out")
        out.text = ("FLAKY: failed on the first attempt, passed on the re-run. "
                    f"First failure: {redact(test.first_message)}")


def write_suite_xunit(suite: SuiteResult, path: Path, timestamp: str, top_name: str = "Smoke") -> Path:
    """Write ``suite`` as JUnit XML to ``path``; a suite that did not run gets one failing testcase."""
    tests = list(suite.tests)
    if not suite.ran:
        tests = [TestResult(suite.key, f"{suite.name or suite.key} suite ran", f"{top_name}.{suite.name}",
                            "FAIL", "The suite did not run: its process crashed or produced no output")]
    failures = sum(1 for test in tests if test.failed)
    skipped = sum(1 for test in tests if test.skipped)
    elapsed = suite.elapsed or sum(test.elapsed for test in tests)
    counts = {"tests": str(len(tests)), "failures": str(failures), "errors": "0", "skipped": str(skipped),
              "time": _seconds(elapsed)}
    root = ET.Element("testsuites", name=f"{top_name}.{suite.name or suite.key}", **counts)
    testsuite = ET.SubElement(root, "testsuite", name=suite.name or suite.key, timestamp=timestamp, **counts)
    for test in tests:
        _testcase(testsuite, test)
    return _write(root, path)


def write_failure_xunit(path: Path, suite_name: str, case_name: str, message: str, timestamp: str) -> Path:
    """A JUnit file with one failing testcase (e.g. the preflight), so CI shows why nothing ran."""
    counts = {"tests": "1", "failures": "1", "errors": "0", "skipped": "0", "time": "0.000"}
    root = ET.Element("testsuites", name=suite_name, **counts)
    testsuite = ET.SubElement(root, "testsuite", name=suite_name, timestamp=timestamp, **counts)
    case = ET.SubElement(testsuite, "testcase", classname=suite_name, name=case_name, time="0.000")
    failure = ET.SubElement(case, "failure", message=_first_line(redact(message)), type="PreflightError")
    failure.text = redact(message)
    return _write(root, path)


def _write(root: ET.Element, path: Path) -> Path:
    ET.indent(root) if hasattr(ET, "indent") else None
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
