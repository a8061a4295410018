"""Identities, payloads, time budgets and body checks of the workflows library."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from robot.api.types import Secret

from libraries.SmokeLibrary.http import tls_verification
from libraries.SmokeLibrary.masking import mask_body, mask_text
from libraries.SmokeLibrary.workflows import WorkflowKeywords
from libraries.SmokeLibrary.workflows.checks import stored_differences

pytestmark = pytest.mark.unit

EMAIL = re.compile(r"^smoketest-[0-9a-f]{16}@example\.com$")  # outside a run: no run id


@pytest.fixture
def keywords() -> WorkflowKeywords:
    return WorkflowKeywords()


def test_throwaway_emails_are_unique_and_recognisable(keywords: WorkflowKeywords) -> None:
    emails = {keywords.unique_throwaway_email() for _ in range(200)}
    assert len(emails) == 200
    assert all(EMAIL.match(e) for e in emails)


def test_throwaway_passwords_are_secrets_long_enough_and_masked(keywords: WorkflowKeywords) -> None:
    password = keywords.throwaway_password()
    assert isinstance(password, Secret)
    assert len(password.value) >= 12
    assert password.value not in mask_text(f"password is {password.value}")


def test_identity_registry_remembers_each_email_once_in_order_and_forgets(keywords: WorkflowKeywords) -> None:
    first = keywords.remember_test_identity("a@example.com", Secret("password-one-1"))
    keywords.remember_test_identity("b@example.com", Secret("password-two-2"))
    keywords.remember_test_identity("a@example.com", Secret("password-one-1"))
    assert [i.email for i in keywords.test_identities_of_this_run()] == ["a@example.com", "b@example.com"]
    assert first.password.value == "password-one-1" and str(first) == "a@example.com"
    keywords.forget_test_identity("a@example.com")
    assert [i.email for i in keywords.test_identities_of_this_run()] == ["b@example.com"]
    assert WorkflowKeywords().test_identities_of_this_run() == []


def test_a_login_token_is_kept_only_for_a_remembered_identity(keywords: WorkflowKeywords) -> None:
    keywords.remember_test_identity("a@example.com", Secret("password-one-1"))
    keywords.remember_token_of_test_identity("a@example.com", Secret("token-of-a-login"))
    keywords.remember_token_of_test_identity("stranger@example.com", Secret("token-of-a-stranger"))
    (identity,) = keywords.test_identities_of_this_run()
    assert identity.token is not None and identity.token.value == "token-of-a-login"
    assert "token-of-a-login" not in mask_text("Bearer token-of-a-login, token-of-a-login")


def test_numbered_items_from_a_template(keywords: WorkflowKeywords) -> None:
    template = {"name": "{name}", "dimensions": "{dimensions}", "blocked": "{blocked}"}
    values = {"name": "x", "dimensions": [4, 4], "blocked": [[1, 1]]}
    items = keywords.numbered_items_from_template(template, 50, values, "name", "smoke")
    names = [item["name"] for item in items]
    assert len(names) == 50 and len(set(names)) == 50
    assert all(item["dimensions"] == [4, 4] for item in items)
    invalid = {"name": "", "dimensions": [3, 3], "blocked": []}
    mixed = keywords.numbered_items_with_one_invalid_item(template, 5, values, "name", invalid)
    assert mixed[2] == invalid and sum(item == invalid for item in mixed) == 1
    assert values == {"name": "x", "dimensions": [4, 4], "blocked": [[1, 1]]}


def test_step_timer_passes_within_budget_and_fails_over_it(keywords: WorkflowKeywords) -> None:
    keywords.start_step_timer("quick")
    assert keywords.step_should_have_finished_within_budget("quick", timedelta(seconds=5), 50) < 5
    keywords.start_step_timer("slow")
    time.sleep(0.06)
    with pytest.raises(AssertionError, match=r"Step 'slow' took \d+\.\d+ s, over its time budget of 0\.05 s .*ops/s"):
        keywords.step_should_have_finished_within_budget("slow", timedelta(seconds=0.05), 10)
    with pytest.raises(AssertionError, match="never started"):
        keywords.step_should_have_finished_within_budget("unknown", timedelta(seconds=1))


def test_stored_differences_ignore_the_order_of_unordered_members() -> None:
    sent = {"name": "n", "dimensions": [3, 3], "blocked": [[0, 1], [2, 2]]}
    assert stored_differences(sent, {**sent, "blocked": [[2, 2], [0, 1]]}, ["blocked"]) == []
    assert "blocked [] instead of" in stored_differences(sent, {**sent, "blocked": []}, ["blocked"])[0]
    assert "dimensions [3, 4]" in stored_differences(sent, {**sent, "dimensions": [3, 4]}, ["blocked"])[0]
    assert stored_differences(sent, {**sent, "blocked": [[2, 2], [0, 1]]}) != []


def test_listing_checks(keywords: WorkflowKeywords) -> None:
    keywords.listing_should_contain_ids(["a", "b"], "a", "b")
    keywords.listing_should_not_contain_ids(["a", "b"], "c")
    with pytest.raises(AssertionError, match="1 are missing"):
        keywords.listing_should_contain_ids(["a", "b"], "a", "c")
    with pytest.raises(AssertionError, match="still listed"):
        keywords.listing_should_not_contain_ids(["a", "b"], "b", what="webhook")
    with pytest.raises(AssertionError, match="Expected the ids of a listing"):
        keywords.listing_should_contain_ids({"detail": "error"}, "a")
    locations = ["$.items[*].secret", "$.items[*].signing_secret"]
    keywords.answer_should_not_reveal_secrets({"items": [{"id": "a"}, {"id": "b", "secret": ""}]}, locations)
    leaking = {"items": [{"id": "w", "secret": "whsec_abcdef"}]}
    with pytest.raises(AssertionError) as failure:
        keywords.answer_should_not_reveal_secrets(leaking, locations)
    assert "reveals secrets (a value at $.items[*].secret)" in str(failure.value)
    assert "whsec_abcdef" not in str(failure.value)
    with pytest.raises(AssertionError, match="registered webhook's secret value"):
        keywords.answer_should_not_reveal_secrets(
            {"items": [{"note": "whsec_xyz123"}]}, locations, Secret("whsec_xyz123")
        )


def test_counts_of_a_new_tenant(keywords: WorkflowKeywords) -> None:
    keywords.counts_of_a_new_tenant_should_be_zero({"total": 0, "lattices": 0})
    with pytest.raises(AssertionError, match=r"reports lattices=2 \(expected 0\)"):
        keywords.counts_of_a_new_tenant_should_be_zero({"total": 0, "lattices": 2}, where="the usage")


def test_usage_counters(keywords: WorkflowKeywords) -> None:
    before = {"requests": 3, "lattices_created": 1, "paths_computed": 0}
    after = {"requests": 6, "lattices_created": 2, "paths_computed": 1}
    keywords.usage_counter_should_have_grown_by(before, after, "lattices_created", 1)
    keywords.usage_counter_should_have_grown(before, after, "requests")
    with pytest.raises(AssertionError, match=r"'paths_computed' went from 0 to 1 \(\+1\), expected \+2"):
        keywords.usage_counter_should_have_grown_by(before, after, "paths_computed", 2)
    with pytest.raises(AssertionError, match="did not grow"):
        keywords.usage_counter_should_have_grown(after, after, "requests")
    with pytest.raises(AssertionError, match="expected an integer"):
        keywords.usage_counter_should_have_grown(before, {"requests": None}, "requests")


def fake_response(status: int, text: str = '{"detail": "x"}') -> SimpleNamespace:
    """A stand-in for a ``requests.Response`` with what the step checks read."""
    request = SimpleNamespace(method="GET", url="http://api/x")
    return SimpleNamespace(
        status_code=status,
        text=text,
        url="http://api/x",
        request=request,
        headers={"Content-Type": "application/problem+json"},
    )


def test_step_should_answer_names_the_step_expectation_and_answer(keywords: WorkflowKeywords) -> None:
    keywords.step_should_answer("Read it", fake_response(200), 200)
    with pytest.raises(AssertionError) as failure:
        keywords.step_should_answer("Read another user's lattice", fake_response(200, '{"id": "l1"}'), 404)
    message = str(failure.value)
    assert message.startswith(
        "Step 'Read another user's lattice': expected HTTP 404, but GET http://api/x answered 200"
    )
    assert '"l1"' in message


def test_body_should_have_fields(keywords: WorkflowKeywords) -> None:
    keywords.body_should_have_fields("Log in", {"access_token": "x", "expires_in": 1}, "access_token", "expires_in")
    with pytest.raises(AssertionError, match=r"Step 'Log in': the answer lacks the contract field\(s\) expires_in"):
        keywords.body_should_have_fields("Log in", {"access_token": "x"}, "access_token", "expires_in")


def test_ids_should_number(keywords: WorkflowKeywords) -> None:
    keywords.ids_should_number(["a", "b"], 2)
    with pytest.raises(AssertionError, match="Expected 3 distinct ids, got 2"):
        keywords.ids_should_number(["a", "b"], 3)
    with pytest.raises(AssertionError):
        keywords.ids_should_number(["a", "a"], 2)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('{"signing_secret": "abc123def"}', "abc123def"),
        ('{"webhook_secret": "wh-value-1"}', "wh-value-1"),
        ('{"new_password": "Pw-value-2"}', "Pw-value-2"),
        ('{"apiKey": "key-value-3"}', "key-value-3"),
        ('"password": "he said \\"hi\\" ok"', "hi"),
        ("postgres://smoke:db-pass-4@db:5432/lattice", "db-pass-4"),
        ("grant_type=password&password=form-pass-5&user=me", "form-pass-5"),
        ("Authorization: Basic dXNlcjpzZWNyZXQ=", "dXNlcjpzZWNyZXQ="),
    ],
)
def test_secret_shaped_values_are_masked_in_any_spelling(text: str, secret: str) -> None:
    assert secret not in mask_text(text)
    assert secret not in mask_body(text)


def test_masking_keeps_what_is_not_secret() -> None:
    text = '{"token_type": "bearer", "passed": 10, "status": "pass", "email": "a@example.com"}'
    assert mask_body(text) == text


@pytest.mark.parametrize("verify", [False, "false", "", "  ", None, "/no/such/ca-bundle.pem"])
def test_tls_verification_cannot_be_switched_off_or_pointed_at_nothing(verify: bool | str | None) -> None:
    with pytest.raises(AssertionError, match=r"TLS verification must not be switched off|does not exist"):
        tls_verification(verify)


def test_tls_verification_accepts_the_default_or_an_existing_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert tls_verification(True) is True and tls_verification("True") is True
    assert tls_verification(str(bundle)) == str(bundle)
