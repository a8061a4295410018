"""The merged result as its readers get it, prepared once before output.xml, log.html and
report.html are written (issue 24):

- every test that went through the re-run tells its story in plain text: Jenkins' Robot Framework
  plugin, its ``${ROBOT_FAILEDCASES}`` e-mail token and Blue Ocean show a test's message escaped,
  so the ``*HTML*`` markup ``rebot --merge`` writes would reach them as markup;
- the top suite's documentation starts with the verdict and its reason, in plain text: the plugin
  shows a suite's documentation as its "Description" and never reads metadata;
- a flaky test (failed, then passed on the re-run) carries the ``flaky`` tag, and the metadata row
  ``Flaky Tests`` names them all: report.html is green for a flaky run, the tag says why it is not
  PROCEED;
- the proof tags (``guards:...``, ``guards-with:...``) are taken off the tests: they stay declared
  beside each test in the suites, where the project's tests read them, and are bookkeeping, not
  evidence, for a person deciding on a rollback;
- the top suite records the run's environment (metadata ``Environment``), which the matrix merge
  (``python -m smoke_runner merge``) names each environment's suite by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smoke_runner.decide.verdict import ACTIONS, Decision
from smoke_runner.domain.model import FAIL, PASS, RunResults, TestResult
from smoke_runner.domain.redaction import redact
from smoke_runner.merge.results import plain_message

if TYPE_CHECKING:
    from robot.result import Result, TestSuite

#: The tag a flaky test carries in output.xml, log.html and report.html.
FLAKY_TAG = "flaky"
#: Tag patterns of the proofs declared beside each test (docs/adding-a-smoke-test.md), as Robot
#: matches them (case, spaces and underscores do not matter).
PROOF_TAGS = ("guards:*", "guards-with:*")
ENVIRONMENT_METADATA = "Environment"
FLAKY_METADATA = "Flaky Tests"


def rerun_story(test: TestResult, status: str) -> str:
    """The plain-text message of a test that went through the re-run and ended with ``status``
    (Robot's own status of the merged test: PASS, FAIL or SKIP)."""
    first = redact(test.first_message) or "(no message)"
    again = redact(test.rerun_message) or "(no message)"
    if status == PASS:
        return f"Flaky: passed on the re-run. The first attempt failed: {first}"
    if " ".join(first.split()) == " ".join(again.split()):
        outcome = "Failed on both attempts" if status == FAIL else "Skipped on the re-run after a failure"
        return f"{outcome}, with the same message: {again}"
    if status == FAIL:
        return f"Failed on both attempts.\nFirst attempt: {first}\nRe-run: {again}"
    return f"Skipped on the re-run after a failure.\nFirst attempt: {first}\nRe-run: {again}"


def verdict_documentation(decision: Decision, documentation: str = "") -> str:
    """The top suite's documentation: the verdict and its reason (plain text), then ``documentation``."""
    lines = [
        f"Verdict: {decision.label} (exit code {decision.exit_code}) - {ACTIONS[decision.verdict]}.",
        f"Reason: {' '.join(decision.reason.split())}",
    ]
    if decision.partial:
        lines.append(f"Partial run: {'; '.join(decision.partial)}")
    text = redact("\n\n".join(lines))
    return f"{text}\n\n{documentation}" if documentation.strip() else text


def remove_proof_tags(suite: TestSuite) -> None:
    """Take the ``guards:``/``guards-with:`` proof tags off every test of ``suite``."""
    suite.set_tags(remove=list(PROOF_TAGS))


def prepare_for_readers(result: Result, results: RunResults, decision: Decision, environment: str) -> None:
    """Make ``result`` (the merged result about to be written) read right everywhere (see above)."""
    ours = {(test.classname, test.name): test for test in results.tests}
    flaky: list[str] = []
    for test in result.suite.all_tests:
        parent = test.parent.full_name if test.parent is not None else ""
        mine = ours.get((parent, test.name))
        if mine is not None and mine.rerun:
            test.message = rerun_story(mine, test.status)
        elif test.message.startswith("*HTML*"):
            test.message = plain_message(test.message)
        if mine is not None and mine.flaky:
            test.tags.add(FLAKY_TAG)
            flaky.append(mine.label)
    remove_proof_tags(result.suite)
    result.suite.doc = verdict_documentation(decision, result.suite.doc)
    result.suite.metadata[ENVIRONMENT_METADATA] = environment
    result.suite.metadata[FLAKY_METADATA] = (
        f"{len(flaky)} passed only on the re-run: {', '.join(flaky)}" if flaky else "none"
    )
