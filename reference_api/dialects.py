"""The HTTP surfaces ("dialects") the service can present over one core.

``contract`` is ``docs/design/api-contract.md``. ``classic`` is a differently shaped API built on
the same models, services and faults: other paths without a version prefix, a registration body
with a required ``display_name``, answers wrapped in objects (``{"user": ...}``, ``{"grid": ...}``),
creates and deletes answering 200, bare arrays for lists, ``{"error": {"code", "message"}}`` errors
(every 4xx about the request is a 400), ``X-RateLimit-*`` headers, other plan codes and status
words, and no webhooks. The dialect is chosen with ``--dialect`` or ``LATTICE_DIALECT``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """What differs between the surfaces outside the route handlers."""

    name: str
    #: Paths below this prefix count in the per-address authentication rate-limit bucket.
    auth_prefix: str
    #: Prefix of the ``-Limit``, ``-Remaining`` and ``-Reset`` rate-limit headers.
    rate_limit_header: str


DIALECT_SURFACES: dict[str, Dialect] = {
    "contract": Dialect("contract", auth_prefix="/api/v1/auth/", rate_limit_header="RateLimit"),
    "classic": Dialect("classic", auth_prefix="/auth/", rate_limit_header="X-RateLimit"),
}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name`` (a :class:`KeyError` names the valid ones)."""
    try:
        return DIALECT_SURFACES[name]
    except KeyError:
        raise KeyError(f"unknown dialect {name!r}; valid: {', '.join(DIALECT_SURFACES)}") from None
