"""Conventions every response follows: problems, headers, CORS, request ids, health, metrics."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .helpers import Client, User, assert_problem, assert_security_headers

ALLOWED = "https://app.example.com"


def test_unknown_path_is_a_404_problem(anon: Client) -> None:
    answer = anon.get("/definitely/not/here")
    assert_problem(answer, 404)
    assert_security_headers(answer)


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("PUT", "/api/v1/plans", "GET"),
        ("DELETE", "/health", "GET"),
        ("PATCH", "/api/v1/lattices/some-id", "GET, DELETE"),
        ("GET", "/api/v1/auth/login", "POST"),
    ],
)
def test_wrong_method_is_a_405_problem_with_allow(anon: Client, method: str, path: str, allow: str) -> None:
    answer = anon.request(method, path)
    assert_problem(answer, 405)
    assert answer.headers["Allow"] == allow
    assert_security_headers(answer)


@pytest.mark.parametrize("kind", ["runtime", "sql"])
def test_unhandled_errors_are_generic_500_problems(anon: Client, kind: str) -> None:
    answer = anon.get("/__test__/boom", params={"kind": kind})
    body = assert_problem(answer, 500)
    assert "boom" not in body["detail"] and "password" not in answer.text
    assert_security_headers(answer)


def test_validation_errors_are_human_text(user: User) -> None:
    answer = user.client.get("/api/v1/lattices", params={"limit": "lots"})
    body = assert_problem(answer, 422)
    assert "limit" in body["detail"] and "http" not in body["detail"]


def test_test_routes_are_off_by_default() -> None:
    from tests.support.server import ReferenceApi

    with ReferenceApi() as api:
        assert_problem(Client(api.base_url).get("/__test__/boom"), 404)


def test_security_headers_on_every_kind_of_response(anon: Client, user: User) -> None:
    responses = [
        anon.get("/health"),
        anon.get("/metrics"),
        anon.get("/api/v1/plans"),
        anon.get("/api/v1/users/me"),
        user.client.get("/api/v1/users/me"),
        user.client.post("/api/v1/lattices", json={"name": ""}),
        anon.options("/api/v1/plans", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}),
    ]
    for answer in responses:
        assert_security_headers(answer)
        assert answer.headers["Cache-Control"] == "no-store"
        assert "Server" not in answer.headers


def test_request_id_is_echoed_or_generated(anon: Client) -> None:
    mine = f"smoke-{uuid.uuid4()}"
    assert anon.get("/api/v1/plans", headers={"X-Request-ID": mine}).headers["X-Request-ID"] == mine
    assert anon.get("/nowhere", headers={"X-Request-ID": mine}).headers["X-Request-ID"] == mine
    first, second = anon.get("/health").headers["X-Request-ID"], anon.get("/health").headers["X-Request-ID"]
    assert first and second and first != second


def test_cors_preflight_from_an_allowed_origin(anon: Client) -> None:
    answer = anon.options(
        "/api/v1/lattices",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert answer.status_code in (200, 204)
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    allowed_headers = answer.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert int(answer.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in answer.headers["Vary"]
    assert "RateLimit-Limit" not in answer.headers


@pytest.mark.parametrize(
    "origin", ["https://evil.example.com", "null", "http://app.example.com", "https://app.example.com.evil.net"]
)
def test_cors_refuses_other_origins(anon: Client, origin: str) -> None:
    preflight = anon.options("/api/v1/lattices", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    simple = anon.get("/api/v1/plans", headers={"Origin": origin})
    for answer in (preflight, simple):
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Origin" in answer.headers["Vary"]


def test_cors_simple_request_from_an_allowed_origin(anon: Client) -> None:
    answer = anon.get("/api/v1/plans", headers={"Origin": ALLOWED})
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in answer.headers["Vary"]
    assert answer.headers.get("Access-Control-Allow-Origin") != "*"


def test_cors_allow_list_comes_from_the_environment() -> None:
    from tests.support.server import ReferenceApi

    with ReferenceApi(env={"CORS_ALLOWED_ORIGINS": "https://a.test, https://b.test"}) as api:
        client = Client(api.base_url)
        for origin in ("https://a.test", "https://b.test"):
            answer = client.options("/api/v1/plans", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
            assert answer.headers["Access-Control-Allow-Origin"] == origin
        default = client.options("/api/v1/plans", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
        assert "Access-Control-Allow-Origin" not in default.headers


def test_health_reports_checks(anon: Client) -> None:
    answer = anon.get("/health")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "pass" and body["version"]
    assert body["checks"]["database"]["status"] == "pass"
    assert isinstance(body["checks"]["database"]["latency_ms"], (int, float))
    assert body["checks"]["redis"] == {"status": "not_configured"}


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def test_metrics_exposition(anon: Client, user: User) -> None:
    user.client.post("/api/v1/lattices", json={"name": "m", "dimensions": [2]})
    anon.get("/api/v1/plans")
    anon.get("/no/such/path")
    answer = anon.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = _families(answer.text)
    for name in (
        "http_requests",
        "http_request_duration_seconds",
        "lattices_created",
        "paths_computed",
        "webhook_deliveries",
    ):
        assert name in families, name
    assert families["http_request_duration_seconds"].type == "histogram"
    samples = {
        (s.labels.get("method"), s.labels.get("path"), s.labels.get("status")): s.value
        for s in families["http_requests"].samples
    }
    assert samples[("GET", "/api/v1/plans", "200")] >= 1
    assert samples[("GET", "unmatched", "404")] >= 1
    assert samples[("POST", "/api/v1/lattices", "201")] >= 1
    assert not any(path and path.startswith("/no/") for _, path, _ in samples)
    created = next(s.value for s in families["lattices_created"].samples if s.name == "lattices_created_total")
    assert created >= 1


def test_metrics_count_requests(anon: Client) -> None:
    def plans_count() -> float:
        families = _families(anon.get("/metrics").text)
        return sum(
            s.value
            for s in families["http_requests"].samples
            if s.labels.get("path") == "/api/v1/plans" and s.labels.get("status") == "200"
        )

    before = plans_count()
    for _ in range(3):
        anon.get("/api/v1/plans")
    assert plans_count() == before + 3
