"""The gate benchmark's own helpers (benchmarks/gate_figures.py, benchmarks/timed_api.py): no timing asserted.

The benchmark prints figures and asserts nothing; these tests check that it reads what a run
leaves behind correctly: the suites' and tests' times in output.xml (Robot 7 and Robot 6 formats,
and a real output.xml written by robot), the phases from console lines, the verdict, medians and
the aligned report lines, and that the timing middleware counts requests and resets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import robot

from benchmarks import gate_figures as gf
from benchmarks.gate_figures import STATS_PATH
from benchmarks.timed_api import TimingMiddleware

ROBOT7 = """<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Rebot 7.5" generated="2026-12-01T14:33:40.000000" rpa="false" schemaversion="5">
<suite id="s1" name="Smoke">
<suite id="s1-s1" name="Health" source="/x/health.robot">
<test id="s1-s1-t1" name="Api Server Is Running" line="1">
<status status="PASS" start="2026-12-01T14:33:24.600000" elapsed="0.250000"/>
</test>
<test id="s1-s1-t2" name="Response Times Meet SLA" line="9">
<status status="FAIL" start="2026-12-01T14:33:24.900000" elapsed="4.300000">p95 was 900 ms
over the limit</status>
</test>
<status status="FAIL" start="2026-12-01T14:33:24.500000" elapsed="8.700000"/>
</suite>
<suite id="s1-s2" name="Workflows" source="/x/workflows.robot">
<test id="s1-s2-t1" name="User Login Flow" line="1">
<status status="PASS" start="2026-12-01T14:33:24.700000" elapsed="1.000000"/>
</test>
<status status="PASS" start="2026-12-01T14:33:24.490000" elapsed="15.300000"/>
</suite>
<status status="FAIL" start="2026-12-01T14:33:24.400000" elapsed="15.500000"/>
</suite>
</robot>
"""

ROBOT6 = """<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Robot 6.1.1" generated="20261201 14:33:40.000" rpa="false" schemaversion="4">
<suite id="s1" name="Health" source="/x/health.robot">
<test id="s1-t1" name="Api Server Is Running" line="1">
<status status="PASS" starttime="20261201 14:33:24.600" endtime="20261201 14:33:24.850"/>
</test>
<status status="PASS" starttime="20261201 14:33:24.500" endtime="20261201 14:33:33.200"/>
</suite>
</robot>
"""


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_suite_timings_of_robot7_output() -> None:
    health, workflows = gf.suite_timings(ROBOT7)
    assert (health.name, workflows.name) == ("Health", "Workflows")
    assert health.start == pytest.approx(epoch("2026-12-01T14:33:24.5"))
    assert health.seconds == pytest.approx(8.7)
    assert workflows.seconds == pytest.approx(15.3)
    assert [test.name for test in health.tests] == ["Api Server Is Running", "Response Times Meet SLA"]
    failed = health.tests[1]
    assert (failed.status, failed.message) == ("FAIL", "p95 was 900 ms")
    assert failed.seconds == pytest.approx(4.3)


def test_suite_timings_of_robot6_output() -> None:
    (health,) = gf.suite_timings(ROBOT6)
    assert health.seconds == pytest.approx(8.7)
    assert health.start == pytest.approx(epoch("2026-12-01T14:33:24.5"))
    assert health.tests[0].seconds == pytest.approx(0.25)


def test_suite_timings_of_a_merged_suite_without_times_of_its_own() -> None:
    merged = ROBOT7.replace('<status status="FAIL" start="2026-12-01T14:33:24.500000" elapsed="8.700000"/>', "")
    merged = merged.replace("</suite>\n<suite", '<status status="FAIL" elapsed="8.700000"/>\n</suite>\n<suite', 1)
    health, _ = gf.suite_timings(merged)
    assert health.start == pytest.approx(epoch("2026-12-01T14:33:24.6"))  # its first test's start
    assert health.end == pytest.approx(epoch("2026-12-01T14:33:29.2"))  # its last test's end


def test_suite_timings_of_a_real_output_xml(tmp_path: Path) -> None:
    source = tmp_path / "floor.robot"
    source.write_text(
        "*** Test Cases ***\nFirst\n    [Documentation]    One.\n    No Operation\n"
        "Second\n    [Documentation]    Two.\n    Fail    broken\\nsecond line\n",
        encoding="utf-8",
    )
    before = datetime.now().timestamp()
    robot.run(str(source), outputdir=str(tmp_path), log="NONE", report="NONE", console="none")
    (suite,) = gf.suite_timings(tmp_path / "output.xml")
    assert suite.name == "Floor"
    assert before - 1 <= suite.start <= suite.end
    assert [(test.name, test.status, test.message) for test in suite.tests] == [
        ("First", "PASS", ""),
        ("Second", "FAIL", "broken"),
    ]


def test_failure_messages_of_a_test_merged_by_rebot(tmp_path: Path) -> None:
    source = tmp_path / "slow.robot"
    source.write_text(
        "*** Test Cases ***\nResponse Times Meet SLA\n    [Documentation]    Fails differently each time.\n"
        "    Fail    p95 of ${ATTEMPT} & more\\nsecond line\n",
        encoding="utf-8",
    )
    for attempt in ("first", "rerun"):
        robot.run(
            str(source),
            outputdir=str(tmp_path),
            output=f"{attempt}.xml",
            log="NONE",
            report="NONE",
            console="none",
            variable=[f"ATTEMPT:{attempt}"],
        )
    robot.rebot(
        str(tmp_path / "first.xml"),
        str(tmp_path / "rerun.xml"),
        merge=True,
        outputdir=str(tmp_path),
        output="output.xml",
        log="NONE",
        report="NONE",
        stdout=None,
    )
    (suite,) = gf.suite_timings(tmp_path / "output.xml")
    assert suite.tests[0].message == "first attempt: p95 of first & more; re-run: p95 of rerun & more"
    assert gf.failure_message("plain\nsecond") == "plain"


def test_phases_from_console_lines_and_output_times() -> None:
    suites = gf.suite_timings(ROBOT7)
    started = epoch("2026-12-01T14:33:23.5")  # the run started 1 s before the first suite
    lines = [
        (0.5, "== Run 20261201_143323 (id x) against http://127.0.0.1:1"),
        (0.7, "== Running health, workflows with pabot (2 processes)"),
        (17.0, "Total testing: 24.0 seconds"),
        (17.8, "Elapsed time:  16.51 seconds"),
        (23.3, "VERDICT: PROCEED - Proceed: deployment successful (exit code 0)"),
    ]
    artifacts = {"output.xml": started + 19.8, "log.html": started + 20.8}
    result = gf.phases(lines, suites, started, 23.5, artifacts)
    assert result.setup == pytest.approx(0.7)
    assert result.pabot_start == pytest.approx(0.99 - 0.7)  # first suite (Workflows) started at +0.99 s
    assert result.suites == {"Health": pytest.approx(8.7), "Workflows": pytest.approx(15.3)}
    assert result.pabot_finish == pytest.approx(17.8 - (0.99 + 15.3))
    assert result.rerun is None
    assert result.post == pytest.approx(23.5 - 17.8)
    assert list(result.artifacts) == ["output.xml", "log.html"]
    assert result.artifacts["output.xml"] == pytest.approx(2.0)


def test_phases_with_a_rerun_and_without_markers() -> None:
    suites = gf.suite_timings(ROBOT7)
    started = epoch("2026-12-01T14:33:23.5")
    lines = [
        (0.7, "== Running health with pabot (2 processes)"),
        (17.8, "Elapsed time:  16.51 seconds"),
        (17.9, "Re-running failed tests once to detect flaky tests ..."),
        (30.0, "Elapsed time:  12.0 seconds"),
    ]
    result = gf.phases(lines, suites, started, 33.0)
    assert result.rerun == pytest.approx(30.0 - 17.9)
    assert result.pabot_finish is None  # the merged output.xml mixes both attempts
    assert result.post == pytest.approx(3.0)
    empty = gf.phases([], [], started, 1.7)  # a preflight failure: no pabot, no output.xml
    assert (empty.setup, empty.pabot_start, empty.post, empty.suites) == (None, None, None, {})


def test_verdict_is_the_last_one_printed() -> None:
    assert gf.verdict([(1.0, "VERDICT: MONITOR - x"), (2.0, "VERDICT: ROLLBACK - Rollback")]) == "ROLLBACK"
    assert gf.verdict([(1.0, "ERROR: PRODUCTION_URL is not set")]) == "-"


def test_median_spread_and_per_request() -> None:
    assert gf.median([3.0, None, 1.0, 2.0]) == 2.0
    assert gf.median([None]) is None
    assert gf.spread([13.6, 12.3, 15.8]) == "(12.3-15.8)"
    assert gf.spread([1.0]) == ""
    assert gf.per_request(9.8, 2.1, 71) == pytest.approx((9.8 - 2.1) / 71)
    assert gf.per_request(9.8, 2.1, 0) is None
    assert gf.mib(54272) == 53.0


def test_figure_line_names_value_unit_detail_and_goal() -> None:
    line = gf.figure("healthy: wall time", 13.6, "s", "(12.3-15.8)", "≤ 5 s")
    assert line.split() == ["healthy:", "wall", "time", "13.60", "s", "(12.3-15.8)", "goal", "≤", "5", "s"]
    assert "n/a" in gf.figure("phase: re-run", None)
    assert gf.figure("a", 1.0).index("1.00") == gf.figure("a much longer label", 2.0).index("2.00")


def test_timing_middleware_counts_requests_and_resets() -> None:
    async def app(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = TimingMiddleware(app)
    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": b""}

    def request(path: str, query: bytes = b"") -> None:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": query}
        asyncio.run(middleware(scope, receive, send))

    request("/health")
    request("/health")
    request("/api/v1/lattices")
    request(STATS_PATH, b"reset=1")
    stats = json.loads(sent[-1]["body"])
    assert stats["requests"] == 3  # the statistics request itself is not counted
    assert stats["by_route"]["GET /health"][0] == 2
    assert stats["server_seconds"] >= 0
    request(STATS_PATH)
    assert json.loads(sent[-1]["body"])["requests"] == 0


def test_process_label_names_the_gate_processes() -> None:
    python = "/work/.venv/bin/python"
    assert gf.process_label([python, "-m", "smoke_runner", "--demo"]) == "smoke_runner"
    assert gf.process_label([python, "/work/.venv/bin/pabot", "--processes", "2"]) == "pabot"
    assert gf.process_label([python, "-u", "/work/.venv/bin/robot", "--outputdir", "x"]) == "robot"
    assert gf.process_label([python, "-S", "/work/smoke_runner/robot_client.py", "-A", "f"]) == "robot_client.py"
    assert gf.process_label(["bash", "/work/run_smoke.sh"]) == "bash"
    warm = [python, "-c", "import json, runpy, sys", "/work/.venv/bin/robotdashboard"]  # the runner's warm one
    assert gf.process_label(warm) == "robotdashboard"
    assert gf.process_label([python, "-c", "pass"]) == "python"
    check = [python, "-c", "import importlib.util", "robot", "pabot"]  # run_smoke.sh's check of the venv
    assert gf.process_label(check) == "python"
    dashboard_client = [python, "-S", "/work/smoke_runner/robot_client.py", "--python", "-c", "import json", "x"]
    assert gf.process_label(dashboard_client) == "robot_client.py"
    assert gf.process_label([]) == "?"


def test_profile_groups_find_the_entries_of_a_real_profile() -> None:
    import cProfile
    import pstats
    import re

    from benchmarks.benchmark_runner import profile_groups

    profiler = cProfile.Profile()
    profiler.enable()
    for number in range(25):
        re.sub("a", "b", f"banana {number}")
    re.subn("a", "b", "banana")  # not re.sub: not counted
    pattern = re.compile("n")
    for _ in range(7):
        pattern.sub("m", "banana")
    profiler.disable()
    groups = profile_groups(pstats.Stats(profiler))
    ((_, calls, name),) = groups["re.sub (every caller)"]
    assert (calls, name) == (25, "__init__.py:sub")
    ((_, calls, _),) = groups["compiled pattern .sub (every caller)"]
    assert calls == 25 + 7  # re.sub calls the compiled pattern's sub too
    assert groups["SmokeLibrary masking"] == []


def test_compare_revisions_reads_the_benchmark_lines_it_compares() -> None:
    from benchmarks.compare_revisions import FIGURE, SPEED, _median

    lines = {
        "  healthy: wall time                                         6.26 s  (5.8-10.0)   goal ≤ 5 s": "wall time",
        "  demo: CPU time (user+sys, gate's processes)               11.92 s  (11.7-12.9)": "CPU time",
        "  phase: set-up until pabot starts                           0.42 s  (0.4-0.5)": "set-up until pabot starts",
    }
    for line, name in lines.items():
        found = FIGURE.match(line)
        assert found is not None, line
        assert (found["what"] or found["phase"]) == name
    assert FIGURE.match("  health: HTTP requests                                     121.00") is None
    speed = SPEED.search("  machine speed: 0.67 s (0.6-0.7) for a loop of 10 million Python additions")
    assert speed is not None and speed["value"] == "0.67"
    assert _median([3.0, 1.0, 2.0]) == "2.00 (1.00-3.00)"
    assert _median([4.0, 1.0, 2.0, 3.0]) == "2.50 (1.00-4.00)"


def test_a_past_run_for_the_dashboard_section_moves_every_timestamp_back(tmp_path: Path) -> None:
    from benchmarks.benchmark_runner import _past_run

    output = tmp_path / "output.xml"
    output.write_text(
        '<robot generated="2026-03-01T10:00:00.000000"><suite><status start="2026-03-01T10:00:01.5" '
        'elapsed="1.0"/></suite></robot>',
        encoding="utf-8",
    )
    copy = _past_run(output, 2, tmp_path).read_text(encoding="utf-8")
    assert 'generated="2026-02-27T10:00:00.000000"' in copy and 'start="2026-02-27T10:00:01.5"' in copy
    assert "2026-03-01" not in copy


def test_cpu_by_label_adds_up_the_processes_of_each_kind() -> None:
    from benchmarks.benchmark_runner import cpu_by_label

    seen = {11: ("robot", 0.9), 12: ("robot", 1.5), 13: ("smoke_runner", 1.0)}
    assert cpu_by_label(seen) == {"robot": (pytest.approx(2.4), 2), "smoke_runner": (1.0, 1)}
    assert cpu_by_label({}) == {}
