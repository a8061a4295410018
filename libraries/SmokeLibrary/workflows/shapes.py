"""The transform vocabulary of a profile: lattice fixtures written once, in the contract's terms,
turned into what an API sends and answers.

* Lattice size: fixtures give ``dimensions`` (a list of sizes); a body template may also use
  ``{rank}`` and ``{edge}`` (a cubic lattice: rank = number of dimensions, edge = their size), and
  an answer may give ``rank`` and ``edge`` (``transform: {dimensions: rank-and-edge}``).
* Path ends: ``{start}``/``{end}`` are cells; ``{start_index}``/``{end_index}`` the same cells as
  vertex indices, row-major on the lattice's dimensions.
* A path answer: ``path`` as cells (default) or ``vertex-indices`` (turned into cells with the
  lattice's dimensions); ``found`` read or ``derived`` (a non-empty path); ``distance`` read or
  ``derived`` (the number of steps of the path).

Nothing here knows an API: the names are the suite's (what ``read`` and the templates call a
value), the transforms are named by the profile.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..masking import values_at
from ..profiles import OperationsMap, mapped_operation, nothing_at, read_location

CELLS = "cells"
VERTEX_INDICES = "vertex-indices"
DERIVED = "derived"
RANK_AND_EDGE = "rank-and-edge"


def cubic_size(dimensions: Any) -> tuple[Any, Any]:
    """``(rank, edge)`` of a cubic lattice's ``dimensions``; an invalid value stays as it is in both.

    A fixture that is not valid (``"three by three"``) must still reach the API as invalid, so it is
    passed on unchanged; a valid lattice that is not cubic cannot be sent as rank and edge.
    """
    if not isinstance(dimensions, (list, tuple)) or not dimensions:
        return dimensions, dimensions
    if not all(isinstance(size, int) and not isinstance(size, bool) for size in dimensions):
        return dimensions, dimensions
    if len(set(dimensions)) != 1:
        raise AssertionError(
            f"The lattice's dimensions {list(dimensions)} are not all equal: rank and edge cannot express them"
        )
    return len(dimensions), dimensions[0]


def vertex_index(cell: Sequence[int], dimensions: Sequence[int]) -> int:
    """The row-major index of ``cell`` on a lattice of ``dimensions`` (the last coordinate varies fastest)."""
    index = 0
    for coordinate, size in zip(cell, dimensions):
        index = index * int(size) + int(coordinate)
    return index


def cell_of(index: int, dimensions: Sequence[int]) -> list[int]:
    """The cell of row-major vertex ``index``; an index past the lattice gives a cell outside it."""
    cell = []
    rest = int(index)
    for size in reversed([int(size) for size in dimensions[1:]]):
        rest, coordinate = divmod(rest, size)
        cell.append(coordinate)
    cell.append(rest)
    return list(reversed(cell))


def _transform(operation: Mapping[str, Any], value: str) -> str:
    transform = operation.get("transform")
    return str(transform.get(value, "")) if isinstance(transform, Mapping) else ""


def _first(body: Any, operation: Mapping[str, Any], name: str, what: str) -> Any:
    found = values_at(body, read_location(operation, name, what, {}))
    return found[0] if found else None


def path_answer(body: Any, operation: Mapping[str, Any], name: str, dimensions: Sequence[int]) -> tuple[Any, Any, Any]:
    """``(found, path as cells, distance)`` of a path answer, transformed as ``operation`` says."""
    path = _first(body, operation, name, "path")
    if _transform(operation, "path") == VERTEX_INDICES and isinstance(path, list):
        path = [
            cell_of(item, dimensions) if isinstance(item, int) and not isinstance(item, bool) else item for item in path
        ]
    if _transform(operation, "found") == DERIVED:
        found: Any = isinstance(path, list) and bool(path)
    else:
        found = _first(body, operation, name, "found")
    if _transform(operation, "distance") == DERIVED:
        distance: Any = len(path) - 1 if isinstance(path, list) and path else None
    else:
        distance = _first(body, operation, name, "distance")
    return found, path, distance


class ShapeKeywords:
    """Keywords that turn fixtures into request values and answers into the suite's values."""

    @keyword("Lattice Values For Templates")
    def lattice_values_for_templates(self, lattice: Mapping[str, Any]) -> dict[str, Any]:
        """Returns the values of ``lattice`` (a fixture: name, dimensions, blocked) for a body template,
        with ``rank`` and ``edge`` besides ``dimensions``.

        | ${values} =    Lattice Values For Templates    ${LATTICE_2D}
        """
        values = dict(lattice)
        # a lattice that is not cubic has no rank and edge: only a template that uses them fails, naming them
        with contextlib.suppress(AssertionError):
            values["rank"], values["edge"] = cubic_size(lattice.get("dimensions"))
        return values

    @keyword("Path Values For Templates")
    def path_values_for_templates(
        self, start: Sequence[int], end: Sequence[int], dimensions: Sequence[int], **values: Any
    ) -> dict[str, Any]:
        """Returns the values of a path request from ``start`` to ``end`` on a lattice of ``dimensions``:
        ``start`` and ``end`` as cells, ``start_index`` and ``end_index`` as row-major vertex indices,
        and ``values`` besides (``id=``).

        | ${values} =    Path Values For Templates    ${start}    ${end}    ${lattice}[dimensions]    id=${id}
        """
        return {
            **values,
            "start": list(start),
            "end": list(end),
            "start_index": vertex_index(start, dimensions),
            "end_index": vertex_index(end, dimensions),
        }

    @keyword("Path Answer Of")
    def path_answer_of(
        self, body: Any, operations: OperationsMap, name: str, dimensions: Sequence[int]
    ) -> tuple[Any, Any, Any]:
        """Returns ``found``, the path as cells and ``distance`` of ``body``, an answer of operation
        ``name`` on a lattice of ``dimensions``, as the profile's ``operations`` read and transform them.

        A value the profile reads but the answer lacks is ``None`` (the profile's ``fields`` say
        what a successful answer must hold).

        | ${found}    ${cells}    ${distance} =    Path Answer Of    ${answer}    ${OPERATIONS}    find_path    ${dims}
        """
        operation = mapped_operation(operations, "", name)
        found, path, distance = path_answer(body, operation, name, dimensions)
        logger.info(f"Path answer read as found={found!r}, distance={distance!r}, {len(path or [])} cells")
        return found, path, distance

    @keyword("Lattice Read From")
    def lattice_read_from(self, body: Any, operations: OperationsMap, name: str, *what: str) -> dict[str, Any]:
        """Returns the values ``what`` (name, dimensions, blocked...) of ``body``, an answer of
        operation ``name``, where the profile's ``operations`` read them; ``dimensions`` from ``rank``
        and ``edge`` when the profile says ``transform: {dimensions: rank-and-edge}``.

        Fails, naming the place and the answer's keys, when a value is not there.

        | ${read} =    Lattice Read From    ${stored}    ${OPERATIONS}    read_lattice    name    dimensions    blocked
        """
        operation = mapped_operation(operations, "", name)
        read: dict[str, Any] = {}
        for item in what:
            if item == "dimensions" and _transform(operation, "dimensions") == RANK_AND_EDGE:
                rank, edge = (self._required(body, operation, name, part) for part in ("rank", "edge"))
                read[item] = [edge] * rank if isinstance(rank, int) and rank >= 0 else f"rank {rank!r}, edge {edge!r}"
            else:
                read[item] = self._required(body, operation, name, item)
        return read

    @staticmethod
    def _required(body: Any, operation: Mapping[str, Any], name: str, what: str) -> Any:
        location = read_location(operation, name, what, {})
        found = values_at(body, location)
        if not found:
            raise nothing_at(f"Read {what} of {name}", body, [location])
        return found[0]


__all__ = ["ShapeKeywords", "cell_of", "cubic_size", "path_answer", "vertex_index"]
