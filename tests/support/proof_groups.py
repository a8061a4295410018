"""Combined proof runs: one reference API broken by several proofs, one robot run of the tests they guard.

The grouping (:func:`proof_groups`):

* no two proofs of a group guard the same test, and each test gets its next proof round by round;
* only proofs that agree on what the run needs share it: served over HTTPS or not (an HTTPS-only
  fault, ``reference_api.faults.HTTPS_ONLY_FAULTS``) and the same ``guards-with:`` variables;
* a proof that declares no text for a test is run alone (a bare failure cannot be told apart from
  one another fault of the group caused), and so is one its module asks to run alone.

:class:`ProofSession` judges each proof by its group's run. A proof whose tests did not fail there
with every declared text, whose tests' messages carry a text another proof of the group declares
(that proof reached them), or whose group's run had a problem of its own (data left behind), is run
again alone, and that run decides. So a fault that breaks another proof's test (a login answering
500 breaks every flow) can mask a proof only until its own run, and a wrong declaration is reported
as failing however it was grouped (``tests/test_proof_groups.py``, and a real run in
``tests/health/test_suite_faults.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.proof_run import describe, proof_run_problems, serves_https
from tests.support.robot_run import RobotRun
from tests.support.suite_model import Proof, ProofRun


@dataclass(frozen=True)
class ProofGroup:
    """Proof runs that share one reference API and one robot run of the tests they guard."""

    runs: tuple[ProofRun, ...]
    name: str  # "health group 2 of 7"; "re-run alone after health group 2 of 7"

    @property
    def proofs(self) -> tuple[Proof, ...]:
        return tuple(proof_run.proof for proof_run in self.runs)

    @property
    def test_names(self) -> tuple[str, ...]:
        """The tests the group's proofs guard, each once."""
        return tuple(dict.fromkeys(name for proof_run in self.runs for name in proof_run.test_names))

    @property
    def variables(self) -> dict[str, str]:
        """The ``guards-with:`` variables of the group's tests (the same for every proof: :func:`group_key`)."""
        return {name: value for proof_run in self.runs for name, value in proof_run.variables.items()}

    @property
    def label(self) -> str:
        """The run as a report names it."""
        if len(self.runs) == 1:
            return f"its own run ({self.name})"
        return f"the combined run of {self.name} ({', '.join(proof.label for proof in self.proofs)})"


def groupable(proof_run: ProofRun) -> bool:
    """Whether ``proof_run`` may share a run: it declares a text for every test it guards."""
    return all(case.proof.expects for case in proof_run.cases)


def group_key(proof_run: ProofRun) -> tuple[bool, tuple[tuple[str, str], ...]]:
    """What proofs sharing a run must agree on: HTTPS or not, and the ``guards-with:`` variables."""
    return serves_https([proof_run.proof]), tuple(sorted(proof_run.variables.items()))


def proof_groups(runs: Sequence[ProofRun], alone: Collection[str] = ()) -> tuple[ProofGroup, ...]:
    """``runs`` packed into groups, suite by suite (the rule is in the module documentation).

    Round by round, each test (in the order the runs name them) takes its next pending proof whose
    tests are all still free in the round; a round holds proofs of one :func:`group_key` only. A
    proof that is not :func:`groupable`, or whose label is in ``alone`` (a fault whose effect the
    caller's checks of a whole run must allow, e.g. data it keeps), gets a group of its own, after
    the rounds.
    """
    groups: list[ProofGroup] = []
    for suite in dict.fromkeys(proof_run.suite for proof_run in runs):
        packed = _rounds([proof_run for proof_run in runs if proof_run.suite == suite], alone)
        groups += [
            ProofGroup(tuple(members), f"{suite} group {number} of {len(packed)}")
            for number, members in enumerate(packed, start=1)
        ]
    return tuple(groups)


def _rounds(runs: Sequence[ProofRun], alone: Collection[str]) -> list[list[ProofRun]]:
    tests = _tests_of(runs)
    pending = [proof_run for proof_run in runs if groupable(proof_run) and proof_run.proof.label not in alone]
    singles = [[proof_run] for proof_run in runs if proof_run not in pending]
    packed: list[list[ProofRun]] = []
    while pending:
        key = group_key(pending[0])
        occupied: set[str] = set()
        chosen: list[ProofRun] = []
        for test in tests:
            candidate = next(
                (
                    proof_run
                    for proof_run in pending
                    if group_key(proof_run) == key
                    and test in proof_run.test_names
                    and not occupied.intersection(proof_run.test_names)
                ),
                None,
            )
            if candidate is not None:
                chosen.append(candidate)
                occupied.update(candidate.test_names)
                pending.remove(candidate)
        packed.append(chosen)
    return packed + singles


# -- judging -------------------------------------------------------------------------------------
#: Runs the suite against a reference API broken by every proof of a group: the robot run, and what
#: is wrong with the run as a whole (data left behind...).
Execute = Callable[[ProofGroup, Path], tuple[RobotRun, list[str]]]
#: What is wrong with a run as the proof of one proof run (empty: it is a proof).
Judge = Callable[[RobotRun, ProofRun], list[str]]


