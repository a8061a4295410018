"""Every fault really breaks the behaviour it names (one server per fault)."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Callable

import jwt
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from reference_api.faults import KNOWN_FAULTS
from tests.support.server import ReferenceApi

from .helpers import (
    Client,
    WebhookReceiver,
    assert_problem,
    bfs_distance,
    hmac_signature,
    login,
    new_user,
    register,
    unique_email,
    wait_for,
)

Check = Callable[[ReferenceApi], None]
CHECKS: dict[str, Check] = {}
ENV: dict[str, dict[str, str]] = {}
TLS = {"hsts_short"}


def check(name: str, **env: str) -> Callable[[Check], Check]:
    def register_check(fn: Check) -> Check:
        CHECKS[name] = fn
        ENV[name] = env
        return fn

    return register_check


def anon(api: ReferenceApi) -> Client:
    return Client(api.base_url, verify=str(api.ca_bundle) if api.ca_bundle else True)


def families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


# --- health and metrics -------------------------------------------------------------------------
@check("health_body_fail")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and answer.json()["status"] == "fail"


@check("health_status_mismatch")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 503 and answer.json()["status"] == "pass"


@check("health_flat_contradiction")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "healthy", "database": "unhealthy", "redis": "ok"}


@check("health_pass_with_failed_check")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and answer.json()["status"] == "pass"
    assert answer.json()["checks"]["database"]["status"] == "fail"


@check("health_garbage")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and answer.text == "OK"
    assert answer.headers["Content-Type"].startswith("text/plain")


@check("health_no_database_check")
def _(api: ReferenceApi) -> None:
    body = anon(api).get("/health").json()
    assert body["status"] == "pass" and "database" not in body["checks"]


@check("health_no_redis_check")
def _(api: ReferenceApi) -> None:
    body = anon(api).get("/health").json()
    assert body["status"] == "pass" and "redis" not in body["checks"] and "database" in body["checks"]


@check("health_not_counted")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    for _ in range(3):
        client.get("/health")
        client.get("/api/v1/plans")
    requests_by_path = {s.labels["path"] for s in families(client.get("/metrics").text)["http_requests"].samples}
    assert "/api/v1/plans" in requests_by_path and "/health" not in requests_by_path


@check("metrics_garbage")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    with pytest.raises(Exception):  # noqa: B017 - whatever the parser raises, it must not parse
        families(answer.text)


@check("metrics_wrong_content_type")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/metrics")
    assert answer.headers["Content-Type"].startswith("application/json")
    assert "http_requests" in families(answer.text)


@check("metrics_missing_family")
def _(api: ReferenceApi) -> None:
    found = families(anon(api).get("/metrics").text)
    assert "paths_computed" not in found
    assert {"http_requests", "lattices_created", "webhook_deliveries"} <= set(found)


@check("metrics_frozen")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    before = anon(api).get("/metrics").text
    for _ in range(3):
        client.get("/api/v1/plans")
    after = families(client.get("/metrics").text)
    assert [s for s in families(before)["http_requests"].samples] == list(after["http_requests"].samples)
    assert any(s.value > 0 for s in after["http_request_duration_seconds"].samples)


@check("slow_responses", LATTICE_SLOW_MS="400")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    started = time.monotonic()
    client.get("/api/v1/plans")
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    client.get("/metrics")
    assert time.monotonic() - started < 0.35


# --- auth ---------------------------------------------------------------------------------------
@check("login_500")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    email = unique_email()
    register(client, email)
    assert_problem(login(client, email, "wrong password!!"), 500)
    assert login(client, email).status_code == 200


@check("register_accepts_empty")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    for body in ({}, {"email": "nope", "password": "x"}):
        answer = client.post("/api/v1/auth/register", json=body)
        assert answer.status_code == 201 and answer.json()["id"]
    assert login(client, "nope", "x").status_code in (401, 422)


@check("register_allows_duplicate")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    email = unique_email()
    assert register(client, email).status_code == 201
    assert register(client, email).status_code == 201


@check("login_no_expiry")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    body = login(anon(api), user.email).json()
    assert "access_token" in body and "expires_in" not in body


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


@check("accept_tampered_token")
def _(api: ReferenceApi) -> None:
    victim, attacker = new_user(api.base_url), new_user(api.base_url)
    header, _, signature = attacker.token.split(".")
    claims = jwt.decode(attacker.token, options={"verify_signature": False})
    forged = f"{header}.{_b64({**claims, 'sub': victim.id})}.{signature}"
    answer = Client(api.base_url, forged).get("/api/v1/users/me")
    assert answer.status_code == 200 and answer.json()["id"] == victim.id


@check("accept_alg_none")
def _(api: ReferenceApi) -> None:
    victim = new_user(api.base_url)
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert Client(api.base_url, unsigned).get("/api/v1/users/me").status_code == 200
    tampered = victim.token[:-4] + ("AAAA" if not victim.token.endswith("AAAA") else "BBBB")
    assert Client(api.base_url, tampered).get("/api/v1/users/me").status_code == 401


# --- rate limits, CORS, headers, errors -------------------------------------------------------
@check("no_rate_limit", RATE_LIMIT_ANON="2", RATE_LIMIT_WINDOW_SECONDS="3600")
def _(api: ReferenceApi) -> None:
    answers = [anon(api).get("/api/v1/plans") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert answers[-1].headers["RateLimit-Remaining"] == "0"


@check("rate_limit_no_headers", RATE_LIMIT_ANON="2", RATE_LIMIT_WINDOW_SECONDS="3600")
def _(api: ReferenceApi) -> None:
    answers = [anon(api).get("/api/v1/plans") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    for answer in answers:
        assert not any(h.lower().startswith("ratelimit") for h in answer.headers)
    assert "Retry-After" not in answers[-1].headers


@check("cors_reflect_any_origin")
def _(api: ReferenceApi) -> None:
    for origin in ("https://evil.example.com", "null"):
        answer = anon(api).options("/api/v1/plans", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert answer.headers["Access-Control-Allow-Origin"] == origin
        assert (
            anon(api).get("/api/v1/plans", headers={"Origin": origin}).headers["Access-Control-Allow-Origin"] == origin
        )


@check("cors_wildcard_credentials")
def _(api: ReferenceApi) -> None:
    answer = anon(api).options(
        "/api/v1/plans", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"


@check("missing_security_headers")
def _(api: ReferenceApi) -> None:
    headers = anon(api).get("/api/v1/plans").headers
    assert "X-Content-Type-Options" not in headers and "Content-Security-Policy" not in headers
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


@check("weak_security_headers")
def _(api: ReferenceApi) -> None:
    headers = anon(api).get("/api/v1/plans").headers
    assert headers["X-Frame-Options"] == "ALLOWALL" and headers["Referrer-Policy"] == "unsafe-url"
    assert "Content-Security-Policy" not in headers and "Content-Security-Policy-Report-Only" in headers


@check("server_disclosure")
def _(api: ReferenceApi) -> None:
    headers = anon(api).get("/health").headers
    assert headers["X-Powered-By"] == "FastAPI" and headers["Server"] == "uvicorn/0.30.1"


@check("hsts_short")
def _(api: ReferenceApi) -> None:
    assert anon(api).get("/health").headers["Strict-Transport-Security"] == "max-age=300"


@check("error_stack_trace")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404
    assert "Traceback" in answer.json()["detail"] and "sqlalchemy" in answer.text


@check("error_not_problem_json")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json"
    assert set(answer.json()) == {"detail"}


# --- resources -------------------------------------------------------------------------------
@check("tenant_leak")
def _(api: ReferenceApi) -> None:
    owner, other = new_user(api.base_url), new_user(api.base_url)
    lattice = owner.client.post("/api/v1/lattices", json={"name": "secret", "dimensions": [2]}).json()
    answer = other.client.get(f"/api/v1/lattices/{lattice['id']}")
    assert answer.status_code == 200 and answer.json()["name"] == "secret"


@check("tenant_leak_listing")
def _(api: ReferenceApi) -> None:
    owner, other = new_user(api.base_url), new_user(api.base_url)
    lattice = owner.client.post("/api/v1/lattices", json={"name": "secret", "dimensions": [2]}).json()
    listing = other.client.get("/api/v1/lattices").json()
    assert lattice["id"] in [item["id"] for item in listing["items"]] and listing["total"] == 0


@check("tenant_leak_count")
def _(api: ReferenceApi) -> None:
    owner, other = new_user(api.base_url), new_user(api.base_url)
    owner.client.post("/api/v1/lattices", json={"name": "secret", "dimensions": [2]})
    listing = other.client.get("/api/v1/lattices").json()
    assert listing["items"] == [] and listing["total"] == 1


@check("tenant_leak_usage")
def _(api: ReferenceApi) -> None:
    owner, other = new_user(api.base_url), new_user(api.base_url)
    owner.client.post("/api/v1/lattices", json={"name": "secret", "dimensions": [2]})
    assert other.client.get("/api/v1/usage").json()["lattices_created"] == 1


@check("subscription_not_persisted")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert user.client.put("/api/v1/subscription", json={"plan": "pro"}).json()["plan"] == "pro"
    assert user.client.get("/api/v1/subscription").json()["plan"] == "free"


@check("subscription_accepts_unknown_plan")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert user.client.put("/api/v1/subscription", json={"plan": "platinum"}).status_code == 200


@check("lattice_drops_blocked")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    created = user.client.post("/api/v1/lattices", json={"name": "w", "dimensions": [3, 3], "blocked": [[1, 1]]}).json()
    assert created["blocked"] == [[1, 1]]
    assert user.client.get(f"/api/v1/lattices/{created['id']}").json()["blocked"] == []


@check("lattice_accepts_invalid")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert user.client.post("/api/v1/lattices", json={"name": "", "dimensions": [3]}).status_code == 201
    assert (
        user.client.post("/api/v1/lattices", json={"name": "x", "dimensions": [3], "blocked": [[7]]}).status_code == 201
    )


def _path_setup(api: ReferenceApi) -> tuple[Client, str, list[list[int]]]:
    user = new_user(api.base_url)
    blocked = [[2, y] for y in range(4)]
    lattice = user.client.post("/api/v1/lattices", json={"name": "p", "dimensions": [5, 5], "blocked": blocked}).json()
    return user.client, lattice["id"], blocked


@check("path_not_shortest")
def _(api: ReferenceApi) -> None:
    client, lattice_id, blocked = _path_setup(api)
    body = client.post(f"/api/v1/lattices/{lattice_id}/pathfind", json={"start": [0, 0], "end": [4, 0]}).json()
    path = body["path"]
    assert body["distance"] == len(path) - 1 == bfs_distance([5, 5], blocked, [0, 0], [4, 0]) + 2
    assert all(sum(abs(a - b) for a, b in zip(p, q, strict=True)) == 1 for p, q in itertools.pairwise(path))
    assert not any(c in blocked for c in path)


@check("path_through_blocked")
def _(api: ReferenceApi) -> None:
    client, lattice_id, blocked = _path_setup(api)
    body = client.post(f"/api/v1/lattices/{lattice_id}/pathfind", json={"start": [0, 0], "end": [4, 0]}).json()
    assert body["distance"] == 4 and any(c in blocked for c in body["path"])


@check("path_wrong_distance")
def _(api: ReferenceApi) -> None:
    client, lattice_id, _ = _path_setup(api)
    body = client.post(f"/api/v1/lattices/{lattice_id}/pathfind", json={"start": [0, 0], "end": [4, 0]}).json()
    assert body["distance"] == len(body["path"]) == 13


def _ping(api: ReferenceApi, receiver: WebhookReceiver) -> tuple[dict, Client]:
    user = new_user(api.base_url)
    hook = user.client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["ping"]}).json()
    assert user.client.post(f"/api/v1/webhooks/{hook['id']}/test").status_code == 202
    return hook, user.client


@check("webhook_unsigned")
def _(api: ReferenceApi) -> None:
    receiver = WebhookReceiver()
    try:
        _ping(api, receiver)
        wait_for(lambda: receiver.received)
        assert "X-Signature-256" not in receiver.received[0].headers
    finally:
        receiver.close()


@check("webhook_bad_signature")
def _(api: ReferenceApi) -> None:
    receiver = WebhookReceiver()
    try:
        hook, _ = _ping(api, receiver)
        got = wait_for(lambda: receiver.received)[0]
        assert got.headers["X-Signature-256"].startswith("sha256=")
        assert got.headers["X-Signature-256"] != hmac_signature(hook["secret"], got.body)
    finally:
        receiver.close()


@check("webhook_secret_in_listing")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    hook = user.client.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["ping"]}).json()
    assert user.client.get("/api/v1/webhooks").json()["items"][0]["secret"] == hook["secret"]


@check("webhook_no_delivery")
def _(api: ReferenceApi) -> None:
    receiver = WebhookReceiver()
    try:
        hook, client = _ping(api, receiver)
        time.sleep(1.0)
        assert receiver.received == []
        assert client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"] == []
    finally:
        receiver.close()


@check("usage_not_counted")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    user.client.post("/api/v1/lattices", json={"name": "u", "dimensions": [2]})
    usage = user.client.get("/api/v1/usage").json()
    assert usage["requests"] == 0 and usage["lattices_created"] == 0


@check("error_leaves_data")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert_problem(user.client.post("/api/v1/lattices", json={"name": "", "dimensions": [3]}), 422)
    listing = user.client.get("/api/v1/lattices").json()
    assert listing["total"] == 1 and listing["items"][0]["name"] == ""


@check("bulk_partial")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    items = [{"name": "a", "dimensions": [2]}, {"name": "", "dimensions": [2]}, {"name": "b", "dimensions": [2]}]
    assert_problem(user.client.post("/api/v1/lattices/bulk", json={"lattices": items}), 422)
    assert user.client.get("/api/v1/lattices").json()["total"] == 2


@check("bulk_delete_keeps_rows")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    items = [{"name": "a", "dimensions": [2]}, {"name": "b", "dimensions": [2]}]
    ids = user.client.post("/api/v1/lattices/bulk", json={"lattices": items}).json()["ids"]
    assert user.client.post("/api/v1/lattices/bulk-delete", json={"ids": ids}).json() == {"deleted": 2}
    assert user.client.get("/api/v1/lattices").json()["total"] == 2


@check("bulk_slow", LATTICE_BULK_SLOW_MS="700")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    started = time.monotonic()
    answer = user.client.post("/api/v1/lattices/bulk", json={"lattices": [{"name": "a", "dimensions": [2]}]})
    assert answer.status_code == 201 and time.monotonic() - started >= 0.7
    started = time.monotonic()
    user.client.post("/api/v1/lattices/bulk-delete", json={"ids": answer.json()["ids"]})
    assert time.monotonic() - started >= 0.7
    started = time.monotonic()
    user.client.get("/api/v1/lattices")
    assert time.monotonic() - started < 0.5


@check("delete_user_keeps_data")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert user.client.delete("/api/v1/users/me").status_code == 204
    assert login(anon(api), user.email).status_code == 200
    assert user.client.get("/api/v1/users/me").status_code == 200


@check("flaky_once")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert_problem(user.client.get("/api/v1/subscription"), 500)
    assert user.client.get("/api/v1/subscription").status_code == 200


@check("subscription_fails_then_throttled")
def _(api: ReferenceApi) -> None:
    user = new_user(api.base_url)
    assert_problem(user.client.get("/api/v1/subscription"), 500)
    throttled = user.client.get("/api/v1/subscription")
    assert_problem(throttled, 429)
    assert throttled.headers["Retry-After"] == "60"


def test_every_fault_has_a_check() -> None:
    assert set(CHECKS) == set(KNOWN_FAULTS)


@pytest.mark.parametrize("fault", sorted(CHECKS))
def test_fault_changes_its_behaviour(fault: str) -> None:
    env = {"LATTICE_ENABLE_TEST_ROUTES": "1", **ENV[fault]}
    with ReferenceApi(faults=[fault], env=env, tls=fault in TLS) as api:
        try:
            CHECKS[fault](api)
        except (AssertionError, requests.RequestException) as exc:
            raise AssertionError(f"{fault}: {exc}\n--- service output ---\n{api.output()[-3000:]}") from exc
