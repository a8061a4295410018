"""The HTTP surfaces ("dialects") the service can present over one core.

Every dialect runs the same models, services (``reference_api/services``), rate limits, faults and
mutations; its route modules are thin translations of shapes, and this module holds what differs
at the service's edge:

* ``contract`` is ``docs/design/api-contract.md``;
* ``classic`` is a differently shaped API: other paths without a version prefix, a registration
  body with a required ``display_name``, answers wrapped in objects, creates and deletes answering
  200, bare arrays for lists, ``{"error": {"code", "message"}}`` errors (every 4xx about the
  request is a 400), ``X-RateLimit-*`` headers, other plan codes and status words, no webhooks;
* ``lean`` imitates an ordinary FastAPI + SQLite service: no cache in its health report, no
  self-delete but an admin delete, no read-by-id route, paths as vertex indices without ``found``,
  hypercubes as rank and edge length, usage without a path counter, FastAPI's ``{"detail"}``
  errors, a ``/docs`` page whose CSP allows ``'unsafe-inline'``, no ``Cache-Control``; no plans,
  subscriptions, webhooks or bulk routes.

The dialect is chosen with ``--dialect`` or ``LATTICE_DIALECT``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .faults import Faults
from .problems import ERROR_FORMATS, ErrorAnswer, FieldProblem

#: The strict Content-Security-Policy of every API answer.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: The lean dialect's documentation page runs an inline script and inline styles.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Dialect:
    """What differs between the surfaces outside the route handlers.

    ``auth_paths``: the paths counted in the per-address authentication rate-limit bucket (an entry
    ending in ``/`` is a prefix, any other an exact path); ``rate_limit_header``: the prefix of the
    ``-Limit``, ``-Remaining`` and ``-Reset`` headers; ``error_format``: a key of
    :data:`reference_api.problems.ERROR_FORMATS`; ``cache_control``: the ``Cache-Control`` of every
    answer (None: not sent); ``page_csp``: the Content-Security-Policy of the pages whose path is a
    key (others: :data:`API_CSP`); ``uses_cache``: whether the service uses Redis (``REDIS_URL``)
    and reports it in ``/health``.
    """

    name: str
    auth_paths: tuple[str, ...]
    rate_limit_header: str
    error_format: str
    cache_control: str | None = "no-store"
    page_csp: Mapping[str, str] = field(default_factory=dict)
    uses_cache: bool = True

    def is_auth(self, path: str) -> bool:
        """Whether ``path`` counts in the authentication bucket."""
        return any(path.startswith(p) if p.endswith("/") else path == p for p in self.auth_paths)

    def csp(self, path: str) -> str:
        """The Content-Security-Policy of an answer to ``path``."""
        return self.page_csp.get(path, API_CSP)

    def error(
        self, status: int, detail: str, instance: str, faults: Faults, problems: Sequence[FieldProblem] = ()
    ) -> ErrorAnswer:
        """``(status, body, content type)`` of an error in this dialect's format."""
        return ERROR_FORMATS[self.error_format](status, detail, instance, problems, faults)


DIALECT_SURFACES: dict[str, Dialect] = {
    "contract": Dialect("contract", ("/api/v1/auth/",), rate_limit_header="RateLimit", error_format="problem"),
    "classic": Dialect("classic", ("/auth/",), rate_limit_header="X-RateLimit", error_format="classic"),
    "lean": Dialect(
        "lean",
        ("/token", "/users"),
        rate_limit_header="X-RateLimit",
        error_format="fastapi",
        cache_control=None,
        page_csp={"/docs": DOCS_CSP},
        uses_cache=False,
    ),
}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name`` (a :class:`KeyError` names the valid ones)."""
    try:
        return DIALECT_SURFACES[name]
    except KeyError:
        raise KeyError(f"unknown dialect {name!r}; valid: {', '.join(DIALECT_SURFACES)}") from None
