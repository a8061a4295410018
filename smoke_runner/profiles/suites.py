"""The suites' declarations (``needs:``/``without:`` tags) read with Robot's ``TestSuiteBuilder``,
and the applicability of every test to the deployment a profile describes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .capabilities import NARROWED, NOT_OFFERED, Applicability, Declarations, applicability_of, declarations_of

#: The repository's suites.
SUITES_DIR = Path(__file__).resolve().parents[2] / "suites"
SECURITY_TAG = "security"


def normal_name(name: str) -> str:
    """A test name or tag as Robot compares them: no case, no spaces, no underscores."""
    return re.sub(r"[\s_]", "", str(name)).lower()


@dataclass(frozen=True)
class DeclaredTest:
    """One test of a suite: its name, tags and what it declares it needs or can do without."""

    suite: str
    name: str
    tags: tuple[str, ...]
    declarations: Declarations

    @property
    def is_security(self) -> bool:
        return any(normal_name(tag) == SECURITY_TAG for tag in self.tags)


def declared_tests(suites_dir: Path = SUITES_DIR) -> tuple[DeclaredTest, ...]:
    """Every test of the ``*.robot`` suites in ``suites_dir`` (suite by suite, in file order)."""
    from robot.api import TestSuiteBuilder  # Robot is imported only when suites are read

    tests = []
    for path in sorted(suites_dir.glob("*.robot")):
        suite = TestSuiteBuilder(process_curdir=False).build(str(path))
        for test in suite.all_tests:
            tags = tuple(str(tag) for tag in test.tags)
            tests.append(DeclaredTest(path.stem, str(test.name), tags, declarations_of(tags)))
    return tuple(tests)


@dataclass(frozen=True)
class TestApplicability:
    """How one test applies to a deployment, and the profile's waiver of it (if any)."""

    __test__ = False  # not a pytest test class
    test: DeclaredTest
    applicability: Applicability
    waiver: str | None = None

    @property
    def leaves_out_security(self) -> bool:
        """Whether a security test is not offered or runs narrowed (issue 22: a waiver with a reason is
        needed); one that skips on a plain-HTTP target is not left out by the profile."""
        return self.test.is_security and self.applicability.status in (NARROWED, NOT_OFFERED)


def waivers_of(profile: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The profile's waivers: normalised test name -> (test name as written, reason)."""
    waivers = profile.get("WAIVERS") or []
    return {
        normal_name(str(item.get("test", ""))): (str(item.get("test", "")), str(item.get("reason", "")))
        for item in waivers
        if isinstance(item, Mapping)
    }


def applicability_table(
    profile: Mapping[str, Any],
    tests: Iterable[DeclaredTest] | None = None,
    admin_token: bool | None = None,
    target_url: str | None = None,
) -> list[TestApplicability]:
    """The applicability of every test (default: the repository's suites) to the deployment ``profile`` describes.

    ``admin_token`` says whether the cleanup strategy ``admin`` will have its token (None: assumed);
    ``target_url`` is the target's base URL (None: not known), which tells whether a test that needs
    ``https`` skips.
    """
    waivers = waivers_of(profile)
    rows = []
    for test in declared_tests() if tests is None else tests:
        waiver = waivers.get(normal_name(test.name))
        rows.append(
            TestApplicability(
                test, applicability_of(profile, test.declarations, admin_token, target_url), waiver and waiver[1]
            )
        )
    return rows


def waiver_problems(profile: Mapping[str, Any], tests: Sequence[DeclaredTest]) -> list[str]:
    """Waivers that name no test of the suites, or a test that is not a security test."""
    known = {normal_name(test.name): test for test in tests}
    problems = []
    for key, (name, _) in waivers_of(profile).items():
        test = known.get(key)
        if test is None:
            problems.append(f"WAIVERS: {name!r} is no test of the suites")
        elif not test.is_security:
            problems.append(f"WAIVERS: {name!r} is not a security test (only security tests are waived)")
    return problems


def not_offered(rows: Iterable[TestApplicability]) -> list[TestApplicability]:
    """The rows of tests that are not offered."""
    return [row for row in rows if row.applicability.status == NOT_OFFERED]
