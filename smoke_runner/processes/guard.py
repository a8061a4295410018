"""Nothing outlives the run, even when the runner is killed with SIGKILL.

Two layers:

* every child the runner starts (pabot, the ``--demo`` API, robotdashboard) gets a parent-death
  signal on Linux (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, see ``die_with_parent``): it is killed
  when the runner dies;
* the robot processes pabot starts (in sessions of their own) are grandchildren, out of reach of
  that signal. A small guard process (``Guard.start``) therefore waits for the runner to end (a
  pipe whose writing end only the runner holds reaches end-of-file) and then kills every process
  that still carries the run's guard token in its environment (``SMOKE_RUNNER_GUARD``), which
  every process started by the runner, its children and theirs inherit (psutil reads the
  environments). It then removes the temporary folders the runner registered with
  ``Guard.remove_after_run`` (the demo API's work folder with its TLS key, pabot's work folder
  with its argument files), which the runner removes itself on every other exit path, and the run's
  results folder if it is still empty (``Guard.remove_if_empty``: the run ended before it wrote a
  thing).

On a normal exit the runner has already stopped its children; the guard then finds nothing and
exits. Ctrl-C and SIGTERM stop everything as well (``processes.commands.stop_process_tree``).
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

import psutil

GUARD_VARIABLE = "SMOKE_RUNNER_GUARD"
_PR_SET_PDEATHSIG = 1
_ROUNDS = 5  # kill rounds after the runner died (a process may be starting another while we look)
#: Only temporary folders with these name prefixes are ever removed by the guard.
REMOVABLE_PREFIXES = ("smoke-demo-", "smoke-pabot-", "smoke-profile-", "lattice-tls-")
#: A line to the guard that starts with this names a folder to remove only if it is empty.
EMPTY_ONLY = "empty:"


def _set_parent_death_signal() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for ``subprocess.Popen`` that kills the child when the runner dies (Linux),
    or None where the kernel offers no parent-death signal."""
    return _set_parent_death_signal if sys.platform.startswith("linux") else None


class Guard:
    """The run's guard: started once by the runner (``start``), told which temporary folders to
    remove should the runner die without removing them (``remove_after_run``)."""

    def __init__(self) -> None:
        self.token: str | None = None
        self._write_end: int | None = None  # the runner's end of the pipe to its guard

    def start(self) -> Guard:
        """Start the guard process and mark this process's environment with its token, so that
        every child inherits it. Where no process's environment can be read (psutil), nothing starts."""
        if self.token is not None or not _environments_readable():
            return self
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        read_end, write_end = os.pipe()
        os.set_inheritable(write_end, False)  # only the runner holds it: EOF for the guard when the runner ends
        # A bare environment: the guard carries nothing of the run (no run id, no secret), so it is not
        # mistaken for a process of the run; it finds this package through its working directory.
        subprocess.Popen(  # noqa: S603 - this interpreter, this module
            [sys.executable, "-m", "smoke_runner.processes.guard", str(read_end), token],
            pass_fds=(read_end,),
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", os.defpath)},
            cwd=str(Path(__file__).resolve().parents[2]),
        )
        os.close(read_end)
        self.token, self._write_end = token, write_end
        os.environ[GUARD_VARIABLE] = token
        return self

    def remove_after_run(self, folder: Path) -> None:
        """Have the guard remove ``folder`` (a temporary folder named ``REMOVABLE_PREFIXES``...)
        should the runner die without removing it itself."""
        self._tell(f"{folder}")

    def remove_if_empty(self, folder: Path) -> None:
        """Have the guard remove ``folder`` (a run's results folder) should the runner die while it
        is still empty."""
        self._tell(f"{EMPTY_ONLY}{folder}")

    def _tell(self, line: str) -> None:
        if self._write_end is not None:
            with contextlib.suppress(OSError):
                os.write(self._write_end, f"{line}\n".encode())


def _environments_readable() -> bool:
    """Whether psutil can read this process's environment (Linux, macOS, Windows: yes)."""
    try:
        psutil.Process().environ()
    except (psutil.Error, NotImplementedError):
        return False
    return sys.platform != "win32"  # os.pipe's end-of-file as the runner's end is POSIX


def marked_processes(token: str) -> list[psutil.Process]:
    """The processes whose environment carries ``token`` (except this one)."""
    found = []
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error, OSError):
            if process.environ().get(GUARD_VARIABLE) == token:
                found.append(process)
    return found


def kill_marked(token: str) -> int:
    """Kill every process marked with ``token``; return how many were found."""
    killed = 0
    for _round in range(_ROUNDS):
        processes = marked_processes(token)
        if not processes:
            break
        for process in processes:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(processes, timeout=2)
        killed += len(processes)
    return killed


def _remove_folders(lines: list[str]) -> None:
    for text in lines:
        if text.startswith(EMPTY_ONLY):
            with contextlib.suppress(OSError):
                Path(text[len(EMPTY_ONLY) :]).rmdir()  # only an empty folder: never a result
            continue
        path = Path(text)
        if path.is_absolute() and path.name.startswith(REMOVABLE_PREFIXES):
            shutil.rmtree(path, ignore_errors=True)


def main(argv: list[str]) -> int:
    """``python -m smoke_runner.processes.guard FD TOKEN``: wait for EOF on FD, then kill what is left."""
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
