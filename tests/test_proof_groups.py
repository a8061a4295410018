"""Combined proof runs (``tests/support/proof_run.py``): the grouping rule on the suites' declarations,
and the judging on stand-in runs whose outcomes these tests write, so that every way a group could
hide or fake a proof is shown to end in a run of the proof alone.

A real combined run with a deliberately wrong declaration: ``tests/health/test_suite_faults.py``
(``test_a_wrong_declaration_fails_however_it_is_grouped``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from reference_api.faults import HTTPS_ONLY_FAULTS
from tests.support.proof_groups import ProofGroup, ProofSession, group_key, groupable, proof_groups
from tests.support.proof_run import proof_run_problems, serves_https
from tests.support.robot_run import RobotRun, TestOutcome
from tests.support.suite_model import SUITE_NAMES, Proof, ProofCase, ProofRun, SuiteTest, proof_runs

pytestmark = [pytest.mark.suites, pytest.mark.unit]

DECLARED = {suite: proof_runs(suite) for suite in SUITE_NAMES}


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_every_declared_proof_is_in_exactly_one_group(suite: str) -> None:
    groups = proof_groups(DECLARED[suite])
    placed = [proof_run.id for group in groups for proof_run in group.runs]
    assert sorted(placed) == sorted(proof_run.id for proof_run in DECLARED[suite])
    assert len(groups) < len(DECLARED[suite]) / 2, "grouping saves no runs"


@pytest.mark.parametrize("suite", SUITE_NAMES)
def test_no_group_holds_two_proofs_of_one_test_or_two_kinds_of_run(suite: str) -> None:
    for group in proof_groups(DECLARED[suite]):
        names = [name for proof_run in group.runs for name in proof_run.test_names]
        assert len(names) == len(set(names)), f"{group.name}: two proofs of one test: {names}"
        assert len({group_key(proof_run) for proof_run in group.runs}) == 1, group.name
        https = [serves_https([proof]) for proof in group.proofs]
        assert all(https) or not any(https), f"{group.name} mixes HTTPS-only faults with others"


def test_https_only_faults_and_guards_with_variables_are_declared_and_kept_apart() -> None:
    """The rule has something to do in the suites: an HTTPS-only proof and a proof with variables."""
    runs = [proof_run for suite in SUITE_NAMES for proof_run in DECLARED[suite]]
    assert any(proof_run.proof.spec in HTTPS_ONLY_FAULTS for proof_run in runs)
    assert any(proof_run.variables for proof_run in runs)
    for group in proof_groups(runs):
        assert len({tuple(sorted(proof_run.variables.items())) for proof_run in group.runs}) == 1, group.name


# -- stand-in runs ---------------------------------------------------------------------------------
def proof(test: str, fault: str, *texts: str, variables: Mapping[str, str] | None = None) -> ProofRun:
    """A proof run of ``fault`` declared on ``test`` with ``texts``."""
    return ProofRun((ProofCase(SuiteTest("demo", test, (), (), dict(variables or {})), Proof("fault", fault, texts)),))


class StandIn:
    """A suite and an API written as data: what each fault does to each test's message.

    ``effects[(fault, test)]`` is the message the fault gives the test; a fault listed in ``masks``
    replaces every message of every test with its own (a login that fails breaks every test).
    """

    def __init__(self, effects: Mapping[tuple[str, str], str], masks: Mapping[str, str] | None = None) -> None:
        self.effects = effects
        self.masks = masks or {}
        self.runs: list[tuple[str, ...]] = []
        self.left_behind: set[str] = set()

    def execute(self, group: ProofGroup, output: Path) -> tuple[RobotRun, list[str]]:
        faults = tuple(proof.spec for proof in group.proofs)
        self.runs.append(faults)
        masked = [self.masks[fault] for fault in faults if fault in self.masks]
        tests = {}
        for name in group.test_names:
            messages = masked or [self.effects[(fault, name)] for fault in faults if (fault, name) in self.effects]
            tests[name] = TestOutcome("FAIL", "; ".join(messages)) if messages else TestOutcome("PASS", "")
        problems = [f"{fault} left rows behind" for fault in faults if fault in self.left_behind]
        return RobotRun(1, "", output, tests), problems


def session(stand_in: StandIn, *runs: ProofRun) -> ProofSession:
    return ProofSession(proof_groups(runs), stand_in.execute, Path("unused"), proof_run_problems)


def test_proofs_that_hold_in_the_combined_run_are_proven_by_it_in_one_run() -> None:
    stand_in = StandIn({("a", "A"): "a broke A", ("b", "B"): "b broke B"})
    a, b = proof("A", "a", "broke A"), proof("B", "b", "broke B")
    proofs = session(stand_in, a, b)
    verdicts = [proofs.verdict(a), proofs.verdict(b)]
    assert all(verdict.proven for verdict in verdicts)
    assert stand_in.runs == [("a", "b")]
    assert verdicts[0].proven_by == "the combined run of demo group 1 of 1 (a, b)"


def test_a_wrong_declaration_is_run_alone_and_still_fails() -> None:
    stand_in = StandIn({("a", "A"): "a broke A", ("b", "B"): "b broke B"})
    wrong, b = proof("A", "a", "a text A never gives"), proof("B", "b", "broke B")
    proofs = session(stand_in, wrong, b)
    verdict = proofs.verdict(wrong)
    assert not verdict.proven and verdict.proven_by == "not proven"
    assert [attempt.group.name for attempt in verdict.attempts] == [
        "demo group 1 of 1",
        "re-run alone after demo group 1 of 1",
    ]
    assert "failed without 'a text A never gives'" in verdict.explain()
    assert proofs.verdict(b).proven
    assert stand_in.runs == [("a", "b"), ("a",)]


def test_a_proof_masked_by_another_of_its_group_is_proven_by_its_own_run() -> None:
    """A login that fails breaks every test: the group's run proves only the login proof."""
    stand_in = StandIn({("a", "A"): "a broke A", ("login", "L"): "login answered 500"}, masks={"login": "answered 500"})
    a, login = proof("A", "a", "broke A"), proof("L", "login", "answered 500")
    proofs = session(stand_in, a, login)
    verdict = proofs.verdict(a)
    assert verdict.proven and verdict.proven_by == "its own run (re-run alone after demo group 1 of 1)"
    assert verdict.set_aside, "the group's run would have been taken for a proof"
    assert proofs.verdict(login).proven_by.startswith("the combined run")


