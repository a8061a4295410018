"""Each deliberate defect of the reference API makes exactly the health test that guards it fail.

Every case starts its own reference API with one fault, runs only the test that must catch
it and checks that the failure message names the problem.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.server import ReferenceApi, free_port

from ._support import HEALTH_TESTS, describe_run, run_health, same_page_stand_in

HEALTH = "API Server Is Running And Responding"
DATABASE = "Database Connection Is Active"
REDIS = "Redis Cache Is Accessible If Configured"
METRICS = "Prometheus Metrics Endpoint Is Working"
SLA = "Response Times Meet SLA"
AUTH = "Authentication Endpoint Is Accessible"
RATE = "Rate Limiting Is Enforced"
CORS = "CORS Headers Are Configured"
HEADERS = "Security Headers Are Present"
ERRORS = "Error Handling Returns Proper Responses"
SSL = "SSL Certificate Is Valid For HTTPS"

FAULTS = [
    # (fault, test that must fail, substrings of its message, tls, robot variables)
    ("health_body_fail", HEALTH, ["health status 'fail'", "despite HTTP 200"], False, {}),
    ("health_status_mismatch", HEALTH, ["HTTP status 503 disagrees", "'pass'"], False, {}),
    (
        "health_flat_contradiction",
        HEALTH,
        ["the report contradicts itself: overall 'healthy' but database 'unhealthy'"],
        False,
        {},
    ),
    (
        "health_flat_contradiction",
        DATABASE,
        ["Expected health check 'database' to be pass, but it is 'fail'"],
        False,
        {},
    ),
    (
        "health_pass_with_failed_check",
        HEALTH,
        ["the report contradicts itself: overall 'pass' but database 'fail'"],
        False,
        {},
    ),
    ("health_garbage", HEALTH, ["Expected a JSON health document", "text/plain"], False, {}),
    ("health_no_database_check", DATABASE, ["Expected a 'database' check", "checks present: redis"], False, {}),
    ("health_no_redis_check", REDIS, ["Expected a 'redis' check", "checks present: database"], False, {}),
    ("metrics_garbage", METRICS, ["parseable Prometheus exposition"], False, {}),
    ("metrics_wrong_content_type", METRICS, ["Content-Type application/json is not text/plain"], False, {}),
    ("metrics_missing_family", METRICS, ["paths_computed_total is missing"], False, {}),
    ("metrics_frozen", METRICS, ["Expected 'http_requests_total' to grow"], False, {}),
    # the /metrics reads in between are counted; only the counted request's own samples may prove it
    ("health_not_counted", METRICS, ["Expected 'http_requests_total' to grow for path=/health"], False, {}),
    (
        "slow_responses",
        SLA,
        ["Response times miss the SLA", "/health: p95", "exceeds 500 ms"],
        False,
        {"SLA_SAMPLES": "3"},
    ),
    ("login_500", AUTH, ["expected HTTP 401", "/api/v1/auth/login answered 500"], False, {}),
    ("register_accepts_empty", AUTH, ["expected HTTP 400 or 422", "/api/v1/auth/register answered 201"], False, {}),
    ("no_rate_limit", RATE, ["Expected HTTP 429 within 200 requests"], False, {}),
    ("rate_limit_no_headers", RATE, ["carried no RateLimit"], False, {}),
    ("cors_reflect_any_origin", CORS, ["disallowed origin", "expected no Access-Control-Allow-Origin"], False, {}),
    ("cors_wildcard_credentials", CORS, ["'*' together with Access-Control-Allow-Credentials: true"], False, {}),
    (
        "missing_security_headers",
        HEADERS,
        ["X-Content-Type-Options is missing", "Content-Security-Policy is missing"],
        False,
        {},
    ),
    (
        "weak_security_headers",
        HEADERS,
        ["Content-Security-Policy-Report-Only", "X-Frame-Options) is 'ALLOWALL'", "Referrer-Policy is 'unsafe-url'"],
        False,
        {},
    ),
    ("server_disclosure", HEADERS, ["X-Powered-By", "names a version"], False, {}),
    ("hsts_short", HEADERS, ["Strict-Transport-Security max-age=300 is below 15768000"], True, {}),
    ("error_stack_trace", ERRORS, ["leak internals", "Traceback"], False, {}),
    ("error_not_problem_json", ERRORS, ["Expected Content-Type application/problem+json"], False, {}),
    # the throwaway identity's removal is proven, not assumed: a user that survives DELETE fails the test
    ("delete_user_keeps_data", HEADERS, ["can still log in after 3 deletions"], False, {}),
]


@pytest.mark.parametrize(
    ("fault", "test", "expected", "tls", "variables"), FAULTS, ids=[f"{case[0]}-{case[1]}" for case in FAULTS]
)
def test_fault_fails_its_health_test(fault, test, expected, tls, variables, tmp_path: Path) -> None:
    with ReferenceApi(faults=[fault], tls=tls) as api:
        env = {"CA_BUNDLE": str(api.ca_bundle)} if tls else {}
        run = run_health(api.base_url, tmp_path, tests=[test], env=env, variables=variables)
    assert run.status(test) == "FAIL", describe_run(run)
    for fragment in expected:
        assert fragment in run.message(test), describe_run(run)


def test_unusable_database_fails_the_database_and_health_tests(tmp_path: Path) -> None:
    with ReferenceApi() as api:
        database_file = api.database_url.removeprefix("sqlite:///")
        os.remove(database_file)
        run = run_health(api.base_url, tmp_path, tests=[HEALTH, DATABASE])
    assert run.status(DATABASE) == "FAIL", describe_run(run)
    assert "Expected health check 'database' to be pass, but it is 'fail'" in run.message(DATABASE)
    assert run.status(HEALTH) == "FAIL" and "health status 'fail'" in run.message(HEALTH), describe_run(run)


def test_redis_states(healthy_api, tmp_path: Path) -> None:
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
    import time

    started = time.monotonic()
    run = run_health(f"http://127.0.0.1:{free_port()}", tmp_path, env={"API_TIMEOUT": "5"})
    assert time.monotonic() - started < 30
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        assert run.status(name) == "FAIL", describe_run(run)
        assert "Cannot connect to" in run.message(name), describe_run(run)


def test_a_target_answering_the_same_page_to_everything_passes_nothing(tmp_path: Path) -> None:
    """A catch-all web server (a parked domain, a misrouted load balancer) must not look healthy."""
    with same_page_stand_in(b"<html><body>Welcome</body></html>", "text/html") as url:
        run = run_health(url, tmp_path)
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        expected = "SKIP" if name == SSL else "FAIL"
        assert run.status(name) == expected, describe_run(run)


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
def test_health_reports_are_judged_by_what_they_say_about_themselves(report, status, expected, tmp_path: Path) -> None:
    with same_page_stand_in(json.dumps(report).encode(), "application/json") as url:
        run = run_health(url, tmp_path, tests=[HEALTH])
    assert run.status(HEALTH) == status, describe_run(run)
    assert expected in (run.message(HEALTH) if status == "FAIL" else run.stdout), describe_run(run)
