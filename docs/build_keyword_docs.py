"""Builds the keyword documentation (docs/keywords/*.html) with libdoc and checks that it is complete.

Every ``resources/*.resource`` file and the SmokeLibrary get a page. The build fails, listing
what is missing, when

* a resource file or the library has no introduction (``Documentation`` setting or docstring);
* a keyword has no documentation;
* a keyword's documentation does not name each of its arguments (``alias``, ``email`` ...);
* a keyword's documentation has no example (a line with ``Example`` or a ``| ... |`` table row).

Part of ``./run_tests.sh``; run it alone with ``python docs/build_keyword_docs.py``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from robot.libdoc import LibraryDocumentation, libdoc

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = REPO_ROOT / "docs" / "keywords"
LIBRARY = REPO_ROOT / "libraries" / "SmokeLibrary"

EXAMPLE = re.compile(r"Example|^\s*\|", re.MULTILINE)


def sources() -> list[Path]:
    """The resource files and the library, in a stable order."""
    return [*sorted((REPO_ROOT / "resources").glob("*.resource")), LIBRARY]


def page_name(source: Path) -> str:
    """``resources/lattices.resource`` -> ``lattices.html``; the library -> ``SmokeLibrary.html``."""
    return f"{source.stem}.html"


def keyword_problems(name: str, doc: str, arguments: list[str]) -> list[str]:
    """What the documentation ``doc`` of keyword ``name`` lacks (an empty list when complete)."""
    if not doc.strip():
        return [f"keyword '{name}' has no documentation"]
    problems = []
    unnamed = [arg for arg in arguments if not re.search(rf"(?<![\w$@&{{]){re.escape(arg)}\b", doc)]
    if unnamed:
        problems.append(f"keyword '{name}' does not explain its argument(s) {', '.join(unnamed)}")
    if not EXAMPLE.search(doc):
        problems.append(f"keyword '{name}' has no example (an 'Example:' line or a '| ... |' table row)")
    return problems


def missing_documentation(source: Path) -> list[str]:
    """What lacks documentation in ``source``: the file itself or its keywords."""
    spec = LibraryDocumentation(str(source))
    problems = [] if spec.doc.strip() else ["no introduction (Documentation setting or docstring)"]
    for kw in spec.keywords:
        problems += keyword_problems(kw.name, kw.doc, [arg.name for arg in kw.args])
    return [f"{source.name}: {problem}" for problem in problems]


def build(output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Write one HTML page per source into ``output_dir`` and return the pages."""
    output_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for source in sources():
        page = output_dir / page_name(source)
        result = libdoc(str(source), str(page), quiet=True)
        if result != 0:
            raise SystemExit(f"libdoc could not document {source.relative_to(REPO_ROOT)}")
        pages.append(page)
    return pages


def main() -> int:
    problems = [problem for source in sources() for problem in missing_documentation(source)]
    if problems:
        sys.stderr.write(
            f"Keyword documentation is incomplete ({len(problems)} problems):\n  " + "\n  ".join(problems) + "\n"
        )
        return 1
    pages = build()
    keywords = sum(len(LibraryDocumentation(str(source)).keywords) for source in sources())
    sys.stdout.write(
        f"Keyword documentation: {len(pages)} pages, {keywords} keywords, all documented with an example, "
        f"in {OUTPUT_DIR.relative_to(REPO_ROOT)}/\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
