"""Lattices: CRUD, listing, validation, tenant isolation, bulk operations and pathfinding."""

from __future__ import annotations

import random
import time

import pytest
import requests

from .helpers import User, assert_problem, assert_valid_path, bfs_distance


def create(user: User, **fields: object) -> dict:
    body = {"name": "grid", "dimensions": [5, 5], "blocked": [], **fields}
    answer = user.client.post("/api/v1/lattices", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_get_delete(user: User) -> None:
    created = create(user, name="maze", dimensions=[4, 3], blocked=[[1, 1], [2, 2]])
    assert set(created) >= {"id", "name", "dimensions", "blocked", "created_at"}
    assert created["name"] == "maze" and created["dimensions"] == [4, 3]
    assert created["blocked"] == [[1, 1], [2, 2]]
    fetched = user.client.get(f"/api/v1/lattices/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert user.client.delete(f"/api/v1/lattices/{created['id']}").status_code == 204
    assert_problem(user.client.get(f"/api/v1/lattices/{created['id']}"), 404)
    assert_problem(user.client.delete(f"/api/v1/lattices/{created['id']}"), 404)


def test_listing_is_paginated_and_own_only(user: User, make_user: object) -> None:
    other = make_user()  # type: ignore[operator]
    create(other, name="not yours")
    ids = [create(user, name=f"l{i}")["id"] for i in range(5)]
    everything = user.client.get("/api/v1/lattices").json()
    assert everything["total"] == 5 and [i["id"] for i in everything["items"]] == ids
    page = user.client.get("/api/v1/lattices", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5 and [i["id"] for i in page["items"]] == ids[2:4]
    assert user.client.get("/api/v1/lattices", params={"offset": 10}).json()["items"] == []
    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "many"}):
        assert_problem(user.client.get("/api/v1/lattices", params=params), 422)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "dimensions": [3]},
        {"name": "   ", "dimensions": [3]},
        {"name": "x" * 101, "dimensions": [3]},
        {"dimensions": [3]},
        {"name": "no dims"},
        {"name": "zero dims", "dimensions": []},
        {"name": "five dims", "dimensions": [2, 2, 2, 2, 2]},
        {"name": "too wide", "dimensions": [1001]},
        {"name": "zero size", "dimensions": [0, 3]},
        {"name": "not ints", "dimensions": ["3"]},
        {"name": "too many cells", "dimensions": [1000, 1000, 2]},
        {"name": "blocked outside", "dimensions": [3, 3], "blocked": [[3, 0]]},
        {"name": "blocked negative", "dimensions": [3, 3], "blocked": [[-1, 0]]},
        {"name": "blocked wrong dim", "dimensions": [3, 3], "blocked": [[1]]},
        {"name": "blocked not list", "dimensions": [3, 3], "blocked": "1,1"},
    ],
)
def test_invalid_lattices_are_rejected_and_not_stored(user: User, body: dict) -> None:
    assert_problem(user.client.post("/api/v1/lattices", json=body), 422)
    assert user.client.get("/api/v1/lattices").json()["total"] == 0


def test_malformed_json_is_a_problem(user: User) -> None:
    answer = user.client.post("/api/v1/lattices", data="{'name':", headers={"Content-Type": "application/json"})
    assert_problem(answer, answer.status_code)
    assert answer.status_code in (400, 422)


def test_lattices_require_a_token(anon: object) -> None:
    for method, path in (
        ("GET", "/api/v1/lattices"),
        ("POST", "/api/v1/lattices"),
        ("GET", "/api/v1/lattices/x"),
        ("POST", "/api/v1/lattices/bulk"),
    ):
        answer = anon.request(method, path, json={})  # type: ignore[attr-defined]
        assert_problem(answer, 401)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_tenants_are_isolated(user: User, make_user: object) -> None:
    other = make_user()  # type: ignore[operator]
    mine = create(user, name="private")
    for method, path, body in (
        ("GET", f"/api/v1/lattices/{mine['id']}", None),
        ("DELETE", f"/api/v1/lattices/{mine['id']}", None),
        ("POST", f"/api/v1/lattices/{mine['id']}/pathfind", {"start": [0, 0], "end": [1, 1]}),
    ):
        answer = other.client.request(method, path, json=body)
        assert_problem(answer, 404)
        assert "private" not in answer.text
    assert other.client.post("/api/v1/lattices/bulk-delete", json={"ids": [mine["id"]]}).json() == {"deleted": 0}
    assert user.client.get(f"/api/v1/lattices/{mine['id']}").status_code == 200


def test_bulk_create_and_delete(user: User) -> None:
    items = [{"name": f"b{i}", "dimensions": [3, 3], "blocked": [[1, 1]]} for i in range(10)]
    answer = user.client.post("/api/v1/lattices/bulk", json={"lattices": items})
    assert answer.status_code == 201
    ids = answer.json()["ids"]
    assert len(ids) == 10 and len(set(ids)) == 10
    assert user.client.get("/api/v1/lattices").json()["total"] == 10
    assert user.client.get(f"/api/v1/lattices/{ids[3]}").json()["name"] == "b3"
    deleted = user.client.post("/api/v1/lattices/bulk-delete", json={"ids": [*ids[:4], "unknown-id"]})
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 4}
    assert user.client.get("/api/v1/lattices").json()["total"] == 6
    assert_problem(user.client.post("/api/v1/lattices/bulk-delete", json={"ids": "all"}), 422)


