"""Each proof a health check declares (its ``guards:`` tags) makes exactly that check fail.

One case per proof: the proofs run in groups (``tests/support/proof_run.py``: one reference API
with the faults and mutations of several proofs, one run of the checks they guard); a proof its
group's run does not prove is run alone, and that run decides. Each case checks that the failure
message holds every declared part and records the run that proved it (``proven_by`` in the JUnit
properties). The catch-all stand-in (``guards:stand-in:catch-all`` in the suite's ``Test Tags``) is
run here too.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.proof_groups import ProofGroup, ProofSession, grouped_session, proof_groups
from tests.support.proof_run import proof_api, proof_env, proof_run_problems
from tests.support.robot_run import RobotRun
from tests.support.server import ReferenceApi, free_port
from tests.support.suite_model import (
    Proof,
    ProofCase,
    ProofRun,
    guarded_by_stand_in,
    only_test_broken_by_fault,
    proof_runs,
)

from ._stand_ins import same_page_stand_in
from ._support import HEALTH_TESTS, describe_run, run_health

pytestmark = pytest.mark.suites

#: Every proof the health checks declare against the reference API, each with every check declaring it.
PROOF_RUNS = proof_runs("health")
#: Checks named by what breaks them (read from the suite's declarations).
HEALTH = only_test_broken_by_fault("health", "health_body_fail").name
DATABASE = only_test_broken_by_fault("health", "health_no_database_check").name
REDIS = only_test_broken_by_fault("health", "health_no_redis_check").name


def run_proofs(group: ProofGroup, output: Path) -> tuple[RobotRun, list[str]]:
    """The checks ``group``'s proofs guard, against a reference API broken by all of them."""
    with proof_api(group.proofs) as api:
        run = run_health(api.base_url, output, tests=group.test_names, env=proof_env(api), variables=group.variables)
    return run, []


@pytest.fixture(scope="module")
def proofs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ProofSession:
    return grouped_session(request, tmp_path_factory, run_proofs)


@pytest.mark.parametrize("proof_run", PROOF_RUNS, ids=[proof_run.id for proof_run in PROOF_RUNS])
def test_proof_of_each_check_fails_it(
    proof_run: ProofRun, proofs: ProofSession, record_property: Callable[[str, object], None]
) -> None:
    proofs.prove(proof_run, record_property)


def test_a_wrong_declaration_fails_however_it_is_grouped(tmp_path: Path) -> None:
    """A proof whose message part is not what its check says, grouped with a right one: the group's
    run does not prove it, its own run does not either, and it is reported as failing."""
    login = next(proof_run for proof_run in PROOF_RUNS if proof_run.proof.label == "login_500")
    declared = login.cases[0]
    wrong = ProofRun((ProofCase(declared.test, Proof("fault", "login_500", ("a message part it never gives",))),))
    right = next(proof_run for proof_run in PROOF_RUNS if proof_run.proof.label == "metrics_garbage")
    groups = proof_groups([wrong, right])
    assert [len(group.runs) for group in groups] == [2], "the wrong declaration must share the run"
    proofs = ProofSession(groups, run_proofs, tmp_path, proof_run_problems)
    verdict = proofs.verdict(wrong)
    assert not verdict.proven and verdict.proven_by == "not proven", verdict.explain()
    assert [attempt.group.name for attempt in verdict.attempts] == [
        groups[0].name,
        f"re-run alone after {groups[0].name}",
    ]
    assert "failed without 'a message part it never gives'" in verdict.problems[0], verdict.explain()
    assert "answered 500" in verdict.attempts[-1].run.message(declared.test.name)  # the fault did break it
    assert proofs.verdict(right).proven_by == groups[0].label


def test_unusable_database_fails_the_database_and_health_tests(tmp_path: Path) -> None:
    with ReferenceApi() as api:
        database_file = api.database_url.removeprefix("sqlite:///")
        os.remove(database_file)
        run = run_health(api.base_url, tmp_path, tests=[HEALTH, DATABASE])
    assert run.status(DATABASE) == "FAIL", describe_run(run)
    assert "Expected health check 'database' to be pass, but it is 'fail'" in run.message(DATABASE)
    assert run.status(HEALTH) == "FAIL" and "health status 'fail'" in run.message(HEALTH), describe_run(run)


