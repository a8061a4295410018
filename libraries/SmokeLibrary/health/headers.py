"""Security response headers: a policy of required and recommended headers, judged per response.

The policy (``security_headers`` of the effective policies: the safe defaults of the profile
schema, with the profile's ``POLICIES`` over them) maps a header name to ``required`` (missing or
weak fails), ``recommended`` (missing or weak is a warning) or ``off`` (not judged). Headers with a
known meaning are judged on their value, not only their presence:

* ``X-Content-Type-Options`` must be ``nosniff``;
* ``Content-Security-Policy`` must be enforced (``-Report-Only`` alone counts as none) and must
  not allow ``*``, ``'unsafe-inline'`` or ``'unsafe-eval'`` in ``default-src``/``script-src``,
  except where the policy's ``csp_allowances`` allow a source in a directive on that route;
* ``X-Frame-Options`` stands for anti-framing: ``DENY``/``SAMEORIGIN`` or a CSP
  ``frame-ancestors`` that is not ``*`` satisfies it;
* ``Referrer-Policy`` must not leak full URLs (``unsafe-url``, ``origin``, ``no-referrer-when-downgrade``…);
* ``Strict-Transport-Security`` is judged only over HTTPS: ``max-age`` below the minimum fails,
  below the recommended value warns.

A Mozilla HTTP Observatory style score and letter grade is logged for each response.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from robot.api import logger
from robot.api.deco import keyword

from ..profile_core import policies
from ._common import log_table, request_line

REQUIRED = "required"
RECOMMENDED = "recommended"
OFF = "off"
UNSAFE_SOURCES = ("*", "'unsafe-inline'", "'unsafe-eval'", "data:", "http:", "https:")
SAFE_REFERRER_POLICIES = frozenset({"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"})
UNSAFE_REFERRER_POLICIES = frozenset({"unsafe-url", "origin", "origin-when-cross-origin", "no-referrer-when-downgrade"})
SAFE_FRAME_OPTIONS = frozenset({"deny", "sameorigin"})
VERSIONED_SERVER = re.compile(r"/\s*v?\d|\b\d+\.\d+")
GRADES = (
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
)


def parse_csp(value: str) -> dict[str, list[str]]:
    """Directives of a Content-Security-Policy value (first occurrence of a directive wins)."""
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.strip().split()
        if tokens and tokens[0].lower() not in directives:
            directives[tokens[0].lower()] = [token.lower() for token in tokens[1:]]
    return directives


def hsts_max_age(value: str) -> int | None:
    """The ``max-age`` of a Strict-Transport-Security value, or None when absent or malformed."""
    match = re.search(r"max-age\s*=\s*\"?(\d+)\"?", value, re.IGNORECASE)
    return int(match.group(1)) if match else None


@dataclass
class Verdict:
    """The judgement of one header of one response."""

    header: str
    value: str
    ok: bool
    problem: str = ""
    warning: str = ""


@dataclass
class HeaderReport:
    """Every verdict for one response, with its Observatory-style score."""

    target: str
    verdicts: list[Verdict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    score: int = 100

    @property
    def grade(self) -> str:
        return next((letter for floor, letter in GRADES if self.score >= floor), "F")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _judge_csp(headers: Mapping[str, str], allowed: Mapping[str, set[str]] | None = None) -> tuple[str, str]:
    """(value, problem) for Content-Security-Policy; ``allowed`` sources per directive are not unsafe here."""
    value = _header(headers, "Content-Security-Policy")
    if value is None:
        if _header(headers, "Content-Security-Policy-Report-Only") is not None:
            return "", "only Content-Security-Policy-Report-Only is sent, which enforces nothing"
        return "", "is missing"
    directives = parse_csp(value)
    if "default-src" not in directives and "script-src" not in directives:
        return value, "has neither default-src nor script-src, so it restricts no scripts"
    for name in ("script-src", "default-src"):
        sources = directives.get(name, [])
        permitted = (allowed or {}).get(name, set())
        unsafe = [s for s in sources if s in UNSAFE_SOURCES and s not in permitted]
        if unsafe:
            return value, f"allows {' '.join(unsafe)} in {name}"
    return value, ""


def _judge_framing(headers: Mapping[str, str]) -> tuple[str, str]:
    """(value, problem) for anti-framing: X-Frame-Options or CSP frame-ancestors."""
    csp = _header(headers, "Content-Security-Policy")
    ancestors = parse_csp(csp).get("frame-ancestors") if csp else None
    if ancestors and "*" not in ancestors:
        return f"CSP frame-ancestors {' '.join(ancestors)}", ""
    value = _header(headers, "X-Frame-Options")
    if value is None:
        return "", "is missing (and no CSP frame-ancestors), so pages can be framed"
    if value.strip().lower() not in SAFE_FRAME_OPTIONS:
        return (
            value,
            f"is '{value}', which does not prevent framing (expected DENY or SAMEORIGIN, or CSP frame-ancestors)",
        )
    return value, ""


def _judge_referrer(headers: Mapping[str, str]) -> tuple[str, str]:
    value = _header(headers, "Referrer-Policy")
    if value is None:
        return "", "is missing"
    policies = [p.strip().lower() for p in value.split(",") if p.strip()]
    effective = next((p for p in reversed(policies) if p in SAFE_REFERRER_POLICIES | UNSAFE_REFERRER_POLICIES), "")
    if effective not in SAFE_REFERRER_POLICIES:
        return value, (
            f"is '{value}', which leaks URLs to other origins "
            f"(expected one of {', '.join(sorted(SAFE_REFERRER_POLICIES))})"
        )
    return value, ""


def _judge_nosniff(headers: Mapping[str, str]) -> tuple[str, str]:
    value = _header(headers, "X-Content-Type-Options")
    if value is None:
        return "", "is missing (expected nosniff)"
    if value.strip().lower() != "nosniff":
        return value, f"is '{value}' (expected nosniff)"
    return value, ""


def judge_headers(
    target: str,
    headers: Mapping[str, str],
    policy: Mapping[str, str],
    https: bool,
    hsts_min_age: int = 15768000,
    hsts_recommended_age: int = 31536000,
    csp_allowed: Mapping[str, set[str]] | None = None,
) -> HeaderReport:
    """Judge one response's headers against ``policy``; pure, for unit tests and the keyword.

    ``csp_allowed`` are the sources each CSP directive may allow on this response's route.
    """
    report = HeaderReport(target)
    judges = {
        "x-content-type-options": _judge_nosniff,
        "content-security-policy": lambda headers: _judge_csp(headers, csp_allowed),
        "x-frame-options": _judge_framing,
        "referrer-policy": _judge_referrer,
    }
    for name, level in policy.items():
        level = str(level).strip().lower()
        if level == OFF:
            report.verdicts.append(Verdict(name, "(not judged: the profile's policy says off)", True))
            continue
        if level not in (REQUIRED, RECOMMENDED):
            raise ValueError(f"Policy level of {name} must be '{REQUIRED}', '{RECOMMENDED}' or '{OFF}', not '{level}'")
        key = name.lower()
        warning = ""
        if key == "strict-transport-security":
            if not https:
                report.verdicts.append(Verdict(name, "(not judged over plain HTTP)", True))
                continue
            value = _header(headers, name) or ""
            age = hsts_max_age(value) if value else None
            problem = ""
            if not value:
                problem = "is missing on an HTTPS response"
            elif age is None:
                problem = f"is '{value}' without a valid max-age"
            elif age < int(hsts_min_age):
                problem = f"max-age={age} is below {int(hsts_min_age)} seconds"
            elif age < int(hsts_recommended_age):
                warning = f"max-age={age} is below the recommended {int(hsts_recommended_age)} seconds"
        elif key in judges:
            value, problem = judges[key](headers)
        else:
            value = _header(headers, name) or ""
            problem = "" if value else "is missing"
        label = "anti-framing (X-Frame-Options)" if key == "x-frame-options" else name
        if problem:
            text = f"{label} {problem}"
            (report.failures if level == REQUIRED else report.warnings).append(text)
        if warning:
            report.warnings.append(f"{label} {warning}")
        report.verdicts.append(Verdict(name, value, not problem, problem, warning))
    report.score = observatory_score(headers, https, hsts_min_age)
    return report


def observatory_score(headers: Mapping[str, str], https: bool, hsts_min_age: int = 15768000) -> int:
    """A score in the spirit of Mozilla's HTTP Observatory (modifiers from its scoring table)."""
    score = 100
    csp_value, csp_problem = _judge_csp(headers)
    if not csp_value:
        score -= 25
    elif csp_problem:
        score -= 20
    elif parse_csp(csp_value).get("default-src") == ["'none'"]:
        score += 10
    framing_value, framing_problem = _judge_framing(headers)
    if framing_problem:
        score -= 20
    elif framing_value.startswith("CSP"):
        score += 5
    if _judge_nosniff(headers)[1]:
        score -= 5
    referrer_value, referrer_problem = _judge_referrer(headers)
    if referrer_value and not referrer_problem:
        score += 5
    elif referrer_value:
        score -= 5
    if https:
        age = hsts_max_age(_header(headers, "Strict-Transport-Security") or "")
        if age is None:
            score -= 20
        elif age < int(hsts_min_age):
            score -= 10
    return max(0, score)


