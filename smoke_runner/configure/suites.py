"""Which suites and tests a run selects: the suite names (``--suite``) resolved to the repository's
data sources, and the tests the tag and name filters leave in each (Robot's own ``TestSuiteBuilder``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke_runner import REPO_ROOT
from smoke_runner.configure.options import DEPRECATED_TAG, SUITE_NAMES, Options
from smoke_runner.configure.settings import ConfigurationError
from smoke_runner.decide.evidence import PlannedTest


def suites_dir() -> Path:
    """``$SMOKE_SUITES_DIR`` or ``<repo>/suites``."""
    return Path(os.environ.get("SMOKE_SUITES_DIR") or REPO_ROOT / "suites").resolve()


def resolve_sources(names: list[str]) -> dict[str, Path]:
    """``health`` -> ``suites/health.robot`` (or the folder ``suites/health/``)."""
    base = suites_dir()
    sources: dict[str, Path] = {}
    for name in names:
        for candidate in (base / f"{name}.robot", base / name):
            if candidate.exists():
                sources[name] = candidate
                break
        else:
            raise ConfigurationError(f"suite {name!r} not found: expected {base / (name + '.robot')}")
    return sources


def repository_suites() -> dict[str, Path]:
    """Every suite of the repository (``suites/``), whatever ``SMOKE_SUITES_DIR`` says."""
    folder = REPO_ROOT / "suites"
    return {name: path for name in SUITE_NAMES if (path := folder / f"{name}.robot").exists()}


@dataclass
class Selection:
    """What the filters make of the suites, each suite parsed once (Robot's ``TestSuiteBuilder``; its
    filter on copies): the tests the run is asked to run, the repository's tests it leaves out (of
    every suite, the unselected ones too; retired ``deprecated`` tests are not counted), what left
    them out, and the selected suites the filters leave without any test (they are not run)."""

    selected: list[PlannedTest]
    left_out: list[PlannedTest]
    left_out_by: str
    empty: list[str]


def select_tests(sources: dict[str, Path], options: Options) -> Selection:
    """The :class:`Selection` of ``options`` over ``sources``; a configuration error when the
    filters leave no test in any suite. A suite that cannot be parsed counts as neither empty nor
    planned: robot reports the problem in the run."""
    parsed: dict[Path, Any] = {}

    def tests_of(source: Path, key: str, chosen_by: Options | None) -> list[PlannedTest] | None:
        if source not in parsed:
            parsed[source] = _parse(source)
        if parsed[source] is None:
            return None
        suite = parsed[source].deepcopy()
        if chosen_by is None:
            suite.filter(excluded_tags=[DEPRECATED_TAG])
        else:
            suite.filter(
                included_tests=chosen_by.tests or None,
                included_tags=chosen_by.include or None,
                excluded_tags=chosen_by.exclude or None,
            )
        return [PlannedTest(key, test.name, bool(test.tags.match("security"))) for test in suite.all_tests]

    per_suite = {key: tests_of(source.resolve(), key, options) for key, source in sources.items()}
    filtered = bool(options.tests or options.include or options.exclude)
    empty = [key for key, tests in per_suite.items() if filtered and tests == []]
    if empty and len(empty) == len(sources):
        raise ConfigurationError("no test matches the --include/--exclude/--test filters")
    selected = [test for tests in per_suite.values() for test in tests or []]
    everything = [
        test for key, source in repository_suites().items() for test in tests_of(source.resolve(), key, None) or []
    ]
    chosen = {(test.suite, test.name) for test in selected}
    left_out = [test for test in everything if (test.suite, test.name) not in chosen]
    causes = [f"--suite {' '.join(sources)}"] if set(sources) != set(SUITE_NAMES) else []
    causes += [f"--test {pattern}" for pattern in options.tests]
    causes += [f"--include {tag}" for tag in options.include]
    causes += [f"--exclude {tag}" for tag in options.exclude if tag != DEPRECATED_TAG]
    return Selection(selected, left_out, ", ".join(causes), empty)


def _parse(source: Path) -> Any:
    """The suite at ``source`` as Robot's ``TestSuiteBuilder`` builds it; None when it cannot."""
    from robot.api import TestSuiteBuilder
    from robot.errors import DataError

    try:
        return TestSuiteBuilder().build(str(source))
    except (DataError, OSError, ValueError):
        return None


def foreign_suites(sources: dict[str, Path]) -> list[str]:
    """The selected suites that are not the repository's own files (``SMOKE_SUITES_DIR``)."""
    own = {path.resolve() for path in repository_suites().values()}
    return [key for key, path in sources.items() if path.resolve() not in own]


def robot_options(options: Options) -> list[str]:
    """Options given to every robot process (through pabot), each as one argument."""
    args = [f"--include={tag}" for tag in options.include]
    args += [f"--exclude={tag}" for tag in options.exclude]
    args += [f"--test={test}" for test in options.tests]  # one argument: pabot reads its own options anywhere
    args += [f"--variablefile={variablefile}" for variablefile in options.variablefiles]
    if options.dryrun:
        args.append("--dryrun")
    return args + options.passthrough
