"""Small validators for JSON bodies, producing human-readable messages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .faults import Faults
from .pathfinding import in_bounds
from .problems import ProblemError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_NAME = 100
MAX_DIMENSIONS = 4
MAX_SIZE = 1000


def require_object(payload: Any) -> dict[str, Any]:
    """``payload`` if it is a JSON object, else 422."""
    if not isinstance(payload, dict):
        raise ProblemError(422, "The request body must be a JSON object.")
    return payload


def is_int(value: Any) -> bool:
    """A JSON integer (booleans excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def int_list(value: Any) -> list[int] | None:
    """``value`` as a list of integers, or None if it is not one."""
    if isinstance(value, list) and all(is_int(v) for v in value):
        return list(value)
    return None


def credentials_problems(body: Any) -> tuple[str, str, list[str]]:
    """``(email, password, problems)`` of a register body."""
    if not isinstance(body, dict):
        return "", "", ["The request body must be a JSON object with 'email' and 'password'."]
    email, password = body.get("email"), body.get("password")
    problems: list[str] = []
    if not isinstance(email, str) or not email.strip():
        problems.append("'email' is required and must be a string.")
    elif len(email) > 254 or not EMAIL_RE.match(email.strip()):
        problems.append("'email' is not a valid email address.")
    if not isinstance(password, str):
        problems.append("'password' is required and must be a string.")
    elif len(password) < MIN_PASSWORD:
        problems.append(f"'password' must be at least {MIN_PASSWORD} characters long.")
    elif len(password) > MAX_PASSWORD:
        problems.append(f"'password' must be at most {MAX_PASSWORD} characters long.")
    clean_email = email.strip().lower() if isinstance(email, str) else ""
    return clean_email, password if isinstance(password, str) else "", problems


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


def lattice_problems(item: Any, max_cells: int, faults: Faults) -> tuple[LatticeSpec | None, list[str]]:
    """Parse and validate one lattice; returns the spec (when well-formed) and the problems."""
    if not isinstance(item, dict):
        return None, ["a lattice must be a JSON object with 'name', 'dimensions' and 'blocked'."]
    problems: list[str] = []
    name = item.get("name")
    if not isinstance(name, str):
        problems.append("'name' is required and must be a string.")
    elif not name.strip() and not faults.on("lattice_accepts_invalid"):
        problems.append("'name' must not be empty.")
    elif len(name) > MAX_NAME:
        problems.append(f"'name' must be at most {MAX_NAME} characters long.")
    dims = int_list(item.get("dimensions"))
    if dims is None:
        problems.append("'dimensions' is required and must be a list of integers.")
    elif not 1 <= len(dims) <= MAX_DIMENSIONS:
        problems.append(f"'dimensions' must have 1 to {MAX_DIMENSIONS} entries, got {len(dims)}.")
    elif any(not 1 <= n <= MAX_SIZE for n in dims):
        problems.append(f"every dimension must be between 1 and {MAX_SIZE}.")
    raw_blocked = item.get("blocked", [])
    blocked: list[list[int]] | None = None
    if raw_blocked is None:
        raw_blocked = []
    if not isinstance(raw_blocked, list) or any(int_list(c) is None for c in raw_blocked):
        problems.append("'blocked' must be a list of cells, each a list of integers.")
    else:
        blocked = [list(c) for c in raw_blocked]
    if dims is None or blocked is None or (problems and not isinstance(name, str)):
        return None, problems
    spec = LatticeSpec(name=name, dimensions=dims, blocked=blocked)
    if not any(p.startswith(("'dimensions'", "every dimension")) for p in problems):
        if spec.cells > max_cells:
            problems.append(f"the lattice has {spec.cells} cells; your plan allows at most {max_cells}.")
        elif len(blocked) > spec.cells:
            problems.append("'blocked' lists more cells than the lattice has.")
        elif not faults.on("lattice_accepts_invalid"):
            bad = next((c for c in blocked if not in_bounds(c, dims)), None)
            if bad is not None:
                problems.append(f"blocked cell {bad} is outside the lattice {dims} or has the wrong dimension.")
    return spec, problems


def cell_problems(label: str, cell: Any, dims: Sequence[int], blocked: set[tuple[int, ...]]) -> str | None:
    """Why ``cell`` cannot be a path endpoint, or None."""
    coords = int_list(cell)
    if coords is None:
        return f"'{label}' is required and must be a list of integers."
    if len(coords) != len(dims):
        return f"'{label}' has {len(coords)} coordinates; the lattice has {len(dims)} dimensions."
    if not in_bounds(coords, dims):
        return f"'{label}' {coords} is outside the lattice {list(dims)}."
    if tuple(coords) in blocked:
        return f"'{label}' {coords} is a blocked cell."
    return None
