"""The matrix merge: ``python -m smoke_runner merge --out DIR RUN_DIR...`` (docs/ci.md).

One report of the runs of several environments (a CI matrix: one job per environment, then one job
that merges): ``DIR/output.xml``, ``DIR/log.html`` and ``DIR/report.html``, written with Robot
Framework's public result API (``ExecutionResult``, ``ResultWriter``). Each run folder is read for
itself (the CI examples pass only paths):

- its environment, verdict, exit code and reason from the ``<properties>`` of its JUnit files
  (``publish/summary.py``, ``verdict_properties``), which every run writes, also one whose preflight
  failed; the environment falls back on the folder above the run folder (``results/<environment>/``);
- its tests from its ``output.xml``; a run without one (the preflight failed: nothing ran) is shown
  as its one failed test, ``Target Is Reachable``, with the preflight's message.

In the merged report each environment is a child suite named by it, whose documentation starts
with that environment's verdict; the top suite's documentation and metadata give the overall
verdict, the worst of the environments' (a run folder whose verdict cannot be read counts as
ROLLBACK: nothing shows that the deployment is fine); the ``guards:``/``guards-with:`` proof tags are
taken off the tests and kept out of the tag statistics. The exit code is 0 once the report is
written (the gate is each environment's own job), 2 for a usage error.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from smoke_runner.decide.verdict import ACTIONS, Verdict
from smoke_runner.domain.redaction import redact
from smoke_runner.merge.combine import configure
from smoke_runner.publish.pages import OUTPUT, write_output, write_pages
from smoke_runner.publish.readable import ENVIRONMENT_METADATA, remove_proof_tags

if TYPE_CHECKING:
    from robot.result import Result, TestSuite

#: The merged report's top suite.
MATRIX_SUITE_NAME = "Smoke"
#: JUnit files larger than this are not read for the verdict (a run writes a few kilobytes).
MAX_JUNIT_BYTES = 20 * 1024 * 1024
PREFLIGHT_TEST = "Target Is Reachable"
NO_VERDICT_TEST = "Run Folder Has A Verdict"
_DRY_RUN = "(DRY RUN:"


class MergeError(Exception):
    """A merge that cannot be made (exit code 2)."""


@dataclass
class RunRecord:
    """What one run folder says of its run."""

    folder: Path
    environment: str
    verdict: Verdict | None = None  # None: no verdict could be read (``problem`` says why)
    reason: str = ""
    run_id: str = ""
    target: str = ""
    preflight_error: str | None = None
    problem: str | None = None

    @property
    def output(self) -> Path | None:
        path = self.folder / OUTPUT
        return path if path.is_file() else None

    @property
    def severity(self) -> int:
        """The verdict's exit code; a run without a verdict counts as ROLLBACK."""
        return (self.verdict or Verdict.ROLLBACK).exit_code

    def describe(self) -> str:
        """``ROLLBACK (exit code 30) - Roll back immediately: <reason>``, or why there is no verdict."""
        if self.verdict is None:
            return f"no verdict: {self.problem}"
        return f"{self.verdict.name} (exit code {self.verdict.exit_code}) - {ACTIONS[self.verdict]}: {self.reason}"


def _junit_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*_*.xml") if path.name != OUTPUT and path.is_file())


def read_run(folder: Path) -> RunRecord:
    """The record of the run in ``folder`` (see the module's documentation)."""
    properties: dict[str, str] = {}
    preflight_error = None
    for path in _junit_files(folder):
        if path.stat().st_size > MAX_JUNIT_BYTES:
            continue
        try:
            root = ET.parse(path).getroot()  # noqa: S314 - the runner's own artifact, size-bounded
        except ET.ParseError:
            continue
        if not properties:
            properties = {
                str(item.get("name")): str(item.get("value") or "")
                for item in root.iterfind(".//testsuite/properties/property")
                if item.get("name")
            }
        if path.name.startswith("preflight_"):
            failure = root.find(".//testcase/failure")
            preflight_error = (failure.text or failure.get("message") or "") if failure is not None else None
    environment = properties.get("environment") or folder.resolve().parent.name or folder.name
    record = RunRecord(
        folder=folder,
        environment=environment,
        reason=properties.get("reason", ""),
        run_id=properties.get("run_id", ""),
        target=properties.get("target", ""),
        preflight_error=preflight_error,
    )
    name = properties.get("verdict", "")
    if not properties:
        record.problem = f"{folder} holds no JUnit file with the runner's verdict (is it a run folder?)"
    elif name not in Verdict.__members__:
        record.problem = f"{folder} records no known verdict ({name!r})"
    elif _DRY_RUN in record.reason:
        record.problem = f"{folder} is a dry run: nothing was tested"
    else:
        record.verdict = Verdict[name]
    return record


