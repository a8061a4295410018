"""A command (pabot) run in its own session, its output streamed line by line, bounded by a deadline,
and stopped with everything it started (psutil walks the process tree on every platform)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

from smoke_runner.processes.guard import die_with_parent

#: How long a stopped command may take for its graceful end (pabot ends its robot processes and
#: writes what they left) before it and what it started are killed.
GRACE_SECONDS = 8.0


class DeadlineExceeded(Exception):
    """The command was stopped because the run reached its time limit."""


def stop_process_tree(process: subprocess.Popen[str], grace: float = GRACE_SECONDS) -> None:
    """Ask ``process`` to stop (SIGINT: pabot's graceful stop; on Windows, terminate), give it
    ``grace`` seconds, then kill it and every descendant still running (robot processes that pabot
    started in sessions of their own)."""
    try:
        tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    except psutil.Error:
        tree = []
    with contextlib.suppress(OSError):
        if os.name == "nt":
            process.terminate()
        else:
            process.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with contextlib.suppress(psutil.Error):
        tree += psutil.Process(process.pid).children(recursive=True)  # started meanwhile
    for member in tree:
        with contextlib.suppress(psutil.Error):
            member.kill()  # psutil checks the process is still the one it found (no pid reuse)
    psutil.wait_procs(tree, timeout=5)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class RunningCommand:
    """A command running in its own session (Ctrl-C of the terminal is the runner's to handle);
    its output lines go to ``stream`` from a reader thread. ``finish`` waits for its end, at the
    latest until ``deadline`` (monotonic seconds), when it is stopped and ``DeadlineExceeded`` is
    raised; an interrupt while waiting stops it too."""

    def __init__(
        self,
        command: list[str],
        cwd: Path,
        env: Mapping[str, str],
        stream: Callable[[str], None] | None,
        deadline: float | None = None,
    ) -> None:
        self.command = command
        self.deadline = deadline
        self.failure: Exception | None = None  # raised by ``stream``: the command was stopped
        kwargs: dict[str, object] = {}
        if os.name == "nt":
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        else:
            kwargs["start_new_session"] = True
            kwargs["preexec_fn"] = die_with_parent()  # killed with the runner, even on SIGKILL (Linux)
        self.process: subprocess.Popen[str] = subprocess.Popen(  # type: ignore[call-overload]  # noqa: S603
            command,
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            **kwargs,
        )
        self.reader = threading.Thread(target=self._read, args=(stream,), name="command-output", daemon=True)
        self.reader.start()

    def _read(self, stream: Callable[[str], None] | None) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if stream is None or self.failure is not None:
                continue  # read on: a full pipe would block the command
            try:
                stream(line.rstrip("\n"))
            except Exception as error:  # noqa: BLE001 - raised by finish, once the command is stopped
                self.failure = error
                threading.Thread(target=stop_process_tree, args=(self.process,), daemon=True).start()

    def finish(self) -> int:
        """Wait for the command's end and return its exit code; stop it at the deadline
        (``DeadlineExceeded``) or on an interrupt (re-raised)."""
        try:
            while True:
                timeout = None if self.deadline is None else self.deadline - time.monotonic()
                if timeout is not None and timeout <= 0:
                    self.stop()
                    raise DeadlineExceeded(self.command[0])
                try:
                    code = self.process.wait(timeout=None if timeout is None else min(timeout, 1.0))
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.reader.join(timeout=10)
        except DeadlineExceeded:
            raise
        except BaseException:
            self.stop()
            raise
        if self.failure is not None:
            raise self.failure
        return code

    def stop(self) -> None:
        """Stop the command and everything it started, now."""
        if self.process.poll() is None:
            stop_process_tree(self.process)
        self.reader.join(timeout=10)
