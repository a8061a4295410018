"""The evidence rules of the verdict (smoke_runner/decide/evidence.py), one by one, without a run."""

from __future__ import annotations

import pytest

from smoke_runner.decide.evidence import Expectation, PlannedTest, judge_evidence, origin_of, trust_of
from smoke_runner.decide.verdict import Verdict, decide
from smoke_runner.domain.model import NOT_OFFERED, PASS, SKIP, RunResults, SuiteResult
from smoke_runner.domain.model import TestResult as Result

pytestmark = pytest.mark.unit

TARGET = "https://api.example.com"
ORIGIN = "https://api.example.com:443"


def _suite(key: str, *tests: tuple[str, str, tuple[str, ...]], origin: str = ORIGIN) -> SuiteResult:
    results = [Result(key, name, f"Smoke.{key.title()}", status, tags=tags) for name, status, tags in tests]
    evidence = {"origin": origin, "trust": "default trust store"} if origin else {}
    return SuiteResult(key, key.title(), tests=results, evidence=evidence)


def _expect(*planned: PlannedTest, left_out: tuple[PlannedTest, ...] = (), **extra: object) -> Expectation:
    return Expectation(
        origin=ORIGIN, trust="default trust store", selected=list(planned), left_out=list(left_out), **extra
    )  # type: ignore[arg-type]


HEALTH = PlannedTest("health", "Api Is Up")
LOGIN = PlannedTest("workflows", "User Login Flow", security=True)


def test_origins_and_trust_are_written_as_the_library_writes_them() -> None:
    assert origin_of("https://user:pw@API.Example.com/base/") == ORIGIN
    assert origin_of("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert origin_of("http://[::1]/x") == "http://[::1]:80"
    assert trust_of(TARGET, "") == "default trust store"
    assert trust_of(TARGET, "/etc/ca.pem") == "CA bundle /etc/ca.pem"
    assert trust_of("http://127.0.0.1:9", "/etc/ca.pem") == "plain HTTP"


def test_a_run_that_did_what_it_was_asked_is_not_judged_partial() -> None:
    results = RunResults(
        [_suite("health", ("Api Is Up", PASS, ())), _suite("workflows", ("User Login Flow", PASS, ("security",)))]
    )
    evidence = judge_evidence(results, _expect(HEALTH, LOGIN))
    assert not evidence.problems and not evidence.partial and not evidence.caps
    assert decide(results, evidence=evidence).verdict is Verdict.PROCEED


@pytest.mark.parametrize(
    ("recorded", "problem"),
    [
        ("https://elsewhere.example.com:443", "tested https://elsewhere.example.com:443, not the target judged"),
        ("", "recorded no evidence of the target it tested"),
    ],
)
def test_a_suite_that_tested_another_target_or_nothing_it_can_name_rolls_back(recorded: str, problem: str) -> None:
    results = RunResults([_suite("health", ("Api Is Up", PASS, ()), origin=recorded)])
    evidence = judge_evidence(results, _expect(HEALTH))
    assert any(problem in line for line in evidence.problems), evidence.problems
    decision = decide(results, evidence=evidence)
    assert decision.verdict is Verdict.ROLLBACK and "does not show that it tested what it was asked" in decision.reason


def test_another_trust_than_the_judged_one_rolls_back() -> None:
    suite = _suite("health", ("Api Is Up", PASS, ()))
    suite.evidence["trust"] = "CA bundle /tmp/evil.pem"
    evidence = judge_evidence(RunResults([suite]), _expect(HEALTH))
    assert evidence.problems == [
        "suite health verified TLS with CA bundle /tmp/evil.pem, not with default trust store (CA_BUNDLE)"
    ]


def test_a_selected_test_that_did_not_run_and_a_test_that_is_not_selected_roll_back() -> None:
    results = RunResults([_suite("health", ("Something Else", PASS, ()))])
    evidence = judge_evidence(results, _expect(HEALTH))
    assert evidence.problems == [
        "1 selected test(s) did not run: 'health / Api Is Up'",
        "1 test(s) ran that are not selected tests of the suites: 'health / Something Else'",
    ]


def test_a_dry_run_is_held_to_its_tests_only() -> None:
    results = RunResults([_suite("health", ("Api Is Up", PASS, ()), origin="")])
    assert judge_evidence(results, _expect(HEALTH), dryrun=True).problems == []


def test_leaving_a_security_check_out_is_partial_and_caps_at_monitor_unless_waived() -> None:
    results = RunResults([_suite("health", ("Api Is Up", PASS, ()))])
    capped = judge_evidence(results, _expect(HEALTH, left_out=(LOGIN,), left_out_by="--suite health"))
    assert capped.partial == ["1 test(s) left out by --suite health: 'workflows / User Login Flow'"]
    decision = decide(results, evidence=capped)
    assert decision.verdict is Verdict.MONITOR and decision.label == "MONITOR (partial run)"
    assert "1 security check(s) did not run ('User Login Flow')" in decision.reason
    waived = judge_evidence(
        results, _expect(HEALTH, left_out=(LOGIN,), waivers={"User Login Flow": "logins are tested by the IdP's gate"})
    )
    assert waived.caps == [] and waived.waived == [
        "'User Login Flow' waived by the profile: logins are tested by the IdP's gate"
    ]
    decision = decide(results, evidence=waived)
    assert decision.verdict is Verdict.PROCEED and decision.partial and decision.waived


def test_a_security_test_not_offered_caps_too() -> None:
    suite = _suite("workflows", ("User Login Flow", SKIP, ("security",)), ("Other Flow", PASS, ()))
    suite.tests[0].message = f"Operation 'login' is {NOT_OFFERED} (profile x)"
    results = RunResults([suite])
    evidence = judge_evidence(results, _expect(LOGIN, PlannedTest("workflows", "Other Flow")))
    assert evidence.partial == ["1 test(s) not offered by this deployment (profile): User Login Flow"]
    assert decide(results, evidence=evidence).verdict is Verdict.MONITOR


def test_suites_from_outside_the_repository_cap_and_record_no_target() -> None:
    results = RunResults([_suite("health", ("Api Is Up", PASS, ()), origin="")])
    evidence = judge_evidence(results, _expect(HEALTH, foreign=["health"]))
    assert not evidence.problems and evidence.caps
    assert decide(results, evidence=evidence).verdict is Verdict.MONITOR


def test_evidence_never_lifts_a_failure() -> None:
    results = RunResults([_suite("health", ("Api Is Up", "FAIL", ()))])
    decision = decide(results, evidence=judge_evidence(results, _expect(HEALTH, left_out=(LOGIN,))))
    assert decision.verdict is Verdict.ROLLBACK and decision.partial
