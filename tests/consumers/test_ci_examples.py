"""The CI examples (ci/) as their CI engines read them (issue 24, observations 1, 4 and 6).

- Observation 4: every GitLab job and Kubernetes container that runs ``run_smoke.sh`` hands it an
  interpreter that already has the requirements (``SMOKE_PYTHON``), so the wrapper installs nothing
  and no job installs twice; the Jenkins matrix makes its virtual environment once, before its
  parallel stages.
- Observation 6: every matrix example merges the environments' runs with the runner's own command
  (``python -m smoke_runner merge``), not with a bare ``rebot``.
- Observation 1 (the Jenkins side): ``ci/Jenkinsfile`` sets the build description from the run's
  summary; its shell command is run here on a real run's results folder.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.consumers import _runs

REPO_ROOT = Path(__file__).resolve().parents[2]
CI = REPO_ROOT / "ci"
GITLAB = (CI / "gitlab-ci.yml", CI / "gitlab-ci-matrix.yml")
MATRIX = (CI / "github-actions-matrix.yml", CI / "gitlab-ci-matrix.yml", CI / "Jenkinsfile.matrix")
MERGE = re.compile(r"python -m smoke_runner merge --dashboard --out \S+ \$runs")
PIP_INSTALL = re.compile(r"pip install")


def gitlab_jobs(path: Path) -> dict[str, dict[str, Any]]:
    """The jobs of a GitLab CI file with ``extends`` resolved (one level deep, as the examples use it)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    jobs = {}
    for name, job in document.items():
        if name.startswith(".") or not isinstance(job, dict) or "script" not in job:
            continue
        base = document.get(job.get("extends", ""), {})
        jobs[name] = {**base, **job, "variables": {**base.get("variables", {}), **job.get("variables", {})}}
    return jobs


def lines(job: dict[str, Any], *keys: str) -> str:
    return "\n".join(str(line) for key in keys for line in job.get(key, []))


def test_observation_4_no_gitlab_job_installs_the_requirements_twice() -> None:
    runners = 0
    for path in GITLAB:
        for name, job in gitlab_jobs(path).items():
            commands = lines(job, "before_script", "script")
            assert len(PIP_INSTALL.findall(commands)) <= 1, f"{path.name} {name} installs twice: {commands}"
            if "run_smoke.sh" in commands:
                runners += 1
                assert job["variables"].get("SMOKE_PYTHON") == "/usr/local/bin/python", (path.name, name, job)
                assert "SMOKE_VENV" not in job["variables"], (path.name, name)
            if "smoke_runner merge" in commands:
                assert "SMOKE_PYTHON" in job["variables"] and PIP_INSTALL.search(commands), (path.name, name)
    assert runners == 2


def test_observation_4_the_kubernetes_containers_use_the_images_python() -> None:
    documents = list(yaml.safe_load_all((CI / "kubernetes-canary.yml").read_text(encoding="utf-8")))
    containers = []
    for document in documents:
        spec = document["spec"]
        template = spec["jobTemplate"]["spec"]["template"] if document["kind"] == "CronJob" else spec.get("template")
        if template:
            containers += template["spec"]["containers"]
    runners = [container for container in containers if container["args"][0] == "./run_smoke.sh"]
    assert len(runners) == 2
    for container in runners:
        env = {item["name"]: item.get("value") for item in container["env"]}
        assert env.get("SMOKE_PYTHON") == "/usr/local/bin/python", container


def test_observation_4_the_jenkins_matrix_makes_its_environment_once_before_the_parallel_stages() -> None:
    text = (CI / "Jenkinsfile.matrix").read_text(encoding="utf-8")
    assert 'SMOKE_PYTHON = "${WORKSPACE}/.venv/bin/python"' in text
    prepare, parallel = text.index("stage('Prepare')"), text.index("parallel branches")
    assert prepare < text.index("-m pip install") < parallel
    assert text.count("pip install") == 1


def test_observation_6_every_matrix_example_merges_with_the_runners_command() -> None:
    for path in MATRIX:
        text = path.read_text(encoding="utf-8")
        assert MERGE.search(text), f"{path.name} does not merge with python -m smoke_runner merge"
        assert not re.search(r"\brebot\b", text), f"{path.name} still calls rebot"
        assert "robotdashboard" not in text, f"{path.name} builds the dashboard itself (runs named 'output')"
        # the merged folder is what the merge job keeps
        assert "merged" in text


def test_observation_1_the_jenkinsfile_shows_the_verdict_as_the_build_description(throwaway: _runs.Run) -> None:
    text = (CI / "Jenkinsfile").read_text(encoding="utf-8")
    match = re.search(r"String verdict = sh\(script: \"([^\"]+)\" \+\s*'([^']+)',", text)
    assert match, "ci/Jenkinsfile no longer reads the verdict with the command this test runs"
    command = match.group(1) + match.group(2)
    results = throwaway.folder.parent.parent  # the folder holding results/
    shown = subprocess.run(  # noqa: S603
        ["bash", "-c", command],  # noqa: S607
        cwd=results,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    summary = next(throwaway.folder.glob("summary_*.txt")).read_text(encoding="utf-8")
    verdict = re.search(r"^VERDICT: *(.+)$", summary, re.MULTILINE)
    reason = re.search(r"^Reason: *(.+)$", summary, re.MULTILINE)
    assert verdict and reason, summary
    assert shown.splitlines() == [verdict.group(1), reason.group(1)]
    assert shown.startswith("ROLLBACK (exit code 30)"), shown
    assert "currentBuild.description = verdict.replace('\\n', ' | ')" in text
