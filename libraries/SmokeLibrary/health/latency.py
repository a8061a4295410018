"""Response-time statistics (nearest-rank percentiles), the early-stop decision and the SLA verdict."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from robot.api import logger
from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn

from ..http import GuardedAdapter, current_target, target_timeout, target_url, target_verify, unexpected_status
from ._common import log_table

#: The percentile the SLA holds to.
P95 = 0.95


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def allowed_over_p95(planned: int, fraction: float = P95) -> int:
    """How many of ``planned`` samples may exceed the p95 limit while the nearest-rank p95 still meets it.

    The nearest-rank p95 of ``planned`` samples is the ``ceil(0.95 * planned)``-th smallest; it is
    within the limit exactly when that many samples are, so ``planned - ceil(0.95 * planned)`` may be over.
    """
    if planned < 1:
        raise ValueError(f"at least one sample must be planned, got {planned}")
    return planned - max(1, math.ceil(fraction * planned))


def sla_miss_decided(
    samples_ms: Sequence[float], planned: int, p95_limit_ms: float, max_limit_ms: float, max_is_hard: bool = True
) -> str:
    """Why the SLA is already missed whatever the samples not yet taken show; empty while it can still be met.

    A pure decision over the samples taken so far (milliseconds) out of ``planned``: the p95 can
    no longer be met once more samples exceed ``p95_limit_ms`` than `allowed_over_p95` allows; the
    maximum is missed as soon as one sample exceeds ``max_limit_ms`` (when ``max_is_hard``). A
    sample exactly at a limit meets it. Once all planned samples are taken the answer is final too.
    """
    allowed = allowed_over_p95(planned)
    over = [value for value in samples_ms if value > p95_limit_ms]
    reasons = []
    if len(over) > allowed:
        reasons.append(
            f"p95 exceeds {p95_limit_ms:.0f} ms: {len(over)} of {planned} planned samples took longer "
            f"(slowest {max(over):.0f} ms), the p95 allows {allowed}"
        )
    if max_is_hard and samples_ms and max(samples_ms) > max_limit_ms:
        reasons.append(f"max {max(samples_ms):.0f} ms exceeds {max_limit_ms:.0f} ms")
    return "; ".join(reasons)


@dataclass(frozen=True)
class LatencySummary:
    """p50, p95 and maximum of one endpoint's samples, in milliseconds."""

    endpoint: str
    samples: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    p95_limit_ms: float
    max_limit_ms: float

    @property
    def violations(self) -> list[str]:
        found = []
        if self.p95_ms > self.p95_limit_ms:
            found.append(f"p95 {self.p95_ms:.0f} ms exceeds {self.p95_limit_ms:.0f} ms")
        if self.max_ms > self.max_limit_ms:
            found.append(f"max {self.max_ms:.0f} ms exceeds {self.max_limit_ms:.0f} ms")
        return found


def summarise(endpoint: str, seconds: Sequence[float], p95_limit_ms: float, max_limit_ms: float) -> LatencySummary:
    """Summarise samples given in seconds against limits given in milliseconds."""
    millis = [float(value) * 1000.0 for value in seconds]
    return LatencySummary(
        endpoint,
        len(millis),
        percentile(millis, 0.50),
        percentile(millis, P95),
        max(millis),
        float(p95_limit_ms),
        float(max_limit_ms),
    )


@dataclass(frozen=True)
class SlaMeasurement:
    """What sampling one SLA endpoint found: its samples (ms), how many were planned and whether it stopped early."""

    endpoint: str
    samples_ms: tuple[float, ...]
    planned: int
    p95_limit_ms: float
    max_limit_ms: float
    miss: str  # why the SLA is missed; empty when it is met

    @property
    def stopped_early(self) -> bool:
        return len(self.samples_ms) < self.planned

    def row(self) -> tuple[object, ...]:
        """One row of the logged table."""
        values = self.samples_ms
        return (
            self.endpoint,
            f"{len(values)} of {self.planned}",
            f"{percentile(values, 0.5):.1f}",
            f"{percentile(values, P95):.1f} ({self.p95_limit_ms:.0f})",
            f"{max(values):.1f} ({self.max_limit_ms:.0f})",
            "yes: SLA missed" if self.stopped_early else "no",
            "missed" if self.miss else "met",
        )

    def failure(self, base_url: str) -> str:
        """The failure line of a missed SLA: endpoint, numbers and whether sampling stopped early."""
        values = self.samples_ms
        taken = len(values)
        how = (
            f"sampling stopped early after {taken} of {self.planned} samples"
            if self.stopped_early
            else f"over {taken} requests"
        )
        return (
            f"GET {base_url}{self.endpoint}: {self.miss} ({how}; p50 {percentile(values, 0.5):.0f} ms, "
            f"max {max(values):.0f} ms)"
        )


