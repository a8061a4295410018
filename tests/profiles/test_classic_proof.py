"""Proof on a second API (issue 10, item 5): both suites against the reference API's classic dialect.

The classic dialect differs from the contract in paths, bodies, statuses, answer shapes, error
format, rate-limit headers, plan and status words, and offers no webhooks. With its profile
(``variables/profiles/classic.yaml``) and nothing else:

* a healthy classic API passes every applicable test; the webhook flow SKIPs as not offered;
* the proofs the suites declare (``guards:`` tags) make their tests fail with the declared message
  parts here too: each test's first declared proofs, those that break different tests sharing one
  run to keep CI short; a proof that cannot apply to classic is skipped for the reason the
  reference API declares (``reference_api.faults.NOT_IN_DIALECT``, HTTPS-only faults, mutations of
  paths classic does not serve);
* with the default profile instead, the OpenAPI check names the operations that are not offered.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.profiles._agreement import disagreements
from tests.support.artifacts import artifacts_containing, spellings_in
from tests.support.proof_run import not_applicable, proof_api, proof_run_problems
from tests.support.robot_run import SUITES, RobotRun, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import (
    SUITE_NAMES,
    ProofRun,
    count_of,
    guarded_by_stand_in,
    names_of,
    only_test_broken_by_fault,
    only_test_tagged,
    proof_runs,
    suite_tests,
)

Healthy = tuple[RobotRun, dict[str, int]]  # the healthy run and the rows it left

REPO_ROOT = Path(__file__).resolve().parents[2]
CLASSIC_PROFILE = REPO_ROOT / "variables" / "profiles" / "classic.yaml"
CLASSIC = {"LATTICE_DIALECT": "classic"}
PASSWORD = f'Classic Pw<&"%+{uuid.uuid4().hex}'
NOT_OFFERED = "Operation 'create_webhook' is not offered by this deployment (profile classic)"
TABLES = ("users", "subscriptions", "usage", "lattices")


def run_classic(
    api: ReferenceApi,
    output: Path,
    suite: str | Path = SUITES,
    tests: tuple[str, ...] = (),
    profile: Path | None = CLASSIC_PROFILE,
    variables: dict[str, str] | None = None,
) -> RobotRun:
    extra = ["--variablefile", str(profile)] if profile else []
    return run_suite(
        suite,
        api.base_url,
        output,
        env={"TEST_PASSWORD": PASSWORD},
        variables=variables,
        tests=tests,
        extra_args=extra,
        timeout=300,
    )


def rows_left(api: ReferenceApi) -> dict[str, int]:
    path = api.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        counts = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    return {table: count for table, count in counts.items() if count}


def report(run: RobotRun) -> str:
    return "\n".join(f"{name}: {outcome.status} {outcome.message[:300]}" for name, outcome in run.tests.items())


# -- a healthy classic API -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Healthy]:
    with ReferenceApi(env=CLASSIC) as api:
        run = run_classic(api, tmp_path_factory.mktemp("classic-healthy"))
        left = rows_left(api)
    yield run, left


def test_a_healthy_classic_api_passes_every_test_it_offers(healthy: Healthy) -> None:
    run, _ = healthy
    skipped = {name: outcome.message for name, outcome in run.tests.items() if outcome.status == "SKIP"}
    failed = {name: outcome.message for name, outcome in run.tests.items() if outcome.status == "FAIL"}
    assert not failed, report(run)
    assert len(run.tests) == sum(count_of(suite) for suite in SUITE_NAMES), report(run)
    # webhooks are not offered; Redis is not configured; plain HTTP has no certificate
    webhooks = only_test_tagged("workflows", "webhooks").name
    assert set(skipped) == {
        webhooks,
        only_test_broken_by_fault("health", "health_no_redis_check").name,
        guarded_by_stand_in("health", "bad-certificate")[0].name,
    }, report(run)
    assert skipped[webhooks] == NOT_OFFERED


def test_the_classic_run_compares_the_profile_with_the_openapi_document(healthy: Healthy) -> None:
    run, _ = healthy
    log = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    assert "Operations of the profile compared with" in log and "MISSING from the document" not in log


def test_the_classic_run_agrees_with_the_applicability_table(healthy: Healthy) -> None:
    run, _ = healthy
    assert not disagreements(run.output_dir / "output.xml", CLASSIC_PROFILE)


def test_the_classic_run_leaves_no_data_and_no_password(healthy: Healthy) -> None:
    run, left = healthy
    assert not left, f"the run left rows behind: {left}"
    leaks = artifacts_containing(run.output_dir, PASSWORD) + spellings_in(run.stdout, PASSWORD)
    assert not leaks, leaks


# -- the declared proofs on the classic API --------------------------------------------------------
#: The fault that keeps deleted users: the rows it leaves behind are its effect, not a leak.
KEEPS_DELETED_USERS = {"delete_user_keeps_data"}
#: How many grouped runs each suite gets: each test's first proofs, as many as there are rounds.
ROUNDS = {"workflows": 2, "health": 1}


def applicable_runs(suite: str) -> list[ProofRun]:
    """The suite's proof runs that apply to the classic dialect over plain HTTP."""
    return [
        proof_run
        for proof_run in proof_runs(suite)
        if not any(not_applicable(case, "classic") for case in proof_run.cases)
    ]


