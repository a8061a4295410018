"""The keyword-docs build (docs/build_keyword_docs.py) enforces its rule and covers every source."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.docs._markdown import REPO_ROOT


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_keyword_docs", REPO_ROOT / "docs" / "build_keyword_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("doc", "arguments", "problem"),
    [
        ("", [], "has no documentation"),
        ("Deletes the lattice.", [], "has no example"),
        (
            "Deletes lattice ``id``.\n\nExample: ``Delete Lattice    ${OWNER_SESSION}    ${id}``",
            ["alias", "id"],
            "does not explain its argument(s) alias",
        ),
    ],
)
def test_incomplete_documentation_is_reported(
    builder: ModuleType, doc: str, arguments: list[str], problem: str
) -> None:
    problems = builder.keyword_problems("Delete Lattice", doc, arguments)
    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    "doc",
    [
        "Deletes lattice ``id`` of ``alias``.\n\nExample: ``Delete Lattice    owner    42``",
        "Deletes lattice ``id`` of ``alias``.\n\n| Delete Lattice | owner | 42 |",
    ],
)
def test_complete_documentation_passes(builder: ModuleType, doc: str) -> None:
    assert builder.keyword_problems("Delete Lattice", doc, ["alias", "id"]) == []


def test_every_resource_file_and_the_library_are_documented_completely(builder: ModuleType) -> None:
    sources = builder.sources()
    assert {path.name for path in sources} >= {f.name for f in (REPO_ROOT / "resources").glob("*.resource")}
    assert REPO_ROOT / "libraries" / "SmokeLibrary" in sources
    problems = [problem for source in sources for problem in builder.missing_documentation(source)]
    assert not problems, "\n".join(problems)


def test_build_writes_one_page_per_source(builder: ModuleType, tmp_path: Path) -> None:
    pages = builder.build(tmp_path)
    assert sorted(page.name for page in pages) == sorted(builder.page_name(source) for source in builder.sources())
    assert all(page.stat().st_size > 10_000 for page in pages)
