"""Robot Framework's result model -> the run's own results (``domain.model``): the tests of each
selected suite, their final status and messages, flaky tests (failed, then passed on the re-run) and
tests that ended SKIP after a failure (counted as failed)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner import REPO_ROOT
from smoke_runner.domain.model import (
    FAIL,
    PASS,
    SKIP,
    SKIPPED_AFTER_FAILURE,
    ProfileRecord,
    RunResults,
    SuiteResult,
    TestResult,
    suite_key,
)
from smoke_runner.profiles.findings import RunFindings, read_findings
from smoke_runner.rerun.policy import suite_setup_failed

if TYPE_CHECKING:
    from robot.result import Result, TestCase, TestSuite

#: The metadata in which SmokeLibrary's `Use Target` records what a suite tested (the same name in
#: libraries/SmokeLibrary/http.py, EVIDENCE_METADATA; without it the run has no evidence and never passes).
EVIDENCE_METADATA = "Run Evidence"
#: Robot's messages for a failure turned into a skip (robot:skip-on-failure, --skiponfailure, a
#: Skip in the teardown after a failed body).
_SKIP_ON_FAILURE = re.compile(
    r"^Failed (test|task) skipped using .*Original failure:|"
    r"^Skipped in teardown:.*Earlier message:",
    re.DOTALL,
)


def plain_message(message: str) -> str:
    """A Robot message without the ``*HTML*`` prefix and the markup (``rebot --merge`` writes such
    messages), as plain text."""
    if message.startswith("*HTML*"):
        message = re.sub(r"<[^>]+>", " ", message[len("*HTML*") :])
        message = html.unescape(re.sub(r"\s+", " ", message))
    return message.strip()


def _model(source: Result | Path) -> Result:
    """``source`` itself, or the model read from the output.xml it names."""
    if isinstance(source, (str, Path)):
        from robot.api import ExecutionResult

        return ExecutionResult(str(source))
    return source


def _attempts(source: Result | Path | None) -> dict[str, tuple[str, str, float]]:
    """{full name: (status, message, elapsed seconds)} of every test of ``source`` (empty for None)."""
    if source is None:
        return {}
    result = _model(source)
    return {
        test.full_name: (test.status, test.message, test.elapsed_time.total_seconds())
        for test in result.suite.all_tests
    }


def _add_first_attempt_cleanup(profile: ProfileRecord, first: RunFindings) -> None:
    """Add what the first attempt's clean-ups recorded: the merged output holds a re-run suite's
    metadata from the re-run only, and a user the first attempt left behind is still on the target."""
    for user in first.users_left_behind:
        if user not in profile.users_left_behind:
            profile.users_left_behind.append(user)
    for problem in first.cleanup_problems:
        if problem not in profile.cleanup_problems:
            profile.cleanup_problems.append(problem)
    for line in first.cleanup:
        if line not in profile.cleanup:
            profile.cleanup.append(f"first attempt: {line}")


def load_results(
    merged: Result | Path,
    selected: dict[str, Path],
    first: Result | Path | None = None,
    rerun: Result | Path | None = None,
) -> RunResults:
    """The run's results from the ``merged`` result (a model, or the output.xml it was saved to);
    tests that failed in ``first`` and passed in ``rerun`` are flaky (both are given only when
    there was a re-run).

    ``selected`` maps the suite keys that ran (``health``, ``workflows``) to their data sources;
    top-level suites are matched by source, then by name. A selected suite that is absent from the
    output is returned with ``ran=False``.
    """
    rerun_tests = _attempts(rerun)
    first_tests = _attempts(first) if rerun_tests else {}
    merged = _model(merged)
    top = merged.suite
    children = list(top.suites) if len(selected) > 1 else [top]
    by_source = {_resolved(path): key for key, path in selected.items()}
    by_key: dict[str, TestSuite] = {}
    for child in children:
        key = by_source.get(_resolved(child.source)) if child.source else None
        by_key[key or suite_key(child.name)] = child
    findings = read_findings(merged)
    narrowed = {(test.suite, test.name): tuple(text for _, text in test.left_out) for test in findings.narrowed}
    profile = ProfileRecord(
        profiles=findings.profiles,
        cleanup=findings.cleanup,
        users_left_behind=findings.users_left_behind,
        cleanup_problems=findings.cleanup_problems,
        loosened_policies=findings.loosened_policies,
        waivers=findings.waivers,
    )
    if rerun_tests and first is not None:
        _add_first_attempt_cleanup(profile, read_findings(_model(first)))
    results = RunResults(profile=profile)
    for key in [*selected, *[k for k in by_key if k not in selected]]:
        child = by_key.get(key)
        if child is None:
            results.suites.append(SuiteResult(key=key, name=key.title(), ran=False))
            continue
        suite = _suite(key, child, first_tests, rerun_tests)
        for test in suite.tests:
            test.narrowed = narrowed.get((child.name, test.name), ())
        results.suites.append(suite)
    return results


def recorded_evidence(suite: TestSuite) -> dict[str, str]:
    """What ``suite`` recorded as ``Run Evidence`` (SmokeLibrary's `Use Target`): {} when nothing, or
    {"unreadable": text} when it is not the JSON object the library writes."""
    text = suite.metadata.get(EVIDENCE_METADATA)
    if text is None:
        return {}
    try:
        recorded = json.loads(str(text))
    except ValueError:
        recorded = None
    if not isinstance(recorded, dict):
        return {"unreadable": str(text)[:200]}
    return {str(name): str(value) for name, value in recorded.items()}


def _resolved(path: object) -> str:
    try:
        return str(Path(str(path)).resolve())
    except OSError:
        return str(path)


def relative_source(source: object) -> str:
    """A data source as the path relative to the repository (``suites/health.robot``), or as given."""
    if not source:
        return ""
    path = Path(str(source))
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except (OSError, ValueError):
        return path.as_posix()


def skipped_after_failure(test: TestCase, message: str = "") -> bool:
    """Whether a SKIP test failed first: Robot turned the failure into a skip (its ``message`` says
    so), or a step of the test's setup or body ended FAIL before the skip."""
    if test.status != SKIP:
        return False
    if _SKIP_ON_FAILURE.search(message or plain_message(test.message)):
        return True
    steps = [test.setup] if test.has_setup else []
    steps += [step for step in test.body if hasattr(step, "status")]
    return any(getattr(step, "status", "") == FAIL for step in steps)


def both_messages(first: str, rerun: str) -> str:
    """The failure message of a test that failed on the first attempt and on the re-run."""
    if " ".join(first.split()) == " ".join(rerun.split()):
        return f"{rerun} (the same on the first attempt and the re-run)"
    return f"first attempt: {first or '(no message)'}; re-run: {rerun or '(no message)'}"


def _suite(
    key: str,
    child: TestSuite,
    first_tests: dict[str, tuple[str, str, float]],
    rerun_tests: dict[str, tuple[str, str, float]],
) -> SuiteResult:
    suite = SuiteResult(
        key=key,
        name=child.name,
        elapsed=child.elapsed_time.total_seconds(),
        source=relative_source(child.source),
        evidence=recorded_evidence(child),
    )
    for test in child.all_tests:
        status, message, elapsed = test.status, plain_message(test.message), test.elapsed_time.total_seconds()
        flaky, first_message, rerun, rerun_message = False, "", False, ""
        if test.full_name in rerun_tests:
            _, raw, elapsed = rerun_tests[test.full_name]
            message = rerun_message = plain_message(raw)
            earlier = first_tests.get(test.full_name)
            if earlier and earlier[0] == FAIL:
                rerun, first_message = True, plain_message(earlier[1])
                flaky = status == PASS
        skipped_on_failure = skipped_after_failure(test, message)
        if skipped_on_failure:
            status, message = FAIL, f"{SKIPPED_AFTER_FAILURE}: {message}"
        if rerun and status == FAIL:
            message = both_messages(first_message, message)
        suite.tests.append(
            TestResult(
                suite=key,
                name=test.name,
                classname=test.parent.full_name if test.parent else child.full_name,
                status=status,
                message=message,
                elapsed=elapsed,
                tags=tuple(str(tag) for tag in test.tags),
                flaky=flaky,
                first_message=first_message,
                rerun=rerun,
                rerun_message=rerun_message,
                skipped_on_failure=skipped_on_failure,
                source=relative_source(test.source or child.source),
                setup_failed=status == FAIL and suite_setup_failed(test),
            )
        )
    return suite
