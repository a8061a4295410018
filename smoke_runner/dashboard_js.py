"""robotdashboard's JavaScript, merged once per installation instead of at every update.

Every update of ``results/dashboard.html`` has robotdashboard merge its own JavaScript modules
into one block (``DependencyProcessor.get_js_block``: read about a hundred files, order them by
their imports, strip imports and exports with regular expressions): 0.1-0.2 s of CPU, and the
same 850 kB every time for one installed robotdashboard. The dashboard's process (``dashboard``'s
warm process) calls ``remember_js_block`` before robotdashboard runs: the block is then read from
the user's cache folder (``$XDG_CACHE_HOME/smoke-gate`` or ``~/.cache/smoke-gate``) when it is
there, and merged and written there when it is not.

The file's name is a digest of robotdashboard's version and of every file the block is made from
(path, size, modification time) and of the merging code itself: an upgrade, a reinstall or an
edited file makes a new one, and the folder keeps the ``KEEP`` most recently used. The page is
byte for byte the page robotdashboard makes without it (tested). A cache folder that cannot be
written costs nothing but the saving; a robotdashboard without that method (another version) is
left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_FOLDER = "smoke-gate"
#: How many merged blocks the folder keeps (the most recently used): one per installation that
#: uses the folder (a reinstalled virtualenv is a new one), each about 850 kB.
KEEP = 4
PREFIX = "dashboard-js-"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/smoke-gate``, or ``~/.cache/smoke-gate``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / CACHE_FOLDER


def _digest(processor: Any, module: Any, version: str) -> str:
    """A digest of what the block is made from: version, merging code, each JavaScript file."""
    base = Path(module.__file__).parent
    digest = hashlib.sha256(f"{version}\n{bool(getattr(processor, 'admin_page', False))}\n".encode())
    for name in [module.__file__, *processor._gather_files("js")]:  # noqa: SLF001 - the files the block is made of
        status = (base / name).stat()
        digest.update(f"{name}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (another run may read it meanwhile)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _prune(folder: Path) -> None:
    """Keep the ``KEEP`` most recently used blocks of ``folder``."""
    blocks = []
    for path in folder.glob(f"{PREFIX}*.html"):
        with contextlib.suppress(OSError):  # another run may prune at the same time
            blocks.append((path.stat().st_mtime_ns, path))
    for _used, path in sorted(blocks, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            path.unlink()


def remember_js_block(folder: Path | None = None) -> bool:
    """Make robotdashboard's ``get_js_block`` read the merged block from ``folder`` (by default
    ``cache_dir()``), merging and writing it there when it is missing. False (nothing changed)
    when robotdashboard is not installed or has no such method."""
    try:
        from robotframework_dashboard import dependencies
        from robotframework_dashboard.version import __version__
    except ImportError:
        return False
    processor_class = getattr(dependencies, "DependencyProcessor", None)
    merge = getattr(processor_class, "get_js_block", None)
    if processor_class is None or merge is None or not hasattr(processor_class, "_gather_files"):
        return False
    try:
        where = folder or cache_dir()
    except RuntimeError:  # no home folder to be found: nothing to remember it in
        return False

    def get_js_block(self: Any) -> str:
        try:
            path = where / f"{PREFIX}{_digest(self, dependencies, str(__version__))}.html"
        except (OSError, AttributeError, TypeError):  # robotdashboard's files are not as expected
            return str(merge(self))
        with contextlib.suppress(OSError, UnicodeDecodeError):
            block = path.read_text(encoding="utf-8")
            with contextlib.suppress(OSError):
                os.utime(path)  # used now: kept longest
            return block
        block = str(merge(self))
        with contextlib.suppress(OSError):
            _write(path, block)
            _prune(where)
        return block

    processor_class.get_js_block = get_js_block
    return True
