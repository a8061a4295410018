"""Each dialect serves exactly its operations, in its shapes, statuses, error format and headers.

The walk through every operation (:func:`walk_every_operation`) is what a healthy deployment of
the dialect answers; ``test_fault_checks.py`` runs it again with the faults a dialect declares
absent, to show they change nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reference_api.faults import NOT_IN_DIALECT

from .harness import RELAXED, InProcessApi
from .surfaces import (
    ADMIN_TOKEN,
    ALLOWED_ORIGIN,
    DIALECT_ENV,
    LEAK_MARKERS,
    LEAN,
    PASSWORD,
    SECURITY_HEADERS,
    SURFACES,
    Client,
    Surface,
    User,
    anon,
    assert_shortest,
    unique_email,
)

#: Every operation each dialect's OpenAPI document lists, as (method, path); nothing else.
OPERATIONS = {
    "contract": {
        ("get", "/health"),
        ("get", "/metrics"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/users/me"),
        ("delete", "/api/v1/users/me"),
        ("get", "/api/v1/plans"),
        ("get", "/api/v1/subscription"),
        ("put", "/api/v1/subscription"),
        ("delete", "/api/v1/subscription"),
        ("get", "/api/v1/usage"),
        ("post", "/api/v1/lattices"),
        ("get", "/api/v1/lattices"),
        ("post", "/api/v1/lattices/bulk"),
        ("post", "/api/v1/lattices/bulk-delete"),
        ("get", "/api/v1/lattices/{id}"),
        ("delete", "/api/v1/lattices/{id}"),
        ("post", "/api/v1/lattices/{id}/pathfind"),
        ("post", "/api/v1/webhooks"),
        ("get", "/api/v1/webhooks"),
        ("delete", "/api/v1/webhooks/{id}"),
        ("post", "/api/v1/webhooks/{id}/test"),
        ("get", "/api/v1/webhooks/{id}/deliveries"),
    },
    "classic": {
        ("get", "/health"),
        ("get", "/metrics"),
        ("post", "/auth/signup"),
        ("post", "/auth/session"),
        ("get", "/account"),
        ("delete", "/account"),
        ("get", "/billing/plans"),
        ("get", "/billing/subscription"),
        ("put", "/billing/subscription"),
        ("delete", "/billing/subscription"),
        ("get", "/usage"),
        ("post", "/grids"),
        ("get", "/grids"),
        ("post", "/grids/batch"),
        ("post", "/grids/batch-delete"),
        ("get", "/grids/{id}"),
        ("delete", "/grids/{id}"),
        ("post", "/grids/{id}/route"),
    },
    "lean": {
        ("get", "/health"),
        ("get", "/metrics"),
        ("get", "/info"),
        ("post", "/users"),
        ("post", "/token"),
        ("get", "/users/me"),
        ("get", "/usage"),
        ("delete", "/admin/users/{user_id}"),
        ("post", "/lattices"),
        ("get", "/lattices"),
        ("delete", "/lattices/{id}"),
        ("post", "/lattices/{id}/path"),
    },
}
#: The components of a healthy service's report, in the contract's words.
HEALTHY = {
    "contract": {"database": "pass", "redis": "not_configured"},
    "classic": {"database": "pass", "redis": "not_configured"},
    "lean": {"database": "pass"},
}
WALL = [[2, 0], [2, 1], [2, 2], [2, 3]]


@pytest.fixture(scope="module", params=list(SURFACES))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[InProcessApi, Surface]]:
    """A healthy service of each dialect with relaxed rate limits, shared by the module."""
    dialect = request.param
    with InProcessApi(dialect, env={**RELAXED, **DIALECT_ENV.get(dialect, {})}) as api:
        yield api, SURFACES[dialect]


def walk_every_operation(api: InProcessApi, s: Surface) -> None:
    """Every operation all dialects offer, healthy, in the dialect's shapes (the faults it declares absent on)."""
    client = anon(api)
    answer = client.get("/health")
    assert answer.status_code == 200 and s.health(answer) == ("pass", HEALTHY[s.name]), answer.text
    # registration and login
    email = unique_email()
    created = s.register(api, email)
    assert created.status_code == s.ops["register"].status, created.text
    assert {"id", "email", "created_at"} <= set(s.user_of(created.json())) and PASSWORD not in created.text
    assert "already exists" in s.error(s.register(api, email.upper()), 409)
    assert "email" in s.error(s.register(api, "not-an-email"), 422)
    assert "password" in s.error(s.register(api, password="short"), 422)
    token = s.login(api, email).json()
    assert s.read(token, "expires_in") > 0 and s.read(token, "access_token")
    refused = s.login(api, email, "wrong password!!")
    assert s.error(refused, 401) == s.error(s.login(api, unique_email()), 401)
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    user = User(api, s, email, s.user_of(created.json())["id"], "", Client(api.base_url))
    user.token = s.read(token, "access_token")
    user.client = Client(api.base_url, user.token)
    me = user.call("me")
    assert me.status_code == 200 and s.user_of(me.json())["email"] == email
    assert me.headers.get("Cache-Control") == s.cache_control
    for name, op in s.ops.items():
        if name in ("register", "login", "delete_user"):
            continue
        unauthenticated = client.call(op, "x", json={})
        s.error(unauthenticated, 401)
        assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
    # lattices and paths
    lattice = user.new_lattice("maze", (5, 5), WALL)
    assert {"id", "name", "dimensions", "blocked", "created_at"} <= set(lattice) and lattice["blocked"] == WALL
    assert "name" in s.error(user.create(name=""), 422)
    items, total = user.listing()
    assert items == [lattice] and total in (1, None)
    if "read" in s.ops:
        assert s.lattice(user.call("read", lattice["id"]).json()) == lattice
    answer, found = user.find_path(lattice, [0, 0], [4, 0])
    assert_shortest(found, [5, 5], WALL, [0, 0], [4, 0])
    answer, found = user.find_path(user.new_lattice("walled", (3, 3), [[1, 2], [2, 1]]), [0, 0], [2, 2])
    assert answer.status_code == 200 and (found["found"], found["path"], found["distance"]) == (False, [], None)
    assert s.endpoints[0] in s.error(user.find_path(lattice, [9, 9], [0, 0])[0], 422)
    counts = user.usage()
    assert counts["lattices_created"] == 2 and counts["requests"] >= 8
    assert counts["paths_computed"] in (2, None)
    # another tenant sees nothing and touches nothing
    other = s.new_user(api)
    assert other.listing()[0] == [] and other.usage()["lattices_created"] == 0
    for name in ("delete", "find_path", "read"):
        if name in s.ops:
            s.error(other.call(name, lattice["id"], json={}), 404)
    # deletions
    assert user.call("delete", lattice["id"]).status_code == s.ops["delete"].status
    s.error(user.call("delete", lattice["id"]), 404)
    assert user.delete().status_code == s.ops["delete_user"].status
    s.error(user.call("me"), 401)
    s.error(s.login(api, email), 401)


