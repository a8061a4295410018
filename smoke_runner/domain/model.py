"""The results of a run, independent of Robot Framework's own model: what the verdict, the JUnit
files, the summary and the metrics are computed from (``merge.results`` builds it from Robot's
output). Pure data: this module imports nothing of the run's processes or of Robot Framework."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"
#: The tag that marks a check guarding security (authentication, tenant isolation, secrets).
SECURITY_TAG = "security"
#: What the message of a test says when it SKIPs because the deployment (its profile) does not
#: offer the operation the test needs: such a test is "not applicable" (docs/runner.md).
NOT_OFFERED = "not offered by this deployment"
#: How a test that ended SKIP after a failure is labelled (its message follows).
SKIPPED_AFTER_FAILURE = "Skipped after a failure, counted as failed"


def normalized_tag(tag: str) -> str:
    """Robot's tag matching: case, spaces and underscores do not matter."""
    return re.sub(r"[\s_]+", "", tag).lower()


def one_line(message: str, limit: int = 300) -> str:
    """``message`` on one line, at most ``limit`` characters (``(no message)`` when empty)."""
    text = " ".join(message.split())
    return (text[:limit] + "...") if len(text) > limit else (text or "(no message)")


@dataclass
class TestResult:
    """One Robot test after the (optional) re-run.

    ``status`` is the final status (the re-run's when the test was re-run); ``flaky`` is true when
    the test failed on its first attempt and passed on the re-run; ``first_message`` keeps the first
    attempt's failure message whenever the test was re-run (``rerun``), and ``message`` of a test that
    failed again names both (``first attempt: ...; re-run: ...``) while ``rerun_message`` keeps the
    re-run's alone. A test that ended SKIP after a failure (``robot:skip-on-failure``, a skip in the
    teardown after a failed step) has ``status`` FAIL and ``skipped_on_failure`` true: a skip is not
    a pass. ``source`` is the test's ``.robot`` file.
    """

    suite: str  # the top-level suite the test belongs to, e.g. "health" or "workflows"
    name: str
    classname: str  # full name of the test's own (innermost) suite, e.g. "Smoke.Health"
    status: str
    message: str = ""
    elapsed: float = 0.0
    tags: tuple[str, ...] = ()
    flaky: bool = False
    first_message: str = ""
    rerun: bool = False
    rerun_message: str = ""
    skipped_on_failure: bool = False
    source: str = ""
    #: What the test left out because the deployment does not offer it (it ran narrowed), one line each.
    narrowed: tuple[str, ...] = ()
    #: The test failed without running: a suite setup above it failed.
    setup_failed: bool = False

    @property
    def security(self) -> bool:
        """Whether the test guards security (it carries the ``security`` tag)."""
        return any(normalized_tag(tag) == SECURITY_TAG for tag in self.tags)

    def short_message(self, limit: int = 300) -> str:
        """``message`` on one line within about ``limit`` characters; of a test that failed on both
        attempts for different reasons, each attempt's message is shortened on its own, so both stay."""
        if self.failed and self.rerun and not self.skipped_on_failure and self.message.startswith("first attempt: "):
            half = max(limit // 2, 40)
            return f"first attempt: {one_line(self.first_message, half)}; re-run: {one_line(self.rerun_message, half)}"
        return one_line(self.message, limit)

    @property
    def label(self) -> str:
        """``suite / name``, how the verdict names a test."""
        return f"{self.suite} / {self.name}"

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    @property
    def skipped(self) -> bool:
        return self.status == SKIP

    @property
    def not_offered(self) -> bool:
        """Whether the test SKIPped because the deployment does not offer what it needs."""
        return self.skipped and NOT_OFFERED in self.message

    @property
    def short_name(self) -> str:
        """The test's name in lower case without a trailing "Flow": ``Webhook Registration Flow`` ->
        ``webhook registration`` (how the applicability line names tests that are not offered)."""
        return re.sub(r"\s+(work)?flow$", "", self.name.strip(), flags=re.IGNORECASE).lower()


@dataclass(frozen=True)
class Applicability:
    """How many tests of a suite could run against this deployment, and which were not offered."""

    total: int
    not_offered: tuple[str, ...]  # short names, in test order

    @property
    def applicable(self) -> int:
        return self.total - len(self.not_offered)

    def describe(self, noun: str) -> str:
        """e.g. ``8 of 10 workflows applicable; not offered: webhook registration, bulk operations``."""
        text = f"{self.applicable} of {self.total} {noun} applicable"
        return f"{text}; not offered: {', '.join(self.not_offered)}" if self.not_offered else text


@dataclass
class SuiteResult:
    """A top-level suite (one of the selected suites) and its tests; ``ran`` is false when the
    suite is missing from the output (its process crashed or never started)."""

    key: str  # "health", "workflows", ...
    name: str = ""
    ran: bool = True
    source: str = ""  # the suite's .robot file (or folder), relative to the repository when inside it
    elapsed: float = 0.0
    tests: list[TestResult] = field(default_factory=list)
    #: What the suite recorded about its own run (``Run Evidence`` in its metadata, written by
    #: SmokeLibrary's `Use Target`): the target origin and the TLS trust it actually used; empty when
    #: it recorded nothing.
    evidence: dict[str, str] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for test in self.tests if test.status == status)

    @property
    def passed(self) -> int:
        return self.count(PASS)

    @property
    def failed(self) -> int:
        return self.count(FAIL)

    @property
    def skipped(self) -> int:
        return self.count(SKIP)

    @property
    def flaky(self) -> list[TestResult]:
        return [test for test in self.tests if test.flaky]

    @property
    def setup_failed(self) -> bool:
        """Whether every test of the suite failed without running, because a suite setup failed."""
        return bool(self.tests) and all(test.setup_failed for test in self.tests)

    @property
    def applicability(self) -> Applicability:
        """Its tests that the deployment offers (those that did not SKIP as not offered)."""
        return Applicability(len(self.tests), tuple(test.short_name for test in self.tests if test.not_offered))


