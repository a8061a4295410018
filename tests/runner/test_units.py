"""Units of the runner that need no subprocess: xUnit writer, history trend, redaction, options."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from smoke_runner.cli import UsageError, parse_options
from smoke_runner.domain.model import FAIL, PASS, SKIP, SuiteResult
from smoke_runner.domain.model import TestResult as Result
from smoke_runner.domain.redaction import host_only, public_url, redact
from smoke_runner.publish.alerts import send_alert
from smoke_runner.publish.history import append_history, read_history, trend
from smoke_runner.publish.junit import write_suite_xunit
from smoke_runner.publish.run_folder import new_run_dir, update_latest
from tests.runner.helpers import junit_cases

pytestmark = pytest.mark.unit


def test_xunit_is_flat_junit_with_failures_and_skips(tmp_path: Path) -> None:
    suite = SuiteResult(
        "health",
        "Health",
        tests=[
            Result("health", "A", "Smoke.Health", PASS, elapsed=0.5),
            Result("health", "B", "Smoke.Health", FAIL, "B broke\nsecond line", elapsed=0.25),
            Result("health", "C", "Smoke.Health.Sub", SKIP, "not configured"),
            Result("health", "D", "Smoke.Health", PASS, flaky=True, first_message="first"),
        ],
    )
    cases = junit_cases(write_suite_xunit(suite, tmp_path / "health_x.xml", "2026-01-01T00:00:00"))
    assert set(cases) == {"A", "B", "C", "D"}
    assert cases["B"].find("failure").get("message") == "B broke"
    assert "second line" in cases["B"].find("failure").text
    assert cases["C"].find("skipped") is not None and cases["C"].get("classname") == "Smoke.Health.Sub"
    assert "FLAKY" in cases["D"].find("system-out").text


def test_xunit_of_a_suite_that_did_not_run_has_a_failing_testcase(tmp_path: Path) -> None:
    cases = junit_cases(write_suite_xunit(SuiteResult("workflows", "Workflows", ran=False), tmp_path / "w.xml", "t"))
    assert len(cases) == 1 and next(iter(cases.values())).find("failure") is not None


def test_history_trend(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    for index in range(12):
        flaky = ["Counter Tracking Flow"] if index % 2 else []
        append_history(
            path,
            {
                "run": str(index),
                "verdict": "PROCEED",
                "duration_seconds": 10.0 + index,
                "counts": {"passed": 9, "failed": 1},
                "flaky": flaky,
            },
        )
    path.open("a").write("not json\n")
    entries = read_history(path)
    assert [entry["run"] for entry in entries] == [str(i) for i in range(2, 12)]
    summary = trend(entries)
    assert summary.runs == 10 and summary.mean_pass_rate == pytest.approx(0.9)
    assert summary.flaky_counts == {"Counter Tracking Flow": 5}
    assert summary.duration_change == pytest.approx(21.0 - sum(range(12, 21)) / 9)
    assert all(json.loads(line) for line in path.read_text().splitlines()[:-1])


def test_redaction_and_public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("PRODUCTION_URL", "https://deploy:s3cr3tpw@api.example.com:8443/base?token=abc")
    assert redact("pw hunter2-very-secret and s3cr3tpw") == "pw *** and ***"
    assert public_url(os.environ["PRODUCTION_URL"]) == "https://api.example.com:8443/base"


def test_latest_pointer_and_unique_run_dirs(tmp_path: Path) -> None:
    first, _ = new_run_dir(tmp_path)
    second, _ = new_run_dir(tmp_path)
    assert first != second
    latest = update_latest(tmp_path, second)
    assert latest.resolve() == (tmp_path / second).resolve()
    assert (tmp_path / "latest.txt").read_text().strip() == second


def test_deprecated_tests_are_excluded_unless_included_explicitly() -> None:
    assert parse_options([]).exclude == ["deprecated"]
    assert parse_options(["--exclude", "slow"]).exclude == ["slow", "deprecated"]
    assert parse_options(["--include", "deprecated"]).exclude == []


def test_options() -> None:
    options = parse_options(["--suite", "health", "--include", "security", "--processes", "3", "--loglevel", "DEBUG"])
    assert options is not None and options.suites == ["health"] and options.processes == 3
    assert options.passthrough == ["--loglevel=DEBUG"]
    assert parse_options(["--help"]) is None
    assert Path(parse_options(["--variablefile", "staging"]).variablefiles[0]).name == "staging.py"
    for bad in (
        ["--suite", "nope"],
        ["--processes", "0"],
        ["--variable", "TEST_PASSWORD:x"],
        ["--outputdir", "x"],
        ["stray"],
        ["--variablefile", "missing-env"],
    ):
        with pytest.raises(UsageError):
            parse_options(bad)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--SkipOnFail", "health"], "never fail the gate"),
        (["--skiponfail", "health"], "never fail the gate"),
        (["--skip", "health"], "never fail the gate"),
        (["--skipteardownonexit"], "never fail the gate"),
        (["--Dry"], "use the runner's own --dryrun"),
        (["--DryRun"], "use the runner's own --dryrun"),
        (["-vTEST_PASSWORD:x"], "only through the environment (TEST_PASSWORD)"),
        (["--VARIABLE", "test_password:x"], "only through the environment (TEST_PASSWORD)"),
        (["--outputd", "elsewhere"], "--outputdir is managed by the runner"),
        (["-x", "mine.xml"], "--xunit is managed by the runner"),
    ],
)
def test_passthrough_options_that_would_change_the_verdict_are_refused_in_any_spelling(
    args: list[str], reason: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(reason)):
        parse_options(args)


def test_urls_of_the_pushgateway_and_the_alert_webhook_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUSHGATEWAY_URL", "http://metrics:PgSecretPass@gateway.example.com/")
    monkeypatch.setenv("ALERT_WEBHOOK_URL", "https://hooks.example.com/services/T000/B000/SlackTokenXYZ")
    text = redact(
        "nonnumeric port: 'PgSecretPass@gateway.example.com' posting to "
        "https://hooks.example.com/services/T000/B000/SlackTokenXYZ"
    )
    assert "PgSecretPass" not in text and "SlackTokenXYZ" not in text, text
    assert host_only(os.environ["ALERT_WEBHOOK_URL"]) == "https://hooks.example.com"


def test_a_webhook_that_answers_garbage_is_an_error_text_not_a_crash() -> None:
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer_garbage() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    try:
        error = send_alert(f"http://127.0.0.1:{server.getsockname()[1]}/hook", {"text": "x"}, timeout=5)
    finally:
        thread.join(timeout=5)
        server.close()
    assert error, "a garbage answer must be reported"


def test_a_stopped_command_takes_its_whole_process_tree_along(tmp_path: Path) -> None:
    """A command whose child runs in a session of its own (as pabot starts robot) and ignores
    SIGINT: stopping the command kills both (psutil walks the tree)."""
    import subprocess
    import sys

    import psutil

    from smoke_runner.processes.commands import stop_process_tree

    script = tmp_path / "parent.py"
    script.write_text(
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)'], start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)  # noqa: S603
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    stop_process_tree(parent, grace=0.5)  # type: ignore[arg-type]
    assert parent.poll() is not None
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE
