"""The TLS inspection against stand-in HTTPS servers made with trustme."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from libraries.SmokeLibrary.health.tls import hostname_matches, inspect_certificate

from ._support import leaf, tls_stand_in, write_ca


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_ca(ca, tmp_path_factory.mktemp("ca"))


def test_a_good_certificate_passes_and_is_described(ca, ca_bundle):
    with tls_stand_in(leaf(ca, days_after=200)) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5)
    assert report.failures == [], report.failures
    assert report.protocol in ("TLSv1.2", "TLSv1.3")
    assert "127.0.0.1" in report.ip_addresses and report.key.startswith("ECDSA")
    assert 199 < report.days_left < 201
    assert set(report.legacy) == {"TLS 1.0", "TLS 1.1"}
    assert all(v == "refused" or v.startswith("not testable") for v in report.legacy.values())


@pytest.mark.parametrize(
    ("days_before", "days_after", "names", "problem"),
    [
        (30, -2, (), "expired on"),
        (1, 3, (), "expires in 3.0 days"),
        (1, 90, ("other.example.org",), "hostname mismatch: 127.0.0.1"),
    ],
)
def test_bad_certificates_fail(ca, ca_bundle, days_before, days_after, names, problem):
    with tls_stand_in(leaf(ca, *names, days_before=days_before, days_after=days_after)) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5, check_legacy=False)
    assert any(problem in failure for failure in report.failures), report.failures


def test_an_unknown_ca_fails(ca, tmp_path: Path):
    other_bundle = write_ca(trustme.CA(), tmp_path)
    with tls_stand_in(leaf(ca)) as url:
        report = inspect_certificate(url, other_bundle, timeout=5, check_legacy=False)
    assert any("not issued by a trusted CA" in failure for failure in report.failures), report.failures


def test_expiry_within_the_warning_window_and_a_long_lifetime_warn(ca, ca_bundle):
    with tls_stand_in(leaf(ca, days_before=500, days_after=20)) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5, check_legacy=False)
    assert report.failures == []
    assert any("expires in 20 days" in w for w in report.warnings)
    assert any("lifetime is 520 days" in w for w in report.warnings)


def test_a_server_accepting_tls_1_0_fails_when_the_local_openssl_can_still_offer_it(ca, ca_bundle):
    with tls_stand_in(leaf(ca), minimum=ssl.TLSVersion.TLSv1) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5)
    verdict = report.legacy["TLS 1.0"]
    if verdict.startswith("not testable"):
        pytest.skip(f"the local OpenSSL cannot offer TLS 1.0: {verdict}")
    assert verdict == "ACCEPTED"
    assert any("accepts the obsolete TLS 1.0" in failure for failure in report.failures)


@pytest.mark.parametrize(
    ("host", "dns", "ips", "expected"),
    [
        ("api.example.com", ["api.example.com"], [], True),
        ("api.example.com", ["*.example.com"], [], True),
        ("a.b.example.com", ["*.example.com"], [], False),
        ("example.com", ["*.example.com"], [], False),
        ("127.0.0.1", ["localhost"], ["127.0.0.1"], True),
        ("127.0.0.1", ["127.0.0.1"], [], False),
    ],
)
def test_hostname_matching(host, dns, ips, expected):
    assert hostname_matches(host, dns, ips) is expected