def _names(records: Sequence[RunRecord]) -> list[str]:
    """The child suites' names: the environment, with the run folder's name when two runs share it."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record.environment] = counts.get(record.environment, 0) + 1
    return [
        record.environment if counts[record.environment] == 1 else f"{record.environment} ({record.folder.name})"
        for record in records
    ]


def _environment_doc(record: RunRecord) -> str:
    if record.verdict is None:
        return f"No verdict: {record.problem}"
    return (
        f"Verdict: {record.verdict.name} (exit code {record.verdict.exit_code}) - {ACTIONS[record.verdict]}."
        f"\n\nReason: {record.reason}"
    )


def _environment_suite(record: RunRecord, name: str, result: Result) -> TestSuite:
    """The child suite of ``record``: its run's top suite, or one failed test when nothing ran."""
    from robot.api import ExecutionResult
    from robot.errors import DataError
    from robot.result import TestSuite

    output = record.output
    if output is not None and record.verdict is not None:
        try:
            loaded = ExecutionResult(str(output))
        except DataError as error:
            record.problem, record.verdict = f"{output} cannot be read: {error.message}", None
        else:
            suite = loaded.suite
            result.errors.add(loaded.errors)
            suite.name = name
            if not suite.doc.startswith("Verdict:"):
                suite.doc = f"{_environment_doc(record)}\n\n{suite.doc}".strip()
            suite.metadata[ENVIRONMENT_METADATA] = record.environment
            suite.metadata["Run Folder"] = str(record.folder)
            return suite
    suite = TestSuite(name=name, doc=_environment_doc(record))
    suite.metadata[ENVIRONMENT_METADATA] = record.environment
    suite.metadata["Run Folder"] = str(record.folder)
    if record.verdict is None:
        suite.tests.create(name=NO_VERDICT_TEST, status="FAIL", message=str(record.problem))
    elif output is None:
        message = record.preflight_error or record.reason or "nothing ran: the run left no output.xml"
        suite.tests.create(name=PREFLIGHT_TEST, status="FAIL", message=message)
    return suite


def overall(records: Sequence[RunRecord]) -> tuple[Verdict, str]:
    """The worst verdict of ``records`` (a record without one counts as ROLLBACK) and why."""
    worst = max(records, key=lambda record: record.severity)
    verdict = worst.verdict or Verdict.ROLLBACK
    causes = [record for record in records if record.severity == worst.severity]
    return verdict, "; ".join(f"{record.environment}: {record.describe()}" for record in causes)


def merge_runs(folders: Sequence[Path], out: Path) -> tuple[Verdict, list[RunRecord]]:
    """Merge the runs in ``folders`` into ``out`` (created); return the overall verdict and the
    records, in the order given. Raises ``MergeError`` when nothing can be merged or written."""
    from robot.result import Result, TestSuite

    if not folders:
        raise MergeError("no run folder given")
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        raise MergeError(f"not a folder: {', '.join(missing)}")
    records = [read_run(folder) for folder in folders]
    result = Result(suite=TestSuite(name=MATRIX_SUITE_NAME))
    for record, name in zip(records, _names(records)):
        result.suite.suites.append(_environment_suite(record, name, result))
    verdict, reason = overall(records)
    shown = "\n".join(f"- {record.environment}: {record.describe()}" for record in records)
    result.suite.doc = redact(
        f"Verdict: {verdict.name} (exit code {verdict.exit_code}) - {ACTIONS[verdict]}, the worst of "
        f"{len(records)} run(s).\n\nReason: {reason}\n\n{shown}"
    )
    remove_proof_tags(result.suite)
    configure(result, None)
    metadata = {
        "Verdict": f"{verdict.name} (exit code {verdict.exit_code}) - {ACTIONS[verdict]}",
        "Verdict Reason": reason,
        "Environments": "; ".join(
            f"{record.environment}: {record.verdict.name if record.verdict else 'no verdict'}" for record in records
        ),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MergeError(f"cannot create {out}: {error.strerror or error}") from None
    problem = write_output(result, out, {name: redact(" ".join(value.split())) for name, value in metadata.items()})
    problem = problem or write_pages(result, out)
    if problem:
        raise MergeError(problem)
    return verdict, records


def merged_dashboard(records: Sequence[RunRecord], out: Path) -> list[str]:
    """Add each run of ``records`` that has an output.xml to ``out``'s dashboard (``dashboard.db``,
    ``dashboard.html``), named ``<environment>_<run>`` and tagged with its verdict; the warnings."""
    from smoke_runner.publish.dashboard import DashboardRun, DashboardUpdate, finish_update, runs_kept

    try:
        runs_kept()
    except ValueError as error:
        return [f"no dashboard: {error}"]
    problems = []
    for record in records:
        output = record.output
        if output is None or record.verdict is None:
            continue
        run = DashboardRun(record.environment, record.folder.resolve().name, record.verdict.name)
        problem = finish_update(DashboardUpdate(out.resolve()).begin([output.resolve()], record.environment, run=run))
        if problem:
            problems.append(problem)
    return problems
