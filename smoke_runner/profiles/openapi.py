"""A profile's operations compared with an OpenAPI document: the one home of that comparison.

Pure functions of the standard library only: SmokeLibrary loads this module by its path, so that
the suites (at run time) and the runner's ``--check-profile`` (before any run) compare alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE_PARAMETER = re.compile(r"\{[^{}/]*\}")

DOCUMENTED = "documented"
MISSING = "MISSING from the document"
NOT_OFFERED = "not offered (profile)"

#: The paths a profile names outside its operations that a suite requests only if the API's OpenAPI
#: document (when it has one) lists them, with the method it sends (``Request Should Be Documented``
#: in resources/): key -> (method, the test that needs it).
DOCUMENTED_PROFILE_PATHS: dict[str, tuple[str, str]] = {
    "RATE_LIMIT_PROBE_PATH": ("GET", "Rate Limiting Is Enforced"),
}
#: How many of the document's paths a problem suggests instead.
SUGGESTIONS_SHOWN = 5


def is_offered(operation: Any) -> bool:
    """Whether a profile's operation is offered (``offered: false`` says it is not)."""
    offered = operation.get("offered", True) if isinstance(operation, Mapping) else True
    return str(offered).strip().lower() not in ("false", "no", "0", "off")


def path_shape(path: str) -> str:
    """A path template with every parameter name dropped: ``/grids/{grid_id}`` -> ``/grids/{}``."""
    return _TEMPLATE_PARAMETER.sub("{}", str(path).rstrip("/") or "/")


def is_openapi_document(document: Any) -> bool:
    """Whether ``document`` looks like an OpenAPI (or Swagger) document: a mapping with a ``paths`` mapping."""
    return isinstance(document, Mapping) and isinstance(document.get("paths"), Mapping)


def openapi_operations(document: Any) -> set[tuple[str, str]]:
    """``{(METHOD, path shape)}`` of every operation an OpenAPI document lists."""
    if not is_openapi_document(document):
        raise AssertionError("The OpenAPI document has no 'paths' object: it is not an OpenAPI document")
    return {
        (method.upper(), path_shape(path))
        for path, item in document["paths"].items()
        if isinstance(item, Mapping)
        for method in item
        if str(method).lower() in HTTP_METHODS
    }


def is_documented(method: str, path: str, documented: set[tuple[str, str]]) -> bool:
    """Whether ``method`` ``path`` is among the ``documented`` operations (:func:`openapi_operations`):
    the one judgement of the suites at run time and of ``--check-profile`` before any run."""
    return (str(method).upper(), path_shape(str(path).split("?", 1)[0])) in documented


@dataclass(frozen=True)
class OperationRow:
    """One operation of a profile and what the OpenAPI document says of it."""

    name: str
    method: str
    path: str
    state: str  # DOCUMENTED, MISSING or NOT_OFFERED

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}".strip()


def compare_operations(operations: Mapping[str, Any], documented: set[tuple[str, str]]) -> list[OperationRow]:
    """Every operation of a profile's ``operations`` against the ``documented`` ones (:func:`openapi_operations`)."""
    rows = []
    for name, operation in operations.items():
        mapping = operation if isinstance(operation, Mapping) else {}
        method, path = str(mapping.get("method", "")).upper(), str(mapping.get("path", ""))
        if not is_offered(mapping):
            rows.append(OperationRow(str(name), method, path, NOT_OFFERED))
            continue
        found = is_documented(method, path, documented)
        rows.append(OperationRow(str(name), method, path, DOCUMENTED if found else MISSING))
    return rows


def compare_profile_paths(profile: Mapping[str, Any], documented: set[tuple[str, str]]) -> list[OperationRow]:
    """The paths of :data:`DOCUMENTED_PROFILE_PATHS` that ``profile`` sets, against the ``documented`` operations."""
    rows = []
    for key, (method, _) in DOCUMENTED_PROFILE_PATHS.items():
        path = profile.get(key)
        if isinstance(path, str) and path:
            rows.append(
                OperationRow(key, method, path, DOCUMENTED if is_documented(method, path, documented) else MISSING)
            )
    return rows


def documented_paths(documented: set[tuple[str, str]], method: str, avoid: tuple[str, ...] = ()) -> list[str]:
    """The paths the document lists for ``method`` with no path parameter; those in ``avoid`` (the
    health report, the metrics) only when there is no other."""
    shapes = sorted(path for verb, path in documented if verb == method.upper() and "{}" not in path)
    avoided = {path_shape(str(path)) for path in avoid if path}
    return [path for path in shapes if path not in avoided] or shapes


def profile_path_problem(row: OperationRow, documented: set[tuple[str, str]], avoid: tuple[str, ...] = ()) -> str:
    """The ``--check-profile`` problem of a profile path (:func:`compare_profile_paths`) the document lacks."""
    test = DOCUMENTED_PROFILE_PATHS.get(row.name, ("", "a test"))[1]
    offered = documented_paths(documented, row.method, avoid)
    listed = ", ".join(f"{row.method} {path}" for path in offered[:SUGGESTIONS_SHOWN])
    more = f" (and {len(offered) - SUGGESTIONS_SHOWN} more)" if len(offered) > SUGGESTIONS_SHOWN else ""
    if offered:
        hint = f"its {row.method} routes without a path parameter: {listed}{more}"
    else:
        hint = f"it lists no {row.method} route without a path parameter"
    return (
        f"{row.name}: {row.request} is not in the OpenAPI document, so '{test}' would fail; {hint} "
        f"(point it at one that needs no login and is rate limited)"
    )


def not_documented_message(method: str, path: str) -> str:
    """The failure of a test whose operation the API's OpenAPI document lacks."""
    return f"{method} {path} is not offered by this API (its OpenAPI document has no such operation)"
