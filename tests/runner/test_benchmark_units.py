"""The gate benchmark's pure helpers (benchmarks/figures.py) and its alternation: no timing asserted.

The benchmark prints figures and asserts nothing; these tests check that it reads what a run prints
correctly (phases, verdict, reason), summarises series right (medians, ranges, ratios per round),
prints tables that line up, names the gate's processes, and alternates what it compares.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import figures as fig
from benchmarks.bench import SECTIONS, Run, alternate

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]

#: A healthy run's console lines as the benchmark receives them (second of arrival, text).
HEALTHY = [
    (0.55, "== Run 20261207_052149 (id 6e7c50033362) against http://127.0.0.1:18765; results in /tmp/r/x"),
    (0.60, "== Preflight passed: HTTP 404 in 0.04 s"),
    (0.70, "== Running health, workflows with pabot (2 processes)"),
    (1.30, "2026-12-07 05:21:49.839625 [PID:15946] [0] [ID:0] EXECUTING Smoke.Health"),
    (1.31, "2026-12-07 05:21:49.845332 [PID:15947] [1] [ID:1] EXECUTING Smoke.Workflows"),
    (4.40, "2026-12-07 05:21:53.069935 [PID:15946] [0] [ID:0] PASSED Smoke.Health in 3.2 seconds"),
    (5.80, "2026-12-07 05:21:54.475422 [PID:15947] [1] [ID:1] PASSED Smoke.Workflows in 4.6 seconds"),
    (5.90, "Elapsed time:  4.80 seconds"),
    (6.30, "Log:     /tmp/r/x/log.html"),
    (6.35, "Report:  /tmp/r/x/report.html"),
    (8.05, "== Dashboard updated: /tmp/r/dashboard.html"),
    (8.25, "VERDICT: PROCEED - Proceed: deployment successful (exit code 0)"),
    (8.26, "Reason: All smoke tests passed at their first attempt"),
]


def test_phases_of_a_healthy_run() -> None:
    phases = fig.phases(HEALTHY, exited=8.30)
    assert list(phases) == [name for name, _ in fig.PHASES]
    expected = {
        "set-up": 0.70,
        "pabot's start": 0.60,
        "suites": 4.50,
        "pabot's end": 0.10,
        "log and report": 0.45,
        "dashboard wait": 1.70,
        "after pabot": 2.40,
    }
    assert phases == pytest.approx(expected)


def test_phases_whose_markers_are_missing_are_none() -> None:
    """A run that stopped at the preflight, or pabot alone (the floor), has only some phases; with a
    re-run, "after pabot" counts from the last pabot's end."""
    preflight_only = fig.phases([(0.5, "== Preflight: is x answering?"), (0.9, "VERDICT: ROLLBACK - x")], 1.0)
    assert set(preflight_only.values()) == {None}
    floor = fig.phases(
        [
            (0.6, "x [0] [ID:0] EXECUTING A.One"),
            (1.4, "x [0] [ID:0] FAILED A.One in 0.8 seconds"),
            (1.7, "Elapsed time:  1.1 seconds"),
        ],
        2.0,
    )
    assert floor["suites"] == pytest.approx(0.8)
    assert floor["set-up"] is None and floor["dashboard wait"] is None
    rerun = [*HEALTHY[:8], (7.0, "Re-running failed tests once"), (9.0, "Elapsed time:  1.9 seconds")]
    assert fig.phases(rerun, 10.0)["after pabot"] == pytest.approx(1.0)
    assert fig.phases(rerun, 10.0)["pabot's end"] == pytest.approx(0.1)  # the first pabot's end


def test_verdict_and_explanation() -> None:
    lines = [
        (1.0, "FAIL  Health / Response Times Meet SLA: p95 of GET /api/v1/lattices was 912 ms, over the SLA of 500 ms"),
        (1.1, "FAIL  Health / Rate Limiting Is Enforced: too slow to probe the limit " + "x" * 300),
        (1.2, "VERDICT: ROLLBACK - Roll back: the deployment is broken (exit code 30)"),
        (1.3, "Reason: a critical test failed"),
    ]
    assert fig.verdict(lines) == "ROLLBACK"
    assert fig.verdict([(0.1, "ERROR: PRODUCTION_URL is not set")]) == "-"
    explained = fig.explanation(lines, width=120)
    assert explained[0] == "Reason: a critical test failed"
    assert explained[1].startswith("FAIL  Health / Response Times Meet SLA: p95")
    assert len(explained[2]) == 120 and explained[2].endswith("...")
    assert fig.explanation(lines, most=1) == explained[:2]


