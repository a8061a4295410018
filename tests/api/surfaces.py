"""The three dialects as data, and the operations the tests use written once, in the contract's terms.

:data:`OPERATIONS` says where each operation of each dialect lives and what its success answers;
a :class:`Surface` adds the dialect's words and habits. A :class:`Surface` and a :class:`User`
translate a test's request into the dialect's shape and its answer back into the contract's terms
(lattices as ``dimensions``, paths as cells, usage counters by their contract names), so that one
check proves a behaviour on every dialect that offers it.
"""

from __future__ import annotations

import itertools
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
#: The admin credential the tests give a lean service, and the environment of each dialect's services.
ADMIN_TOKEN = "admin-" + uuid.uuid4().hex
DIALECT_ENV = {"lean": {"LATTICE_ADMIN_TOKEN": ADMIN_TOKEN}}
#: The classic dialect's error code of each status the contract answers.
CLASSIC_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
#: Each operation in each dialect (contract, classic, lean): ``METHOD PATH [STATUS of success, 200]``,
#: ``{id}`` for the object's id; None where the dialect does not offer it. Lean's ``delete_user`` is
#: its admin delete.
OPERATIONS: dict[str, tuple[str | None, str | None, str | None]] = {
    "register": ("POST /api/v1/auth/register 201", "POST /auth/signup", "POST /users 201"),
    "login": ("POST /api/v1/auth/login", "POST /auth/session", "POST /token"),
    "me": ("GET /api/v1/users/me", "GET /account", "GET /users/me"),
    "delete_user": ("DELETE /api/v1/users/me 204", "DELETE /account", "DELETE /admin/users/{id} 204"),
    "create": ("POST /api/v1/lattices 201", "POST /grids", "POST /lattices 201"),
    "listing": ("GET /api/v1/lattices", "GET /grids", "GET /lattices"),
    "read": ("GET /api/v1/lattices/{id}", "GET /grids/{id}", None),
    "delete": ("DELETE /api/v1/lattices/{id} 204", "DELETE /grids/{id}", "DELETE /lattices/{id} 204"),
    "find_path": ("POST /api/v1/lattices/{id}/pathfind", "POST /grids/{id}/route", "POST /lattices/{id}/path"),
    "usage": ("GET /api/v1/usage", "GET /usage", "GET /usage"),
    "subscription": ("GET /api/v1/subscription", "GET /billing/subscription", None),
    "change_plan": ("PUT /api/v1/subscription", "PUT /billing/subscription", None),
    "bulk_create": ("POST /api/v1/lattices/bulk 201", "POST /grids/batch", None),
    "bulk_delete": ("POST /api/v1/lattices/bulk-delete", "POST /grids/batch-delete", None),
    "webhooks": ("POST /api/v1/webhooks 201", None, None),
}
DIALECTS = ("contract", "classic", "lean")
#: Where a dialect's answers carry a field unless its ``answers`` say otherwise ("": the whole body).
AT_THE_TOP = {"user": "", "lattice": ""}


@dataclass(frozen=True)
class Op:
    """An operation: method, path (``{id}`` for the object's id) and the status of its success."""

    method: str
    path: str
    status: int = 200

    @classmethod
    def parse(cls, spec: str) -> Op:
        """``METHOD PATH [STATUS]``."""
        method, path, *status = spec.split()
        return cls(method, path, int(status[0]) if status else 200)


def operations_of(dialect: str) -> dict[str, Op]:
    """The operations :data:`OPERATIONS` lists for ``dialect``."""
    column = DIALECTS.index(dialect)
    return {name: Op.parse(specs[column]) for name, specs in OPERATIONS.items() if specs[column]}


def dig(body: Any, dotted: str) -> Any:
    """The value at ``dotted`` (``a.b``; ``""``: ``body`` itself; ``-``: not offered, None)."""
    if dotted == "-":
        return None
    for part in filter(None, dotted.split(".")):
        body = body[part]
    return body


