"""Fixtures of the documentation tests: the README's demo command, run once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs._markdown import REPO_ROOT
from tests.runner.helpers import CLEARED

#: The faults of the failing demo run: one breaks a health check, the other a workflow.
FAILING_DEMO_FAULTS = ("missing_security_headers", "subscription_not_persisted")

DEMO_TIMEOUT = 300
# Settings of the calling shell that would change what the demo does.
UNSET = CLEARED


@dataclass
class ShellRun:
    """A command run from the repository root, as a reader of the README would run it."""

    command: str
    returncode: int
    output: str
    results_dir: Path

    @property
    def run_dir(self) -> Path:
        """The run folder the runner created (``results/<timestamp>/``)."""
        folders = sorted(path for path in self.results_dir.iterdir() if path.is_dir() and path.name[:1].isdigit())
        assert folders, f"no run folder in {self.results_dir}:\n{self.output}"
        return folders[-1]


def current_venv() -> Path:
    """The virtual environment running the tests (reused by run_smoke.sh through SMOKE_VENV)."""
    return Path(sys.prefix) if sys.prefix != sys.base_prefix else REPO_ROOT / ".venv"


def run_shell(
    command: str, results_dir: Path, env: dict[str, str] | None = None, timeout: float = DEMO_TIMEOUT
) -> ShellRun:
    """Run ``command`` with bash from the repository root, results in ``results_dir``."""
    child_env = {name: value for name, value in os.environ.items() if name not in UNSET}
    child_env.update({"SMOKE_VENV": str(current_venv()), "SMOKE_RESULTS_DIR": str(results_dir), "NO_COLOR": "1"})
    child_env.update(env or {})
    results_dir.mkdir(parents=True, exist_ok=True)
    completed = subprocess.run(
        ["bash", "-c", command],
        cwd=REPO_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ShellRun(command, completed.returncode, completed.stdout + completed.stderr, results_dir)


@pytest.fixture(scope="session")
def readme_demo(tmp_path_factory: pytest.TempPathFactory) -> ShellRun:
    """The README's demo command (``./run_smoke.sh --demo``), run once against the reference API."""
    from tests.docs.test_readme import main_command

    return run_shell(main_command("demo"), tmp_path_factory.mktemp("readme-demo"))


@pytest.fixture(scope="session")
def failing_demo(tmp_path_factory: pytest.TempPathFactory) -> ShellRun:
    """The demo command with two faults: one health check and one workflow fail (ROLLBACK)."""
    from tests.docs.test_readme import main_command

    return run_shell(
        main_command("demo"),
        tmp_path_factory.mktemp("failing-demo"),
        env={"LATTICE_FAULTS": ",".join(FAILING_DEMO_FAULTS)},
    )
