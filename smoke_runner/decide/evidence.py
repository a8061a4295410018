"""Evidence: did the run do what it was asked, against the target it was asked to test?

The verdict stands on what actually ran against which host, not on the command line. Before
anything runs, the configure step derives an ``Expectation`` from the repository (the suites' own
tests, Robot's ``TestSuiteBuilder`` with the selection applied) and from the target the preflight
judges. After the run, ``judge_evidence`` holds the results against it:

* every suite that ran must have recorded (``Run Evidence``, SmokeLibrary's `Use Target`) that it
  tested the judged target's origin with the expected TLS trust;
* the tests that ran must be exactly the selected tests of the repository's suites: a selected test
  that did not run, or a test that is not one of the repository's, is never a pass;

any of these is a *problem* (ROLLBACK). A run that leaves tests out (a filter, ``--suite``, a profile
under which tests are not offered) is *partial* and says what it left out; one that leaves out a
``security`` test, without a waiver with a reason in the profile, is *capped* (at best MONITOR),
and so is a run of suites from outside the repository (``SMOKE_SUITES_DIR``).

Pure: this module knows nothing of processes or Robot Framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from smoke_runner.domain.model import RunResults


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``, written as SmokeLibrary writes the origin it used (host in
    lower case, the default port written out, no user part)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def trust_of(url: str, ca_bundle: str) -> str:
    """How the suites verify ``url``'s TLS with ``ca_bundle`` (CA_BUNDLE; empty: the default trust
    store), written as SmokeLibrary writes the trust it used."""
    if urlsplit(url).scheme.lower() != "https":
        return "plain HTTP"
    return f"CA bundle {ca_bundle}" if ca_bundle else "default trust store"


@dataclass(frozen=True)
class PlannedTest:
    """A test of the repository's suites, as the suites declare it."""

    suite: str  # the suite key ("health", "workflows")
    name: str
    security: bool = False

    @property
    def label(self) -> str:
        return f"{self.suite} / {self.name}"


@dataclass
class Expectation:
    """What the run must show it did, settled before it ran."""

    origin: str  # the origin of the target the preflight judges (scheme://host:port)
    trust: str  # how its TLS is to be verified ("CA bundle PATH", "default trust store", "plain HTTP")
    selected: list[PlannedTest] = field(default_factory=list)  # the tests the selection asks for
    left_out: list[PlannedTest] = field(default_factory=list)  # the repository's tests it leaves out
    left_out_by: str = ""  # what left them out ("--suite health", "--exclude security", ...)
    foreign: list[str] = field(default_factory=list)  # selected suites that are not the repository's
    waivers: dict[str, str] = field(default_factory=dict)  # test name -> reason (the profile's waivers)
    loosened: list[str] = field(default_factory=list)  # the policies the profile loosens (its POLICIES)


@dataclass
class Evidence:
    """The judgement of a run's evidence (see the module)."""

    problems: list[str] = field(default_factory=list)  # the run did not do what it was asked: ROLLBACK
    partial: list[str] = field(default_factory=list)  # what it left out, one line each
    caps: list[str] = field(default_factory=list)  # why it can be at best MONITOR
    waived: list[str] = field(default_factory=list)  # security tests left out under a waiver, with its reason
    loosened: list[str] = field(default_factory=list)  # policies the profile loosened, named with the verdict

    @property
    def is_partial(self) -> bool:
        return bool(self.partial)


def _names(tests: Sequence[PlannedTest], limit: int = 5) -> str:
    names = [f"'{test.label}'" for test in tests[:limit]]
    if len(tests) > limit:
        names.append(f"and {len(tests) - limit} more")
    return ", ".join(names)


