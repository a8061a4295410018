"""The smoke suites as data: their tests' names, tags and declared proofs, read from the ``.robot`` files.

The project's tests take every test name, count and tag from here, never from a list of their own,
so that a test added to ``suites/*.robot`` is known to them at once (docs/adding-a-smoke-test.md).

A test declares what it guards against beside itself, in its ``[Tags]``::

    [Tags]
    ...    billing
    ...    guards:subscription_not_persisted -> Step 'Read the subscription': it is
    ...    guards:mutate:GET /api/v1/usage:status=500 -> answered 500
    ...    guards-with:SLA_SAMPLES=3

* ``guards:PROOF`` names a defect that must make the test fail. ``PROOF`` is

  - the name of a fault of the reference API (``reference_api/faults.py``, ``KNOWN_FAULTS``);
  - ``mutate:METHOD PATH:CHANGE``, a generic change of the reference API's answers
    (``reference_api/mutations.py``: ``status=CODE``, ``remove-field=NAME``, ``remove-header=NAME``,
    ``delay=MS``);
  - ``stand-in:NAME``, a server of the project's tests standing in for a broken target
    (:data:`STAND_INS` says which test runs it).

* ``-> TEXT`` after a proof (optional) is a part of the failure message the test must give. A proof
  named in several tags must give every text. Without a text the test must just fail.
* ``guards-with:NAME=VALUE`` sets a Robot variable for every proof run of the test (e.g. fewer
  samples to keep a slow proof short).

The suite-level ``Test Tags`` may declare a proof for every test of the suite; a test opts out with
``-guards:...`` in its own ``[Tags]``. Proof tags are kept out of the report's tag statistics
(:data:`TAGSTAT_EXCLUDE`). Robot sorts tags, so the order of the lines does not matter.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from robot.running import TestSuiteBuilder

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITES_DIR = REPO_ROOT / "suites"
#: The suites the runner runs, by the name it gives them.
SUITE_NAMES = ("health", "workflows")

PROOF_PREFIX = "guards:"
VARIABLE_PREFIX = "guards-with:"
EXPECTS_SEPARATOR = " -> "
#: The ``--tagstatexclude`` pattern that keeps every proof tag out of the tag statistics.
TAGSTAT_EXCLUDE = "guards*"
#: The stand-in servers of the project's tests, and the test that runs each one.
STAND_INS: dict[str, str] = {
    "catch-all": "tests/health/test_suite_faults.py: a server answering the same 200 page to everything",
    "bad-certificate": "tests/health/test_suite_tls.py: HTTPS servers with broken certificates",
}

ProofKind = Literal["fault", "mutate", "stand-in"]


@dataclass(frozen=True)
class Proof:
    """A defect that must make a test fail, and the parts of the failure message it must give."""

    kind: ProofKind
    spec: str  # fault name, mutation spec or stand-in name
    expects: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The proof as written after ``guards:``."""
        return self.spec if self.kind == "fault" else f"{self.kind}:{self.spec}"

    @property
    def slug(self) -> str:
        """The label reduced to characters that read well in a pytest id."""
        return re.sub(r"[^A-Za-z0-9_.=-]+", "-", self.label).strip("-")


@dataclass(frozen=True)
class SuiteTest:
    """One test of a suite as the ``.robot`` file declares it."""

    suite: str
    name: str
    tags: tuple[str, ...]
    proofs: tuple[Proof, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)

    def has_tag(self, tag: str) -> bool:
        """Whether the test has ``tag`` (compared the way Robot compares tags)."""
        return _normal(tag) in {_normal(t) for t in self.tags}

    @property
    def plain_tags(self) -> tuple[str, ...]:
        """The tags that are not proof declarations (``critical``, ``security``, topics...)."""
        return tuple(t for t in self.tags if not fnmatch.fnmatch(_normal(t), TAGSTAT_EXCLUDE))

    def proof(self, kind: ProofKind, spec: str) -> Proof | None:
        """The test's proof of ``kind`` named ``spec``, if it declares one."""
        return next((p for p in self.proofs if (p.kind, p.spec) == (kind, spec)), None)