def rounds(suite: str) -> list[list[ProofRun]]:
    """Proof runs packed into ``ROUNDS[suite]`` rounds: in a round, no two proofs break the same test
    (as declared), and each test gets its next proof not run yet."""
    runs = applicable_runs(suite)
    used: set[str] = set()
    packed: list[list[ProofRun]] = []
    for _ in range(ROUNDS[suite]):
        occupied: set[str] = set()
        chosen: list[ProofRun] = []
        for test in suite_tests(suite):
            if test.name in occupied:
                continue
            for proof_run in runs:
                names = set(proof_run.test_names)
                if test.name in names and proof_run.id not in used and not names & occupied:
                    chosen.append(proof_run)
                    used.add(proof_run.id)
                    occupied |= names
                    break
        packed.append(chosen)
    return packed


ROUND_CASES = [(suite, index, runs) for suite in ("workflows", "health") for index, runs in enumerate(rounds(suite))]


@pytest.mark.parametrize(
    ("suite", "index", "runs"), ROUND_CASES, ids=[f"{suite}-{index + 1}" for suite, index, _ in ROUND_CASES]
)
def test_proof_of_each_test_on_the_classic_api(tmp_path: Path, suite: str, index: int, runs: list[ProofRun]) -> None:
    """The round's proofs together; a test whose message another proof of the round took is proven
    again with its own proof alone."""
    variables = {name: value for proof_run in runs for name, value in proof_run.variables.items()}
    with proof_api([proof_run.proof for proof_run in runs], env=CLASSIC) as api:
        run = run_classic(api, tmp_path / "round", SUITES / f"{suite}.robot", variables=variables)
        left = rows_left(api)
    if not {proof_run.proof.spec for proof_run in runs} & KEEPS_DELETED_USERS:
        assert not left, f"the run left rows behind: {left}"
    for proof_run in runs:
        if not proof_run_problems(run, proof_run):
            continue
        with proof_api([proof_run.proof], env=CLASSIC) as api:
            alone = run_classic(
                api,
                tmp_path / proof_run.proof.slug,
                SUITES / f"{suite}.robot",
                proof_run.test_names,
                variables=proof_run.variables,
            )
        problems = proof_run_problems(alone, proof_run)
        assert not problems, "\n".join(problems) + "\n" + report(alone)


@pytest.mark.parametrize("suite", ["workflows", "health"])
def test_every_test_with_a_proof_for_classic_is_proven_there(suite: str) -> None:
    proven = {name for runs in rounds(suite) for proof_run in runs for name in proof_run.test_names}
    provable = {name for proof_run in applicable_runs(suite) for name in proof_run.test_names}
    assert provable and proven == provable


# -- the classic API with the default profile -------------------------------------------------------
def test_the_default_profile_on_the_classic_api_names_what_is_not_offered(tmp_path: Path) -> None:
    with ReferenceApi(env=CLASSIC) as api:
        run = run_classic(api, tmp_path, profile=None)
        left = rows_left(api)
    workflows = {name: o for name, o in run.tests.items() if name in names_of("workflows")}
    assert len(workflows) == count_of("workflows"), report(run)
    assert all(o.status == "FAIL" for o in workflows.values()), report(run)
    for outcome in workflows.values():
        assert (
            "POST /api/v1/auth/register is not offered by this API (its OpenAPI document has no such operation)"
        ) in outcome.message, outcome.message
    # not a wall of 401/404: only the unknown-path check expects (and gets) a 404, in the wrong format
    errors = only_test_broken_by_fault("health", "error_not_problem_json").name
    failed = [o.message for name, o in run.tests.items() if o.status == "FAIL" and name != errors]
    assert not [m for m in failed if "answered 401" in m or "answered 404" in m], report(run)
    rate_limits = only_test_broken_by_fault("health", "no_rate_limit").name
    authentication = only_test_broken_by_fault("health", "login_500").name
    assert "GET /api/v1/plans is not offered by this API" in run.message(rate_limits)
    assert "POST /api/v1/auth/login is not offered by this API" in run.message(authentication)
    assert not left
