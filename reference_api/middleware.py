"""The service's edge: request ids, security headers, CORS, rate limits, metrics, faults.

A single pure-ASGI middleware wrapped around the FastAPI application, so that every response
(errors, 404s, 429s, preflights, /health, /metrics, unhandled exceptions) passes through it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
from starlette.datastructures import Headers, MutableHeaders

from .auth import bearer_token
from .models import User
from .ratelimit import Decision, bucket_for
from .routetable import RouteTable
from .runtime import Runtime

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("reference_api")
REQUEST_ID_RE = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,199}$")  # printable ASCII, echoed as sent
UNLIMITED_PATHS = frozenset({"/health", "/metrics"})
CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, X-Request-ID"
CORS_MAX_AGE = "600"
HSTS = "max-age=31536000; includeSubDomains"


class EdgeMiddleware:
    """Wraps the application; see the module docstring."""

    def __init__(self, app: ASGIApp, routes: RouteTable, runtime: Runtime) -> None:
        self.app = app
        self.routes = routes
        self.runtime = runtime
        self.allowed_origins = frozenset(runtime.settings.cors_allowed_origins)
        self.dialect = runtime.dialect
        rl = self.dialect.rate_limit_header
        self.cors_expose = f"X-Request-ID, {rl}-Limit, {rl}-Remaining, {rl}-Reset, Retry-After"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime, faults = self.runtime, self.runtime.faults
        started = time.perf_counter()
        headers = Headers(scope=scope)
        sent_id = headers.get("x-request-id", "")
        request_id = sent_id if REQUEST_ID_RE.match(sent_id) else uuid.uuid4().hex
        method, path = scope["method"], scope["path"]
        template = self.routes.template(method, path)
        origin = headers.get("origin")
        https = scope.get("scheme") == "https"
        preflight = method == "OPTIONS" and origin is not None and "access-control-request-method" in headers
        state: dict[str, Any] = {"status": 500, "started": False, "decision": None}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message["headers"] = list(message.get("headers", []))
                self.decorate(
                    MutableHeaders(raw=message["headers"]),
                    path,
                    request_id,
                    origin,
                    https,
                    state["decision"],
                    preflight,
                )
            await send(message)

        try:
            if faults.on("slow_responses") and path != "/metrics":
                await asyncio.sleep(runtime.settings.slow_ms / 1000)
            if preflight:
                await self.answer_preflight(send_wrapper, origin or "")
                return
            if path not in UNLIMITED_PATHS:
                decision = await self.count(scope, headers, path, template)
                state["decision"] = decision
                if decision is not None and not decision.allowed and not faults.on("no_rate_limit"):
                    await self.answer_429(send_wrapper, decision, path)
                    return
            await self.app(scope, receive, send_wrapper)
        except Exception:
            log.exception("unhandled error answering %s %s (request id %s)", method, path, request_id)
            if not state["started"]:
                status, body, ctype = self.dialect.error(500, "An unexpected error occurred.", path, faults)
                await send_wrapper(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
                    }
                )
                await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            runtime.metrics.observe_request(
                method, template, int(state["status"]), time.perf_counter() - started, faults
            )

    async def count(self, scope: Scope, headers: Headers, path: str, template: str) -> Decision | None:
        """Count the request in its bucket (see :mod:`reference_api.ratelimit`)."""
        settings = self.runtime.settings
        client = scope["client"][0] if scope.get("client") else "unknown"
        user_id = None
        is_auth = self.dialect.is_auth(path)
        if not is_auth:
            user_id = await self.valid_user(headers.get("authorization"))
        bucket = bucket_for(
            template,
            client,
            user_id,
            is_auth,
            settings.rate_limit_anon,
            settings.rate_limit_auth,
            settings.rate_limit_user,
            settings.rate_limit_shared,
        )
        try:
            return await self.runtime.limiter.hit(bucket)
        except Exception as exc:  # noqa: BLE001 - a limiter failure never fails the request
            log.warning("rate limiter failed, request not counted: %s", exc)
            return None

    async def valid_user(self, authorization: str | None) -> str | None:
        """The id of an existing user holding a valid token, else None."""
        token = bearer_token(authorization)
        if token is None:
            return None
        user_id = self.runtime.tokens.subject(token)
        if user_id is None:
            return None

        def exists() -> bool:
            with self.runtime.db.session() as session:
                return session.get(User, user_id) is not None

        try:
            return user_id if await anyio.to_thread.run_sync(exists) else None
        except Exception:  # noqa: BLE001 - database trouble: count it as anonymous
            return None

    def decorate(
        self,
        out: MutableHeaders,
        path: str,
        request_id: str,
        origin: str | None,
        https: bool,
        decision: Decision | None,
        preflight: bool,
    ) -> None:
        """Add request id, security, CORS and rate-limit headers to a response."""
        faults = self.runtime.faults
        for name in ("server", "x-powered-by"):
            if name in out:
                del out[name]
        out["X-Request-ID"] = request_id
        out["X-Content-Type-Options"] = "nosniff"
        out["X-Frame-Options"] = "DENY"
        csp = self.dialect.csp(path)
        out["Content-Security-Policy"] = csp
        out["Referrer-Policy"] = "no-referrer"
        if self.dialect.cache_control is not None:
            out["Cache-Control"] = self.dialect.cache_control
        if faults.on("missing_security_headers"):
            del out["X-Content-Type-Options"]
            del out["Content-Security-Policy"]
        if faults.on("weak_security_headers"):
            out["X-Frame-Options"] = "ALLOWALL"
            del out["Content-Security-Policy"]
            out["Content-Security-Policy-Report-Only"] = csp
            out["Referrer-Policy"] = "unsafe-url"
        if https:
            out["Strict-Transport-Security"] = "max-age=300" if faults.on("hsts_short") else HSTS
        if faults.on("server_disclosure"):
            out["X-Powered-By"] = "FastAPI"
            out["Server"] = "uvicorn/0.30.1"
        out.add_vary_header("Origin")
        if origin is not None and not preflight:
            self.cors_simple(out, origin)
        if decision is not None and not faults.on("rate_limit_no_headers"):
            prefix = self.dialect.rate_limit_header
            out[f"{prefix}-Limit"] = str(decision.limit)
            out[f"{prefix}-Remaining"] = str(decision.remaining)
            out[f"{prefix}-Reset"] = str(decision.reset_seconds)

    def origin_allowed(self, origin: str) -> bool:
        """Whether ``origin`` is on the allow-list (``null`` never is)."""
        return origin != "null" and origin.rstrip("/") in self.allowed_origins

    def cors_simple(self, out: MutableHeaders, origin: str) -> None:
        """CORS headers of an actual (non-preflight) request."""
        faults = self.runtime.faults
        if faults.on("cors_wildcard_credentials"):
            out["Access-Control-Allow-Origin"] = "*"
            out["Access-Control-Allow-Credentials"] = "true"
        elif self.origin_allowed(origin) or faults.on("cors_reflect_any_origin"):
            out["Access-Control-Allow-Origin"] = origin
            out["Access-Control-Allow-Credentials"] = "true"
            out["Access-Control-Expose-Headers"] = self.cors_expose

    async def answer_preflight(self, send: Send, origin: str) -> None:
        """204 to a CORS preflight; CORS headers only for an allowed origin."""
        faults = self.runtime.faults
        out = MutableHeaders(raw=[(b"content-length", b"0")])
        if faults.on("cors_wildcard_credentials"):
            allow: str | None = "*"
        elif self.origin_allowed(origin) or faults.on("cors_reflect_any_origin"):
            allow = origin
        else:
            allow = None
        if allow is not None:
            out["Access-Control-Allow-Origin"] = allow
            out["Access-Control-Allow-Credentials"] = "true"
            out["Access-Control-Allow-Methods"] = CORS_METHODS
            out["Access-Control-Allow-Headers"] = CORS_HEADERS
            out["Access-Control-Max-Age"] = CORS_MAX_AGE
        await send({"type": "http.response.start", "status": 204, "headers": out.raw})
        await send({"type": "http.response.body", "body": b""})

    async def answer_429(self, send: Send, decision: Decision, path: str) -> None:
        """The over-the-limit problem answer (headers are added by ``decorate``)."""
        faults = self.runtime.faults
        window = self.runtime.settings.rate_limit_window_seconds
        status, body, ctype = self.dialect.error(
            429,
            f"Rate limit of {decision.limit} requests per {window} seconds exceeded; "
            f"retry in {decision.reset_seconds} seconds.",
            path,
            faults,
        )
        raw = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
        if not faults.on("rate_limit_no_headers"):
            raw.append((b"retry-after", str(max(1, decision.reset_seconds)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
