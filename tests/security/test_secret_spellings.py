"""Issue 9, rows 7, 8 and 14: every spelling of a secret is masked, wherever the answer holds it.

The artifacts are read as a person would (``tests/support/artifacts.py`` decompresses log.html's
strings) and searched for every spelling of each secret: plain, URL- and form-encoded, JSON-,
HTML- and XML-escaped, and encodings of those.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest

from libraries.SmokeLibrary.http import HttpKeywords
from libraries.SmokeLibrary.masking import (
    MAX_WITHHELD_ANSWERS,
    MaskingListener,
    answer_for_log,
    mask_text,
    register_answer_secrets,
    register_secret,
    register_secret_locations,
    register_url_credentials,
    without_withheld_answers,
)
from tests.runner.helpers import run_runner
from tests.support.artifacts import artifacts_containing, spellings, spellings_in
from tests.support.hostile import HostileServer, echo, login_answer
from tests.support.robot_run import RobotRun, run_suite
from tests.support.server import ReferenceApi

CLEAN_TLS_ENV = {"CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}
#: Every character that changes under some encoding: < & " % + and a space.
HOSTILE_PASSWORD = 'Pa ss<&"%+word-2026'


def _leaks(run: RobotRun, secret: str) -> list[str]:
    return artifacts_containing(run.output_dir, secret) + [
        f"console: {form!r}" for form in spellings_in(run.stdout, secret)
    ]


def _fake_answer(document: str, status: int = 200, request_body: str = "") -> SimpleNamespace:
    request = SimpleNamespace(method="POST", url="http://127.0.0.1/login", body=request_body)
    return SimpleNamespace(
        status_code=status, text=document, content=document.encode(), request=request, url=request.url
    )


# -- units ------------------------------------------------------------------------------------
def test_every_spelling_of_a_registered_password_is_masked() -> None:
    password = f"U{uuid.uuid4().hex[:6]}{HOSTILE_PASSWORD}"
    register_secret(password)
    forms = spellings(password)
    assert len(forms) > 10, forms  # the hostile characters really change under the encodings
    for form in forms:
        assert not spellings_in(mask_text(f"before {form} after"), password), form


def test_the_user_part_of_a_url_is_masked_whether_token_or_user_and_password() -> None:
    token = f"tok{uuid.uuid4().hex}"
    register_url_credentials(f"http://{token}@127.0.0.1:8000")
    for text in (f"GET http://{token}@127.0.0.1:8000/health", f"user {token} said", f"Basic {token}"):
        assert token not in mask_text(text), text
    assert mask_text("see https://someone:pw-123@example.com/x") == "see https://***@example.com/x"
    assert mask_text("see https://just-a-user@example.com/x") == "see https://***@example.com/x"


@pytest.mark.parametrize(
    "location",
    ["$.session.", "$.session['token", "$.token.`split(x)`", "$.token.`sub(/(/, x)`"],
    ids=["parser", "lexer", "string-function", "regex"],
)
def test_a_secret_location_that_is_not_a_jsonpath_expression_fails_naming_it(location: str) -> None:
    with pytest.raises(AssertionError, match="is not a JSONPath expression") as refused:
        register_secret_locations([location])
    assert repr(location) in str(refused.value)


def test_a_token_under_any_configured_name_is_masked_in_the_answer_that_brings_it_and_in_its_copies() -> None:
    token = f"opaque-{uuid.uuid4().hex}"
    register_secret_locations(["$.session_key"])
    logged = answer_for_log(_fake_answer(f'{{"session_key": "{token}", "also": "{token}", "token_type": "bearer"}}'))
    assert token not in logged and '"token_type": "bearer"' in logged, logged
    assert token not in mask_text(f"later: {token}")


def test_a_login_answer_without_a_token_at_its_location_fails_naming_keys_only() -> None:
    token = f"opaque-{uuid.uuid4().hex}"
    answer = _fake_answer(f'{{"session_key": "{token}", "token_type": "bearer"}}')
    with pytest.raises(AssertionError) as failure:
        HttpKeywords().secret_field_of_response(answer, "$.access_token")
    message = str(failure.value)
    assert "$.access_token" in message and "session_key, token_type" in message, message
    assert token not in message


def test_a_successful_answer_to_a_credentials_request_with_no_token_is_logged_by_its_keys_only() -> None:
    password = f"Pw-{uuid.uuid4().hex}"
    token = f"opaque-{uuid.uuid4().hex}"
    register_secret(password)
    register_secret_locations(["$.access_token"])
    logged = answer_for_log(_fake_answer(f'{{"sessionKey": "{token}"}}', request_body=f'{{"password": "{password}"}}'))
    assert token not in logged and "sessionKey" in logged, logged


def test_an_answer_with_no_secret_where_the_profile_says_is_logged_by_its_keys_only_wherever_it_is_shown() -> None:
    """The transport's step before RequestsLibrary's own log: nobody knows which value is the secret,
    so the listener shows the answer's keys; its values (an email, say) stay readable elsewhere."""
    password, token = f"Pw-{uuid.uuid4().hex}", f"opaque-{uuid.uuid4().hex}"
    email = f"smoketest-{uuid.uuid4().hex[:8]}@example.com"
    register_secret(password)
    register_secret_locations(["$.access_token"])
    document = f'{{"data": {{"sessionKey": "{token}", "email": "{email}"}}}}'
    register_answer_secrets(_fake_answer(document, request_body=f'{{"password": "{password}"}}'))
    message = SimpleNamespace(message=f"POST Response : url=http://127.0.0.1/login \n body={document} \n ", html=False)
    MaskingListener().log_message(message)
    assert token not in message.message and "its keys: data, data.sessionKey, data.email" in message.message
    assert message.message.startswith("POST Response : url=http://127.0.0.1/login"), message.message
    assert mask_text(f"Log in as {email}") == f"Log in as {email}"