@dataclass(frozen=True)
class Surface:
    """One dialect of the reference API, as its README describes it.

    ``answers`` maps a field's contract name to where the dialect's answers carry it (a dotted path;
    ``""`` the whole body, ``-`` not at all); ``probe`` is a public, rate-limited, anonymous GET.
    """

    name: str
    error_format: str  # problem | classic | fastapi
    rate_limit_header: str
    probe: str
    answers: dict[str, str] = field(default_factory=dict)
    register_extra: dict[str, Any] = field(default_factory=dict)
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
    cache: bool = True  # Redis in the health report
    plan_words: tuple[str, str] = ("free", "pro")  # the default plan and another
    broken_error_type: str = "application/json"  # of errors under the error_not_problem_json fault

    @property
    def ops(self) -> dict[str, Op]:
        """The dialect's operations by name."""
        return operations_of(self.name)

    @property
    def capabilities(self) -> frozenset[str]:
        """What the dialect offers beyond the operations every dialect has."""
        optional = {
            "read": "read" in self.ops,
            "total": self.answers.get("total") != "-",
            "cache": self.cache,
            "subscription": "subscription" in self.ops,
            "bulk": "bulk_create" in self.ops,
            "webhooks": "webhooks" in self.ops,
        }
        return frozenset(name for name, offered in optional.items() if offered)

    def read(self, body: Any, name: str) -> Any:
        """The field ``name`` (its contract name) of an answer."""
        return dig(body, self.answers.get(name, AT_THE_TOP.get(name, name)))

    def has(self, body: Any, name: str) -> bool:
        """Whether an answer carries the field ``name``."""
        try:
            self.read(body, name)
        except (KeyError, TypeError):
            return False
        return True

    def status(self, contract_status: int) -> int:
        """The status this dialect answers where the contract answers ``contract_status``."""
        return 400 if self.error_format == "classic" and contract_status in (409, 422) else contract_status

    @property
    def malformed_json_status(self) -> int:
        """The status of a body that is not JSON."""
        return 422 if self.error_format == "fastapi" else 400

    # --- requests ------------------------------------------------------------------------------
    def register(self, api: InProcessApi, email: str | None = None, **body: Any) -> requests.Response:
        """Registration (the dialect's extra fields added; ``body`` overrides)."""
        fields = {"email": email or unique_email(), "password": PASSWORD, **self.register_extra, **body}
        return anon(api).call(self.ops["register"], json=fields)

    def login(self, api: InProcessApi, email: str, password: str = PASSWORD) -> requests.Response:
        """Login."""
        return anon(api).call(self.ops["login"], json={"email": email, "password": password})

    def user_of(self, body: Any) -> dict[str, Any]:
        """The user of a registration or ``me`` answer."""
        user: dict[str, Any] = self.read(body, "user")
        return user

    def new_user(self, api: InProcessApi) -> User:
        """A registered and logged-in user."""
        email = unique_email()
        created = self.register(api, email)
        assert created.status_code == self.ops["register"].status, created.text
        answer = self.login(api, email)
        assert answer.status_code == 200, answer.text
        token = self.read(answer.json(), "access_token")
        client = Client(api.base_url, token, verify=api.verify)
        return User(api, self, email, self.user_of(created.json())["id"], token, client)

    # --- answers --------------------------------------------------------------------------------
    def lattice_body(self, name: str, dims: Sequence[int], blocked: Iterable[Sequence[int]] = ()) -> dict[str, Any]:
        """A lattice in the dialect's request terms (lean: a hypercube as rank and size)."""
        size: dict[str, Any] = {"dimensions": list(dims)}
        if self.hypercube:
            assert len(set(dims)) == 1, f"lean lattices are hypercubes, not {dims}"
            size = {"rank": len(dims), "size": dims[0]}
        return {"name": name, **size, "blocked": [list(c) for c in blocked]}

    def lattice(self, answer: Any) -> dict[str, Any]:
        """The lattice of a create or read answer, in the contract's terms."""
        return self.as_core(self.read(answer, "lattice"))

    def as_core(self, lattice: dict[str, Any]) -> dict[str, Any]:
        """A lattice of the dialect in the contract's terms (lean: ``dimensions`` from rank and size)."""
        if self.hypercube:
            lattice = {**lattice, "dimensions": [lattice["size"]] * lattice["rank"]}
            del lattice["rank"], lattice["size"]
        return dict(lattice)

    def error(self, response: requests.Response, contract_status: int) -> str:
        """The answer is an error in the dialect's format and status, leaking nothing; its message."""
        status = self.status(contract_status)
        assert response.status_code == status, f"expected {status}: {response.status_code} {response.text}"
        message = self.error_message(response)
        if self.error_format == "classic":
            assert response.json()["error"]["code"] == CLASSIC_CODES[contract_status], response.text
        for marker in LEAK_MARKERS:
            assert marker not in response.text, f"{marker!r} leaked in {response.text}"
        return message

    def error_message(self, response: requests.Response) -> str:
        """The message of an error answer in the dialect's format (the format is checked)."""
        content_type, body = response.headers["Content-Type"], response.json()
        if self.error_format == "problem":
            assert content_type.startswith("application/problem+json"), content_type
            assert set(body) == {"type", "title", "status", "detail", "instance"}, body
            assert body["status"] == response.status_code, body
            message = body["detail"]
        elif self.error_format == "classic":
            assert content_type == "application/json" and set(body) == {"error"}, (content_type, body)
            assert set(body["error"]) == {"code", "message"} and body["error"]["code"], body
            message = body["error"]["message"]
        else:
            assert content_type == "application/json" and set(body) == {"detail"}, (content_type, body)
            message = body["detail"]
            if response.status_code == 422:  # FastAPI's list of validation errors
                assert isinstance(message, list) and message, body
                assert all(set(item) == {"loc", "msg", "type"} and isinstance(item["loc"], list) for item in message)
                message = " ".join(item["msg"] for item in message)
        assert isinstance(message, str) and message, body
        return message

    def health(self, response: requests.Response) -> tuple[str, dict[str, str]]:
        """The overall state and the components of a health answer, in the contract's words."""
        body = response.json()
        overall = {word: core for core, word in self.health_words.items()}
        component = {word: core for core, word in self.component_words.items()}
        names = body.get(self.component_at.split(".", 1)[0], {})
        states = {name: dig(body, self.component_at.format(name=name)) for name in names}
        return overall.get(body["status"], body["status"]), {n: component.get(v, v) for n, v in states.items()}


