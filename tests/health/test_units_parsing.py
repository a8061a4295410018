"""Unit tests of the health library's pure parts: health formats, metrics, percentiles, rate-limit headers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from libraries.SmokeLibrary.health.health_formats import MISSING, contradictions, parse_health_document
from libraries.SmokeLibrary.health.latency import percentile, summarise
from libraries.SmokeLibrary.health.metrics import family_names, parse_exposition, sample_total
from libraries.SmokeLibrary.health.ratelimit import (
    RateLimitState,
    counting_down_problems,
    parse_rate_limit,
    retry_after_seconds,
)

pytestmark = pytest.mark.unit


# -- health documents ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "content_type", "status", "shape", "database"),
    [
        (
            {"status": "pass", "checks": {"database": {"status": "pass"}, "redis": {"status": "not_configured"}}},
            "application/json",
            "pass",
            "Lattice contract",
            "pass",
        ),
        (
            {"status": "warn", "checks": {"database:connections": [{"status": "pass"}, {"status": "warn"}]}},
            "application/health+json",
            "warn",
            "IETF health+json",
            "warn",
        ),
        (
            {"status": "UP", "components": {"db": {"status": "UP"}, "redis": {"status": "DOWN"}}},
            "application/vnd.spring-boot.actuator.v3+json",
            "pass",
            "Spring Boot Actuator",
            "pass",
        ),
        (
            {"status": "OUT_OF_SERVICE", "details": {"db": {"status": "DOWN"}}},
            "application/json",
            "fail",
            "Spring Boot Actuator (1.x)",
            "fail",
        ),
        ({"status": "ok"}, "application/health+json", "pass", "IETF health+json", MISSING),
    ],
)
def test_health_formats_are_normalised(
    body: dict[str, Any], content_type: str, status: str, shape: str, database: str
) -> None:
    document = parse_health_document(body, content_type)
    assert (document.status, document.shape) == (status, shape)
    assert document.check(["database", "db"])[1] == database


def test_a_flat_map_of_component_statuses_is_read() -> None:
    document = parse_health_document({"status": "healthy", "database": "unhealthy", "redis": "ok", "version": "1.2"})
    assert (document.status, document.shape) == ("pass", "flat component map")
    assert document.checks == {"database": "fail", "redis": "pass"}  # 'version' is no status word
    assert document.check(["db", "database"]) == ("database", "fail")


def test_nested_component_groups_are_read_as_group_and_member() -> None:
    document = parse_health_document(
        {"status": "UP", "components": {"db": {"status": "UP", "components": {"primary": {"status": "DOWN"}}}}}
    )
    assert document.checks == {"db": "pass", "db/primary": "fail"}
    assert document.check(["db"]) == ("db", "pass")


@pytest.mark.parametrize(
    ("body", "required", "expected"),
    [
        ({"status": "healthy", "database": "unhealthy", "redis": "ok"}, ["database"], ["database 'unhealthy'"]),
        (
            {"status": "pass", "checks": {"database": {"status": "pass"}, "redis": {"status": "fail"}}},
            ["database"],
            ["redis 'fail'"],
        ),
        ({"status": "warn", "checks": {"database": {"status": "pass"}, "redis": {"status": "fail"}}}, ["database"], []),
        (
            {"status": "warn", "checks": {"postgres:connections": [{"status": "fail"}]}},
            ["postgres"],
            ["postgres:connections 'fail'"],
        ),
        ({"status": "warn", "redis": "down"}, ["database"], []),
        ({"status": "warn", "redis": "down"}, ["database", "redis"], ["redis 'down'"]),
        ({"status": "fail", "database": "down"}, ["database"], []),  # consistent: a failure, judged elsewhere
        ({"status": "pass", "database": "ok", "redis": "not_configured"}, ["database"], []),
        (
            {"status": "UP", "components": {"db": {"status": "UP", "components": {"replica": {"status": "DOWN"}}}}},
            [],
            ["db/replica 'DOWN'"],
        ),
    ],
)
def test_contradictions_between_the_overall_status_and_the_components(
    body: dict[str, Any], required: list[str], expected: list[str]
) -> None:
    assert contradictions(parse_health_document(body), required) == expected


@pytest.mark.parametrize("body", ["OK", ["pass"], {"status": "great"}, {"state": "pass"}, {"status": "not_configured"}])
def test_unrecognisable_health_bodies_are_rejected(body: Any) -> None:
    with pytest.raises(ValueError):
        parse_health_document(body)


# -- metrics ---------------------------------------------------------------------------
def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    requests_total = Counter("http_requests", "Requests.", ["method", "status"], registry=registry)
    requests_total.labels("GET", "200").inc(3)
    requests_total.labels("POST", "201").inc(2)
    Histogram("http_request_duration_seconds", "Latency.", registry=registry).observe(0.2)
    return registry


def test_prometheus_text_is_parsed_and_summed() -> None:
    families = parse_exposition(generate_latest(_registry()).decode(), "text/plain; version=0.0.4; charset=utf-8")
    names = family_names(families)
    assert {"http_requests_total", "http_request_duration_seconds", "http_request_duration_seconds_bucket"} <= names
    assert sample_total(families, "http_requests_total") == 5
    assert sample_total(families, "no_such_total") is None


def test_openmetrics_is_parsed_with_its_own_parser() -> None:
    text = generate_openmetrics(_registry()).decode()
    families = parse_exposition(text, "application/openmetrics-text; version=1.0.0; charset=utf-8")
    assert sample_total(families, "http_requests_total") == 5


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        ('http_requests_total{method="GET" 12\n<html>oops</html>\n', "text/plain; version=0.0.4"),
        ("http_requests_total 1\n", "application/json"),
        ("# TYPE a counter\na_total 1\n", "application/openmetrics-text; version=1.0.0"),  # no # EOF
    ],
)
def test_bad_expositions_raise(text: str, content_type: str) -> None:
    with pytest.raises(ValueError):
        parse_exposition(text, content_type)


# -- latency ---------------------------------------------------------------------------
def test_nearest_rank_percentiles() -> None:
    values = list(range(1, 21))
    assert percentile(values, 0.95) == 19
    assert percentile(values, 0.50) == 10
    assert percentile([7.0], 0.95) == 7.0


def test_summary_names_violations_in_milliseconds() -> None:
    summary = summarise("/health", [0.01] * 18 + [0.7, 1.5], p95_limit_ms=500, max_limit_ms=1000)
    assert summary.p95_ms == pytest.approx(700)
    assert summary.violations == ["p95 700 ms exceeds 500 ms", "max 1500 ms exceeds 1000 ms"]


# -- rate-limit headers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"RateLimit-Limit": "30", "RateLimit-Remaining": "29", "RateLimit-Reset": "7"},
            RateLimitState(30, 29, 7.0, "RateLimit-Limit/-Remaining/-Reset"),
        ),
        (
            {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "0"},
            RateLimitState(100, 0, None, "X-RateLimit-Limit/-Remaining/-Reset"),
        ),
        (
            {"RateLimit": "limit=30, remaining=12, reset=4", "RateLimit-Policy": "30;w=10"},
            RateLimitState(30, 12, 4.0, "IETF RateLimit"),
        ),
        (
            {"RateLimit": '"default";r=12;t=4', "RateLimit-Policy": '"default";q=30;w=10'},
            RateLimitState(30, 12, 4.0, "IETF RateLimit"),
        ),
        ({"Content-Type": "application/json"}, None),
    ],
)
def test_rate_limit_conventions(headers: dict[str, str], expected: RateLimitState | None) -> None:
    assert parse_rate_limit(headers) == expected


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_counting_down_needs_headers_on_every_answer_and_a_decrease() -> None:
    state = lambda remaining: RateLimitState(30, remaining, 5.0, "x")  # noqa: E731
    assert counting_down_problems([state(29), state(28), state(27)]) == []
    assert counting_down_problems([state(2), state(1), state(29), state(28)]) == []  # window reset
    assert "never decreased" in counting_down_problems([state(30), state(30)])[0]
    assert "carried no" in counting_down_problems([state(29), None])[0]
    assert "one reading cannot show a countdown" in counting_down_problems([state(29)])[0]
