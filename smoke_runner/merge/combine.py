"""One result from what ran: the outputs of an attempt's pabot processes combined (as pabot's own
merge combines them), and the first attempt merged with the re-run (``rebot --merge``), all with
Robot Framework's public result model in the runner's process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from robot.result import Result, TestSuite

#: Tag patterns kept out of the tag statistics of the output.xml, log and report the runner writes
#: (as ``rebot --tagstatexclude``): a test's proof tags (``guards:...``, ``guards-with:...``,
#: docs/adding-a-smoke-test.md) and its declarations of what it needs (``needs:``, ``without:``,
#: ``narrowed:``, docs/point-the-gate-at-your-api.md).
TAGSTAT_EXCLUDE = ("guards*", "needs:*", "without:*", "narrowed:*")


def combine_attempt(outputs: Sequence[Path], name: str | None = None) -> tuple[Result | None, list[str]]:
    """The results of one attempt from the ``outputs`` of its pabot processes, combined as pabot's
    merge combines them: the first output's top-level suite takes in the suites (and tests) of the
    others, a suite met again (same name and source) is merged into the one already there, the top
    suite spans from the earliest start to the latest end, and the execution errors are joined.
    ``name`` names the top suite. Return the results (None when no output could be read) and a line
    per output that could not be read (a process killed while writing): those are left out, as
    pabot leaves them out."""
    from robot.api import ExecutionResult
    from robot.errors import DataError

    combined: Result | None = None
    problems: list[str] = []
    for output in outputs:
        try:
            result = ExecutionResult(str(output))
        except (DataError, OSError) as error:
            reason = error.message if isinstance(error, DataError) else str(error)
            problems.append(f"the output of pabot process {output.parent.name} could not be read ({reason})")
            continue
        if combined is None:
            combined = result
            continue
        _merge_suite(combined.suite, result.suite)
        combined.suite.metadata.update(result.suite.metadata)
        combined.errors.add(result.errors)
    if combined is not None and name:
        combined.suite.name = name
    return combined, problems


def _merge_suite(into: TestSuite, other: TestSuite) -> None:
    """Merge ``other`` (the same suite as run by another pabot process) into ``into``: unknown child
    suites and tests are appended, known child suites merged, the setup and teardown keywords of
    ``other`` appended, and the times widened to cover both."""
    ends = [end for end in (into.end_time, other.end_time) if end is not None]
    starts = [start for start in (into.start_time, other.start_time) if start is not None]
    for item in list(other.setup.body):
        into.setup.body.append(item)
    for item in list(other.teardown.body):
        into.teardown.body.append(item)
    for suite in list(other.suites):
        known = next((mine for mine in into.suites if mine.name == suite.name and mine.source == suite.source), None)
        if known is None:
            into.suites.append(suite)
        else:
            _merge_suite(known, suite)
    names = {test.full_name for test in into.tests}
    for test in list(other.tests):
        if test.full_name not in names:
            into.tests.append(test)
    into.elapsed_time = None
    into.start_time = min(starts) if starts else None
    into.end_time = max(ends) if ends else None


def merge_attempts(first: Path, rerun: Path) -> tuple[Result | None, str]:
    """The first attempt's output merged with the re-run's, as ``rebot --merge`` merges them (each
    re-run test replaces its first attempt, its message telling both): (the result, "") or (None,
    why not)."""
    from robot.api import ExecutionResult
    from robot.errors import DataError

    try:
        return ExecutionResult(str(first), str(rerun), merge=True), ""
    except DataError as error:
        return None, error.message


def configure(result: Result, name: str | None) -> Result:
    """``result`` as rebot configures what it read: the top suite named ``name`` (when given), the
    tag statistics without `TAGSTAT_EXCLUDE`."""
    if name:
        result.suite.name = name
    result.configure(stat_config={"tag_stat_exclude": list(TAGSTAT_EXCLUDE)})
    return result
