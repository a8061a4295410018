"""``output.xml``, ``log.html`` and ``report.html`` of a run, written once from the merged result,
with the verdict as top-level metadata (where people look first), by Robot Framework's own
``ResultWriter``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from robot.result import Result

OUTPUT, LOG, REPORT = "output.xml", "log.html", "report.html"


def write_output(result: Result, run_dir: Path, metadata: Mapping[str, str] | None = None) -> str | None:
    """Write ``run_dir``/output.xml from ``result`` with ``metadata`` added to the top suite's
    metadata; return an error text, or None when it was written (and closed: complete for its readers)."""
    from robot.errors import DataError

    result.suite.metadata.update(dict(metadata or {}))
    try:
        result.save(str(run_dir / OUTPUT))
    except (DataError, OSError) as error:
        return f"writing output.xml failed: {error}"
    return None


def write_pages(result: Result, run_dir: Path) -> str | None:
    """Write ``run_dir``/log.html and report.html from ``result`` (after ``write_output``, which
    added the metadata); return an error text, or None when both were written."""
    from robot.api import ResultWriter
    from robot.errors import DataError

    try:
        ResultWriter(result).write_results(outputdir=str(run_dir), output=None, log=LOG, report=REPORT, xunit=None)
    except (DataError, OSError) as error:
        return f"writing log.html and report.html failed: {error}"
    missing = [name for name in (LOG, REPORT) if not (run_dir / name).is_file()]
    return f"writing {' and '.join(missing)} failed" if missing else None
