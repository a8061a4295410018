"""Ctrl-C / SIGTERM during a --demo run: no verdict (exit 130), the reference API and pabot are
stopped, pabot's work folder and the empty run folder are removed."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest

from tests.runner.helpers import start_wrapper


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("signum", [pytest.param(signal.SIGINT, marks=pytest.mark.full), signal.SIGTERM])
def test_interrupt_stops_the_demo_api_and_exits_130(tmp_path: Path, signum: int) -> None:
    results = tmp_path / "results"
    process = start_wrapper(["--demo", "--results-dir", str(results)], tmp_path)
    assert process.stdout is not None
    port = None
    deadline = time.monotonic() + 60
    for line in process.stdout:
        if "Reference API listening on" in line:
            port = int(line.rsplit(":", 1)[1])
        if "EXECUTING" in line:
            break
        assert time.monotonic() < deadline
    assert port is not None
    started = time.monotonic()
    process.send_signal(signum)
    rest = process.stdout.read()
    assert process.wait(timeout=30) == 130, rest
    assert time.monotonic() - started < 15
    assert "no verdict" in rest and "VERDICT" not in rest
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the demo API still listens"
    time.sleep(0.5)
    running = [cmdline for cmdline in _command_lines() if str(tmp_path) in cmdline]
    assert not running, running  # no robot/pabot process of this run survives
    leftovers = [
        p.name for p in tmp_path.iterdir() if p.name.startswith(("smoke-pabot-", "smoke-demo-", "lattice-tls-"))
    ]
    assert not leftovers
    assert not results.exists() or not [p for p in results.iterdir() if p.name[:1].isdigit()]


def _command_lines() -> list[str]:
    lines = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(path.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return lines
