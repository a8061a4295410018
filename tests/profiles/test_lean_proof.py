"""Proof on an ordinary API of another shape (issue 21): both suites against the reference API's lean dialect.

The lean dialect is a FastAPI + SQLite service: no cache in its health report, no self-delete but
an admin delete, no read-by-id route, paths as vertex indices without ``found``, hypercubes as rank
and edge length, usage without a path counter, FastAPI's ``{"detail"}`` errors, a docs page whose CSP
allows inline scripts, no ``Cache-Control``; no plans, subscriptions, webhooks or bulk routes. With
its profile (``variables/profiles/lean.yaml``, built in docs/point-the-gate-at-your-api.md) and the
admin token in the environment:

* a healthy lean API passes every test it offers; the tests it lacks a need of skip as not offered,
  those it can do without run narrowed, exactly as the applicability table said before the run; the
  run records the profile, its loosened policies and waivers, and leaves nothing behind;
* every fault of the reference API that exists in lean fails the tests guarding it, with a message
  naming the real problem (the declared one; a few are worded for lean below). A test that runs
  narrowed may leave a fault to another test that guards it;
* the acceptance check of the issue: a contradicting health report, login answering 500, a tenant
  seeing another tenant's lattice in its listing, a missing X-Content-Type-Options and a /health
  two seconds slow each fail the test that must catch it.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from smoke_runner.profiles import applicability_table, read_findings
from smoke_runner.profiles.capabilities import NARROWED, NOT_OFFERED
from tests.profiles._agreement import disagreements, profile_variables
from tests.support.artifacts import artifacts_containing, spellings_in
from tests.support.proof_run import not_applicable, proof_api
from tests.support.robot_run import SUITES, RobotRun, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import ProofRun, SuiteTest, proof_runs, suite_test_named

REPO_ROOT = Path(__file__).resolve().parents[2]
LEAN_PROFILE = REPO_ROOT / "variables" / "profiles" / "lean.yaml"
ADMIN_TOKEN = f"lean-admin-{uuid.uuid4().hex}"
LEAN = {"LATTICE_DIALECT": "lean", "LATTICE_ADMIN_TOKEN": ADMIN_TOKEN}
PASSWORD = f'Lean Pw<&"%+{uuid.uuid4().hex}'
TABLES = ("users", "usage", "lattices")
#: The fault that keeps deleted users: the rows it leaves behind are its effect (reported), not a leak.
KEEPS_DELETED_USERS = {"delete_user_keeps_data"}
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
#: Proofs that cannot apply to lean although its paths exist, and why.
NOT_IN_LEAN = {
    "mutate:GET /health:remove-field=checks.database": (
        "lean's health report has no 'checks' member (health_no_database_check is its proof)"
    ),
}


def run_lean(
    api: ReferenceApi,
    output: Path,
    suite: str | Path = SUITES,
    tests: tuple[str, ...] = (),
    variables: dict[str, str] | None = None,
    admin_token: str = ADMIN_TOKEN,
) -> RobotRun:
    return run_suite(
        suite,
        api.base_url,
        output,
        env={"TEST_PASSWORD": PASSWORD, "SMOKE_ADMIN_TOKEN": admin_token, "REDIS_REQUIRED": "", "CA_BUNDLE": ""},
        variables=variables,
        tests=tests,
        extra_args=["--variablefile", str(LEAN_PROFILE)],
        timeout=300,
    )


def rows_left(api: ReferenceApi) -> dict[str, int]:
    path = api.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        counts = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    return {table: count for table, count in counts.items() if count}


def report(run: RobotRun) -> str:
    return "\n".join(f"{name}: {outcome.status} {outcome.message[:300]}" for name, outcome in run.tests.items())


def table() -> dict[str, str]:
    return {row.test.name: row.applicability.status for row in applicability_table(profile_variables(LEAN_PROFILE))}


# -- a healthy lean API ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RobotRun, dict[str, int]]]:
    with ReferenceApi(env=LEAN) as api:
        run = run_lean(api, tmp_path_factory.mktemp("lean-healthy"))
        left = rows_left(api)
    yield run, left


def test_a_healthy_lean_api_passes_every_test_it_offers(healthy: tuple[RobotRun, dict[str, int]]) -> None:
    run, _ = healthy
    failed = {name: outcome.message for name, outcome in run.tests.items() if outcome.status == "FAIL"}
    assert not failed, report(run)
    statuses = table()
    skipped = {name for name, outcome in run.tests.items() if outcome.status == "SKIP"}
    not_offered = {name for name, status in statuses.items() if status == NOT_OFFERED}
    # plain HTTP has no certificate to check
    assert skipped == not_offered | {"SSL Certificate Is Valid For HTTPS"}, report(run)
    assert len(run.tests) == len(statuses)


def test_the_lean_run_agrees_with_the_applicability_table(healthy: tuple[RobotRun, dict[str, int]]) -> None:
    run, _ = healthy
    assert not disagreements(run.output_dir / "output.xml", LEAN_PROFILE, admin_token=True)
    narrowed = {name for name, status in table().items() if status == NARROWED}
    assert narrowed == {
        "Authenticated API Access Flow",
        "Lattice Creation Flow",
        "Usage Tracking Flow",
        "Error Recovery Flow",
    }


def test_the_lean_run_records_its_profile_and_leaves_nothing_behind(healthy: tuple[RobotRun, dict[str, int]]) -> None:
    run, left = healthy
    assert not left, f"the run left rows behind: {left}"
    findings = read_findings(run.output_dir / "output.xml")
    assert findings.profiles == ["lean"]
    assert not findings.users_left_behind and not findings.cleanup_problems, findings
    assert all("strategy admin" in line for line in findings.cleanup), findings
    assert len(findings.loosened_policies) == 2 and len(findings.waivers) == 2, findings
    assert {item.name for item in findings.narrowed} == {
        "Authenticated API Access Flow",
        "Lattice Creation Flow",
        "Usage Tracking Flow",
        "Error Recovery Flow",
    }
    leaks = [
        *artifacts_containing(run.output_dir, PASSWORD),
        *artifacts_containing(run.output_dir, ADMIN_TOKEN),
        *spellings_in(run.stdout, PASSWORD),
        *spellings_in(run.stdout, ADMIN_TOKEN),
    ]
    assert not leaks, leaks


def test_without_the_admin_token_the_users_are_reported_and_no_test_changes(tmp_path: Path) -> None:
    flows = ("User Login Flow", "Lattice Pathfinding Flow")
    with ReferenceApi(env=LEAN) as api:
        run = run_lean(api, tmp_path, SUITES / "workflows.robot", flows, admin_token="")
        left = rows_left(api)
    assert {outcome.status for outcome in run.tests.values()} == {"PASS"}, report(run)
    findings = read_findings(run.output_dir / "output.xml")
    assert len(findings.users_left_behind) == 1 and findings.users_left_behind[0].startswith("id "), findings
    assert findings.cleanup_problems == [
        "cleanup strategy admin, but the environment variable SMOKE_ADMIN_TOKEN is not set"
    ], findings
    assert left == {"users": 1, "usage": 1}, left  # the lattices were deleted one by one


# -- the declared proofs on the lean API -----------------------------------------------------------
def expected_texts(test: SuiteTest, spec: str) -> tuple[str, ...]:
    declared = test.proof("fault", spec) or test.proof("mutate", spec)
    return LEAN_MESSAGES.get((spec, test.name), declared.expects if declared else ())


def applicable_runs(suite: str) -> list[ProofRun]:
    """The suite's proof runs that apply to the lean dialect over plain HTTP."""
    return [
        run
        for run in proof_runs(suite)
        if run.proof.label not in NOT_IN_LEAN and not any(not_applicable(case, "lean") for case in run.cases)
    ]


