"""The user's chosen Robot Framework libraries are used for what they are for, not installed for show."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROBOT_FILES = [*REPO.glob("resources/*.resource"), *REPO.glob("suites/*.robot")]

#: library -> keywords of it that the suites must call (what the library is chosen for)
CHOSEN = {
    "RequestsLibrary": ("Create Session", "GET On Session"),
    "JSONLibrary": ("Get Value From Json",),
}


def _calls(keyword: str) -> list[str]:
    """Files with a body line calling ``keyword`` (after an assignment or at the start of a step)."""
    pattern = re.compile(rf"^\s+(?:[$@&]\{{[^}}]+\}}\s*=?\s+)*{re.escape(keyword)}(?:\s{{2,}}|$)", re.I | re.M)
    return [path.name for path in ROBOT_FILES if pattern.search(path.read_text(encoding="utf-8"))]


def test_each_chosen_library_is_imported_and_its_keywords_called() -> None:
    imports = {path.name: path.read_text(encoding="utf-8") for path in ROBOT_FILES}
    for library, keywords in CHOSEN.items():
        importing = [name for name, text in imports.items() if re.search(rf"^Library\s+{library}\s*$", text, re.M)]
        assert importing, f"no resource or suite imports {library}"
        for keyword in keywords:
            assert _calls(keyword), f"{library} is imported but no keyword calls its '{keyword}'"


def test_the_requirements_name_the_chosen_packages() -> None:
    requirements = (REPO / "requirements.txt").read_text(encoding="utf-8").lower()
    for package in ("robotframework", "robotframework-requests", "robotframework-jsonlibrary", "robotframework-pabot"):
        assert re.search(rf"^{re.escape(package)}[<>=]", requirements, re.M), package
