"""The core all dialects share, through the contract dialect: paths, validation, tokens, usage, plans, metrics."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from prometheus_client.parser import text_string_to_metric_families

from reference_api.auth import ISSUER

from .harness import RELAXED, InProcessApi
from .surfaces import (
    CONTRACT,
    Client,
    User,
    anon,
    assert_shortest,
    bfs_distance,
)


@pytest.fixture(scope="module")
def api() -> Iterator[InProcessApi]:
    with InProcessApi("contract", env=RELAXED) as service:
        yield service


@pytest.fixture
def user(api: InProcessApi) -> User:
    return CONTRACT.new_user(api)


# --- paths ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [[7], [4, 1, 3], [3, 3, 3, 3], [6, 5, 4]])
def test_paths_are_shortest_in_every_dimension(user: User, dims: list[int]) -> None:
    rng = random.Random(len(dims))
    cells = [[]]  # every cell of the lattice, then some of them blocked
    for size in dims:
        cells = [[*cell, i] for cell in cells for i in range(size)]
    start, end = [0] * len(dims), [n - 1 for n in dims]
    blocked = [c for c in cells if rng.random() < 0.2 and c not in (start, end)] if len(dims) == 3 else []
    lattice = user.new_lattice(dims=dims, blocked=blocked)
    _, found = user.find_path(lattice, start, end)
    if bfs_distance(dims, blocked, start, end) is None:
        assert found == {"found": False, "path": [], "distance": None}
    else:
        assert_shortest(found, dims, blocked, start, end)


def test_a_path_to_the_start_is_the_start(user: User) -> None:
    _, found = user.find_path(user.new_lattice(), [1, 1], [1, 1])
    assert found == {"found": True, "path": [[1, 1]], "distance": 0}


def test_a_large_lattice_is_searched_in_seconds(user: User) -> None:
    wall = [[500, y] for y in range(999)]
    lattice = user.new_lattice(dims=[1000, 1000], blocked=wall)
    started = time.monotonic()
    answer, found = user.find_path(lattice, [0, 0], [999, 0])
    assert time.monotonic() - started < 10 and isinstance(answer.json()["elapsed_ms"], float)
    assert found["distance"] == 999 + 2 * 999 and found["path"][0] == [0, 0] and found["path"][-1] == [999, 0]


@pytest.mark.parametrize(
    ("start", "end"),
    [([0, 5], [1, 1]), ([0, 0], [-1, 0]), ([0, 0, 0], [1, 1]), ([2, 2], [0, 0]), ([0, 0], [2, 2]), (None, [0, 0])],
)
def test_a_bad_path_endpoint_is_a_422(user: User, start: Any, end: Any) -> None:
    lattice = user.new_lattice(dims=[5, 5], blocked=[[2, 2]])
    CONTRACT.error(
        user.client.post(f"/api/v1/lattices/{lattice['id']}/pathfind", json={"start": start, "end": end}), 422
    )


# --- lattices ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"name": "   ", "dimensions": [3]},
        {"name": "x" * 101, "dimensions": [3]},
        {"dimensions": [3]},
        {"name": "no dims"},
        {"name": "five dims", "dimensions": [2, 2, 2, 2, 2]},
        {"name": "too wide", "dimensions": [1001]},
        {"name": "zero size", "dimensions": [0, 3]},
        {"name": "not ints", "dimensions": ["3"]},
        {"name": "too many cells", "dimensions": [1000, 1000, 2]},
        {"name": "blocked outside", "dimensions": [3, 3], "blocked": [[3, 0]]},
        {"name": "blocked negative", "dimensions": [3, 3], "blocked": [[-1, 0]]},
        {"name": "blocked wrong dim", "dimensions": [3, 3], "blocked": [[1]]},
        {"name": "blocked not list", "dimensions": [3, 3], "blocked": "1,1"},
        [],
    ],
)
def test_an_invalid_lattice_is_a_422_and_stores_nothing(user: User, body: Any) -> None:
    CONTRACT.error(user.client.post("/api/v1/lattices", json=body), 422)
    assert user.client.get("/api/v1/lattices").json() == {"items": [], "total": 0}


def test_listings_are_paginated(user: User) -> None:
    ids = [user.new_lattice(name=f"l{i}")["id"] for i in range(5)]
    page = user.client.get("/api/v1/lattices", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5 and [i["id"] for i in page["items"]] == ids[2:4]
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        CONTRACT.error(user.client.get("/api/v1/lattices", params=params), 422)


def test_bulk_create_is_all_or_nothing_within_the_plan_and_bulk_delete_only_the_callers(user: User) -> None:
    items = [{"name": f"b{i}", "dimensions": [3, 3], "blocked": [[1, 1]]} for i in range(4)]
    CONTRACT.error(user.client.post("/api/v1/lattices/bulk", json={"lattices": [*items, {"name": ""}]}), 422)
    CONTRACT.error(user.client.post("/api/v1/lattices/bulk", json={"lattices": items * 26}), 422)  # 104 > 100
    assert user.client.get("/api/v1/lattices").json()["total"] == 0
    created = user.client.post("/api/v1/lattices/bulk", json={"lattices": items})
    assert created.status_code == 201 and len(set(created.json()["ids"])) == 4
    ids = created.json()["ids"]
    other = CONTRACT.new_user(user.api)
    assert other.client.post("/api/v1/lattices/bulk-delete", json={"ids": ids}).json() == {"deleted": 0}
    answer = user.client.post("/api/v1/lattices/bulk-delete", json={"ids": [*ids[:3], "unknown-id"]})
    assert answer.json() == {"deleted": 3} and user.client.get("/api/v1/lattices").json()["total"] == 1


# --- accounts and tokens -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", [{"password": "x" * 12}, {"email": "a@example.com"}, {}, [], {"email": 7, "password": 7}]
)
def test_an_invalid_registration_is_a_422(api: InProcessApi, body: Any) -> None:
    CONTRACT.error(anon(api).post("/api/v1/auth/register", json=body), 422)


def test_health_reports_a_real_database_round_trip_and_redis_not_configured(api: InProcessApi) -> None:
    body = anon(api).get("/health").json()
    latency = body["checks"]["database"].pop("latency_ms")
    assert isinstance(latency, float) and latency >= 0
    assert body == {
        "status": "pass",
        "version": "1.0.0",
        "checks": {"database": {"status": "pass"}, "redis": {"status": "not_configured"}},
    }


def _forged(token: str, **claims: Any) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def test_only_valid_unexpired_tokens_of_the_service_are_accepted(api: InProcessApi, user: User) -> None:
    other = CONTRACT.new_user(api)
    claims = jwt.decode(user.token, options={"verify_signature": False})
    secret = api.settings.jwt_secret
    tokens = {
        "garbage": "not-a-token",
        "tampered": _forged(user.token, sub=other.id),
        "alg none": _forged(user.token.replace(user.token.split(".")[0], "eyJhbGciOiJub25lIn0"), sub=other.id),
        "wrong key": jwt.encode(claims, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256"),
        "expired": jwt.encode({**claims, "exp": int(time.time()) - 1}, secret, algorithm="HS256"),
        "other issuer": jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, secret, algorithm="HS256"),
    }
    for name, token in tokens.items():
        answer = Client(api.base_url, token).get("/api/v1/users/me")
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer", name
    assert (claims["iss"], claims["sub"]) == (ISSUER, user.id) and claims["exp"] > time.time()
    assert Client(api.base_url, jwt.encode(claims, secret)).get("/api/v1/users/me").ok


def test_deleting_a_user_removes_everything_it_owns(api: InProcessApi, user: User) -> None:
    user.new_lattice()
    user.client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["ping"]})
    assert user.client.put("/api/v1/subscription", json={"plan": "pro"}).status_code == 200
    assert user.client.delete("/api/v1/users/me").status_code == 204
    again = anon(api).post("/api/v1/auth/register", json={"email": user.email, "password": "x" * 12})
    assert again.status_code == 201  # the same email starts from nothing
    fresh = Client(api.base_url, new_login(api, user.email))
    assert fresh.get("/api/v1/lattices").json() == {"items": [], "total": 0}
    assert fresh.get("/api/v1/webhooks").json() == {"items": []}
    assert fresh.get("/api/v1/subscription").json()["plan"] == "free"
    assert fresh.get("/api/v1/usage").json()["lattices_created"] == 0


def new_login(api: InProcessApi, email: str) -> str:
    token: str = (
        anon(api).post("/api/v1/auth/login", json={"email": email, "password": "x" * 12}).json()["access_token"]
    )
    return token


def test_usage_counts_every_authenticated_request_and_what_it_made(user: User) -> None:
    before = int(user.usage()["requests"] or 0)
    lattice = user.new_lattice(dims=[4, 4])
    user.find_path(lattice, [0, 0], [3, 3])
    user.client.post("/api/v1/lattices/bulk", json={"lattices": [{"name": "a", "dimensions": [2]}] * 3})
    after = user.client.get("/api/v1/usage").json()
    assert after["period_start"] < after["period_end"]
    assert (after["requests"], after["lattices_created"], after["paths_computed"]) == (
        before + 4,  # three calls and this one
        4,
        1,
    )


# --- plans and subscriptions ------------------------------------------------------------------
def test_plans_subscriptions_and_their_limits(api: InProcessApi, user: User) -> None:
    plans = {p["id"]: p for p in anon(api).get("/api/v1/plans").json()["items"]}
    assert plans["free"]["limits"] == {"max_lattices": 500, "max_cells": 1_000_000, "bulk_max": 100}
    assert set(plans) == {"free", "pro", "enterprise"} and all(p["name"] for p in plans.values())
    first = user.client.get("/api/v1/subscription").json()
    assert (first["plan"], first["status"], len(first["renews_at"])) == ("free", "active", 10)
    big = {"name": "big", "dimensions": [1000, 1000, 2]}
    CONTRACT.error(user.client.post("/api/v1/lattices", json=big), 422)
    assert user.client.put("/api/v1/subscription", json={"plan": "pro"}).json()["plan"] == "pro"
    assert user.client.get("/api/v1/subscription").json()["limits"]["max_cells"] == 10_000_000
    assert user.client.post("/api/v1/lattices", json=big).status_code == 201
    for body in ({"plan": "platinum"}, {}):
        CONTRACT.error(user.client.put("/api/v1/subscription", json=body), 422)
    canceled = user.client.delete("/api/v1/subscription").json()
    assert (canceled["plan"], canceled["status"]) == ("free", "canceled")


# --- metrics -------------------------------------------------------------------------------------
def test_metrics_count_requests_by_route_template_lattices_and_paths(api: InProcessApi, user: User) -> None:
    def families() -> dict[str, Any]:
        answer = anon(api).get("/metrics")
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return {f.name: f for f in text_string_to_metric_families(answer.text)}

    def count(name: str, **labels: str) -> float:
        return sum(
            s.value
            for s in families()[name].samples
            if s.name == f"{name}_total" and all(s.labels.get(k) == v for k, v in labels.items())
        )

    before = (count("http_requests", path="/api/v1/lattices/{id}/pathfind"), count("paths_computed"))
    user.find_path(user.new_lattice(), [0, 0], [1, 1])
    anon(api).get("/no/such/path")
    assert (count("http_requests", path="/api/v1/lattices/{id}/pathfind"), count("paths_computed")) == (
        before[0] + 1,
        before[1] + 1,
    )
    assert count("http_requests", method="GET", path="unmatched", status="404") >= 1
    assert not any(s.labels.get("path", "").startswith("/no/") for s in families()["http_requests"].samples)
    assert families()["http_request_duration_seconds"].type == "histogram" and "webhook_deliveries" in families()


def test_the_test_routes_are_off_by_default() -> None:
    with InProcessApi("contract") as api:
        CONTRACT.error(anon(api).get("/__test__/boom"), 404)
