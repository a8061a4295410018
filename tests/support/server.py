"""Start the reference API as a real subprocess for tests.

with ReferenceApi(faults=["tenant_leak"]) as api:
    requests.get(api.base_url + "/health")
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import requests

from .processes import StartedServer, stop_process

REPO_ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"Lattice reference API listening on (https?)://\S+:(\d+)")
_CA_LINE = re.compile(r"CA bundle written to: (.+)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ReferenceApiError(RuntimeError):
    """The reference API did not start; the message carries its output."""


class ReferenceApi(StartedServer):
    """The reference API running in a child process (context manager)."""

    def __init__(
        self,
        faults: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        tls: bool = False,
        database_url: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        self.faults = tuple(faults)
        self.extra_env = dict(env or {})
        self.tls = tls
        self.startup_timeout = startup_timeout
        self._tmp = Path(tempfile.mkdtemp(prefix="lattice-api-"))
        self.database_url = database_url or f"sqlite:///{self._tmp / 'lattice.db'}"
        self.port = free_port()
        scheme = "https" if tls else "http"
        self.base_url = f"{scheme}://127.0.0.1:{self.port}"
        self.ca_bundle: Path | None = self._tmp / "ca.pem" if tls else None
        self._process: subprocess.Popen[str] | None = None
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("REDIS_URL", None)
        env.pop("LATTICE_FAULTS", None)
        env.pop("LATTICE_MUTATIONS", None)
        env.update(self.extra_env)
        env["DATABASE_URL"] = self.database_url
        if self.faults:
            env["LATTICE_FAULTS"] = ",".join(self.faults)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> None:
        """Start the process and wait until it listens and ``/health`` answers."""
        command = [sys.executable, "-m", "reference_api", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.tls:
            command += ["--tls", "--ca-bundle-out", str(self.ca_bundle)]
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self._environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not _LISTENING.search(self.output()):
            if self._process.poll() is not None:
                self._reader.join(timeout=2)
                raise ReferenceApiError(
                    f"the reference API exited with status {self._process.returncode}:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                raise ReferenceApiError(f"the reference API did not start in time:\n{self.output()}")
            time.sleep(0.05)
        if self.tls:
            match = _CA_LINE.search(self.output())
            while match is None and time.monotonic() < deadline:
                time.sleep(0.05)
                match = _CA_LINE.search(self.output())
            if match is None:
                raise ReferenceApiError(f"no CA bundle line in the output:\n{self.output()}")
            self.ca_bundle = Path(match.group(1).strip())
        self._wait_healthy(deadline)

    def _wait_healthy(self, deadline: float) -> None:
        verify: str | bool = str(self.ca_bundle) if self.ca_bundle else True
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                answer = requests.get(self.base_url + "/health", timeout=3, verify=verify)
                if answer.status_code < 600:
                    return
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.1)
        raise ReferenceApiError(f"/health did not answer ({last}):\n{self.output()}")

    def _drain(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            with self._lock:
                self._lines.append(line)

    def stop(self) -> None:
        """Terminate the process (kill after 5 s) and remove the temporary directory."""
        stop_process(self._process)
        if self._reader is not None:
            self._reader.join(timeout=2)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        with self._lock:
            return "".join(self._lines)

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None
