"""Shared fixtures of the workflows suite's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from robot.running import ResourceFileBuilder

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_VARIABLES = REPO_ROOT / "variables" / "workflows.resource"


def _value(variable: Any) -> Any:
    """The Python value of a variable of ``variables/workflows.resource`` (typed ones are JSON)."""
    text = " ".join(variable.value)
    if ":" in variable.name:
        return json.loads(text)
    return text


@pytest.fixture(scope="session")
def workflow_variables() -> dict[str, Any]:
    """``{NAME: value}`` of the typed and plain scalar variables in ``variables/workflows.resource``."""
    resource = ResourceFileBuilder().build(WORKFLOW_VARIABLES)
    values = {}
    for variable in resource.variables:
        name = variable.name[2:-1].split(":")[0].strip()
        if variable.name.startswith("$"):
            values[name] = _value(variable)
        else:
            values[name] = list(variable.value)
    return values
