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

from smoke_runner.cli import main


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