def test_every_operation_answers_in_the_dialects_shapes(served: tuple[InProcessApi, Surface]) -> None:
    walk_every_operation(*served)


def test_unknown_paths_wrong_methods_and_malformed_json_are_errors_in_the_dialects_format(
    served: tuple[InProcessApi, Surface],
) -> None:
    api, s = served
    client = anon(api)
    s.error(client.get("/definitely/not/here"), 404)
    for method, path, allowed in (("PUT", "/health", "GET"), ("PATCH", s.ops["delete"].path, s.ops["delete"].method)):
        wrong = client.request(method, path.replace("{id}", "some-id"))
        s.error(wrong, 405)
        assert allowed in wrong.headers["Allow"].split(", ")
    malformed = client.call(s.ops["login"], data="{not json", headers={"Content-Type": "application/json"})
    s.error(malformed, s.malformed_json_status)
    for kind in ("runtime", "sql"):
        boom = client.get("/__test__/boom", params={"kind": kind})
        assert "boom" not in s.error(boom, 500) and "password" not in boom.text


def test_security_and_rate_limit_headers_are_on_every_answer(served: tuple[InProcessApi, Surface]) -> None:
    api, s = served
    client = anon(api)
    user = s.new_user(api)
    for answer in (
        client.get("/health"),
        client.get("/metrics"),
        client.get(s.probe),
        client.get("/nowhere"),
        client.get("/openapi.json"),
        user.call("me"),
        client.request("OPTIONS", s.probe, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"}),
    ):
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, name)
        assert answer.headers.get("Cache-Control") == s.cache_control, answer.url
        assert "X-Powered-By" not in answer.headers and "Server" not in answer.headers
        assert answer.headers["X-Request-ID"] and "Strict-Transport-Security" not in answer.headers
    for answer in (client.get(s.probe), user.call("me"), s.login(api, user.email)):
        assert int(answer.headers[f"{s.rate_limit_header}-Limit"]) > 0
        assert int(answer.headers[f"{s.rate_limit_header}-Remaining"]) >= 0
        assert int(answer.headers[f"{s.rate_limit_header}-Reset"]) >= 1
    mine = "smoke-request-42"
    assert client.get(s.probe, headers={"X-Request-ID": mine}).headers["X-Request-ID"] == mine


