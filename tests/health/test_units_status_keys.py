"""Where a component's status word sits in its entry: the profile's ``HEALTH_STATUS_KEYS``.

A report keeping it under another key than ``status`` (``{"db": {"state": "up"}}``) is read when the
profile says so; the rules hold as before (a down component fails its check, a report saying ok while
one is down contradicts itself, a missing listed component fails), an entry with no readable word
fails saying where it was looked for, and the profiles the project ships read their reports as they
did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from libraries.SmokeLibrary.health.health_formats import (
    STATUS_KEYS,
    HealthFormatKeywords,
    contradictions,
    parse_health_document,
    status_keys_of,
)
from tests.health.test_units_profile_health import health_answer

pytestmark = pytest.mark.unit

PROFILES = Path(__file__).resolve().parents[2] / "variables" / "profiles"
STATE = {"status": "ok", "components": {"db": {"state": "up"}}}
KEYS = ["state", "status"]
DATABASE = {"database": {"names": ["db"], "required": True}}


def _with_db(state: str, overall: str = "ok") -> dict[str, Any]:
    return {"status": overall, "components": {"db": {"state": state}}}


def test_the_state_shape_passes_when_the_profile_declares_the_key() -> None:
    document = parse_health_document(STATE, status_keys=KEYS)
    assert (document.status, document.check(["db"])) == ("pass", ("db", "pass"))
    assert document.unread == {}
    keywords = HealthFormatKeywords()
    keywords.health_response_should_report_a_healthy_service(health_answer(STATE), ["db"], status_keys=KEYS)
    keywords.health_check_should_pass(health_answer(STATE), ["db"], status_keys=KEYS)
    keywords.health_components_should_be_reported(health_answer(STATE), DATABASE, status_keys=KEYS)
    assert keywords.health_check_status_of(health_answer(STATE), "db", status_keys="state") == "pass"


def test_the_keys_are_tried_in_order_and_the_first_present_one_is_read() -> None:
    body = {"status": "ok", "components": {"db": {"status": "up"}, "queue": {"state": "down", "status": "up"}}}
    document = parse_health_document(body, status_keys=KEYS)
    assert document.checks == {"db": "pass", "queue": "fail"}
    assert document.raw_checks["queue"] == "down"


def test_a_component_down_under_its_declared_key_fails_its_check() -> None:
    keywords = HealthFormatKeywords()
    down = health_answer(_with_db("down", overall="degraded"))
    with pytest.raises(AssertionError, match=r"Expected health check 'db' to be pass, but it is 'fail'"):
        keywords.health_check_should_pass(down, ["db"], status_keys=KEYS)
    with pytest.raises(AssertionError, match=r"the required check 'db' \(database\) is 'fail'"):
        keywords.health_components_should_be_reported(down, DATABASE, status_keys=KEYS)
    with pytest.raises(AssertionError, match=r"no 'rabbit' check \(queue, named one of rabbit\); checks present: db"):
        keywords.health_components_should_be_reported(
            health_answer(STATE), {"queue": {"names": ["rabbit"]}}, status_keys=KEYS
        )


@pytest.mark.parametrize("layout", ["auto", "nested", "flat"])
def test_an_ok_report_with_a_component_down_under_its_key_contradicts_itself(layout: str) -> None:
    nested = _with_db("down")
    flat = {"status": "ok", "db": {"state": "down"}}
    body = flat if layout == "flat" else nested
    document = parse_health_document(body, layout=layout, status_keys=KEYS)
    assert contradictions(document) == ["db 'down'"]
    keywords = HealthFormatKeywords()
    with pytest.raises(AssertionError, match=r"contradicts itself: overall 'ok' but db 'down' \(a component fails"):
        keywords.health_response_should_report_a_healthy_service(
            health_answer(body), ["db"], layout=layout, status_keys=KEYS
        )


def test_an_optional_component_down_under_its_key_contradicts_an_ok_but_not_a_warn() -> None:
    body = {"status": "warn", "components": {"db": {"state": "up"}, "redis": {"state": "down"}}}
    assert contradictions(parse_health_document(body, status_keys=KEYS), ["db"]) == []
    required_down = {"status": "warn", "components": {"db": {"state": "down"}}}
    assert contradictions(parse_health_document(required_down, status_keys=KEYS), ["db"]) == ["db 'down'"]


def test_an_entry_without_a_readable_word_fails_saying_where_it_looked() -> None:
    keywords = HealthFormatKeywords()
    without = (
        r"it is 'unrecognised' \(no status word at 'status' in component 'db'; HEALTH_STATUS_KEYS says where it sits\)"
    )
    with pytest.raises(AssertionError, match=without):
        keywords.health_check_should_pass(health_answer(STATE), ["db"])  # the default key: status
    looked = r"no status word at 'health' or 'status' in component 'db'"
    with pytest.raises(AssertionError, match=rf"the required check 'db' \(database\) is 'unrecognised' \({looked}"):
        keywords.health_components_should_be_reported(health_answer(STATE), DATABASE, status_keys=["health", "status"])
    sideways = r"'sideways' at 'state' in component 'db' is no known status word; HEALTH_STATUS_WORDS adds words"
    with pytest.raises(AssertionError, match=sideways):
        keywords.health_check_should_pass(health_answer(_with_db("sideways")), ["db"], status_keys=KEYS)


def test_an_empty_list_of_keys_is_refused() -> None:
    with pytest.raises(AssertionError, match=r"HEALTH_STATUS_KEYS is \[\]"):
        parse_health_document(STATE, status_keys=[])


#: Reports of every shape, and what the suite read from them before HEALTH_STATUS_KEYS existed.
BEFORE: list[tuple[dict[str, Any], str, dict[str, str]]] = [
    (
        {"status": "pass", "checks": {"database": {"status": "pass"}, "redis": {"status": "not_configured"}}},
        "Lattice contract",
        {"database": "pass", "redis": "not_configured"},
    ),
    (
        {"status": "UP", "components": {"db": {"status": "UP", "components": {"primary": {"status": "DOWN"}}}}},
        "Spring Boot Actuator",
        {"db": "pass", "db/primary": "fail"},
    ),
    (
        {"status": "pass", "checks": {"database:responseTime": [{"status": "warn"}, {"status": "pass"}]}},
        "IETF health+json",
        {"database:responseTime": "warn"},
    ),
    ({"status": "ok", "components": {"database": "up"}}, "Spring Boot Actuator", {"database": "pass"}),
    (
        {"status": "healthy", "database": "unhealthy", "redis": {"status": "ok"}, "version": "1.2"},
        "flat component map",
        {"database": "fail", "redis": "pass"},
    ),
    ({"status": "ok", "components": {"db": {"state": "up"}}}, "Spring Boot Actuator", {"db": "unrecognised"}),
]


@pytest.mark.parametrize("name", ["contract", "classic", "lean"])
def test_the_shipped_profiles_read_their_reports_as_before(name: str) -> None:
    profile = yaml.safe_load((PROFILES / f"{name}.yaml").read_text(encoding="utf-8"))
    default = yaml.safe_load((PROFILES / "contract.yaml").read_text(encoding="utf-8"))
    keys = profile.get("HEALTH_STATUS_KEYS", default["HEALTH_STATUS_KEYS"])  # what it leaves out, it inherits
    assert status_keys_of(keys) == STATUS_KEYS == status_keys_of(None) == ("status",)
    for report, shape, checks in BEFORE:
        document = parse_health_document(report, status_keys=keys)
        assert (document.shape, document.checks) == (shape, checks)
    assert contradictions(parse_health_document(BEFORE[1][0], status_keys=keys)) == ["db/primary 'DOWN'"]
    assert contradictions(parse_health_document(BEFORE[4][0], status_keys=keys)) == ["database 'unhealthy'"]
