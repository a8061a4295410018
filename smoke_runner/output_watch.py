"""Reads each pabot process's ``output.xml`` as soon as it is complete, while pabot runs on.

Robot Framework writes a process's ``output.xml`` from start to end and closes it with the root's
end tag, ``</robot>``: a file that ends with it (whitespace aside) is complete. ``OutputWatcher``
looks at ``pabot_results/<n>/output.xml`` every ``WATCH_EVERY`` seconds, reads each file once it is
complete (in its own thread, while the other suite still runs), sets ``first`` when the first one
is read (the runner then readies the dashboard: a core is free) and ``complete`` once the
``expected`` number of outputs is read: every process has written its results, and the runner
goes on without waiting for pabot's own end (its polling and shutdown take about 0.25 s). Each
time it sets one of them it sets ``wake`` too. Nothing here depends on pabot's console wording.

A model read early is used only while its file is unchanged (same size and modification time,
before and after the read, and when it is asked for): a file rewritten afterwards (pabot's
interrupt handling) is read again, never handed out stale.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from robot.result import Result

PABOT_RESULTS = "pabot_results"  # where pabot (--no-rebot) leaves each process's output, under --outputdir
WATCH_EVERY = 0.02  # seconds between two looks at the outputs
_END_TAG = b"</robot>"


def is_complete(path: Path) -> bool:
    """Whether ``path`` (an output.xml) ends with Robot Framework's closing ``</robot>``."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64))
            return handle.read().rstrip().endswith(_END_TAG)
    except OSError:
        return False


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


class OutputWatcher:
    """Reads the complete outputs under ``outputdir/pabot_results`` early (see the module)."""

    def __init__(self, outputdir: Path, expected: int | None = None, wake: threading.Event | None = None) -> None:
        self.results = outputdir / PABOT_RESULTS
        self.expected = expected
        self.wake = wake or threading.Event()
        self.first = threading.Event()  # a first output is complete
        self.complete = threading.Event()  # the expected outputs are all read
        self._stopping = threading.Event()
        self._models: dict[Path, tuple[tuple[int, int], Result]] = {}
        self._tried: dict[Path, tuple[int, int]] = {}  # the file as it was when it was last read
        self._thread = threading.Thread(target=self._watch, name="output-watcher", daemon=True)

    def start(self) -> OutputWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop looking (and wait for a read in progress)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _complete_outputs(self) -> list[Path]:
        try:
            folders = [entry.path for entry in os.scandir(self.results) if entry.is_dir()]
        except OSError:  # pabot has not created it yet
            return []
        complete = []
        for path in (Path(folder) / "output.xml" for folder in folders):
            with contextlib.suppress(OSError):
                if path not in self._models and self._tried.get(path) != _signature(path) and is_complete(path):
                    complete.append(path)
        return complete

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_EVERY):
            for path in self._complete_outputs():
                self._read_early(path)
                if not self.first.is_set():
                    self.first.set()
                    self.wake.set()
            if self.expected is not None and len(self._models) >= self.expected:
                self.complete.set()
                self.wake.set()
                return

    def _read_early(self, path: Path) -> None:
        from robot.api import ExecutionResult
        from robot.errors import DataError

        with contextlib.suppress(OSError, DataError):
            before = self._tried[path] = _signature(path)  # a file that cannot be read is not read again
            result = ExecutionResult(str(path))
            if _signature(path) == before:
                self._models[path] = (before, result)

    def read(self, path: Path) -> Result:
        """The model of ``path``: the one read early if the file is unchanged, else read now.
        Call it after ``stop``."""
        from robot.api import ExecutionResult

        early = self._models.get(path)
        with contextlib.suppress(OSError):
            if early is not None and early[0] == _signature(path):
                return early[1]
        return ExecutionResult(str(path))
