"""The matrix merge of the CI examples, run as they run it (issue 24, observation 6).

Three environments' real runs (``_runs.matrix_runs``: MONITOR, ROLLBACK, and a ROLLBACK whose preflight
failed, so it has no output.xml) are merged by the merge step of each matrix example (ci/), its shell
lines executed here verbatim, and by the command docs/ci.md shows. The merged output.xml is then read
by Robot Framework's own result API and rebot, and by the model of Jenkins' Robot Framework plugin:
a child suite per environment named by it, the overall verdict (the worst) on top, no ``guards:*``
tag statistics, and the environment whose preflight failed shown with its verdict.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from robot.api import ExecutionResult

from tests.consumers import _jenkins_model, _runs
from tests.runner.helpers import REPO_ROOT, output_metadata

CI = REPO_ROOT / "ci"
ENVIRONMENTS = sorted(_runs.MATRIX)  # the order in which `ls -d results/*/2*/` lists the run folders


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with ``results/<environment>/<run>/`` of the three environments."""
    work = tmp_path_factory.mktemp("matrix")
    _runs.matrix_runs(work)
    return work


def _shell(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in bash from ``cwd`` as a CI job runs it: ``python`` and ``robotdashboard`` of the
    project's environment on PATH, the checkout importable (a job runs from it)."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(  # noqa: S603
        ["bash", "-c", f"set -e\n{script}"],  # noqa: S607
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _gitlab_merge_script() -> str:
    document = yaml.safe_load((CI / "gitlab-ci-matrix.yml").read_text(encoding="utf-8"))
    return "\n".join(document["smoke:merge"]["script"])


def _github_merge_script() -> str:
    document = yaml.safe_load((CI / "github-actions-matrix.yml").read_text(encoding="utf-8"))
    (step,) = [step for step in document["jobs"]["merge"]["steps"] if "smoke_runner merge" in step.get("run", "")]
    return str(step["run"])


def _jenkins_merge_script() -> str:
    text = (CI / "Jenkinsfile.matrix").read_text(encoding="utf-8")
    stage = text[text.index("stage('Merge and dashboard')") :]
    match = re.search(r"sh '''\n(.*?)'''", stage, re.DOTALL)
    assert match, "ci/Jenkinsfile.matrix has no sh ''' block in its merge stage"
    return match.group(1)


def _docs_merge_line() -> str:
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    match = re.search(r"^python -m smoke_runner merge --out merged .*$", text, re.MULTILINE)
    assert match, "docs/ci.md shows no `python -m smoke_runner merge --out merged ...` line"
    return match.group(0)


def _check_merged(merged: Path, environments: list[str]) -> dict[str, Any]:
    """What every reader must find in a merge of the matrix runs."""
    for name in ("output.xml", "log.html", "report.html"):
        assert (merged / name).is_file(), f"{merged / name} missing"
    result = ExecutionResult(str(merged / "output.xml"))
    top = result.suite
    assert [suite.name for suite in top.suites] == environments
    assert top.doc.startswith("Verdict: ROLLBACK (exit code 30)"), top.doc
    metadata = output_metadata(merged / "output.xml")
    assert metadata["Verdict"].startswith("ROLLBACK (exit code 30)"), metadata
    assert "production: ROLLBACK" in metadata["Verdict Reason"] and "eu-canary: ROLLBACK" in metadata["Verdict Reason"]
    assert "staging" not in metadata["Verdict Reason"], metadata  # MONITOR is not the worst
    assert metadata["Environments"] == "; ".join(
        f"{name}: {'MONITOR' if name == 'staging' else 'ROLLBACK'}" for name in environments
    )
    by_name = {suite.name: suite for suite in top.suites}
    canary = by_name["eu-canary"]
    (reachable,) = canary.tests
    assert (reachable.name, reachable.status) == ("Target Is Reachable", "FAIL")
    assert "eu-canary" in environments and reachable.message, reachable
    assert canary.doc.startswith("Verdict: ROLLBACK (exit code 30)"), canary.doc
    assert by_name["staging"].doc.startswith("Verdict: MONITOR (exit code 10)"), by_name["staging"].doc
    assert {test.name for test in by_name["production"].all_tests} >= {_runs.FAILED_TWICE, _runs.FLAKY}
    statistics = [
        stat.text or "" for stat in ET.parse(merged / "output.xml").getroot().iterfind("./statistics/tag/stat")
    ]
    assert statistics and not [name for name in statistics if name.lower().startswith("guards")], statistics
    assert not [tag for test in top.all_tests for tag in test.tags if tag.lower().startswith("guards")]
    view = _jenkins_model.read(merged / "output.xml")
    assert view.suites[0].description.startswith("Verdict: ROLLBACK (exit code 30)"), view.suites[0]
    assert {suite.path for suite in view.suites} >= {f"Smoke.{name}" for name in environments}
    return metadata


@pytest.mark.full  # the CI file's own script (robotdashboard included); the command itself is in the default tier
def test_observation_6_the_gitlab_matrix_merge_job(matrix: Path) -> None:
    shutil.rmtree(matrix / "merged", ignore_errors=True)
    ran = _shell(_gitlab_merge_script(), matrix)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _check_merged(matrix / "merged", ENVIRONMENTS)
    assert (matrix / "merged" / "dashboard.html").is_file(), ran.stdout + ran.stderr
    assert "overall verdict ROLLBACK" in ran.stdout, ran.stdout
    # observation 8: the merged dashboard names each run <environment>_<run> and tags it with its verdict
    with sqlite3.connect(matrix / "merged" / "dashboard.db") as database:
        runs = sorted(database.execute("SELECT run_alias, tags FROM runs").fetchall())
    folders = {name: next((matrix / "results" / name).glob("2*")).name for name in ENVIRONMENTS}
    assert runs == [(f"production_{folders['production']}", "ROLLBACK"), (f"staging_{folders['staging']}", "MONITOR")]


@pytest.mark.full  # the CI file's own script (robotdashboard included); the command itself is in the default tier
def test_observation_6_the_jenkins_matrix_merge_stage(matrix: Path, tmp_path: Path) -> None:
    project = tmp_path / "workspace"
    shutil.copytree(matrix / "results", project / "results", symlinks=True)
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    ran = _shell(_jenkins_merge_script(), project)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _check_merged(project / "merged", ENVIRONMENTS)
    assert (project / "merged" / "dashboard.html").is_file(), ran.stdout + ran.stderr


@pytest.mark.full  # the CI file's own script (robotdashboard included); the command itself is in the default tier
def test_observation_6_the_github_matrix_merge_job(matrix: Path, tmp_path: Path) -> None:
    """GitHub's artifacts arrive as ``all/smoke-results-<environment>/<run>/``: the environment is read
    from the run folder itself, not from the path."""
    for environment in ENVIRONMENTS:
        shutil.copytree(matrix / "results" / environment, tmp_path / "all" / f"smoke-results-{environment}")
    ran = _shell(_github_merge_script(), tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _check_merged(tmp_path / "merged", ENVIRONMENTS)


def test_observation_6_the_command_docs_ci_shows(matrix: Path, tmp_path: Path) -> None:
    shutil.copytree(matrix / "results", tmp_path / "results", symlinks=True)
    ran = _shell(_docs_merge_line(), tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _check_merged(tmp_path / "merged", ENVIRONMENTS)


def test_observation_6_rebot_reads_the_merged_output(matrix: Path, tmp_path: Path) -> None:
    ran = _shell(f"python -m smoke_runner merge --out {tmp_path / 'merged'} results/*/2*/", matrix)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    rebot = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "robot.rebot",
            "--output",
            "again.xml",
            "--log",
            "NONE",
            "--report",
            "NONE",
            "merged/output.xml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rebot.returncode == 2, rebot.stdout + rebot.stderr  # rebot's return code: the failed tests (2)
    assert [suite.name for suite in ExecutionResult(str(tmp_path / "again.xml")).suite.suites] == ENVIRONMENTS


def test_observation_6_the_overall_verdict_is_the_worst(matrix: Path, tmp_path: Path) -> None:
    staging = next((matrix / "results" / "staging").glob("2*"))
    ran = _shell(f"python -m smoke_runner merge --out {tmp_path / 'merged'} {staging}", matrix)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    metadata = output_metadata(tmp_path / "merged" / "output.xml")
    assert metadata["Verdict"].startswith("MONITOR (exit code 10)"), metadata


def test_observation_6_a_folder_without_a_verdict_is_shown_and_counts_as_rollback(matrix: Path, tmp_path: Path) -> None:
    stray = tmp_path / "results" / "qa" / "20260101_000000"
    stray.mkdir(parents=True)
    staging = next((matrix / "results" / "staging").glob("2*"))
    ran = _shell(f"python -m smoke_runner merge --out {tmp_path / 'merged'} {staging} {stray}", tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = ExecutionResult(str(tmp_path / "merged" / "output.xml"))
    assert [suite.name for suite in result.suite.suites] == ["staging", "qa"]
    (test,) = result.suite.suites[1].tests
    assert test.status == "FAIL" and "no JUnit file with the runner's verdict" in test.message, test.message
    assert output_metadata(tmp_path / "merged" / "output.xml")["Verdict"].startswith("ROLLBACK")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ([], "--out DIR is required"),
        (["--out", "merged"], "no RUN_DIR given"),
        (["--out", "merged", "does-not-exist"], "not a folder: does-not-exist"),
        (["--out", "merged", "--junit-flavour", "gitlab", "x"], "unrecognized arguments"),
    ],
)
def test_the_merge_command_refuses_what_it_cannot_merge(args: list[str], error: str, tmp_path: Path) -> None:
    ran = _shell(" ".join(["python", "-m", "smoke_runner", "merge", *args]), tmp_path)
    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert error in ran.stderr, ran.stderr
    assert not (tmp_path / "merged").exists()
