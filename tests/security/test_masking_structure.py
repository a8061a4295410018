"""The masking's fast structure (one compiled pattern for the registered spellings, gates before the
secret-shape patterns, remembered results) masks exactly what the plain version masked."""

from __future__ import annotations

import subprocess
import sys
import uuid
from types import SimpleNamespace

import pytest

from libraries.SmokeLibrary import masking
from libraries.SmokeLibrary.masking import MASK, contains_secret, mask_text, register_secret, secret_forms
from tests.support.artifacts import spellings_in
from tests.support.server import REPO_ROOT

pytestmark = pytest.mark.unit


def _unique(prefix: str = "Pw") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}!@#<&>\"' ü"


def _plain_mask(text: str) -> str:
    """The masking before issue 12: every spelling replaced in turn, every pattern always run."""
    for secret in masking.known_secrets():
        text = text.replace(secret, MASK)
    for pattern, replacement in masking._PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def test_every_spelling_is_masked_by_the_compiled_pattern() -> None:
    secret = _unique()
    register_secret(secret)
    for form in secret_forms(secret):
        masked = mask_text(f"before {form} after")
        assert not spellings_in(masked, secret), form
        assert masked.startswith("before ") and masked.endswith(" after"), masked


def test_a_secret_registered_after_the_pattern_was_built_and_the_text_masked_is_masked() -> None:
    first, second = _unique("first"), _unique("second")
    register_secret(first)
    text = f"a {second} b"
    assert mask_text(text) == text  # the pattern is built and the (unmasked) result remembered
    assert not contains_secret(text)
    register_secret(second)
    assert mask_text(text) == f"a {MASK} b"
    assert contains_secret(text)
    assert mask_text(f"{first}{second}") == MASK * 2  # adjacent, not overlapping: one mask each


def test_overlapping_secrets_are_masked_whole() -> None:
    core = uuid.uuid4().hex[:8]
    left, right = f"L{core}", f"{core}R"  # "L<core>R" holds both, overlapping in <core>
    register_secret(left)
    register_secret(right)
    assert mask_text(f"x L{core}R y") == f"x {MASK} y"
    assert mask_text(f"x {core}R{core}R y") == f"x {MASK}{MASK} y"  # adjacent: each masked


def test_a_secret_inside_a_longer_secret_masks_the_longer_one_whole() -> None:
    short = uuid.uuid4().hex[:10]
    long = f"{short}-and-more"
    register_secret(short)
    register_secret(long)
    assert mask_text(f"<{long}> <{short}>") == f"<{MASK}> <{MASK}>"


@pytest.mark.parametrize(
    "text",
    [
        '{"signing_secret": "abc123def", "token_type": "bearer"}',
        "Authorization: BEARER abc.def-ghi",
        "Authorization: Basic dXNlcjpzZWNyZXQ=",
        "pa\u017f\u017fword=long-s-value&x=1",  # IGNORECASE matches the long s (U+017F) as s: so must the gate
        '{"PRIVATE_KEY": "k-1"}',
        "see https://user:pw@example.com/ and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
        "whsec_abcdef and apiKey=xyz; credential: 'c-1'",
        "nothing to mask here, not even a token_type",
        "",
    ],
)
def test_the_gates_never_skip_a_pattern_that_would_mask(text: str) -> None:
    assert masking._mask(text) == _plain_mask(text)


def test_a_long_text_is_not_remembered_but_still_masked() -> None:
    secret = _unique()
    register_secret(secret)
    text = "x" * (masking._MEMO_TEXT_LIMIT + 10) + secret
    assert mask_text(text).endswith(MASK)


_TIMER = """
import sys, time
sys.path.insert(0, {root!r})
from libraries.SmokeLibrary.masking import mask_text, register_secret

for index in range(200):  # many spellings with a long common prefix: a deep, wide trie
    register_secret("SharedPrefix-SharedPrefix-" + str(index) + "-end")
body = ("SharedPrefix-SharedPrefix-" * 2400)[:60_000]
mask_text(body)
print("done")
"""


def test_masking_60_kb_of_almost_secrets_finishes() -> None:
    """Every position of the body starts a near-match of 200 registered secrets: still linear."""
    completed = subprocess.run(
        [sys.executable, "-c", _TIMER.format(root=str(REPO_ROOT))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert completed.stdout.strip() == "done"


def test_a_long_log_message_is_cut_before_it_is_masked_and_a_secret_across_the_cut_stays_masked() -> None:
    secret = _unique("tok")
    register_secret(secret)
    limit = masking.LOG_MESSAGE_LIMIT
    text = "x" * (limit - 5) + secret + "y" * (3 * limit)
    message = SimpleNamespace(message=text, html=False)
    masking.MaskingListener().log_message(message)
    assert len(message.message) < limit + 100, len(message.message)
    assert message.message.endswith(f"… ({len(text) - limit} more characters not logged)"), message.message[-80:]
    assert not spellings_in(message.message, secret) and secret[:5] not in message.message
    short = SimpleNamespace(message=f"short {secret}", html=False)
    masking.MaskingListener().log_message(short)
    assert short.message == f"short {MASK}"
