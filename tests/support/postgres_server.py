"""A throw-away PostgreSQL cluster for tests (initdb + pg_ctl as a non-root user)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .processes import StartedServer
from .server import free_port

SERVICE_USER = "postgres"


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` holding ``initdb``."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def postgres_available() -> bool:
    """Whether tests can start a cluster (initdb present; as root, the ``postgres`` user exists)."""
    if postgres_bin_dir() is None:
        return False
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            return False
        return shutil.which("runuser") is not None
    return True


class PostgresServer(StartedServer):
    """A cluster in a temporary directory on a free port; ``url`` is a SQLAlchemy URL."""

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL binaries (initdb) are not installed")
        self.bin_dir = bin_dir
        self.port = free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="lattice-pg-"))
        self.data_dir = self._dir / "data"
        self.socket_dir = self._dir / "sock"
        self.url = f"postgresql+psycopg://lattice@127.0.0.1:{self.port}/postgres"
        self._running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=self._dir)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self) -> None:
        """Create the cluster and start it; ready when ``pg_ctl -w`` returns."""
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SERVICE_USER)
            for path in (self._dir, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "lattice", "-E", "UTF8")
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-o",
            options,
            "-l",
            str(self._dir / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        )
        self._running = True

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        shutil.rmtree(self._dir, ignore_errors=True)

    def stop(self) -> None:
        """Stop the cluster immediately (idempotent); the data directory stays until exit."""
        if self._running:
            self._running = False
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
