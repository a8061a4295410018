"""Checks of response bodies whose failure messages must say precisely what differs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import requests
from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..http import describe_response, unexpected_status

SECRET_FIELDS = ("secret", "signing_secret", "webhook_secret")


def _cells(value: Any) -> list[tuple[int, ...]]:
    return sorted(tuple(int(c) for c in cell) for cell in (value or []))


def lattice_differences(sent: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    """How ``stored`` (a lattice read back) differs from ``sent`` (the creation body)."""
    differences = []
    if stored.get("name") != sent.get("name"):
        differences.append(f"name {stored.get('name')!r} instead of {sent.get('name')!r}")
    if list(stored.get("dimensions") or []) != list(sent.get("dimensions") or []):
        differences.append(f"dimensions {stored.get('dimensions')!r} instead of {sent.get('dimensions')!r}")
    try:
        same_blocked = _cells(stored.get("blocked")) == _cells(sent.get("blocked"))
    except (TypeError, ValueError):
        same_blocked = False
    if not same_blocked:
        differences.append(
            f"blocked cells {str(stored.get('blocked'))[:200]} instead of {str(sent.get('blocked'))[:200]}"
        )
    return differences


def missing_fields(body: Any, fields: Iterable[str]) -> list[str]:
    """The names in ``fields`` that ``body`` (a JSON object) lacks."""
    if not isinstance(body, Mapping):
        return list(fields)
    return [name for name in fields if name not in body]


def listed_ids(listing: Any) -> list[str]:
    """The ``id`` of every item of a ``{"items": [...]}`` listing."""
    items = listing.get("items") if isinstance(listing, Mapping) else None
    if not isinstance(items, list):
        raise AssertionError(f"Expected a listing with 'items', got {str(listing)[:200]}")
    return [str(item.get("id")) for item in items if isinstance(item, Mapping)]


class CheckKeywords:
    """Keywords that compare response bodies with what the flow expects."""

    @keyword("Step Should Answer")
    def step_should_answer(self, step: str, response: requests.Response, *expected: int) -> None:
        """Fails unless the response of flow step ``step`` has one of the ``expected`` statuses.

        The message says which step failed, what was expected and what came back (request,
        status and a masked excerpt of the body).

        | Step Should Answer    Register a new user    ${response}    201
        """
        problem = unexpected_status(response, expected)
        if problem:
            raise AssertionError(f"Step '{step}': {problem}")
        logger.info(f"Step '{step}': {response.request.method} {response.url} answered {response.status_code}")

    @keyword("Step Should Be Refused As Unauthorized")
    def step_should_be_refused_as_unauthorized(self, step: str, response: requests.Response) -> None:
        """Fails unless the response is 401 with ``WWW-Authenticate: Bearer`` and carries no data.

        ``step`` names the flow step in the failure message.

        | Step Should Be Refused As Unauthorized    Read the profile with a forged token    ${response}
        """
        self.step_should_answer(step, response, 401)
        challenge = response.headers.get("WWW-Authenticate", "")
        if not challenge.lower().startswith("bearer"):
            raise AssertionError(
                f"Step '{step}': a 401 must carry 'WWW-Authenticate: Bearer', got {challenge or 'no such header'!r}"
            )
        body = response.text or ""
        if "access_token" in body or '"email"' in body:
            raise AssertionError(f"Step '{step}': the 401 answer carries data: {describe_response(response)}")

    @keyword("Body Should Have Fields")
    def body_should_have_fields(self, step: str, body: Any, *fields: str) -> None:
        """Fails unless the JSON object ``body`` answered in flow step ``step`` has every member in ``fields``.

        | Body Should Have Fields    Register a new user    ${user}    @{USER_FIELDS}
        """
        if not fields:
            raise AssertionError(f"Step '{step}': no fields given to check (is the fields variable empty?)")
        missing = missing_fields(body, fields)
        if missing:
            present = sorted(body) if isinstance(body, Mapping) else type(body).__name__
            raise AssertionError(
                f"Step '{step}': the answer lacks the contract field(s) {', '.join(missing)}; it has {present}"
            )

    @keyword("Lattice Should Read Back Identical")
    def lattice_should_read_back_identical(self, sent: Mapping[str, Any], stored: Mapping[str, Any]) -> None:
        """Fails unless ``stored`` has the name, dimensions and blocked cells (in any order) of ``sent``.

        | Lattice Should Read Back Identical    ${LATTICE_2D}    ${stored}
        """
        differences = lattice_differences(sent, stored)
        if differences:
            raise AssertionError(f"Lattice {stored.get('id')} read back with {'; '.join(differences)}")
        logger.info(f"Lattice {stored.get('id')} read back identical to what was sent")

    @keyword("Listing Should Contain Ids")
    def listing_should_contain_ids(self, listing: Any, *ids: str, what: str = "lattice") -> None:
        """Fails unless every id in ``ids`` is among the ``items`` of ``listing``.

        ``what`` names the kind of item in the failure message (default ``lattice``).

        | Listing Should Contain Ids    ${listing}    @{ids}
        | Listing Should Contain Ids    ${deliveries}    ${delivery_id}    what=delivery record
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the listing")
        present = set(listed_ids(listing))
        missing = [i for i in ids if str(i) not in present]
        if missing:
            raise AssertionError(
                f"Expected {len(ids)} {what}(s) in the listing, but {len(missing)} are missing "
                f"(e.g. {', '.join(missing[:3])}); the listing has {len(present)} items"
            )
        logger.info(f"All {len(ids)} {what}(s) are listed")

    @keyword("Listed Item With Id")
    def listed_item_with_id(self, listing: Any, item_id: str, what: str = "item") -> dict[str, Any]:
        """Returns the item of ``listing`` whose ``id`` is ``item_id``; fails when it is not listed.

        | ${record} =    Listed Item With Id    ${deliveries}    ${delivery_id}    what=delivery record
        """
        self.listing_should_contain_ids(listing, item_id, what=what)
        return next(dict(item) for item in listing["items"]
                    if isinstance(item, Mapping) and str(item.get("id")) == str(item_id))

    @keyword("Listing Should Not Contain Ids")
    def listing_should_not_contain_ids(self, listing: Any, *ids: str, what: str = "lattice") -> None:
        """Fails if any id in ``ids`` is among the listing's ``items``.

        | Listing Should Not Contain Ids    ${listing}    ${webhook_id}    what=webhook
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the listing")
        present = set(listed_ids(listing))
        still = [i for i in ids if str(i) in present]
        if still:
            raise AssertionError(f"Expected {what}(s) {', '.join(still[:3])} to be gone, but they are still listed")

    @keyword("Listing Should Not Show Another Tenant's Items")
    def listing_should_not_show_another_tenants_items(self, listing: Any, *ids: str, what: str = "lattice") -> None:
        """Fails, naming the cross-tenant leak, if any id in ``ids`` (another user's objects) is in ``listing``.

        ``listing`` is what the *other* tenant's session got for its own listing.

        | Listing Should Not Show Another Tenant's Items    ${listing}    ${lattice}[id]
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the other tenant's listing")
        present = set(listed_ids(listing))
        leaked = [str(i) for i in ids if str(i) in present]
        if leaked:
            raise AssertionError(
                f"Tenant isolation broken in the listing: another user's {what} listing shows {what}(s) "
                f"{', '.join(leaked[:3])} of the run's user; a listing must show the caller's own {what}s only"
            )
        logger.info(f"The other tenant's {what} listing ({len(present)} items) shows none of {', '.join(map(str, ids))}")

    @keyword("Counts Of A New Tenant Should Be Zero")
    def counts_of_a_new_tenant_should_be_zero(self, body: Any, *fields: str, where: str = "counts") -> None:
        """Fails, naming the cross-tenant leak, unless every one of ``fields`` of ``body`` is 0.

        ``body`` is an answer to a user who has created nothing yet (a listing's ``total``, usage
        counters): anything but 0 counts another tenant's data. ``where`` names the answer.

        | Counts Of A New Tenant Should Be Zero    ${listing}    total    where=the lattice listing
        """
        if not fields:
            raise AssertionError(f"No count fields given to check in {where} (is the fields variable empty?)")
        if not isinstance(body, Mapping):
            raise AssertionError(f"Expected a JSON object from {where}, got {str(body)[:200]}")
        counted = {name: body.get(name) for name in fields if body.get(name) != 0}
        if counted:
            shown = ", ".join(f"{name}={value!r}" for name, value in counted.items())
            raise AssertionError(
                f"Tenant isolation broken in the counts: {where} of a user who has created nothing reports "
                f"{shown} (expected 0): another tenant's data is counted"
            )
        logger.info(f"{where} of the new tenant: {', '.join(fields)} all 0")

    @keyword("Listing Should Not Reveal Secrets")
    def listing_should_not_reveal_secrets(self, listing: Any, *secrets: Secret) -> None:
        """Fails if any item of ``listing`` carries a non-empty secret field, or if any of ``secrets``
        appears anywhere in it (a secret is shown only at creation).

        Fails as well when ``listing`` is not an ``{"items": [...]}`` listing: an error body proves nothing.

        | Listing Should Not Reveal Secrets    ${webhooks}    ${secret}
        """
        listed_ids(listing)  # an error body or another shape is not a listing without secrets
        leaks = []
        for item in listing["items"]:
            for name in SECRET_FIELDS:
                if isinstance(item, Mapping) and item.get(name):
                    leaks.append(f"'{name}' of webhook {item.get('id')}")
        text = json.dumps(listing)
        leaks += ["a registered webhook's secret value" for secret in secrets
                  if str(secret.value) and str(secret.value) in text]
        if leaks:
            raise AssertionError(
                f"The webhook listing reveals secrets ({', '.join(leaks)}): secrets must be shown only at creation"
            )

    @keyword("Usage Counter Should Have Grown By")
    def usage_counter_should_have_grown_by(
        self, before: Mapping[str, Any], after: Mapping[str, Any], counter: str, expected: int
    ) -> None:
        """Fails unless usage counter ``counter`` grew by exactly ``expected`` from reading ``before`` to ``after``.

        | Usage Counter Should Have Grown By    ${before}    ${after}    paths_computed    1
        """
        old, new = self._counter(before, counter), self._counter(after, counter)
        if new - old != expected:
            raise AssertionError(
                f"Usage counter '{counter}' went from {old} to {new} (+{new - old}), expected +{expected}"
            )
        logger.info(f"Usage counter '{counter}' grew from {old} to {new}")

    @keyword("Usage Counter Should Have Grown")
    def usage_counter_should_have_grown(self, before: Mapping[str, Any], after: Mapping[str, Any], counter: str) -> None:
        """Fails unless usage counter ``counter`` is higher in ``after`` than in ``before``.

        | Usage Counter Should Have Grown    ${before}    ${after}    requests
        """
        old, new = self._counter(before, counter), self._counter(after, counter)
        if new <= old:
            raise AssertionError(f"Usage counter '{counter}' did not grow: {old} before, {new} after")
        logger.info(f"Usage counter '{counter}' grew from {old} to {new}")

    @staticmethod
    def _counter(usage: Mapping[str, Any], counter: str) -> int:
        value = usage.get(counter) if isinstance(usage, Mapping) else None
        if not isinstance(value, int) or isinstance(value, bool):
            raise AssertionError(f"Usage counter '{counter}' is {value!r}, expected an integer")
        return value

    @keyword("Ids Should Number")
    def ids_should_number(self, ids: Sequence[Any], count: int, what: str = "ids") -> None:
        """Fails unless ``ids`` is a list of ``count`` distinct values.

        | Ids Should Number    ${body}[ids]    ${BULK_LATTICE_COUNT}    what=bulk-created lattice ids
        """
        if not isinstance(ids, (list, tuple)) or len(ids) != count or len(set(map(str, ids))) != count:
            size = len(ids) if isinstance(ids, (list, tuple)) else type(ids).__name__
            raise AssertionError(f"Expected {count} distinct {what}, got {size}")
