"""The health report and the security headers as the profile describes them: components, words, layout,
CSP allowances per route, header levels and the Cache-Control policy."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from libraries.SmokeLibrary.health.headers import SecurityHeaderKeywords, judge_headers
from libraries.SmokeLibrary.health.health_formats import (
    MISSING,
    HealthFormatKeywords,
    contradictions,
    parse_health_document,
    required_names,
)

pytestmark = pytest.mark.unit

LEAN = {"status": "ok", "components": {"database": "up"}}
COMPONENTS = {
    "database": {"names": ["database", "db"], "required": True},
    "cache": {"names": ["redis"], "required": False},
    "queue": {"names": ["rabbit"], "required": True},
}


def health_answer(body: Any, status: int = 200) -> SimpleNamespace:
    import json

    text = json.dumps(body)
    request = SimpleNamespace(method="GET", url="http://api/health", body=None, headers={})
    return SimpleNamespace(
        status_code=status,
        text=text,
        content=text.encode(),
        url="http://api/health",
        request=request,
        headers={"Content-Type": "application/json"},
        json=lambda: json.loads(text),
    )


def test_a_lean_report_reads_its_components_with_the_known_words() -> None:
    document = parse_health_document(LEAN)
    assert (document.status, document.check(["database"])) == ("pass", ("database", "pass"))
    assert document.check(["redis"]) == ("", MISSING)


def test_a_profile_adds_words_and_says_where_the_components_sit() -> None:
    body = {"status": "green", "database": "red", "checks": {"database": {"status": "green"}}}
    words = {"healthy": ["green"], "unhealthy": ["red"]}
    nested = parse_health_document(body, words=words, layout="nested")
    assert nested.status == "pass" and nested.check(["database"]) == ("database", "pass")
    flat = parse_health_document(body, words=words, layout="flat")
    assert flat.check(["database"]) == ("database", "fail")
    assert contradictions(flat, ["database"]) == ["database 'red'"]
    with pytest.raises(ValueError, match="not one of pass/warn/fail"):
        parse_health_document(body)  # "green" is no known word without the profile's
    with pytest.raises(AssertionError, match="HEALTH_STATUS_WORDS has 'fine'"):
        parse_health_document(body, words={"fine": ["green"]})


def test_required_components_and_demanded_roles_make_the_contradiction_rule() -> None:
    assert required_names(COMPONENTS) == ["database", "db", "rabbit"]
    assert required_names(COMPONENTS, ["cache"]) == ["database", "db", "redis", "rabbit"]


def test_the_other_listed_components_must_be_reported_and_required_ones_pass() -> None:
    keywords = HealthFormatKeywords()
    own = ["database", "cache"]
    keywords.health_components_should_be_reported(health_answer(LEAN), {"database": COMPONENTS["database"]})
    with pytest.raises(
        AssertionError, match=r"no 'rabbit' check \(queue, named one of rabbit\); checks present: database"
    ):
        keywords.health_components_should_be_reported(health_answer(LEAN), COMPONENTS, except_roles=own)
    degraded = {"status": "warn", "components": {"database": "up", "rabbit": "down"}}
    with pytest.raises(AssertionError, match=r"the required check 'rabbit' \(queue\) is 'fail'"):
        keywords.health_components_should_be_reported(health_answer(degraded), COMPONENTS, except_roles=own)


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
POLICY = {name: "required" for name in ("X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options")}


def test_a_csp_allowance_holds_on_its_routes_only() -> None:
    refused = judge_headers("GET /docs", HEADERS, POLICY, https=False)
    assert refused.failures == ["Content-Security-Policy allows 'unsafe-inline' in script-src"]
    allowed = judge_headers("GET /docs", HEADERS, POLICY, https=False, csp_allowed={"script-src": {"'unsafe-inline'"}})
    assert allowed.failures == []


def test_a_header_the_policy_turns_off_is_not_judged() -> None:
    report = judge_headers(
        "GET /x", {**HEADERS, "X-Frame-Options": "ALLOWALL"}, {**POLICY, "X-Frame-Options": "off"}, False
    )
    assert not any("framing" in failure for failure in report.failures)


def test_the_keyword_applies_the_allowances_by_the_answers_path() -> None:
    keywords = SecurityHeaderKeywords()
    allowances = [{"paths": ["/docs"], "directive": "script-src", "sources": ["'unsafe-inline'"]}]

    def answer_at(path: str) -> SimpleNamespace:
        request = SimpleNamespace(method="GET", url=f"http://api{path}", body=None, headers={})
        return SimpleNamespace(status_code=200, url=f"http://api{path}", request=request, headers=HEADERS)

    keywords.responses_should_satisfy_header_policy(POLICY, answer_at("/docs"), csp_allowances=allowances)
    with pytest.raises(AssertionError, match=r"allows 'unsafe-inline' in script-src \(on GET http://api/health\)"):
        keywords.responses_should_satisfy_header_policy(
            POLICY, answer_at("/docs"), answer_at("/health"), csp_allowances=allowances
        )


@pytest.mark.parametrize(
    ("policy", "cache_control", "passes"),
    [
        ("no-store", "no-store, private", True),
        ("no-store", "no-cache", False),
        ("no-cache", "no-cache", True),
        ("private", "private, max-age=0", True),
        ("private", "public, max-age=60", False),
        ("unchecked", "", True),
    ],
)
def test_the_cache_control_policy(policy: str, cache_control: str, passes: bool) -> None:
    request = SimpleNamespace(method="GET", url="http://api/me", body=None, headers={})
    headers = {"Cache-Control": cache_control} if cache_control else {}
    response = SimpleNamespace(status_code=200, url="http://api/me", request=request, headers=headers)
    if passes:
        SecurityHeaderKeywords().response_should_forbid_caching(response, policy)
    else:
        with pytest.raises(AssertionError, match="Expected Cache-Control: no-store"):
            SecurityHeaderKeywords().response_should_forbid_caching(response, policy)
