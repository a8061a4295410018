"""Unit tests of the header policy, the CORS judgement and the leak patterns, on plain dicts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from libraries.SmokeLibrary.health.cors import allowed_preflight_problems, refused_preflight_problems
from libraries.SmokeLibrary.health.errors import leaks_in
from libraries.SmokeLibrary.health.headers import HeaderReport, disclosures, judge_headers

pytestmark = pytest.mark.unit

CONTRACT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
POLICY = {
    "X-Content-Type-Options": "required",
    "Content-Security-Policy": "required",
    "X-Frame-Options": "required",
    "Referrer-Policy": "required",
    "Strict-Transport-Security": "required",
    "Permissions-Policy": "recommended",
}


def _judge(changes: dict[str, str | None], https: bool = True) -> HeaderReport:
    headers = {k: v for k, v in {**CONTRACT_HEADERS, **changes}.items() if v is not None}
    return judge_headers("GET https://api.example.com/health", headers, POLICY, https)


def test_contract_headers_pass_with_an_a_plus() -> None:
    report = _judge({})
    assert report.failures == []
    assert report.warnings == ["Permissions-Policy is missing"]
    assert (report.score, report.grade) == (120, "A+")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"X-Content-Type-Options": None}, "X-Content-Type-Options is missing"),
        ({"X-Content-Type-Options": "sniff"}, "X-Content-Type-Options is 'sniff'"),
        (
            {"Content-Security-Policy": None, "Content-Security-Policy-Report-Only": "default-src 'none'"},
            "only Content-Security-Policy-Report-Only",
        ),
        ({"Content-Security-Policy": "default-src 'self' 'unsafe-inline'"}, "allows 'unsafe-inline' in default-src"),
        ({"Content-Security-Policy": "img-src 'self'", "X-Frame-Options": "ALLOWALL"}, "does not prevent framing"),
        ({"Referrer-Policy": "unsafe-url"}, "Referrer-Policy is 'unsafe-url'"),
        ({"Referrer-Policy": None}, "Referrer-Policy is missing"),
        ({"Strict-Transport-Security": "max-age=300"}, "max-age=300 is below 15768000"),
        ({"Strict-Transport-Security": None}, "Strict-Transport-Security is missing on an HTTPS response"),
    ],
)
def test_missing_or_weak_required_headers_fail(changes: dict[str, str | None], expected: str) -> None:
    report = _judge(changes)
    assert any(expected in failure for failure in report.failures), report.failures
    assert report.score < 120


def test_anti_framing_is_satisfied_by_csp_frame_ancestors_alone() -> None:
    assert _judge({"X-Frame-Options": None}).failures == []
    assert (
        "anti-framing" in _judge({"X-Frame-Options": None, "Content-Security-Policy": "default-src 'none'"}).failures[0]
    )


def test_hsts_between_six_months_and_a_year_warns_and_plain_http_ignores_it() -> None:
    report = _judge({"Strict-Transport-Security": "max-age=20000000"})
    assert report.failures == [] and any("below the recommended" in w for w in report.warnings)
    assert _judge({"Strict-Transport-Security": None}, https=False).failures == []


def test_server_disclosure() -> None:
    assert disclosures({"Server": "uvicorn"}, ["X-Powered-By"]) == []
    found = disclosures({"Server": "nginx/1.25.3", "X-Powered-By": "Express"}, ["X-Powered-By"])
    assert found == ["X-Powered-By: Express", "Server: nginx/1.25.3 (names a version)"]


# -- CORS ------------------------------------------------------------------------------
ORIGIN = "https://app.example.com"
GOOD_PREFLIGHT = {
    "Access-Control-Allow-Origin": ORIGIN,
    "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE",
    "Access-Control-Allow-Credentials": "true",
    "Vary": "Origin",
}


def test_a_correct_preflight_passes() -> None:
    assert allowed_preflight_problems(GOOD_PREFLIGHT, 204, ORIGIN, "GET") == []
    assert refused_preflight_problems({"Vary": "Origin"}, "null") == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Access-Control-Allow-Origin": "*"}, "'*' together with Access-Control-Allow-Credentials"),
        ({"Access-Control-Allow-Origin": "https://other.example.com"}, "expected exactly"),
        ({"Vary": "Accept-Encoding"}, "Vary"),
        ({"Access-Control-Allow-Methods": "POST"}, "include GET"),
    ],
)
def test_wrong_preflights_for_an_allowed_origin(changes: dict[str, str], expected: str) -> None:
    problems = allowed_preflight_problems({**GOOD_PREFLIGHT, **changes}, 200, ORIGIN, "GET")
    assert any(expected in problem for problem in problems), problems


def test_a_reflected_or_wildcard_origin_is_not_a_refusal() -> None:
    assert "disallowed origin 'null'" in refused_preflight_problems({"Access-Control-Allow-Origin": "null"}, "null")[0]
    assert (
        "'*' together"
        in refused_preflight_problems(
            {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"}, "https://evil.example.net"
        )[0]
    )


# -- leak patterns, read from variables/health.resource ------------------------------------
def _leak_patterns() -> list[str]:
    from robot.running.builder import ResourceFileBuilder
    from robot.variables import Variables

    resource = ResourceFileBuilder().build(str(Path(__file__).parents[2] / "variables" / "health.resource"))
    variables = Variables()
    variables.set_from_variable_section(resource.variables)
    return list(variables["@{LEAK_PATTERNS}"])


@pytest.mark.parametrize(
    "body",
    [
        'Traceback (most recent call last):\n  File "/srv/lattice/app.py", line 12, in boom',
        "sqlalchemy.exc.OperationalError: no such table",
        '{"detail": "SELECT secret_column FROM table_that_does_not_exist"}',
        "at com.example.Api.handle(Api.java:42)",
        '{"detail": "error in C:\\\\inetpub\\\\app\\\\x.cs"}',
        '{"detail": "FastAPI could not decode"}',
    ],
)
def test_leak_patterns_catch_internals(body: str) -> None:
    assert leaks_in(body, _leak_patterns()), body


@pytest.mark.parametrize(
    "body",
    [
        '{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No such resource",'
        ' "instance": "/api/v1/smoke-test-no-such-resource"}',
        '{"type": "https://errors.example.com/validation", "title": "Invalid JSON", "status": 400,'
        ' "detail": "The body is not valid JSON", "instance": "/api/v1/auth/login"}',
    ],
)
def test_leak_patterns_leave_clean_problems_alone(body: str) -> None:
    assert leaks_in(body, _leak_patterns()) == []
    assert all(re.compile(p) for p in _leak_patterns())
