"""One guard per trap of ``docs/design/known-traps.md``: the defaults that quietly turn a smoke gate wrong.

Traps guarded elsewhere are named here so that this file is the index:
- secrets in RequestsLibrary's log: ``tests/workflows/test_workflows_suite.py`` (every artifact grepped)
  and ``tests/runner`` (console and artifacts of a runner run grepped);
- pabot's exit codes, ``--rerunfailed`` on nothing, argfiles, PATH: ``tests/runner``;
- skipped tests printed as PASSED by pabot: the runner writes its own xUnit (``tests/runner``).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from tests.support.artifacts import artifacts_containing
from tests.support.robot_run import REPO_ROOT, RobotRun, TestOutcome, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import names_of

FIRST_HEALTH_TEST = names_of("health")[0]
ROBOT_FILES = sorted(
    [
        *REPO_ROOT.glob("resources/*.resource"),
        *REPO_ROOT.glob("suites/*.robot"),
        *REPO_ROOT.glob("docs/examples/*.robot"),
    ]
)
CLEAN_TLS_ENV = {"CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}


def _statements(path: Path) -> list[str]:
    """Robot statements of ``path`` with ``...`` continuation lines joined."""
    statements: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("...") and statements:
            statements[-1] += "    " + stripped[3:].strip()
        else:
            statements.append(stripped)
    return statements


def _calls(keyword_pattern: str) -> list[tuple[str, str]]:
    pattern = re.compile(keyword_pattern)
    return [
        (path.name, statement) for path in ROBOT_FILES for statement in _statements(path) if pattern.search(statement)
    ]


def test_every_session_verifies_tls_has_a_timeout_and_never_retries() -> None:
    """RequestsLibrary's Create Session defaults to verify=False, no timeout and 3 retries."""
    calls = _calls(r"\bCreate (Custom )?Session\b")
    assert calls, "no session is created anywhere: the check would pass vacuously"
    for name, statement in calls:
        assert "verify=${TLS_VERIFY}" in statement, f"{name}: session without verify=${{TLS_VERIFY}}: {statement}"
        assert "timeout=${API_TIMEOUT}" in statement, f"{name}: session without timeout: {statement}"
        assert "max_retries=0" in statement, f"{name}: session that retries a broken deployment: {statement}"


def test_every_request_passes_verify_and_checks_its_own_status() -> None:
    """``* On Session`` needs verify per request (REQUESTS_CA_BUNDLE) and expected_status (else it fails on 4xx)."""
    calls = _calls(r"\b(GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) On Session\b|On Session\s{4}")
    assert calls, "no request keyword found: the check would pass vacuously"
    for name, statement in calls:
        assert "expected_status=" in statement, f"{name}: request without expected_status: {statement}"
        assert "verify=${TLS_VERIFY}" in statement, f"{name}: request without per-request verify: {statement}"


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
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for connection in accepted:
        connection.close()
    listener.close()


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


@pytest.mark.parametrize("suite", ["health", "workflows"])
def test_a_password_in_production_url_reaches_no_artifact(suite: str, tmp_path: Path) -> None:
    """Robot logs every request URL; credentials written into PRODUCTION_URL must be masked there too."""
    password = "UrlSecret-90210"
    with ReferenceApi() as api:
        url = api.base_url.replace("http://", f"http://deployer:{password}@")
        run = run_suite(suite, url, tmp_path, env=CLEAN_TLS_ENV)
    assert run.tests and not [name for name, outcome in run.tests.items() if outcome.status == "FAIL"], run.stdout
    assert password not in run.stdout
    assert not artifacts_containing(run.output_dir, password)