@dataclass(frozen=True)
class Attempt:
    """One run of a group (or of one proof alone) and what was wrong with the run as a whole."""

    group: ProofGroup
    run: RobotRun
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProofVerdict:
    """How a proof was judged: the runs that were made for it, and what is wrong (empty: proven)."""

    proof_run: ProofRun
    attempts: tuple[Attempt, ...]
    problems: tuple[str, ...]
    #: Why the group's run did not prove it (when it was run alone afterwards).
    set_aside: tuple[str, ...] = field(default=())

    @property
    def proven(self) -> bool:
        return not self.problems

    @property
    def proven_by(self) -> str:
        """The run that proved it, or that it is not proven."""
        return self.attempts[-1].group.label if self.proven else "not proven"

    def explain(self) -> str:
        """The problems, the runs tried and each test's outcome in the deciding run."""
        lines = [*self.problems]
        if self.set_aside:
            lines.append(f"Not proven by {self.attempts[0].group.label} either:")
            lines += [f"  {problem}" for problem in self.set_aside]
        lines.append(f"Decided by {self.attempts[-1].group.label}:")
        return "\n".join(lines) + "\n" + describe(self.attempts[-1].run)


def crosstalk(run: RobotRun, proof_run: ProofRun, group: ProofGroup) -> list[str]:
    """The texts other proofs of ``group`` declare that turn up in ``proof_run``'s tests' messages."""
    found = []
    for case in proof_run.cases:
        message = run.tests[case.test.name].message if case.test.name in run.tests else ""
        for other in group.runs:
            if other is proof_run:
                continue
            found += [
                f"{case.test.name!r} failed with {text!r}, which guards:{other.proof.label} declares for "
                f"{other_case.test.name!r}: that proof reached this test"
                for other_case in other.cases
                for text in other_case.proof.expects
                if text in message
            ]
    return found


class ProofSession:
    """The proof runs of one test module: each group run once, a proof its group did not prove run alone.

    Hold it in a module-scoped fixture; :meth:`verdict` runs a group the first time one of its
    proofs is asked for.
    """

    def __init__(self, groups: Sequence[ProofGroup], execute: Execute, workdir: Path, judge: Judge) -> None:
        self._group_of = {proof_run.id: group for group in groups for proof_run in group.runs}
        self._execute = execute
        self._workdir = workdir
        self._judge = judge
        self._attempts: dict[str, Attempt] = {}

    def _attempt(self, group: ProofGroup) -> Attempt:
        """The run of ``group``, made once. A combined run that cannot be made (the faults together
        keep the API from starting...) is a problem of the run: its proofs are run alone."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", group.name if len(group.runs) > 1 else group.runs[0].id)[:120]
        if slug not in self._attempts:
            output = self._workdir / slug
            try:
                run, problems = self._execute(group, output)
            except Exception as exc:
                if len(group.runs) == 1:
                    raise
                run, problems = RobotRun(-1, "", output), [f"the combined run could not be made: {exc!r}"]
            self._attempts[slug] = Attempt(group, run, tuple(problems))
        return self._attempts[slug]

    def verdict(self, proof_run: ProofRun) -> ProofVerdict:
        """The verdict on ``proof_run``: by its group's run, else by a run of its own."""
        group = self._group_of[proof_run.id]
        first = self._attempt(group)
        problems = [*first.problems, *self._judge(first.run, proof_run)]
        if len(group.runs) == 1:
            return ProofVerdict(proof_run, (first,), tuple(problems))
        problems += crosstalk(first.run, proof_run, group)
        if not problems:
            return ProofVerdict(proof_run, (first,), ())
        alone = self._attempt(ProofGroup((proof_run,), f"re-run alone after {group.name}"))
        decided = [*alone.problems, *self._judge(alone.run, proof_run)]
        return ProofVerdict(proof_run, (first, alone), tuple(decided), tuple(problems))

    def prove(self, proof_run: ProofRun, record_property: Callable[[str, object], None]) -> ProofVerdict:
        """Judge ``proof_run``, record the run that proved it (``proven_by`` in the JUnit properties)
        and fail with :meth:`ProofVerdict.explain` when none did."""
        verdict = self.verdict(proof_run)
        record_property("proven_by", verdict.proven_by)
        if not verdict.proven:
            pytest.fail(verdict.explain(), pytrace=False)
        return verdict


def grouped_session(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    execute: Execute,
    judge: Judge = proof_run_problems,
    alone: Collection[str] = (),
    where: Mapping[str, object] | None = None,
) -> ProofSession:
    """The session of a module-scoped ``proofs`` fixture: the proofs the module's tests are called
    with as ``proof_run`` (the selected tests only, and of those with the parameters ``where``),
    grouped (:func:`proof_groups`)."""
    groups = proof_groups(selected(request, where or {}), alone)
    return ProofSession(groups, execute, tmp_path_factory.mktemp("proofs"), judge)


def selected(request: pytest.FixtureRequest, where: Mapping[str, object]) -> list[ProofRun]:
    """The proof runs the selected tests of ``request``'s module are called with as ``proof_run``
    (whose other parameters are ``where``), in order, each once.

    Only the selected tests count (``-k``, ``-m``, the ``full`` tier), so that working on one test's
    proofs groups only those.
    """
    found: dict[str, ProofRun] = {}
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        wanted = "proof_run" in params and all(params.get(name) == value for name, value in where.items())
        if wanted and getattr(item, "module", None) is request.module:
            found.setdefault(params["proof_run"].id, params["proof_run"])
    return list(found.values())


def every_test_once(runs: Sequence[ProofRun], alone: Collection[str] = ()) -> set[str]:
    """The ids of proofs of ``runs`` that prove every test once in few runs: taken from the first
    groups (:func:`proof_groups`) on. For a quick tier of the proofs on another dialect (the default
    contract's proofs run all of them in every tier)."""
    quick: set[str] = set()
    covered: set[str] = set()
    for group in proof_groups(runs, alone):
        for proof_run in group.runs:
            if not covered.issuperset(proof_run.test_names):
                quick.add(proof_run.id)
                covered.update(proof_run.test_names)
    return quick


def _tests_of(runs: Sequence[ProofRun]) -> list[str]:
    return list(dict.fromkeys(name for proof_run in runs for name in proof_run.test_names))
