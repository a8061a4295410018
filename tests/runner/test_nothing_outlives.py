"""Nothing outlives the run (issue 9, rows 12 and 16): a SIGKILLed runner takes the demo API,
pabot and the robot processes with it; the demo's TLS key and work folders are removed on every
exit path (normal exit, ROLLBACK; the interrupt is in test_interrupt.py)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from tests.runner.helpers import run_runner, start_wrapper
from tests.support.suite_model import only_test_broken_by_fault

LEFTOVER_PREFIXES = ("lattice-tls-", "smoke-demo-", "smoke-pabot-", "smoke-forkserver-", "pabot_temp_")

pytestmark = [pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux /proc"), pytest.mark.suites]


def _processes_with(marker: bytes) -> list[str]:
    """Command lines of the processes whose environment contains ``marker``."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes().split(b"\0"):
                found.append((environ.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(LEFTOVER_PREFIXES))


def test_a_sigkilled_runner_leaves_no_process_or_key_folder_of_its_run_behind(tmp_path: Path) -> None:
    run_id = f"killtest{uuid.uuid4().hex[:8]}"
    marker = f"SMOKE_RUN_ID={run_id}".encode()
    process = start_wrapper(
        ["--demo", "--results-dir", str(tmp_path / "results")],
        tmp_path,
        SMOKE_RUN_ID=run_id,
        LATTICE_FAULTS="slow_responses",
        LATTICE_SLOW_MS="3000",
    )
    assert process.stdout is not None
    seen = []
    try:
        deadline = time.monotonic() + 120
        for line in process.stdout:  # until pabot has started the robot processes
            seen.append(line)
            if "EXECUTING" in line:
                break
            assert time.monotonic() < deadline, "".join(seen)
        deadline = time.monotonic() + 60
        while len([cmd for cmd in _processes_with(marker) if "robot" in cmd]) < 2:
            assert time.monotonic() < deadline, _processes_with(marker)
            time.sleep(0.2)
        assert any("reference_api" in cmd for cmd in _processes_with(marker)), _processes_with(marker)
    finally:
        process.kill()  # SIGKILL: no handler of the runner runs
        process.wait(timeout=10)
    survivors = _processes_with(marker)
    deadline = time.monotonic() + 15
    while survivors and time.monotonic() < deadline:
        time.sleep(0.2)
        survivors = _processes_with(marker)
    for pid_dir in Path("/proc").glob("[0-9]*"):  # never leave them running, even when the test fails
        try:
            if marker in (pid_dir / "environ").read_bytes().split(b"\0"):
                os.kill(int(pid_dir.name), 9)
        except (OSError, ValueError):
            continue
    assert not survivors, f"still running after the runner was killed: {survivors}"
    deadline = time.monotonic() + 15
    while _leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _leftovers(tmp_path) == [], "the demo's key and work folders must not outlive the run"


def test_a_normal_demo_run_leaves_no_key_or_work_folder(tmp_path: Path) -> None:
    run = run_runner(["--demo", "--dryrun"], tmp_path / "results", env={"TMPDIR": str(tmp_path)})
    assert run.returncode == 3, run.console
    assert _leftovers(tmp_path) == []


def test_a_rollback_demo_run_leaves_no_key_or_work_folder(tmp_path: Path) -> None:
    check = only_test_broken_by_fault("health", "missing_security_headers").name
    run = run_runner(
        ["--demo", "--suite", "health", "--test", check, "--no-rerun"],
        tmp_path / "results",
        env={"TMPDIR": str(tmp_path), "LATTICE_FAULTS": "missing_security_headers"},
    )
    assert run.returncode == 30, run.console
    assert _leftovers(tmp_path) == []
