"""Independent verification of shortest paths on n-dimensional lattices.

The suite never trusts the API's own claim that a path is shortest: it checks every step and
compares the distance with a breadth-first search of its own, written here without looking at
the service's implementation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

Cell = tuple[int, ...]


def _cell(value: Iterable[Any]) -> Cell:
    return tuple(int(c) for c in value)


def in_bounds(cell: Sequence[int], dimensions: Sequence[int]) -> bool:
    """Whether ``cell`` has the lattice's dimension and lies inside it."""
    return len(cell) == len(dimensions) and all(0 <= c < n for c, n in zip(cell, dimensions))


def neighbours(cell: Cell, dimensions: Sequence[int]) -> list[Cell]:
    """The in-bounds cells that differ from ``cell`` by one in exactly one coordinate."""
    result = []
    for axis, size in enumerate(dimensions):
        for delta in (-1, 1):
            value = cell[axis] + delta
            if 0 <= value < size:
                result.append((*cell[:axis], value, *cell[axis + 1 :]))
    return result


def are_neighbours(first: Sequence[int], second: Sequence[int]) -> bool:
    """Whether two cells of the same dimension differ by exactly one in exactly one coordinate."""
    if len(first) != len(second):
        return False
    return sum(abs(a - b) for a, b in zip(first, second)) == 1


def shortest_distance(
    dimensions: Sequence[int], blocked: Iterable[Sequence[int]], start: Sequence[int], end: Sequence[int]
) -> int | None:
    """Length in steps of a shortest path from ``start`` to ``end``, or ``None`` when unreachable.

    Plain breadth-first search with unit step cost; ``blocked`` cells can never be entered.
    """
    dims = [int(n) for n in dimensions]
    walls = {_cell(c) for c in blocked}
    source, target = _cell(start), _cell(end)
    for cell in (source, target):
        if not in_bounds(cell, dims) or cell in walls:
            return None
    distances: dict[Cell, int] = {source: 0}
    queue: deque[Cell] = deque([source])
    while queue:
        cell = queue.popleft()
        if cell == target:
            return distances[cell]
        for nb in neighbours(cell, dims):
            if nb not in distances and nb not in walls:
                distances[nb] = distances[cell] + 1
                queue.append(nb)
    return None


def path_problems(
    found: Any,
    path: Any,
    distance: Any,
    dimensions: Sequence[int],
    blocked: Iterable[Sequence[int]],
    start: Sequence[int],
    end: Sequence[int],
) -> list[str]:
    """Every way in which a pathfinding answer (``found``, the cells of ``path``, ``distance``) is not a
    shortest path; empty when it is one."""
    problems: list[str] = []
    dims = [int(n) for n in dimensions]
    walls = {_cell(c) for c in blocked}
    if found is not True:
        return [f"'found' is {found!r}, expected true"]
    if not isinstance(path, list) or not path:
        return [f"'path' is {path!r}, expected a non-empty list of cells"]
    try:
        cells = [_cell(c) for c in path]
    except (TypeError, ValueError):
        return [f"'path' is not a list of integer coordinates: {path!r:.200}"]
    if cells[0] != _cell(start):
        problems.append(f"the path starts at {list(cells[0])}, expected {list(start)}")
    if cells[-1] != _cell(end):
        problems.append(f"the path ends at {list(cells[-1])}, expected {list(end)}")
    outside = [list(c) for c in cells if not in_bounds(c, dims)]
    if outside:
        problems.append(f"the path leaves the lattice {dims} at {outside[:5]}")
    entered = [list(c) for c in cells if c in walls]
    if entered:
        problems.append(f"the path enters blocked cells {entered[:5]}")
    jumps = [
        f"{list(a)} -> {list(b)} (step {i + 1})"
        for i, (a, b) in enumerate(zip(cells, cells[1:]))
        if not are_neighbours(a, b)
    ]
    if jumps:
        problems.append(f"not every step goes to a neighbour: {', '.join(jumps[:5])}")
    if distance != len(cells) - 1:
        shown = int(distance) if isinstance(distance, float) and distance.is_integer() else distance
        problems.append(f"'distance' is {shown!r} but the path has {len(cells)} cells (expected {len(cells) - 1})")
    shortest = shortest_distance(dims, walls, start, end)
    if shortest is None:
        problems.append("a path was returned but the lattice has none between these cells")
    elif len(cells) - 1 != shortest:
        problems.append(f"the path takes {len(cells) - 1} steps but the shortest path takes {shortest}")
    return problems


