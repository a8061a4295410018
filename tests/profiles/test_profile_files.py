"""The committed profiles: loadable by Robot and the runner, valid against the committed schema, and data only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from libraries.SmokeLibrary.masking import values_at
from smoke_runner.configure.passthrough import PROTECTED_VARIABLES, check_variable_file
from smoke_runner.profiles import check_profile
from smoke_runner.profiles.schema_file import operation_names

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILES = sorted((REPO_ROOT / "variables" / "profiles").glob("*.yaml"))
CONTRACT = REPO_ROOT / "variables" / "profiles" / "contract.yaml"
LIBRARIES = REPO_ROOT / "libraries"
PROFILE_TOOLING = REPO_ROOT / "smoke_runner" / "profiles"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_default_and_the_classic_profile_are_committed() -> None:
    assert {path.name for path in PROFILES} >= {"contract.yaml", "classic.yaml"}


@pytest.mark.parametrize("path", PROFILES, ids=[path.stem for path in PROFILES])
def test_a_profile_loads_in_the_runner_and_sets_no_protected_variable(path: Path) -> None:
    check_variable_file(path)  # raises OptionError for a protected variable
    assert not set(load(path)) & set(PROTECTED_VARIABLES)


@pytest.mark.parametrize("path", PROFILES, ids=[path.stem for path in PROFILES])
def test_a_profile_is_valid_against_the_committed_schema(path: Path) -> None:
    check = check_profile(path)
    assert check.ok, check.render()
    assert not check.notes or path.stem != "contract", check.notes


@pytest.mark.parametrize("path", PROFILES, ids=[path.stem for path in PROFILES])
def test_a_profile_maps_every_operation_of_the_suites(path: Path) -> None:
    profile = load(path)
    assert list(profile["OPERATIONS"]) == operation_names(), "every operation, in the schema's order"
    assert profile["PROFILE_NAME"] == path.stem
    for name, operation in profile["OPERATIONS"].items():
        if operation.get("offered", True) is False:
            continue
        assert operation["success"] and all(isinstance(code, int) for code in operation["success"]), name
        for location in [*operation.get("fields", []), *_locations(operation.get("read", {}))]:
            values_at({}, location.replace("{id}", "x"))  # every JSONPath parses


def _locations(read: dict) -> list[str]:
    return [item for value in read.values() for item in ([value] if isinstance(value, str) else value)]


def test_python_knows_no_contract_path_field_status_component_or_metric() -> None:
    """The default profile holds the contract; libraries/ and the profile tooling hold none of it outside docstrings."""
    default = load(CONTRACT)
    paths = {operation["path"] for operation in default["OPERATIONS"].values() if "path" in operation}
    paths |= {default[key] for key in ("HEALTH_PATH", "METRICS_PATH", "UNKNOWN_PATH", "RATE_LIMIT_PROBE_PATH")}
    names = {name for component in default["HEALTH_COMPONENTS"].values() for name in component["names"]}
    names |= set(default["METRIC_FAMILIES"]) | {default["REQUEST_COUNTER"]}
    fields = {
        match
        for operation in default["OPERATIONS"].values()
        for location in [*operation.get("fields", []), *_locations(operation.get("read", {}))]
        for match in re.findall(r"\.([a-z]+_[a-z_]+)", location)
    }  # access_token, created_at, expires_in...
    statuses = {
        str(code)
        for operation in default["OPERATIONS"].values()
        for key, codes in operation.items()
        if isinstance(codes, list) and key not in ("fields",)
        for code in codes
        if isinstance(code, int)
    }
    found = []
    for source in [*LIBRARIES.rglob("*.py"), *PROFILE_TOOLING.rglob("*.py")]:
        code = _without_docstrings_and_comments(source.read_text(encoding="utf-8"))
        for needle in sorted(paths | fields):
            if re.search(rf"(?<![\w.+-]){re.escape(needle)}(?![\w-])", code):
                found.append(f"{source.relative_to(REPO_ROOT)}: {needle}")
        for name in sorted(names):
            if re.search(rf"[\"']{re.escape(name)}[\"']", code):
                found.append(f"{source.relative_to(REPO_ROOT)}: {name!r}")
        # HTTP itself, not the contract: 200/204 (a CORS preflight, the webhook receiver's own answer),
        # 400 (where error statuses begin)
        for status in sorted(statuses - {"200", "204", "400"}):
            if re.search(rf"(?<![\w.]){status}(?![\w.])", code):
                found.append(f"{source.relative_to(REPO_ROOT)}: status {status}")
    assert not found, found


def _without_docstrings_and_comments(code: str) -> str:
    code = re.sub(r'"""[\s\S]*?"""', "", code)
    return "\n".join(line.split("#", 1)[0] for line in code.splitlines())
