"""Breadth-first search for shortest paths on n-dimensional hypercubic lattices.

Neighbours differ by +-1 in exactly one coordinate; every step costs 1. The search runs on
flat indices of a grid padded by one blocked cell on each side of every axis (size-1 axes are
dropped first), so neighbour tests need no bounds checks.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Coord = tuple[int, ...]


@dataclass(frozen=True)
class PathResult:
    """A shortest path (start and end included) or ``None`` when unreachable."""

    path: list[list[int]] | None


def in_bounds(cell: Sequence[int], dims: Sequence[int]) -> bool:
    """Whether ``cell`` has the lattice's dimension and lies inside it."""
    return len(cell) == len(dims) and all(0 <= c < n for c, n in zip(cell, dims))


def shortest_path(
    dims: Sequence[int], blocked: Iterable[Sequence[int]], start: Sequence[int], end: Sequence[int]
) -> PathResult:
    """A shortest path from ``start`` to ``end`` avoiding ``blocked`` (cells out of bounds ignored)."""
    if tuple(start) == tuple(end):
        return PathResult([list(start)])
    axes = [k for k, n in enumerate(dims) if n > 1]
    padded = [dims[k] + 2 for k in axes]
    strides: list[int] = []
    stride = 1
    for size in reversed(padded):
        strides.append(stride)
        stride *= size
    strides.reverse()
    total = stride

    def index(cell: Sequence[int]) -> int:
        return sum((cell[k] + 1) * s for k, s in zip(axes, strides))

    seen = bytearray(total)
    for size, s in zip(padded, strides):
        block = size * s
        ones = b"\x01" * s
        for base in range(0, total, block):
            seen[base : base + s] = ones
            seen[base + block - s : base + block] = ones
    for cell in blocked:
        if in_bounds(cell, dims):
            seen[index(cell)] = 1

    source, target = index(start), index(end)
    if seen[target] or seen[source]:
        return PathResult(None)
    parent = array("l", bytes(array("l").itemsize * total))
    offsets = [o for s in strides for o in (s, -s)]
    seen[source] = 1
    frontier = [source]
    found = False
    while frontier and not found:
        nxt: list[int] = []
        append = nxt.append
        for u in frontier:
            for o in offsets:
                v = u + o
                if not seen[v]:
                    seen[v] = 1
                    parent[v] = u
                    if v == target:
                        found = True
                        break
                    append(v)
            if found:
                break
        frontier = nxt
    if not found:
        return PathResult(None)

    flat = [target]
    while flat[-1] != source:
        flat.append(parent[flat[-1]])
    flat.reverse()
    path: list[list[int]] = []
    for i in flat:
        cell = [0] * len(dims)
        for k, s, size in zip(axes, strides, padded):
            cell[k] = (i // s) % size - 1
        path.append(cell)
    return PathResult(path)


def add_detour(path: list[list[int]], dims: Sequence[int], blocked: Iterable[Sequence[int]]) -> list[list[int]]:
    """``path`` with a step aside and back inserted (2 extra steps), when a free neighbour exists.

    Used only by the ``path_not_shortest`` fault: the result is still a valid walk.
    """
    blocked_set = {tuple(c) for c in blocked}
    on_path = {tuple(c) for c in path}
    fallback: tuple[int, list[int]] | None = None
    for i, cell in enumerate(path):
        for k in range(len(dims)):
            for delta in (1, -1):
                nb = list(cell)
                nb[k] += delta
                if not in_bounds(nb, dims) or tuple(nb) in blocked_set:
                    continue
                if tuple(nb) not in on_path:
                    return [*path[: i + 1], nb, list(cell), *path[i + 1 :]]
                if fallback is None:
                    fallback = (i, nb)
    if fallback is not None:
        i, nb = fallback
        return [*path[: i + 1], nb, list(path[i]), *path[i + 1 :]]
    return path