def test_median_and_summary_leave_out_missing_values() -> None:
    assert fig.median([3.0, None, 1.0, 2.0]) == 2.0
    assert fig.median([None]) is None
    assert fig.summary([4.0, 2.0, None, 3.0]) == "3.00 (2.00-4.00)"
    assert fig.summary([2.5]) == "2.50"
    assert fig.summary([None, None]) == "-"
    assert fig.summary([52.4, 61.0], 0) == "57 (52-61)"


def test_ratios_are_taken_per_round() -> None:
    """Each gate run is divided by the floor run of the same round (both saw the same moment of the machine)."""
    assert fig.ratios([6.0, 9.0, None], [2.0, 3.0, 2.0]) == [3.0, 3.0, None]
    assert fig.ratios([6.0], [0.0]) == [None]
    assert fig.summary(fig.ratios([6.0, 12.0], [3.0, 3.0])) == "3.00 (2.00-4.00)"


def test_counts_most_frequent_first() -> None:
    assert fig.counts(["PROCEED", "ROLLBACK", "PROCEED"]) == "PROCEED x2, ROLLBACK x1"
    assert fig.counts([]) == ""


def test_table_is_markdown_with_aligned_columns() -> None:
    lines = fig.table(["", "after", "floor"], [["wall time, s", "8.31 (7.90-9.00)", "2.50"], ["result", "PROCEED x5"]])
    assert lines[0].startswith("| ") and lines[1].startswith("| ---")
    assert len({len(line) for line in lines}) == 1  # every line as wide: the columns line up
    assert [cell.strip() for cell in lines[3].strip("|").split("|")] == ["result", "PROCEED x5", ""]


@pytest.mark.parametrize(
    ("argv", "name", "label"),
    [
        (["/v/bin/python", "-m", "smoke_runner", "--results-dir", "r"], "python", "smoke_runner"),
        (["/v/bin/python3", "/v/bin/pabot", "--processes", "2"], "pabot", "pabot"),
        (["/v/bin/python3", "/v/bin/robot", "-A", "argfile.txt"], "robot", "robot"),
        (["/v/bin/python3", "-m", "pabot.pabotlib", "", "127.0.0.1", "8270"], "python3", "pabot.pabotlib"),
        (["/v/bin/python", "-c", "import sys", "/repo"], "python", "python -c"),
        (["bash", "/repo/run_smoke.sh", "--demo"], "bash", "bash"),
        (["/v/bin/python", "-m", "smoke_runner.forkserver"], "robot", "smoke_runner.forkserver [robot]"),
        ([], "python3", "python3"),
    ],
)
def test_process_label_names_the_gate_processes(argv: list[str], name: str, label: str) -> None:
    assert fig.process_label(argv, name) == label


def test_split_by_label_adds_up_the_processes_of_each_kind() -> None:
    seen = {10: ("robot", 1.25), 11: ("robot", 1.5), 12: ("pabot", 0.5)}
    assert fig.split_by_label(seen) == {"robot": (2.75, 2), "pabot": (0.5, 1)}


def test_alternate_rotates_the_order_and_leaves_out_the_warm_up() -> None:
    order: list[str] = []

    def job(name: str) -> Run:
        order.append(name)
        return Run(wall=float(len(order)), cpu=0.0, peak_mib=0.0, code=0)

    jobs = [(name, lambda name=name: job(name)) for name in ("after", "before", "floor")]
    runs = alternate(jobs, rounds=2, warm_up=True)
    assert order == ["after", "before", "floor", "before", "floor", "after", "floor", "after", "before"]
    assert {name: [run.wall for run in column] for name, column in runs.items()} == {
        "after": [6.0, 8.0],
        "before": [4.0, 9.0],
        "floor": [5.0, 7.0],
    }
    assert Run(1.0, 1.0, 1.0, code=3).result == "exit 3"
    assert Run(1.0, 1.0, 1.0, code=30, lines=[(1.0, "VERDICT: ROLLBACK - x")]).result == "ROLLBACK"


def test_performance_doc_gives_the_command_and_names_only_real_sections() -> None:
    """docs/performance.md reproduces its figures with this benchmark and names only its sections."""
    text = (REPO_ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert re.search(r"^\.venv/bin/python benchmarks/bench\.py --baseline \S+", text, re.MULTILINE)
    described = set(re.findall(r"^\| `(\w+)` \| ", text, re.MULTILINE))  # the table of sections
    assert set(SECTIONS) <= described, f"sections the doc does not describe: {set(SECTIONS) - described}"
    named = set(re.findall(r"--only (\w+)", text)) | set(re.findall(r"^\| [^|]+ \| `(\w+)` \|", text, re.MULTILINE))
    assert named and named <= set(SECTIONS), f"sections the benchmark does not have: {named - set(SECTIONS)}"
    assert re.search(r"\b\d+ cores\b", text) and re.search(r"\bPython 3\.\d+", text), "name the machine"
