"""Issue 9, row 4: credentials never follow a redirect; every followed hop passes the first hop's checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from libraries.SmokeLibrary.http import UnsafeRedirect, guarded_session, plaintext_problem
from libraries.SmokeLibrary.masking import register_secret
from tests.support.artifacts import artifacts_containing
from tests.support.hostile import HostileServer, record_only, redirect_everything_but_health
from tests.support.robot_run import REPO_ROOT, run_suite
from tests.support.suite_model import robot_statements

CLEAN_TLS_ENV = {"CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}
PASSWORD = "Redirect-Me-Not-7731"


def test_a_307_on_register_and_login_sends_the_password_nowhere_else_and_fails_naming_the_redirect(
    tmp_path: Path,
) -> None:
    """A front answers every credential request with 307 to another local port over plain HTTP."""
    with HostileServer(record_only) as harvester:
        target = f"http://localhost:{harvester.port}"
        with HostileServer(redirect_everything_but_health(target)) as front:
            run = run_suite(
                "workflows",
                front.url,
                tmp_path,
                env={**CLEAN_TLS_ENV, "TEST_PASSWORD": PASSWORD, "API_TIMEOUT": "5"},
                timeout=240,
            )
    assert harvester.requests == [], [received.text() for received in harvester.requests]
    assert any(received.path.endswith("/auth/register") for received in front.requests), "the front was never asked"
    assert run.tests and all(outcome.status == "FAIL" for outcome in run.tests.values()), run.stdout
    message = next(iter(run.tests.values())).message
    assert f"answered 307 redirecting to {target}/api/v1/auth/register" in message, message
    assert "never follows a redirect" in message, message
    assert PASSWORD not in run.stdout
    assert not artifacts_containing(tmp_path, PASSWORD)


def test_a_token_request_answered_with_a_redirect_fails_and_is_not_followed() -> None:
    with HostileServer(record_only) as harvester:
        with HostileServer(redirect_everything_but_health(harvester.url)) as front, guarded_session(10) as http:
            with pytest.raises(UnsafeRedirect, match=rf"answered 307 redirecting to {harvester.url}/api/v1/users/me"):
                http.get(front.url + "/api/v1/users/me", headers={"Authorization": "Bearer some-token-value"})
    assert harvester.requests == []


def test_a_password_body_is_not_sent_after_a_redirect_even_when_redirects_are_allowed() -> None:
    register_secret("Body-Secret-5521")
    with HostileServer(record_only) as harvester:
        with HostileServer(redirect_everything_but_health(harvester.url)) as front, guarded_session(10) as http:
            with pytest.raises(UnsafeRedirect, match="carries a password or token"):
                http.post(front.url + "/login", json={"password": "Body-Secret-5521"}, allow_redirects=True)
    assert harvester.requests == []


def test_the_redirect_target_is_masked_in_the_failure() -> None:
    register_secret("Location-Secret-8812")
    with HostileServer(record_only) as harvester:
        front_target = f"{harvester.url}/x?password-copy=Location-Secret-8812"

        def redirect(server, handler, received) -> None:  # noqa: ANN001 - hostile.Handler
            handler.send_response(302)
            handler.send_header("Location", front_target)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with HostileServer(redirect) as front, guarded_session(10) as http:
            with pytest.raises(UnsafeRedirect) as failure:
                http.post(front.url + "/login", data="password=Location-Secret-8812")
    assert "Location-Secret-8812" not in str(failure.value)
    assert "redirecting to" in str(failure.value)


def test_an_anonymous_request_follows_a_redirect_on_this_machine_through_the_same_guard() -> None:
    with HostileServer(record_only) as harvester:
        with HostileServer(redirect_everything_but_health(harvester.url)) as front, guarded_session(10) as http:
            response = http.get(front.url + "/plans")
    assert response.status_code == 200 and [received.path for received in harvester.requests] == ["/plans"]


def test_an_anonymous_redirect_to_plain_http_on_another_host_is_refused_before_it_is_followed() -> None:
    """The hop is checked before it is followed: nothing is sent to 192.0.2.1 (a documentation address)."""
    with HostileServer(redirect_everything_but_health("http://192.0.2.1")) as front, guarded_session(10) as http:
        with pytest.raises(
            UnsafeRedirect, match=r"redirecting to http://192\.0\.2\.1/plans .*plain HTTP to another host"
        ):
            http.get(front.url + "/plans")


def test_a_hop_to_plain_http_on_another_host_passes_only_with_the_plaintext_opt_in() -> None:
    assert plaintext_problem("http://192.0.2.1/plans", allow_plaintext=False)
    assert plaintext_problem("http://192.0.2.1/plans", allow_plaintext=True) is None
    assert plaintext_problem("https://192.0.2.1/plans", allow_plaintext=False) is None
    assert plaintext_problem("ftp://192.0.2.1/plans", allow_plaintext=True)


def test_every_session_is_guarded_and_token_requests_never_follow_redirects() -> None:
    resources = sorted((REPO_ROOT / "resources").glob("*.resource"))
    sessions = 0
    for path in resources:
        statements = robot_statements(path)
        for index, statement in enumerate(statements):
            if re.search(r"\bCreate (Custom )?Session\b", statement):
                sessions += 1
                assert statement.startswith("${session} =") and statements[index + 1].startswith(
                    "Guard Requests Of Session    ${session}    ${API_TIMEOUT}    ${MAX_RESPONSE_BYTES}"
                ), f"{path.name}: a session that is not guarded: {statement}"
            if re.search(r"\b(GET|POST|PUT|PATCH|DELETE) On Session    \$\{alias\}", statement):
                assert "allow_redirects=${False}" in statement, f"{path.name}: a token request may follow redirects"
    assert sessions, "no session is created anywhere: the check would pass vacuously"
