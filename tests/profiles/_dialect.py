"""The reference API's other dialects, each with its profile: how the suites run against them.

A dialect is described once (:class:`Dialect`): ``test_classic_proof.py`` and ``test_lean_proof.py``
run the healthy suites against it, ``test_dialect_proofs.py`` the declared proofs.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from smoke_runner.profiles import applicability_table
from smoke_runner.profiles.capabilities import NARROWED, NOT_OFFERED
from tests.profiles._agreement import profile_variables
from tests.support.artifacts import artifacts_containing, spellings_in
from tests.support.proof_groups import Judge, ProofGroup, ProofSession, grouped_session
from tests.support.proof_run import not_applicable, proof_api, proof_run_problems
from tests.support.robot_run import SUITES, RobotRun, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import SUITE_NAMES, Proof, ProofRun, SuiteTest, names_of, proof_runs

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The variables of a run's environment that hold secrets.
SECRETS = ("TEST_PASSWORD", "SMOKE_ADMIN_TOKEN")
#: The fault that keeps deleted users: the rows it leaves behind are its effect (reported), not a leak.
KEEPS_DELETED_USERS = frozenset({"delete_user_keeps_data"})


@dataclass(frozen=True)
class Dialect:
    """A dialect of the reference API and how the suites run against it."""

    name: str
    #: The environment of the reference API (``LATTICE_DIALECT``...).
    api_env: Mapping[str, str]
    #: The environment of every robot run (the test password, an admin token...).
    run_env: Mapping[str, str]
    #: The tables that hold user data in this dialect.
    tables: tuple[str, ...]
    #: Proofs that cannot apply to the dialect although their paths exist, and why.
    not_here: Mapping[str, str] = field(default_factory=dict)
    #: What is wrong with a run as a proof here (empty: it is one).
    judge: Judge = proof_run_problems

    @property
    def profile(self) -> Path:
        return REPO_ROOT / "variables" / "profiles" / f"{self.name}.yaml"

    def api(self, runs: Sequence[ProofRun] = ()) -> ReferenceApi:
        """A reference API of this dialect (not started), broken by the proofs of ``runs``."""
        return proof_api([proof_run.proof for proof_run in runs], env=self.api_env)

    def run(
        self,
        api: ReferenceApi,
        output: Path,
        suite: str | None = None,
        tests: Sequence[str] = (),
        variables: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        profile: bool = True,
    ) -> RobotRun:
        """Both suites (or ``suite``; all its tests, or ``tests``) against ``api`` with the profile."""
        return run_suite(
            SUITES / f"{suite}.robot" if suite else SUITES,
            api.base_url,
            output,
            env={**self.run_env, **(env or {})},
            variables=variables,
            tests=tests,
            extra_args=["--variablefile", str(self.profile)] if profile else [],
            timeout=300,
        )

    def healthy_run(
        self,
        output: Path,
        suite: str | None = None,
        tests: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        profile: bool = True,
    ) -> tuple[RobotRun, dict[str, int]]:
        """:meth:`run` against a healthy API of this dialect, and the rows the run left."""
        with self.api() as api:
            run = self.run(api, output, suite, tests, env=env, profile=profile)
            return run, self.rows_left(api)

    def outcome_problems(self, run: RobotRun, skipped: set[str]) -> list[str]:
        """How ``run`` differs from a healthy run of both suites: every test ran and passed, but those
        in ``skipped``, which skipped."""
        every = {name for suite in SUITE_NAMES for name in names_of(suite)}
        problems = [f"{name} did not run" for name in sorted(every - set(run.tests))]
        for name, outcome in run.tests.items():
            expected = "SKIP" if name in skipped else "PASS"
            if outcome.status != expected:
                problems.append(f"{name} is {outcome.status}, not {expected}: {outcome.message[:300]}")
        return problems

    def leaks(self, run: RobotRun) -> list[str]:
        """Where a secret of the run (the test password, an admin token) turns up in its artifacts or
        on its console."""
        secrets = [value for name, value in self.run_env.items() if name in SECRETS and value]
        found = [place for secret in secrets for place in artifacts_containing(run.output_dir, secret)]
        return found + [place for secret in secrets for place in spellings_in(run.stdout, secret)]

    def rows_left(self, api: ReferenceApi) -> dict[str, int]:
        """The tables that still hold rows, with their counts (call before the API stops)."""
        path = api.database_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            counts = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in self.tables}
        return {table: count for table, count in counts.items() if count}

    def why_not(self, proof_run: ProofRun) -> str | None:
        """Why ``proof_run`` cannot apply to this dialect over plain HTTP, or None when it can."""
        if proof_run.proof.label in self.not_here:
            return self.not_here[proof_run.proof.label]
        return next(filter(None, (not_applicable(case, self.name) for case in proof_run.cases)), None)

    def applicable_runs(self) -> list[ProofRun]:
        """The proof runs of both suites that apply to this dialect."""
        return [proof_run for suite in SUITE_NAMES for proof_run in proof_runs(suite) if not self.why_not(proof_run)]

    def not_applicable_runs(self) -> dict[str, str]:
        """``{proof: why}`` for the declared proofs that cannot apply to this dialect."""
        found = {}
        for suite in SUITE_NAMES:
            for proof_run in proof_runs(suite):
                reason = self.why_not(proof_run)
                if reason:
                    found[proof_run.proof.label] = reason
        return found

    def run_proofs(self, group: ProofGroup, output: Path) -> tuple[RobotRun, list[str]]:
        """The tests ``group``'s proofs guard against this dialect broken by all of them, and the rows
        the run left (unless its proof keeps deleted users: it runs alone)."""
        with self.api(group.runs) as api:
            run = self.run(api, output, group.runs[0].suite, group.test_names, group.variables)
            left = self.rows_left(api)
        if left and not {proof.spec for proof in group.proofs} & KEEPS_DELETED_USERS:
            return run, [f"the run left rows behind: {left}"]
        return run, []

    def proof_session(self, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ProofSession:
        """The proofs of ``request``'s module on this dialect (parameter ``dialect``), grouped."""
        return grouped_session(
            request, tmp_path_factory, self.run_proofs, self.judge, KEEPS_DELETED_USERS, where={"dialect": self.name}
        )