@dataclass(frozen=True)
class ProofCase:
    """One declared proof of one test: what a proof run starts and checks."""

    test: SuiteTest
    proof: Proof

    @property
    def id(self) -> str:
        """A pytest id: the test and the proof."""
        return f"{self.test.suite}-{re.sub(r'[^A-Za-z]+', '_', self.test.name)}-{self.proof.slug}"


@dataclass(frozen=True)
class ProofRun:
    """One proof and every test that declares it: one reference API, one robot run of those tests."""

    cases: tuple[ProofCase, ...]

    @property
    def proof(self) -> Proof:
        """The proof (as the first test declares it; the others name the same defect)."""
        return self.cases[0].proof

    @property
    def suite(self) -> str:
        """The suite of the tests (a proof run runs one suite)."""
        return self.cases[0].test.suite

    @property
    def test_names(self) -> tuple[str, ...]:
        return tuple(case.test.name for case in self.cases)

    @property
    def variables(self) -> dict[str, str]:
        """The ``guards-with:`` variables of every test of the run."""
        return {name: value for case in self.cases for name, value in case.test.variables.items()}

    @property
    def id(self) -> str:
        """A pytest id: the proof and the tests it breaks."""
        names = "+".join(re.sub(r"[^A-Za-z]+", "_", name) for name in self.test_names)
        return f"{self.proof.slug}-{names}"


def _normal(tag: str) -> str:
    return re.sub(r"\s", "", tag).lower()


class ProofDeclarationError(ValueError):
    """A ``guards:`` tag that cannot be read; the message names the test and the tag."""


def parse_proof(tag: str) -> tuple[ProofKind, str, str | None]:
    """``(kind, spec, expected text or None)`` of a ``guards:`` tag."""
    body = tag[len(PROOF_PREFIX) :]
    proof, separator, expects = body.partition(EXPECTS_SEPARATOR)
    proof = proof.strip()
    kind: ProofKind = "fault"
    for prefix in ("mutate", "stand-in"):
        if proof.startswith(prefix + ":"):
            kind = prefix  # type: ignore[assignment]
            proof = proof[len(prefix) + 1 :].strip()
    if not proof or (separator and not expects.strip()):
        raise ProofDeclarationError(f"{tag!r} names no proof or an empty expected text")
    return kind, proof, expects.strip() if separator else None


def _proofs(suite: str, name: str, tags: Iterable[str]) -> tuple[tuple[Proof, ...], dict[str, str]]:
    expects: dict[tuple[ProofKind, str], list[str]] = {}
    variables: dict[str, str] = {}
    for tag in tags:
        where = f"{suite} / {name}: {tag!r}"
        if tag.startswith(VARIABLE_PREFIX):
            variable, equals, value = tag[len(VARIABLE_PREFIX) :].partition("=")
            if not equals or not variable.strip():
                raise ProofDeclarationError(f"{where} is not of the form guards-with:NAME=VALUE")
            variables[variable.strip()] = value.strip()
        elif tag.startswith(PROOF_PREFIX):
            try:
                kind, spec, text = parse_proof(tag)
            except ProofDeclarationError as exc:
                raise ProofDeclarationError(f"{where}: {exc}") from None
            expects.setdefault((kind, spec), [])
            if text:
                expects[(kind, spec)].append(text)
    proofs = tuple(Proof(kind, spec, tuple(sorted(texts))) for (kind, spec), texts in expects.items())
    return proofs, variables