@pytest.mark.parametrize(
    "origin", ["https://evil.example.com", "null", "http://app.example.com", "https://app.example.com.evil.net"]
)
def test_cors_answers_the_allowed_origin_only(served: tuple[InProcessApi, Surface], origin: str) -> None:
    api, s = served
    client = anon(api)
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}
    preflight = client.request("OPTIONS", s.ops["create"].path, headers={"Origin": ALLOWED_ORIGIN, **asked})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    simple = client.get(s.probe, headers={"Origin": ALLOWED_ORIGIN})
    assert simple.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert f"{s.rate_limit_header}-Remaining" in simple.headers["Access-Control-Expose-Headers"]
    for refused in (
        client.request("OPTIONS", s.ops["create"].path, headers={"Origin": origin, **asked}),
        client.get(s.probe, headers={"Origin": origin}),
    ):
        assert "Access-Control-Allow-Origin" not in refused.headers and "Origin" in refused.headers["Vary"]


def test_the_openapi_document_lists_exactly_the_operations_served(served: tuple[InProcessApi, Surface]) -> None:
    api, s = served
    answer = anon(api).get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    document = answer.json()
    listed = {(method, path) for path, item in document["paths"].items() for method in item}
    assert document["openapi"].startswith("3.") and listed == OPERATIONS[s.name]
    for marker in LEAK_MARKERS:
        assert marker not in answer.text, marker
    user = s.new_user(api)
    lattice = user.new_lattice()
    for method, path in sorted(listed):  # each answers something other than "no such route" (deletes left out)
        if method != "delete":
            served_answer = user.client.request(method.upper(), path.replace("{id}", lattice["id"]), json={})
            assert served_answer.status_code != 405 and "Nothing is found" not in served_answer.text, (method, path)


def test_the_paths_of_the_other_dialects_are_not_served(served: tuple[InProcessApi, Surface]) -> None:
    api, s = served
    own = {path for _, path in OPERATIONS[s.name]}
    others = {path for name, operations in OPERATIONS.items() if name != s.name for _, path in operations} - own
    for path in sorted(others):
        s.error(anon(api).get(path.replace("{id}", "x").replace("{user_id}", "x")), 404)


def test_the_cors_allow_list_comes_from_the_environment() -> None:
    with InProcessApi("lean", env={"CORS_ALLOWED_ORIGINS": "https://a.test, https://b.test"}) as api:
        for origin, allowed in (("https://a.test", True), ("https://b.test", True), (ALLOWED_ORIGIN, False)):
            answer = anon(api).get("/info", headers={"Origin": origin})
            assert (answer.headers.get("Access-Control-Allow-Origin") == origin) is allowed


@pytest.mark.parametrize("dialect", [d for d in SURFACES if NOT_IN_DIALECT.get(d)])
def test_the_faults_a_dialect_declares_absent_change_nothing_there(dialect: str) -> None:
    env = {**RELAXED, **DIALECT_ENV.get(dialect, {})}
    with InProcessApi(dialect, faults=sorted(NOT_IN_DIALECT[dialect]), env=env) as api:
        walk_every_operation(api, SURFACES[dialect])


# --- what only one dialect does ---------------------------------------------------------------
@pytest.fixture(scope="module")
def lean() -> Iterator[InProcessApi]:
    """A lean service with an admin credential, and a Redis URL it must ignore."""
    env = {**RELAXED, "LATTICE_ADMIN_TOKEN": ADMIN_TOKEN, "REDIS_URL": "redis://127.0.0.1:1/0"}
    with InProcessApi("lean", env=env) as api:
        yield api


def test_lean_health_has_no_cache_entry_even_with_a_redis_url(lean: InProcessApi) -> None:
    assert anon(lean).get("/health").json() == {"status": "ok", "components": {"database": "up"}}


