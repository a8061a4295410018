"""The seed's Rollback Decision Matrix, with exact boundaries: ``RULES`` is the table (first match
wins), ``decide`` applies it. The README's verdict table and the summary's rules are this table
(tests/docs/test_readme.py, tests/runner/test_verdict.py).

A security check guards authentication, tenant isolation or secrets; its failure rolls back
whatever the workflow pass rate, and the reason names the check(s), then any other failed health
check (e.g. a missed SLA beside a rate limit too slow to probe). The workflow pass rate is
passed / (passed + failed) over the workflows suite, skipped tests excluded, with exact fractions
(4/5 is 80 %: INVESTIGATE; 1/2 is 50 %: INVESTIGATE); when the workflows suite is not selected or
none of its tests ran, the pass-rate rules do not apply; tests of any other suite count as
workflows. A FLAKY test (failed, then passed on the re-run) counts as passed in the pass rate, but
makes the verdict at least MONITOR and is named in the reason: one broken replica behind a load
balancer looks exactly like that. A test that ended SKIP after a failure (``robot:skip-on-failure``)
counts as failed. A run that leaves tests out (a filter, ``--suite``, tests not offered by the
deployment or narrowed) is *partial*: the verdict says so and names what was left out, whatever
the verdict (``decide/evidence.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

from smoke_runner.decide.evidence import Evidence
from smoke_runner.domain.model import RunResults, TestResult

HEALTH_SUITE = "health"
WORKFLOW_SUITE = "workflows"


class Verdict(Enum):
    """A verdict and its process exit code."""

    PROCEED = 0
    MONITOR = 10
    INVESTIGATE = 20
    ROLLBACK = 30

    @property
    def exit_code(self) -> int:
        return self.value


#: Exit code for a usage or configuration error (no verdict was reached).
EXIT_USAGE = 2
#: Exit code of a finished --dryrun: the suites parse, nothing was tested, so there is no verdict.
EXIT_DRYRUN = 3
#: Exit code when the run was interrupted (Ctrl-C, SIGTERM); no verdict was reached.
EXIT_INTERRUPTED = 130
#: Exit code of an unexpected error inside the runner itself; no verdict was reached.
EXIT_INTERNAL = 1


@dataclass(frozen=True)
class Rule:
    """One row of the decision table: when it applies, and the verdict then."""

    when: str
    verdict: Verdict


#: The decision table, first match wins: the one home of the verdict rules.
RULES: tuple[Rule, ...] = (
    Rule(
        "The preflight failed: the target does not answer, hangs, or its TLS certificate is refused", Verdict.ROLLBACK
    ),
    Rule("The run was stopped at its time limit (SMOKE_RUN_TIMEOUT)", Verdict.ROLLBACK),
    Rule(
        "The run does not show that it tested what it was asked: a suite tested another origin or TLS trust "
        "than the target the preflight judged, or recorded none, a selected test did not run, or a test ran "
        "that is not a selected test of the repository's suites",
        Verdict.ROLLBACK,
    ),
    Rule("A selected suite did not run", Verdict.ROLLBACK),
    Rule("Not a single test passed or failed, overall or in one selected suite", Verdict.ROLLBACK),
    Rule("Any security check failed (a test tagged security), whatever the pass rate", Verdict.ROLLBACK),
    Rule("Any health check failed", Verdict.ROLLBACK),
    Rule("Less than 50 % of the workflows passed", Verdict.ROLLBACK),
    Rule("50 % to 80 % of the workflows passed", Verdict.INVESTIGATE),
    Rule("More than 80 % (not all) of the workflows passed", Verdict.MONITOR),
    Rule("Every test passed, but one only on the re-run (flaky)", Verdict.MONITOR),
    Rule(
        "Every test that ran passed, but a security check did not run (left out by a filter or --suite, not "
        "offered or narrowed) and the profile waives none of them, or the suites are not the repository's",
        Verdict.MONITOR,
    ),
    Rule("Every test passed at its first attempt", Verdict.PROCEED),
)

ACTIONS = {
    Verdict.PROCEED: "Proceed: deployment successful",
    Verdict.MONITOR: "Monitor closely: minor issues",
    Verdict.INVESTIGATE: "Investigate: partial functionality issue",
    Verdict.ROLLBACK: "Roll back immediately",
}


@dataclass
class Decision:
    """A verdict, the one-line reason for it and the tests that caused it; ``partial`` names what
    the run left out (empty: it ran everything), ``waived`` the security tests a profile waived."""

    verdict: Verdict
    reason: str
    failing: list[TestResult] = field(default_factory=list)
    workflow_pass_rate: Fraction | None = None
    partial: list[str] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)
    loosened: list[str] = field(default_factory=list)  # policies the profile loosened (named in the reason)
    rule: int = 0  # the number of the rule of ``RULES`` that decided (1-based)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def label(self) -> str:
        """``PROCEED``, or ``PROCEED (partial run)`` when tests were left out."""
        return f"{self.verdict.name} (partial run)" if self.partial else self.verdict.name


def _is_health(test: TestResult) -> bool:
    return test.suite == HEALTH_SUITE or (test.suite != WORKFLOW_SUITE and "health" in test.tags)


def _names(tests: list[TestResult], limit: int = 5) -> str:
    names = [f"'{test.label}'" for test in tests[:limit]]
    if len(tests) > limit:
        names.append(f"and {len(tests) - limit} more")
    return ", ".join(names)


def _flaky_note(results: RunResults) -> str:
    flaky = results.flaky
    if not flaky:
        return ""
    return f"; {len(flaky)} test(s) passed only on the re-run (flaky): {_names(flaky)}"


def percent(rate: Fraction | None) -> str:
    """``Fraction(9, 10)`` -> ``"90.0%"``; ``None`` -> ``"n/a"``."""
    return "n/a" if rate is None else f"{float(rate) * 100:.1f}%"


def decide(
    results: RunResults,
    preflight_error: str | None = None,
    time_limit_error: str | None = None,
    evidence: Evidence | None = None,
) -> Decision:
    """Apply the decision matrix to ``results`` and their ``evidence`` (see the module documentation)."""
    evidence = evidence or Evidence()
    decision = _decide(results, preflight_error, time_limit_error, evidence)
    decision.partial, decision.waived = list(evidence.partial), list(evidence.waived)
    decision.loosened = list(evidence.loosened)
    if evidence.caps and decision.verdict in (Verdict.PROCEED, Verdict.MONITOR):
        capped = "; ".join(evidence.caps)
        if decision.verdict is Verdict.PROCEED:
            decision.verdict, decision.rule = Verdict.MONITOR, 12
            decision.reason = f"Every test that ran passed, but {capped}"
        else:
            decision.reason += f"; also {capped}"
    if decision.loosened:
        decision.reason += f" (the profile loosens: {'; '.join(decision.loosened)})"
    return decision


def _decide(
    results: RunResults, preflight_error: str | None, time_limit_error: str | None, evidence: Evidence
) -> Decision:
    if preflight_error:
        return Decision(Verdict.ROLLBACK, f"Preflight failed: {preflight_error}", rule=1)
    failing = [test for test in results.tests if test.failed]
    if time_limit_error:  # incomplete evidence never passes the gate
        return Decision(Verdict.ROLLBACK, f"Run stopped at its time limit: {time_limit_error}", failing, rule=2)
    if evidence.problems:
        return Decision(
            Verdict.ROLLBACK,
            f"The run does not show that it tested what it was asked: {'; '.join(evidence.problems)}",
            failing,
            rule=3,
        )
    missing = [suite.key for suite in results.suites if not suite.ran]
    if not results.suites or missing:
        names = ", ".join(missing) or "all"
        return Decision(Verdict.ROLLBACK, f"Suite(s) did not run: {names}", failing, rule=4)
    executed = [test for test in results.tests if not test.skipped]
    if not executed:
        return Decision(Verdict.ROLLBACK, "No test passed or failed (all skipped or none selected)", failing, rule=5)
    idle = [suite.key for suite in results.suites if suite.tests and all(test.skipped for test in suite.tests)]
    if idle:  # e.g. a profile under which no workflow is offered: that suite gave no evidence
        return Decision(
            Verdict.ROLLBACK,
            f"No test of suite(s) {', '.join(idle)} passed or failed (all skipped, e.g. not offered by this "
            "deployment): no evidence is not a pass",
            failing,
            rule=5,
        )
    security_failures = [test for test in failing if test.security]
    health_failures = [test for test in failing if _is_health(test)]
    workflows = [test for test in executed if not _is_health(test)]
    rate: Fraction | None = None
    if workflows:
        rate = Fraction(sum(1 for test in workflows if test.passed), len(workflows))
    if security_failures:
        others = [test for test in health_failures if not test.security]
        also = f"; {len(others)} other health check(s) failed: {_names(others)}" if others else ""
        return Decision(
            Verdict.ROLLBACK,
            f"{len(security_failures)} security check(s) failed: {_names(security_failures)}{also}",
            failing,
            rate,
            rule=6,
        )
    if health_failures:
        return Decision(
            Verdict.ROLLBACK,
            f"{len(health_failures)} health check(s) failed: {_names(health_failures)}",
            failing,
            rate,
            rule=7,
        )
    flaky = _flaky_note(results)
    if rate is None or rate == 1:
        if flaky:
            reason = f"Every test passed, but not at its first attempt{flaky}"
            return Decision(Verdict.MONITOR, reason, failing, rate, rule=11)
        return Decision(Verdict.PROCEED, "All smoke tests passed at their first attempt", failing, rate, rule=13)
    passed = sum(1 for test in workflows if test.passed)
    detail = f"{passed}/{len(workflows)} workflows passed ({percent(rate)})"
    if rate < Fraction(1, 2):
        return Decision(Verdict.ROLLBACK, f"{detail}: below 50%", failing, rate, rule=8)
    if rate <= Fraction(4, 5):
        return Decision(Verdict.INVESTIGATE, f"{detail}: 50-80%{flaky}", failing, rate, rule=9)
    return Decision(Verdict.MONITOR, f"{detail}: above 80% but not all{flaky}", failing, rate, rule=10)
