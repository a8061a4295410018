"""``suites/workflows.robot`` against the reference API: healthy, over TLS, and with one fault per flow.

Every run gets its own reference API (fresh SQLite database) so that, after the run, *every* row
in the database would belong to the run: an empty database proves the suite teardown removed
everything, also after failures.
"""

from __future__ import annotations

import base64
import re
import socket
import sqlite3
import threading
import uuid
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.artifacts import artifacts_containing, readable_text, spellings_in
from tests.support.robot_run import RobotRun, run_suite
from tests.support.server import ReferenceApi

FLOWS = (
    "User Registration Flow",
    "User Login Flow",
    "Authenticated API Access Flow",
    "Subscription Management Flow",
    "Lattice Creation Flow",
    "Lattice Pathfinding Flow",
    "Webhook Registration Flow",
    "Usage Tracking Flow",
    "Error Recovery Flow",
    "Bulk Operations Performance Flow",
)
TABLES = ("users", "subscriptions", "usage", "lattices", "webhooks", "webhook_deliveries")


def rows_left(api: ReferenceApi) -> dict[str, int]:
    """Row count of every table that holds user data (must be called before the API stops)."""
    path = api.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}


def assert_no_rows_left(api: ReferenceApi, run: RobotRun) -> None:
    left = {table: count for table, count in rows_left(api).items() if count}
    assert not left, f"the run left rows behind: {left}\n{run.stdout}"


def run_workflows(
    api: ReferenceApi,
    tmp_path: Path,
    tests: Sequence[str] = (),
    env: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
) -> RobotRun:
    return run_suite(
        "workflows",
        api.base_url,
        tmp_path / "results",
        env={"TEST_PASSWORD": PASSWORD, **(env or {})},
        variables=variables,
        tests=tests,
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


@pytest.fixture(scope="module")
def healthy_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RobotRun, dict[str, int]]]:
    """One full run against a healthy reference API over HTTP, with a distinctive password."""
    with ReferenceApi() as api:
        run = run_workflows(
            api, tmp_path_factory.mktemp("healthy"), env={"TEST_PASSWORD": PASSWORD, "SMOKE_RUN_ID": RUN_ID}
        )
        yield run, rows_left(api)


def test_all_ten_flows_pass_against_a_healthy_api(healthy_run) -> None:
    run, _ = healthy_run
    assert sorted(run.tests) == sorted(FLOWS), run.stdout
    assert all(outcome.status == "PASS" for outcome in run.tests.values()), failure_report(run) + run.stdout
    assert run.returncode == 0


def test_the_healthy_run_leaves_no_rows_behind(healthy_run) -> None:
    _run, left = healthy_run
    assert not any(left.values()), f"rows left: {left}"


def test_test_users_are_named_after_the_run_id(healthy_run) -> None:
    run, _ = healthy_run
    output = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    emails = set(re.findall(r"smoketest-[a-z0-9.-]+@example\.com", output)) - set(
        re.findall(r"smoketest-nobody-[a-z0-9-]+@example\.com", output)
    )  # logins of users that never existed
    expected = "smoketest-" + RUN_ID.lower().replace(".", "-").replace("_", "-") + "-"
    assert emails, "no test user's email in output.xml"
    assert all(email.startswith(expected) for email in emails), sorted(emails)


def test_readable_text_expands_compressed_log_strings(tmp_path) -> None:
    blob = base64.b64encode(zlib.compress(b"Bearer eyJsecret")).decode()
    page = tmp_path / "log.html"
    page.write_text(f'<script>window.output = ["{blob}", "*plain"]</script>')
    assert "Bearer eyJsecret" in readable_text(page)


def test_no_artifact_contains_the_password_a_token_or_a_webhook_secret(healthy_run) -> None:
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


def test_bulk_bodies_are_not_logged_in_full(healthy_run) -> None:
    run, _ = healthy_run
    output = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    # 50 bulk-created lattice names would appear 50+ times if request/response bodies were logged whole
    assert output.count("smoketest-bulk-") < 100


def test_all_ten_flows_pass_over_tls_with_a_private_ca(tmp_path) -> None:
    with ReferenceApi(tls=True) as api:
        run = run_workflows(api, tmp_path, env={"CA_BUNDLE": str(api.ca_bundle)})
        assert all(outcome.status == "PASS" for outcome in run.tests.values()), failure_report(run) + run.stdout
        assert len(run.tests) == len(FLOWS)
        assert_no_rows_left(api, run)


def test_two_runs_at_the_same_time_against_one_target_do_not_disturb_each_other(tmp_path) -> None:
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


# -- one fault per flow ------------------------------------------------------------------------

