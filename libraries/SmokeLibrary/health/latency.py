"""Response-time statistics (nearest-rank percentiles) and the SLA verdict."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from robot.api import logger
from robot.api.deco import keyword

from ..http import current_target
from ._common import log_table


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``fraction`` of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


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
        percentile(millis, 0.95),
        max(millis),
        float(p95_limit_ms),
        float(max_limit_ms),
    )


class LatencyKeywords:
    """Keywords that judge response times against an SLA."""

    @keyword("Response Times Should Be Within SLA")
    def response_times_should_be_within_sla(
        self, samples: Mapping[str, Sequence[float]], endpoints: Sequence[Mapping[str, Any]], base_url: str = ""
    ) -> None:
        """Fails when an endpoint's p95 or maximum response time exceeds its thresholds.

        ``samples`` maps each endpoint's ``path`` to its response times in seconds; ``endpoints``
        are the SLA entries from the variables (``path``, ``p95_ms``, ``max_ms``). A table of
        p50/p95/max per endpoint is logged; the failure names every endpoint over its limits and
        ``base_url`` (the target, for the message; default: the one of `Use Target`).

        | Response Times Should Be Within SLA | ${samples} | ${SLA_ENDPOINTS} |
        """
        base_url = base_url or current_target().base_url
        if not endpoints:
            raise AssertionError("No endpoints given to hold to the response-time SLA (is SLA_ENDPOINTS empty?)")
        summaries = []
        for endpoint in endpoints:
            path = str(endpoint["path"])
            if not samples.get(path):
                raise AssertionError(f"No response times were measured for {base_url}{path}")
            summaries.append(summarise(path, samples[path], float(endpoint["p95_ms"]), float(endpoint["max_ms"])))
        log_table(
            "Response times",
            ("endpoint", "samples", "p50 ms", "p95 ms (limit)", "max ms (limit)"),
            [
                (
                    s.endpoint,
                    s.samples,
                    f"{s.p50_ms:.1f}",
                    f"{s.p95_ms:.1f} ({s.p95_limit_ms:.0f})",
                    f"{s.max_ms:.1f} ({s.max_limit_ms:.0f})",
                )
                for s in summaries
            ],
        )
        failures = [
            f"GET {base_url}{s.endpoint}: {', '.join(s.violations)} over {s.samples} requests"
            for s in summaries
            if s.violations
        ]
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
