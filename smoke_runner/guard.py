"""Nothing outlives the run, even when the runner is killed with SIGKILL (Linux).

Two layers:

* every child the runner starts (pabot, the ``--demo`` API) gets a parent-death signal
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, see ``die_with_parent``): it is killed when the runner dies;
* the robot processes pabot starts (in sessions of their own) are grandchildren, out of reach of
  that signal. A small guard process (``start_guard``) therefore waits for the runner to end (a pipe
  whose writing end only the runner holds reaches end-of-file) and then kills every process that
  still carries the run's guard token in its environment (``SMOKE_RUNNER_GUARD``), which every
  process started by the runner, its children and theirs inherit. It then removes the temporary
  folders the runner registered with ``remove_after_run`` (the demo API's work folder with its
  TLS key, pabot's work folder with its argument files), which the runner removes itself on every
  other exit path.

On a normal exit the runner has already stopped its children; the guard then finds nothing and
exits. Without ``/proc`` (macOS, Windows) both layers are off; Ctrl-C and SIGTERM still stop
everything as before (see ``execution.stop_process_tree``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

GUARD_VARIABLE = "SMOKE_RUNNER_GUARD"
_PR_SET_PDEATHSIG = 1
_ROUNDS = 5  # kill rounds after the runner died (a process may be forking while we look)
#: Only temporary folders with these name prefixes are ever removed by the guard.
REMOVABLE_PREFIXES = ("smoke-demo-", "smoke-pabot-", "smoke-forkserver-", "lattice-tls-")
_write_end: int | None = None  # the runner's end of the pipe to its guard


def supported() -> bool:
    """True on Linux (``/proc`` and ``prctl``)."""
    return sys.platform.startswith("linux") and Path("/proc/self/environ").exists()


def _set_parent_death_signal() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that kills the child when the runner dies (Linux),
    or None where that is not available."""
    return _set_parent_death_signal if supported() else None


def start_guard() -> str | None:
    """Start the guard for this process (once) and mark this process's environment with its token,
    so that every child inherits it; return the token (None when not supported)."""
    if not supported():
        return None
    if os.environ.get(GUARD_VARIABLE, "").startswith(f"{os.getpid()}-"):
        return os.environ[GUARD_VARIABLE]
    token = f"{os.getpid()}-{uuid.uuid4().hex}"
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, False)  # only the runner holds it: EOF for the guard when the runner ends
    # A bare environment: the guard carries nothing of the run (no run id, no secret), so it is not
    # mistaken for a process of the run; it finds this package through its working directory.
    subprocess.Popen(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-m", "smoke_runner.guard", str(read_end), token],
        pass_fds=(read_end,),
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", os.defpath)},
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    os.close(read_end)
    global _write_end
    _write_end = write_end
    os.environ[GUARD_VARIABLE] = token
    return token


def forget_guard() -> None:
    """In a process forked from the runner (its fork server): this process does not hold the
    runner's end of the pipe to the guard (it closes the descriptor itself) and registers nothing."""
    global _write_end
    _write_end = None


def remove_after_run(folder: Path) -> None:
    """Have the guard remove ``folder`` (a temporary folder named ``REMOVABLE_PREFIXES``...) should
    the runner die without removing it itself."""
    if _write_end is not None:
        with contextlib.suppress(OSError):
            os.write(_write_end, f"{folder}\n".encode())


def _remove_folders(paths: list[str]) -> None:
    for text in paths:
        path = Path(text)
        if path.is_absolute() and path.name.startswith(REMOVABLE_PREFIXES):
            shutil.rmtree(path, ignore_errors=True)


def marked_processes(token: str) -> list[int]:
    """The processes whose environment carries ``token`` (except this one)."""
    needle = f"{GUARD_VARIABLE}={token}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        pid = int(environ.parent.name)
        if pid == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if needle in environ.read_bytes().split(b"\0"):
                found.append(pid)
    return found


def kill_marked(token: str) -> int:
    """SIGKILL every process marked with ``token``; return how many were found."""
    killed = 0
    for _round in range(_ROUNDS):
        pids = marked_processes(token)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        killed += len(pids)
    return killed


def main(argv: list[str]) -> int:
    """``python -m smoke_runner.guard FD TOKEN``: wait for EOF on FD, then kill what is left."""
    read_end, token = int(argv[0]), argv[1]
    received = b""
    with contextlib.suppress(OSError):
        while chunk := os.read(read_end, 4096):
            received += chunk
    kill_marked(token)
    _remove_folders(received.decode("utf-8", errors="replace").splitlines())
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C of the terminal is the runner's to handle
    sys.exit(main(sys.argv[1:]))
