"""The committed profile schema (``variables/profiles/profile.schema.json``) as data: what the runner's
profile checks and the keyword library both read from it (the standard library only, so that
``libraries/SmokeLibrary/profile_core.py`` loads this file by its path)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

#: The committed schema, beside the profiles it describes.
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "variables" / "profiles" / "profile.schema.json"


@cache
def profile_schema() -> dict[str, Any]:
    """The committed profile schema (read once per process)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def relative_path_pattern() -> str:
    """The pattern every path of a profile matches (issue 22: paths are relative to the target)."""
    return str(profile_schema()["$defs"]["relative_path"]["pattern"])


def operation_names() -> list[str]:
    """The names of the operations the suites use, in the schema's order."""
    return list(profile_schema()["properties"]["OPERATIONS"]["properties"])


def policy_defaults() -> dict[str, Any]:
    """The safe default of every policy: the ``default`` of each member of ``POLICIES`` in the schema."""
    members = profile_schema()["properties"]["POLICIES"]["properties"]
    return {name: member["default"] for name, member in members.items() if "default" in member}
