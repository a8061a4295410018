"""What a person sees in report.html and log.html, rendered by headless Chromium (issue 24, observations
8 and 9): a flaky MONITOR run, whose report is green (no test failed), shows the ``flaky`` tag and the
``Flaky Tests`` row beside the verdict; no ``guards:`` proof tag is shown anywhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.consumers import _runs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")
#: Headless Chromium is a slow consumer: the full tier (./run_tests.sh --full).
pytestmark = pytest.mark.full


@pytest.fixture(scope="module")
def monitor(tmp_path_factory: pytest.TempPathFactory) -> _runs.Run:
    return _runs.monitor_run(tmp_path_factory.mktemp("monitor"))


def rendered(page: Path, work: Path) -> str:
    """The DOM of ``page`` after its scripts ran, offline (every host name unresolvable)."""
    assert CHROMIUM is not None
    work.mkdir(parents=True, exist_ok=True)
    ran = subprocess.run(  # noqa: S603
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={work / 'chromium-profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri().replace("%23", "#"),  # a fragment (log.html#s1-t1) opens that item
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stdout


def _text(dom: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", dom).split())


@needs_chromium
def test_observation_8_a_flaky_run_is_visibly_flaky_in_report_html(monitor: _runs.Run, tmp_path: Path) -> None:
    text = _text(rendered(monitor.folder / "report.html", tmp_path))
    assert "Verdict: MONITOR (exit code 10)" in text, text[:3000]
    assert f"Flaky Tests: 1 passed only on the re-run: workflows / {_runs.FLAKY}" in text, text[:3000]
    tag_rows = re.findall(r"Statistics by Tag .*? Statistics by Suite", text)
    # the flaky tag's row: total 1, passed 1, failed 0, skipped 0
    assert any(re.search(r"\bflaky 1 1 0 0\b", rows) for rows in tag_rows), tag_rows
    assert "Environment: staging" in text


@needs_chromium
def test_observation_9_report_and_log_show_no_proof_tags(throwaway: _runs.Run, tmp_path: Path) -> None:
    """The throwaway suite declares ``guards:``/``guards-with:`` tags on the test that fails twice:
    log.html opened at that test (``#s1-s1-t2``: its details, tags included, rendered) and report.html
    show its tag ``health`` and its re-run story, and nothing of the proofs."""
    text = _text(rendered(throwaway.folder / "report.html", tmp_path / "report"))
    assert "Statistics by Tag" in text and "guards" not in text.lower(), text[:3000]
    log = throwaway.folder / "log.html"
    text = _text(rendered(Path(f"{log}#s1-s1-t2"), tmp_path / "log"))
    details = re.search(r"Full Name: Smoke\.Health\.Database Is Up .*? Tags: (.*?) Start / End", text)
    assert details and details.group(1) == "health", details.group(0) if details else text[:3000]
    assert "Failed on both attempts. First attempt: database is down at the first attempt" in text
    assert "guards" not in text.lower()