class Client:
    """``requests`` bound to a base URL (and optionally a bearer token)."""

    def __init__(self, base_url: str, token: str | None = None, verify: str | bool = True) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.verify = verify
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

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        """``POST path``."""
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        """``PUT path``."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """``DELETE path``."""
        return self.request("DELETE", path, **kwargs)


@dataclass
class User:
    """A registered, logged-in user of one service, and the operations it calls, in the contract's terms."""

    api: InProcessApi
    surface: Surface
    email: str
    id: str
    token: str
    client: Client

    def call(self, operation: str, object_id: str = "", **kwargs: Any) -> requests.Response:
        """The dialect's operation ``operation`` (a key of :data:`OPERATIONS`)."""
        return self.client.call(self.surface.ops[operation], object_id, **kwargs)

    def create(self, name: str = "grid", dims: Sequence[int] = (3, 3), blocked: Iterable = ()) -> requests.Response:
        """Create a lattice (the raw answer)."""
        return self.call("create", json=self.surface.lattice_body(name, dims, blocked))

    def new_lattice(self, name: str = "grid", dims: Sequence[int] = (3, 3), blocked: Iterable = ()) -> dict[str, Any]:
        """Create a lattice; it as answered, in the contract's terms."""
        answer = self.create(name, dims, blocked)
        assert answer.status_code == self.surface.ops["create"].status, answer.text
        return self.surface.lattice(answer.json())

    def listing(self, **params: Any) -> tuple[list[dict[str, Any]], int | None]:
        """The caller's lattices in the contract's terms, and the listing's total (None: it has none)."""
        answer = self.call("listing", params=params)
        assert answer.status_code == 200, answer.text
        s = self.surface
        return [s.as_core(item) for item in s.read(answer.json(), "items")], s.read(answer.json(), "total")

    def find_path(
        self, lattice: dict[str, Any], start: Sequence[int], end: Sequence[int]
    ) -> tuple[requests.Response, dict[str, Any]]:
        """The raw answer and, when it is a 200, ``{"found", "path" (cells), "distance"}`` in the contract's terms."""
        s = self.surface
        answer = self.call("find_path", lattice["id"], json=dict(zip(s.endpoints, (start, end), strict=True)))
        if answer.status_code != 200:
            return answer, {}
        body = answer.json()
        path, distance = s.read(body, "path"), s.read(body, "distance")
        if not s.path_indices:
            return answer, {"found": s.read(body, "found"), "path": path, "distance": distance}
        assert set(body) == {"path", "distance"} and all(isinstance(i, int) for i in path), body
        assert distance is None or isinstance(distance, float), body
        cells = [cell_of(i, lattice["dimensions"]) for i in path]
        return answer, {"found": bool(path), "path": cells, "distance": distance}

    def usage(self) -> dict[str, int | None]:
        """The caller's counters by their contract names (None: the dialect has no such counter)."""
        answer = self.call("usage")
        assert answer.status_code == 200, answer.text
        return {
            name: self.surface.read(answer.json(), name) for name in ("requests", "lattices_created", "paths_computed")
        }

    def delete(self) -> requests.Response:
        """The dialect's deletion of this user (lean: the admin's)."""
        if self.surface.name == "lean":
            return Client(self.api.base_url, ADMIN_TOKEN, verify=self.api.verify).call(
                self.surface.ops["delete_user"], self.id
            )
        return self.call("delete_user")


