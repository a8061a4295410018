"""Rate limiting: a bounded probe that proves enforcement without using up a shared budget.

Three header conventions are understood (the names come from the suite's variables):

* the IETF ``RateLimit`` header: draft-07 ``RateLimit: limit=30, remaining=29, reset=10`` with
  ``RateLimit-Policy: 30;w=10``, and draft-08 and later ``RateLimit: "default";r=29;t=10``
  with ``RateLimit-Policy: "default";q=30;w=10``;
* the older draft's separate ``RateLimit-Limit``, ``RateLimit-Remaining``, ``RateLimit-Reset``;
* the de-facto ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``.

The probe first reads the announced budget over a few requests, with one request to a control
path in between: when the control request (or anyone else's traffic) counts against the probed
budget, that budget is shared by the whole address. It then goes on to HTTP 429 only when the
announced remaining count fits in the probe's maximum and the budget is its own; otherwise the
countdown is the proof and the reason the 429 was not probed is reported. Without any announced
limit the probe must go on to 429 (up to its maximum) to prove anything.

The probe also has a time budget: a service too slow to reach its own limit within it (seen at
the fastest pace of its answers so far, or when the budget runs out) ends the probe with the
numbers, as a failure: the countdown alone does not prove that a 429 ever comes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from ..http import guarded_session, target_timeout, target_url, target_verify, tls_verification
from ._common import describe, log_table

#: The runner's tag for a failure that is a measurement a re-run would only repeat (``NO_RERUN_TAG``
#: of smoke_runner/execution.py): a probe too slow to reach the limit gives it to its test.
MEASURED_FAILURE_TAG = "no-rerun"


def _mark_failure_as_measured() -> None:
    """Tag the running test `MEASURED_FAILURE_TAG`, so the runner does not re-run this measurement."""
    try:
        BuiltIn().set_tags(MEASURED_FAILURE_TAG)
    except RobotNotRunningError:  # called outside a Robot run (unit tests): nothing to tag
        return


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


DEFAULT_COMBINED_HEADER = "RateLimit"
DEFAULT_HEADER_PREFIXES = ("RateLimit-", "X-RateLimit-")


def parse_rate_limit(
    headers: Mapping[str, str],
    combined: str = DEFAULT_COMBINED_HEADER,
    prefixes: Sequence[str] = DEFAULT_HEADER_PREFIXES,
) -> RateLimitState | None:
    """The rate-limit state announced by ``headers``, or None when no convention is found.

    ``combined`` is the name of the IETF structured header (with ``<combined>-Policy``),
    ``prefixes`` the prefixes of the separate ``<prefix>Limit``/``Remaining``/``Reset`` headers.
    """
    text = _get(headers, combined) if combined else None
    if text:
        first = text.split(",")[0] if re.search(r";\s*r\s*=", text) else text
        params = {
            k.lower(): float(v) for k, v in re.findall(r"\b(limit|remaining|reset|r|t)\s*=\s*\"?(\d+(?:\.\d+)?)", first)
        }
        remaining = params.get("remaining", params.get("r"))
        if remaining is not None:
            limit = params.get("limit")
            policy = _get(headers, f"{combined}-Policy")
            if limit is None and policy:
                quota = re.search(r";\s*q\s*=\s*(\d+)", policy)
                limit = float(quota.group(1)) if quota else _number(policy)
            return RateLimitState(
                int(limit) if limit is not None else None,
                int(remaining),
                params.get("reset", params.get("t")),
                f"IETF {combined}",
            )
    for prefix in prefixes:
        remaining = _number(_get(headers, f"{prefix}Remaining"))
        if remaining is not None:
            limit = _number(_get(headers, f"{prefix}Limit"))
            return RateLimitState(
                int(limit) if limit is not None else None,
                int(remaining),
                _number(_get(headers, f"{prefix}Reset")),
                f"{prefix}Limit/-Remaining/-Reset",
            )
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
        return [
            f"{missing} of {len(states)} responses carried no "
            "RateLimit/RateLimit-Remaining/X-RateLimit-Remaining header"
        ]
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


def exhausted_bucket_evidence(
    limited: requests.Response,
    combined_header: str = DEFAULT_COMBINED_HEADER,
    header_prefixes: Sequence[str] = DEFAULT_HEADER_PREFIXES,
    max_requests: int = 200,
) -> str:
    """What in an HTTP 429 met at the start of a probe proves an exhausted limit ("" when nothing does).

    An announced limit of at least one request and at most ``max_requests`` (what an earlier run's
    probe could have used up), nothing remaining, and a valid Retry-After: the answer of a bucket
    that an earlier run emptied. A limit of 0 or none announced, a limit larger than any probe
    sends, no rate-limit headers or no Retry-After prove nothing: a route that refuses everyone.
    """
    state = parse_rate_limit(limited.headers, combined_header, tuple(header_prefixes))
    retry = retry_after_seconds(limited.headers.get("Retry-After"))
    if state is None or state.remaining > 0 or retry is None or state.limit is None:
        return ""
    if not 1 <= state.limit <= max_requests:
        return ""
    return f"limit {state.limit}, remaining {state.remaining}, Retry-After {retry:g} s"


def budget_sharing(readings: Sequence[tuple[str, RateLimitState | None]]) -> tuple[bool | None, str]:
    """Whether the probed budget is shared with other requests, and the evidence.

    ``readings`` are ``("probe", state)`` for each answer of the probed path and
    ``("control", state)`` for each request to the control path, in the order sent. Between two
    probe answers the remaining count must drop by exactly one for a budget of its own; a drop
    that includes the control requests, or more than the requests sent (someone else's traffic),
    means a shared budget. A rise (a new window) proves nothing. None: not known.
    """
    shared: bool | None = None
    evidence = "no two readings of the remaining count could be compared"
    last: RateLimitState | None = None
    controls = 0
    for kind, state in readings:
        if kind == "control":
            controls += 1 if last is not None else 0
            continue
        if state is None:
            last, controls = None, 0
            continue
        if last is not None:
            drop = last.remaining - state.remaining
            if drop > 1 and controls and drop == 1 + controls:
                return (
                    True,
                    "a request to the control path counted against it "
                    f"(remaining {last.remaining} -> {state.remaining})",
                )
            if drop > 1 + controls:
                return True, (
                    f"remaining fell by {drop} over {1 + controls} request(s) of the probe "
                    f"({last.remaining} -> {state.remaining}): other requests count against it"
                )
            if drop == 1 and controls:
                shared, evidence = (
                    False,
                    (
                        f"a request to the control path did not count against it "
                        f"(remaining {last.remaining} -> {state.remaining})"
                    ),
                )
            elif drop == 1 and shared is None:
                evidence = "remaining fell by one per request, but no control request was compared"
        last, controls = state, 0
    return shared, evidence


@dataclass
class ProbeResult:
    """What a rate-limit probe saw."""

    url: str
    max_requests: int
    control_url: str = ""
    combined_header: str = DEFAULT_COMBINED_HEADER
    header_prefixes: tuple[str, ...] = DEFAULT_HEADER_PREFIXES
    sent: int = 0
    control_sent: int = 0
    statuses: list[int] = field(default_factory=list)
    states: list[RateLimitState | None] = field(default_factory=list)
    readings: list[tuple[str, RateLimitState | None]] = field(default_factory=list)
    limited: requests.Response | None = None
    waited_seconds: float = 0.0
    elapsed_seconds: float = 0.0
    shared: bool | None = None
    sharing_evidence: str = ""
    not_probed: str = ""
    too_slow: str = ""  # why the probe ran out of its time budget before it could reach 429
    #: Why the countdown could not be read: the bucket was exhausted before two answers came (an
    #: earlier run or another client used it up) and Retry-After was too long to wait for.
    exhausted_before: str = ""
    request_seconds: list[float] = field(default_factory=list)  # duration of every request, the control's too

    @property
    def announced(self) -> RateLimitState | None:
        """The last rate-limit state an answer announced."""
        known = [state for state in self.states if state is not None]
        return known[-1] if known else None

    def __repr__(self) -> str:
        if self.limited is not None:
            met = f"429 after {self.sent} requests"
        elif self.too_slow:
            met = f"too slow to reach 429 in {self.sent} requests"
        elif self.not_probed:
            met = f"429 not probed after {self.sent} requests"
        else:
            met = f"no 429 in {self.sent} requests"
        return f"ProbeResult({self.url}: {met})"

    __str__ = __repr__


@dataclass(frozen=True)
class ProbeSettings:
    """How far the probe may go and which headers it reads."""

    max_requests: int = 200
    countdown_requests: int = 3
    control_url: str = ""
    exhaust_shared_budget: bool = False
    combined_header: str = DEFAULT_COMBINED_HEADER
    header_prefixes: tuple[str, ...] = DEFAULT_HEADER_PREFIXES
    time_budget: float = float("inf")  # seconds of requests (waits for Retry-After excluded)


def _limit_ignored(result: ProbeResult) -> bool:
    """Whether an answer announced remaining 0 and a later one was still a success: no 429 where one was due."""
    known = [state for state in result.states if state is not None]
    return any(state.remaining <= 0 for state in known[:-1])


def _why_too_slow(result: ProbeResult, spent: float, settings: ProbeSettings, needed_seconds: float = 0.0) -> str:
    """Why the probe cannot reach HTTP 429 within its time budget (empty: it still can, or a 429 was due).

    ``spent`` seconds went on requests so far. With ``needed_seconds`` (the time the announced
    remaining count takes at the fastest pace seen), the probe stops as soon as that cannot fit;
    without it, when the budget is used up.
    """
    if _limit_ignored(result):
        return ""  # not slowness: the service went past its own announced limit without a 429
    requests_sent = len(result.request_seconds) or result.sent
    each = spent / requests_sent if requests_sent else spent
    announced = result.announced
    if needed_seconds:
        assert announced is not None
        why = (
            f"the 429 would take {announced.remaining + 1} more requests, at least {needed_seconds:.0f} s at the "
            f"fastest pace seen ({min(result.request_seconds):.2f} s), and only {settings.time_budget - spent:.1f} s "
            "of the budget are left"
        )
    elif announced is not None:
        why = f"the budget ran out with remaining={announced.remaining} of limit {announced.limit}"
    else:
        why = "the budget ran out and no answer announced a limit"
    return (
        f"{requests_sent} requests in {spent:.1f} s, each about {each:.2f} s: too slow to probe the limit of GET "
        f"{result.url} within RATE_LIMIT_PROBE_SECONDS={settings.time_budget:g} ({why}). Enforcement is not "
        "proven: the countdown alone does not show that a 429 ever comes"
    )


def _why_not_probe_on(result: ProbeResult, settings: ProbeSettings) -> str:
    """Why the probe must stop before HTTP 429 (empty: it may go on)."""
    announced = result.announced
    if announced is None or result.states[-1] is None:
        return ""  # nothing announced: only a 429 can prove enforcement
    left = settings.max_requests - result.sent
    if announced.remaining + 1 > left:
        limit = announced.limit if announced.limit is not None else "an unannounced number of"
        return (
            f"GET {result.url} announces a limit of {limit} requests (remaining {announced.remaining}), more than "
            f"RATE_LIMIT_PROBE_MAX={settings.max_requests} allows (the 429 would take {announced.remaining + 1} more "
            f"requests, {left} are left): enforcement is proven by the countdown only, the 429 was not probed. To "
            f"probe it, raise RATE_LIMIT_PROBE_MAX to at least {result.sent + announced.remaining + 1} in a variables "
            "file, for a run where nothing else spends this address's budget"
        )
    if result.shared and not settings.exhaust_shared_budget:
        return (
            f"the rate-limit budget of GET {result.url} is shared with other requests from this address "
            f"({result.sharing_evidence}): probing it to 429 would make every other test and client here meet 429 "
            "too, so enforcement is proven by the countdown only (limit "
            f"{announced.limit}, remaining {announced.remaining}). To probe it, point RATE_LIMIT_PROBE_PATH at a "
            "route with a budget of its own, or set RATE_LIMIT_PROBE_SHARED=true for a run where nothing "
            "else sends requests from this address (e.g. --suite health)"
        )
    return ""


def probe_rate_limit(
    url: str,
    max_requests: int,
    verify: bool | str,
    timeout: float,
    max_wait: float,
    session: requests.Session | None = None,
    settings: ProbeSettings | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ProbeResult:
    """Read the budget of GET ``url`` and, when that is safe, send requests until HTTP 429 (at most ``max_requests``).

    ``settings`` (default: no control path, 3 countdown requests) bounds the countdown. If the
    bucket is already exhausted before two answers could be read (a previous run used it up),
    the probe waits ``Retry-After`` once, if that is at most ``max_wait`` seconds, and starts
    counting again within the same request budget. The requests (not the wait) must fit in
    ``settings.time_budget`` seconds of ``clock``: when the announced remaining count cannot be
    sent in what is left at the fastest pace seen, or the budget is used up, the probe stops and
    ``too_slow`` says why with the numbers.
    """
    settings = replace(settings or ProbeSettings(), max_requests=int(max_requests))
    verify = tls_verification(verify)
    http = session or guarded_session(float(timeout))  # total deadline, size cap, stall record
    result = ProbeResult(
        url, settings.max_requests, settings.control_url, settings.combined_header, settings.header_prefixes
    )
    started = clock()
    restarted = False
    decided = False

    def get(target: str) -> requests.Response:
        before = clock()
        try:
            return http.get(
                target,
                verify=verify,
                timeout=float(timeout),
                allow_redirects=False,
                headers={"Accept": "application/json"},
            )
        finally:
            result.request_seconds.append(clock() - before)

    def spent() -> float:
        return clock() - started - result.waited_seconds

    try:
        while result.sent < result.max_requests:
            if result.sent and spent() >= settings.time_budget:
                result.too_slow = _why_too_slow(result, spent(), settings)
                break
            if settings.control_url and len(result.states) == 2 and result.control_sent == 0:
                control = get(settings.control_url)
                result.control_sent += 1
                result.readings.append(
                    ("control", parse_rate_limit(control.headers, settings.combined_header, settings.header_prefixes))
                )
            response = get(url)
            result.sent += 1
            if response.status_code == 429:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if len(result.states) < 2 and not restarted and wait is not None and wait <= float(max_wait):
                    logger.info(f"The bucket of {url} was already exhausted; waiting Retry-After {wait:g} s once.")
                    time.sleep(wait + 0.2)
                    result.waited_seconds += wait + 0.2
                    result.statuses.clear()
                    result.states.clear()
                    result.readings.clear()
                    result.control_sent = 0
                    restarted = True
                    continue
                result.limited = response
                if len(result.states) < 2:
                    shown = "no Retry-After" if wait is None else f"Retry-After {wait:g} s"
                    result.exhausted_before = (
                        f"the bucket of GET {url} was already exhausted after {len(result.states)} answer(s) "
                        f"({shown}, more than RATE_LIMIT_MAX_WAIT={float(max_wait):g} s to wait"
                        f"{' again' if restarted else ''}): an earlier run or another client used it up"
                    )
                break
            if response.status_code >= 400:
                raise AssertionError(
                    f"Expected successful answers until HTTP 429, but request {result.sent} of the rate-limit "
                    f"probe failed: {describe(response)}"
                )
            state = parse_rate_limit(response.headers, settings.combined_header, settings.header_prefixes)
            result.statuses.append(response.status_code)
            result.states.append(state)
            result.readings.append(("probe", state))
            if not decided and len(result.states) >= max(2, int(settings.countdown_requests)):
                decided = True
                result.shared, result.sharing_evidence = budget_sharing(result.readings)
                result.not_probed = _why_not_probe_on(result, settings)
                if result.not_probed:
                    break
            announced = result.announced
            if decided and announced is not None and state is not None:
                needed = (announced.remaining + 1) * min(result.request_seconds)
                if spent() + needed > settings.time_budget:
                    result.too_slow = _why_too_slow(result, spent(), settings, needed)
                    if result.too_slow:
                        break
    finally:
        result.elapsed_seconds = clock() - started
        if session is None:
            http.close()
    return result


class RateLimitKeywords:
    """Keywords for the bounded rate-limit probe."""

    @keyword("Send Requests Until Rate Limited")
    def send_requests_until_rate_limited(
        self,
        url: str,
        max_requests: int = 200,
        verify: bool | str | None = None,
        timeout: float | None = None,
        max_wait: float = 15.0,
        control_url: str = "",
        countdown_requests: int = 3,
        exhaust_shared_budget: bool = False,
        combined_header: str = DEFAULT_COMBINED_HEADER,
        header_prefixes: str | list[str] | tuple[str, ...] = DEFAULT_HEADER_PREFIXES,
        time_budget: float = 10.0,
    ) -> ProbeResult:
        """Reads the rate-limit budget of GET ``url`` and, when safe, sends anonymous GETs until
        HTTP 429; returns the probe.

        First ``countdown_requests`` requests read the announced budget (``combined_header``, or
        ``<prefix>Limit``/``Remaining``/``Reset`` for each of ``header_prefixes``), with one GET
        of ``control_url`` in between: a budget that counts that request, or other traffic, is
        shared by the whole address. The probe goes on to HTTP 429 (at most ``max_requests`` in
        all) only when the announced remaining count fits in ``max_requests`` and the budget is
        its own (or ``exhaust_shared_budget`` is true); otherwise it stops and says why. With no
        announced limit it must go on to 429. Any error status other than 429 fails at once.
        ``url`` and ``control_url`` are full URLs or paths on the target of `Use Target`.
        ``verify`` is the TLS verification (True or a CA bundle path), ``timeout`` the
        per-request timeout in seconds; both default to those of `Use Target`. When an earlier run
        left the bucket exhausted, the probe waits ``Retry-After`` once if it is at most
        ``max_wait`` seconds, and counts again. The requests must fit in ``time_budget`` seconds:
        a service too slow to reach its limit within it stops the probe early, and `Rate Limited
        Response Of` fails with the numbers.

        | ${probe} = | Send Requests Until Rate Limited | ${RATE_LIMIT_PROBE_PATH} | 200 |
        | ... | control_url=${RATE_LIMIT_CONTROL_PATH} |
        """
        url, verify, timeout = target_url(url), target_verify(verify), target_timeout(timeout)
        control_url = target_url(control_url) if control_url else ""
        prefixes = (header_prefixes,) if isinstance(header_prefixes, str) else tuple(header_prefixes)
        settings = ProbeSettings(
            int(max_requests),
            int(countdown_requests),
            control_url,
            bool(exhaust_shared_budget),
            combined_header,
            prefixes,
            float(time_budget),
        )
        result = probe_rate_limit(url, int(max_requests), verify, float(timeout), float(max_wait), settings=settings)
        shown = list(enumerate(result.states, start=1))
        shown = shown[:3] + shown[-3:] if len(shown) > 6 else shown
        log_table(
            f"Rate-limit probe of {url}: {result}",
            ("request", "limit", "remaining", "reset", "convention"),
            [(n, s.limit, s.remaining, s.reset, s.scheme) if s else (n, "-", "-", "-", "no header") for n, s in shown],
        )
        if control_url:
            sharing = {True: "shared with other requests", False: "its own", None: "not known"}[result.shared]
            logger.info(f"The budget of {url} is {sharing}: {result.sharing_evidence or 'not compared'}.")
        if result.limited is not None:
            logger.info(f"HTTP 429 arrived after {result.sent} requests in {result.elapsed_seconds:.2f} s.")
        if result.too_slow:
            logger.info(f"The probe stopped: {result.too_slow}.")
        return result

    @keyword("Rate Limit Headers Should Count Down")
    def rate_limit_headers_should_count_down(self, probe: ProbeResult) -> None:
        """Fails unless every answer before the limit carried rate-limit headers whose remaining count decreased.

        ``probe`` is the result of `Send Requests Until Rate Limited`. When the bucket was already
        exhausted at the start (an earlier run within the window used it up) and ``Retry-After``
        was longer than the probe may wait, the countdown cannot be read: an HTTP 429 announcing a
        limit a probe can empty (1 to its maximum), nothing remaining and a valid ``Retry-After`` proves enforcement,
        with a warning; a 429 without them fails.

        | Rate Limit Headers Should Count Down | ${probe} |
        """
        problems = counting_down_problems(probe.states)
        if problems and probe.exhausted_before and probe.limited is not None:
            exhausted = exhausted_bucket_evidence(
                probe.limited, probe.combined_header, probe.header_prefixes, probe.max_requests
            )
            if exhausted:
                logger.warn(
                    f"Rate limit of {probe.url}: the countdown could not be read, {probe.exhausted_before}. "
                    f"Enforcement is proven by the HTTP 429 itself ({exhausted}); a run after the bucket refills "
                    "(or a larger RATE_LIMIT_MAX_WAIT) reads the countdown too."
                )
                return
            problems.append(f"{probe.exhausted_before}, and its HTTP 429 announced no exhausted limit to prove it")
        if problems:
            raise AssertionError(
                f"Expected rate-limit headers counting down on GET {probe.url}, but {'; '.join(problems)}"
            )

    @keyword("Rate Limited Response Of")
    def rate_limited_response_of(self, probe: ProbeResult) -> requests.Response | None:
        """Returns the HTTP 429 response the probe met; None (with a warning) when it stopped before 429 on purpose.

        The probe stops before 429 when the announced limit is above its maximum or the budget is
        shared by the whole address; the warning gives the numbers and what to change. Fails when
        the probe went on and met no 429 (including a service that announces nothing and never
        limits), and when the service was too slow to reach its limit within the probe's time
        budget: then enforcement is not proven, the message gives the numbers, and the test is
        tagged ``no-rerun`` (the runner does not repeat a measured slowness).

        | ${limited} = | Rate Limited Response Of | ${probe} |
        """
        if probe.limited is not None:
            return probe.limited
        if probe.too_slow:
            _mark_failure_as_measured()
            raise AssertionError(f"Expected HTTP 429, but {probe.too_slow}")
        if probe.not_probed:
            logger.warn(f"Rate limit of {probe.url}: {probe.not_probed}.")
            return None
        last = probe.announced
        remaining = (
            (f"; the service announced a limit of {last.limit} and the last answer said remaining={last.remaining}")
            if last
            else "; no answer announced a limit"
        )
        raise AssertionError(
            f"Expected HTTP 429 within {probe.max_requests} requests to GET {probe.url}, but all "
            f"{probe.sent} were answered without a limit{remaining}"
        )

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
