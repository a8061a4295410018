"""Validators for JSON bodies: each problem names its field (``loc``) and says what is wrong in a sentence.

A dialect names a lattice's size its own way (:class:`LatticeShape`): a list of dimensions
(contract, classic) or a rank and an edge length (lean, hypercubes only).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .faults import Faults
from .pathfinding import in_bounds
from .problems import FieldProblem, invalid

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_NAME = 100
MAX_DIMENSIONS = 4
MAX_SIZE = 1000


def require_object(payload: Any) -> dict[str, Any]:
    """``payload`` if it is a JSON object, else 422."""
    if not isinstance(payload, dict):
        raise invalid([FieldProblem(("body",), "The request body must be a JSON object.", "dict_type")])
    return payload


def is_int(value: Any) -> bool:
    """A JSON integer (booleans excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def int_list(value: Any) -> list[int] | None:
    """``value`` as a list of integers, or None if it is not one."""
    if isinstance(value, list) and all(is_int(v) for v in value):
        return list(value)
    return None


def required_string(body: dict[str, Any], name: str) -> FieldProblem | None:
    """A problem when ``body[name]`` is not a string."""
    if isinstance(body.get(name), str):
        return None
    kind = "missing" if name not in body else "string_type"
    return FieldProblem(("body", name), f"'{name}' is required and must be a string.", kind)


def credentials_problems(body: Any) -> tuple[str, str, list[FieldProblem]]:
    """``(email, password, problems)`` of a registration body."""
    if not isinstance(body, dict):
        message = "The request body must be a JSON object with 'email' and 'password'."
        return "", "", [FieldProblem(("body",), message, "dict_type")]
    email, password = body.get("email"), body.get("password")
    problems = [p for p in (required_string(body, "email"), required_string(body, "password")) if p]
    if isinstance(email, str) and (not email.strip() or len(email) > 254 or not EMAIL_RE.match(email.strip())):
        problems.insert(0, FieldProblem(("body", "email"), "'email' is not a valid email address."))
    if isinstance(password, str) and len(password) < MIN_PASSWORD:
        problems.append(
            FieldProblem(("body", "password"), f"'password' must be at least {MIN_PASSWORD} characters long.")
        )
    elif isinstance(password, str) and len(password) > MAX_PASSWORD:
        problems.append(
            FieldProblem(("body", "password"), f"'password' must be at most {MAX_PASSWORD} characters long.")
        )
    clean_email = email.strip().lower() if isinstance(email, str) else ""
    return clean_email, password if isinstance(password, str) else "", problems


class LatticeShape(Protocol):
    """How a dialect names a lattice's size in its requests and answers."""

    def read(self, item: dict[str, Any]) -> tuple[list[int] | None, list[FieldProblem]]:
        """The dimensions in ``item`` (None when unreadable) and what is wrong with them."""

    def render(self, dimensions: list[int]) -> dict[str, Any]:
        """The size fields of an answer."""


class DimensionList:
    """``"dimensions": [n1, n2, ...]``: 1 to 4 sizes of 1 to 1000."""

    def read(self, item: dict[str, Any]) -> tuple[list[int] | None, list[FieldProblem]]:
        """See :class:`LatticeShape`."""
        dims = int_list(item.get("dimensions"))
        loc = ("body", "dimensions")
        if dims is None:
            return None, [FieldProblem(loc, "'dimensions' is required and must be a list of integers.", "list_type")]
        if not 1 <= len(dims) <= MAX_DIMENSIONS:
            return dims, [FieldProblem(loc, f"'dimensions' must have 1 to {MAX_DIMENSIONS} entries, got {len(dims)}.")]
        if any(not 1 <= n <= MAX_SIZE for n in dims):
            return dims, [FieldProblem(loc, f"every dimension must be between 1 and {MAX_SIZE}.")]
        return dims, []

    def render(self, dimensions: list[int]) -> dict[str, Any]:
        """See :class:`LatticeShape`."""
        return {"dimensions": dimensions}


class RankAndSize:
    """``"rank": r, "size": n``: a hypercube of ``r`` (1 to 4) dimensions of ``n`` (1 to 1000) cells each."""

    def read(self, item: dict[str, Any]) -> tuple[list[int] | None, list[FieldProblem]]:
        """See :class:`LatticeShape`."""
        problems = []
        for name, top in (("rank", MAX_DIMENSIONS), ("size", MAX_SIZE)):
            value = item.get(name)
            loc = ("body", name)
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append(FieldProblem(loc, f"'{name}' is required and must be an integer.", "int_type"))
            elif not 1 <= value <= top:
                problems.append(FieldProblem(loc, f"'{name}' must be between 1 and {top}."))
        if problems:
            return None, problems
        return [item["size"]] * item["rank"], []

    def render(self, dimensions: list[int]) -> dict[str, Any]:
        """See :class:`LatticeShape`."""
        return {"rank": len(dimensions), "size": dimensions[0] if dimensions else 0}


DIMENSIONS = DimensionList()
RANK_AND_SIZE = RankAndSize()


@dataclass(frozen=True)
class LatticeSpec:
    """A lattice as sent by a client, after structural checks."""

    name: Any
    dimensions: list[int]
    blocked: list[list[int]]

    @property
    def cells(self) -> int:
        """Number of cells."""
        total = 1
        for n in self.dimensions:
            total *= n
        return total


def _name_problem(name: Any, faults: Faults) -> FieldProblem | None:
    loc = ("body", "name")
    if not isinstance(name, str):
        return FieldProblem(loc, "'name' is required and must be a string.", "string_type")
    if not name.strip() and not faults.on("lattice_accepts_invalid"):
        return FieldProblem(loc, "'name' must not be empty.")
    if len(name) > MAX_NAME:
        return FieldProblem(loc, f"'name' must be at most {MAX_NAME} characters long.")
    return None


def lattice_problems(
    item: Any, max_cells: int, faults: Faults, shape: LatticeShape = DIMENSIONS
) -> tuple[LatticeSpec | None, list[FieldProblem]]:
    """Parse and validate one lattice; returns the spec (when well-formed) and the problems."""
    if not isinstance(item, dict):
        return None, [FieldProblem(("body",), "a lattice must be a JSON object with its name, size and blocked cells.")]
    name = item.get("name")
    name_problem = _name_problem(name, faults)
    problems = [name_problem] if name_problem else []
    dims, size_problems = shape.read(item)
    problems += size_problems
    raw_blocked = item.get("blocked")
    if raw_blocked is None:
        raw_blocked = []
    blocked: list[list[int]] | None = None
    if not isinstance(raw_blocked, list) or any(int_list(c) is None for c in raw_blocked):
        problems.append(
            FieldProblem(
                ("body", "blocked"), "'blocked' must be a list of cells, each a list of integers.", "list_type"
            )
        )
    else:
        blocked = [list(c) for c in raw_blocked]
    if dims is None or blocked is None or (problems and not isinstance(name, str)):
        return None, problems
    spec = LatticeSpec(name=name, dimensions=dims, blocked=blocked)
    if not size_problems:
        loc = ("body", "blocked")
        if spec.cells > max_cells:
            problems.append(
                FieldProblem(("body",), f"the lattice has {spec.cells} cells; your plan allows at most {max_cells}.")
            )
        elif len(blocked) > spec.cells:
            problems.append(FieldProblem(loc, "'blocked' lists more cells than the lattice has."))
        elif not faults.on("lattice_accepts_invalid"):
            bad = next((c for c in blocked if not in_bounds(c, dims)), None)
            if bad is not None:
                problems.append(
                    FieldProblem(loc, f"blocked cell {bad} is outside the lattice {dims} or has the wrong dimension.")
                )
    return spec, problems


def cell_problem(label: str, cell: Any, dims: Sequence[int], blocked: set[tuple[int, ...]]) -> FieldProblem | None:
    """Why ``cell`` (the body's field ``label``) cannot be a path endpoint, or None."""
    coords = int_list(cell)
    loc = ("body", label)
    if coords is None:
        return FieldProblem(loc, f"'{label}' is required and must be a list of integers.", "list_type")
    if len(coords) != len(dims):
        return FieldProblem(loc, f"'{label}' has {len(coords)} coordinates; the lattice has {len(dims)} dimensions.")
    if not in_bounds(coords, dims):
        return FieldProblem(loc, f"'{label}' {coords} is outside the lattice {list(dims)}.")
    if tuple(coords) in blocked:
        return FieldProblem(loc, f"'{label}' {coords} is a blocked cell.")
    return None