FAULTS = [
    ("register_allows_duplicate", "User Registration Flow", "a second time': expected HTTP 409, but POST"),
    ("login_no_expiry", "User Login Flow", "the answer holds nothing at $.expires_in"),
    (
        "accept_tampered_token",
        "Authenticated API Access Flow",
        "with a token with a tampered signature': expected HTTP 401",
    ),
    ("accept_alg_none", "Authenticated API Access Flow", "with an unsigned (alg none) token': expected HTTP 401"),
    ("tenant_leak", "Authenticated API Access Flow", "Read another user's lattice"),
    ("tenant_leak_listing", "Authenticated API Access Flow", "Tenant isolation broken in the listing: another user's"),
    (
        "tenant_leak_count",
        "Authenticated API Access Flow",
        "Tenant isolation broken in the counts: the lattice listing (GET /api/v1/lattices) of a user who has created "
        "nothing reports total=1",
    ),
    (
        "tenant_leak_usage",
        "Authenticated API Access Flow",
        "Tenant isolation broken in the counts: the usage (GET /api/v1/usage) of a user who has created nothing "
        "reports lattices=",
    ),
    ("subscription_not_persisted", "Subscription Management Flow", "it is free/active, expected pro/active"),
    (
        "subscription_accepts_unknown_plan",
        "Subscription Management Flow",
        "unknown plan 'platinum-smoketest'': expected HTTP 422",
    ),
    ("lattice_drops_blocked", "Lattice Creation Flow", "read back with blocked [] instead of"),
    ("lattice_accepts_invalid", "Lattice Creation Flow", "Create a lattice with an empty name': expected HTTP 422"),
    ("path_not_shortest", "Lattice Pathfinding Flow", "takes 14 steps but the shortest path takes 12"),
    ("path_through_blocked", "Lattice Pathfinding Flow", "the path enters blocked cells"),
    ("path_wrong_distance", "Lattice Pathfinding Flow", "'distance' is 13 but the path has 13 cells (expected 12)"),
    ("webhook_unsigned", "Webhook Registration Flow", "arrived without an X-Signature-256 header"),
    ("webhook_bad_signature", "Webhook Registration Flow", "does not match the HMAC-SHA256 of its body"),
    (
        "webhook_secret_in_listing",
        "Webhook Registration Flow",
        "The listing reveals secrets (a value at $.items[*].secret",
    ),
    ("webhook_no_delivery", "Webhook Registration Flow", "delivery record(s) in the listing, but 1 are missing"),
    ("usage_not_counted", "Usage Tracking Flow", "Usage counter 'lattices' went from"),
    ("error_leaves_data", "Error Recovery Flow", "requests that failed must leave no data behind"),
    ("bulk_partial", "Bulk Operations Performance Flow", "a refused bulk create must create none of its items"),
    ("bulk_slow", "Bulk Operations Performance Flow", "over its time budget of 5 s"),
    ("bulk_delete_keeps_rows", "Bulk Operations Performance Flow", "to be gone, but they are still listed"),
]


@pytest.mark.parametrize(("fault", "flow", "problem"), FAULTS, ids=[fault for fault, _, _ in FAULTS])
def test_each_flow_fails_when_the_api_breaks_it(tmp_path, fault, flow, problem) -> None:
    with ReferenceApi(faults=[fault]) as api:
        run = run_workflows(api, tmp_path, tests=[flow])
        outcome = run.outcome(flow)
        assert outcome.status == "FAIL", f"{flow} passed although {fault} is on:\n{run.stdout}"
        assert problem in outcome.message, outcome.message
        assert_no_rows_left(api, run)


def test_every_flow_has_a_fault_that_breaks_it() -> None:
    assert {flow for _, flow, _ in FAULTS} == set(FLOWS)


def test_with_one_fault_only_the_broken_flow_fails_and_no_data_is_left(tmp_path) -> None:
    with ReferenceApi(faults=["tenant_leak"]) as api:
        run = run_workflows(api, tmp_path)
        failed = sorted(name for name, outcome in run.tests.items() if outcome.status == "FAIL")
        assert failed == ["Authenticated API Access Flow"], failure_report(run)
        assert len(run.tests) == len(FLOWS)
        assert_no_rows_left(api, run)
    assert_no_password_anywhere(run)


def test_a_failing_flow_still_leaves_no_data_behind(tmp_path) -> None:
    # the flow fails in the middle, after creating lattices and a webhook
    with ReferenceApi(faults=["webhook_bad_signature", "path_not_shortest"]) as api:
        run = run_workflows(api, tmp_path, tests=["Lattice Pathfinding Flow", "Webhook Registration Flow"])
        assert {o.status for o in run.tests.values()} == {"FAIL"}, failure_report(run)
        assert_no_rows_left(api, run)
    assert_no_password_anywhere(run)


def test_a_user_deletion_that_keeps_the_user_fails_the_teardown(tmp_path) -> None:
    with ReferenceApi(faults=["delete_user_keeps_data"]) as api:
        run = run_workflows(api, tmp_path, tests=["User Login Flow"])
        message = run.message("User Login Flow")
        assert "Parent suite teardown failed" in message, message
        assert (
            "can still log in after 3 deletions: DELETE /api/v1/users/me succeeded but the user was not removed"
            in message
        ), message


# -- the target itself -------------------------------------------------------------------------


class ConnectionCounter:
    """A TCP listener that counts connections (used as HTTP proxy: any request would reach it)."""

    def __init__(self) -> None:
        self.connections = 0
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()


def test_plain_http_to_a_remote_host_is_refused_before_any_request(tmp_path) -> None:
    proxy = ConnectionCounter()
    try:
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
    finally:
        proxy.close()
    assert len(run.tests) == len(FLOWS)
    for name, outcome in run.tests.items():
        assert outcome.status == "FAIL"
        assert "Refusing to send test credentials over plain HTTP to http://example.invalid" in outcome.message, name
    assert proxy.connections == 0, "a request was sent before the credential check"


def test_a_target_that_does_not_answer_fails_fast(tmp_path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    run = run_suite("workflows", f"http://127.0.0.1:{port}", tmp_path / "results", timeout=60)
    assert len(run.tests) == len(FLOWS)
    assert all("Cannot connect to" in o.message for o in run.tests.values()), failure_report(run)


def test_without_a_receiver_the_unchecked_signature_is_a_visible_warning(tmp_path) -> None:
    """A target that cannot call this machine: the record is still checked, the signature cannot be,
    and the log and console say so instead of passing quietly."""
    flow = "Webhook Registration Flow"
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
