"""Runs ``run_smoke.sh`` as a subprocess and reads what it left behind."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import robot

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNNER = REPO_ROOT / "run_smoke.sh"
VENV = Path(os.environ.get("SMOKE_VENV") or sys.prefix)
#: Variables of the caller's environment that would change a run (also used by tests/docs).
CLEARED = (
    "PRODUCTION_URL",
    "PUSHGATEWAY_URL",
    "ALERT_WEBHOOK_URL",
    "LATTICE_FAULTS",
    "LATTICE_MUTATIONS",
    "SMOKE_RUN_ID",
    "SMOKE_SUITES_DIR",
    "SMOKE_RESULTS_DIR",
    "CA_BUNDLE",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "PREFLIGHT_TIMEOUT",
    "SMOKE_RUN_TIMEOUT",
    "ROBOT_OPTIONS",
    "NO_COLOR",
    "TEST_PASSWORD",
    "TEST_EMAIL",
    "API_TIMEOUT",
    "REDIS_REQUIRED",
    "ALLOW_PLAINTEXT_CREDENTIALS",
    "WEBHOOK_RECEIVER",
)


@dataclass
class RunnerRun:
    """One finished runner process."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    results_dir: Path

    @property
    def console(self) -> str:
        return self.stdout + self.stderr

    @property
    def run_dir(self) -> Path:
        latest = self.results_dir / "latest"
        assert latest.exists(), f"no results/latest\n{self.console}"
        return latest.resolve()

    def artifact(self, prefix: str) -> Path:
        matches = sorted(self.run_dir.glob(f"{prefix}_*"))
        assert len(matches) == 1, f"expected one {prefix}_* in {self.run_dir}: {matches}\n{self.console}"
        return matches[0]

    def summary(self) -> str:
        return self.artifact("summary").read_text(encoding="utf-8")

    def last_line(self) -> str:
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        return lines[-2] if len(lines) >= 2 else ""


def run_runner(
    args: Sequence[str],
    results_dir: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 180,
    cwd: Path | None = None,
    runner: Path = RUNNER,
) -> RunnerRun:
    """``./run_smoke.sh --results-dir RESULTS ARGS`` with the project's venv (SMOKE_VENV), run from
    ``cwd`` (default: the repository, as a CI job runs it from its checkout); ``runner``: the wrapper
    of another copy of the project."""
    child_env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    child_env["SMOKE_VENV"] = str(VENV)
    child_env.update(env or {})
    started = time.monotonic()
    completed = subprocess.run(
        ["bash", str(runner), "--results-dir", str(results_dir), *args],
        cwd=cwd or REPO_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return RunnerRun(completed.returncode, completed.stdout, completed.stderr, time.monotonic() - started, results_dir)


def start_wrapper(args: Sequence[str], tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    """run_smoke.sh with ``args`` started in the background (output merged into stdout, as text), with
    a clean environment plus ``env``; temporary files under ``tmp_path``. The caller stops it."""
    child_env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    child_env.update(SMOKE_VENV=str(VENV), TMPDIR=str(tmp_path), **env)
    return subprocess.Popen(  # noqa: S603 - our own wrapper
        ["bash", str(RUNNER), *args],
        cwd=REPO_ROOT,
        env=child_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def junit_cases(path: Path) -> dict[str, ET.Element]:
    """JUnit file -> {testcase name: element}; also checks the structure both CI readers expect."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites", root.tag
    suites = root.findall("testsuite")
    assert len(suites) == 1 and not suites[0].findall("testsuite"), "one flat <testsuite> per file"
    cases = suites[0].findall("testcase")
    failures = sum(1 for case in cases if case.find("failure") is not None)
    skipped = sum(1 for case in cases if case.find("skipped") is not None)
    for element in (root, suites[0]):
        assert int(element.get("tests")) == len(cases)
        assert int(element.get("failures")) == failures
    assert int(suites[0].get("skipped")) == skipped  # the strict schema allows it on <testsuite> only
    for case in cases:
        assert case.get("classname") and case.get("name") and float(case.get("time")) >= 0
    return {case.get("name"): case for case in cases}


def failed_names(cases: Mapping[str, ET.Element]) -> set[str]:
    return {name for name, case in cases.items() if case.find("failure") is not None}


def metrics(path: Path) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Metrics file -> {sample name: [(labels, value)]}, parsed by prometheus_client."""
    from prometheus_client.parser import text_string_to_metric_families

    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return found


def total(samples: Mapping[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(
        value
        for sample_labels, value in samples.get(name, [])
        if all(sample_labels.get(key) == wanted for key, wanted in labels.items())
    )


#: The strict JUnit schema of Jenkins' xunit plugin (a copy, see the file's header).
JUNIT_SCHEMA = Path(__file__).resolve().parent / "schemas" / "junit-10.xsd"


def assert_valid_junit(path: Path) -> None:
    """``path`` validates against the strict JUnit schema (junit-10.xsd), read by ``xmlschema``."""
    import xmlschema

    schema = xmlschema.XMLSchema(str(JUNIT_SCHEMA))
    errors = [str(error).splitlines()[0] for error in schema.iter_errors(str(path))]
    assert not errors, f"{path.name} is not valid against junit-10.xsd: {errors[:3]}"


def junit_properties(path: Path) -> dict[str, str]:
    """The ``<properties>`` of a JUnit file's ``<testsuite>``."""
    suite = ET.parse(path).getroot().find("testsuite")
    return {prop.get("name"): prop.get("value") for prop in suite.iterfind("properties/property")}


def output_metadata(path: Path) -> dict[str, str]:
    """Top-level suite metadata of an ``output.xml``, read by Robot Framework's own result API."""
    from robot.api import ExecutionResult

    return {str(name): str(value) for name, value in ExecutionResult(str(path)).suite.metadata.items()}


def run_robot(source: Path, output: Path, *options: str, **settings: object) -> Path:
    """Run Robot Framework in this process on ``source`` with output ``output`` only (no log, no report,
    nothing on the console); ``options`` and ``settings`` as ``robot.run`` takes them. Returns ``output``."""
    robot.run(
        str(source),
        *options,
        output=str(output),
        log="NONE",
        report="NONE",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        **settings,
    )
    assert output.is_file()
    return output
