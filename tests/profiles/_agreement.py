"""A run against a deployment agrees with the applicability table the runner prints before it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from robot.api import ExecutionResult

from smoke_runner.profiles import FULL, NARROWED, NOT_OFFERED, applicability_table
from smoke_runner.profiles.capabilities import NARROWED_PREFIX, NARROWED_TAG

DEFAULT = Path(__file__).resolve().parents[2] / "variables" / "profiles" / "contract.yaml"


def profile_variables(path: Path) -> dict[str, Any]:
    """The variables a run has with the profile at ``path`` (the default's, the profile's over them)."""
    variables: dict[str, Any] = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    variables.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    return variables


def disagreements(output: Path, profile: Path, admin_token: bool | None = None) -> list[str]:
    """How the tests of the run in ``output`` (output.xml) differ from the table of ``profile``."""
    tests = {str(test.name): test for test in _all_tests(ExecutionResult(str(output)).suite)}
    found = []
    for row in applicability_table(profile_variables(profile), admin_token=admin_token):
        test = tests.get(row.test.name)
        if test is None:
            continue
        narrowed = sorted(str(tag)[len(NARROWED_PREFIX) :] for tag in test.tags if str(tag).startswith(NARROWED_PREFIX))
        expected = sorted(capability for capability, _, _ in row.applicability.left_out)
        status = row.applicability.status
        skipped_as_absent = test.status == "SKIP" and "this deployment (profile" in test.message
        if status == NOT_OFFERED and not skipped_as_absent:
            found.append(f"{row.test.name}: not offered in the table, but {test.status} {test.message[:200]}")
        if status == NARROWED and test.status != "SKIP" and (narrowed != expected or NARROWED_TAG not in test.tags):
            found.append(f"{row.test.name}: narrowed without {expected} in the table, but tagged {narrowed}")
        if status == FULL and narrowed:
            found.append(f"{row.test.name}: runs fully in the table, but narrowed without {narrowed}")
    return found


def _all_tests(suite: Any) -> list[Any]:
    return [*suite.tests, *(test for child in suite.suites for test in _all_tests(child))]
