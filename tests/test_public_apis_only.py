"""Other projects are used through their public APIs only (issue 23): an upgrade must not break the gate silently.

The project's own Python (the runner, the keyword library, the listeners, the reference API) is read
as syntax: no name with a leading underscore is imported from another package or read from a module
or object imported from one (``os._exit``, ``namespace._resource_cache``), and nothing is assigned
to an attribute of such a module (``namespace.IMPORTER = ...``, ``RequestsLibrary.log.log_response
= ...``). Dunder names (``__version__``) are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
#: The project's code that runs in a gate or serves its demo.
CODE = ("smoke_runner", "libraries", "listeners", "monitoring", "reference_api")
#: Top-level names of the project's own modules.
FIRST_PARTY = {"smoke_runner", "libraries", "listeners", "monitoring", "reference_api", "SmokeLibrary"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def foreign_private_uses(source: str) -> list[str]:
    """What ``source`` reads privately from, or replaces in, another project: ``LINE: what``."""
    tree = ast.parse(source)
    foreign: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in FIRST_PARTY:
                    foreign.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").split(".")[0] in FIRST_PARTY:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                foreign.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in foreign:
            if _private(node.attr):
                found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                found.append(f"{node.lineno}: replaces {node.value.id}.{node.attr}")
    return sorted(set(found))


def test_the_projects_code_uses_other_projects_through_their_public_apis_only() -> None:
    problems = [
        f"{path.relative_to(REPO)}:{use}"
        for folder in CODE
        for path in sorted((REPO / folder).rglob("*.py"))
        for use in foreign_private_uses(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "private names or replaced globals of other projects:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os\nos._exit(0)\n", "2: os._exit"),
        ("from robot.running import namespace\nnamespace.IMPORTER = None\n", "2: replaces namespace.IMPORTER"),
        (
            "def f():\n    from RequestsLibrary import log as requests_log\n    requests_log.log_response = print\n",
            "3: replaces requests_log.log_response",
        ),
        ("from robot.output import LOGGER\nLOGGER._message_cache.clear()\n", "2: LOGGER._message_cache"),
        ("from requests.utils import _parse_header\n", "1: from requests.utils import _parse_header"),
    ],
)
def test_the_check_finds_each_kind_of_private_use(source: str, expected: str) -> None:
    assert expected in foreign_private_uses(source)


def test_the_check_leaves_public_and_own_names_alone() -> None:
    source = (
        "import robot\nfrom .masking import _lock\nfrom smoke_runner.x import _y\nrobot.__version__\n"
        "class A:\n    def f(self):\n        self._x = 1\n"
    )
    assert foreign_private_uses(source) == []
