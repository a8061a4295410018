"""The local webhook receiver: bounded waits and constant-time HMAC verification."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from robot.api.types import Secret

from libraries.SmokeLibrary.workflows.webhook_receiver import (
    WebhookReceiverKeywords,
    expected_signature,
    signature_matches,
)

pytestmark = pytest.mark.unit

HEADERS = {"signature": "X-Signature-256", "event": "X-Event", "delivery": "X-Delivery-ID"}
#: The receiver fixture: its keywords and the URL it listens on.
Receiver = tuple[WebhookReceiverKeywords, str]

SECRET = "whsec_unit-test-secret-value"
BODY = json.dumps({"event": "ping", "delivery_id": "d-1"}, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    keywords = WebhookReceiverKeywords()
    url = keywords.start_webhook_receiver("127.0.0.1")
    yield keywords, url
    keywords.stop_webhook_receiver()


def deliver(
    url: str, body: bytes = BODY, signature: str | None = None, event: str = "ping", delivery_id: str = "d-1"
) -> None:
    headers = {"Content-Type": "application/json", "X-Event": event, "X-Delivery-ID": delivery_id}
    if signature is not None:
        headers["X-Signature-256"] = signature
    answer = requests.post(url, data=body, headers=headers, timeout=5)
    assert answer.status_code == 204


def test_signature_helpers() -> None:
    assert expected_signature(SECRET, BODY) == sign(SECRET, BODY)
    assert signature_matches(SECRET, BODY, sign(SECRET, BODY))
    assert not signature_matches(SECRET, BODY, sign(SECRET + "-wrong", BODY))
    assert not signature_matches(SECRET, BODY + b" ", sign(SECRET, BODY))
    assert not signature_matches(SECRET, BODY, None)
    assert not signature_matches(SECRET, BODY, "")


def test_a_correctly_signed_delivery_passes(receiver: Receiver) -> None:
    keywords, url = receiver
    assert keywords.webhook_receiver_is_running()
    deliver(url, signature=sign(SECRET, BODY))
    got = keywords.signed_delivery_should_arrive(Secret(SECRET), "d-1", "ping", timedelta(seconds=2), headers=HEADERS)
    assert json.loads(got["body"])["event"] == "ping"
    assert got["headers"]["X-Signature-256"] == "***"


def test_a_delivery_signed_with_another_key_fails(receiver: Receiver) -> None:
    keywords, url = receiver
    deliver(url, signature=sign(SECRET + "-wrong", BODY))
    with pytest.raises(AssertionError, match="does not match the HMAC-SHA256"):
        keywords.signed_delivery_should_arrive(Secret(SECRET), "d-1", "ping", timedelta(seconds=2), headers=HEADERS)


def test_an_unsigned_delivery_fails(receiver: Receiver) -> None:
    keywords, url = receiver
    deliver(url)
    with pytest.raises(AssertionError, match="without an X-Signature-256"):
        keywords.signed_delivery_should_arrive(Secret(SECRET), "d-1", "ping", timedelta(seconds=2), headers=HEADERS)


def test_waiting_is_bounded_and_says_what_arrived(receiver: Receiver) -> None:
    keywords, url = receiver
    deliver(url, signature=sign(SECRET, BODY), delivery_id="other")
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"within 0.3 s, but the receiver got: ping other"):
        keywords.signed_delivery_should_arrive(Secret(SECRET), "d-1", "ping", timedelta(seconds=0.3), headers=HEADERS)
    assert time.monotonic() - started < 2


def test_a_delivery_arriving_while_waiting_is_seen(receiver: Receiver) -> None:
    import threading

    keywords, url = receiver
    timer = threading.Timer(0.2, deliver, kwargs={"url": url, "signature": sign(SECRET, BODY)})
    timer.start()
    keywords.signed_delivery_should_arrive(Secret(SECRET), "d-1", "ping", timedelta(seconds=3), headers=HEADERS)
    timer.join()


def test_stopped_receiver_refuses_connections_and_keywords_say_so() -> None:
    keywords = WebhookReceiverKeywords()
    url = keywords.start_webhook_receiver()
    keywords.stop_webhook_receiver()
    keywords.stop_webhook_receiver()  # idempotent
    assert not keywords.webhook_receiver_is_running()
    with pytest.raises(requests.ConnectionError):
        requests.post(url, data=b"{}", timeout=2)
    with pytest.raises(AssertionError, match="No webhook receiver runs"):
        keywords.signed_delivery_should_arrive(Secret(SECRET), headers=HEADERS)


@pytest.mark.parametrize(
    ("setting", "base_url", "expected"),
    [
        ("auto", "http://127.0.0.1:8000", True),
        ("auto", "https://localhost:8443", True),
        ("auto", "https://api.example.com", False),
        ("", "http://[::1]:8000", True),
        ("true", "https://api.example.com", True),
        ("false", "http://127.0.0.1:8000", False),
        (True, "https://api.example.com", True),
    ],
)
def test_receiver_is_used_for_loopback_targets_unless_overridden(
    setting: str | bool, base_url: str, expected: bool
) -> None:
    assert WebhookReceiverKeywords().webhook_receiver_can_be_used(setting, base_url) is expected


def test_an_unknown_receiver_setting_is_refused() -> None:
    with pytest.raises(AssertionError, match="true, false or auto"):
        WebhookReceiverKeywords().webhook_receiver_can_be_used("maybe", "http://127.0.0.1")