def measure_sla(
    get: Callable[[], requests.Response],
    endpoint: str,
    planned: int,
    p95_limit_ms: float,
    max_limit_ms: float,
    max_is_hard: bool = True,
) -> SlaMeasurement:
    """Time up to ``planned`` sequential calls of ``get()`` (each returns a response), stopping once the SLA is missed.

    Every answer must be 200 (a fast error is no answer); the time of a sample is the response's
    ``elapsed`` (request sent to headers read).
    """
    samples: list[float] = []
    miss = ""
    while len(samples) < planned:
        response: requests.Response = get()
        problem = unexpected_status(response, (200,))
        if problem:
            raise AssertionError(f"Step 'Time GET {endpoint}' (sample {len(samples) + 1} of {planned}): {problem}")
        samples.append(response.elapsed.total_seconds() * 1000.0)
        miss = sla_miss_decided(samples, planned, p95_limit_ms, max_limit_ms, max_is_hard)
        if miss:
            break
    return SlaMeasurement(endpoint, tuple(samples), planned, float(p95_limit_ms), float(max_limit_ms), miss)


def requests_session(alias: str) -> requests.Session:
    """The session RequestsLibrary opened as ``alias``; it must be guarded (`Guard Requests Of Session`)."""
    cache = getattr(BuiltIn().get_library_instance("RequestsLibrary"), "_cache", None)  # its ConnectionCache
    try:
        session = cache.get_connection(alias) if cache is not None else None
    except RuntimeError as error:
        raise AssertionError(f"No RequestsLibrary session named '{alias}' is open: {error}") from None
    if session is None:
        raise AssertionError(f"RequestsLibrary keeps no sessions where SmokeLibrary expects them ('{alias}')")
    if not isinstance(session, requests.Session):
        raise AssertionError(f"Session '{alias}' is a {type(session).__name__}, not a requests session")
    return session


class LatencyKeywords:
    """Keywords that judge response times against an SLA."""

    @keyword("Response Times Of Endpoints Should Meet SLA")
    def response_times_of_endpoints_should_meet_sla(
        self, endpoints: Sequence[Mapping[str, Any]], samples: int, max_is_hard: bool = True
    ) -> None:
        """Times up to ``samples`` sequential GETs of each of ``endpoints`` and fails when one misses its SLA.

        Each endpoint is a dictionary with ``session`` (the alias of a RequestsLibrary session,
        whose authentication every request keeps), ``path``, ``p95_ms`` and ``max_ms``. Requests
        go through that session's guard (timeouts, TLS verification, redirects refused) with the
        verification and timeout of `Use Target`. Sampling of an endpoint stops as soon as its
        outcome is decided: more samples over ``p95_ms`` than the nearest-rank p95 of ``samples``
        allows, or one over ``max_ms`` (when ``max_is_hard``). A healthy endpoint gets every sample.
        One table logs p50/p95/max, the samples taken and whether sampling stopped early; the
        failure names each endpoint that missed, its numbers and that sampling stopped early.
        Every answer must be 200.

        | Response Times Of Endpoints Should Meet SLA | ${SLA_ENDPOINTS} | ${SLA_SAMPLES} |
        """
        planned = int(samples)
        if planned < 1:
            raise AssertionError(f"SLA_SAMPLES must be at least 1, got {samples!r}")
        if not endpoints:
            raise AssertionError("No endpoints given to hold to the response-time SLA (is SLA_ENDPOINTS empty?)")
        base_url = current_target().base_url
        verify, timeout = target_verify(), target_timeout()
        measurements = []
        for endpoint in endpoints:
            path = str(endpoint["path"])
            session, url = requests_session(str(endpoint["session"])), target_url(path)
            if not isinstance(session.get_adapter(url), GuardedAdapter):
                raise AssertionError(
                    f"Session '{endpoint['session']}' is not guarded (Guard Requests Of Session): "
                    "its requests would not be bounded"
                )

            def get(session: requests.Session = session, url: str = url) -> requests.Response:
                return session.get(url, verify=verify, timeout=timeout, allow_redirects=False)

            measurements.append(
                measure_sla(get, path, planned, float(endpoint["p95_ms"]), float(endpoint["max_ms"]), bool(max_is_hard))
            )
        log_table(
            f"Response times of {base_url} (milliseconds; up to {planned} sequential GETs per endpoint)",
            ("endpoint", "samples", "p50 ms", "p95 ms (limit)", "max ms (limit)", "stopped early", "SLA"),
            [measurement.row() for measurement in measurements],
        )
        failures = [measurement.failure(base_url) for measurement in measurements if measurement.miss]
        if failures:
            raise AssertionError("Response times miss the SLA: " + "; ".join(failures))
        logger.info("Every endpoint meets its response-time SLA.")

    @keyword("Response Should Have Arrived Within")
    def response_should_have_arrived_within(self, response: requests.Response, limit_ms: float) -> None:
        """Fails when ``response`` took longer than ``limit_ms`` milliseconds to arrive.

        | Response Should Have Arrived Within | ${response} | ${AUTH_MAX_MS} |
        """
        elapsed_ms = response.elapsed.total_seconds() * 1000.0
        request = response.request
        if elapsed_ms > float(limit_ms):
            raise AssertionError(
                f"Expected {request.method} {response.url} to answer within {float(limit_ms):.0f} ms, "
                f"but it took {elapsed_ms:.0f} ms"
            )
        logger.info(f"{request.method} {response.url} answered in {elapsed_ms:.0f} ms")