def test_a_failure_another_proof_of_the_group_caused_does_not_count() -> None:
    """``b`` gives A the very text ``a`` declares, and its own: ``a`` is judged alone, where it fails."""
    stand_in = StandIn({("b", "A"): "broke A, with b's mark", ("b", "B"): "b's mark on B"})
    a, b = proof("A", "a", "broke A"), proof("B", "b", "b's mark")
    proofs = session(stand_in, a, b)
    verdict = proofs.verdict(a)
    assert not verdict.proven
    assert any("which guards:b declares for 'B'" in problem for problem in verdict.set_aside), verdict.set_aside
    assert "'A' is PASS, not FAIL" in verdict.explain()


def test_a_problem_of_the_group_s_run_sends_every_proof_to_a_run_of_its_own() -> None:
    stand_in = StandIn({("a", "A"): "a broke A", ("b", "B"): "b broke B"})
    stand_in.left_behind = {"b"}
    a, b = proof("A", "a", "broke A"), proof("B", "b", "broke B")
    proofs = session(stand_in, a, b)
    assert proofs.verdict(a).proven_by == "its own run (re-run alone after demo group 1 of 1)"
    verdict = proofs.verdict(b)
    assert not verdict.proven and verdict.problems == ("b left rows behind",)


def test_a_combined_run_that_cannot_be_made_sends_its_proofs_to_runs_of_their_own() -> None:
    stand_in = StandIn({("a", "A"): "a broke A", ("b", "B"): "b broke B"})
    made = stand_in.execute

    def execute(group: ProofGroup, output: Path) -> tuple[RobotRun, list[str]]:
        if len(group.runs) > 1:
            raise RuntimeError("the reference API exited with status 1")
        return made(group, output)

    a, b = proof("A", "a", "broke A"), proof("B", "b", "broke B")
    proofs = ProofSession(proof_groups([a, b]), execute, Path("unused"), proof_run_problems)
    verdict = proofs.verdict(a)
    assert verdict.proven and verdict.proven_by == "its own run (re-run alone after demo group 1 of 1)"
    assert "the combined run could not be made: RuntimeError('the reference API exited" in verdict.set_aside[0]
    assert proofs.verdict(b).proven


def test_a_proof_without_a_text_variables_of_its_own_or_asked_to_run_alone_is_not_grouped() -> None:
    bare = proof("A", "bare")
    sampled = proof("B", "slow", "too slow", variables={"SLA_SAMPLES": "3"})
    kept = proof("C", "keeps_data", "kept")
    plain = [proof(test, f"fault_{test}", "text") for test in ("D", "E")]
    assert not groupable(bare)
    groups = proof_groups([bare, sampled, kept, *plain], alone={"keeps_data"})
    assert sorted(len(group.runs) for group in groups) == [1, 1, 1, 2]
    alone = {group.runs[0].proof.spec for group in groups if len(group.runs) == 1}
    assert alone == {"bare", "slow", "keeps_data"}
