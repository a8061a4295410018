"""The library's own path verification: breadth-first search and every way a path can be wrong."""

from __future__ import annotations

import random
from typing import Any

import pytest

from libraries.SmokeLibrary.workflows.paths import PathKeywords, path_problems, shortest_distance
from reference_api.pathfinding import shortest_path as reference_shortest_path

pytestmark = pytest.mark.unit

WALL_2D = {"name": "wall", "dimensions": [5, 5], "blocked": [[2, 0], [2, 1], [2, 2], [2, 3]]}
WALL_2D_PATH = [[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [1, 4], [2, 4], [3, 4], [4, 4], [4, 3], [4, 2], [4, 1], [4, 0]]


def result(path: list[list[int]], distance: Any = None) -> dict[str, Any]:
    return {"found": True, "path": path, "distance": len(path) - 1 if distance is None else distance}


@pytest.mark.parametrize(
    ("lattice", "start", "end", "expected"),
    [
        ("LATTICE_2D", "LATTICE_2D_START", "LATTICE_2D_END", "LATTICE_2D_SHORTEST"),
        ("LATTICE_3D", "LATTICE_3D_START", "LATTICE_3D_END", "LATTICE_3D_SHORTEST"),
    ],
)
def test_fixtures_have_their_documented_shortest_distance(
    workflow_variables: dict[str, Any], lattice: str, start: str, end: str, expected: str
) -> None:
    v = workflow_variables
    distance = shortest_distance(v[lattice]["dimensions"], v[lattice]["blocked"], v[start], v[end])
    assert distance == v[expected]
    # the walls matter: without them the way is much shorter, so ignoring them is detectable
    assert shortest_distance(v[lattice]["dimensions"], [], v[start], v[end]) < distance


def test_walled_fixture_has_no_path(workflow_variables: dict[str, Any]) -> None:
    v = workflow_variables
    lattice = v["LATTICE_WALLED"]
    assert (
        shortest_distance(lattice["dimensions"], lattice["blocked"], v["LATTICE_WALLED_START"], v["LATTICE_WALLED_END"])
        is None
    )
    assert shortest_distance(lattice["dimensions"], [], v["LATTICE_WALLED_START"], v["LATTICE_WALLED_END"]) == 4


def test_bulk_template_path_is_reachable(workflow_variables: dict[str, Any]) -> None:
    v = workflow_variables
    template = v["BULK_LATTICE_TEMPLATE"]
    assert shortest_distance(template["dimensions"], template["blocked"], v["BULK_PATH_START"], v["BULK_PATH_END"]) == 6


def test_bfs_handles_trivial_and_blocked_endpoints() -> None:
    assert shortest_distance([3], [], [1], [1]) == 0
    assert shortest_distance([3], [], [0], [2]) == 2
    assert shortest_distance([3, 3], [[1, 1]], [1, 1], [0, 0]) is None
    assert shortest_distance([3, 3], [], [0, 0], [3, 0]) is None
    assert shortest_distance([2, 2, 2, 2], [], [0, 0, 0, 0], [1, 1, 1, 1]) == 4


def answer_of(answer: dict[str, Any]) -> tuple[Any, Any, Any]:
    """found, path and distance of an answer shaped like the contract's."""
    return answer.get("found"), answer.get("path"), answer.get("distance")


def lattice_of(lattice: dict[str, Any]) -> tuple[Any, Any]:
    return lattice["dimensions"], lattice["blocked"]


@pytest.mark.parametrize("seed", range(40))
def test_bfs_agrees_with_an_independent_implementation_on_random_lattices(seed: int) -> None:
    rng = random.Random(seed)
    dims = [rng.randint(1, 6) for _ in range(rng.choice([2, 3]))]
    cells = [[rng.randrange(n) for n in dims] for _ in range(rng.randint(0, 25))]
    start = [rng.randrange(n) for n in dims]
    end = [rng.randrange(n) for n in dims]
    blocked = [c for c in cells if c not in (start, end)]
    reference = reference_shortest_path(dims, blocked, start, end).path
    assert shortest_distance(dims, blocked, start, end) == (None if reference is None else len(reference) - 1)


def test_a_correct_shortest_path_has_no_problems() -> None:
    assert (
        path_problems(*answer_of(result(WALL_2D_PATH)), WALL_2D["dimensions"], WALL_2D["blocked"], [0, 0], [4, 0]) == []
    )


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (result(WALL_2D_PATH[1:]), "starts at [0, 1]"),
        (result(WALL_2D_PATH[:-1]), "ends at [4, 1]"),
        (result([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]), "enters blocked cells [[2, 0]]"),
        (result([[0, 0], [0, 4], [4, 4], [4, 0]]), "not every step goes to a neighbour"),
        (result(WALL_2D_PATH, distance=13), "'distance' is 13 but the path has 13 cells"),
        (
            result([*WALL_2D_PATH[:6], [1, 3], [1, 4], *WALL_2D_PATH[6:]]),
            "takes 14 steps but the shortest path takes 12",
        ),
        (result([[0, 0], [-1, 0], [0, 0], *WALL_2D_PATH[1:]]), "leaves the lattice"),
        ({"found": False, "path": [], "distance": None}, "'found' is False, expected true"),
        ({"found": True, "path": "nope", "distance": 1}, "expected a non-empty list of cells"),
    ],
)
def test_each_kind_of_wrong_path_is_named(answer: dict[str, Any], problem: str) -> None:
    problems = path_problems(*answer_of(answer), WALL_2D["dimensions"], WALL_2D["blocked"], [0, 0], [4, 0])
    assert any(problem in p for p in problems), problems


def test_path_should_be_shortest_fails_with_the_step_and_the_problem() -> None:
    keywords = PathKeywords()
    keywords.path_should_be_shortest(
        *answer_of(result(WALL_2D_PATH)), *lattice_of(WALL_2D), [0, 0], [4, 0], 12, lattice="wall"
    )
    with pytest.raises(
        AssertionError, match=r"on lattice 'wall' \[5, 5\] is not a valid shortest path: .*enters blocked"
    ):
        keywords.path_should_be_shortest(
            *answer_of(result([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]])),
            *lattice_of(WALL_2D),
            [0, 0],
            [4, 0],
            lattice="wall",
        )


def test_path_should_be_shortest_rejects_a_wrong_fixture_distance() -> None:
    with pytest.raises(AssertionError, match="fixture 'wall' is wrong"):
        PathKeywords().path_should_be_shortest(
            *answer_of(result(WALL_2D_PATH)), *lattice_of(WALL_2D), [0, 0], [4, 0], 4, lattice="wall"
        )


def test_path_should_not_be_found() -> None:
    walled = {"name": "walled", "dimensions": [3, 3], "blocked": [[1, 2], [2, 1]]}
    keywords = PathKeywords()
    keywords.path_should_not_be_found(False, [], None, *lattice_of(walled), [0, 0], [2, 2], lattice="walled")
    with pytest.raises(AssertionError, match="Expected no path"):
        keywords.path_should_not_be_found(
            *answer_of(result([[0, 0], [1, 0], [2, 0], [2, 1], [2, 2]])), *lattice_of(walled), [0, 0], [2, 2]
        )
    with pytest.raises(AssertionError, match="fixture 'open' is wrong"):
        keywords.path_should_not_be_found(False, [], None, [3, 3], [], [0, 0], [2, 2], lattice="open")