PROOFS = [proof_run for suite in ("health", "workflows") for proof_run in applicable_runs(suite)]


def problems_of(run: RobotRun, proof_run: ProofRun) -> list[str]:
    """What is wrong with ``run`` as the proof of ``proof_run`` in lean (empty: it is a proof).

    A test running fully must fail with the texts; one running narrowed may leave the fault to another
    test guarding it, which then fails with its texts; one not offered does not run.
    """
    statuses = table()
    caught, missed = [], []
    for case in proof_run.cases:
        if statuses.get(case.test.name) == NOT_OFFERED:
            continue  # the test does not run against lean (bulk, subscriptions, webhooks)
        outcome = run.tests.get(case.test.name)
        texts = expected_texts(case.test, case.proof.spec)
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


@pytest.mark.parametrize("proof_run", PROOFS, ids=[proof_run.id for proof_run in PROOFS])
def test_each_lean_fault_fails_its_guarding_tests(tmp_path: Path, proof_run: ProofRun) -> None:
    suite = proof_run.cases[0].test.suite
    with proof_api([proof_run.proof], env=LEAN) as api:
        run = run_lean(api, tmp_path, SUITES / f"{suite}.robot", proof_run.test_names, proof_run.variables)
        left = rows_left(api)
    problems = problems_of(run, proof_run)
    assert not problems, "\n".join(problems) + "\n" + report(run)
    if proof_run.proof.spec not in KEEPS_DELETED_USERS:
        assert not left, f"the run left rows behind: {left}"


def test_every_proof_that_lean_cannot_run_says_why() -> None:
    skipped = {
        case.proof.label: not_applicable(case, "lean")
        for suite in ("health", "workflows")
        for run in proof_runs(suite)
        for case in run.cases
        if not_applicable(case, "lean")
    }
    assert all(skipped.values()), skipped
    assert "tenant_leak" in skipped and "tenant_leak_listing" not in skipped
    assert all(reason for reason in NOT_IN_LEAN.values())


# -- the acceptance check ------------------------------------------------------------------
ACCEPTANCE = [
    ("health_pass_with_failed_check", "API Server Is Running And Responding", "the report contradicts itself"),
    ("login_500", "Authentication Endpoint Is Accessible", "answered 500"),
    ("tenant_leak_listing", "Authenticated API Access Flow", "Tenant isolation broken in the listing"),
    ("missing_security_headers", "Security Headers Are Present", "X-Content-Type-Options is missing"),
    ("mutate:GET /health:delay=2000", "Response Times Meet SLA", "exceeds 500 ms"),
]


@pytest.mark.parametrize(("defect", "test", "cause"), ACCEPTANCE, ids=[item[0] for item in ACCEPTANCE])
def test_a_broken_lean_api_fails_naming_the_cause(tmp_path: Path, defect: str, test: str, cause: str) -> None:
    guarded = suite_test_named(test)
    env = dict(LEAN)
    faults: list[str] = []
    if defect.startswith("mutate:"):
        env["LATTICE_MUTATIONS"] = defect.removeprefix("mutate:")
    else:
        faults.append(defect)
    with ReferenceApi(faults=faults, env=env) as api:
        run = run_lean(api, tmp_path, SUITES / f"{guarded.suite}.robot", variables={"SLA_SAMPLES": "3"})
    assert run.status(test) == "FAIL", report(run)
    assert cause in run.message(test), run.message(test)
