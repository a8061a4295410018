"""Entry point: ``python -m smoke_runner [options] [pabot/robot options]``."""

from __future__ import annotations

import sys

from smoke_runner.cli import main

if __name__ == "__main__":
    sys.exit(main())
