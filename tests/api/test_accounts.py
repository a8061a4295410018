"""Registration, login, the current user, account deletion, plans, subscription and usage."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from tests.support.server import ReferenceApi

from .helpers import PASSWORD, Client, User, WebhookReceiver, assert_problem, login, register, unique_email


def test_register_returns_the_user(anon: Client) -> None:
    email = unique_email()
    answer = register(anon, email)
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) >= {"id", "email", "created_at"}
    assert body["email"] == email
    assert "password" not in answer.text and "hash" not in answer.text


def test_register_twice_is_a_conflict(anon: Client) -> None:
    email = unique_email()
    assert register(anon, email).status_code == 201
    assert_problem(register(anon, email), 409)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "someone@example.com", "password": "short"},
        {"email": "someone@example.com", "password": "x" * 11},
        {"password": PASSWORD},
        {"email": "someone@example.com"},
        {},
        [],
    ],
)
def test_register_rejects_invalid_bodies(anon: Client, body: object) -> None:
    assert_problem(anon.post("/api/v1/auth/register", json=body), 422)


def test_register_rejects_malformed_json(anon: Client) -> None:
    answer = anon.post("/api/v1/auth/register", data="{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code in (400, 422)
    assert_problem(answer, answer.status_code)


def test_login_returns_a_bearer_token(anon: Client, user: User) -> None:
    answer = login(anon, user.email)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == user.id and claims["exp"] > time.time()


def test_login_failures_are_indistinguishable(anon: Client, user: User) -> None:
    wrong_password = login(anon, user.email, "wrong password 123")
    unknown_email = login(anon, unique_email())
    body = assert_problem(wrong_password, 401)
    assert assert_problem(unknown_email, 401) == body
    assert wrong_password.headers["WWW-Authenticate"].startswith("Bearer")


def test_me_returns_the_caller(user: User) -> None:
    answer = user.client.get("/api/v1/users/me")
    assert answer.status_code == 200
    assert answer.json()["id"] == user.id and answer.json()["email"] == user.email
    assert answer.headers["Cache-Control"] == "no-store"


def _forge(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def _alg_none(claims: dict[str, object]) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_bad_tokens_are_rejected(api: ReferenceApi, user: User, make_user: object) -> None:
    other = make_user()  # type: ignore[operator]
    claims = jwt.decode(user.token, options={"verify_signature": False})
    tokens = {
        "missing": None,
        "garbage": "not-a-token",
        "tampered": _forge(user.token, sub=other.id),
        "alg none": _alg_none({**claims, "sub": other.id}),
        "wrong key": jwt.encode({**claims}, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256"),
        "expired": _forge(user.token, exp=int(time.time()) - 10),
    }
    for name, token in tokens.items():
        client = Client(api.base_url, token)
        answer = client.get("/api/v1/users/me")
        assert_problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), name


def test_expired_token_is_rejected() -> None:
    # The TTL leaves room for a slow machine (argon2 hashing, a busy CI runner)
    # between login and the first use; the wait is measured from the token's own expiry.
    ttl = 5
    with ReferenceApi(env={"TOKEN_TTL_SECONDS": str(ttl)}) as api:
        anon = Client(api.base_url)
        email = unique_email()
        register(anon, email)
        issued = login(anon, email).json()
        assert issued["expires_in"] == ttl
        token = issued["access_token"]
        assert Client(api.base_url, token).get("/api/v1/users/me").status_code == 200
        expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
        time.sleep(max(0.0, expires_at - time.time()) + 1.1)
        assert_problem(Client(api.base_url, token).get("/api/v1/users/me"), 401)


def test_delete_me_removes_everything(api: ReferenceApi, anon: Client, user: User, receiver: WebhookReceiver) -> None:
    client = user.client
    lattice = client.post("/api/v1/lattices", json={"name": "doomed", "dimensions": [3, 3]}).json()
    hook = client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ping"]}).json()
    assert client.put("/api/v1/subscription", json={"plan": "pro"}).status_code == 200
    assert client.delete("/api/v1/users/me").status_code == 204
    assert_problem(client.get("/api/v1/users/me"), 401)
    assert_problem(client.get(f"/api/v1/lattices/{lattice['id']}"), 401)
    assert_problem(login(anon, user.email), 401)
    # the same email can register again and starts from nothing
    assert register(anon, user.email).status_code == 201
    fresh = Client(api.base_url, login(anon, user.email).json()["access_token"])
    assert fresh.get("/api/v1/lattices").json() == {"items": [], "total": 0}
    assert fresh.get("/api/v1/webhooks").json() == {"items": []}
    assert fresh.get("/api/v1/subscription").json()["plan"] == "free"
    assert_problem(fresh.get(f"/api/v1/webhooks/{hook['id']}/deliveries"), 404)
    usage = fresh.get("/api/v1/usage").json()
    assert usage["lattices_created"] == 0 and usage["webhooks_sent"] == 0


def test_plans_are_listed(anon: Client) -> None:
    answer = anon.get("/api/v1/plans")
    assert answer.status_code == 200
    plans = {p["id"]: p for p in answer.json()["items"]}
    assert set(plans) == {"free", "pro", "enterprise"}
    assert plans["free"]["limits"] == {"max_lattices": 500, "max_cells": 1_000_000, "bulk_max": 100}
    assert plans["pro"]["limits"]["bulk_max"] == 500
    assert all(p["name"] for p in plans.values())


def test_subscription_lifecycle(user: User) -> None:
    client = user.client
    first = client.get("/api/v1/subscription").json()
    assert first["plan"] == "free" and first["status"] == "active"
    assert first["limits"]["max_cells"] == 1_000_000
    assert len(first["renews_at"]) == 10  # an ISO date
    changed = client.put("/api/v1/subscription", json={"plan": "pro"})
    assert changed.status_code == 200 and changed.json()["plan"] == "pro"
    assert client.get("/api/v1/subscription").json()["plan"] == "pro"
    assert client.get("/api/v1/subscription").json()["limits"]["max_cells"] == 10_000_000
    assert_problem(client.put("/api/v1/subscription", json={"plan": "platinum"}), 422)
    assert_problem(client.put("/api/v1/subscription", json={}), 422)
    assert client.get("/api/v1/subscription").json()["plan"] == "pro"
    canceled = client.delete("/api/v1/subscription")
    assert canceled.status_code == 200
    assert canceled.json()["plan"] == "free" and canceled.json()["status"] == "canceled"
    assert client.get("/api/v1/subscription").json()["status"] == "canceled"


def test_subscription_requires_a_token(anon: Client) -> None:
    for method in ("GET", "PUT", "DELETE"):
        assert_problem(anon.request(method, "/api/v1/subscription", json={"plan": "pro"}), 401)


def test_plan_limits_apply(user: User) -> None:
    client = user.client
    big = {"name": "big", "dimensions": [1000, 1000, 2]}
    assert_problem(client.post("/api/v1/lattices", json=big), 422)
    client.put("/api/v1/subscription", json={"plan": "pro"})
    assert client.post("/api/v1/lattices", json=big).status_code == 201


def test_usage_counts_calls(user: User) -> None:
    client = user.client
    before = client.get("/api/v1/usage").json()
    assert set(before) >= {
        "period_start",
        "period_end",
        "requests",
        "lattices_created",
        "paths_computed",
        "webhooks_sent",
    }
    assert before["period_start"] < before["period_end"]
    lattice = client.post("/api/v1/lattices", json={"name": "u", "dimensions": [4, 4]}).json()
    client.post(f"/api/v1/lattices/{lattice['id']}/pathfind", json={"start": [0, 0], "end": [3, 3]})
    client.post("/api/v1/lattices/bulk", json={"lattices": [{"name": "a", "dimensions": [2]}] * 3})
    after = client.get("/api/v1/usage").json()
    assert after["lattices_created"] == before["lattices_created"] + 4
    assert after["paths_computed"] == before["paths_computed"] + 1
    assert after["requests"] == before["requests"] + 4  # three calls plus this GET


def test_usage_is_per_user(user: User, make_user: object) -> None:
    other = make_user()  # type: ignore[operator]
    user.client.post("/api/v1/lattices", json={"name": "mine", "dimensions": [2]})
    assert other.client.get("/api/v1/usage").json()["lattices_created"] == 0
