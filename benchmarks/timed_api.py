"""The reference API with a timing middleware around it, for the benchmark (not used by the gate).

``python -m benchmarks.timed_api --host 127.0.0.1 --port PORT [reference API options]`` starts
``python -m reference_api`` exactly as usual (same options, same environment: ``LATTICE_FAULTS``,
``LATTICE_SLOW_MS``...), with one ASGI middleware outside the whole application that counts the
HTTP requests and sums their server-side durations (from the request's arrival at the application
to its last response byte handed to the server, faults' delays included). ``reference_api`` itself
is not changed: its ``create_app`` is wrapped before its ``main`` runs.

The figures are served at ``GET /__benchmark__/requests`` (JSON; not counted, not delayed by
faults); ``GET /__benchmark__/requests?reset=1`` returns them and starts counting from zero.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import reference_api.__main__ as reference_main
from benchmarks.gate_figures import STATS_PATH

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class RequestStats:
    """Requests seen since the last reset: count, summed server seconds, and the same per path."""

    count: int = 0
    seconds: float = 0.0
    by_route: dict[str, list[float]] = field(default_factory=dict)  # "METHOD /path" -> [count, seconds]

    def add(self, route: str, seconds: float) -> None:
        self.count += 1
        self.seconds += seconds
        entry = self.by_route.setdefault(route, [0, 0.0])
        entry[0] += 1
        entry[1] += seconds

    def as_json(self) -> bytes:
        return json.dumps({"requests": self.count, "server_seconds": self.seconds, "by_route": self.by_route}).encode()


class TimingMiddleware:
    """Counts and times every HTTP request that reaches the application it wraps."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.stats = RequestStats()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS_PATH:
            await self._answer_stats(scope, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.stats.add(f"{scope['method']} {scope['path']}", time.perf_counter() - started)

    async def _answer_stats(self, scope: Scope, send: Send) -> None:
        body = self.stats.as_json()
        if b"reset=1" in scope.get("query_string", b""):
            self.stats = RequestStats()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> int:
    """Run the reference API's own ``main`` with the timing middleware around its application."""
    create_app: Callable[[Any], ASGIApp] = getattr(reference_main, "create_app")  # noqa: B009 (not re-exported)

    def timed_create_app(runtime: Any) -> TimingMiddleware:
        return TimingMiddleware(create_app(runtime))

    setattr(reference_main, "create_app", timed_create_app)  # noqa: B010 (not re-exported)
    return reference_main.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
