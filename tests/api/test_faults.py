"""The fault registry: every fault breaks its behaviour observably, on every dialect that offers the operation.

One check per fault of ``reference_api/faults.py``, written once in the contract's terms
(``surfaces.py`` translates to each dialect), each run against a service of its own with only that
fault on. A check names the capabilities it needs beyond the operations every dialect has
(``Surface.capabilities``); a dialect without them must declare the fault in
``reference_api.faults.NOT_IN_DIALECT``, and a service with all its declared faults on still works.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from reference_api.faults import HTTPS_ONLY_FAULTS, KNOWN_FAULTS, NOT_IN_DIALECT
from tests.support.hostile import HostileServer
from tests.support.hostile import statuses as answering

from .harness import RELAXED, InProcessApi, hmac_signature, wait_for
from .surfaces import (
    DIALECT_ENV,
    SURFACES,
    Client,
    Surface,
    User,
    anon,
    bfs_distance,
    is_walk,
    unique_email,
)

Check = Callable[[InProcessApi, Surface], None]


@dataclass(frozen=True)
class Registered:
    """A fault's check, the service environment it needs, and the capabilities it needs."""

    check: Check
    env: dict[str, str]
    needs: frozenset[str]


CHECKS: dict[str, Registered] = {}
LIMITED = {"RATE_LIMIT_ANON": "2", "RATE_LIMIT_WINDOW_SECONDS": "3600"}


def fault(name: str, needs: tuple[str, ...] = (), **env: str) -> Callable[[Check], Check]:
    """Register the check of the fault ``name``."""

    def register_check(check: Check) -> Check:
        CHECKS[name] = Registered(check, env, frozenset(needs))
        return check

    return register_check


def families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def request_paths(client: Client) -> set[str]:
    samples = families(client.get("/metrics").text)["http_requests"].samples
    return {s.labels["path"] for s in samples}


def timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


# --- health and metrics -------------------------------------------------------------------------
@fault("health_body_fail")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and s.health(answer)[0] == "fail"


@fault("health_status_mismatch")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 503 and s.health(answer)[0] == "pass"


@fault("health_flat_contradiction")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and answer.json() == s.flat_contradiction


@fault("health_pass_with_failed_check")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/health")
    overall, components = s.health(answer)
    assert answer.status_code == 200 and overall == "pass" and components["database"] == "fail"


@fault("health_garbage")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/health")
    assert answer.status_code == 200 and answer.text == "OK"
    assert answer.headers["Content-Type"].startswith("text/plain")


@fault("health_no_database_check")
def _(api: InProcessApi, s: Surface) -> None:
    overall, components = s.health(anon(api).get("/health"))
    assert overall == "pass" and "database" not in components


@fault("health_no_redis_check", needs=("cache",))
def _(api: InProcessApi, s: Surface) -> None:
    overall, components = s.health(anon(api).get("/health"))
    assert overall == "pass" and "redis" not in components and "database" in components


@fault("health_not_counted")
def _(api: InProcessApi, s: Surface) -> None:
    client = anon(api)
    for _ in range(3):
        client.get("/health")
        client.get(s.probe)
    paths = request_paths(client)
    assert s.probe in paths and "/health" not in paths


@fault("metrics_garbage")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    try:
        families(answer.text)
    except Exception:  # noqa: BLE001 - whatever the parser raises, it must not parse
        return
    raise AssertionError(f"the exposition parses: {answer.text[:200]}")


@fault("metrics_wrong_content_type")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/metrics")
    assert answer.headers["Content-Type"].startswith("application/json") and "http_requests" in families(answer.text)


@fault("metrics_missing_family")
def _(api: InProcessApi, s: Surface) -> None:
    found = families(anon(api).get("/metrics").text)
    assert "paths_computed" not in found and {"http_requests", "lattices_created", "webhook_deliveries"} <= set(found)


@fault("metrics_frozen")
def _(api: InProcessApi, s: Surface) -> None:
    client = anon(api)
    before = request_paths(client)
    for _ in range(3):
        client.get(s.probe)
    assert request_paths(client) == before == set()


@fault("slow_responses", LATTICE_SLOW_MS="400")
def _(api: InProcessApi, s: Surface) -> None:
    client = anon(api)
    assert timed(lambda: client.get(s.probe)) >= 0.4
    # /metrics is not slowed: the quickest of three answers is well under the delay (a busy machine
    # may slow one answer, not all three)
    assert min(timed(lambda: client.get("/metrics")) for _ in range(3)) < 0.35


# --- accounts -----------------------------------------------------------------------------------
@fault("login_500")
def _(api: InProcessApi, s: Surface) -> None:
    email = unique_email()
    s.register(api, email)
    s.error(s.login(api, email, "wrong password!!"), 500)
    assert s.login(api, email).status_code == 200


