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
  naming the real problem, and the acceptance check of the issue (``test_dialect_proofs.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smoke_runner.profiles import read_findings
from smoke_runner.profiles.capabilities import NARROWED, NOT_OFFERED
from tests.profiles._agreement import disagreements
from tests.profiles._dialect import LEAN, LEAN_ADMIN_TOKEN, LEAN_PASSWORD, lean_table
from tests.support.proof_run import describe
from tests.support.robot_run import RobotRun
from tests.support.server import ReferenceApi

pytestmark = pytest.mark.suites

Healthy = tuple[RobotRun, dict[str, int]]  # the healthy run and the rows it left

NARROWED_FLOWS = {
    "Authenticated API Access Flow",
    "Lattice Creation Flow",
    "Usage Tracking Flow",
    "Error Recovery Flow",
}


# -- a healthy lean API ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Healthy]:
    yield LEAN.healthy_run(tmp_path_factory.mktemp("lean-healthy"))


def test_a_healthy_lean_api_passes_every_test_it_offers(healthy: Healthy) -> None:
    statuses = lean_table()
    # the tests lean lacks a need of skip as not offered; plain HTTP has no certificate to check
    skipped = {name for name, status in statuses.items() if status == NOT_OFFERED} | {
        "SSL Certificate Is Valid For HTTPS"
    }
    run, _ = healthy
    assert not LEAN.outcome_problems(run, skipped), describe(run)
    assert len(run.tests) == len(statuses)


def test_the_lean_run_agrees_with_the_applicability_table(healthy: Healthy) -> None:
    run, _ = healthy
    assert not disagreements(run.output_dir / "output.xml", LEAN.profile, admin_token=True)
    narrowed = {name for name, status in lean_table().items() if status == NARROWED}
    assert narrowed == NARROWED_FLOWS


def test_the_lean_run_records_its_profile_and_leaves_nothing_behind(healthy: Healthy) -> None:
    run, left = healthy
    assert not left, f"the run left rows behind: {left}"
    findings = read_findings(run.output_dir / "output.xml")
    assert findings.profiles == ["lean"]
    assert not findings.users_left_behind and not findings.cleanup_problems, findings
    assert all("strategy admin" in line for line in findings.cleanup), findings
    assert len(findings.loosened_policies) == 2 and len(findings.waivers) == 2, findings
    assert {item.name for item in findings.narrowed} == NARROWED_FLOWS
    assert LEAN_ADMIN_TOKEN in LEAN.run_env.values() and LEAN_PASSWORD in LEAN.run_env.values()
    assert not LEAN.leaks(run)


def test_without_the_admin_token_the_users_are_reported_and_no_test_changes(tmp_path: Path) -> None:
    flows = ("User Login Flow", "Lattice Pathfinding Flow")
    run, left = LEAN.healthy_run(tmp_path, "workflows", flows, env={"SMOKE_ADMIN_TOKEN": ""})
    assert {outcome.status for outcome in run.tests.values()} == {"PASS"}, describe(run)
    findings = read_findings(run.output_dir / "output.xml")
    assert len(findings.users_left_behind) == 1 and findings.users_left_behind[0].startswith("id "), findings
    assert findings.cleanup_problems == [
        "cleanup strategy admin, but the environment variable SMOKE_ADMIN_TOKEN is not set"
    ], findings
    assert left == {"users": 1, "usage": 1}, left  # the lattices were deleted one by one


def test_a_broken_login_leaves_no_user_behind_when_the_admin_deletes_by_the_registered_id(tmp_path: Path) -> None:
    """Strategy admin needs no login of the user: its deletion stands, and the missing proof is reported."""
    broken = ReferenceApi(env={**LEAN.api_env, "LATTICE_MUTATIONS": "POST /token:status=500"})
    with broken as api:
        run = LEAN.run(api, tmp_path, "workflows", ("User Login Flow",))
        left = LEAN.rows_left(api)
    assert {outcome.status for outcome in run.tests.values()} == {"FAIL"}, describe(run)
    assert not left, f"the run left rows behind: {left}"
    findings = read_findings(run.output_dir / "output.xml")
    assert not findings.users_left_behind, findings
    assert findings.cleanup_problems and all(
        "was deleted by its id, not proven by a refused login" in problem for problem in findings.cleanup_problems
    ), findings
