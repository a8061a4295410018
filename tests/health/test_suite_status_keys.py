"""The health suite reads a component's status word where the profile's ``HEALTH_STATUS_KEYS`` says.

A stand-in answers ``{"status": ..., "components": {"db": {"state": ...}}}`` and the suite runs with a
profile that lists ``db`` as the required database: with ``HEALTH_STATUS_KEYS: [state, status]`` a
healthy report passes and one saying ok while ``db`` is down fails as a contradiction; without the key
the database check fails saying where it looked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.robot_run import RobotRun

from ._stand_ins import same_page_stand_in
from ._support import describe_run, run_health

pytestmark = pytest.mark.suites

LEAN = Path(__file__).resolve().parents[2] / "variables" / "profiles" / "lean.yaml"
HEALTH = "API Server Is Running And Responding"
DATABASE = "Database Connection Is Active"


def _run(tmp_path: Path, state: str, keys: str | None) -> RobotRun:
    text = LEAN.read_text(encoding="utf-8").replace(
        "  database: {names: [database], required: true}\n",
        "  database: {names: [db], required: true}\n" + (f"HEALTH_STATUS_KEYS: {keys}\n" if keys else ""),
    )
    profile = tmp_path / "state.yaml"
    profile.write_text(text, encoding="utf-8")
    report = {"status": "ok", "components": {"db": {"state": state}}}
    with same_page_stand_in(json.dumps(report).encode(), "application/json") as url:
        return run_health(url, tmp_path / "out", tests=[HEALTH, DATABASE], extra_args=["--variablefile", str(profile)])


def test_a_state_report_passes_when_the_profile_says_where_the_word_sits(tmp_path: Path) -> None:
    run = _run(tmp_path, "up", "[state, status]")
    assert (run.status(HEALTH), run.status(DATABASE)) == ("PASS", "PASS"), describe_run(run)


def test_an_ok_report_with_the_database_down_under_state_fails(tmp_path: Path) -> None:
    run = _run(tmp_path, "down", "[state, status]")
    assert run.status(HEALTH) == "FAIL", describe_run(run)
    assert "contradicts itself: overall 'ok' but db 'down'" in run.message(HEALTH), describe_run(run)
    assert run.status(DATABASE) == "FAIL", describe_run(run)
    assert "Expected health check 'db' to be pass, but it is 'fail'" in run.message(DATABASE), describe_run(run)


def test_without_the_key_the_database_check_says_where_it_looked(tmp_path: Path) -> None:
    run = _run(tmp_path, "up", None)
    assert run.status(DATABASE) == "FAIL", describe_run(run)
    assert "no status word at 'status' in component 'db'" in run.message(DATABASE), describe_run(run)
