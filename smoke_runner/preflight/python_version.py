"""The supported Python versions, read from their one home: ``requires-python`` in
``pyproject.toml``. Checked first thing by ``python -m smoke_runner``, before anything that an older
Python could not import, so that the check can speak (this module imports only the standard library)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
_FLOOR = re.compile(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', re.MULTILINE)


def python_floor(pyproject: Path = PYPROJECT) -> tuple[int, int]:
    """The lowest supported Python version, from ``requires-python = ">=X.Y"`` in ``pyproject``."""
    match = _FLOOR.search(pyproject.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f'{pyproject} has no requires-python = ">=X.Y" line')
    return int(match.group(1)), int(match.group(2))


def unsupported_python() -> str | None:
    """Why this Python cannot run the gate (too old), or None."""
    floor = python_floor()
    if sys.version_info[:2] >= floor:
        return None
    found = ".".join(str(part) for part in sys.version_info[:3])
    return f"Python {floor[0]}.{floor[1]} or newer is required (pyproject.toml, requires-python), found {found}"
