"""monitoring/smoke-alerts.yml and smoke-recording-rules.yml, checked and unit-tested by promtool
(Debian's ``prometheus`` package).

Every alert has promtool unit tests that see it fire and see it quiet, among them a team that runs
only one-shot gates and one that runs only a canary; and those tests are proven to catch a broken
alert: with the alert's expression replaced by one that never fires, or by one that always fires,
``promtool test rules`` fails. Likewise every recording rule's unit tests fail when its expression
is replaced by a constant.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES = REPO_ROOT / "monitoring" / "smoke-alerts.yml"
RULE_TESTS = (
    REPO_ROOT / "monitoring" / "smoke-alerts.test.yml",
    REPO_ROOT / "monitoring" / "smoke-alerts-daily.test.yml",
)
RECORDING = REPO_ROOT / "monitoring" / "smoke-recording-rules.yml"
RECORDING_TESTS = REPO_ROOT / "monitoring" / "smoke-recording-rules.test.yml"
RECORD = re.compile(r"^      - record: (\S+)\n", re.MULTILINE)
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian package prometheus)")
ALERT = re.compile(r"^      - alert: (\w+)\n", re.MULTILINE)
EXPR = re.compile(r"^        expr: (?:\|\n(?:^          .*\n)+|.*\n)", re.MULTILINE)


def promtool(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def alert_names() -> list[str]:
    return ALERT.findall(RULES.read_text(encoding="utf-8"))


def with_expression(text: str, alert: str, expression: str, kind: str = "alert") -> str:
    """The rules ``text`` with ``alert``'s expression replaced (``kind``: alert or record)."""
    start = text.index(f"      - {kind}: {alert}\n")
    following = (ALERT if kind == "alert" else RECORD).search(text, start + 1)
    end = following.start() if following else len(text)
    block, count = EXPR.subn(f"        expr: {expression}\n", text[start:end], count=1)
    assert count == 1, f"no expr found for {alert}"
    return text[:start] + block + text[end:]


def test_every_alert_of_the_issue_is_there() -> None:
    assert set(alert_names()) >= {
        "SmokeVerdictNotProceed",
        "SmokeVerdictMonitor",
        "SmokeHealthCheckFailing",
        "SmokeFlakyRateHigh",
        "SmokeGateStale",
        "SmokeGateNeverPushed",
        "SmokeCanaryStalled",
        "SmokeCanaryDown",
    }


def test_every_alert_has_unit_tests_that_see_it_fire_and_stay_quiet() -> None:
    tests = "\n".join(path.read_text(encoding="utf-8") for path in RULE_TESTS)
    for alert in alert_names():
        cases = re.findall(rf"alertname: {alert}\n\s+exp_alerts:(.*?)(?=\n\s+- eval_time|\n\s*\n|\Z)", tests, re.DOTALL)
        assert any(case.strip() and case.strip() != "[]" for case in cases), f"no test sees {alert} fire"
        assert any(case.strip() == "[]" for case in cases), f"no test sees {alert} stay quiet"


@needs_promtool
def test_promtool_check_rules_accepts_the_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_names())} rules found" in result.stdout


@needs_promtool
def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", *[str(path) for path in RULE_TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
@pytest.mark.parametrize("broken", ["vector(0) > 1", "vector(1)"], ids=["never-fires", "always-fires"])
def test_promtool_unit_tests_catch_every_broken_alert(tmp_path: Path, broken: str) -> None:
    text = RULES.read_text(encoding="utf-8")
    for alert in alert_names():
        text = with_expression(text, alert, broken)
    (tmp_path / RULES.name).write_text(text, encoding="utf-8")
    for path in RULE_TESTS:
        shutil.copy(path, tmp_path / path.name)
    result = promtool("test", "rules", *[path.name for path in RULE_TESTS], cwd=tmp_path)
    assert result.returncode != 0, f"the unit tests pass with every expression replaced by {broken!r}"
    failures = result.stdout + result.stderr
    for alert in alert_names():
        assert f"alertname: {alert}," in failures, f"the unit tests did not notice {alert} with expr {broken!r}"


def test_severities_follow_the_seeds_matrix() -> None:
    """MONITOR is acceptable (warning); INVESTIGATE and ROLLBACK stop the deployment (critical)."""
    text = RULES.read_text(encoding="utf-8")
    monitor = text[text.index("      - alert: SmokeVerdictMonitor") :]
    assert (
        'verdict="MONITOR"' in monitor.split("labels:")[0] and "severity: warning" in monitor.split("annotations:")[0]
    )
    critical = text[
        text.index("      - alert: SmokeVerdictNotProceed") : text.index("      - alert: SmokeVerdictMonitor")
    ]
    assert 'verdict=~"INVESTIGATE|ROLLBACK"' in critical and "severity: critical" in critical


@needs_promtool
def test_promtool_checks_and_unit_tests_the_recording_rules() -> None:
    result = promtool("check", "rules", str(RECORDING))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(RECORD.findall(RECORDING.read_text(encoding='utf-8')))} rules found" in result.stdout
    result = promtool("test", "rules", str(RECORDING_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_unit_tests_catch_every_broken_recording_rule(tmp_path: Path) -> None:
    text = RECORDING.read_text(encoding="utf-8")
    names = RECORD.findall(text)
    assert len(names) == 3, names
    for name in names:
        (tmp_path / RECORDING.name).write_text(with_expression(text, name, "vector(0.5)", "record"), encoding="utf-8")
        shutil.copy(RECORDING_TESTS, tmp_path / RECORDING_TESTS.name)
        result = promtool("test", "rules", RECORDING_TESTS.name, cwd=tmp_path)
        assert result.returncode != 0, f"the unit tests pass with {name} replaced by a constant"
        assert f'expr: "{name}"' in result.stdout + result.stderr, result.stdout
