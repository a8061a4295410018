"""The verdict stands on evidence of what ran against which host, not on the command line (the
second hostile review, rows 1-4, 6-8 and 16; docs/runner.md, "Threat model").

Each test gives the runner an input that earned an unearned exit 0 before: a tag resolved at run
time, a variable file that retargets robot after the runner checked it, profile paths that point at
another host, filters that leave the security checks out, suites from outside the repository.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.runner.helpers import REPO_ROOT, RUNNER, VENV, run_runner
from tests.support.hostile import HostileServer, record_only
from tests.support.server import ReferenceApi


@pytest.fixture(scope="module")
def api() -> ReferenceApi:
    with ReferenceApi() as running:
        yield running


@pytest.mark.parametrize(
    "tag",
    [
        '${{"robot:exclude" if "Health" in $SUITE_NAME else "x"}}',  # row 1: resolved by Robot at run time
        "_robot:exclude",  # row 1: Robot ignores underscores in reserved tags
        "ROBOT : SKIP",
        "x${TEST_PASSWORD.value}",  # row 8: the password into every artifact
    ],
)
def test_a_tag_robot_would_resolve_or_read_as_reserved_is_a_usage_error(tmp_path: Path, tag: str) -> None:
    run = run_runner(["--settag", tag], tmp_path, env={"PRODUCTION_URL": "http://127.0.0.1:9"}, timeout=60)
    assert run.returncode == 2, run.console
    assert not (tmp_path / "history.jsonl").exists()


def test_a_variable_file_that_retargets_robot_after_the_check_gets_no_pass(tmp_path: Path, api: ReferenceApi) -> None:
    """Row 2: harmless when the runner loads it, it sets BASE_URL (another, healthy API) when robot
    loads it. The suites record the origin they tested; it is not the judged target: ROLLBACK."""
    variable_file = tmp_path / "sneaky.py"
    variable_file.write_text(
        "import os\nif os.environ.get('SMOKE_RUN_ID'):\n    BASE_URL = os.environ['SNEAKY_URL']\n", encoding="utf-8"
    )
    with HostileServer(record_only) as judged:  # what the preflight sees: any answer counts
        run = run_runner(
            ["--variablefile", str(variable_file)],
            tmp_path / "results",
            env={"PRODUCTION_URL": judged.url, "SNEAKY_URL": api.base_url},
            timeout=240,
        )
    assert run.returncode == 30, run.console
    assert f"tested http://127.0.0.1:{api.port}, not the target judged by the preflight" in run.stdout
    assert "The run does not show that it tested what it was asked" in run.summary()


def test_profile_paths_to_another_host_are_never_sent(tmp_path: Path, api: ReferenceApi) -> None:
    """Row 3: a profile copied from another environment, its paths full URLs to another host: not a
    single request (no password, no token) reaches that host, and the run does not pass."""
    profile = (REPO_ROOT / "variables/profiles/contract.yaml").read_text(encoding="utf-8")
    with HostileServer(record_only) as elsewhere:
        absolute = profile.replace("path: /api/v1/", f"path: {elsewhere.url}/api/v1/")
        (tmp_path / "copied.yaml").write_text(absolute, encoding="utf-8")
        run = run_runner(
            ["--variablefile", str(tmp_path / "copied.yaml")],
            tmp_path / "results",
            env={"PRODUCTION_URL": api.base_url},
            timeout=240,
        )
    assert run.returncode != 0, run.console
    assert elsewhere.requests == [], [seen.text()[:200] for seen in elsewhere.requests]


@pytest.mark.parametrize(
    ("args", "left_out"),
    [(["--exclude", "security"], 9), pytest.param(["--test", "*Flow"], 11, marks=pytest.mark.full)],  # 2nd: full tier
)
def test_a_run_that_leaves_the_security_checks_out_is_partial_and_at_best_monitor(
    tmp_path: Path, api: ReferenceApi, args: list[str], left_out: int
) -> None:
    """Row 4: filters left in a CI step. The run says it is partial everywhere, names what it left
    out, and cannot PROCEED without the security checks."""
    run = run_runner(args, tmp_path, env={"PRODUCTION_URL": api.base_url}, timeout=240)
    assert run.returncode == 10, run.console
    assert "VERDICT: MONITOR (partial run)" in run.stdout
    assert "security check(s) did not run" in run.stdout.splitlines()[-1]
    summary = run.summary()
    assert f"Partial:      {left_out} test(s) left out by {' '.join(args)}" in summary
    history = json.loads((tmp_path / "history.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert history["partial"] and history["verdict"] == "MONITOR"
    junit = run.artifact("health" if "--test" not in args else "workflows").read_text(encoding="utf-8")
    assert '<property name="partial" value="true"' in junit
    assert 'partial="true"' in run.artifact("metrics").read_text(encoding="utf-8")
    output = (run.run_dir / "output.xml").read_text(encoding="utf-8")
    assert '<meta name="Partial Run">' in output and "left out by" in output


def test_suites_from_outside_the_repository_never_pass(tmp_path: Path) -> None:
    """Row 7: SMOKE_SUITES_DIR with two tests that do nothing."""
    suites = tmp_path / "suites"
    suites.mkdir()
    for name in ("health", "workflows"):
        (suites / f"{name}.robot").write_text(
            "*** Test Cases ***\nNothing\n    [Documentation]    Does nothing.\n    No Operation\n", encoding="utf-8"
        )
    with HostileServer(record_only) as target:
        run = run_runner([], tmp_path / "results", env={"SMOKE_SUITES_DIR": str(suites), "PRODUCTION_URL": target.url})
    assert run.returncode == 10, run.console
    assert "suites from outside the repository ran" in run.stdout
    remote = run_runner(
        [], tmp_path / "remote", env={"SMOKE_SUITES_DIR": str(suites), "PRODUCTION_URL": "https://api.example.com"}
    )
    assert remote.returncode == 2 and "only against a target on this machine" in remote.stderr, remote.console


def test_too_many_processes_is_a_usage_error(tmp_path: Path) -> None:
    """Row 16: --processes 99999 is refused before anything starts."""
    run = run_runner(["--processes", "99999"], tmp_path, env={"PRODUCTION_URL": "http://127.0.0.1:9"}, timeout=60)
    assert run.returncode == 2 and "--processes" in run.stderr, run.console


def test_a_runner_killed_before_it_wrote_anything_leaves_no_empty_results_folder(tmp_path: Path) -> None:
    """Row 16: SIGKILL mid-run (here: during the preflight against a port that never answers)."""
    results = tmp_path / "results"
    with HostileServer(lambda server, handler, received: server.stopping.wait(60)) as hanging:
        env = {key: value for key, value in os.environ.items() if key not in ("PRODUCTION_URL", "SMOKE_RESULTS_DIR")}
        env.update({"PRODUCTION_URL": hanging.url, "SMOKE_VENV": str(VENV), "PREFLIGHT_TIMEOUT": "30"})
        process = subprocess.Popen(  # noqa: S603 - the project's own wrapper
            ["bash", str(RUNNER), "--results-dir", str(results)],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not hanging.requests and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hanging.requests, "the preflight never reached the target"
        assert [path for path in results.iterdir() if path.is_dir()], "the run folder exists while it runs"
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while [path for path in results.iterdir() if path.is_dir()] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [path.name for path in results.iterdir() if path.is_dir()] == []
