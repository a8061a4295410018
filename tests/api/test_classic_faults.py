"""Every fault of an operation the classic dialect offers breaks it there too (one server per fault).

Faults of the service's edge (/health, /metrics, security headers, TLS) are checked with the contract
dialect's own checks; faults of an operation are checked through the classic operation. A fault of
something classic does not offer is listed in ``reference_api.faults.NOT_IN_DIALECT`` with the reason,
and shown to change nothing there.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from reference_api.faults import KNOWN_FAULTS, NOT_IN_DIALECT
from tests.support.server import ReferenceApi

from . import test_faults as contract
from .classic import CLASSIC_ENV, assert_classic_error, new_classic_user, new_grid, open_session, signup
from .helpers import Client, bfs_distance, unique_email

Check = Callable[[ReferenceApi], None]
CHECKS: dict[str, Check] = {
    name: contract.CHECKS[name]
    for name in (
        "health_body_fail",
        "health_status_mismatch",
        "health_flat_contradiction",
        "health_pass_with_failed_check",
        "health_garbage",
        "health_no_database_check",
        "health_no_redis_check",
        "metrics_garbage",
        "metrics_wrong_content_type",
        "metrics_missing_family",
        "server_disclosure",
        "hsts_short",
    )
}
ENV: dict[str, dict[str, str]] = {}
NOT_APPLICABLE = NOT_IN_DIALECT["classic"]


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


# --- edge ---------------------------------------------------------------------------------------
@check("health_not_counted")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    for _ in range(3):
        client.get("/health")
        client.get("/billing/plans")
    paths = {s.labels["path"] for s in families(client.get("/metrics").text)["http_requests"].samples}
    assert "/billing/plans" in paths and "/health" not in paths


@check("metrics_frozen")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    before = client.get("/metrics").text
    for _ in range(3):
        client.get("/billing/plans")
    after = families(client.get("/metrics").text)
    assert list(families(before)["http_requests"].samples) == list(after["http_requests"].samples)


@check("slow_responses", LATTICE_SLOW_MS="400")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    started = time.monotonic()
    client.get("/billing/plans")
    assert time.monotonic() - started >= 0.4


@check("no_rate_limit", RATE_LIMIT_ANON="2", RATE_LIMIT_WINDOW_SECONDS="3600")
def _(api: ReferenceApi) -> None:
    answers = [anon(api).get("/billing/plans") for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"


@check("rate_limit_no_headers", RATE_LIMIT_ANON="2", RATE_LIMIT_WINDOW_SECONDS="3600")
def _(api: ReferenceApi) -> None:
    answers = [anon(api).get("/billing/plans") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_classic_error(answers[-1], 429, "rate_limited")
    for answer in answers:
        assert not any("ratelimit" in h.lower() for h in answer.headers)
    assert "Retry-After" not in answers[-1].headers


@check("cors_reflect_any_origin")
def _(api: ReferenceApi) -> None:
    for origin in ("https://evil.example.com", "null"):
        answer = anon(api).get("/billing/plans", headers={"Origin": origin})
        assert answer.headers["Access-Control-Allow-Origin"] == origin


@check("cors_wildcard_credentials")
def _(api: ReferenceApi) -> None:
    answer = anon(api).options(
        "/billing/plans", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"


@check("missing_security_headers")
def _(api: ReferenceApi) -> None:
    headers = anon(api).get("/billing/plans").headers
    assert "X-Content-Type-Options" not in headers and "Content-Security-Policy" not in headers


@check("weak_security_headers")
def _(api: ReferenceApi) -> None:
    headers = anon(api).get("/billing/plans").headers
    assert headers["X-Frame-Options"] == "ALLOWALL" and headers["Referrer-Policy"] == "unsafe-url"


@check("error_stack_trace")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404
    assert "Traceback" in answer.json()["error"]["message"] and "sqlalchemy" in answer.text


@check("error_not_problem_json")
def _(api: ReferenceApi) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json"
    assert set(answer.json()) == {"detail"}


# --- identity -----------------------------------------------------------------------------------
@check("login_500")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    email = unique_email()
    signup(client, email)
    assert_classic_error(open_session(client, email, "wrong password!!"), 500)
    assert open_session(client, email).status_code == 200


@check("register_accepts_empty")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    for body in (
        {},
        {"email": "nope", "password": "x", "display_name": "N"},
        {"email": unique_email(), "password": "long enough password"},
    ):
        answer = client.post("/auth/signup", json=body)
        assert answer.status_code == 200 and answer.json()["user"]["id"]


@check("register_allows_duplicate")
def _(api: ReferenceApi) -> None:
    client = anon(api)
    email = unique_email()
    assert signup(client, email).status_code == 200
    assert signup(client, email).status_code == 200


@check("login_no_expiry")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    session = open_session(anon(api), user.email).json()["session"]
    assert "token" in session and "expires_in" not in session


@check("accept_tampered_token")
def _(api: ReferenceApi) -> None:
    victim, attacker = new_classic_user(api.base_url), new_classic_user(api.base_url)
    header, _, signature = attacker.token.split(".")
    claims = jwt.decode(attacker.token, options={"verify_signature": False})
    forged = f"{header}.{contract._b64({**claims, 'sub': victim.id})}.{signature}"
    answer = Client(api.base_url, forged).get("/account")
    assert answer.status_code == 200 and answer.json()["user"]["id"] == victim.id


@check("accept_alg_none")
def _(api: ReferenceApi) -> None:
    victim = new_classic_user(api.base_url)
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    unsigned = f"{contract._b64({'alg': 'none', 'typ': 'JWT'})}.{contract._b64(claims)}."
    assert Client(api.base_url, unsigned).get("/account").status_code == 200


@check("delete_user_keeps_data")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert user.client.delete("/account").json() == {"deleted": True}
    assert open_session(anon(api), user.email).status_code == 200
    assert user.client.get("/account").status_code == 200


# --- billing and usage ----------------------------------------------------------------------------
@check("subscription_not_persisted")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert (
        user.client.put("/billing/subscription", json={"plan": "premium"}).json()["subscription"]["plan"] == "premium"
    )
    assert user.client.get("/billing/subscription").json()["subscription"]["plan"] == "starter"


@check("subscription_accepts_unknown_plan")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    answer = user.client.put("/billing/subscription", json={"plan": "platinum"})
    assert answer.status_code == 200 and answer.json()["subscription"]["plan"] == "platinum"


@check("tenant_leak_usage")
def _(api: ReferenceApi) -> None:
    owner, other = new_classic_user(api.base_url), new_classic_user(api.base_url)
    new_grid(owner)
    assert other.client.get("/usage").json()["usage"]["grids_created"] == 1


@check("usage_not_counted")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    new_grid(user)
    usage = user.client.get("/usage").json()["usage"]
    assert usage["requests"] == 0 and usage["grids_created"] == 0


@check("flaky_once")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert_classic_error(user.client.get("/billing/subscription"), 500)
    assert user.client.get("/billing/subscription").status_code == 200


@check("subscription_fails_then_throttled")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert_classic_error(user.client.get("/billing/subscription"), 500)
    throttled = user.client.get("/billing/subscription")
    assert_classic_error(throttled, 429, "rate_limited")
    assert throttled.headers["Retry-After"] == "60"


# --- grids ------------------------------------------------------------------------------------------
@check("tenant_leak")
def _(api: ReferenceApi) -> None:
    owner, other = new_classic_user(api.base_url), new_classic_user(api.base_url)
    grid = new_grid(owner, name="secret")
    answer = other.client.get(f"/grids/{grid['id']}")
    assert answer.status_code == 200 and answer.json()["grid"]["name"] == "secret"


@check("tenant_leak_listing")
def _(api: ReferenceApi) -> None:
    owner, other = new_classic_user(api.base_url), new_classic_user(api.base_url)
    grid = new_grid(owner, name="secret")
    assert grid["id"] in [g["id"] for g in other.client.get("/grids").json()]


@check("lattice_drops_blocked")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    grid = new_grid(user, blocked=[[1, 1]])
    assert grid["blocked"] == [[1, 1]]
    assert user.client.get(f"/grids/{grid['id']}").json()["grid"]["blocked"] == []


@check("lattice_accepts_invalid")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert user.client.post("/grids", json={"name": "", "dimensions": [3]}).status_code == 200
    assert user.client.post("/grids", json={"name": "x", "dimensions": [3], "blocked": [[7]]}).status_code == 200


def _route(api: ReferenceApi) -> tuple[dict, list[list[int]]]:
    user = new_classic_user(api.base_url)
    blocked = [[2, y] for y in range(4)]
    grid = new_grid(user, dimensions=[5, 5], blocked=blocked)
    answer = user.client.post(f"/grids/{grid['id']}/route", json={"from": [0, 0], "to": [4, 0]})
    return answer.json()["route"], blocked


@check("path_not_shortest")
def _(api: ReferenceApi) -> None:
    route, blocked = _route(api)
    assert route["length"] == len(route["cells"]) - 1 == bfs_distance([5, 5], blocked, [0, 0], [4, 0]) + 2


@check("path_through_blocked")
def _(api: ReferenceApi) -> None:
    route, blocked = _route(api)
    assert route["length"] == 4 and any(c in blocked for c in route["cells"])


@check("path_wrong_distance")
def _(api: ReferenceApi) -> None:
    route, _ = _route(api)
    assert route["length"] == len(route["cells"]) == 13


@check("error_leaves_data")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    assert_classic_error(user.client.post("/grids", json={"name": "", "dimensions": [3]}), 400)
    assert [g["name"] for g in user.client.get("/grids").json()] == [""]


@check("bulk_partial")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    items = [{"name": "a", "dimensions": [2]}, {"name": "", "dimensions": [2]}, {"name": "b", "dimensions": [2]}]
    assert_classic_error(user.client.post("/grids/batch", json={"grids": items}), 400)
    assert len(user.client.get("/grids").json()) == 2


@check("bulk_delete_keeps_rows")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    items = [{"name": "a", "dimensions": [2]}, {"name": "b", "dimensions": [2]}]
    ids = user.client.post("/grids/batch", json={"grids": items}).json()["created"]
    assert user.client.post("/grids/batch-delete", json={"ids": ids}).json() == {"removed": 2}
    assert len(user.client.get("/grids").json()) == 2


@check("bulk_slow", LATTICE_BULK_SLOW_MS="700")
def _(api: ReferenceApi) -> None:
    user = new_classic_user(api.base_url)
    started = time.monotonic()
    answer = user.client.post("/grids/batch", json={"grids": [{"name": "a", "dimensions": [2]}]})
    assert answer.status_code == 200 and time.monotonic() - started >= 0.7


def test_every_fault_is_checked_or_not_applicable() -> None:
    assert not set(CHECKS) & set(NOT_APPLICABLE)
    assert set(CHECKS) | set(NOT_APPLICABLE) == set(KNOWN_FAULTS)


@pytest.mark.parametrize("fault", sorted(CHECKS))
def test_fault_changes_its_classic_behaviour(fault: str) -> None:
    env = {"LATTICE_ENABLE_TEST_ROUTES": "1", **CLASSIC_ENV, **ENV.get(fault, contract.ENV.get(fault, {}))}
    with ReferenceApi(faults=[fault], env=env, tls=fault in contract.TLS) as api:
        try:
            CHECKS[fault](api)
        except (AssertionError, requests.RequestException) as exc:
            raise AssertionError(f"{fault}: {exc}\n--- service output ---\n{api.output()[-3000:]}") from exc


def test_faults_of_what_classic_does_not_offer_change_nothing_there() -> None:
    env = {**CLASSIC_ENV}
    with ReferenceApi(faults=sorted(NOT_APPLICABLE), env=env) as api:
        owner, other = new_classic_user(api.base_url), new_classic_user(api.base_url)
        grid = new_grid(owner)
        assert other.client.get("/grids").json() == []
        assert [g["id"] for g in owner.client.get("/grids").json()] == [grid["id"]]
        assert_classic_error(owner.client.get("/api/v1/webhooks"), 404)
