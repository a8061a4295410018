"""Forged token variants: each differs from the real token in exactly the way its name says."""

from __future__ import annotations

import time

import jwt
import pytest
from robot.api.types import Secret

from libraries.SmokeLibrary.masking import mask_text
from libraries.SmokeLibrary.workflows.tokens import TokenKeywords, claims_of, header_of

pytestmark = pytest.mark.unit

KEY = "unit-test-signing-key-of-enough-length-for-hs256"


@pytest.fixture
def token() -> Secret:
    now = int(time.time())
    claims = {"sub": "user-1", "iat": now, "exp": now + 900, "iss": "lattice-reference-api", "jti": "abc"}
    return Secret(jwt.encode(claims, KEY, algorithm="HS256"))


def test_tampered_signature_keeps_header_and_claims_but_fails_verification(token: Secret) -> None:
    forged = TokenKeywords().token_with_tampered_signature(token)
    assert isinstance(forged, Secret)
    assert forged.value != token.value
    assert forged.value.split(".")[:2] == token.value.split(".")[:2]
    assert claims_of(forged.value) == claims_of(token.value)
    jwt.decode(token.value, KEY, algorithms=["HS256"], issuer="lattice-reference-api")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged.value, KEY, algorithms=["HS256"], issuer="lattice-reference-api")


def test_unsigned_token_has_alg_none_no_signature_and_the_same_claims(token: Secret) -> None:
    forged = TokenKeywords().unsigned_token_from(token)
    assert isinstance(forged, Secret)
    assert header_of(forged.value)["alg"] == "none"
    assert forged.value.endswith(".")
    assert claims_of(forged.value) == claims_of(token.value)
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged.value, KEY, algorithms=["HS256"])


def test_malformed_token_is_not_a_jwt() -> None:
    forged = TokenKeywords().malformed_token()
    assert isinstance(forged, Secret)
    with pytest.raises(jwt.DecodeError):
        jwt.get_unverified_header(forged.value)


def test_forged_tokens_never_print_and_are_masked_in_any_text(token: Secret) -> None:
    keywords = TokenKeywords()
    for forged in (keywords.token_with_tampered_signature(token), keywords.unsigned_token_from(token)):
        assert forged.value not in str(forged) and forged.value not in repr(forged)
        assert forged.value not in mask_text(f"sending {forged.value} now")
    assert token.value not in mask_text(f"Authorization: {token.value}")


def test_a_token_that_is_not_a_jwt_cannot_be_forged_from() -> None:
    with pytest.raises(AssertionError, match="not a JWT"):
        TokenKeywords().unsigned_token_from(Secret("opaque-token-value"))
