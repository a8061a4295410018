"""A dry run is not a result (issue 9, row 6): its own exit code, nothing pushed or alerted,
results/latest and the history untouched."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smoke_runner.decide.verdict import EXIT_DRYRUN
from tests.runner.helpers import run_runner
from tests.support.hostile import HostileServer, answer


@pytest.fixture
def recorder() -> Iterator[HostileServer]:
    with HostileServer(answer()) as server:
        yield server


def test_a_dry_run_pushes_nothing_alerts_nothing_and_is_not_recorded_as_a_run(
    results_dir: Path, recorder: HostileServer
) -> None:
    env = {
        "PUSHGATEWAY_URL": recorder.url,
        "ALERT_WEBHOOK_URL": f"{recorder.url}/hooks/smoke",
        "PRODUCTION_URL": recorder.url,
    }
    run = run_runner(["--dryrun", "--suite", "health"], results_dir, env=env)
    assert run.returncode == EXIT_DRYRUN == 3, run.console
    assert recorder.requests == [], f"a dry run contacted {[seen.text()[:80] for seen in recorder.requests]}"
    assert not (results_dir / "latest").exists() and not (results_dir / "latest.txt").exists()
    assert not (results_dir / "history.jsonl").exists()
    assert "PROCEED" not in run.stdout.splitlines()[-1] and "DRY RUN" in run.stdout.splitlines()[-1]
    summaries = list(results_dir.glob("*/summary_*.txt"))
    assert len(summaries) == 1 and "DRY RUN" in summaries[0].read_text(encoding="utf-8")
