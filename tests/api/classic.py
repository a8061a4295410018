"""Helpers for the classic dialect's tests: its users, its error format and its operations."""

from __future__ import annotations

from typing import Any

import requests

from .helpers import LEAK_MARKERS, PASSWORD, Client, User, unique_email

#: The environment that starts the reference API in the classic dialect.
CLASSIC_ENV = {"LATTICE_DIALECT": "classic"}

#: Every operation the classic dialect serves, as (method, OpenAPI path); nothing else.
CLASSIC_OPERATIONS = {
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
}

#: Every operation the contract dialect serves (docs/design/api-contract.md).
CONTRACT_OPERATIONS = {
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
}


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """The (method, path) pairs an OpenAPI document lists."""
    return {(method, path) for path, item in document["paths"].items() for method in item}


def signup(
    base: Client, email: str | None = None, password: str = PASSWORD, display_name: str | None = "Ada Lovelace"
) -> requests.Response:
    """``POST /auth/signup`` (``display_name=None`` leaves the field out)."""
    body: dict[str, Any] = {"email": email or unique_email(), "password": password}
    if display_name is not None:
        body["display_name"] = display_name
    return base.post("/auth/signup", json=body)


def open_session(base: Client, email: str, password: str = PASSWORD) -> requests.Response:
    """``POST /auth/session``."""
    return base.post("/auth/session", json={"email": email, "password": password})


def new_classic_user(base_url: str, verify: str | bool = True) -> User:
    """A signed-up user with a session token, on a classic-dialect server."""
    base = Client(base_url, verify=verify)
    email = unique_email()
    created = signup(base, email)
    assert created.status_code == 200, created.text
    session = open_session(base, email)
    assert session.status_code == 200, session.text
    token = session.json()["session"]["token"]
    return User(email, PASSWORD, created.json()["user"]["id"], token, Client(base_url, token, verify=verify))


def assert_classic_error(response: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a classic ``{"error": {"code", "message"}}`` with ``status`` and nothing leaked."""
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["Content-Type"] == "application/json", response.headers
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    for marker in LEAK_MARKERS:
        assert marker not in response.text, f"{marker!r} leaked in {response.text}"
    return body["error"]


def new_grid(
    user: User, name: str = "g", dimensions: list[int] | None = None, blocked: list[list[int]] | None = None
) -> dict[str, Any]:
    """Create a grid and return it (the ``grid`` of the answer)."""
    answer = user.client.post(
        "/grids", json={"name": name, "dimensions": dimensions or [3, 3], "blocked": blocked or []}
    )
    assert answer.status_code == 200, answer.text
    grid: dict[str, Any] = answer.json()["grid"]
    return grid