def test_redis_states(healthy_api: ReferenceApi, tmp_path: Path) -> None:
    """Not configured: skip; required but not configured: fail; configured but unreachable: fail."""
    skipped = run_health(healthy_api.base_url, tmp_path / "optional", tests=[REDIS])
    assert skipped.status(REDIS) == "SKIP", describe_run(skipped)
    assert "Redis is not configured" in skipped.message(REDIS)

    required = run_health(healthy_api.base_url, tmp_path / "required", tests=[REDIS], env={"REDIS_REQUIRED": "true"})
    assert required.status(REDIS) == "FAIL", describe_run(required)
    assert "'redis' to be pass, but it is 'not_configured'" in required.message(REDIS)

    with ReferenceApi(env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}) as api:
        down = run_health(api.base_url, tmp_path / "down", tests=[HEALTH, REDIS])
    assert down.status(REDIS) == "FAIL", describe_run(down)
    assert "'redis' to be pass, but it is 'fail'" in down.message(REDIS)
    assert down.status(HEALTH) == "PASS", describe_run(down)  # overall "warn" is a warning, not a failure
    assert "degraded" in down.stdout


def test_configured_redis_passes(tmp_path: Path) -> None:
    redis_server = pytest.importorskip("tests.support.redis_server")
    if not redis_server.redis_available():
        pytest.skip("redis-server is not installed")
    with redis_server.RedisServer() as redis, ReferenceApi(env={"REDIS_URL": redis.url}) as api:
        run = run_health(api.base_url, tmp_path, tests=[REDIS], env={"REDIS_REQUIRED": "true"})
    assert run.status(REDIS) == "PASS", describe_run(run)


def test_a_down_target_fails_every_test_quickly(tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_health(f"http://127.0.0.1:{free_port()}", tmp_path, env={"API_TIMEOUT": "5"})
    assert time.monotonic() - started < 30
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        assert run.status(name) == "FAIL", describe_run(run)
        assert "Cannot connect to" in run.message(name), describe_run(run)


def test_a_target_answering_the_same_page_to_everything_passes_nothing(tmp_path: Path) -> None:
    """A catch-all web server (a parked domain, a misrouted load balancer) must not look healthy.

    Every check declaring ``guards:stand-in:catch-all`` fails; the others (opted out with
    ``-guards:stand-in:catch-all``) must not pass either.
    """
    guarded = {test.name for test in guarded_by_stand_in("health", "catch-all")}
    assert guarded, "no health check declares guards:stand-in:catch-all"
    with same_page_stand_in(b"<html><body>Welcome</body></html>", "text/html") as url:
        run = run_health(url, tmp_path)
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        if name in guarded:
            assert run.status(name) == "FAIL", describe_run(run)
        else:
            assert run.status(name) != "PASS", describe_run(run)


@pytest.mark.parametrize(
    ("report", "status", "expected"),
    [
        # a degraded service whose optional component failed: a warning, not a failure
        ({"status": "degraded", "database": "ok", "redis": "down"}, "PASS", "reports a degraded service"),
        # a warn while the database (a required component) fails contradicts itself
        (
            {"status": "warn", "db": "DOWN", "redis": "UP"},
            "FAIL",
            "the report contradicts itself: overall 'warn' but db 'DOWN' (a required component fails",
        ),
        # nested Spring Boot groups are read too
        (
            {"status": "UP", "components": {"db": {"status": "UP", "components": {"primary": {"status": "DOWN"}}}}},
            "FAIL",
            "the report contradicts itself: overall 'UP' but db/primary 'DOWN'",
        ),
        # a shape the suite does not recognise still fails
        ({"state": "healthy", "database": "ok"}, "FAIL", "Expected a recognisable health document"),
    ],
    ids=["warn_with_failed_optional_component", "warn_with_failed_database", "nested_group", "unrecognised_shape"],
)
def test_health_reports_are_judged_by_what_they_say_about_themselves(
    report: dict[str, Any], status: str, expected: str, tmp_path: Path
) -> None:
    with same_page_stand_in(json.dumps(report).encode(), "application/json") as url:
        run = run_health(url, tmp_path, tests=[HEALTH])
    assert run.status(HEALTH) == status, describe_run(run)
    assert expected in (run.message(HEALTH) if status == "FAIL" else run.stdout), describe_run(run)