@cache
def suite_tests(suite: str) -> tuple[SuiteTest, ...]:
    """Every test of ``suites/<suite>.robot`` in file order, with its tags and proofs."""
    built = TestSuiteBuilder().build(SUITES_DIR / f"{suite}.robot")
    tests = []
    for test in built.tests:
        tags = tuple(str(tag) for tag in test.tags)
        proofs, variables = _proofs(suite, test.name, tags)
        tests.append(SuiteTest(suite, test.name, tags, proofs, variables))
    return tuple(tests)


def robot_statements(path: Path) -> list[str]:
    """The statements of the Robot file at ``path``, stripped, with ``...`` continuation lines joined."""
    statements: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("...") and statements:
            statements[-1] += "    " + stripped[3:].strip()
        else:
            statements.append(stripped)
    return statements


def names_of(suite: str) -> tuple[str, ...]:
    """The names of the tests of ``suite`` in file order."""
    return tuple(test.name for test in suite_tests(suite))


def count_of(suite: str) -> int:
    """How many tests ``suite`` has."""
    return len(suite_tests(suite))


def suite_test_named(name: str) -> SuiteTest:
    """The test called ``name`` in any suite (a KeyError lists the names)."""
    for suite in SUITE_NAMES:
        for test in suite_tests(suite):
            if test.name == name:
                return test
    raise KeyError(f"no test {name!r} in {', '.join(SUITE_NAMES)}")


def tagged_tests(suite: str, tag: str) -> tuple[SuiteTest, ...]:
    """The tests of ``suite`` that have ``tag``."""
    return tuple(test for test in suite_tests(suite) if test.has_tag(tag))


def only_test_tagged(suite: str, tag: str) -> SuiteTest:
    """The one test of ``suite`` tagged ``tag`` (fails unless there is exactly one)."""
    found = tagged_tests(suite, tag)
    if len(found) != 1:
        raise LookupError(f"expected one test tagged {tag!r} in {suite}, found {[t.name for t in found]}")
    return found[0]


def guarded_by_stand_in(suite: str, stand_in: str) -> tuple[SuiteTest, ...]:
    """The tests of ``suite`` that declare ``guards:stand-in:<stand_in>``."""
    return tuple(test for test in suite_tests(suite) if test.proof("stand-in", stand_in))


def proof_cases(suite: str, kinds: Iterable[ProofKind] = ("fault", "mutate")) -> tuple[ProofCase, ...]:
    """Every declared proof of ``kinds`` of every test of ``suite``: one case per test and proof."""
    wanted = set(kinds)
    return tuple(ProofCase(test, proof) for test in suite_tests(suite) for proof in test.proofs if proof.kind in wanted)


def proof_runs(suite: str, kinds: Iterable[ProofKind] = ("fault", "mutate")) -> tuple[ProofRun, ...]:
    """The declared proofs of ``suite`` grouped by proof: each proof once, with every test that declares it."""
    grouped: dict[tuple[str, str], list[ProofCase]] = {}
    for case in proof_cases(suite, kinds):
        grouped.setdefault((case.proof.kind, case.proof.spec), []).append(case)
    return tuple(ProofRun(tuple(cases)) for cases in grouped.values())


def broken_by_fault(suite: str, fault: str) -> tuple[SuiteTest, ...]:
    """The tests of ``suite`` that declare ``guards:<fault>``: the tests the fault breaks."""
    return tuple(test for test in suite_tests(suite) if test.proof("fault", fault))


def only_test_broken_by_fault(suite: str, fault: str) -> SuiteTest:
    """The one test of ``suite`` that declares ``guards:<fault>`` (fails unless there is exactly one)."""
    found = broken_by_fault(suite, fault)
    if len(found) != 1:
        raise LookupError(f"expected one test guarding {fault!r} in {suite}, found {[t.name for t in found]}")
    return found[0]


def faults_declared(suite: str) -> tuple[str, ...]:
    """Every fault name declared as a proof in ``suite``, in file order, each once."""
    return tuple(dict.fromkeys(case.proof.spec for case in proof_cases(suite, ("fault",))))
