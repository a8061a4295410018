"""A throw-away ``redis-server`` for tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from .processes import stop_process
from .server import free_port

REDIS_CANDIDATES = ("/usr/bin/redis-server", "/usr/local/bin/redis-server")


def redis_binary() -> str | None:
    """Path of ``redis-server`` if installed."""
    found = shutil.which("redis-server")
    if found:
        return found
    return next((c for c in REDIS_CANDIDATES if Path(c).exists()), None)


def redis_available() -> bool:
    """Whether tests can start a Redis server (use with ``pytest.mark.skipif``)."""
    return redis_binary() is not None


class RedisServer:
    """``redis-server --port <free> --save '' --appendonly no`` in a temporary directory."""

    def __init__(self, startup_timeout: float = 10.0) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.startup_timeout = startup_timeout
        self._dir = Path(tempfile.mkdtemp(prefix="lattice-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RedisServer:
        binary = redis_binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self._process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self._dir),
            ],
            cwd=self._dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._ping():
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server (idempotent) and remove its directory."""
        stop_process(self._process)
        shutil.rmtree(self._dir, ignore_errors=True)
