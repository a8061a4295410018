"""``python -m reference_api`` as a process: its command line, HTTPS with its own CA, and how it stops."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from reference_api.__main__ import main

from .surfaces import SECURITY_HEADERS

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (https?)://127\.0\.0\.1:(\d+)")


@contextmanager
def service(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m reference_api ARGS`` with its temp folder in ``tmp_path/tmp``; the process and its base URL."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("LATTICE_", "REDIS_URL"))},
        "TMPDIR": str(temp),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'lattice.db'}",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [sys.executable, "-m", "reference_api", "--port", "0", "--log-level", "warning", *args]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not (match := LISTENING.search("".join(lines))):
            assert process.poll() is None and time.monotonic() < deadline, "".join(lines)
            time.sleep(0.05)
        yield process, f"{match[1]}://127.0.0.1:{match[2]}"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def key_folders(tmp_path: Path) -> list[Path]:
    """The TLS key folders of the service started by :func:`service`."""
    return sorted((tmp_path / "tmp").glob("lattice-tls-*"))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_https_service_leaves_no_key_behind(tmp_path: Path, stop: signal.Signals) -> None:
    """Issue 22, row 14: the key folder goes on SIGTERM and SIGINT as on a normal exit."""
    ca = tmp_path / "ca.pem"
    with service(tmp_path, "--tls", "--ca-bundle-out", str(ca)) as (process, base_url):
        assert base_url.startswith("https://")
        (folder,) = key_folders(tmp_path)
        assert (folder / "server.pem").stat().st_mode & 0o077 == 0  # the key is the owner's only
        assert requests.get(base_url + "/health", verify=str(ca), timeout=10).status_code == 200
        process.send_signal(stop)
        assert process.wait(timeout=15) == 128 + stop
    assert key_folders(tmp_path) == []
    assert ca.is_file()  # the CA certificate is meant to outlive the service


def test_https_with_its_own_ca_refuses_old_tls_and_untrusting_clients(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    with service(tmp_path, "--tls", "--ca-bundle-out", str(ca), "--dialect", "lean") as (_, base_url):
        answer = requests.get(base_url + "/health", verify=str(ca), timeout=10)
        assert answer.json() == {"status": "ok", "components": {"database": "up"}}  # the lean dialect
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers[name] == value
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(base_url + "/health", timeout=10)  # not trusted by the system store
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(str(ca))
        context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
        port = int(base_url.rsplit(":", 1)[1])
        with pytest.raises((ssl.SSLError, OSError)):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                with context.wrap_socket(sock, server_hostname="127.0.0.1"):
                    pass


def test_the_dialect_comes_from_the_environment_and_the_option_wins(tmp_path: Path) -> None:
    with service(tmp_path, "--dialect", "classic", env={"LATTICE_DIALECT": "lean"}) as (process, base_url):
        assert requests.get(base_url + "/billing/plans", timeout=10).status_code == 200
        process.terminate()
        assert process.wait(timeout=15) == 128 + signal.SIGTERM


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["--fault", "no_such_fault"], {}, "unknown fault name(s): no_such_fault"),
        (["--mutate", "GET /health:explode=1"], {}, "invalid mutation 'GET /health:explode=1'"),
        ([], {"LATTICE_DIALECT": "baroque"}, "LATTICE_DIALECT must be one of contract, classic, lean"),
    ],
)
def test_a_start_with_a_bad_setting_stops_naming_it(
    argv: list[str],
    env: dict[str, str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["--port", "0", *argv]) == 2
    assert expected in capsys.readouterr().err
