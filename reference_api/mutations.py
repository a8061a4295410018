"""Generic HTTP mutations: answers changed as data describes, without a named fault in the code.

A fault (:mod:`reference_api.faults`) is a branch in the code; a mutation is a change to the
answers of one kind of request, described in one line, so that a smoke test can name the defect
it must catch without anyone writing Python. Mutations come from ``--mutate SPEC`` (repeatable)
and the environment variable ``LATTICE_MUTATIONS`` (specs separated by ``;``).

A spec is ``METHOD PATH:CHANGE``:

* ``METHOD`` is an HTTP method or ``*`` (any); ``PATH`` is the request path, ``*`` matching any
  characters (``/api/v1/lattices/*``);
* ``CHANGE`` is one of

  - ``status=CODE``: the answer's status becomes ``CODE`` (body and headers unchanged);
  - ``remove-field=NAME``: the JSON answer loses the field ``NAME`` (``a.b`` for a nested field);
  - ``remove-header=NAME``: the answer loses the header ``NAME`` (any case);
  - ``delay=MS``: the request is handled ``MS`` milliseconds late.

Examples: ``GET /health:status=500``, ``GET /health:remove-field=checks.database``,
``* /api/v1/*:remove-header=X-Frame-Options``, ``POST /api/v1/auth/login:delay=1500``.
The mutation layer wraps the whole service, so it also sees the headers the edge adds.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The kinds of change, with what each does (shown in errors and ``--help``).
CHANGES: dict[str, str] = {
    "status": "status=CODE: the answer's status becomes CODE (100-599)",
    "remove-field": "remove-field=NAME: the JSON answer loses field NAME (a.b for a nested one)",
    "remove-header": "remove-header=NAME: the answer loses header NAME",
    "delay": "delay=MS: the request is handled MS milliseconds (at most 60000) late",
}
MAX_DELAY_MS = 60_000
_SPEC = re.compile(r"^\s*(?P<method>[A-Za-z]+|\*)\s+(?P<path>/\S*)\s*:\s*(?P<kind>[a-z-]+)=(?P<value>\S+)\s*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class MutationSpecError(ValueError):
    """A mutation spec the service cannot apply; the message says what a valid one looks like."""


def _invalid(spec: str, why: str) -> MutationSpecError:
    kinds = "; ".join(CHANGES.values())
    return MutationSpecError(
        f"invalid mutation {spec!r}: {why}. Expected 'METHOD PATH:CHANGE' with CHANGE one of: {kinds}"
    )


@dataclass(frozen=True)
class Mutation:
    """One change to the answers of the requests matching ``method`` and ``path``."""

    method: str
    path: str
    kind: str
    value: str

    @classmethod
    def parse(cls, spec: str) -> Mutation:
        """Read ``METHOD PATH:CHANGE`` (see the module documentation)."""
        match = _SPEC.match(spec)
        if match is None:
            raise _invalid(spec, "it is not of the form 'METHOD PATH:KIND=VALUE'")
        kind, value = match["kind"], match["value"]
        if kind not in CHANGES:
            raise _invalid(spec, f"unknown change {kind!r}")
        if kind == "status" and not (value.isdigit() and 100 <= int(value) <= 599):
            raise _invalid(spec, f"status {value!r} is not an HTTP status code")
        if kind == "delay" and not (value.isdigit() and int(value) <= MAX_DELAY_MS):
            raise _invalid(spec, f"delay {value!r} is not a number of milliseconds up to {MAX_DELAY_MS}")
        if kind == "remove-header" and not _HEADER_NAME.match(value):
            raise _invalid(spec, f"{value!r} is not a header name")
        if kind == "remove-field" and any(not part for part in value.split(".")):
            raise _invalid(spec, f"{value!r} is not a field name (parts separated by single dots)")
        return cls(match["method"].upper(), match["path"], kind, value)

    def applies_to(self, method: str, path: str) -> bool:
        """Whether a request ``method path`` is changed by this mutation."""
        return self.method in ("*", method.upper()) and fnmatch.fnmatchcase(path, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}:{self.kind}={self.value}"


@dataclass(frozen=True)
class Mutations:
    """Every mutation of the running service (empty: the service answers unchanged)."""

    enabled: tuple[Mutation, ...] = ()

    @classmethod
    def from_sources(cls, cli: Iterable[str], env_value: str | None) -> Mutations:
        """Combine ``--mutate`` options and the ``;``-separated ``LATTICE_MUTATIONS`` value."""
        specs = [*cli, *(env_value or "").split(";")]
        return cls(tuple(Mutation.parse(spec) for spec in specs if spec.strip()))

    def matching(self, method: str, path: str) -> tuple[Mutation, ...]:
        """The mutations that change the answer to ``method path``."""
        return tuple(m for m in self.enabled if m.applies_to(method, path))


def _without_field(body: bytes, dotted: str) -> bytes:
    """``body`` (JSON) without the field ``dotted``; other bodies are returned unchanged."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    *parents, last = dotted.split(".")
    node = document
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(last, None)
    return json.dumps(document).encode()


class MutationMiddleware:
    """Applies the matching mutations to each answer (pure ASGI, outermost layer of the service)."""

    def __init__(self, app: ASGIApp, mutations: Mutations) -> None:
        self.app = app
        self.mutations = mutations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matching = self.mutations.matching(scope["method"], scope["path"]) if scope["type"] == "http" else ()
        if not matching:
            await self.app(scope, receive, send)
            return
        for mutation in matching:
            if mutation.kind == "delay":
                await asyncio.sleep(int(mutation.value) / 1000)
        fields = [m.value for m in matching if m.kind == "remove-field"]
        start: Message = {}
        chunks: list[bytes] = []

        async def mutated(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                start["headers"] = self._headers(message.get("headers", []), matching)
                for mutation in matching:
                    if mutation.kind == "status":
                        start["status"] = int(mutation.value)
                if not fields:
                    await send(start)
                return
            if message["type"] == "http.response.body" and fields:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                for field in fields:
                    body = _without_field(body, field)
                start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                start["headers"].append((b"content-length", str(len(body)).encode()))
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, mutated)

    @staticmethod
    def _headers(headers: Iterable[tuple[bytes, bytes]], matching: tuple[Mutation, ...]) -> list[tuple[bytes, bytes]]:
        removed = {m.value.lower().encode() for m in matching if m.kind == "remove-header"}
        return [(name, value) for name, value in headers if name.lower() not in removed]
