"""log.html stays a document a reviewer can read: bounded in size, without pages of noise.

Runs the README's demo command (healthy, and with two faults) and bounds what the log holds:
the size of log.html, the log messages of each test (so that, e.g., the 60 requests of the SLA
test or the 50-item bulk calls cannot flood it again) and the length of any single message
(request and response bodies are masked and cut at 2,000 characters). The failing run must show
its failures at the top level: a test message that names the failed step.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest
from robot.api import ExecutionResult, ResultVisitor

from tests.docs.conftest import FAILING_DEMO_FAULTS
from tests.support.suite_model import SUITE_NAMES, broken_by_fault

if TYPE_CHECKING:
    from tests.docs.conftest import ShellRun

MAX_LOG_BYTES = 1_500_000
MAX_CHARS_PER_TEST = 50_000
MAX_MESSAGE_CHARS = 6_000


class _MessageSizes(ResultVisitor):
    """Characters of log messages per test (suite setups and teardowns under the suite's name)."""

    def __init__(self) -> None:
        self.per_test: Counter[str] = Counter()
        self.longest = (0, "")
        self._where: list[str] = []

    def start_suite(self, suite) -> None:  # noqa: ANN001 - robot's own types
        self._where.append(f"suite {suite.name}")

    def end_suite(self, suite) -> None:  # noqa: ANN001
        self._where.pop()

    def start_test(self, test) -> None:  # noqa: ANN001
        self._where.append(test.name)

    def end_test(self, test) -> None:  # noqa: ANN001
        self._where.pop()

    def visit_message(self, message) -> None:  # noqa: ANN001
        size = len(message.message)
        self.per_test[self._where[-1]] += size
        if size > self.longest[0]:
            self.longest = (size, f"{self._where[-1]}: {message.message[:200]}")


def _sizes(run_dir) -> _MessageSizes:  # noqa: ANN001
    visitor = _MessageSizes()
    ExecutionResult(str(run_dir / "output.xml")).visit(visitor)
    return visitor


@pytest.fixture(params=["healthy", "failing"])
def demo(request: pytest.FixtureRequest, readme_demo: ShellRun, failing_demo: ShellRun) -> ShellRun:
    return readme_demo if request.param == "healthy" else failing_demo


def test_log_html_is_bounded(demo) -> None:  # noqa: ANN001
    log = demo.run_dir / "log.html"
    assert log.is_file(), demo.output[-3000:]
    size = log.stat().st_size
    assert size < MAX_LOG_BYTES, f"log.html of the demo run is {size:,} bytes, the bound is {MAX_LOG_BYTES:,}"


def test_no_test_floods_the_log(demo) -> None:  # noqa: ANN001
    sizes = _sizes(demo.run_dir)
    noisy = {name: chars for name, chars in sizes.per_test.items() if chars > MAX_CHARS_PER_TEST}
    assert not noisy, f"tests logging more than {MAX_CHARS_PER_TEST:,} characters of messages: {noisy}"
    assert sizes.longest[0] <= MAX_MESSAGE_CHARS, (
        f"the longest log message has {sizes.longest[0]:,} characters (bound {MAX_MESSAGE_CHARS:,}): {sizes.longest[1]}"
    )


def test_failures_are_visible_at_the_top_level(failing_demo) -> None:  # noqa: ANN001
    assert failing_demo.returncode == 30, failing_demo.output[-3000:]
    assert "VERDICT: ROLLBACK" in failing_demo.output
    result = ExecutionResult(str(failing_demo.run_dir / "output.xml"))
    failed = {test.name: test.message for test in result.suite.all_tests if test.status == "FAIL"}
    # the tests the faults break, as the suites declare, each with its declared message
    expected = {
        test.name: test.proof("fault", fault).expects
        for fault in FAILING_DEMO_FAULTS
        for suite in SUITE_NAMES
        for test in broken_by_fault(suite, fault)
    }
    assert set(failed) == set(expected), failed
    for name, texts in expected.items():
        assert all(text in failed[name] for text in texts), failed[name]
