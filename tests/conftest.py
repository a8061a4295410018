"""The suite-level checks: ``./run_tests.sh -m suites`` runs the project's tests that read the suites.

A test module reads the suites when it imports :mod:`tests.support.suite_model` (the suites' tests,
tags and declared proofs) or :mod:`tests.support.proof_run`, directly or through a helper module of
the project's tests that does (``tests/health/_support.py``). Its tests get the marker ``suites``:
the healthy runs, the proof runs, the declarations and the runner's end-to-end verdicts, everything
that must hold again when a test is added to ``suites/*.robot`` (docs/adding-a-smoke-test.md).
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
DOCS_TESTS = TESTS_DIR / "docs"
#: The modules whose importers read the suites.
SUITE_READERS = frozenset({"tests.support.suite_model", "tests.support.proof_run"})


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS_DIR.parent).with_suffix("").parts)


def _imported_modules(path: Path) -> set[str]:
    """The modules ``path`` imports (``from x import y`` gives ``x`` and ``x.y``), relative imports resolved."""
    package = _module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@cache
def reads_the_suites(path: Path) -> bool:
    """Whether the module at ``path`` imports a reader of the suites, directly or through helpers of the tests."""
    seen, pending = {path}, [path]
    while pending:
        for module in _imported_modules(pending.pop()):
            if module in SUITE_READERS:
                return True
            helper = TESTS_DIR.parent.joinpath(*module.split(".")).with_suffix(".py")
            if module.startswith("tests.") and helper.is_file() and helper not in seen:
                seen.add(helper)
                pending.append(helper)
    return False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="the full tier: also the tests marked full (slow consumers, every Python version); what CI runs",
    )


def full_tier(config: pytest.Config) -> bool:
    """Whether the full tier was asked for (``--full``, or ``SMOKE_TESTS_FULL=1``)."""
    return bool(config.getoption("--full")) or os.environ.get("SMOKE_TESTS_FULL") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "full: a slow check (a real consumer, a long run, another Python); only in the full tier (--full)"
    )


def _deselect_full_tier(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--full``, the tests marked ``full`` are not collected (deselected, not skipped)."""
    if full_tier(config):
        return
    deselected = [item for item in items if item.get_closest_marker("full")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("full")]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of every module that reads the suites with ``suites``.

    The tests of the documents (``tests/docs/``) are not suite-level checks; one of them runs the
    suite-level checks itself (test_guide_executed.py) and must never be run by them.
    """
    _deselect_full_tier(config, items)
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if path.is_relative_to(TESTS_DIR) and not path.is_relative_to(DOCS_TESTS) and reads_the_suites(path):
            item.add_marker(pytest.mark.suites)
