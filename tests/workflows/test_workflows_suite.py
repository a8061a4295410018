"""``suites/workflows.robot`` against the reference API: healthy, over TLS, and under every declared proof.

Every run gets its own reference API (fresh SQLite database) so that, after the run, *every* row
in the database would belong to the run: an empty database proves the suite teardown removed
everything, also after failures. The proofs run in groups (``tests/support/proof_run.py``); a
proof its group's run does not prove, or whose group's run left data behind, is run alone and
judged by that run.
"""

from __future__ import annotations

import base64
import re
import socket
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from smoke_runner.profiles import read_findings
from tests.support.artifacts import artifacts_containing, readable_text, spellings_in
from tests.support.listener import listening
from tests.support.proof_groups import ProofGroup, ProofSession, grouped_session
from tests.support.proof_run import proof_api, proof_env
from tests.support.robot_run import REPO_ROOT, RobotRun, run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import (
    ProofRun,
    broken_by_fault,
    names_of,
    only_test_tagged,
    proof_runs,
    suite_tests,
)

pytestmark = pytest.mark.suites

#: The flows, read from suites/workflows.robot.
FLOWS = names_of("workflows")
#: Every proof the flows declare (``guards:`` tags), each with every flow that declares it.
PROOF_RUNS = proof_runs("workflows")
Healthy = tuple[RobotRun, dict[str, int]]  # the healthy run and the rows it left
TABLES = ("users", "subscriptions", "usage", "lattices", "webhooks", "webhook_deliveries")
#: The fault that keeps deleted users: the rows it leaves behind are its effect (reported), not a leak.
KEEPS_DELETED_USERS = {"delete_user_keeps_data"}


def rows_left(api: ReferenceApi) -> dict[str, int]:
    """Row count of every table that holds user data (must be called before the API stops)."""
    path = api.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


def rows_left_behind(api: ReferenceApi) -> dict[str, int]:
    """The tables that still hold rows, with their counts."""
    return {table: count for table, count in rows_left(api).items() if count}


def assert_no_rows_left(api: ReferenceApi, run: RobotRun) -> None:
    left = rows_left_behind(api)
    assert not left, f"the run left rows behind: {left}\n{run.stdout}"


def run_workflows(
    api: ReferenceApi,
    tmp_path: Path,
    tests: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    options: Sequence[str] = (),
    url: str | None = None,
) -> RobotRun:
    """The flows (all, or ``tests``) against ``api`` (or ``url``) with the test password; results in
    ``tmp_path/results``."""
    return run_suite(
        "workflows",
        url or api.base_url,
        tmp_path / "results",
        env={"TEST_PASSWORD": PASSWORD, **(env or {})},
        variables=variables,
        tests=tests,
        extra_args=options,
        timeout=240,
    )


def assert_no_password_anywhere(run: RobotRun) -> None:
    """No spelling of the password in any artifact of ``run`` or on its console (also for failing runs)."""
    leaks = artifacts_containing(run.output_dir, PASSWORD) + spellings_in(run.stdout, PASSWORD)
    assert not leaks, leaks


def failure_report(run: RobotRun) -> str:
    return "\n".join(f"{name}: {outcome.status} {outcome.message}" for name, outcome in run.tests.items())


# -- healthy target ----------------------------------------------------------------------------

#: < & " % + and a space change under URL, form, JSON and HTML encoding: every spelling is grepped for.
PASSWORD = f'Distinctive Pw<&"%+{uuid.uuid4().hex}'
RUN_ID = f"Healthy.Run_{uuid.uuid4().hex[:6]}"  # reduced to a-z, 0-9 and '-' in test data names
#: A password a deployer wrote into PRODUCTION_URL (known trap: Robot logs every request URL).
URL_PASSWORD = f"UrlSecret-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def healthy_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Healthy]:
    """One full run against a healthy reference API over HTTP, with a distinctive password, and
    credentials in the target's URL."""
    with ReferenceApi() as api:
        url = api.base_url.replace("http://", f"http://deployer:{URL_PASSWORD}@")
        run = run_workflows(api, tmp_path_factory.mktemp("healthy"), env={"SMOKE_RUN_ID": RUN_ID}, url=url)
        yield run, rows_left(api)