def test_only_the_newest_withheld_answers_are_remembered() -> None:
    password = f"Pw-{uuid.uuid4().hex}"
    register_secret(password)
    documents = [f'{{"n": {index}, "key_{uuid.uuid4().hex}": "v"}}' for index in range(MAX_WITHHELD_ANSWERS + 4)]
    for document in documents:
        register_answer_secrets(_fake_answer(document, request_body=f'{{"password": "{password}"}}'))
    assert without_withheld_answers(f"body={documents[0]}") == f"body={documents[0]}"
    assert without_withheld_answers(f"body={documents[-1]}").startswith("body=<values not shown")


def test_a_secret_found_by_its_location_is_returned_and_masked_in_every_spelling() -> None:
    token = f'tok<&"{uuid.uuid4().hex}'
    answer = _fake_answer('{"data": {"token": "' + token.replace('"', '\\"') + '"}}')
    secret = HttpKeywords().secret_field_of_response(answer, "$.data.token")
    assert secret.value == token
    for form in spellings(token):
        assert not spellings_in(mask_text(form), token), form


# -- whole runs -------------------------------------------------------------------------------
def test_a_token_under_another_name_and_repeated_in_a_second_field_reaches_no_artifact(tmp_path: Path) -> None:
    token = f"opaque-session-{uuid.uuid4().hex}"
    answer = login_answer(
        lambda email: {"session_key": token, "token_type": "bearer", "expires_in": 3600, "copy_of_key": token}
    )
    with HostileServer(answer) as api:
        run = run_suite(
            "workflows",
            api.url,
            tmp_path,
            env={**CLEAN_TLS_ENV, "API_TIMEOUT": "5"},
            variables={"TOKEN_JSONPATH": "$.session_key"},
            timeout=300,
        )
    assert run.tests, run.stdout
    assert not _leaks(run, token)
    # the token was found and used: the teardown deleted the users with it
    deletions = [received for received in api.requests if received.method == "DELETE"]
    assert deletions and all(received.headers.get("Authorization") == f"Bearer {token}" for received in deletions)


def test_a_login_answer_without_a_token_where_the_suite_looks_fails_without_showing_its_values(tmp_path: Path) -> None:
    token = f"opaque-session-{uuid.uuid4().hex}"
    answer = login_answer(lambda email: {"session_key": token, "token_type": "bearer", "expires_in": 3600})
    with HostileServer(answer) as api:
        run = run_suite("workflows", api.url, tmp_path, env={**CLEAN_TLS_ENV, "API_TIMEOUT": "5"}, timeout=300)
    assert run.tests and all(outcome.status == "FAIL" for outcome in run.tests.values()), run.stdout
    message = next(iter(run.tests.values())).message
    assert "$.access_token" in message and "session_key" in message, message
    assert not _leaks(run, token)


def test_a_token_as_user_name_of_production_url_reaches_no_artifact(tmp_path: Path) -> None:
    token = f"tok{uuid.uuid4().hex}"
    with ReferenceApi() as api:
        run = run_suite("health", api.base_url.replace("http://", f"http://{token}@"), tmp_path, env=CLEAN_TLS_ENV)
    assert run.tests, run.stdout
    assert not _leaks(run, token)


def test_a_hostile_echo_server_gets_no_spelling_of_the_password_into_any_artifact_summary_or_console(
    tmp_path: Path,
) -> None:
    """The server echoes each request into a Location header and the body; the run fails everywhere."""
    token = f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlY2hvIn0.{uuid.uuid4().hex}"
    results = tmp_path / "results"
    with HostileServer(echo(token)) as server:
        run = run_runner(
            [],
            results,
            env={"PRODUCTION_URL": server.url, "TEST_PASSWORD": HOSTILE_PASSWORD, "API_TIMEOUT": "5"},
            timeout=600,
        )
    sent = [received for received in server.requests if spellings_in(received.text(), HOSTILE_PASSWORD)]
    assert sent, f"the password was never sent\n{run.console}"
    assert run.returncode != 0, run.console
    assert list(results.rglob("summary_*")), f"no summary written\n{run.console}"
    assert list(results.rglob("output.xml")) and list(results.rglob("log.html")), run.console
    leaks = [f"console: {form!r}" for form in spellings_in(run.console, HOSTILE_PASSWORD)]
    leaks += artifacts_containing(results, HOSTILE_PASSWORD)
    assert not leaks, leaks
    token_leaks = spellings_in(run.console, token) + artifacts_containing(results, token)
    assert not token_leaks, token_leaks
