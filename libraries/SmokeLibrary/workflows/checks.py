"""Checks of response bodies whose failure messages must say precisely what differs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import requests
from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..http import assert_step_answer, describe_response
from ..masking import json_or_none, values_at


def _cells(value: Any) -> list[Any]:
    """A list of cells (or any values) in a canonical order, so that two orders compare equal."""
    return sorted(json.dumps(item, sort_keys=True) for item in (value or []))


def stored_differences(sent: Mapping[str, Any], stored: Mapping[str, Any], unordered: Iterable[str] = ()) -> list[str]:
    """How ``stored`` (what was read back) differs from ``sent``, member by member of ``sent``.

    Members named in ``unordered`` are lists whose order does not matter.
    """
    loose = set(unordered)
    differences = []
    for name, value in sent.items():
        got = stored.get(name) if isinstance(stored, Mapping) else None
        if name in loose:
            try:
                same = _cells(got) == _cells(value)
            except TypeError:
                same = False
        else:
            same = got == value or (
                isinstance(got, (list, tuple)) and isinstance(value, (list, tuple)) and list(got) == list(value)
            )
        if not same:
            differences.append(f"{name} {str(got)[:200]} instead of {str(value)[:200]}")
    return differences


def missing_fields(body: Any, fields: Iterable[str]) -> list[str]:
    """The names in ``fields`` that ``body`` (a JSON object) lacks."""
    if not isinstance(body, Mapping):
        return list(fields)
    return [name for name in fields if name not in body]


def _ids(listed: Any) -> list[str]:
    if not isinstance(listed, (list, tuple)):
        raise AssertionError(f"Expected the ids of a listing (a list), got {str(listed)[:200]}")
    return [str(item) for item in listed]


class CheckKeywords:
    """Keywords that compare response bodies with what the flow expects."""

    @keyword("Step Should Answer")
    def step_should_answer(self, step: str, response: requests.Response, *expected: int) -> None:
        """Fails unless the response of flow step ``step`` has one of the ``expected`` statuses.

        The message says which step failed, what was expected and what came back (request,
        status and a masked excerpt of the body).

        | Step Should Answer    Register a new user    ${response}    201
        """
        assert_step_answer(step, response, expected)

    @keyword("Step Should Be Refused As Unauthorized")
    def step_should_be_refused_as_unauthorized(
        self, step: str, response: requests.Response, status: int, *forbidden: str
    ) -> None:
        """Fails unless the response has HTTP ``status`` with a ``WWW-Authenticate: Bearer``
        challenge and carries no data.

        ``step`` names the flow step in the failure message; ``forbidden`` are JSONPath
        expressions where a refusal must hold nothing (a token, a user's email).

        | Step Should Be Refused As Unauthorized    Read the profile with a forged token
        | ...    ${response}    401    $..email
        """
        self.step_should_answer(step, response, status)
        challenge = response.headers.get("WWW-Authenticate", "")
        if not challenge.lower().startswith("bearer"):
            raise AssertionError(
                f"Step '{step}': a {status} must carry 'WWW-Authenticate: Bearer', "
                f"got {challenge or 'no such header'!r}"
            )
        body = json_or_none(response.content)
        held = [location for location in forbidden if body is not None and values_at(body, location)]
        if held:
            raise AssertionError(
                f"Step '{step}': the {status} answer carries data (at {', '.join(held)}): {describe_response(response)}"
            )

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

    @keyword("Stored Values Should Match Sent")
    def stored_values_should_match_sent(
        self, what: str, sent: Mapping[str, Any], stored: Mapping[str, Any], *unordered: str
    ) -> None:
        """Fails unless ``stored`` (read back) has every value of ``sent``; lists named in ``unordered`` in any order.

        ``what`` names the object in the failure message.

        | Stored Values Should Match Sent    lattice ${id}    ${sent}    ${stored}    blocked
        """
        differences = stored_differences(sent, stored, unordered)
        if differences:
            raise AssertionError(f"{what} read back with {'; '.join(differences)}")
        logger.info(f"{what} read back identical to what was sent")

    @keyword("Listing Should Contain Ids")
    def listing_should_contain_ids(self, listed: Sequence[Any], *ids: str, what: str = "item") -> None:
        """Fails unless every id in ``ids`` is among ``listed`` (the ids a listing holds).

        ``what`` names the kind of item in the failure message.

        | Listing Should Contain Ids    ${listed}    @{ids}    what=lattice
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the listing")
        present = set(_ids(listed))
        missing = [str(i) for i in ids if str(i) not in present]
        if missing:
            raise AssertionError(
                f"Expected {len(ids)} {what}(s) in the listing, but {len(missing)} are missing "
                f"(e.g. {', '.join(missing[:3])}); the listing has {len(present)} items"
            )
        logger.info(f"All {len(ids)} {what}(s) are listed")

    @keyword("Listing Should Not Contain Ids")
    def listing_should_not_contain_ids(self, listed: Sequence[Any], *ids: str, what: str = "item") -> None:
        """Fails if any id in ``ids`` is among ``listed`` (the ids a listing holds).

        | Listing Should Not Contain Ids    ${listed}    ${webhook_id}    what=webhook
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the listing")
        present = set(_ids(listed))
        still = [str(i) for i in ids if str(i) in present]
        if still:
            raise AssertionError(f"Expected {what}(s) {', '.join(still[:3])} to be gone, but they are still listed")

    @keyword("Listing Should Not Show Another Tenant's Items")
    def listing_should_not_show_another_tenants_items(
        self, listed: Sequence[Any], *ids: str, what: str = "item"
    ) -> None:
        """Fails, naming the cross-tenant leak, if any id in ``ids`` (another user's objects) is in ``listed``.

        ``listed`` are the ids of what the *other* tenant's session got for its own listing.

        | Listing Should Not Show Another Tenant's Items    ${listed}    ${lattice_id}    what=lattice
        """
        if not ids:
            raise AssertionError(f"No {what} ids given to look for in the other tenant's listing")
        present = set(_ids(listed))
        leaked = [str(i) for i in ids if str(i) in present]
        if leaked:
            raise AssertionError(
                f"Tenant isolation broken in the listing: another user's {what} listing shows {what}(s) "
                f"{', '.join(leaked[:3])} of the run's user; a listing must show the caller's own {what}s only"
            )
        logger.info(
            f"The other tenant's {what} listing ({len(present)} items) shows none of {', '.join(map(str, ids))}"
        )

    @keyword("Counts Of A New Tenant Should Be Zero")
    def counts_of_a_new_tenant_should_be_zero(self, counts: Mapping[str, Any], where: str = "counts") -> None:
        """Fails, naming the cross-tenant leak, unless every count in ``counts`` (name: value) is 0.

        ``counts`` were read from answers to a user who has created nothing yet (a listing's total,
        usage counters): anything but 0 counts another tenant's data. ``where`` names the answer.

        | Counts Of A New Tenant Should Be Zero    ${counts}    where=the lattice listing
        """
        if not counts:
            raise AssertionError(f"No counts given to check in {where} (is the profile's read map empty?)")
        counted = {name: value for name, value in counts.items() if value != 0}
        if counted:
            shown = ", ".join(f"{name}={value!r}" for name, value in counted.items())
            raise AssertionError(
                f"Tenant isolation broken in the counts: {where} of a user who has created nothing reports "
                f"{shown} (expected 0): another tenant's data is counted"
            )
        logger.info(f"{where} of the new tenant: {', '.join(counts)} all 0")

    @keyword("Answer Should Not Reveal Secrets")
    def answer_should_not_reveal_secrets(self, body: Any, locations: Sequence[str], *secrets: Secret) -> None:
        """Fails if the JSON ``body`` holds a non-empty value at any of ``locations``, or any of ``secrets`` anywhere.

        Use it on a listing: a secret is shown only at creation. ``locations`` are JSONPath
        expressions where a secret could be (e.g. ``$.items[*].secret``).

        | Answer Should Not Reveal Secrets    ${listing}    ${SECRET_LOCATIONS}    ${secret}
        """
        leaks = []
        for location in [locations] if isinstance(locations, str) else locations:
            if any(value not in (None, "") for value in values_at(body, location)):
                leaks.append(f"a value at {location}")
        text = json.dumps(body)
        leaks += [
            "a registered webhook's secret value"
            for secret in secrets
            if str(secret.value) and str(secret.value) in text
        ]
        if leaks:
            raise AssertionError(
                f"The listing reveals secrets ({', '.join(leaks)}): secrets must be shown only at creation"
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
    def usage_counter_should_have_grown(
        self, before: Mapping[str, Any], after: Mapping[str, Any], counter: str
    ) -> None:
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
