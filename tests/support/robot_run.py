"""Runs a Robot Framework suite of this project as a real subprocess and reads its results."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from robot.api import ExecutionResult, ResultVisitor

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITES = REPO_ROOT / "suites"


@dataclass
class TestOutcome:
    """Status and message of one Robot test."""

    __test__ = False  # not a pytest test class
    status: str
    message: str


@dataclass
class RobotRun:
    """What a robot run left behind."""

    returncode: int
    stdout: str
    output_dir: Path
    tests: dict[str, TestOutcome] = field(default_factory=dict)

    def status(self, test: str) -> str:
        return self.outcome(test).status

    def message(self, test: str) -> str:
        return self.outcome(test).message

    def outcome(self, test: str) -> TestOutcome:
        if test not in self.tests:
            raise KeyError(f"No test named {test!r} in the run; tests were: {sorted(self.tests)}\n{self.stdout}")
        return self.tests[test]

    def artifacts(self) -> list[Path]:
        return [path for path in self.output_dir.rglob("*") if path.is_file()]


class _Collector(ResultVisitor):
    def __init__(self) -> None:
        self.tests: dict[str, TestOutcome] = {}

    def visit_test(self, test) -> None:  # noqa: ANN001 - robot's own type
        self.tests[test.name] = TestOutcome(test.status, test.message)


def run_suite(
    suite: str | Path,
    base_url: str,
    output_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    tests: Sequence[str] = (),
    extra_args: Sequence[str] = (),
    timeout: float = 300.0,
) -> RobotRun:
    """Run ``suites/<suite>.robot`` (or a path) against ``base_url`` and collect each test's outcome.

    ``env`` is added to the environment (``PRODUCTION_URL`` is set from ``base_url``);
    ``variables`` become ``--variable NAME:VALUE`` options; ``tests`` select tests by name.
    """
    path = Path(suite)
    if not path.is_absolute() and not path.exists():
        path = SUITES / f"{suite}.robot"
    output_dir.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, "PRODUCTION_URL": base_url, **(env or {})}
    command = [
        sys.executable,
        "-m",
        "robot",
        "--outputdir",
        str(output_dir),
        "--console",
        "dotted",
        "--xunit",
        "xunit.xml",
    ]
    for name, value in (variables or {}).items():
        command += ["--variable", f"{name}:{value}"]
    for test in tests:
        command += ["--test", test]
    command += [*extra_args, str(path)]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, env=child_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output_xml = output_dir / "output.xml"
    run = RobotRun(completed.returncode, completed.stdout + completed.stderr, output_dir)
    if output_xml.exists():
        collector = _Collector()
        ExecutionResult(str(output_xml)).visit(collector)
        run.tests = collector.tests
    return run