def test_every_flow_passes_against_a_healthy_api(healthy_run: Healthy) -> None:
    run, _ = healthy_run
    assert sorted(run.tests) == sorted(FLOWS), run.stdout
    assert all(outcome.status == "PASS" for outcome in run.tests.values()), failure_report(run) + run.stdout
    assert run.returncode == 0


def test_the_healthy_run_leaves_no_rows_behind(healthy_run: Healthy) -> None:
    _run, left = healthy_run
    assert not any(left.values()), f"rows left: {left}"


def test_test_users_are_named_after_the_run_id(healthy_run: Healthy) -> None:
    run, _ = healthy_run
    output = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    emails = set(re.findall(r"smoketest-[a-z0-9.-]+@example\.com", output)) - set(
        re.findall(r"smoketest-nobody-[a-z0-9-]+@example\.com", output)
    )  # logins of users that never existed
    expected = "smoketest-" + RUN_ID.lower().replace(".", "-").replace("_", "-") + "-"
    assert emails, "no test user's email in output.xml"
    assert all(email.startswith(expected) for email in emails), sorted(emails)


def test_readable_text_expands_compressed_log_strings(tmp_path: Path) -> None:
    blob = base64.b64encode(zlib.compress(b"Bearer eyJsecret")).decode()
    page = tmp_path / "log.html"
    page.write_text(f'<script>window.output = ["{blob}", "*plain"]</script>')
    assert "Bearer eyJsecret" in readable_text(page)


def test_no_artifact_contains_the_password_a_token_or_a_webhook_secret(healthy_run: Healthy) -> None:
    run, _ = healthy_run
    artifacts = {path.name: readable_text(path) for path in run.artifacts()}
    artifacts["stdout"] = run.stdout
    assert {"output.xml", "log.html", "report.html", "xunit.xml"} <= set(artifacts), sorted(artifacts)
    for name, text in artifacts.items():
        for needle in ("eyJ", "Bearer ey", "whsec_"):
            assert needle not in text, f"{needle!r} found in {name}"
        assert not spellings_in(text, PASSWORD), f"the password found in {name}"
    for name in ("output.xml", "log.html"):
        # the receiver really checked the signature and the bulk steps logged their throughput; in
        # log.html this also proves that the compressed messages were searched
        assert "arrived with a valid X-Signature-256" in artifacts[name], name
        assert "ops/s" in artifacts[name], name


def test_a_password_in_production_url_reaches_no_artifact(healthy_run: Healthy) -> None:
    """Robot logs every request URL; credentials written into PRODUCTION_URL must be masked there too."""
    run, _ = healthy_run
    assert URL_PASSWORD not in run.stdout
    assert not artifacts_containing(run.output_dir, URL_PASSWORD)


def test_bulk_bodies_are_not_logged_in_full(healthy_run: Healthy) -> None:
    run, _ = healthy_run
    output = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    # 50 bulk-created lattice names would appear 50+ times if request/response bodies were logged whole
    assert output.count("smoketest-bulk-") < 100


@pytest.mark.full  # the HTTP run proves the flows; this one only the private CA, which the TLS proofs use too
def test_every_flow_passes_over_tls_with_a_private_ca(tmp_path: Path) -> None:
    with ReferenceApi(tls=True) as api:
        run = run_workflows(api, tmp_path, env={"CA_BUNDLE": str(api.ca_bundle)})
        assert all(outcome.status == "PASS" for outcome in run.tests.values()), failure_report(run) + run.stdout
        assert len(run.tests) == len(FLOWS)
        assert_no_rows_left(api, run)


