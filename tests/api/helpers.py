"""Helpers for the reference API tests: an HTTP client, users, a webhook receiver, BFS."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

PASSWORD = "correct horse battery staple"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
LEAK_MARKERS = (
    "FastAPI",
    "Starlette",
    "pydantic",
    "sqlalchemy",
    "Traceback",
    "/usr/",
    ".py",
    "SELECT ",
    "errors.pydantic.dev",
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


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
        kwargs.setdefault("timeout", 30)
        kwargs.setdefault("verify", self.verify)  # per request: beats REQUESTS_CA_BUNDLE
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def options(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("OPTIONS", path, **kwargs)


@dataclass
class User:
    """A registered, logged-in user."""

    email: str
    password: str
    id: str
    token: str
    client: Client


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex}@example.com"


def register(base: Client, email: str | None = None, password: str = PASSWORD) -> requests.Response:
    return base.post("/api/v1/auth/register", json={"email": email or unique_email(), "password": password})


def login(base: Client, email: str, password: str = PASSWORD) -> requests.Response:
    return base.post("/api/v1/auth/login", json={"email": email, "password": password})


def new_user(base_url: str, verify: str | bool = True) -> User:
    """Register and log in a fresh user."""
    anon = Client(base_url, verify=verify)
    email = unique_email()
    created = register(anon, email)
    assert created.status_code == 201, created.text
    token = login(anon, email).json()["access_token"]
    return User(email, PASSWORD, created.json()["id"], token, Client(base_url, token, verify=verify))


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` and nothing leaked."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["Content-Type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert set(body) == PROBLEM_KEYS, body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str)
    for marker in LEAK_MARKERS:
        assert marker not in response.text, f"{marker!r} leaked in {response.text}"
    return body


def assert_security_headers(response: requests.Response, https: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers)
    assert "X-Powered-By" not in response.headers
    server = response.headers.get("Server")
    assert server is None or not any(ch.isdigit() for ch in server), server
    assert response.headers.get("X-Request-ID")
    if https:
        assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=31536000")
    else:
        assert "Strict-Transport-Security" not in response.headers


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@dataclass
class ReceivedHook:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """A local HTTP server recording POSTs; answers with ``statuses`` in turn (then the last one)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[ReceivedHook] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                index = len(receiver.received)
                receiver.received.append(ReceivedHook({k: v for k, v in self.headers.items()}, body))
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def hmac_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


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


def assert_valid_path(
    answer: dict[str, Any],
    dims: Sequence[int],
    blocked: Iterable[Sequence[int]],
    start: Sequence[int],
    end: Sequence[int],
) -> None:
    """The path starts/ends right, steps by one coordinate, avoids walls and is shortest."""
    walls = {tuple(c) for c in blocked}
    path = answer["path"]
    assert answer["found"] is True
    assert path[0] == list(start) and path[-1] == list(end)
    assert answer["distance"] == len(path) - 1
    for a, b in itertools.pairwise(path):
        assert sum(abs(x - y) for x, y in zip(a, b, strict=True)) == 1, (a, b)
    for cell in path:
        assert tuple(cell) not in walls, cell
        assert all(0 <= c < n for c, n in zip(cell, dims, strict=True)), cell
    assert answer["distance"] == bfs_distance(dims, walls, start, end)


def avoid_window_edge(window_seconds: int, margin: float = 3.0) -> None:
    """Sleep past the next fixed-window boundary (epoch-aligned) if it is less than ``margin`` away."""
    left = window_seconds - time.time() % window_seconds
    if left < margin:
        time.sleep(left + 0.05)
