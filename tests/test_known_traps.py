"""One guard per trap of ``docs/design/known-traps.md``: the defaults that quietly turn a smoke gate wrong.

Traps guarded elsewhere are named here so that this file is the index:
- secrets in RequestsLibrary's log: ``tests/workflows/test_workflows_suite.py`` (every artifact grepped)
  and ``tests/runner`` (console and artifacts of a runner run grepped);
- a password in PRODUCTION_URL (Robot logs every request URL): read from the healthy runs of both
  suites, which are made with credentials in the URL (``tests/health/test_suite_healthy.py`` and
  ``tests/workflows/test_workflows_suite.py``, ``test_a_password_in_production_url_reaches_no_artifact``);
- pabot's exit codes, ``--rerunfailed`` on nothing, argfiles, PATH: ``tests/runner``;
- skipped tests printed as PASSED by pabot: the runner writes its own xUnit (``tests/runner``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from tests.support.listener import listening
from tests.support.robot_run import REPO_ROOT, RobotRun, TestOutcome, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import names_of, robot_statements

pytestmark = pytest.mark.suites

FIRST_HEALTH_TEST = names_of("health")[0]
ROBOT_FILES = sorted(
    [
        *REPO_ROOT.glob("resources/*.resource"),
        *REPO_ROOT.glob("suites/*.robot"),
        *REPO_ROOT.glob("docs/examples/*.robot"),
    ]
)
CLEAN_TLS_ENV = {"CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}


def _calls_without(keyword_pattern: str, required: dict[str, str]) -> list[str]:
    """Every call of a keyword matching ``keyword_pattern`` that lacks an argument of ``required``
    (``{argument: what its absence means}``), as ``file: meaning: statement``."""
    pattern = re.compile(keyword_pattern)
    calls = [
        (path.name, statement)
        for path in ROBOT_FILES
        for statement in robot_statements(path)
        if pattern.search(statement)
    ]
    assert calls, f"no call matches {keyword_pattern!r}: the check would pass vacuously"
    return [
        f"{name}: {meaning}: {statement}"
        for name, statement in calls
        for argument, meaning in required.items()
        if argument not in statement
    ]


def test_every_session_verifies_tls_has_a_timeout_and_never_retries() -> None:
    """RequestsLibrary's Create Session defaults to verify=False, no timeout and 3 retries."""
    offenders = _calls_without(
        r"\bCreate (Custom )?Session\b",
        {
            "verify=${TLS_VERIFY}": "session without verify=${TLS_VERIFY}",
            "timeout=${API_TIMEOUT}": "session without timeout",
            "max_retries=0": "session that retries a broken deployment",
        },
    )
    assert not offenders, "\n".join(offenders)


def test_every_request_passes_verify_and_checks_its_own_status() -> None:
    """``* On Session`` needs verify per request (REQUESTS_CA_BUNDLE) and expected_status (else it fails on 4xx)."""
    offenders = _calls_without(
        r"\b(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) On Session\b|On Session\s{4}",
        {
            "expected_status=": "request without expected_status",
            "verify=${TLS_VERIFY}": "request without per-request verify",
        },
    )
    assert not offenders, "\n".join(offenders)


def test_no_robot_option_turns_failures_into_skips_or_retries() -> None:
    """``--skiponfailure`` hides failing checks; nothing in the product may use it."""
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for folder in ("suites", "resources", "variables", "ci")
        for path in (REPO_ROOT / folder).rglob("*")
        if path.is_file()
        and re.search(r"skiponfailure|skip-on-failure|skip_on_failure", path.read_text(errors="ignore"))
    ]
    # The runner may name the option and the tag (it refuses them and counts such skips as
    # failures) but never pass them: no option literal in its code.
    offenders += [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "smoke_runner").rglob("*.py")
        if re.search(r"""["']--skip-?on-?failure""", path.read_text(), re.IGNORECASE)
    ]
    offenders += [
        name
        for name in ("run_smoke.sh", "run_smoke.bat")
        if "skiponfailure" in (REPO_ROOT / name).read_text(errors="ignore")
    ]
    assert not offenders, f"--skiponfailure used in {offenders}"


@pytest.fixture(scope="module")
def tls_api() -> Iterator[ReferenceApi]:
    with ReferenceApi(tls=True) as api:
        yield api


