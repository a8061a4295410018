"""The classic dialect: the same core behind other paths, shapes, statuses, errors and headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import ReferenceApi

from .classic import (
    CLASSIC_ENV,
    CLASSIC_OPERATIONS,
    CONTRACT_OPERATIONS,
    assert_classic_error,
    new_classic_user,
    new_grid,
    open_session,
    operations,
    signup,
)
from .conftest import RELAXED_ENV
from .helpers import LEAK_MARKERS, PASSWORD, SECURITY_HEADERS, Client, User, bfs_distance, unique_email


@pytest.fixture(scope="module")
def classic() -> Iterator[ReferenceApi]:
    """A classic-dialect server with relaxed rate limits and the test routes, shared by the module."""
    with ReferenceApi(env={**RELAXED_ENV, **CLASSIC_ENV}) as server:
        yield server


@pytest.fixture
def anon(classic: ReferenceApi) -> Client:
    return Client(classic.base_url)


@pytest.fixture
def user(classic: ReferenceApi) -> User:
    return new_classic_user(classic.base_url)


# --- identity -----------------------------------------------------------------------------------
def test_signup_answers_200_with_the_user_wrapped(anon: Client) -> None:
    email = unique_email()
    answer = signup(anon, email, display_name="Grace Hopper")
    assert answer.status_code == 200, answer.text
    created = answer.json()
    assert set(created) == {"user"}
    assert set(created["user"]) == {"id", "email", "display_name", "created_at"}
    assert created["user"]["email"] == email and created["user"]["display_name"] == "Grace Hopper"
    assert "password" not in answer.text and PASSWORD not in answer.text


@pytest.mark.parametrize("display_name", [None, "", "   ", "x" * 101])
def test_signup_without_a_usable_display_name_is_a_400(anon: Client, display_name: str | None) -> None:
    error = assert_classic_error(signup(anon, display_name=display_name), 400, "invalid_request")
    assert "display_name" in error["message"]


def test_signup_with_a_bad_email_or_short_password_is_a_400(anon: Client) -> None:
    assert "email" in assert_classic_error(signup(anon, email="not-an-email"), 400)["message"]
    assert "password" in assert_classic_error(signup(anon, password="short"), 400)["message"]


def test_a_duplicate_signup_is_a_400_conflict(anon: Client) -> None:
    email = unique_email()
    assert signup(anon, email).status_code == 200
    error = assert_classic_error(signup(anon, email.upper()), 400, "conflict")
    assert "already exists" in error["message"]


def test_a_session_nests_the_token_and_its_lifetime(anon: Client) -> None:
    email = unique_email()
    signup(anon, email)
    answer = open_session(anon, email)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"session"}
    assert set(body["session"]) == {"token", "token_type", "expires_in"}
    assert body["session"]["token_type"] == "bearer" and body["session"]["expires_in"] > 0
    assert Client(anon.base_url, body["session"]["token"]).get("/account").status_code == 200


def test_wrong_credentials_are_a_401_in_the_classic_format(anon: Client) -> None:
    email = unique_email()
    signup(anon, email)
    assert_classic_error(open_session(anon, email, "wrong password!!"), 401, "unauthorized")
    assert_classic_error(open_session(anon, unique_email()), 401, "unauthorized")


def test_the_account_shows_the_display_name(classic: ReferenceApi) -> None:
    user = new_classic_user(classic.base_url)
    answer = user.client.get("/account")
    assert answer.status_code == 200
    assert answer.json() == {
        "user": {
            "id": user.id,
            "email": user.email,
            "display_name": "Ada Lovelace",
            "created_at": answer.json()["user"]["created_at"],
        }
    }


def test_deleting_the_account_answers_200_and_removes_everything(classic: ReferenceApi, anon: Client) -> None:
    user = new_classic_user(classic.base_url)
    new_grid(user)
    answer = user.client.delete("/account")
    assert answer.status_code == 200 and answer.json() == {"deleted": True}
    assert_classic_error(user.client.get("/account"), 401)
    assert_classic_error(open_session(anon, user.email), 401)


def test_requests_without_a_token_are_401(anon: Client) -> None:
    for method, path in (
        ("GET", "/account"),
        ("GET", "/grids"),
        ("GET", "/usage"),
        ("GET", "/billing/subscription"),
        ("POST", "/grids"),
    ):
        answer = anon.request(method, path)
        assert_classic_error(answer, 401, "unauthorized")
        assert answer.headers["WWW-Authenticate"] == "Bearer"


# --- billing and usage -------------------------------------------------------------------------
def test_plans_are_a_bare_array_with_classic_codes(anon: Client) -> None:
    answer = anon.get("/billing/plans")
    assert answer.status_code == 200
    plans = answer.json()
    assert isinstance(plans, list)
    assert [p["code"] for p in plans] == ["starter", "premium", "corporate"]
    assert all(set(p) == {"code", "limits"} and p["limits"]["max_cells"] > 0 for p in plans)


def test_a_subscription_changes_persists_and_is_cancelled(user: User) -> None:
    first = user.client.get("/billing/subscription")
    assert first.status_code == 200
    assert set(first.json()) == {"subscription"}
    assert set(first.json()["subscription"]) == {"plan", "state", "renews_at", "limits"}
    assert first.json()["subscription"]["plan"] == "starter" and first.json()["subscription"]["state"] == "active"
    changed = user.client.put("/billing/subscription", json={"plan": "premium"})
    assert changed.status_code == 200 and changed.json()["subscription"]["plan"] == "premium"
    assert user.client.get("/billing/subscription").json()["subscription"]["plan"] == "premium"
    cancelled = user.client.delete("/billing/subscription")
    assert cancelled.status_code == 200
    assert cancelled.json()["subscription"]["state"] == "cancelled"
    assert cancelled.json()["subscription"]["plan"] == "starter"


@pytest.mark.parametrize("plan", ["platinum", "pro", "free", 7, None])
def test_an_unknown_plan_is_a_400_naming_the_classic_codes(user: User, plan: object) -> None:
    error = assert_classic_error(user.client.put("/billing/subscription", json={"plan": plan}), 400)
    assert "starter, premium, corporate" in error["message"]
    assert user.client.get("/billing/subscription").json()["subscription"]["plan"] == "starter"


def test_usage_counts_requests_grids_and_routes(user: User) -> None:
    grid = new_grid(user)
    user.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [2, 2]})
    answer = user.client.get("/usage")
    assert answer.status_code == 200
    assert set(answer.json()) == {"usage"}
    usage = answer.json()["usage"]
    assert set(usage) == {"requests", "grids_created", "routes_computed"}
    assert usage["grids_created"] == 1 and usage["routes_computed"] == 1 and usage["requests"] >= 3


# --- grids -------------------------------------------------------------------------------------
def test_a_grid_is_created_with_200_read_and_listed_as_a_bare_array(user: User) -> None:
    answer = user.client.post("/grids", json={"name": "w", "dimensions": [3, 3], "blocked": [[1, 1]]})
    assert answer.status_code == 200 and set(answer.json()) == {"grid"}
    grid = answer.json()["grid"]
    assert {"id", "name", "dimensions", "blocked", "created_at"} <= set(grid)
    assert grid["blocked"] == [[1, 1]]
    read = user.client.get(f"/grids/{grid['id']}")
    assert read.status_code == 200 and read.json()["grid"]["id"] == grid["id"]
    listing = user.client.get("/grids")
    assert listing.status_code == 200 and isinstance(listing.json(), list)
    assert [g["id"] for g in listing.json()] == [grid["id"]]


def test_listings_page_with_limit_and_offset(user: User) -> None:
    ids = [new_grid(user, name=f"g{i}")["id"] for i in range(3)]
    assert [g["id"] for g in user.client.get("/grids", params={"limit": 2}).json()] == ids[:2]
    assert [g["id"] for g in user.client.get("/grids", params={"limit": 2, "offset": 2}).json()] == ids[2:]
    assert_classic_error(user.client.get("/grids", params={"limit": 0}), 400)


def test_an_invalid_grid_is_a_400_and_stores_nothing(user: User) -> None:
    error = assert_classic_error(
        user.client.post("/grids", json={"name": "", "dimensions": [3]}), 400, "invalid_request"
    )
    assert "name" in error["message"]
    assert user.client.get("/grids").json() == []


def test_deleting_a_grid_answers_200_with_its_id(user: User) -> None:
    grid = new_grid(user)
    answer = user.client.delete(f"/grids/{grid['id']}")
    assert answer.status_code == 200 and answer.json() == {"deleted": grid["id"]}
    assert_classic_error(user.client.get(f"/grids/{grid['id']}"), 404, "not_found")


def test_another_tenants_grid_is_a_404(classic: ReferenceApi) -> None:
    owner, other = new_classic_user(classic.base_url), new_classic_user(classic.base_url)
    grid = new_grid(owner)
    assert_classic_error(other.client.get(f"/grids/{grid['id']}"), 404)
    assert_classic_error(other.client.delete(f"/grids/{grid['id']}"), 404)
    assert_classic_error(other.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [1, 1]}), 404)
    assert other.client.get("/grids").json() == []
    assert owner.client.get(f"/grids/{grid['id']}").status_code == 200


def test_a_route_is_the_shortest_in_from_to_words(user: User) -> None:
    blocked = [[2, y] for y in range(4)]
    grid = new_grid(user, dimensions=[5, 5], blocked=blocked)
    answer = user.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [4, 0]})
    assert answer.status_code == 200 and set(answer.json()) == {"route"}
    route = answer.json()["route"]
    assert set(route) == {"found", "cells", "length"}
    assert route["found"] is True and route["cells"][0] == [0, 0] and route["cells"][-1] == [4, 0]
    assert route["length"] == len(route["cells"]) - 1 == bfs_distance([5, 5], blocked, [0, 0], [4, 0])
    assert not any(cell in blocked for cell in route["cells"])


def test_an_unreachable_route_is_not_found(user: User) -> None:
    grid = new_grid(user, dimensions=[3, 3], blocked=[[0, 1], [1, 0]])
    route = user.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [2, 2]}).json()["route"]
    assert route == {"found": False, "cells": [], "length": None}


def test_a_route_error_names_the_classic_fields(user: User) -> None:
    grid = new_grid(user, blocked=[[1, 1]])
    message = assert_classic_error(user.client.post(f"/grids/{grid['id']}/route", json={"to": [2, 2]}), 400)["message"]
    assert "'from'" in message and "'start'" not in message
    message = assert_classic_error(
        user.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [1, 1]}), 400
    )["message"]
    assert "'to'" in message and "blocked" in message


def test_batch_create_answers_200_with_the_ids_and_batch_delete_the_count(user: User) -> None:
    items = [{"name": "a", "dimensions": [2]}, {"name": "b", "dimensions": [2, 2]}]
    created = user.client.post("/grids/batch", json={"grids": items})
    assert created.status_code == 200 and set(created.json()) == {"created"}
    ids = created.json()["created"]
    assert len(ids) == 2 and [g["id"] for g in user.client.get("/grids").json()] == ids
    removed = user.client.post("/grids/batch-delete", json={"ids": [*ids, "not-mine"]})
    assert removed.status_code == 200 and removed.json() == {"removed": 2}
    assert user.client.get("/grids").json() == []


def test_a_batch_with_an_invalid_grid_creates_nothing(user: User) -> None:
    items = [{"name": "a", "dimensions": [2]}, {"name": "", "dimensions": [2]}]
    message = assert_classic_error(user.client.post("/grids/batch", json={"grids": items}), 400)["message"]
    assert "grids[1]" in message and "lattice" not in message
    assert "'grids'" in assert_classic_error(user.client.post("/grids/batch", json={"lattices": items}), 400)["message"]
    assert user.client.get("/grids").json() == []


# --- errors, headers, what is not offered ----------------------------------------------------------
def test_unknown_paths_and_methods_answer_in_the_classic_format(anon: Client) -> None:
    assert_classic_error(anon.get("/no/such/path"), 404, "not_found")
    not_allowed = anon.put("/billing/plans")
    assert_classic_error(not_allowed, 405, "method_not_allowed")
    assert not_allowed.headers["Allow"] == "GET"
    bad_json = anon.post("/auth/session", data="{not json", headers={"Content-Type": "application/json"})
    assert_classic_error(bad_json, 400)


@pytest.mark.parametrize("kind", ["runtime", "sql"])
def test_an_unexpected_error_is_a_500_that_leaks_nothing(anon: Client, kind: str) -> None:
    answer = anon.get("/__test__/boom", params={"kind": kind})
    assert_classic_error(answer, 500, "internal_error")
    for marker in (*LEAK_MARKERS, "password_hash", "boom"):
        assert marker not in answer.text


@pytest.mark.parametrize("path", ["/api/v1/webhooks", "/webhooks", "/api/v1/lattices", "/api/v1/auth/login"])
def test_the_contract_routes_and_webhooks_are_not_offered(anon: Client, path: str) -> None:
    assert_classic_error(anon.get(path), 404, "not_found")
    assert_classic_error(anon.post(path, json={}), 404, "not_found")


def test_rate_limit_headers_are_x_ratelimit(user: User, anon: Client) -> None:
    for answer in (user.client.get("/grids"), anon.get("/billing/plans"), open_session(anon, user.email)):
        assert int(answer.headers["X-RateLimit-Limit"]) > 0
        assert int(answer.headers["X-RateLimit-Remaining"]) >= 0
        assert int(answer.headers["X-RateLimit-Reset"]) >= 1
        assert not any(name.lower().startswith("ratelimit-") for name in answer.headers)


def test_cors_exposes_the_x_ratelimit_headers(anon: Client) -> None:
    exposed = anon.get("/billing/plans", headers={"Origin": "https://app.example.com"}).headers[
        "Access-Control-Expose-Headers"
    ]
    assert "X-RateLimit-Remaining" in exposed and "Retry-After" in exposed


def test_security_headers_are_on_every_answer(anon: Client, user: User) -> None:
    for answer in (anon.get("/billing/plans"), anon.get("/nope"), user.client.get("/grids"), anon.get("/openapi.json")):
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value, (answer.url, name)


def test_health_and_metrics_are_unchanged(anon: Client) -> None:
    health = anon.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "pass"
    anon.get("/billing/plans")
    metrics = anon.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert 'path="/billing/plans"' in metrics.text and "/api/v1/" not in metrics.text


# --- OpenAPI ----------------------------------------------------------------------------------------
def test_the_classic_openapi_document_lists_exactly_its_operations(anon: Client) -> None:
    answer = anon.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    document = answer.json()
    assert document["openapi"].startswith("3.")
    assert operations(document) == CLASSIC_OPERATIONS
    for marker in LEAK_MARKERS:
        assert marker not in answer.text, marker


def test_the_contract_openapi_document_lists_exactly_its_operations() -> None:
    with ReferenceApi() as contract:
        answer = Client(contract.base_url).get("/openapi.json")
        assert answer.status_code == 200
        assert operations(answer.json()) == CONTRACT_OPERATIONS
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value
        for marker in LEAK_MARKERS:
            assert marker not in answer.text, marker


def test_every_listed_operation_is_served(anon: Client, user: User) -> None:
    """Each operation of the document answers something other than 404/405 (ids of a real grid)."""
    grid = new_grid(user)
    for method, path in sorted(CLASSIC_OPERATIONS - {("delete", "/account"), ("delete", "/grids/{id}")}):
        answer = user.client.request(method.upper(), path.replace("{id}", grid["id"]), json={})
        assert answer.status_code not in (404, 405), (method, path, answer.status_code, answer.text)
