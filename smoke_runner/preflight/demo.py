"""``--demo``: the bundled reference API on a free loopback port, stopped whatever happens."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from smoke_runner import REPO_ROOT
from smoke_runner.processes.guard import Guard, die_with_parent

READY_MARKER = "Lattice reference API listening on "
CA_BUNDLE_MARKER = "CA bundle written to: "
START_TIMEOUT = 30.0


class DemoError(Exception):
    """The reference API could not be started."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ReferenceApiProcess:
    """Context manager that starts ``python -m reference_api --port 0`` and always stops it.

    The database (SQLite) and the log live in a temporary directory removed on exit. With
    ``tls=True`` the API serves HTTPS with a certificate of its own private CA, whose bundle is
    written into that directory (``ca_bundle``) so that clients can verify it.

    Example::

        with ReferenceApiProcess(faults=["webhook_unsigned"]) as api:
            print(api.base_url)
    """

    def __init__(
        self,
        faults: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
        python: str = sys.executable,
        host: str = "127.0.0.1",
        start_timeout: float = START_TIMEOUT,
        tls: bool = False,
        guard: Guard | None = None,
    ) -> None:
        self.faults = list(faults)
        self.extra_env = dict(env or {})
        self.extra_args = list(extra_args)
        self.python = python
        self.host = host
        self.start_timeout = start_timeout
        self.tls = tls
        self.guard = guard
        self.base_url = ""
        self.ca_bundle: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "reference_api.log" if self.workdir else None

    def start(self) -> str:
        """Start the API and return its base URL once it is listening."""
        self.workdir = Path(tempfile.mkdtemp(prefix="smoke-demo-"))
        if self.guard is not None:
            self.guard.remove_after_run(self.workdir)
        try:
            self._spawn(0)  # port 0: the API binds a free port and names it in its ready line
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _spawn(self, port: int) -> None:
        assert self.workdir is not None and self.log_path is not None
        env = {**os.environ, **self.extra_env}
        # The API's TLS key folder (lattice-tls-*) and any other temporary file it makes land in the
        # work folder, which stop() removes.
        for name in ("TMPDIR", "TEMP", "TMP"):
            env[name] = str(self.workdir)
        env.setdefault("DATABASE_URL", f"sqlite:///{(self.workdir / 'demo.db').as_posix()}")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
        command = [self.python, "-m", "reference_api", "--host", self.host, "--port", str(port)]
        for fault in self.faults:
            command += ["--fault", fault]
        if self.tls:
            command += ["--tls", "--ca-bundle-out", str(self.workdir / "ca.pem")]
        command += self.extra_args
        log = open(self.log_path, "wb")  # noqa: SIM115 - handed to the child
        kwargs: dict[str, object] = {}
        if os.name == "nt":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            kwargs["start_new_session"] = True  # Ctrl-C reaches us, and we stop the API ourselves
            kwargs["preexec_fn"] = die_with_parent()  # and it dies with us, even on SIGKILL (Linux)
        try:
            self.process = subprocess.Popen(  # type: ignore[call-overload]  # noqa: S603 - kwargs by platform
                command,
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                **kwargs,
            )
        finally:
            log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                if CA_BUNDLE_MARKER in line:
                    self.ca_bundle = Path(line.split(CA_BUNDLE_MARKER, 1)[1].strip())
                if READY_MARKER in line:
                    self.base_url = line.split(READY_MARKER, 1)[1].strip().rstrip("/")
            if self.base_url and (self.ca_bundle or not self.tls):
                return
            if self.process.poll() is not None:
                raise DemoError(f"reference API exited with {self.process.returncode}: {self.log_tail()}")
            time.sleep(0.05)
        raise DemoError(f"reference API did not start within {self.start_timeout:g} s: {self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of the API's log, on one line."""
        if not self.log_path or not self.log_path.exists():
            return ""
        tail = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return " | ".join(line.strip() for line in tail)

    def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            if os.name == "nt":
                process.terminate()
            else:
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (subprocess.TimeoutExpired, ProcessLookupError, PermissionError):
            try:
                if os.name == "nt":
                    process.kill()
                else:
                    os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            process.wait(timeout=5)

    def stop(self) -> None:
        """Stop the API (SIGTERM, then SIGKILL after 5 s) and remove its temporary directory."""
        self._terminate()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> ReferenceApiProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