def test_two_runs_at_the_same_time_against_one_target_do_not_disturb_each_other(tmp_path: Path) -> None:
    with ReferenceApi() as api:
        runs: dict[str, RobotRun] = {}

        def one(name: str) -> None:
            runs[name] = run_workflows(api, tmp_path / name, tests=FLOWS[3:])

        threads = [threading.Thread(target=one, args=(name,)) for name in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, run in runs.items():
            assert len(run.tests) == len(FLOWS) - 3
            assert all(o.status == "PASS" for o in run.tests.values()), f"{name}:\n{failure_report(run)}"
        assert_no_rows_left(api, runs["first"])


# -- the declared proofs -----------------------------------------------------------------------


def run_proofs(group: ProofGroup, output: Path) -> tuple[RobotRun, list[str]]:
    """The flows ``group``'s proofs guard against a reference API broken by all of them, and the rows
    the run left (unless its proof keeps deleted users: those rows are its effect; it runs alone)."""
    with proof_api(group.proofs) as api:
        run = run_workflows(api, output, tests=group.test_names, env=proof_env(api), variables=group.variables)
        left = rows_left_behind(api)
    if left and not {proof.spec for proof in group.proofs} & KEEPS_DELETED_USERS:
        return run, [f"the run left rows behind: {left}"]
    return run, []


@pytest.fixture(scope="module")
def proofs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ProofSession:
    return grouped_session(request, tmp_path_factory, run_proofs, alone=KEEPS_DELETED_USERS)


@pytest.mark.parametrize("proof_run", PROOF_RUNS, ids=[proof_run.id for proof_run in PROOF_RUNS])
def test_proof_of_each_flow_fails_it_and_leaves_no_data(
    proof_run: ProofRun, proofs: ProofSession, record_property: Callable[[str, object], None]
) -> None:
    """Each ``guards:`` proof makes the flows declaring it fail with the declared messages; their data
    is removed anyway."""
    proofs.prove(proof_run, record_property)


def one_flow_fault() -> tuple[str, str]:
    """The first declared fault that breaks exactly one flow (and removes what it creates), and that flow."""
    for test in suite_tests("workflows"):
        for proof in test.proofs:
            broken = broken_by_fault("workflows", proof.spec) if proof.kind == "fault" else ()
            if proof.spec in KEEPS_DELETED_USERS:
                continue
            if len(broken) == 1:
                return proof.spec, test.name
    raise LookupError("no flow declares a fault that breaks it alone")


def test_with_one_fault_only_the_broken_flow_fails_and_no_data_is_left(tmp_path: Path) -> None:
    fault, flow = one_flow_fault()
    with ReferenceApi(faults=[fault]) as api:
        run = run_workflows(api, tmp_path)
        failed = sorted(name for name, outcome in run.tests.items() if outcome.status == "FAIL")
        assert failed == [flow], failure_report(run)
        assert len(run.tests) == len(FLOWS)
        assert_no_rows_left(api, run)
    assert_no_password_anywhere(run)


def test_a_failing_flow_still_leaves_no_data_behind(tmp_path: Path) -> None:
    # the flows fail in the middle, after creating lattices and a webhook
    flows = [only_test_tagged("workflows", tag) for tag in ("pathfinding", "webhooks")]
    faults = [next(proof.spec for proof in flow.proofs if proof.kind == "fault") for flow in flows]
    with ReferenceApi(faults=faults) as api:
        run = run_workflows(api, tmp_path, tests=[flow.name for flow in flows])
        assert {o.status for o in run.tests.values()} == {"FAIL"}, failure_report(run)
        assert_no_rows_left(api, run)
    assert_no_password_anywhere(run)


def metadata_of(run: RobotRun) -> dict[str, str]:
    """The metadata of the run's suite (the channels of smoke_runner/profiles/channels.py)."""
    return dict(ExecutionResult(str(run.output_dir / "output.xml")).suite.metadata)


def test_a_user_deletion_that_keeps_the_user_fails_the_registration_flow_and_is_reported(tmp_path: Path) -> None:
    """The deletion answers success but the user can still log in: the registration flow, which deletes
    its user, fails naming it; the suite teardown fails no test and reports the users left behind."""
    registration, login = FLOWS[0], FLOWS[1]
    with ReferenceApi(faults=["delete_user_keeps_data"]) as api:
        run = run_workflows(api, tmp_path, tests=[registration, login])
    assert run.status(login) == "PASS", failure_report(run)
    assert run.status(registration) == "FAIL", failure_report(run)
    message = run.message(registration)
    assert "teardown" not in message, message
    assert (
        "can still log in after 3 deletions: DELETE /api/v1/users/me succeeded but the user was not removed" in message
    ), message
    findings = read_findings(run.output_dir / "output.xml")
    # the run's identity and the registration flow's user
    assert len(findings.users_left_behind) == 2, findings
    assert all(item.startswith("id ") and "smoketest-" in item for item in findings.users_left_behind), findings
    assert any("can still log in after 3 deletions" in problem for problem in findings.cleanup_problems), findings


def strategy_file(tmp_path: Path, strategy: str) -> Path:
    """A variable file that changes only the cleanup strategy of the default profile."""
    path = tmp_path / f"cleanup-{strategy}.yaml"
    path.write_text(f"CLEANUP: {{strategy: {strategy}}}\n", encoding="utf-8")
    return path


def test_the_created_only_strategy_deletes_what_the_run_created_and_reports_the_users_by_id(tmp_path: Path) -> None:
    with ReferenceApi() as api:
        run = run_workflows(api, tmp_path, options=["--variablefile", str(strategy_file(tmp_path, "created-only"))])
        left = rows_left_behind(api)
    statuses = {name: outcome.status for name, outcome in run.tests.items()}
    assert set(statuses.values()) == {"PASS"}, failure_report(run)
    registration = FLOWS[0]
    assert run.tests[registration].message == (
        "Narrowed: deleting the new user and proving its login is refused left out "
        "(cleanup strategy created-only deletes no user (profile contract))."
    ), run.tests[registration].message
    findings = read_findings(run.output_dir / "output.xml")
    # the run identity, the second tenant, the registration flow's user: left behind, by id
    assert len(findings.users_left_behind) == 3, findings
    assert all(item.startswith("id ") and "smoketest-" in item for item in findings.users_left_behind), findings
    assert not findings.cleanup_problems, findings
    assert [narrowed.name for narrowed in findings.narrowed] == [registration], findings
    assert findings.narrowed[0].left_out == (
        ("user-deletion", "deleting the new user and proving its login is refused"),
    )
    assert "strategy created-only" in findings.cleanup[0] and "3 left behind" in findings.cleanup[0], findings
    # what the run created is gone; only the users (and what a user is born with) stay
    assert left.get("users") == 3 and not left.get("lattices") and not left.get("webhooks"), left


def test_an_admin_strategy_that_cannot_delete_is_a_finding_not_a_failure(tmp_path: Path) -> None:
    """The contract offers no admin deletion: every flow keeps its status, the users are reported."""
    flows = [FLOWS[1], only_test_tagged("workflows", "pathfinding").name]
    with ReferenceApi() as api:
        run = run_workflows(
            api,
            tmp_path,
            flows,
            env={"SMOKE_ADMIN_TOKEN": "an-admin-token-that-is-never-used"},
            options=["--variablefile", str(strategy_file(tmp_path, "admin"))],
        )
        left = rows_left_behind(api)
    assert {outcome.status for outcome in run.tests.values()} == {"PASS"}, failure_report(run)
    findings = read_findings(run.output_dir / "output.xml")
    assert len(findings.users_left_behind) == 1, findings
    assert findings.cleanup_problems == [
        "cleanup strategy admin, but operation 'admin_delete_user' is not offered by this deployment (profile contract)"
    ], findings
    assert not left.get("lattices"), left  # the lattices the flows created were deleted one by one


STALE_TOKEN_SUITE = """\
*** Settings ***
Documentation       A token that no longer works, remembered for the teardown: the user is still removed.
Resource            {resources}/identity.resource
Suite Setup         Create Test Identity
Suite Teardown      Remove Test Data


*** Test Cases ***
A Remembered Token That No Longer Works Still Lets The Teardown Remove The User
    [Documentation]    The run identity's remembered token is replaced by a forged one (answered 401).
    ${{forged}} =    Evaluate    robot.api.types.Secret("not-a-token-" + "x" * 20)    modules=robot.api.types
    Remember Token Of Test Identity    ${{TEST_EMAIL}}    ${{forged}}
"""


def test_a_remembered_token_that_no_longer_works_still_lets_the_teardown_remove_the_user(tmp_path: Path) -> None:
    suite = tmp_path / "stale_token.robot"
    suite.write_text(STALE_TOKEN_SUITE.format(resources=REPO_ROOT / "resources"), encoding="utf-8")
    with ReferenceApi() as api:
        run = run_suite(suite, api.base_url, tmp_path / "results", env={"TEST_PASSWORD": PASSWORD}, timeout=120)
        assert run.returncode == 0, run.stdout
        assert_no_rows_left(api, run)
    log = readable_text(run.output_dir / "output.xml")
    assert "deleted nothing (status 401): logging in" in log


# -- the target itself -------------------------------------------------------------------------


def test_plain_http_to_a_remote_host_is_refused_before_any_request(tmp_path: Path) -> None:
    with listening() as proxy:  # any request would reach it
        env = {
            "HTTP_PROXY": proxy.url,
            "http_proxy": proxy.url,
            "HTTPS_PROXY": proxy.url,
            "https_proxy": proxy.url,
            "NO_PROXY": "",
            "no_proxy": "",
            "ALLOW_PLAINTEXT_CREDENTIALS": "",
        }
        run = run_suite("workflows", "http://example.invalid", tmp_path / "results", env=env, timeout=60)
    assert len(run.tests) == len(FLOWS)
    for name, outcome in run.tests.items():
        assert outcome.status == "FAIL"
        assert "Refusing to send test credentials over plain HTTP to http://example.invalid" in outcome.message, name
    assert proxy.connections == 0, "a request was sent before the credential check"


def test_a_target_that_does_not_answer_fails_fast(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    run = run_suite("workflows", f"http://127.0.0.1:{port}", tmp_path / "results", timeout=60)
    assert len(run.tests) == len(FLOWS)
    assert all("Cannot connect to" in o.message for o in run.tests.values()), failure_report(run)


def test_without_a_receiver_the_unchecked_signature_is_a_visible_warning(tmp_path: Path) -> None:
    """A target that cannot call this machine: the record is still checked, the signature cannot be,
    and the log and console say so instead of passing quietly."""
    flow = only_test_tagged("workflows", "webhooks").name
    with ReferenceApi() as api:
        run = run_workflows(api, tmp_path, tests=[flow], env={"WEBHOOK_RECEIVER": "false"})
        recorded_wrong_event = run_workflows(
            api,
            tmp_path / "healthy-again",
            tests=[flow],
            env={"WEBHOOK_RECEIVER": "false"},
            variables={"WEBHOOK_TEST_EVENT": "lattice.created"},
        )
    assert run.tests[flow].status == "PASS", failure_report(run)
    output = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    assert 'level="WARN">Webhook signature NOT checked' in output
    assert "Webhook signature NOT checked" in run.stdout  # stdout and stderr of robot
    # the delivery record itself is checked: a record of another event fails the flow
    assert recorded_wrong_event.tests[flow].status == "FAIL", failure_report(recorded_wrong_event)


def test_a_cleanup_the_target_refuses_is_reported_and_never_fails_the_teardown(tmp_path: Path) -> None:
    """Logins answer 503: the suite setup fails the flows (the real finding); the teardown cannot log
    in to delete the run's user, and reports it by id instead of failing every flow a second time."""
    flow = FLOWS[1]
    env = {"LATTICE_MUTATIONS": "POST /api/v1/auth/login:status=503"}
    with ReferenceApi(env=env) as api:
        run = run_workflows(api, tmp_path, tests=[flow])
    message = run.message(flow)
    assert run.status(flow) == "FAIL" and message.startswith("Parent suite setup failed:"), message
    assert "teardown" not in message, message
    findings = read_findings(run.output_dir / "output.xml")
    assert len(findings.users_left_behind) == 1 and findings.users_left_behind[0].startswith("id "), findings
    assert findings.cleanup_problems and "answered 503" in findings.cleanup_problems[0], findings


def test_a_profile_path_to_another_origin_stops_the_run_before_any_request(tmp_path: Path) -> None:
    """Issue 22, row 3: a profile copied with full URLs never sends credentials to that origin."""
    profile = (REPO_ROOT / "variables" / "profiles" / "contract.yaml").read_text(encoding="utf-8")
    copied = tmp_path / "copied.yaml"
    with listening() as elsewhere, ReferenceApi() as api:
        copied.write_text(
            profile.replace("path: /api/v1/auth/login", f"path: {elsewhere.url}/api/v1/auth/login"), encoding="utf-8"
        )
        run = run_workflows(api, tmp_path, [FLOWS[1]], options=["--variablefile", str(copied)])
    message = run.message(FLOWS[1])
    assert run.status(FLOWS[1]) == "FAIL", message
    assert "The profile's paths must be relative to the target" in message, message
    assert f"OPERATIONS.login.path '{elsewhere.url}/api/v1/auth/login'" in message, message
    assert elsewhere.connections == 0
