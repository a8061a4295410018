"""Which failed tests of the first attempt are re-run once (flaky detection), and which are not.

Ordinary failures are re-run: a test that fails and then passes is FLAKY (one broken replica
behind a load balancer looks like that). Not re-run are:

* tests that failed because their suite setup failed: the setup failed for every test of the
  suite, and running it again cannot turn the suite's result around (a target that stalls after
  ``/health`` would only double the run's time);
* tests tagged ``no-rerun`` (``NO_RERUN_TAG``): their failure is a measurement that a second
  attempt would only repeat (an SLA miss over its whole sample), at the price of the run's time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from robot.result import Result, TestCase

#: Tag of a test whose failure is a measurement a re-run cannot change: it is not re-run, so it
#: cannot be FLAKY either.
NO_RERUN_TAG = "no-rerun"
#: The file ``--rerunfailed`` reads when some failed tests are not worth a re-run.
RERUN_CANDIDATES = "rerun-candidates.xml"


@dataclass
class RerunChoice:
    """The failed tests of an attempt, split by whether they are worth a second attempt."""

    worth: list[str] = field(default_factory=list)  # full names of the tests to re-run
    measured: list[str] = field(default_factory=list)  # names of failed tests tagged NO_RERUN_TAG
    setup_failed: list[str] = field(default_factory=list)  # names of tests whose suite setup failed

    def __bool__(self) -> bool:
        return bool(self.worth)


def _measured(test: TestCase) -> bool:
    """Whether ``test`` carries `NO_RERUN_TAG` (Robot's tag matching: case and spaces do not count)."""
    return bool(test.tags.match(NO_RERUN_TAG))


def suite_setup_failed(test: TestCase) -> bool:
    """Whether a suite setup above ``test`` failed (then the test failed without running)."""
    parent = test.parent
    while parent is not None:
        if getattr(parent, "has_setup", False) and parent.setup.status == "FAIL":
            return True
        parent = getattr(parent, "parent", None)
    return False


def choose_reruns(result: Result) -> RerunChoice:
    """The failed tests of ``result`` worth a re-run, and those that are not (see the module)."""
    choice = RerunChoice()
    for test in result.suite.all_tests:
        if test.status != "FAIL":
            continue
        if suite_setup_failed(test):
            choice.setup_failed.append(test.name)
        elif _measured(test):
            choice.measured.append(test.name)
        else:
            choice.worth.append(test.full_name)
    return choice


def rerun_input(first_output: Path, choice: RerunChoice, workdir: Path) -> Path:
    """The file ``--rerunfailed`` reads: the first attempt's output itself when every failed test
    is worth a re-run, otherwise a copy in which only the tests of ``choice.worth`` are failed (the
    others are marked passed in that copy, which only tells pabot what to run)."""
    if not choice.measured and not choice.setup_failed:
        return first_output
    from robot.api import ExecutionResult

    copy = ExecutionResult(str(first_output))
    worth = set(choice.worth)
    for test in copy.suite.all_tests:
        if test.status == "FAIL" and test.full_name not in worth:
            test.status = "PASS"
    candidates = workdir / RERUN_CANDIDATES
    copy.save(str(candidates))
    return candidates