def test_bulk_create_is_all_or_nothing(user: User) -> None:
    items = [{"name": f"ok{i}", "dimensions": [2, 2]} for i in range(5)]
    items.insert(3, {"name": "", "dimensions": [2, 2]})
    assert_problem(user.client.post("/api/v1/lattices/bulk", json={"lattices": items}), 422)
    items[3] = {"name": "bad", "dimensions": [2, 2], "blocked": [[5, 5]]}
    assert_problem(user.client.post("/api/v1/lattices/bulk", json={"lattices": items}), 422)
    assert user.client.get("/api/v1/lattices").json()["total"] == 0


def test_bulk_respects_the_plan_maximum(user: User) -> None:
    items = [{"name": f"n{i}", "dimensions": [1]} for i in range(101)]
    assert_problem(user.client.post("/api/v1/lattices/bulk", json={"lattices": items}), 422)
    assert_problem(user.client.post("/api/v1/lattices/bulk", json={"lattices": []}), 422)
    assert user.client.post("/api/v1/lattices/bulk", json={"lattices": items[:100]}).status_code == 201


# --- pathfinding ------------------------------------------------------------------------------


def pathfind(user: User, lattice_id: str, start: list[int], end: list[int]) -> requests.Response:
    return user.client.post(f"/api/v1/lattices/{lattice_id}/pathfind", json={"start": start, "end": end})


def test_pathfind_2d_around_a_wall(user: User) -> None:
    blocked = [[2, y] for y in range(4)]  # a wall with a gap at y=4
    lattice = create(user, dimensions=[5, 5], blocked=blocked)
    answer = pathfind(user, lattice["id"], [0, 0], [4, 0])
    assert answer.status_code == 200
    body = answer.json()
    assert body["distance"] == 12 and isinstance(body["elapsed_ms"], (int, float))
    assert_valid_path(body, [5, 5], blocked, [0, 0], [4, 0])


def test_pathfind_3d_random_obstacles(user: User) -> None:
    rng = random.Random(7)
    dims = [6, 5, 4]
    cells = [[x, y, z] for x in range(6) for y in range(5) for z in range(4)]
    blocked = [c for c in cells if rng.random() < 0.25 and c not in ([0, 0, 0], [5, 4, 3])]
    lattice = create(user, dimensions=dims, blocked=blocked)
    body = pathfind(user, lattice["id"], [0, 0, 0], [5, 4, 3]).json()
    expected = bfs_distance(dims, blocked, [0, 0, 0], [5, 4, 3])
    if expected is None:
        assert body == {"found": False, "path": [], "distance": None, "elapsed_ms": body["elapsed_ms"]}
    else:
        assert_valid_path(body, dims, blocked, [0, 0, 0], [5, 4, 3])


@pytest.mark.parametrize("dims", [[7], [4, 1, 3], [3, 3, 3, 3]])
def test_pathfind_other_dimensions(user: User, dims: list[int]) -> None:
    lattice = create(user, dimensions=dims, blocked=[])
    start, end = [0] * len(dims), [n - 1 for n in dims]
    assert_valid_path(pathfind(user, lattice["id"], start, end).json(), dims, [], start, end)


def test_pathfind_same_cell(user: User) -> None:
    lattice = create(user, dimensions=[3, 3])
    body = pathfind(user, lattice["id"], [1, 1], [1, 1]).json()
    assert body["found"] is True and body["path"] == [[1, 1]] and body["distance"] == 0


def test_pathfind_unreachable(user: User) -> None:
    lattice = create(user, dimensions=[3, 3], blocked=[[1, 0], [1, 1], [1, 2]])
    answer = pathfind(user, lattice["id"], [0, 0], [2, 2])
    assert answer.status_code == 200
    body = answer.json()
    assert body["found"] is False and body["path"] == [] and body["distance"] is None


@pytest.mark.parametrize(
    "start,end",
    [
        ([0, 5], [1, 1]),  # out of bounds
        ([0, 0], [-1, 0]),  # negative
        ([0, 0, 0], [1, 1]),  # wrong dimension
        ([0], [1, 1]),
        ([2, 2], [0, 0]),  # start blocked
        ([0, 0], [2, 2]),  # end blocked
        (None, [0, 0]),
        (["a", 0], [0, 0]),
    ],
)
def test_pathfind_rejects_bad_endpoints(user: User, start: object, end: object) -> None:
    lattice = create(user, dimensions=[5, 5], blocked=[[2, 2]])
    assert_problem(
        user.client.post(f"/api/v1/lattices/{lattice['id']}/pathfind", json={"start": start, "end": end}), 422
    )


def test_pathfind_large_lattice_is_fast(user: User) -> None:
    blocked = [[500, y] for y in range(999)]
    lattice = create(user, dimensions=[1000, 1000], blocked=blocked)
    started = time.monotonic()
    body = pathfind(user, lattice["id"], [0, 0], [999, 0]).json()
    assert time.monotonic() - started < 10
    assert body["found"] is True and body["distance"] == 999 + 2 * 999
    assert body["path"][0] == [0, 0] and body["path"][-1] == [999, 0]


def test_pathfind_counts_metrics(anon: object, user: User) -> None:
    def value() -> float:
        text = anon.get("/metrics").text  # type: ignore[attr-defined]
        line = next(row for row in text.splitlines() if row.startswith("paths_computed_total "))
        return float(line.split()[1])

    before = value()
    lattice = create(user, dimensions=[2, 2])
    pathfind(user, lattice["id"], [0, 0], [1, 1])
    assert value() == before + 1
