"""A dry run is not a result (issue 9, row 6): its own exit code, nothing pushed or alerted,
results/latest and the history untouched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from smoke_runner.decide.verdict import EXIT_DRYRUN
from tests.runner.helpers import run_runner


class RecordingServer:
    """Loopback HTTP server that records every request (any method) and answers 200."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length", "0") or 0)
                self.rfile.read(length)
                recorder.requests.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = _record  # noqa: N815 - http.server API

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


def test_a_dry_run_pushes_nothing_alerts_nothing_and_is_not_recorded_as_a_run(
    results_dir: Path, recorder: RecordingServer
) -> None:
    env = {
        "PUSHGATEWAY_URL": recorder.url,
        "ALERT_WEBHOOK_URL": f"{recorder.url}/hooks/smoke",
        "PRODUCTION_URL": recorder.url,
    }
    run = run_runner(["--dryrun", "--suite", "health"], results_dir, env=env)
    assert run.returncode == EXIT_DRYRUN == 3, run.console
    assert recorder.requests == [], f"a dry run contacted {recorder.requests}"
    assert not (results_dir / "latest").exists() and not (results_dir / "latest.txt").exists()
    assert not (results_dir / "history.jsonl").exists()
    assert "PROCEED" not in run.stdout.splitlines()[-1] and "DRY RUN" in run.stdout.splitlines()[-1]
    summaries = list(results_dir.glob("*/summary_*.txt"))
    assert len(summaries) == 1 and "DRY RUN" in summaries[0].read_text(encoding="utf-8")
