"""Starting and stopping the servers the tests start: stopped politely first, then for sure."""

from __future__ import annotations

import subprocess
from typing import Any, TypeVar

_S = TypeVar("_S", bound="StartedServer")


def stop_process(process: subprocess.Popen[Any] | None, grace: float = 5.0) -> None:
    """Terminate ``process`` if it still runs; kill it when it has not ended after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


class StartedServer:
    """A server used as ``with Server(...) as server:``: started on entry (stopped again when the start
    fails half-way, so nothing is left running), stopped on exit. Subclasses give ``start`` and ``stop``."""

    def start(self) -> object:
        """Start the server and wait until it is ready."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the server (idempotent)."""
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