# -- classic ---------------------------------------------------------------------------------------
CLASSIC_PASSWORD = f'Classic Pw<&"%+{uuid.uuid4().hex}'
CLASSIC = Dialect(
    "classic",
    api_env={"LATTICE_DIALECT": "classic"},
    run_env={"TEST_PASSWORD": CLASSIC_PASSWORD},
    tables=("users", "subscriptions", "usage", "lattices"),
)

# -- lean ------------------------------------------------------------------------------------------
LEAN_ADMIN_TOKEN = f"lean-admin-{uuid.uuid4().hex}"
LEAN_PASSWORD = f'Lean Pw<&"%+{uuid.uuid4().hex}'
LEAN_PROFILE = REPO_ROOT / "variables" / "profiles" / "lean.yaml"
#: (proof, test) whose declared message is worded for the contract, and the words naming the same problem in lean.
LEAN_MESSAGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("health_no_database_check", "Database Connection Is Active"): (
        "Expected a 'database' check",
        "checks present: none",
    ),
    ("error_not_problem_json", "Error Handling Returns Proper Responses"): (
        "Expected a JSON error",
        "answered 404 (text/plain",
    ),
}


def lean_table() -> dict[str, str]:
    """``{test: applicability}`` of the lean profile, as the runner prints it before a run."""
    return {row.test.name: row.applicability.status for row in applicability_table(profile_variables(LEAN_PROFILE))}


def lean_texts(test: SuiteTest, proof: Proof) -> tuple[str, ...]:
    """The parts of the message ``proof`` must give ``test`` in lean."""
    return LEAN_MESSAGES.get((proof.spec, test.name), proof.expects)


def lean_problems(run: RobotRun, proof_run: ProofRun) -> list[str]:
    """What is wrong with ``run`` as the proof of ``proof_run`` in lean (empty: it is a proof).

    A test running fully must fail with the texts; one running narrowed may leave the fault to another
    test guarding it, which then fails with its texts; one not offered does not run.
    """
    statuses = lean_table()
    caught, missed = [], []
    for case in proof_run.cases:
        if statuses.get(case.test.name) == NOT_OFFERED:
            continue  # the test does not run against lean (bulk, subscriptions, webhooks)
        outcome = run.tests.get(case.test.name)
        texts = lean_texts(case.test, case.proof)
        if outcome and outcome.status == "FAIL" and all(text in outcome.message for text in texts):
            caught.append(case.test.name)
        elif statuses.get(case.test.name) != NARROWED:
            missed.append(
                f"{case.test.name}: {outcome.status if outcome else 'did not run'}, without {texts}: "
                f"{outcome.message[:400] if outcome else ''}"
            )
    if not caught:
        missed.append(f"no test caught {proof_run.proof.label}")
    return missed


LEAN = Dialect(
    "lean",
    api_env={"LATTICE_DIALECT": "lean", "LATTICE_ADMIN_TOKEN": LEAN_ADMIN_TOKEN},
    run_env={
        "TEST_PASSWORD": LEAN_PASSWORD,
        "SMOKE_ADMIN_TOKEN": LEAN_ADMIN_TOKEN,
        "REDIS_REQUIRED": "",
        "CA_BUNDLE": "",
    },
    tables=("users", "usage", "lattices"),
    not_here={
        "mutate:GET /health:remove-field=checks.database": (
            "lean's health report has no 'checks' member (health_no_database_check is its proof)"
        ),
    },
    judge=lean_problems,
)