CONTRACT = Surface(name="contract", error_format="problem", rate_limit_header="RateLimit", probe="/api/v1/plans")
CLASSIC = Surface(
    name="classic",
    error_format="classic",
    rate_limit_header="X-RateLimit",
    probe="/billing/plans",
    register_extra={"display_name": "Ada Lovelace"},
    endpoints=("from", "to"),
    plan_words=("starter", "premium"),
    answers={
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
    },
)
LEAN = Surface(
    name="lean",
    error_format="fastapi",
    rate_limit_header="X-RateLimit",
    probe="/info",
    hypercube=True,
    path_indices=True,
    endpoints=("source", "target"),
    answers={"items": "results", "total": "count", "requests": "api_calls", "paths_computed": "-"},
    health_words={"pass": "ok", "fail": "error"},
    component_words={"pass": "up", "fail": "down"},
    component_at="components.{name}",
    flat_contradiction={"status": "ok", "database": "down"},
    cache_control=None,
    cache=False,
    broken_error_type="text/plain; charset=utf-8",
)
SURFACES = {surface.name: surface for surface in (CONTRACT, CLASSIC, LEAN)}


def unique_email() -> str:
    """An email no test has used."""
    return f"user-{uuid.uuid4().hex}@example.com"


def anon(api: InProcessApi) -> Client:
    """A client without a token."""
    return Client(api.base_url, verify=api.verify)


def cell_of(index: int, dims: Sequence[int]) -> list[int]:
    """The cell of a row-major vertex index (the last coordinate varies fastest)."""
    cell = []
    for size in reversed(dims):
        index, coordinate = divmod(index, size)
        cell.append(coordinate)
    return cell[::-1]


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
    answer: dict[str, Any],
    dims: Sequence[int],
    blocked: Iterable[Sequence[int]],
    start: Sequence[int],
    end: Sequence[int],
) -> None:
    """``answer`` (contract terms) is a shortest walk from ``start`` to ``end`` with the right distance."""
    walls = [list(c) for c in blocked]
    path = answer["path"]
    assert answer["found"] is True and path[0] == list(start) and path[-1] == list(end), answer
    assert is_walk(path, dims, walls), path
    assert answer["distance"] == len(path) - 1 == bfs_distance(dims, walls, start, end), answer
