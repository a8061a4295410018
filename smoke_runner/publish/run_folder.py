"""The run folder ``results/<timestamp>/`` and the stable ``results/latest`` pointer."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

LATEST = "latest"


def new_run_dir(results_dir: Path, now: datetime | None = None) -> tuple[str, Path]:
    """Create ``results_dir/<UTC timestamp>`` (``_2``, ``_3``... if taken); return (name, path)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d_%H%M%S")
    results_dir.mkdir(parents=True, exist_ok=True)
    for index in range(1, 1000):
        name = stamp if index == 1 else f"{stamp}_{index}"
        path = results_dir / name
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return name, path
    raise RuntimeError(f"cannot create a run folder in {results_dir}")


def update_latest(results_dir: Path, run_name: str) -> Path:
    """Point ``results/latest`` at the run: a relative symlink (replaced atomically) on POSIX; where
    symlinks are not allowed (Windows without the privilege), a copy of the folder plus
    ``results/latest.txt`` naming the run."""
    latest = results_dir / LATEST
    (results_dir / "latest.txt").write_text(run_name + "\n", encoding="utf-8")
    temporary = results_dir / f".{LATEST}.{os.getpid()}"
    try:
        if temporary.is_symlink() or temporary.exists():
            temporary.unlink()
        os.symlink(run_name, temporary, target_is_directory=True)
        if latest.is_dir() and not latest.is_symlink():
            shutil.rmtree(latest)
        os.replace(temporary, latest)
        return latest
    except (OSError, NotImplementedError):
        if temporary.is_symlink():
            temporary.unlink()
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    shutil.copytree(results_dir / run_name, latest)
    return latest
