"""The profile's transforms: rank and edge, vertex indices, found and distance derived from the path."""

from __future__ import annotations

import pytest

from libraries.SmokeLibrary.workflows.shapes import ShapeKeywords, cell_of, cubic_size, path_answer, vertex_index

pytestmark = pytest.mark.unit


def test_vertex_indices_are_row_major_and_invert_to_cells() -> None:
    dims = [3, 3, 3]
    assert vertex_index([0, 0, 0], dims) == 0
    assert vertex_index([0, 0, 2], dims) == 2
    assert vertex_index([1, 0, 0], dims) == 9
    assert [cell_of(index, dims) for index in (0, 2, 9, 26)] == [[0, 0, 0], [0, 0, 2], [1, 0, 0], [2, 2, 2]]
    assert cell_of(27, dims) == [3, 0, 0]  # past the lattice: a cell outside it, which the path check names


def test_rank_and_edge_of_a_cubic_lattice_and_invalid_values_passed_on() -> None:
    assert cubic_size([5, 5]) == (2, 5)
    assert cubic_size("three by three") == ("three by three", "three by three")
    with pytest.raises(AssertionError, match=r"\[4, 3\] are not all equal"):
        cubic_size([4, 3])
    values = ShapeKeywords().lattice_values_for_templates({"name": "x", "dimensions": [4, 3], "blocked": []})
    assert "rank" not in values and values["dimensions"] == [4, 3]


LEAN_PATH = {
    "read": {"path": "$.path", "distance": "$.distance"},
    "transform": {"path": "vertex-indices", "found": "derived"},
}


def test_a_path_of_vertex_indices_without_found_reads_as_cells() -> None:
    found, cells, distance = path_answer({"path": [0, 1, 2], "distance": 2.0}, LEAN_PATH, "find_path", [3, 3])
    assert (found, cells, distance) == (True, [[0, 0], [0, 1], [0, 2]], 2.0)
    assert path_answer({"path": [], "distance": None}, LEAN_PATH, "find_path", [3, 3]) == (False, [], None)


def test_a_distance_may_be_derived_too() -> None:
    operation = {"read": {"path": "$.route"}, "transform": {"found": "derived", "distance": "derived"}}
    assert path_answer({"route": [[0, 0], [0, 1]]}, operation, "find_path", [2, 2]) == (True, [[0, 0], [0, 1]], 1)


def test_path_request_values_give_cells_and_indices() -> None:
    values = ShapeKeywords().path_values_for_templates([0, 0], [4, 0], [5, 5], id="L1")
    assert values == {"id": "L1", "start": [0, 0], "end": [4, 0], "start_index": 0, "end_index": 20}


def test_a_lattice_read_back_as_rank_and_edge() -> None:
    operations = {
        "read_lattice": {
            "read": {"name": "$.name", "rank": "$.rank", "edge": "$.size", "blocked": "$.blocked"},
            "transform": {"dimensions": "rank-and-edge"},
        }
    }
    body = {"name": "n", "rank": 2, "size": 5, "blocked": []}
    read = ShapeKeywords().lattice_read_from(body, operations, "read_lattice", "name", "dimensions", "blocked")
    assert read == {"name": "n", "dimensions": [5, 5], "blocked": []}
    with pytest.raises(AssertionError, match=r"Read rank of read_lattice': the answer holds nothing at \$.rank"):
        ShapeKeywords().lattice_read_from({"name": "n"}, operations, "read_lattice", "dimensions")


def test_a_distance_given_as_a_float_is_named_as_a_whole_number() -> None:
    from libraries.SmokeLibrary.workflows.paths import path_problems

    assert path_problems(True, [[0, 0], [0, 1]], 1.0, [2, 2], [], [0, 0], [0, 1]) == []
    assert path_problems(True, [[0, 0], [0, 1]], 2.0, [2, 2], [], [0, 0], [0, 1]) == [
        "'distance' is 2 but the path has 2 cells (expected 1)"
    ]
