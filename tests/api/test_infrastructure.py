"""HTTPS mode, Redis present/absent/down, and databases that fail under the running service."""

from __future__ import annotations

import os
import socket
import ssl
from pathlib import Path

import pytest
import requests

from tests.support.postgres_server import PostgresServer, postgres_available
from tests.support.redis_server import RedisServer, redis_available
from tests.support.server import ReferenceApi, ReferenceApiError

from .helpers import Client, assert_security_headers, avoid_window_edge, new_user


def test_https_mode_with_its_own_ca() -> None:
    with ReferenceApi(tls=True) as api:
        assert api.base_url.startswith("https://127.0.0.1:")
        assert api.ca_bundle is not None and api.ca_bundle.is_file()
        assert "CA bundle written to: " + str(api.ca_bundle) in api.output()
        answer = requests.get(api.base_url + "/health", verify=str(api.ca_bundle), timeout=10)
        assert answer.status_code == 200
        assert_security_headers(answer, https=True)
        user = new_user(api.base_url, verify=str(api.ca_bundle))
        assert_security_headers(user.client.get("/api/v1/users/me"), https=True)
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(api.base_url + "/health", timeout=10)  # not trusted by the system store
        # TLS 1.1 is refused
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(str(api.ca_bundle))
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
        with pytest.raises((ssl.SSLError, OSError)):
            with socket.create_connection(("127.0.0.1", api.port), timeout=5) as sock:
                with context.wrap_socket(sock, server_hostname="127.0.0.1"):
                    pass


def test_plain_http_has_no_hsts(anon: Client) -> None:
    assert "Strict-Transport-Security" not in anon.get("/health").headers


def test_unknown_fault_is_a_startup_error() -> None:
    with pytest.raises(ReferenceApiError) as error, ReferenceApi(faults=["no_such_fault"]):
        pass
    assert "no_such_fault" in str(error.value) and "tenant_leak" in str(error.value)


@pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")
def test_redis_present_then_down() -> None:
    with RedisServer() as redis_server:
        env = {"REDIS_URL": redis_server.url, "RATE_LIMIT_ANON": "3", "RATE_LIMIT_WINDOW_SECONDS": "60"}
        with ReferenceApi(env=env) as api:
            client = Client(api.base_url)
            avoid_window_edge(60)
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "pass"
            assert health.json()["checks"]["redis"]["status"] == "pass"
            remaining = [client.get("/api/v1/plans").headers["RateLimit-Remaining"] for _ in range(3)]
            assert remaining == ["2", "1", "0"]
            assert client.get("/api/v1/plans").status_code == 429
            redis_server.stop()
            health = client.get("/health")
            assert health.status_code == 200
            assert health.json()["status"] == "warn"
            assert health.json()["checks"]["redis"]["status"] == "fail"
            assert health.json()["checks"]["database"]["status"] == "pass"
            # rate limiting falls back to in-process counters, never a 500
            answer = client.get("/api/v1/webhooks")
            assert answer.status_code == 401 and answer.headers["RateLimit-Limit"] == "3"


@pytest.mark.skipif(not redis_available(), reason="redis-server is not installed")
def test_redis_counters_are_shared_between_instances() -> None:
    with RedisServer() as redis_server:
        env = {"REDIS_URL": redis_server.url, "RATE_LIMIT_ANON": "4", "RATE_LIMIT_WINDOW_SECONDS": "60"}
        with ReferenceApi(env=env) as first, ReferenceApi(env=env) as second:
            avoid_window_edge(60)
            Client(first.base_url).get("/api/v1/plans")
            Client(first.base_url).get("/api/v1/plans")
            assert Client(second.base_url).get("/api/v1/plans").headers["RateLimit-Remaining"] == "1"


def test_sqlite_file_removed_under_the_service() -> None:
    with ReferenceApi() as api:
        client = Client(api.base_url)
        assert client.get("/health").status_code == 200
        Path(api.database_url.removeprefix("sqlite:///")).unlink()
        answer = client.get("/health")
        assert answer.status_code == 503
        assert answer.json()["status"] == "fail"
        assert answer.json()["checks"]["database"]["status"] == "fail"
        assert_security_headers(answer)
        assert not Path(api.database_url.removeprefix("sqlite:///")).exists()  # not silently recreated


def test_sqlite_file_replaced_by_garbage() -> None:
    with ReferenceApi() as api:
        client = Client(api.base_url)
        path = Path(api.database_url.removeprefix("sqlite:///"))
        path.write_bytes(os.urandom(8192))
        answer = client.get("/health")
        assert answer.status_code == 503 and answer.json()["status"] == "fail"
        failed = client.post("/api/v1/auth/register", json={"email": "x@example.com", "password": "y" * 12})
        assert failed.status_code in (500, 503)
        assert "sqlite" not in failed.text.lower() and "Traceback" not in failed.text


def test_database_url_folder_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'lattice.db'}"
    with ReferenceApi(database_url=url) as api:
        assert Client(api.base_url).get("/health").json()["checks"]["database"]["status"] == "pass"
        assert (tmp_path / "nested" / "dir" / "lattice.db").exists()


@pytest.mark.skipif(not postgres_available(), reason="PostgreSQL (initdb) is not available")
def test_postgresql_backend_and_outage() -> None:
    with PostgresServer() as postgres, ReferenceApi(database_url=postgres.url) as api:
        client = Client(api.base_url)
        assert client.get("/health").json()["checks"]["database"]["status"] == "pass"
        user = new_user(api.base_url)
        lattice = user.client.post("/api/v1/lattices", json={"name": "pg", "dimensions": [3, 3], "blocked": [[1, 1]]})
        assert lattice.status_code == 201
        assert user.client.get(f"/api/v1/lattices/{lattice.json()['id']}").json()["blocked"] == [[1, 1]]
        assert user.client.get("/api/v1/usage").json()["lattices_created"] == 1
        postgres.stop()
        answer = client.get("/health")
        assert answer.status_code == 503
        assert answer.json()["status"] == "fail"
        assert answer.json()["checks"]["database"]["status"] == "fail"
