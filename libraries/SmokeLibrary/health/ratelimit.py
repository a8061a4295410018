"""Rate limiting: a bounded probe that must meet HTTP 429, and the rate-limit headers it reads.

Three header conventions are understood:

* the IETF ``RateLimit`` header: draft-07 ``RateLimit: limit=30, remaining=29, reset=10`` with
  ``RateLimit-Policy: 30;w=10``, and draft-08 and later ``RateLimit: "default";r=29;t=10``
  with ``RateLimit-Policy: "default";q=30;w=10``;
* the older draft's separate ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset``;
* the de-facto ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from robot.api import logger
from robot.api.deco import keyword

from ..http import tls_verification
from ._common import describe, log_table


@dataclass(frozen=True)
class RateLimitState:
    """What one response says about its rate-limit bucket."""

    limit: int | None
    remaining: int
    reset: float | None
    scheme: str


def _get(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    match = re.match(r"\s*\"?(\d+(?:\.\d+)?)", text)
    return float(match.group(1)) if match else None


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimitState | None:
    """The rate-limit state announced by ``headers``, or None when no convention is found."""
    combined = _get(headers, "RateLimit")
    if combined:
        first = combined.split(",")[0] if re.search(r";\s*r\s*=", combined) else combined
        params = {k.lower(): float(v) for k, v in re.findall(r"\b(limit|remaining|reset|r|t)\s*=\s*\"?(\d+(?:\.\d+)?)", first)}
        remaining = params.get("remaining", params.get("r"))
        if remaining is not None:
            limit = params.get("limit")
            policy = _get(headers, "RateLimit-Policy")
            if limit is None and policy:
                quota = re.search(r";\s*q\s*=\s*(\d+)", policy)
                limit = float(quota.group(1)) if quota else _number(policy)
            return RateLimitState(
                int(limit) if limit is not None else None, int(remaining), params.get("reset", params.get("t")),
                "IETF RateLimit",
            )
    for prefix, scheme in (("RateLimit-", "RateLimit-Limit/-Remaining/-Reset"),
                           ("X-RateLimit-", "X-RateLimit-*")):
        remaining = _number(_get(headers, f"{prefix}Remaining"))
        if remaining is not None:
            limit = _number(_get(headers, f"{prefix}Limit"))
            return RateLimitState(int(limit) if limit is not None else None, int(remaining),
                                  _number(_get(headers, f"{prefix}Reset")), scheme)
    return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if invalid."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def counting_down_problems(states: list[RateLimitState | None]) -> list[str]:
    """Why ``states`` (one per response before the limit) do not show a bucket counting down."""
    if not states:
        return ["no response came back before the limit, so nothing could be read"]
    missing = sum(1 for state in states if state is None)
    if missing:
        return [f"{missing} of {len(states)} responses carried no RateLimit/RateLimit-Remaining/X-RateLimit-Remaining header"]
    known = [state for state in states if state is not None]
    problems = []
    over = [s for s in known if s.limit is not None and s.remaining > s.limit]
    if over:
        problems.append(f"remaining {over[0].remaining} exceeds the limit {over[0].limit}")
    if len(known) < 2:
        problems.append(f"only {len(known)} answer came back before the limit: one reading cannot show a countdown")
    elif not any(b.remaining < a.remaining for a, b in zip(known, known[1:])):
        problems.append(f"remaining never decreased over {len(known)} requests (stayed at {known[0].remaining})")
    return problems


@dataclass
class ProbeResult:
    """What a rate-limit probe saw."""

    url: str
    max_requests: int
    sent: int = 0
    statuses: list[int] = field(default_factory=list)
    states: list[RateLimitState | None] = field(default_factory=list)
    limited: requests.Response | None = None
    waited_seconds: float = 0.0
    elapsed_seconds: float = 0.0

    def __repr__(self) -> str:
        met = f"429 after {self.sent} requests" if self.limited is not None else f"no 429 in {self.sent} requests"
        return f"ProbeResult({self.url}: {met})"

    __str__ = __repr__


def probe_rate_limit(
    url: str, max_requests: int, verify: bool | str, timeout: float, max_wait: float,
    session: requests.Session | None = None,
) -> ProbeResult:
    """Send GET ``url`` until HTTP 429, at most ``max_requests`` times.

    If the bucket is already exhausted before two answers could be read (a previous run used
    it up), the probe waits ``Retry-After`` once, if that is at most ``max_wait`` seconds, and
    starts counting again within the same request budget.
    """
    verify = tls_verification(verify)
    http = session or requests.Session()
    result = ProbeResult(url, int(max_requests))
    started = time.monotonic()
    restarted = False
    try:
        while result.sent < result.max_requests:
            response = http.get(url, verify=verify, timeout=float(timeout), allow_redirects=False,
                                headers={"Accept": "application/json"})
            result.sent += 1
            if response.status_code == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if len(result.states) < 2 and not restarted and wait is not None and wait <= float(max_wait):
                    logger.info(f"The bucket of {url} was already exhausted; waiting Retry-After {wait:g} s once.")
                    time.sleep(wait + 0.2)
                    result.waited_seconds += wait + 0.2
                    result.statuses.clear()
                    result.states.clear()
                    restarted = True
                    continue
                result.limited = response
                break
            if response.status_code >= 400:
                raise AssertionError(
                    f"Expected successful answers until HTTP 429, but request {result.sent} of the rate-limit "
                    f"probe failed: {describe(response)}"
                )
            result.statuses.append(response.status_code)
            result.states.append(parse_rate_limit(response.headers))
    finally:
        result.elapsed_seconds = time.monotonic() - started
        if session is None:
            http.close()
    return result


class RateLimitKeywords:
    """Keywords for the bounded rate-limit probe."""

    @keyword("Send Requests Until Rate Limited")
    def send_requests_until_rate_limited(
        self, url: str, max_requests: int = 200, verify: bool | str = True, timeout: float = 30.0,
        max_wait: float = 15.0,
    ) -> ProbeResult:
        """Sends anonymous GET requests to ``url`` until HTTP 429, at most ``max_requests``; returns the probe.

        Any error status other than 429 fails at once. Logs how many requests it took and the
        rate-limit headers of the first and last answers. ``verify`` is the TLS verification
        (True or a CA bundle path), ``timeout`` the per-request timeout in seconds. When an earlier
        run left the bucket exhausted, the probe waits ``Retry-After`` once if it is at most
        ``max_wait`` seconds, and counts again.

        | ${probe} = | Send Requests Until Rate Limited | ${BASE_URL}${RATE_LIMIT_PROBE_PATH} | 200 |
        | ... | ${TLS_VERIFY} | ${API_TIMEOUT} |
        """
        result = probe_rate_limit(url, int(max_requests), verify, float(timeout), float(max_wait))
        shown = list(enumerate(result.states, start=1))
        shown = shown[:3] + shown[-3:] if len(shown) > 6 else shown
        log_table(
            f"Rate-limit probe of {url}: {result}",
            ("request", "limit", "remaining", "reset", "convention"),
            [(n, s.limit, s.remaining, s.reset, s.scheme) if s else (n, "-", "-", "-", "no header") for n, s in shown],
        )
        if result.limited is not None:
            logger.info(f"HTTP 429 arrived after {result.sent} requests in {result.elapsed_seconds:.2f} s.")
        return result

    @keyword("Rate Limit Headers Should Count Down")
    def rate_limit_headers_should_count_down(self, probe: ProbeResult) -> None:
        """Fails unless every answer before the limit carried rate-limit headers whose remaining count decreased.

        ``probe`` is the result of `Send Requests Until Rate Limited`.

        | Rate Limit Headers Should Count Down | ${probe} |
        """
        problems = counting_down_problems(probe.states)
        if problems:
            raise AssertionError(f"Expected rate-limit headers counting down on GET {probe.url}, but {'; '.join(problems)}")

    @keyword("Rate Limited Response Of")
    def rate_limited_response_of(self, probe: ProbeResult) -> requests.Response:
        """Returns the HTTP 429 response the probe met; fails when it met none.

        | ${limited} = | Rate Limited Response Of | ${probe} |
        """
        if probe.limited is None:
            last = probe.states[-1] if probe.states else None
            remaining = f"; the last answer said remaining={last.remaining}" if last else ""
            raise AssertionError(
                f"Expected HTTP 429 within {probe.max_requests} requests to GET {probe.url}, but all "
                f"{probe.sent} were answered without a limit{remaining}"
            )
        return probe.limited

    @keyword("Response Should Have Retry After")
    def response_should_have_retry_after(self, response: requests.Response) -> None:
        """Fails unless ``response`` has a valid ``Retry-After`` (delta-seconds or an HTTP-date).

        | Response Should Have Retry After | ${limited} |
        """
        value = response.headers.get("Retry-After")
        seconds = retry_after_seconds(value)
        if seconds is None:
            raise AssertionError(
                f"Expected a Retry-After header (seconds or HTTP-date), but got {value!r}: {describe(response)}"
            )
        logger.info(f"{response.url} asks to retry after {seconds:g} s.")