class PathKeywords:
    """Keywords that verify pathfinding results against the suite's own breadth-first search."""

    @keyword("Shortest Distance On Lattice")
    def shortest_distance_on_lattice(
        self, dimensions: list[int], blocked: list[list[int]], start: list[int], end: list[int]
    ) -> int | None:
        """Returns the number of steps of a shortest path, computed by the library itself; ``None`` if unreachable.

        ``dimensions`` is the lattice's size per axis, ``blocked`` its walls; ``start`` and ``end``
        are cells (lists of coordinates).

        | ${steps} =    Shortest Distance On Lattice    ${{[5, 5]}}    ${walls}    ${{[0, 0]}}    ${{[4, 0]}}
        """
        distance = shortest_distance(dimensions, blocked or [], start, end)
        logger.info(f"Breadth-first search from {start} to {end} on {dimensions}: {distance} steps")
        return distance

    @keyword("Path Should Be Shortest")
    def path_should_be_shortest(
        self,
        found: Any,
        path: Any,
        distance: Any,
        dimensions: list[int],
        blocked: list[list[int]],
        start: list[int],
        end: list[int],
        expected_distance: int | None = None,
        lattice: str = "",
    ) -> None:
        """Fails unless the pathfinding answer (``found``, ``path``, ``distance``) is a shortest path.

        The lattice has ``dimensions`` and the walls ``blocked``. Checks that ``found`` is true,
        that the path starts at ``start`` and ends at ``end``, that every step goes to a neighbour
        inside the lattice, that no blocked cell is entered, that ``distance`` is the number of
        steps, and that the number of steps equals the shortest distance found by the library's
        own breadth-first search (and ``expected_distance`` when given: the fixture's known
        answer). ``lattice`` names the lattice in the failure message.

        | Path Should Be Shortest    ${found}    ${cells}    ${steps}    ${dims}    ${walls}    ${start}    ${end}    12
        """
        if expected_distance is not None:
            own = shortest_distance(dimensions, blocked or [], start, end)
            if own != expected_distance:
                raise AssertionError(
                    f"Lattice fixture '{lattice}' is wrong: its known shortest distance is "
                    f"{expected_distance} but breadth-first search finds {own}"
                )
        problems = path_problems(found, path, distance, dimensions, blocked or [], start, end)
        if problems:
            raise AssertionError(
                f"Path from {start} to {end} on lattice '{lattice}' {list(dimensions)} is not a valid shortest "
                f"path: {'; '.join(problems)}"
            )
        logger.info(f"Path from {start} to {end} is a shortest path of {distance} steps")

    @keyword("Path Should Not Be Found")
    def path_should_not_be_found(
        self,
        found: Any,
        path: Any,
        distance: Any,
        dimensions: list[int],
        blocked: list[list[int]],
        start: list[int],
        end: list[int],
        lattice: str = "",
    ) -> None:
        """Fails unless the answer says ``found`` false with an empty ``path`` and no ``distance``.

        Also confirms with the library's own search that the lattice (``dimensions``, walls
        ``blocked``) really has no path from ``start`` to ``end``, so a wrong fixture cannot pass as
        an API bug. ``lattice`` names the lattice in the failure message.

        | Path Should Not Be Found    ${found}    ${cells}    ${steps}    ${dims}    ${walls}    ${start}    ${end}
        """
        own = shortest_distance(dimensions, blocked or [], start, end)
        if own is not None:
            raise AssertionError(
                f"Lattice fixture '{lattice}' is wrong: breadth-first search finds a path of {own} steps"
            )
        if found is not False or path not in ([], None) or distance is not None:
            raise AssertionError(
                f"Expected no path from {start} to {end} on lattice '{lattice}' "
                f"(found: false, path: [], distance: null), but the API answered found={found!r}, "
                f"distance={distance!r}, path={str(path)[:200]}"
            )