def test_lean_paths_are_row_major_vertex_indices_with_a_float_distance(lean: InProcessApi) -> None:
    user = LEAN.new_user(lean)
    cube = user.client.post("/lattices", json={"name": "cube", "rank": 3, "size": 3, "blocked": [[1, 1, 1]]}).json()
    assert {k: cube[k] for k in ("name", "rank", "size", "blocked")} == {
        "name": "cube",
        "rank": 3,
        "size": 3,
        "blocked": [[1, 1, 1]],
    }
    answer = user.client.post(f"/lattices/{cube['id']}/path", json={"source": [0, 0, 0], "target": [0, 0, 2]})
    assert answer.json() == {"path": [0, 1, 2], "distance": 2.0}
    answer = user.client.post(f"/lattices/{cube['id']}/path", json={"source": [0, 0, 0], "target": [2, 0, 0]})
    assert answer.json() == {"path": [0, 9, 18], "distance": 2.0}
    same = user.client.post(f"/lattices/{cube['id']}/path", json={"source": [2, 2, 2], "target": [2, 2, 2]})
    assert same.json() == {"path": [26], "distance": 0.0}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x", "rank": 5, "size": 3}, ["body", "rank"]),
        ({"name": "x", "rank": 2, "size": 1001}, ["body", "size"]),
        ({"name": "x", "rank": 2}, ["body", "size"]),
        ({"name": "x", "rank": "2", "size": 3}, ["body", "rank"]),
        ({"name": "x", "dimensions": [3, 3]}, ["body", "rank"]),
        ({"name": "x", "rank": 2, "size": 3, "blocked": [[3, 0]]}, ["body", "blocked"]),
        ({"name": "", "rank": 2, "size": 3}, ["body", "name"]),
    ],
)
def test_lean_validation_errors_are_fastapis_list(lean: InProcessApi, body: dict[str, Any], loc: list[str]) -> None:
    user = LEAN.new_user(lean)
    answer = user.client.post("/lattices", json=body)
    LEAN.error(answer, 422)
    assert loc in [item["loc"] for item in answer.json()["detail"]]
    assert user.listing()[0] == []


def test_lean_malformed_json_is_a_422_list_as_fastapi_answers_it(lean: InProcessApi) -> None:
    answer = anon(lean).post("/token", data="{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [{"loc": ["body"], "msg": "The request body is not valid JSON.", "type": "json_invalid"}]
    }


def test_lean_deletes_users_with_the_admin_credential_only(lean: InProcessApi) -> None:
    user, other = LEAN.new_user(lean), LEAN.new_user(lean)
    user.new_lattice()
    path = f"/admin/users/{user.id}"
    missing = anon(lean).request("DELETE", path)
    assert LEAN.error(missing, 401) and missing.headers["WWW-Authenticate"] == "Bearer"
    for token in ("wrong", other.token, user.token, ADMIN_TOKEN + "x"):
        LEAN.error(Client(lean.base_url, token).request("DELETE", path), 403)
    assert user.client.request("DELETE", "/users/me").status_code == 405  # no self-delete
    assert user.call("me").status_code == 200 and len(user.listing()[0]) == 1
    admin = Client(lean.base_url, ADMIN_TOKEN)
    assert admin.request("DELETE", path).status_code == 204
    LEAN.error(admin.request("DELETE", path), 404)
    LEAN.error(user.call("me"), 401)
    assert other.call("me").status_code == 200


def test_lean_without_an_admin_credential_refuses_every_admin_request() -> None:
    with InProcessApi("lean", env={**RELAXED, "LATTICE_ADMIN_TOKEN": "  "}) as api:
        user = LEAN.new_user(api)
        for token in ("", " ", ADMIN_TOKEN, user.token):
            answer = Client(api.base_url, token).request("DELETE", f"/admin/users/{user.id}")
            assert answer.status_code in (401, 403), answer.text
        assert user.call("me").status_code == 200


def test_lean_docs_page_is_html_whose_policy_allows_inline_code(lean: InProcessApi) -> None:
    page = anon(lean).get("/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html") and "<script>" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy and "style-src 'self' 'unsafe-inline'" in policy
    assert "frame-ancestors 'none'" in policy and "Cache-Control" not in page.headers


def test_classic_speaks_classic_words() -> None:
    classic = SURFACES["classic"]
    with InProcessApi("classic", env=RELAXED) as api:
        created = classic.register(api, display_name="Grace Hopper").json()["user"]
        assert created["display_name"] == "Grace Hopper" and set(created) == {
            "id",
            "email",
            "display_name",
            "created_at",
        }
        assert "display_name" in classic.error(classic.register(api, display_name=""), 422)
        assert [p["code"] for p in anon(api).get("/billing/plans").json()] == ["starter", "premium", "corporate"]
        user = classic.new_user(api)
        assert user.call("me").json()["user"]["display_name"] == "Ada Lovelace"
        changed = user.client.put("/billing/subscription", json={"plan": "premium"}).json()["subscription"]
        assert changed["plan"] == "premium"
        cancelled = user.client.delete("/billing/subscription").json()["subscription"]
        assert (cancelled["plan"], cancelled["state"]) == ("starter", "cancelled")
        message = classic.error(user.client.put("/billing/subscription", json={"plan": "pro"}), 422)
        assert "starter, premium, corporate" in message
        batch = user.client.post("/grids/batch", json={"grids": [{"name": "a", "dimensions": [2]}, {"name": ""}]})
        message = classic.error(batch, 422)
        assert "grids[1]" in message and "lattice" not in message
        grid = user.new_lattice()
        assert user.client.delete(f"/grids/{grid['id']}").json() == {"deleted": grid["id"]}
        assert user.delete().json() == {"deleted": True}
