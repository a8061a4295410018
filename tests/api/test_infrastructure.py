"""What the health report says about the service's database and Redis, present, absent, down or broken."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.postgres_server import PostgresServer, postgres_available
from tests.support.redis_server import RedisServer, redis_available

from .harness import InProcessApi
from .surfaces import CONTRACT, SECURITY_HEADERS, SURFACES, anon


def sqlite_file(api: InProcessApi) -> Path:
    return Path(api.database_url.removeprefix("sqlite:///"))


@pytest.mark.parametrize("dialect", SURFACES)
def test_a_database_file_removed_under_the_service_is_a_503_and_not_recreated(dialect: str) -> None:
    s = SURFACES[dialect]
    with InProcessApi(dialect) as api:
        assert anon(api).get("/health").status_code == 200
        sqlite_file(api).unlink()
        answer = anon(api).get("/health")
        overall, components = s.health(answer)
        assert answer.status_code == 503 and overall == "fail" and components["database"] == "fail"
        assert all(answer.headers[name] == value for name, value in SECURITY_HEADERS.items())
        assert not sqlite_file(api).exists()
        if dialect == "lean":
            assert answer.json() == {"status": "error", "components": {"database": "down"}}


def test_a_database_file_replaced_by_garbage_fails_health_and_requests_without_leaking() -> None:
    with InProcessApi() as api:
        sqlite_file(api).write_bytes(os.urandom(8192))
        client = anon(api)
        assert client.get("/health").json()["status"] == "fail"
        failed = client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": "y" * 12})
        assert failed.status_code in (500, 503)
        assert "sqlite" not in failed.text.lower() and "Traceback" not in failed.text


def test_the_database_folder_is_created(tmp_path: Path) -> None:
    with InProcessApi(database_url=f"sqlite:///{tmp_path / 'nested' / 'dir' / 'lattice.db'}") as api:
        assert anon(api).get("/health").json()["checks"]["database"]["status"] == "pass"
    assert (tmp_path / "nested" / "dir" / "lattice.db").exists()


@pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")
def test_redis_counts_for_every_instance_and_its_outage_is_a_warning() -> None:
    with RedisServer() as redis_server:
        env = {"REDIS_URL": redis_server.url, "RATE_LIMIT_ANON": "4", "RATE_LIMIT_WINDOW_SECONDS": "3600"}
        with InProcessApi(env=env) as first, InProcessApi(env=env) as second:
            assert anon(first).get("/health").json()["checks"]["redis"] == {"status": "pass"}
            remaining = [anon(first).get("/api/v1/plans").headers["RateLimit-Remaining"] for _ in range(2)]
            remaining.append(anon(second).get("/api/v1/plans").headers["RateLimit-Remaining"])
            assert remaining == ["3", "2", "1"]  # one count for both instances
            redis_server.stop()
            answer = anon(first).get("/health")
            assert answer.status_code == 200 and answer.json()["status"] == "warn"
            assert answer.json()["checks"]["redis"] == {"status": "fail"}
            fallback = anon(first).get("/api/v1/users/me")  # counted in the process, never a 500
            assert fallback.status_code == 401 and fallback.headers["RateLimit-Limit"] == "4"


@pytest.mark.skipif(not postgres_available(), reason="PostgreSQL (initdb) is not available")
def test_postgresql_backend_and_its_outage() -> None:
    with PostgresServer() as postgres, InProcessApi(database_url=postgres.url) as api:
        user = CONTRACT.new_user(api)
        lattice = user.new_lattice(blocked=[[1, 1]])
        assert user.client.get(f"/api/v1/lattices/{lattice['id']}").json()["blocked"] == [[1, 1]]
        assert user.usage()["lattices_created"] == 1
        postgres.stop()
        answer = anon(api).get("/health")
        assert answer.status_code == 503 and answer.json()["checks"]["database"]["status"] == "fail"
