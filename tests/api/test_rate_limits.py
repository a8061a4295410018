"""Rate limits: fixed windows per bucket, headers, 429 problems, never on /health and /metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import ReferenceApi

from .helpers import Client, assert_problem, assert_security_headers, avoid_window_edge, new_user

WINDOW = 60
LIMITS = {
    "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW),
    "RATE_LIMIT_ANON": "5",
    "RATE_LIMIT_AUTH": "6",
    "RATE_LIMIT_USER": "8",
}


@pytest.fixture(scope="module")
def limited() -> Iterator[ReferenceApi]:
    with ReferenceApi(env=LIMITS) as server:
        yield server


def test_anonymous_limit_per_route(limited: ReferenceApi) -> None:
    client = Client(limited.base_url)
    avoid_window_edge(WINDOW)
    remaining = []
    for _ in range(5):
        answer = client.get("/api/v1/plans")
        assert answer.status_code == 200
        assert answer.headers["RateLimit-Limit"] == "5"
        assert 1 <= int(answer.headers["RateLimit-Reset"]) <= WINDOW
        remaining.append(int(answer.headers["RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    over = client.get("/api/v1/plans")
    body = assert_problem(over, 429)
    assert body["status"] == 429
    assert int(over.headers["Retry-After"]) >= 1
    assert over.headers["RateLimit-Remaining"] == "0" and over.headers["RateLimit-Limit"] == "5"
    assert_security_headers(over)
    # another route of the same address keeps its own bucket
    other = client.get("/api/v1/users/me")
    assert other.status_code == 401 and other.headers["RateLimit-Remaining"] == "4"


def test_health_metrics_and_preflights_are_never_limited(limited: ReferenceApi) -> None:
    client = Client(limited.base_url)
    for _ in range(12):
        for path in ("/health", "/metrics"):
            answer = client.get(path)
            assert answer.status_code == 200
            assert "RateLimit-Limit" not in answer.headers
        preflight = client.options(
            "/api/v1/webhooks", headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code in (200, 204)


def test_auth_bucket(limited: ReferenceApi) -> None:
    client = Client(limited.base_url)
    avoid_window_edge(WINDOW)
    statuses = [
        client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 6
    # register and login share the address's auth bucket
    answer = client.post("/api/v1/auth/register", json={"email": "late@example.com", "password": "y" * 12})
    assert_problem(answer, 429)
    assert answer.headers["RateLimit-Limit"] == "6"


def test_authenticated_requests_count_per_user() -> None:
    env = {**LIMITS, "RATE_LIMIT_AUTH": "100"}
    with ReferenceApi(env=env) as api:
        user = new_user(api.base_url)
        other = new_user(api.base_url)
        avoid_window_edge(WINDOW)
        seen = []
        for path in ("/api/v1/users/me", "/api/v1/lattices", "/api/v1/plans", "/api/v1/usage") * 2:
            answer = user.client.get(path)
            assert answer.status_code == 200
            assert answer.headers["RateLimit-Limit"] == "8"
            seen.append(int(answer.headers["RateLimit-Remaining"]))
        assert seen == list(range(7, -1, -1))
        assert_problem(user.client.get("/api/v1/subscription"), 429)
        # other users and anonymous callers of the same address are unaffected
        assert other.client.get("/api/v1/users/me").status_code == 200
        assert Client(api.base_url).get("/api/v1/plans").headers["RateLimit-Limit"] == "5"


def test_a_shared_budget_counts_every_request_of_the_address() -> None:
    """RATE_LIMIT_SHARED: one budget per address for anonymous, login and token requests on every route."""
    with ReferenceApi(env={**LIMITS, "RATE_LIMIT_SHARED": "20"}) as api:
        user = new_user(api.base_url)  # a registration and a login: 2 requests of the budget
        anonymous = Client(api.base_url)
        avoid_window_edge(WINDOW)
        seen = [
            int(anonymous.get("/api/v1/plans").headers["RateLimit-Remaining"]),
            int(user.client.get("/api/v1/users/me").headers["RateLimit-Remaining"]),
            int(anonymous.get("/api/v1/no-such-thing").headers["RateLimit-Remaining"]),
        ]
        assert seen == [seen[0], seen[0] - 1, seen[0] - 2]
        assert anonymous.get("/api/v1/plans").headers["RateLimit-Limit"] == "20"
        statuses = [anonymous.get("/api/v1/plans").status_code for _ in range(20)]
        assert 429 in statuses
        assert_problem(user.client.get("/api/v1/users/me"), 429)  # the user meets the address's limit too
        assert anonymous.get("/health").status_code == 200
