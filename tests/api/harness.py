"""The reference API served by uvicorn in a thread of the test process, over real HTTP on loopback.

Starting one takes a few milliseconds instead of the seconds of a ``python -m reference_api``
process, so every fault of every dialect gets a service of its own. The service is the same
application (:func:`reference_api.app.create_app`) built from the same settings; what only a
process shows (the command line, TLS files, signals) is tested in ``test_process.py``.

    with InProcessApi("lean", faults=["tenant_leak_listing"]) as api:
        requests.get(api.base_url + "/health")
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from reference_api.app import create_app
from reference_api.config import Settings
from reference_api.faults import Faults
from reference_api.mutations import Mutations
from reference_api.runtime import Runtime
from reference_api.tls import make_certificates, refuse_old_tls

#: Limits high enough that functional tests never meet them, and the test routes.
RELAXED = {
    "RATE_LIMIT_ANON": "100000",
    "RATE_LIMIT_AUTH": "100000",
    "RATE_LIMIT_USER": "100000",
    "LATTICE_ENABLE_TEST_ROUTES": "1",
}
#: Password hashing of the tests' services: cheap (the default cost is what production runs).
CHEAP_HASHING = {"ARGON2_MEMORY_KIB": "64", "ARGON2_TIME_COST": "1"}
STARTUP_SECONDS = 10.0


class InProcessApi:
    """A reference API in ``dialect`` with ``faults``, ``env`` (the service's environment) and ``mutations``."""

    def __init__(
        self,
        dialect: str = "contract",
        faults: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        mutations: Sequence[str] = (),
        tls: bool = False,
        database_url: str | None = None,
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lattice-api-test-"))
        self.database_url = database_url or f"sqlite:///{self.folder / 'lattice.db'}"
        environment = {"LATTICE_DIALECT": dialect, **CHEAP_HASHING, **(env or {}), "DATABASE_URL": self.database_url}
        self.settings = Settings.from_env(environment)
        self.runtime = Runtime.build(self.settings, Faults.parse(faults), Mutations.from_sources(mutations, None))
        self.ca_bundle: Path | None = None
        options: dict[str, object] = {}
        if tls:
            files = make_certificates(self.folder / "ca.pem", self.folder)
            self.ca_bundle = files.ca_bundle
            options = {"ssl_certfile": str(files.server_pem)}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # inherited by the accepted connections: without it each answer waits ~40 ms for a delayed ACK
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(self.runtime),
            log_level="warning",
            access_log=False,
            server_header=False,
            lifespan="on",
            **options,  # type: ignore[arg-type]
        )
        if tls:  # the service's own TLS set-up (reference_api/__main__.py): TLS 1.2 and newer
            config.load()
            assert config.ssl is not None
            refuse_old_tls(config.ssl)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._serve, name=f"reference-api-{dialect}", daemon=True)

    @property
    def verify(self) -> str | bool:
        """What a client passes as ``verify`` to trust this service."""
        return str(self.ca_bundle) if self.ca_bundle else True

    def _serve(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.socket]))

    def __enter__(self) -> InProcessApi:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"the in-process reference API did not start ({self.settings.dialect})")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving (the lifespan releases the runtime) and remove the service's folder."""
        self.server.should_exit = True
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        self.socket.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def hmac_signature(secret: str, body: bytes) -> str:
    """The ``X-Signature-256`` value of ``body`` signed with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
    return value
