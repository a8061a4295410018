"""Builds the keyword documentation (docs/keywords/*.html) with libdoc and checks that it is complete.

Every ``resources/*.resource`` file and the SmokeLibrary get a page. The build fails, listing
what is missing, when a resource file or the library has no introduction, or a keyword has no
documentation. Part of ``./run_tests.sh``; run it alone with ``python docs/build_keyword_docs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from robot.libdoc import LibraryDocumentation, libdoc

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = REPO_ROOT / "docs" / "keywords"
LIBRARY = REPO_ROOT / "libraries" / "SmokeLibrary"


def sources() -> list[Path]:
    """The resource files and the library, in a stable order."""
    return [*sorted((REPO_ROOT / "resources").glob("*.resource")), LIBRARY]


def missing_documentation(source: Path) -> list[str]:
    """Names of what lacks documentation in ``source``: the file itself or its keywords."""
    spec = LibraryDocumentation(str(source))
    problems = [] if spec.doc.strip() else [f"{source.name}: no introduction (Documentation setting or docstring)"]
    problems += [f"{source.name}: keyword '{kw.name}' has no documentation" for kw in spec.keywords if not kw.doc.strip()]
    return problems


def build(output_dir: Path = OUTPUT_DIR) -> list[Path]:
    """Write one HTML page per source into ``output_dir`` and return the pages."""
    output_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for source in sources():
        page = output_dir / f"{source.stem}.html"
        result = libdoc(str(source), str(page), quiet=True)
        if result != 0:
            raise SystemExit(f"libdoc could not document {source.relative_to(REPO_ROOT)}")
        pages.append(page)
    return pages


def main() -> int:
    problems = [problem for source in sources() for problem in missing_documentation(source)]
    if problems:
        sys.stderr.write("Keyword documentation is incomplete:\n  " + "\n  ".join(problems) + "\n")
        return 1
    pages = build()
    sys.stdout.write(f"Keyword documentation: {len(pages)} pages in {OUTPUT_DIR.relative_to(REPO_ROOT)}/\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