def disclosures(headers: Mapping[str, str], forbidden: Sequence[str]) -> list[str]:
    """Headers that reveal the server software or its version."""
    found = [f"{name}: {_header(headers, name)}" for name in forbidden if _header(headers, name) is not None]
    server = _header(headers, "Server")
    if server and VERSIONED_SERVER.search(server):
        found.append(f"Server: {server} (names a version)")
    return found


def _group(problems: list[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = {}
    for problem, target in problems:
        grouped.setdefault(problem, []).append(target)
    return "; ".join(f"{problem} (on {', '.join(targets)})" for problem, targets in grouped.items())


class SecurityHeaderKeywords:
    """Keywords that judge security response headers."""

    @keyword("Responses Should Satisfy Header Policy")
    def responses_should_satisfy_header_policy(
        self,
        policy: Mapping[str, str],
        *responses: requests.Response,
        hsts_min_age: int = 15768000,
        hsts_recommended_age: int = 31536000,
        csp_allowances: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Fails when a required header of ``policy`` is missing or weak on any of ``responses``.

        A missing or weak *recommended* header is logged as a warning; an ``off`` one is not judged.
        HSTS is judged only on HTTPS responses: ``max-age`` under ``hsts_min_age`` fails, under
        ``hsts_recommended_age`` warns. ``csp_allowances`` (the policy's: routes, a directive and the
        sources it may allow there) let a CSP allow those sources on those routes. Logs each
        response's headers with their verdicts, and an HTTP Observatory style score and letter grade.

        | Responses Should Satisfy Header Policy | ${POLICY}[security_headers] | ${normal} | ${error} |
        | ... | hsts_min_age=${POLICY}[hsts_min_max_age] | csp_allowances=${POLICY}[csp_allowances] |
        """
        if not responses:
            raise AssertionError("No responses were given to judge.")
        failures: list[tuple[str, str]] = []
        warnings: list[tuple[str, str]] = []
        for response in responses:
            target = request_line(response)
            report = judge_headers(
                target,
                response.headers,
                policy,
                response.url.startswith("https://"),
                hsts_min_age,
                hsts_recommended_age,
                policies.csp_allowed_sources(csp_allowances, urlsplit(response.url).path or "/"),
            )
            log_table(
                f"{target} ({response.status_code}): Observatory-style score {report.score}, grade {report.grade}",
                ("header", "value", "verdict"),
                [
                    (v.header, v.value or "-", "ok" if v.ok and not v.warning else (v.problem or v.warning))
                    for v in report.verdicts
                ],
            )
            failures += [(problem, target) for problem in report.failures]
            warnings += [(warning, target) for warning in report.warnings]
        if warnings:
            logger.warn(f"Recommended security headers: {_group(warnings)}")
        if failures:
            raise AssertionError(f"Required security headers are missing or weak: {_group(failures)}")

    @keyword("Responses Should Not Disclose Server Software")
    def responses_should_not_disclose_server_software(
        self, forbidden_headers: Sequence[str], *responses: requests.Response
    ) -> None:
        """Fails when one of ``responses`` names its software: any of ``forbidden_headers`` or a versioned ``Server``.

        | Responses Should Not Disclose Server Software | ${DISCLOSURE_HEADERS} | ${normal} | ${error} |
        """
        found = [(item, request_line(r)) for r in responses for item in disclosures(r.headers, forbidden_headers)]
        if found:
            raise AssertionError(f"Expected no X-Powered-By and no versioned Server header, but found {_group(found)}")

    @keyword("Response Should Forbid Caching")
    def response_should_forbid_caching(self, response: requests.Response, policy: str = "no-store") -> None:
        """Fails unless ``Cache-Control`` of ``response`` (authenticated data) satisfies ``policy``.

        ``no-store`` (the safe default) needs ``no-store``; ``no-cache`` also accepts ``no-cache``;
        ``private`` also ``private``; ``unchecked`` only logs the header (the profile's
        ``POLICIES.cache_control``, a loosened policy the run records).

        | Response Should Forbid Caching | ${authenticated} | ${POLICY}[cache_control] |
        """
        value = response.headers.get("Cache-Control", "")
        directives = [d.strip().lower() for d in value.split(",")]
        accepted = policies.CACHE_DIRECTIVES.get(str(policy))
        if accepted is None:
            raise AssertionError(
                f"The Cache-Control policy is {policy!r}; it is one of {', '.join(policies.CACHE_DIRECTIVES)}"
            )
        if not accepted:
            logger.info(f"Cache-Control of {request_line(response)} not judged (policy unchecked): {value or 'none'}")
            return
        if not set(accepted) & set(directives):
            raise AssertionError(
                f"Expected Cache-Control: {' or '.join(accepted)} on the authenticated response "
                f"{request_line(response)}, but got {value or 'no Cache-Control header'}"
            )
