"""The service's route templates, for metric labels, rate-limit buckets and ``Allow`` headers.

Kept independent of the web framework's internal routing structures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.routing import BaseRoute, compile_path

UNMATCHED = "unmatched"
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class RouteEntry:
    """One path template and the methods it serves."""

    template: str
    regex: re.Pattern[str]
    methods: frozenset[str]


class RouteTable:
    """Matches request paths to route templates."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        entries: list[RouteEntry] = []
        for route in routes:
            path = getattr(route, "path", None)
            methods = getattr(route, "methods", None)
            if isinstance(path, str) and methods:
                regex, _, _ = compile_path(path)
                entries.append(RouteEntry(path, regex, frozenset(methods)))
        self.entries = tuple(entries)

    def template(self, method: str, path: str) -> str:
        """The template serving ``method path``; a template of the path for another method; else ``unmatched``."""
        partial: str | None = None
        for entry in self.entries:
            if entry.regex.match(path):
                if method in entry.methods:
                    return entry.template
                partial = partial or entry.template
        return partial or UNMATCHED

    def allowed(self, path: str) -> str:
        """The ``Allow`` header value for ``path``."""
        methods: set[str] = set()
        for entry in self.entries:
            if entry.regex.match(path):
                methods |= entry.methods
        return ", ".join(m for m in METHOD_ORDER if m in methods)
