"""The TLS inspection against stand-in HTTPS servers made with trustme."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import requests
import trustme

from libraries.SmokeLibrary.health.tls import inspect_certificate, trust_store

from ._stand_ins import leaf, tls_stand_in, write_ca

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_bundle(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_ca(ca, tmp_path_factory.mktemp("ca"))


def test_a_good_certificate_passes_and_is_described(ca: trustme.CA, ca_bundle: str) -> None:
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
def test_bad_certificates_fail(
    ca: trustme.CA, ca_bundle: str, days_before: float, days_after: float, names: tuple[str, ...], problem: str
) -> None:
    with tls_stand_in(leaf(ca, *names, days_before=days_before, days_after=days_after)) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5, check_legacy=False)
    assert any(problem in failure for failure in report.failures), report.failures


def test_an_unknown_ca_fails(ca: trustme.CA, tmp_path: Path) -> None:
    other_bundle = write_ca(trustme.CA(), tmp_path)
    with tls_stand_in(leaf(ca)) as url:
        report = inspect_certificate(url, other_bundle, timeout=5, check_legacy=False)
    assert any("not issued by a trusted CA" in failure for failure in report.failures), report.failures


def test_expiry_within_the_warning_window_and_a_long_lifetime_warn(ca: trustme.CA, ca_bundle: str) -> None:
    with tls_stand_in(leaf(ca, days_before=500, days_after=20)) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5, check_legacy=False)
    assert report.failures == []
    assert any("expires in 20 days" in w for w in report.warnings)
    assert any("lifetime is 520 days" in w for w in report.warnings)


def test_a_server_accepting_tls_1_0_fails_when_the_local_openssl_can_still_offer_it(
    ca: trustme.CA, ca_bundle: str
) -> None:
    with tls_stand_in(leaf(ca), minimum=ssl.TLSVersion.TLSv1) as url:
        report = inspect_certificate(url, ca_bundle, timeout=5)
    verdict = report.legacy["TLS 1.0"]
    if verdict.startswith("not testable"):
        pytest.skip(f"the local OpenSSL cannot offer TLS 1.0: {verdict}")
    assert verdict == "ACCEPTED"
    assert any("accepts the obsolete TLS 1.0" in failure for failure in report.failures)


def request_accepts(url: str, ca_bundle: str) -> bool:
    """Whether a request as the suite sends it (``verify=CA_BUNDLE or True``) accepts the certificate."""
    try:
        requests.get(url, verify=ca_bundle or True, timeout=5)
    except requests.exceptions.SSLError:
        return False
    return True


@pytest.mark.parametrize(
    ("host", "names", "accepted"),
    [
        ("localhost", ("localhost",), True),
        ("127.0.0.1", ("127.0.0.1",), True),  # an IP address SAN
        ("127.0.0.1", ("localhost",), False),  # a DNS name never covers an IP address
        ("localhost", ("*.localhost",), False),  # a wildcard does not cover the bare domain
        ("localhost", ("other.example.org",), False),
    ],
)
def test_the_check_and_a_request_agree_about_host_names(
    ca: trustme.CA, ca_bundle: str, host: str, names: tuple[str, ...], accepted: bool
) -> None:
    with tls_stand_in(leaf(ca, *names)) as url:
        url = url.replace("127.0.0.1", host)
        report = inspect_certificate(url, ca_bundle, timeout=5, check_legacy=False)
        by_request = request_accepts(url, ca_bundle)
    assert by_request is accepted
    assert report.verified is by_request, report.failures
    assert any("hostname mismatch" in failure for failure in report.failures) is (not accepted), report.failures


def test_the_check_trusts_neither_more_nor_less_than_the_requests(
    ca: trustme.CA, ca_bundle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CA only in the operating system's store (SSL_CERT_FILE here) is trusted by neither; one in
    REQUESTS_CA_BUNDLE, which replaces requests' default, by both."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", ca_bundle)  # what ssl's default context (the system store) loads
    with tls_stand_in(leaf(ca)) as url:
        system_only = inspect_certificate(url, "", timeout=5, check_legacy=False)
        request_system_only = request_accepts(url, "")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_bundle)
        overridden = inspect_certificate(url, "", timeout=5, check_legacy=False)
        request_overridden = request_accepts(url, "")
    assert (request_system_only, system_only.verified) == (False, False), system_only.failures
    assert "certifi's bundle" in system_only.trust
    assert (request_overridden, overridden.verified) == (True, True), overridden.failures
    assert "REQUESTS_CA_BUNDLE" in overridden.trust


def test_the_trust_store_is_the_one_requests_use(ca_bundle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert trust_store(ca_bundle)[0] == ca_bundle
    assert trust_store("")[0] == requests.utils.DEFAULT_CA_BUNDLE_PATH
    with pytest.raises(AssertionError, match="does not exist"):
        trust_store("/no/such/ca.pem")