@fault("register_accepts_empty")
def _(api: InProcessApi, s: Surface) -> None:
    for answer in (anon(api).call(s.ops["register"], json={}), s.register(api, "nope", password="x")):
        assert answer.status_code == s.ops["register"].status and s.user_of(answer.json())["id"]


@fault("register_allows_duplicate")
def _(api: InProcessApi, s: Surface) -> None:
    email = unique_email()
    assert [s.register(api, email).status_code for _ in range(2)] == [s.ops["register"].status] * 2


@fault("login_no_expiry")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    body = s.login(api, user.email).json()
    assert s.has(body, "access_token") and not s.has(body, "expires_in")


def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _me(api: InProcessApi, s: Surface, token: str) -> requests.Response:
    return Client(api.base_url, token).call(s.ops["me"])


@fault("accept_tampered_token")
def _(api: InProcessApi, s: Surface) -> None:
    victim, attacker = s.new_user(api), s.new_user(api)
    header, _, signature = attacker.token.split(".")
    claims = jwt.decode(attacker.token, options={"verify_signature": False})
    answer = _me(api, s, f"{header}.{_b64({**claims, 'sub': victim.id})}.{signature}")
    assert answer.status_code == 200 and s.user_of(answer.json())["id"] == victim.id


@fault("accept_alg_none")
def _(api: InProcessApi, s: Surface) -> None:
    victim = s.new_user(api)
    claims = jwt.decode(victim.token, options={"verify_signature": False})
    assert _me(api, s, f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.").status_code == 200


@fault("delete_user_keeps_data")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    user.new_lattice()
    assert user.delete().status_code == s.ops["delete_user"].status
    assert s.login(api, user.email).status_code == 200 and user.call("me").status_code == 200
    assert len(user.listing()[0]) == 1


# --- the edge: rate limits, CORS, headers, errors -------------------------------------------------
@fault("no_rate_limit", **LIMITED)
def _(api: InProcessApi, s: Surface) -> None:
    answers = [anon(api).get(s.probe) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert answers[-1].headers[f"{s.rate_limit_header}-Remaining"] == "0"


@fault("rate_limit_no_headers", **LIMITED)
def _(api: InProcessApi, s: Surface) -> None:
    answers = [anon(api).get(s.probe) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    s.error(answers[-1], 429)
    assert not any("ratelimit" in h.lower() or h.lower() == "retry-after" for a in answers for h in a.headers)


@fault("cors_reflect_any_origin")
def _(api: InProcessApi, s: Surface) -> None:
    for origin in ("https://evil.example.com", "null"):
        preflight = anon(api).request(
            "OPTIONS", s.probe, headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )
        simple = anon(api).get(s.probe, headers={"Origin": origin})
        assert (
            preflight.headers["Access-Control-Allow-Origin"] == simple.headers["Access-Control-Allow-Origin"] == origin
        )


@fault("cors_wildcard_credentials")
def _(api: InProcessApi, s: Surface) -> None:
    headers = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
    answer = anon(api).request("OPTIONS", s.probe, headers=headers)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Credentials"] == "true"


@fault("missing_security_headers")
def _(api: InProcessApi, s: Surface) -> None:
    headers = anon(api).get(s.probe).headers
    assert "X-Content-Type-Options" not in headers and "Content-Security-Policy" not in headers
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


@fault("weak_security_headers")
def _(api: InProcessApi, s: Surface) -> None:
    headers = anon(api).get(s.probe).headers
    assert headers["X-Frame-Options"] == "ALLOWALL" and headers["Referrer-Policy"] == "unsafe-url"
    assert "Content-Security-Policy" not in headers and "Content-Security-Policy-Report-Only" in headers


@fault("server_disclosure")
def _(api: InProcessApi, s: Surface) -> None:
    headers = anon(api).get("/health").headers
    assert headers["X-Powered-By"] == "FastAPI" and headers["Server"] == "uvicorn/0.30.1"


@fault("hsts_short")
def _(api: InProcessApi, s: Surface) -> None:
    assert anon(api).get("/health").headers["Strict-Transport-Security"] == "max-age=300"


@fault("error_stack_trace")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404 and "Traceback" in s.error_message(answer) and "sqlalchemy" in answer.text


@fault("error_not_problem_json")
def _(api: InProcessApi, s: Surface) -> None:
    answer = anon(api).get("/no/such/path")
    assert answer.status_code == 404 and answer.headers["Content-Type"] == s.broken_error_type
    if s.broken_error_type == "application/json":
        assert set(answer.json()) == {"detail"}
    else:
        assert answer.text.startswith("Nothing is found")


# --- lattices, paths, usage --------------------------------------------------------------------
def _tenants(api: InProcessApi, s: Surface) -> tuple[User, User, dict[str, Any]]:
    owner, other = s.new_user(api), s.new_user(api)
    return owner, other, owner.new_lattice(name="secret")


@fault("tenant_leak", needs=("read",))
def _(api: InProcessApi, s: Surface) -> None:
    _, other, lattice = _tenants(api, s)
    assert "read" in s.ops
    answer = other.call("read", lattice["id"])
    assert answer.status_code == 200 and s.lattice(answer.json())["name"] == "secret"


@fault("tenant_leak_listing")
def _(api: InProcessApi, s: Surface) -> None:
    _, other, lattice = _tenants(api, s)
    items, total = other.listing()
    assert [item["id"] for item in items] == [lattice["id"]] and total in (0, None)


@fault("tenant_leak_count", needs=("total",))
def _(api: InProcessApi, s: Surface) -> None:
    _, other, _ = _tenants(api, s)
    assert other.listing() == ([], 1)


@fault("tenant_leak_usage")
def _(api: InProcessApi, s: Surface) -> None:
    _, other, _ = _tenants(api, s)
    assert other.usage()["lattices_created"] == 1


@fault("lattice_drops_blocked")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    lattice = user.new_lattice(blocked=[[1, 1]])
    assert lattice["blocked"] == [[1, 1]]  # the answer echoes the request ...
    assert user.listing()[0][0]["blocked"] == []  # ... but nothing was stored
    if "read" in s.ops:
        assert s.lattice(user.call("read", lattice["id"]).json())["blocked"] == []


@fault("lattice_accepts_invalid")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    assert user.create(name="").status_code == s.ops["create"].status
    assert user.create(name="x", blocked=[[7, 7]]).status_code == s.ops["create"].status


@fault("error_leaves_data")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    s.error(user.create(name=""), 422)
    assert [item["name"] for item in user.listing()[0]] == [""]


WALL = [[2, y] for y in range(4)]  # a wall across a 5x5 lattice with a gap at y=4


def _walled_path(api: InProcessApi, s: Surface) -> dict[str, Any]:
    user = s.new_user(api)
    answer, found = user.find_path(user.new_lattice(dims=(5, 5), blocked=WALL), [0, 0], [4, 0])
    assert answer.status_code == 200, answer.text
    return found


@fault("path_not_shortest")
def _(api: InProcessApi, s: Surface) -> None:
    found = _walled_path(api, s)
    path = found["path"]
    assert found["distance"] == len(path) - 1 == bfs_distance([5, 5], WALL, [0, 0], [4, 0]) + 2
    assert is_walk(path, [5, 5], WALL)


@fault("path_through_blocked")
def _(api: InProcessApi, s: Surface) -> None:
    found = _walled_path(api, s)
    assert found["distance"] == 4 and any(cell in WALL for cell in found["path"])


@fault("path_wrong_distance")
def _(api: InProcessApi, s: Surface) -> None:
    found = _walled_path(api, s)
    assert found["distance"] == len(found["path"]) == 13


@fault("usage_not_counted")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    user.new_lattice()
    counts = user.usage()
    assert counts["requests"] == 0 and counts["lattices_created"] == 0


# --- plans and subscriptions ----------------------------------------------------------------------
@fault("subscription_not_persisted", needs=("subscription",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    default, upgrade = s.plan_words
    changed = user.call("change_plan", json={"plan": upgrade})
    assert s.read(changed.json(), "plan") == upgrade
    assert s.read(user.call("subscription").json(), "plan") == default


@fault("subscription_accepts_unknown_plan", needs=("subscription",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    assert user.call("change_plan", json={"plan": "platinum"}).status_code == 200


@fault("flaky_once", needs=("subscription",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    s.error(user.call("subscription"), 500)
    assert user.call("subscription").status_code == 200


@fault("subscription_fails_then_throttled", needs=("subscription",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    s.error(user.call("subscription"), 500)
    throttled = user.call("subscription")
    s.error(throttled, 429)
    assert throttled.headers["Retry-After"] == "60"


# --- bulk operations -------------------------------------------------------------------------------
def _bulk(user: User, *names: str) -> requests.Response:
    items = [{"name": name, "dimensions": [2]} for name in names]
    return user.client.call(
        user.surface.ops["bulk_create"], json={user.surface.answers.get("bulk_items", "lattices"): items}
    )


@fault("bulk_partial", needs=("bulk",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    s.error(_bulk(user, "a", "", "b"), 422)
    assert len(user.listing()[0]) == 2


@fault("bulk_delete_keeps_rows", needs=("bulk",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    ids = s.read(_bulk(user, "a", "b").json(), "ids")
    removed = user.call("bulk_delete", json={"ids": ids})
    assert s.read(removed.json(), "deleted") == 2 and len(user.listing()[0]) == 2


@fault("bulk_slow", needs=("bulk",), LATTICE_BULK_SLOW_MS="700")
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    assert timed(lambda: _bulk(user, "a")) >= 0.7
    assert timed(lambda: user.listing()) < 0.5


# --- webhooks -------------------------------------------------------------------------------------
def _ping(api: InProcessApi, s: Surface, receiver: HostileServer) -> tuple[dict[str, str], User]:
    user = s.new_user(api)
    hook = user.call("webhooks", json={"url": receiver.url, "events": ["ping"]}).json()
    assert user.client.request("POST", f"/api/v1/webhooks/{hook['id']}/test").status_code == 202
    return hook, user


@fault("webhook_unsigned", needs=("webhooks",))
def _(api: InProcessApi, s: Surface) -> None:
    with HostileServer(answering(200)) as receiver:
        _ping(api, s, receiver)
        assert "X-Signature-256" not in wait_for(lambda: receiver.requests)[0].headers


@fault("webhook_bad_signature", needs=("webhooks",))
def _(api: InProcessApi, s: Surface) -> None:
    with HostileServer(answering(200)) as receiver:
        hook, _ = _ping(api, s, receiver)
        got = wait_for(lambda: receiver.requests)[0]
        assert got.headers["X-Signature-256"].startswith("sha256=")
        assert got.headers["X-Signature-256"] != hmac_signature(hook["secret"], got.body)


@fault("webhook_secret_in_listing", needs=("webhooks",))
def _(api: InProcessApi, s: Surface) -> None:
    user = s.new_user(api)
    hook = user.call("webhooks", json={"url": "http://127.0.0.1:9/x", "events": ["ping"]}).json()
    assert user.client.get("/api/v1/webhooks").json()["items"][0]["secret"] == hook["secret"]


@fault("webhook_no_delivery", needs=("webhooks",))
def _(api: InProcessApi, s: Surface) -> None:
    with HostileServer(answering(200)) as receiver:
        hook, user = _ping(api, s, receiver)
        time.sleep(1.0)
        assert receiver.requests == []
        assert user.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()["items"] == []


# --- the registry's own rules ------------------------------------------------------------------
CASES = [
    pytest.param(dialect, name, id=f"{dialect}-{name}")
    for dialect in SURFACES
    for name in sorted(CHECKS)
    if name not in NOT_IN_DIALECT.get(dialect, {})
]


def test_every_fault_has_a_check() -> None:
    assert set(CHECKS) == set(KNOWN_FAULTS)


@pytest.mark.parametrize("dialect", SURFACES)
def test_a_fault_is_declared_absent_exactly_where_its_operation_is_not_offered(dialect: str) -> None:
    capabilities = SURFACES[dialect].capabilities
    absent = {name for name, registered in CHECKS.items() if not registered.needs <= capabilities}
    assert absent == set(NOT_IN_DIALECT.get(dialect, {}))


@pytest.mark.parametrize(("dialect", "name"), CASES)
def test_the_fault_breaks_its_behaviour(dialect: str, name: str) -> None:
    registered = CHECKS[name]
    env = {**RELAXED, **DIALECT_ENV.get(dialect, {}), **registered.env}
    with InProcessApi(dialect, faults=[name], env=env, tls=name in HTTPS_ONLY_FAULTS) as api:
        registered.check(api, SURFACES[dialect])


@pytest.mark.parametrize("dialect", SURFACES)
def test_no_check_passes_on_a_healthy_service(dialect: str) -> None:
    """A check that cannot fail proves nothing: each fails against a service without its fault."""
    by_setting: dict[tuple[tuple[tuple[str, str], ...], bool], list[str]] = {}
    for name, registered in CHECKS.items():
        if name not in NOT_IN_DIALECT.get(dialect, {}):
            key = (tuple(sorted(registered.env.items())), name in HTTPS_ONLY_FAULTS)
            by_setting.setdefault(key, []).append(name)
    passed = []
    for (env, tls), names in by_setting.items():
        with InProcessApi(dialect, env={**RELAXED, **DIALECT_ENV.get(dialect, {}), **dict(env)}, tls=tls) as api:
            for name in names:
                try:
                    CHECKS[name].check(api, SURFACES[dialect])
                except (AssertionError, KeyError):
                    continue
                passed.append(name)
    assert passed == []


def test_the_readme_lists_every_fault_with_its_declared_effect() -> None:
    readme = (Path(__file__).resolve().parents[2] / "reference_api" / "README.md").read_text()
    table = readme[readme.index("## Faults") :]
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", table, re.M))
    assert rows.keys() == KNOWN_FAULTS.keys()
    assert [name for name, effect in rows.items() if not effect.startswith(KNOWN_FAULTS[name])] == []
