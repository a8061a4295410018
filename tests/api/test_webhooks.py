"""Webhooks: subscription, secrets, signed deliveries, retries, records and domain events."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.hostile import HostileServer
from tests.support.hostile import statuses as answering

from .harness import RELAXED, InProcessApi, hmac_signature, wait_for
from .surfaces import CONTRACT, User, anon


@pytest.fixture(scope="module")
def api() -> Iterator[InProcessApi]:
    with InProcessApi(env=RELAXED) as service:
        yield service


@pytest.fixture
def user(api: InProcessApi) -> User:
    return CONTRACT.new_user(api)


@pytest.fixture
def receiver() -> Iterator[HostileServer]:
    with HostileServer(answering(200)) as hook:
        yield hook


def subscribe(user: User, url: str, events: list[str]) -> dict:
    answer = user.client.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert answer.status_code == 201, answer.text
    return answer.json()


def deliveries(user: User, hook_id: str) -> list[dict]:
    answer = user.client.get(f"/api/v1/webhooks/{hook_id}/deliveries")
    assert answer.status_code == 200
    return answer.json()["items"]


def test_create_list_delete(user: User, receiver: HostileServer) -> None:
    hook = subscribe(user, receiver.url, ["ping", "lattice.created"])
    assert set(hook) >= {"id", "url", "events", "secret", "created_at"}
    assert hook["url"] == receiver.url and sorted(hook["events"]) == ["lattice.created", "ping"]
    assert len(hook["secret"]) >= 16
    listing = user.client.get("/api/v1/webhooks")
    assert listing.status_code == 200
    assert [h["id"] for h in listing.json()["items"]] == [hook["id"]]
    assert "secret" not in listing.json()["items"][0] and hook["secret"] not in listing.text
    assert user.client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert user.client.get("/api/v1/webhooks").json() == {"items": []}
    CONTRACT.error(user.client.delete(f"/api/v1/webhooks/{hook['id']}"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/hook", "events": ["ping"]},
        {"url": "javascript:alert(1)", "events": ["ping"]},
        {"url": "not a url", "events": ["ping"]},
        {"url": "http://example.com/hook", "events": ["lattice.exploded"]},
        {"url": "http://example.com/hook", "events": []},
        {"url": "http://example.com/hook"},
        {"events": ["ping"]},
    ],
)
def test_invalid_webhooks_are_rejected(user: User, body: dict) -> None:
    CONTRACT.error(user.client.post("/api/v1/webhooks", json=body), 422)


def test_ping_is_delivered_and_signed(user: User, receiver: HostileServer) -> None:
    hook = subscribe(user, receiver.url, ["ping"])
    answer = user.client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert answer.status_code == 202
    delivery_id = answer.json()["delivery_id"]
    # the record exists as soon as the 202 is returned
    assert delivery_id in [d["id"] for d in deliveries(user, hook["id"])]
    wait_for(lambda: receiver.requests)
    got = receiver.requests[0]
    assert got.headers["X-Signature-256"] == hmac_signature(hook["secret"], got.body)
    assert got.headers["X-Event"] == "ping"
    assert got.headers["X-Delivery-ID"] == delivery_id
    assert got.headers["Content-Type"] == "application/json"
    payload = json.loads(got.body)
    assert payload["event"] == "ping" and payload["delivery_id"] == delivery_id
    assert payload["webhook_id"] == hook["id"]
    record = wait_for(
        lambda: next(
            (d for d in deliveries(user, hook["id"]) if d["id"] == delivery_id and d["outcome"] != "pending"), None
        )
    )
    assert record == {**record, "event": "ping", "attempts": 1, "status_code": 200, "outcome": "delivered"}
    assert user.client.get("/api/v1/usage").json()["webhooks_sent"] == 1


def finished(user: User, hook_id: str) -> dict:
    """The first delivery record of the webhook that is no longer pending."""
    record: dict = wait_for(
        lambda: next((d for d in deliveries(user, hook_id) if d["outcome"] != "pending"), None), timeout=15
    )
    return record


@pytest.mark.parametrize(
    ("statuses", "outcome", "status_code"), [([500, 500, 204], "delivered", 204), ([500], "failed", 500)]
)
def test_failed_deliveries_are_retried_three_times_in_all(
    api: InProcessApi, user: User, statuses: list[int], outcome: str, status_code: int
) -> None:
    with HostileServer(answering(*statuses)) as receiver:
        hook = subscribe(user, receiver.url, ["ping"])
        delivery_id = user.client.post(f"/api/v1/webhooks/{hook['id']}/test").json()["delivery_id"]
        record = finished(user, hook["id"])
        assert (record["id"], record["outcome"], record["attempts"], record["status_code"]) == (
            delivery_id,
            outcome,
            3,
            status_code,
        )
        assert len(receiver.requests) == 3 and {r.headers["X-Delivery-ID"] for r in receiver.requests} == {delivery_id}
    assert f'webhook_deliveries_total{{outcome="{outcome}"}}' in anon(api).get("/metrics").text


def test_unreachable_receiver_fails_without_status(user: User) -> None:
    with HostileServer(answering(200)) as receiver:
        url = receiver.url  # closed when the block ends
    hook = subscribe(user, url, ["ping"])
    user.client.post(f"/api/v1/webhooks/{hook['id']}/test")
    record = finished(user, hook["id"])
    assert record["outcome"] == "failed" and record["status_code"] is None


def test_domain_events_reach_subscribers(user: User, receiver: HostileServer) -> None:
    hook = subscribe(user, receiver.url, ["lattice.created", "lattice.deleted", "path.computed"])
    lattice = user.client.post("/api/v1/lattices", json={"name": "evt", "dimensions": [2, 2]}).json()
    user.client.post(f"/api/v1/lattices/{lattice['id']}/pathfind", json={"start": [0, 0], "end": [1, 1]})
    user.client.delete(f"/api/v1/lattices/{lattice['id']}")
    wait_for(lambda: len(receiver.requests) >= 3)
    events = sorted(r.headers["X-Event"] for r in receiver.requests)
    assert events == ["lattice.created", "lattice.deleted", "path.computed"]
    for got in receiver.requests:
        assert got.headers["X-Signature-256"] == hmac_signature(hook["secret"], got.body)
    assert {d["event"] for d in deliveries(user, hook["id"])} == set(events)


def test_other_tenants_cannot_touch_a_webhook(api: InProcessApi, user: User, receiver: HostileServer) -> None:
    other = CONTRACT.new_user(api)
    hook = subscribe(user, receiver.url, ["ping"])
    CONTRACT.error(other.client.post(f"/api/v1/webhooks/{hook['id']}/test"), 404)
    CONTRACT.error(other.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries"), 404)
    CONTRACT.error(other.client.delete(f"/api/v1/webhooks/{hook['id']}"), 404)
    assert other.client.get("/api/v1/webhooks").json() == {"items": []}
    assert receiver.requests == []
