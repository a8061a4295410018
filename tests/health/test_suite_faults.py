"""Each proof a health check declares (its ``guards:`` tags) makes exactly that check fail.

Every case starts its own reference API with the declared fault or mutation, runs only the check
that must catch it and checks that the failure message holds every declared part. The catch-all
stand-in (``guards:stand-in:catch-all`` in the suite's ``Test Tags``) is run here too.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.proof_run import proof_api, proof_env, proof_run_problems
from tests.support.server import ReferenceApi, free_port
from tests.support.suite_model import ProofRun, guarded_by_stand_in, only_test_broken_by_fault, proof_runs

from ._support import HEALTH_TESTS, describe_run, run_health, same_page_stand_in

#: Every proof the health checks declare against the reference API: one run each, of every check declaring it.
PROOF_RUNS = proof_runs("health")
#: Checks named by what breaks them (read from the suite's declarations).
HEALTH = only_test_broken_by_fault("health", "health_body_fail").name
DATABASE = only_test_broken_by_fault("health", "health_no_database_check").name
REDIS = only_test_broken_by_fault("health", "health_no_redis_check").name


@pytest.mark.parametrize("proof_run", PROOF_RUNS, ids=[proof_run.id for proof_run in PROOF_RUNS])
def test_proof_of_each_check_fails_it(proof_run: ProofRun, tmp_path: Path) -> None:
    with proof_api([proof_run.proof]) as api:
        run = run_health(
            api.base_url, tmp_path, tests=proof_run.test_names, env=proof_env(api), variables=proof_run.variables
        )
    problems = proof_run_problems(run, proof_run)
    assert not problems, "\n".join(problems) + "\n" + describe_run(run)


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
