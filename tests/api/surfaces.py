"""The three dialects as data, and the operations the tests use written once, in the contract's terms.

A :class:`Surface` says where each operation of a dialect lives, what it answers and in which
words; the functions below translate a test's request into the dialect's shape and its answer back
into the contract's terms (lattices as ``dimensions``, paths as cells, usage counters by their
contract names), so that one check proves a behaviour on every dialect that offers it.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from .harness import InProcessApi

PASSWORD = "correct horse battery staple"
#: What an error body must never show.
LEAK_MARKERS = ("FastAPI", "Starlette", "pydantic", "sqlalchemy", "Traceback", "/usr/", ".py", "SELECT ")
#: The security headers every answer carries (the CSP: of API answers).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
ALLOWED_ORIGIN = "https://app.example.com"


@dataclass(frozen=True)
class Op:
    """An operation: method, path (``{id}`` for the object's id) and the status of its success."""

    method: str
    path: str
    status: int = 200


@dataclass(frozen=True)
class Words:
    """The words of an answer: where a field sits (dotted path; ``""`` the whole body) by its contract name."""

    at: dict[str, str] = field(default_factory=dict)

    def read(self, body: Any, name: str) -> Any:
        """The field ``name`` of ``body``."""
        return dig(body, self.at.get(name, name))


@dataclass(frozen=True)
class Surface:
    """One dialect of the reference API, as its README describes it."""

    name: str
    error_format: str  # problem | classic | fastapi
    rate_limit_header: str
    probe: str  # a public, rate-limited, anonymous GET
    register: Op
    login: Op
    me: Op
    delete_user: Op  # the user's own delete, or the admin delete (``admin_delete``)
    create: Op
    listing: Op
    delete: Op
    find_path: Op
    usage: Op
    answers: Words  # fields of every answer, by contract name
    register_extra: dict[str, Any] = field(default_factory=dict)
    admin_delete: bool = False
    read: Op | None = None
    hypercube: bool = False  # lattices as rank and size
    path_indices: bool = False  # paths as vertex indices, without "found"
    endpoints: tuple[str, str] = ("start", "end")
    health_words: dict[str, str] = field(default_factory=lambda: {"pass": "pass", "fail": "fail"})
    component_words: dict[str, str] = field(default_factory=lambda: {"pass": "pass", "fail": "fail"})
    component_at: str = "checks.{name}.status"
    flat_contradiction: dict[str, str] = field(
        default_factory=lambda: {"status": "healthy", "database": "unhealthy", "redis": "ok"}
    )
    cache_control: str | None = "no-store"
    unauthenticated_message: str = "A bearer token is required."
    #: Operations offered by some dialects only: subscription (get, put), bulk (create, delete), webhooks.
    extra: dict[str, Op] = field(default_factory=dict)

    def status(self, contract_status: int) -> int:
        """The status this dialect answers where the contract answers ``contract_status``."""
        return 400 if self.error_format == "classic" and contract_status in (409, 422) else contract_status

    @property
    def malformed_json_status(self) -> int:
        """The status of a body that is not JSON."""
        return 422 if self.error_format == "fastapi" else 400

    def offers(self, *operations: str) -> bool:
        """Whether the dialect offers every one of ``operations`` (names of :attr:`extra`)."""
        return all(name in self.extra for name in operations)


CONTRACT = Surface(
    name="contract",
    error_format="problem",
    rate_limit_header="RateLimit",
    probe="/api/v1/plans",
    register=Op("POST", "/api/v1/auth/register", 201),
    login=Op("POST", "/api/v1/auth/login"),
    me=Op("GET", "/api/v1/users/me"),
    delete_user=Op("DELETE", "/api/v1/users/me", 204),
    create=Op("POST", "/api/v1/lattices", 201),
    listing=Op("GET", "/api/v1/lattices"),
    read=Op("GET", "/api/v1/lattices/{id}"),
    delete=Op("DELETE", "/api/v1/lattices/{id}", 204),
    find_path=Op("POST", "/api/v1/lattices/{id}/pathfind"),
    usage=Op("GET", "/api/v1/usage"),
    answers=Words({"items": "items", "total": "total"}),
    extra={
        "subscription": Op("GET", "/api/v1/subscription"),
        "change_plan": Op("PUT", "/api/v1/subscription"),
        "bulk_create": Op("POST", "/api/v1/lattices/bulk", 201),
        "bulk_delete": Op("POST", "/api/v1/lattices/bulk-delete"),
        "webhooks": Op("POST", "/api/v1/webhooks", 201),
    },
)
CLASSIC = Surface(
    name="classic",
    error_format="classic",
    rate_limit_header="X-RateLimit",
    probe="/billing/plans",
    register=Op("POST", "/auth/signup"),
    register_extra={"display_name": "Ada Lovelace"},
    login=Op("POST", "/auth/session"),
    me=Op("GET", "/account"),
    delete_user=Op("DELETE", "/account"),
    create=Op("POST", "/grids"),
    listing=Op("GET", "/grids"),
    read=Op("GET", "/grids/{id}"),
    delete=Op("DELETE", "/grids/{id}"),
    find_path=Op("POST", "/grids/{id}/route"),
    endpoints=("from", "to"),
    usage=Op("GET", "/usage"),
    answers=Words(
        {
            "user": "user",
            "lattice": "grid",
            "access_token": "session.token",
            "expires_in": "session.expires_in",
            "items": "",
            "total": "-",
            "path": "route.cells",
            "found": "route.found",
            "distance": "route.length",
            "requests": "usage.requests",
            "lattices_created": "usage.grids_created",
            "paths_computed": "usage.routes_computed",
            "plan": "subscription.plan",
            "ids": "created",
            "deleted": "removed",
            "bulk_items": "grids",
        }
    ),
    extra={
        "subscription": Op("GET", "/billing/subscription"),
        "change_plan": Op("PUT", "/billing/subscription"),
        "bulk_create": Op("POST", "/grids/batch"),
        "bulk_delete": Op("POST", "/grids/batch-delete"),
    },
)
LEAN = Surface(
    name="lean",
    error_format="fastapi",
    rate_limit_header="X-RateLimit",
    probe="/info",
    register=Op("POST", "/users", 201),
    login=Op("POST", "/token"),
    me=Op("GET", "/users/me"),
    delete_user=Op("DELETE", "/admin/users/{id}", 204),
    admin_delete=True,
    create=Op("POST", "/lattices", 201),
    listing=Op("GET", "/lattices"),
    delete=Op("DELETE", "/lattices/{id}", 204),
    find_path=Op("POST", "/lattices/{id}/path"),
    endpoints=("source", "target"),
    usage=Op("GET", "/usage"),
    hypercube=True,
    path_indices=True,
    answers=Words({"items": "results", "total": "count", "requests": "api_calls", "paths_computed": "-"}),
    health_words={"pass": "ok", "fail": "error"},
    component_words={"pass": "up", "fail": "down"},
    component_at="components.{name}",
    flat_contradiction={"status": "ok", "database": "down"},
    cache_control=None,
    unauthenticated_message="A bearer token is required.",
)
SURFACES = {surface.name: surface for surface in (CONTRACT, CLASSIC, LEAN)}
#: The admin credential the tests give a lean service.
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex
#: The environment each dialect's services get in the tests.
DIALECT_ENV = {"lean": {"LATTICE_ADMIN_TOKEN": ADMIN_TOKEN}}


def dig(body: Any, dotted: str) -> Any:
    """The value at ``dotted`` (``a.b``; ``""``: ``body`` itself; ``-``: not offered, None)."""
    if dotted == "-":
        return None
    for part in filter(None, dotted.split(".")):
        body = body[part]
    return body


class Client:
    """``requests`` bound to a base URL (and optionally a bearer token)."""

    def __init__(self, base_url: str, token: str | None = None, verify: str | bool = True) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.verify = verify
        self.token = token
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """``method path`` (relative to the base URL)."""
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("verify", self.verify)
        return self.session.request(method, self.base_url + path, **kwargs)

    def call(self, op: Op, object_id: str = "", **kwargs: Any) -> requests.Response:
        """The operation ``op`` on the object ``object_id``."""
        return self.request(op.method, op.path.replace("{id}", object_id), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """``GET path``."""
        return self.request("GET", path, **kwargs)


@dataclass
class User:
    """A registered, logged-in user of one service."""

    api: InProcessApi
    surface: Surface
    email: str
    id: str
    token: str
    client: Client


def unique_email() -> str:
    """An email no test has used."""
    return f"user-{uuid.uuid4().hex}@example.com"


def anon(api: InProcessApi) -> Client:
    """A client without a token."""
    return Client(api.base_url, verify=api.verify)


def register(api: InProcessApi, s: Surface, email: str | None = None, **body: Any) -> requests.Response:
    """Registration (the dialect's extra fields added; ``body`` overrides)."""
    fields = {"email": email or unique_email(), "password": PASSWORD, **s.register_extra, **body}
    return anon(api).call(s.register, json=fields)


def login(api: InProcessApi, s: Surface, email: str, password: str = PASSWORD) -> requests.Response:
    """Login."""
    return anon(api).call(s.login, json={"email": email, "password": password})


def new_user(api: InProcessApi, s: Surface) -> User:
    """A registered and logged-in user."""
    email = unique_email()
    created = register(api, s, email)
    assert created.status_code == s.register.status, created.text
    answer = login(api, s, email)
    assert answer.status_code == 200, answer.text
    token = s.answers.read(answer.json(), "access_token")
    user_id = dig(created.json(), s.answers.at.get("user", "")).get("id")
    return User(api, s, email, user_id, token, Client(api.base_url, token, verify=api.verify))


def delete_user(user: User) -> requests.Response:
    """The dialect's deletion of ``user`` (lean: the admin's)."""
    if user.surface.admin_delete:
        return Client(user.api.base_url, ADMIN_TOKEN, verify=user.api.verify).call(user.surface.delete_user, user.id)
    return user.client.call(user.surface.delete_user)


def lattice_body(s: Surface, name: str, dimensions: Sequence[int], blocked: Iterable[Sequence[int]] = ()) -> dict:
    """A lattice in the dialect's request terms (lean: a hypercube as rank and size)."""
    size: dict[str, Any] = {"dimensions": list(dimensions)}
    if s.hypercube:
        assert len(set(dimensions)) == 1, f"lean lattices are hypercubes, not {dimensions}"
        size = {"rank": len(dimensions), "size": dimensions[0]}
    return {"name": name, **size, "blocked": [list(c) for c in blocked]}


def core_lattice(s: Surface, answer: dict[str, Any]) -> dict[str, Any]:
    """A lattice of an answer in the contract's terms."""
    lattice = dig(answer, s.answers.at.get("lattice", ""))
    if s.hypercube:
        lattice = {**lattice, "dimensions": [lattice.pop("size")] * lattice.pop("rank")}
    return dict(lattice)


def create(user: User, name: str = "grid", dims: Sequence[int] = (3, 3), blocked: Iterable = ()) -> requests.Response:
    """Create a lattice (the raw answer)."""
    return user.client.call(user.surface.create, json=lattice_body(user.surface, name, dims, blocked))


def new_lattice(user: User, name: str = "grid", dims: Sequence[int] = (3, 3), blocked: Iterable = ()) -> dict:
    """Create a lattice; it as answered, in the contract's terms."""
    answer = create(user, name, dims, blocked)
    assert answer.status_code == user.surface.create.status, answer.text
    return core_lattice(user.surface, answer.json())


def listing(user: User, **params: Any) -> tuple[list[dict[str, Any]], int | None]:
    """The caller's lattices in the contract's terms, and the listing's total (None: it has none)."""
    answer = user.client.call(user.surface.listing, params=params)
    assert answer.status_code == 200, answer.text
    s = user.surface
    items = [core_lattice(s, item) for item in s.answers.read(answer.json(), "items")]
    return items, s.answers.read(answer.json(), "total")


def ids(user: User) -> list[str]:
    """The ids of the caller's listing."""
    return [item["id"] for item in listing(user)[0]]


def cell_of(index: int, dims: Sequence[int]) -> list[int]:
    """The cell of a row-major vertex index (the last coordinate varies fastest)."""
    cell = []
    for size in reversed(dims):
        index, coordinate = divmod(index, size)
        cell.append(coordinate)
    return cell[::-1]


def find_path(
    user: User, lattice: dict[str, Any], start: Sequence[int], end: Sequence[int]
) -> tuple[requests.Response, dict[str, Any]]:
    """The raw answer and, when it is a 200, ``{"found", "path" (cells), "distance"}`` in the contract's terms."""
    s = user.surface
    answer = user.client.call(s.find_path, lattice["id"], json=dict(zip(s.endpoints, (start, end), strict=True)))
    if answer.status_code != 200:
        return answer, {}
    body = answer.json()
    path, distance = s.answers.read(body, "path"), s.answers.read(body, "distance")
    if s.path_indices:
        assert set(body) == {"path", "distance"} and all(isinstance(i, int) for i in path), body
        assert distance is None or isinstance(distance, float), body
        return answer, {
            "found": bool(path),
            "path": [cell_of(i, lattice["dimensions"]) for i in path],
            "distance": distance,
        }
    return answer, {"found": s.answers.read(body, "found"), "path": path, "distance": distance}


def usage(user: User) -> dict[str, int | None]:
    """The caller's counters by their contract names (None: the dialect has no such counter)."""
    answer = user.client.call(user.surface.usage)
    assert answer.status_code == 200, answer.text
    names = ("requests", "lattices_created", "paths_computed")
    return {name: user.surface.answers.read(answer.json(), name) for name in names}


def assert_error(response: requests.Response, s: Surface, contract_status: int) -> str:
    """The answer is an error in the dialect's format with the dialect's status; its message, leaking nothing."""
    status = s.status(contract_status)
    assert response.status_code == status, f"expected {status}: {response.status_code} {response.text}"
    content_type = response.headers["Content-Type"]
    body = response.json()
    if s.error_format == "problem":
        assert content_type.startswith("application/problem+json"), content_type
        assert set(body) == {"type", "title", "status", "detail", "instance"} and body["status"] == status, body
        message = body["detail"]
    elif s.error_format == "classic":
        assert content_type == "application/json" and set(body) == {"error"}, (content_type, body)
        assert set(body["error"]) == {"code", "message"} and body["error"]["code"], body
        message = body["error"]["message"]
    else:
        assert content_type == "application/json" and set(body) == {"detail"}, (content_type, body)
        message = body["detail"]
        if status == 422:  # FastAPI's list of validation errors
            assert isinstance(message, list) and message, body
            assert all(set(item) == {"loc", "msg", "type"} and isinstance(item["loc"], list) for item in message), body
            message = " ".join(item["msg"] for item in message)
    assert isinstance(message, str) and message, body
    for marker in LEAK_MARKERS:
        assert marker not in response.text, f"{marker!r} leaked in {response.text}"
    return message


def health(response: requests.Response, s: Surface) -> tuple[str, dict[str, str]]:
    """The overall state and the components of a health answer, in the contract's words."""
    body = response.json()
    overall = {word: core for core, word in s.health_words.items()}
    component = {word: core for core, word in s.component_words.items()}
    container = s.component_at.split(".", 1)[0]
    names = body.get(container, {})
    states = {name: dig(body, s.component_at.format(name=name)) for name in names}
    return overall.get(body["status"], body["status"]), {n: component.get(v, v) for n, v in states.items()}


def bfs_distance(
    dims: Sequence[int], blocked: Iterable[Sequence[int]], start: Sequence[int], end: Sequence[int]
) -> int | None:
    """An independent BFS on coordinate tuples: the shortest distance or None."""
    walls = {tuple(c) for c in blocked}
    begin, goal = tuple(start), tuple(end)
    seen = {begin}
    queue: deque[tuple[tuple[int, ...], int]] = deque([(begin, 0)])
    while queue:
        cell, dist = queue.popleft()
        if cell == goal:
            return dist
        for k in range(len(dims)):
            for delta in (-1, 1):
                nxt = list(cell)
                nxt[k] += delta
                t = tuple(nxt)
                if 0 <= nxt[k] < dims[k] and t not in walls and t not in seen:
                    seen.add(t)
                    queue.append((t, dist + 1))
    return None


def is_walk(path: Sequence[Sequence[int]], dims: Sequence[int], blocked: Iterable[Sequence[int]]) -> bool:
    """Every step changes one coordinate by 1, inside the lattice, never on a blocked cell."""
    walls = {tuple(c) for c in blocked}
    steps = all(sum(abs(x - y) for x, y in zip(a, b, strict=True)) == 1 for a, b in itertools.pairwise(path))
    inside = all(all(0 <= c < n for c, n in zip(cell, dims, strict=True)) for cell in path)
    return steps and inside and not any(tuple(cell) in walls for cell in path)


def assert_shortest(
    answer: dict[str, Any], dims: Sequence[int], blocked: Iterable, start: Sequence, end: Sequence
) -> None:
    """``answer`` (contract terms) is a shortest walk from ``start`` to ``end`` with the right distance."""
    blocked = [list(c) for c in blocked]
    path = answer["path"]
    assert answer["found"] is True and path[0] == list(start) and path[-1] == list(end), answer
    assert is_walk(path, dims, blocked), path
    assert answer["distance"] == len(path) - 1 == bfs_distance(dims, blocked, start, end), answer


def json_of(response: requests.Response) -> Any:
    """The JSON body, or the text when there is none (for messages)."""
    try:
        return response.json()
    except json.JSONDecodeError:
        return response.text