def _target_problems(results: RunResults, expectation: Expectation) -> list[str]:
    problems = []
    for suite in results.suites:
        if not suite.ran or not suite.tests or suite.key in expectation.foreign:
            continue  # suites from outside the repository prove nothing anyway: they are capped
        executed = [test for test in suite.tests if not test.skipped]
        recorded = suite.evidence
        if not recorded:
            if any(test.passed for test in executed):
                problems.append(
                    f"suite {suite.key} recorded no evidence of the target it tested (SmokeLibrary's Use Target): "
                    "its passes prove nothing about this deployment"
                )
            continue
        if recorded.get("origin") != expectation.origin:
            problems.append(
                f"suite {suite.key} tested {recorded.get('origin', 'an unknown target')!s}, "
                f"not the target judged by the preflight ({expectation.origin})"
            )
        if recorded.get("trust") != expectation.trust:
            problems.append(
                f"suite {suite.key} verified TLS with {recorded.get('trust', 'an unknown trust')!s}, "
                f"not with {expectation.trust} (CA_BUNDLE)"
            )
    return problems


def _test_problems(results: RunResults, expectation: Expectation) -> list[str]:
    selected = {(test.suite, test.name) for test in expectation.selected}
    ran_suites = {suite.key for suite in results.suites if suite.ran}
    ran = {(test.suite, test.name) for test in results.tests}
    problems = []
    missing = sorted(key for key in selected - ran if key[0] in ran_suites)
    if missing:
        shown = ", ".join(f"'{suite} / {name}'" for suite, name in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        problems.append(f"{len(missing)} selected test(s) did not run: {shown}{more}")
    foreign = sorted(ran - selected)
    if foreign:
        shown = ", ".join(f"'{suite} / {name}'" for suite, name in foreign[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        problems.append(f"{len(foreign)} test(s) ran that are not selected tests of the suites: {shown}{more}")
    for suite in results.suites:
        if suite.ran and not suite.tests and any(test.suite == suite.key for test in expectation.selected):
            problems.append(f"suite {suite.key} ran no test, although tests of it were selected")
    return problems


def _policy_problems(results: RunResults, expectation: Expectation) -> list[str]:
    """A policy the suites found loosened that the profile does not loosen came from elsewhere (a
    variable file): security is loosened only by a profile, where every run names it."""
    outside = [item for item in results.profile.loosened_policies if item not in expectation.loosened]
    if not outside:
        return []
    return [f"policies were loosened outside the profile: {'; '.join(outside)}"]


def judge_evidence(results: RunResults, expectation: Expectation, dryrun: bool = False) -> Evidence:
    """Hold ``results`` against ``expectation`` (see the module); a dry run executes no keyword, so
    it records no target and only its tests are held against the selection."""
    target_problems = [] if dryrun else _target_problems(results, expectation)
    evidence = Evidence(target_problems + _test_problems(results, expectation))
    not_offered = {test.name: test.security for test in results.tests if test.not_offered}
    security_out: list[str] = []
    if expectation.left_out:
        evidence.partial.append(
            f"{len(expectation.left_out)} test(s) left out by {expectation.left_out_by or 'the selection'}: "
            f"{_names(expectation.left_out)}"
        )
        security_out += [test.name for test in expectation.left_out if test.security]
    if not_offered:
        evidence.partial.append(
            f"{len(not_offered)} test(s) not offered by this deployment (profile): {', '.join(sorted(not_offered))}"
        )
        security_out += [name for name, security in not_offered.items() if security]
    narrowed = [test for test in results.tests if test.narrowed]
    if narrowed:
        evidence.partial.append(
            f"{len(narrowed)} test(s) ran narrowed: "
            + "; ".join(f"{test.name} ({', '.join(test.narrowed)} left out)" for test in narrowed)
        )
        security_out += [test.name for test in narrowed if test.security]
    evidence.problems += _policy_problems(results, expectation)
    evidence.loosened = list(expectation.loosened)
    for name in dict.fromkeys(security_out):
        reason = expectation.waivers.get(name)
        if reason:
            evidence.waived.append(f"'{name}' waived by the profile: {reason}")
    unwaived = [name for name in dict.fromkeys(security_out) if not expectation.waivers.get(name)]
    if unwaived:
        evidence.caps.append(
            f"{len(unwaived)} security check(s) did not run ({', '.join(repr(name) for name in unwaived[:5])}) "
            "and the profile waives none of them"
        )
    if expectation.foreign:
        evidence.caps.append(
            f"suites from outside the repository ran ({', '.join(expectation.foreign)}, SMOKE_SUITES_DIR): "
            "they prove nothing about this deployment"
        )
    return evidence