def _first_health_test(api: ReferenceApi, tmp_path: Path, **env: str) -> tuple[TestOutcome, RobotRun]:
    run = run_suite("health", api.base_url, tmp_path, env={**CLEAN_TLS_ENV, **env}, tests=[FIRST_HEALTH_TEST])
    return run.outcome(FIRST_HEALTH_TEST), run


def test_a_certificate_from_an_unknown_ca_fails_instead_of_being_trusted(tls_api: ReferenceApi, tmp_path: Path) -> None:
    outcome, run = _first_health_test(tls_api, tmp_path)
    assert outcome.status == "FAIL", run.stdout
    assert "certificate" in outcome.message.lower(), outcome.message


def test_the_users_ca_bundle_wins_over_requests_ca_bundle(tls_api: ReferenceApi, tmp_path: Path) -> None:
    """REQUESTS_CA_BUNDLE (here the public certifi store) must not replace the CA bundle the user gave."""
    outcome, run = _first_health_test(
        tls_api, tmp_path, CA_BUNDLE=str(tls_api.ca_bundle), REQUESTS_CA_BUNDLE=certifi.where()
    )
    assert outcome.status == "PASS", f"{outcome.message}\n{run.stdout}"


def test_requests_ca_bundle_of_another_ca_does_not_switch_verification_off(
    tls_api: ReferenceApi, tmp_path: Path
) -> None:
    outcome, run = _first_health_test(tls_api, tmp_path, CURL_CA_BUNDLE=certifi.where())
    assert outcome.status == "FAIL", run.stdout


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A port that accepts connections and never answers."""
    with listening(hold=True) as listener:
        yield listener.url


@pytest.mark.parametrize("suite", ["health", "workflows"])
def test_a_hanging_target_fails_every_test_within_the_api_timeout(suite: str, hanging_url: str, tmp_path: Path) -> None:
    """Without a timeout RequestsLibrary would wait forever on a target that accepts and never answers."""
    started = time.monotonic()
    run = run_suite(suite, hanging_url, tmp_path, env={**CLEAN_TLS_ENV, "API_TIMEOUT": "2"}, timeout=120)
    elapsed = time.monotonic() - started
    assert run.tests, run.stdout
    assert all(outcome.status == "FAIL" for outcome in run.tests.values()), run.tests
    assert any("did not answer within 2.0 s" in outcome.message for outcome in run.tests.values()), run.tests
    assert elapsed < 30, f"{suite} took {elapsed:.1f} s against a hanging target with API_TIMEOUT=2"


def test_every_suite_setup_and_teardown_keyword_has_a_time_limit() -> None:
    """``Test Timeout`` bounds tests only; a suite setup or teardown needs its own ``[Timeout]``."""
    fixtures = {
        match.group(2)
        for path in REPO_ROOT.glob("suites/*.robot")
        for match in re.finditer(r"^Suite (Setup|Teardown)\s{2,}(.+?)\s*$", path.read_text(), re.MULTILINE)
    }
    assert fixtures, "no suite setup or teardown found: the check would pass vacuously"
    resources = "\n".join(path.read_text() for path in REPO_ROOT.glob("resources/*.resource"))
    for name in fixtures:
        body = re.search(rf"^{re.escape(name)}\n((?:[ \t]+.*\n|\n)+?)(?=^\S|\Z)", resources, re.MULTILINE)
        assert body, f"keyword {name!r} not found in resources/"
        assert "[Timeout]" in body.group(1), f"suite fixture {name!r} has no [Timeout]"


def test_a_slow_suite_setup_is_stopped_by_its_timeout(tmp_path: Path) -> None:
    with ReferenceApi(faults=["slow_responses"], env={"LATTICE_SLOW_MS": "1500"}) as api:
        started = time.monotonic()
        run = run_suite(
            "workflows",
            api.base_url,
            tmp_path,
            env=CLEAN_TLS_ENV,
            variables={"SUITE_SETUP_TIMEOUT": "1 second", "SUITE_TEARDOWN_TIMEOUT": "5 seconds"},
        )
        elapsed = time.monotonic() - started
    assert run.tests and all(outcome.status == "FAIL" for outcome in run.tests.values()), run.tests
    assert "timeout 1 second exceeded" in next(iter(run.tests.values())).message, run.tests
    assert elapsed < 60, f"the workflows suite took {elapsed:.1f} s with a 1 s setup timeout"
