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
        found = (method, path_shape(path)) in documented
        rows.append(OperationRow(str(name), method, path, DOCUMENTED if found else MISSING))
    return rows


def not_documented_message(method: str, path: str) -> str:
    """The failure of a test whose operation the API's OpenAPI document lacks."""
    return f"{method} {path} is not offered by this API (its OpenAPI document has no such operation)"
