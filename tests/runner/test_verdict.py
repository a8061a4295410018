"""The decision matrix on synthetic results: boundaries, skips, flaky tests, empty and crashed runs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from smoke_runner.decide.evidence import Evidence
from smoke_runner.decide.verdict import RULES, Verdict, decide
from smoke_runner.domain.model import FAIL, PASS, SKIP, RunResults, SuiteResult
from smoke_runner.domain.model import TestResult as Result

pytestmark = pytest.mark.unit


def suite(key: str, passed: int = 0, failed: int = 0, skipped: int = 0, flaky: int = 0) -> SuiteResult:
    tests = [Result(key, f"{key} pass {i}", key, PASS) for i in range(passed)]
    tests += [Result(key, f"{key} flaky {i}", key, PASS, flaky=True, first_message="boom") for i in range(flaky)]
    tests += [Result(key, f"{key} fail {i}", key, FAIL, f"{key} failure {i}") for i in range(failed)]
    tests += [Result(key, f"{key} skip {i}", key, SKIP, "skipped") for i in range(skipped)]
    return SuiteResult(key=key, name=key.title(), tests=tests)


def results(*suites: SuiteResult) -> RunResults:
    return RunResults(list(suites))


@pytest.mark.parametrize(
    ("passed", "failed", "expected"),
    [
        (10, 0, Verdict.PROCEED),
        (9, 1, Verdict.MONITOR),  # 90 %
        (81, 19, Verdict.MONITOR),  # 81 %
        (4, 1, Verdict.INVESTIGATE),  # exactly 80 % -> INVESTIGATE
        (8, 2, Verdict.INVESTIGATE),  # exactly 80 %
        (7, 3, Verdict.INVESTIGATE),  # 70 %
        (5, 5, Verdict.INVESTIGATE),  # exactly 50 % -> INVESTIGATE
        (1, 1, Verdict.INVESTIGATE),  # exactly 50 %
        (49, 51, Verdict.ROLLBACK),  # 49 %
        (4, 6, Verdict.ROLLBACK),  # 40 %
        (0, 10, Verdict.ROLLBACK),
    ],
)
def test_workflow_pass_rate_boundaries(passed: int, failed: int, expected: Verdict) -> None:
    decision = decide(results(suite("health", passed=11), suite("workflows", passed=passed, failed=failed)))
    assert decision.verdict is expected, decision.reason
    assert (
        decision.exit_code
        == {Verdict.PROCEED: 0, Verdict.MONITOR: 10, Verdict.INVESTIGATE: 20, Verdict.ROLLBACK: 30}[expected]
    )
    assert decision.workflow_pass_rate == Fraction(passed, passed + failed)


def test_any_health_failure_is_rollback_even_with_all_workflows_passing() -> None:
    decision = decide(results(suite("health", passed=10, failed=1), suite("workflows", passed=10)))
    assert decision.verdict is Verdict.ROLLBACK
    assert "health" in decision.reason
    assert [test.name for test in decision.failing] == ["health fail 0"]


def test_skips_are_excluded_from_the_denominator() -> None:
    # 8 passed, 1 failed, 1 skipped: 8/9 = 88.9 % -> MONITOR (8/10 would be INVESTIGATE)
    decision = decide(results(suite("health", passed=10, skipped=1), suite("workflows", passed=8, failed=1, skipped=1)))
    assert decision.verdict is Verdict.MONITOR
    assert decision.workflow_pass_rate == Fraction(8, 9)


def test_skipped_health_check_is_not_a_failure() -> None:
    decision = decide(results(suite("health", passed=10, skipped=1), suite("workflows", passed=10)))
    assert decision.verdict is Verdict.PROCEED


def test_flaky_tests_count_as_passed_in_the_rate_but_make_the_verdict_monitor() -> None:
    decision = decide(results(suite("health", passed=10, flaky=1), suite("workflows", passed=9, flaky=1)))
    assert decision.verdict is Verdict.MONITOR
    assert decision.workflow_pass_rate == 1
    assert "'health / health flaky 0'" in decision.reason and "'workflows / workflows flaky 0'" in decision.reason
    assert len(results(suite("workflows", passed=9, flaky=1)).flaky) == 1


def test_suite_that_did_not_run_is_rollback() -> None:
    crashed = SuiteResult(key="workflows", name="Workflows", ran=False)
    decision = decide(results(suite("health", passed=11), crashed))
    assert decision.verdict is Verdict.ROLLBACK
    assert "did not run" in decision.reason and "workflows" in decision.reason


def test_empty_results_are_rollback() -> None:
    assert decide(RunResults()).verdict is Verdict.ROLLBACK
    assert decide(results(suite("health"), suite("workflows"))).verdict is Verdict.ROLLBACK


def test_everything_skipped_is_rollback() -> None:
    decision = decide(results(suite("health", skipped=11), suite("workflows", skipped=10)))
    assert decision.verdict is Verdict.ROLLBACK


def test_preflight_failure_is_rollback() -> None:
    decision = decide(results(suite("health", passed=11)), "cannot connect")
    assert decision.verdict is Verdict.ROLLBACK and "Preflight" in decision.reason


def test_health_only_run_is_decided_by_health() -> None:
    assert decide(results(suite("health", passed=11))).verdict is Verdict.PROCEED
    assert decide(results(suite("health", passed=10, failed=1))).verdict is Verdict.ROLLBACK


def test_all_workflows_skipped_is_no_evidence_and_rolls_back_although_health_passes() -> None:
    decision = decide(results(suite("health", passed=11), suite("workflows", skipped=10)))
    assert decision.verdict is Verdict.ROLLBACK
    assert "No test of suite(s) workflows passed or failed" in decision.reason


def test_a_health_only_run_is_judged_on_health_alone() -> None:
    decision = decide(results(suite("health", passed=11)))
    assert decision.verdict is Verdict.PROCEED
    assert decision.workflow_pass_rate is None


def _results(*tests: tuple[str, str, str], flaky: str = "") -> RunResults:
    """Suites of (suite, name, status) tests; the test named ``flaky`` passed only on the re-run."""
    suites: dict[str, SuiteResult] = {}
    for suite, name, status in tests:
        tags = ("security",) if name.startswith("Secure") else ()
        suites.setdefault(suite, SuiteResult(suite, suite.title())).tests.append(
            Result(suite, name, f"Smoke.{suite.title()}", status, tags=tags, flaky=name == flaky)
        )
    return RunResults(list(suites.values()))


def _workflows(passed: int, failed: int) -> RunResults:
    return _results(
        ("health", "Api Is Up", PASS),
        *[("workflows", f"Flow {index}", PASS) for index in range(passed)],
        *[("workflows", f"Broken {index}", FAIL) for index in range(failed)],
    )


#: One case of each rule of RULES, in the table's order: (arguments of decide, the rule's number).
RULE_CASES = [
    ({"results": _workflows(1, 0), "preflight_error": "refused"}, 1),
    ({"results": _workflows(1, 0), "time_limit_error": "900 s"}, 2),
    ({"results": _workflows(1, 0), "evidence": Evidence(problems=["suite health tested elsewhere"])}, 3),
    ({"results": RunResults([SuiteResult("health", "Health", ran=False)])}, 4),
    ({"results": _results(("health", "Api Is Up", SKIP))}, 5),
    ({"results": _results(("health", "Secure Headers", FAIL), ("workflows", "Flow", PASS))}, 6),
    ({"results": _results(("health", "Api Is Up", FAIL), ("workflows", "Flow", PASS))}, 7),
    ({"results": _workflows(1, 3)}, 8),
    ({"results": _workflows(4, 1)}, 9),
    ({"results": _workflows(9, 1)}, 10),
    ({"results": _results(("health", "Api Is Up", PASS), ("workflows", "Flow", PASS), flaky="Flow")}, 11),
    ({"results": _workflows(2, 0), "evidence": Evidence(caps=["1 security check(s) did not run"])}, 12),
    ({"results": _workflows(2, 0)}, 13),
]


def test_every_rule_of_the_table_is_the_one_decide_applies() -> None:
    """RULES is the verdict table (the README's, the summary's): each row, in order, is what decide
    applies to a case made for it, with the row's verdict."""
    assert [number for _, number in RULE_CASES] == list(range(1, len(RULES) + 1))
    for arguments, number in RULE_CASES:
        decision = decide(**arguments)  # type: ignore[arg-type]
        assert decision.rule == number, (number, RULES[number - 1].when, decision.reason)
        assert decision.verdict is RULES[number - 1].verdict, (number, decision)