@dataclass
class ProfileRecord:
    """What the suites recorded about the API profile they ran with (docs/point-the-gate-at-your-api.md)."""

    profiles: list[str] = field(default_factory=list)  # the profile's name
    cleanup: list[str] = field(default_factory=list)  # per suite: how the clean-up went
    users_left_behind: list[str] = field(default_factory=list)  # "id ID: EMAIL"
    cleanup_problems: list[str] = field(default_factory=list)  # clean-ups that could not happen, and why
    loosened_policies: list[str] = field(default_factory=list)  # policies looser than their safe default
    waivers: list[str] = field(default_factory=list)  # "TEST: reason"


@dataclass
class RunResults:
    """Every selected suite of a run, in selection order, and what they recorded about the profile."""

    suites: list[SuiteResult] = field(default_factory=list)
    profile: ProfileRecord = field(default_factory=ProfileRecord)

    def suite(self, key: str) -> SuiteResult | None:
        return next((suite for suite in self.suites if suite.key == key), None)

    @property
    def tests(self) -> list[TestResult]:
        return [test for suite in self.suites for test in suite.tests]

    def count(self, status: str) -> int:
        return sum(suite.count(status) for suite in self.suites)

    @property
    def flaky(self) -> list[TestResult]:
        return [test for test in self.tests if test.flaky]

    def applicability_notes(self, workflow_suite: str) -> list[str]:
        """One line per suite on what was applicable: first ``workflow_suite``'s (always, when it ran
        with tests), then any other suite's whose tests were not all offered; of a suite whose setup
        failed, that its applicability is not known."""
        notes = []
        for suite in sorted(self.suites, key=lambda suite: suite.key != workflow_suite):
            if not suite.ran or not suite.tests:
                continue
            applicability = suite.applicability
            if suite.setup_failed:
                # no test got as far as saying whether the deployment offers what it needs
                noun = "workflows" if suite.key == workflow_suite else f"{suite.key} tests"
                notes.append(f"{noun}: not known, the suite setup failed before any test ran")
            elif suite.key == workflow_suite:
                notes.append(applicability.describe("workflows"))
            elif applicability.not_offered:
                notes.append(f"{suite.key}: {applicability.describe('tests')}")
        return notes


def suite_key(name: str) -> str:
    """``"Health"`` -> ``"health"``; ``"Critical Workflows"`` -> ``"critical_workflows"``."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "suite"
