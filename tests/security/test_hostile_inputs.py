"""Inputs the gate reads are untrusted and bounded (the second hostile review, rows 10, 11, 12, 16).

* A cache or temp folder cannot inject anything into an artifact (row 10): nothing the runner reads
  from a cache reaches one (the dashboard's page is robotdashboard's own, built fresh).
* One stalling endpoint costs about one test timeout, not one per test and again in the re-run (row 11).
* No setting makes a robot process read gigabytes of an answer (row 12).
* Masking does not eat ordinary words (row 16).
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from libraries.SmokeLibrary import masking
from libraries.SmokeLibrary.http import MAX_RESPONSE_BYTES_CEILING, guarded_session
from tests.runner.helpers import run_runner
from tests.support.hostile import HostileServer, endless_chunks


@pytest.mark.full
def test_a_poisoned_cache_folder_reaches_no_artifact(tmp_path: Path) -> None:
    """Row 10: files planted where a JavaScript cache used to be (a script, a symlink to a root-only
    file, a FIFO) change nothing: the dashboard holds none of them, and the run does not stall."""
    home = tmp_path / "home"
    cache = home / ".cache" / "smoke-gate"
    cache.mkdir(parents=True)
    marker = "POISONED-CACHE-MARKER"
    for name in ("dashboard-2.5.0.js", "robotdashboard.js", "block.js"):
        (cache / name).write_text(f"<script>alert('{marker}')</script>", encoding="utf-8")
    private = tmp_path / "private.txt"
    private.write_text("PRIVATE-FILE-MARKER", encoding="utf-8")
    private.chmod(0o600)
    (cache / "private.js").symlink_to(private)
    os.mkfifo(cache / "fifo.js")
    home_env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    run = run_runner(["--demo", "--dashboard"], tmp_path / "results", env=home_env)
    assert run.returncode == 0, run.console
    page = (tmp_path / "results" / "dashboard.html").read_text(encoding="utf-8", errors="replace")
    assert marker not in page and "PRIVATE-FILE-MARKER" not in page
    assert run.seconds < 120


def test_an_answer_of_any_size_is_read_up_to_the_ceiling_whatever_the_setting() -> None:
    """Row 12: ``MAX_RESPONSE_BYTES=100000000000`` and an endless answer: one process reads at most
    the ceiling, and its memory stays bounded."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with HostileServer(endless_chunks(limit_bytes=400_000_000)) as server, guarded_session(60, 100_000_000_000) as http:
        answer = http.get(server.url + "/health")
    assert len(answer.content) == MAX_RESPONSE_BYTES_CEILING
    assert answer.cut_at_bytes == MAX_RESPONSE_BYTES_CEILING  # type: ignore[attr-defined]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"reading the answer grew the process by {grown_mb:.0f} MB"


@pytest.mark.parametrize("word", ["true", "True", "false", "null", "None", "yes", "off"])
def test_masking_never_eats_an_ordinary_word(word: str) -> None:
    """Row 16: a hostile answer that holds ``true`` (or another literal) where a token should be
    must not make "ALLOW_PLAINTEXT_CREDENTIALS=true" read "ALLOW_PLAINTEXT_CREDENTIALS=***"."""
    masking.register_secret(word)
    masking.register_secret(word == "true")
    hint = "set ALLOW_PLAINTEXT_CREDENTIALS=true if this network is trusted; yes, off, null, None, false"
    assert masking.mask_text(hint) == hint


@pytest.mark.full
def test_one_stalling_endpoint_costs_about_one_test_timeout(tmp_path: Path) -> None:
    """Row 11: only ``POST`` of lattices stalls (60 s, longer than the test's 30 s timeout). The
    stall is remembered although Robot's timeout, not the request's deadline, ends the exchange;
    later requests fail at once, and tests that met the stalled target are not re-run."""
    from tests.support.server import ReferenceApi

    with ReferenceApi(env={"LATTICE_MUTATIONS": "POST /api/v1/lattices:delay=60000"}) as api:
        run = run_runner([], tmp_path, env={"PRODUCTION_URL": api.base_url}, timeout=400)
    assert run.returncode == 30, run.console
    assert "gave no complete answer in" in run.console or "was not sent: the target stopped answering" in run.console
    assert run.seconds < 120, f"{run.seconds:.0f} s for one stalling endpoint"
    assert "Re-running failed tests" not in run.stdout or "Not re-running" in run.stdout
