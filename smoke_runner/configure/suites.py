"""Which suites and tests a run selects: the suite names (``--suite``) resolved to the repository's
data sources, and the tests the tag and name filters leave in each (Robot's own ``TestSuiteBuilder``)."""

from __future__ import annotations

import os
from pathlib import Path

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


def selected_test_count(source: Path, options: Options) -> int | None:
    """How many tests of ``source`` the tag/test filters select (None if the suite cannot be parsed:
    robot will then report the problem in the run)."""
    from robot.api import TestSuiteBuilder
    from robot.errors import DataError

    try:
        suite = TestSuiteBuilder().build(str(source))
        suite.filter(
            included_tests=options.tests or None,
            included_tags=options.include or None,
            excluded_tags=options.exclude or None,
        )
    except (DataError, OSError, ValueError):
        return None
    count: int = suite.test_count
    return count


def repository_suites() -> dict[str, Path]:
    """Every suite of the repository (``suites/``), whatever ``SMOKE_SUITES_DIR`` says."""
    folder = REPO_ROOT / "suites"
    return {name: path for name in SUITE_NAMES if (path := folder / f"{name}.robot").exists()}


def _tests_of(source: Path, key: str, options: Options | None) -> list[PlannedTest]:
    """The tests of ``source`` that ``options`` select (None: every test but the deprecated ones),
    as Robot's own ``TestSuiteBuilder`` and filter find them; [] when the suite cannot be parsed
    (robot then reports the problem in the run)."""
    from robot.api import TestSuiteBuilder
    from robot.errors import DataError

    try:
        suite = TestSuiteBuilder().build(str(source))
        if options is None:
            suite.filter(excluded_tags=[DEPRECATED_TAG])
        else:
            suite.filter(
                included_tests=options.tests or None,
                included_tags=options.include or None,
                excluded_tags=options.exclude or None,
            )
    except (DataError, OSError, ValueError):
        return []
    return [PlannedTest(key, test.name, bool(test.tags.match("security"))) for test in suite.all_tests]


def planned_tests(sources: dict[str, Path], options: Options) -> tuple[list[PlannedTest], list[PlannedTest], str]:
    """The tests the run is asked to run, the repository's tests it leaves out (of every suite, the
    unselected ones too; retired ``deprecated`` tests are not counted), and what left them out."""
    selected = [test for key, source in sources.items() for test in _tests_of(source, key, options)]
    everything = [test for key, source in repository_suites().items() for test in _tests_of(source, key, None)]
    chosen = {(test.suite, test.name) for test in selected}
    left_out = [test for test in everything if (test.suite, test.name) not in chosen]
    causes = [f"--suite {' '.join(sources)}"] if set(sources) != set(SUITE_NAMES) else []
    causes += [f"--test {pattern}" for pattern in options.tests]
    causes += [f"--include {tag}" for tag in options.include]
    causes += [f"--exclude {tag}" for tag in options.exclude if tag != DEPRECATED_TAG]
    return selected, left_out, ", ".join(causes)


def foreign_suites(sources: dict[str, Path]) -> list[str]:
    """The selected suites that are not the repository's own files (``SMOKE_SUITES_DIR``)."""
    own = {path.resolve() for path in repository_suites().values()}
    return [key for key, path in sources.items() if path.resolve() not in own]


def suites_without_tests(sources: dict[str, Path], options: Options) -> list[str]:
    """The selected suites the filters leave without any test (they are not run); a configuration
    error when that is every suite."""
    if not (options.tests or options.include or options.exclude):
        return []  # every test runs; a suite without tests runs as such (--runemptysuite)
    empty = [key for key, source in sources.items() if selected_test_count(source, options) == 0]
    if len(empty) == len(sources):
        raise ConfigurationError("no test matches the --include/--exclude/--test filters")
    return empty


def robot_options(options: Options) -> list[str]:
    """Options given to every robot process (through pabot), each as one argument."""
    args = [f"--include={tag}" for tag in options.include]
    args += [f"--exclude={tag}" for tag in options.exclude]
    args += [f"--test={test}" for test in options.tests]  # one argument: pabot reads its own options anywhere
    args += [f"--variablefile={variablefile}" for variablefile in options.variablefiles]
    if options.dryrun:
        args.append("--dryrun")
    return args + options.passthrough
