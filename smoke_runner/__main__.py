"""Entry point: ``python -m smoke_runner [options] [pabot/robot options]``.

The process ends with ``os._exit`` once ``main`` has returned and the console is flushed: by then
every child is stopped or waited for and every file is written and closed, and Python's own
teardown (the modules of Robot Framework, requests and the rest) would only add 0.1-0.15 s to the
time to the verdict. ``main`` called in-process (the tests) returns normally.
"""

from __future__ import annotations

import contextlib
import os
import sys

from smoke_runner import forkserver
from smoke_runner.guard import start_guard
from smoke_runner.verdict import EXIT_INTERRUPTED


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _main() -> int:
    """The fork server starts before the runner's own modules are imported: this process imports
    Robot Framework and requests, which it needs itself, and forks the server, which imports pabot
    and the suites' libraries while the runner checks its options and the target
    (``smoke_runner/forkserver.py``)."""
    try:
        start_guard()  # first: the fork server and everything after it carry the guard's token
        with forkserver.serving(sys.executable, fork=True) as served:
            from smoke_runner.cli import main  # imported after the fork server's start

            return main(served=served)
    except KeyboardInterrupt:  # a Ctrl-C before the runner's own handling is in place
        sys.stderr.write(f"interrupted: no verdict (exit code {EXIT_INTERRUPTED})\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    _exit_now(_main())
