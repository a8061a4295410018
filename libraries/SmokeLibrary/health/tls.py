"""TLS of an HTTPS target, checked over a real handshake with ``ssl`` and ``cryptography``.

The certificate is fetched once without verification (so that a broken certificate can still
be described), then verified over a second handshake with exactly the trust the suite's requests
use: ``CA_BUNDLE`` if given, else ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` (which ``requests``
lets replace its default), else certifi's bundle; never the operating system's store. Host
names are matched by ``ssl`` itself (``check_hostname``, no common-name fallback), as
``requests``/urllib3 do, so this check and every request give one answer about a certificate.
Expiry, key, signature algorithm, lifetime and protocol versions are judged on top.
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from requests.utils import DEFAULT_CA_BUNDLE_PATH
from robot.api import logger
from robot.api.deco import keyword

from ..http import current_target, is_local_host, target_timeout, target_url, tls_verification
from ._common import log_table

if TYPE_CHECKING:  # cryptography is imported where a certificate is read: the workflows suite never needs it
    from cryptography import x509

WEAK_SIGNATURE_HASHES = frozenset({"md5", "sha1"})
MODERN_PROTOCOLS = ("TLSv1.2", "TLSv1.3")
LEGACY_PROTOCOLS = (("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1))
#: OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH.
HOSTNAME_MISMATCH_CODES = frozenset({62, 64})
LOCAL_LIMITATIONS = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_SUITABLE_SIGNATURE_ALGORITHM")


def host_and_port(url: str) -> tuple[str, int]:
    """Host and port of an ``https://`` URL (port 443 by default)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise AssertionError(f"Cannot tell the host of {url!r}")
    return parts.hostname, parts.port or 443


@dataclass
class CertificateReport:
    """Everything the TLS check learned about one endpoint."""

    url: str
    subject: str = ""
    issuer: str = ""
    dns_names: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)
    not_before: datetime | None = None
    not_after: datetime | None = None
    days_left: float = 0.0
    lifetime_days: float = 0.0
    key: str = ""
    signature_hash: str = ""
    protocol: str = ""
    cipher: str = ""
    trust: str = ""
    verified: bool = False
    legacy: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("subject", self.subject),
            ("issuer", self.issuer),
            ("SANs", ", ".join(self.dns_names + self.ip_addresses) or "none"),
            ("protocol", self.protocol),
            ("cipher", self.cipher),
            ("valid from", f"{self.not_before:%Y-%m-%d %H:%M} UTC" if self.not_before else "-"),
            ("expires", f"{self.not_after:%Y-%m-%d %H:%M} UTC" if self.not_after else "-"),
            ("days left", f"{self.days_left:.1f}"),
            ("lifetime", f"{self.lifetime_days:.0f} days"),
            ("key", self.key),
            ("signature hash", self.signature_hash),
            ("verified against", self.trust),
            *((f"{name} offered", verdict) for name, verdict in self.legacy.items()),
        ]


def trust_store(ca_bundle: str) -> tuple[str, str]:
    """The CA file (or folder) the suite's requests verify against, and its name for messages.

    Resolved as ``requests`` resolves ``verify=CA_BUNDLE or True``: the given bundle; else
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` from the environment; else certifi's bundle.
    """
    verify = tls_verification(ca_bundle or True)
    if verify is not True:
        return str(verify), f"the CA bundle {verify} (CA_BUNDLE)"
    override = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if override:
        return override, f"the CA bundle {override} (REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE)"
    return DEFAULT_CA_BUNDLE_PATH, f"certifi's bundle {DEFAULT_CA_BUNDLE_PATH}"


def verifying_context(ca_bundle: str) -> tuple[ssl.SSLContext, str]:
    """An ``ssl`` context that trusts exactly what the requests trust and checks the host name as they do."""
    path, name = trust_store(ca_bundle)
    if os.path.isdir(path):
        context = ssl.create_default_context(capath=path)
    else:
        context = ssl.create_default_context(cafile=path)
    context.check_hostname = True
    context.hostname_checks_common_name = False  # as urllib3 sets it: SANs only
    return context, name


def _unverified_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _handshake(context: ssl.SSLContext, host: str, port: int, timeout: float) -> tuple[bytes, str, str]:
    with (
        socket.create_connection((host, port), timeout=timeout) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True) or b""
        cipher = tls.cipher()
        return der, tls.version() or "", cipher[0] if cipher else ""


def legacy_protocol_verdict(host: str, port: int, version: ssl.TLSVersion, timeout: float) -> str:
    """``refused``, ``ACCEPTED`` or ``not testable: <why>`` for one legacy protocol version."""
    try:
        context = _unverified_context()
        context.minimum_version = version
        context.maximum_version = version
        context.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError) as error:
        return f"not testable: the local OpenSSL cannot offer it ({error})"
    try:
        _handshake(context, host, port, timeout)
    except ssl.SSLError as error:
        reason = getattr(error, "reason", "") or ""
        if reason in LOCAL_LIMITATIONS:
            return f"not testable: the local OpenSSL cannot offer it ({reason})"
        return "refused"
    except (ConnectionError, TimeoutError, OSError):
        return "refused"
    return "ACCEPTED"


def inspect_certificate(
    url: str,
    ca_bundle: str = "",
    timeout: float = 10.0,
    fail_days: float = 7,
    warn_days: float = 30,
    max_lifetime_days: float = 398,
    min_rsa_bits: int = 2048,
    check_legacy: bool = True,
    now: datetime | None = None,
) -> CertificateReport:
    """Handshake with ``url`` and judge its certificate and protocols (failures and warnings in the report)."""
    host, port = host_and_port(url)
    report = CertificateReport(url)
    try:
        der, report.protocol, report.cipher = _handshake(_unverified_context(), host, port, timeout)
    except (ssl.SSLError, OSError) as error:
        report.failures.append(f"no TLS handshake with {host}:{port} is possible ({error})")
        return report
    from cryptography import x509

    certificate = x509.load_der_x509_certificate(der)
    _describe(certificate, report)
    context, report.trust = verifying_context(ca_bundle)
    try:
        _handshake(context, host, port, timeout)
        report.verified = True
    except ssl.SSLCertVerificationError as error:
        message = str(error.verify_message)
        if error.verify_code in HOSTNAME_MISMATCH_CODES:
            names = ", ".join(report.dns_names + report.ip_addresses) or "no subjectAltName at all"
            report.failures.append(
                f"hostname mismatch: {host} is not covered by the certificate's SANs ({names}; ssl: {message})"
            )
        else:
            untrusted = "issuer" in message or "self" in message
            report.failures.append(
                f"the certificate chain does not verify against {report.trust}: {message}"
                + (" (not issued by a trusted CA)" if untrusted else "")
            )
    except (ssl.SSLError, OSError) as error:
        report.failures.append(f"the verified handshake with {host}:{port} failed ({error})")
    _judge_dates(report, now or datetime.now(timezone.utc), fail_days, warn_days, max_lifetime_days)
    _judge_key(certificate, report, min_rsa_bits)
    if report.protocol not in MODERN_PROTOCOLS:
        report.failures.append(f"the negotiated protocol is {report.protocol or 'unknown'}, below TLS 1.2")
    if check_legacy:
        for name, version in LEGACY_PROTOCOLS:
            verdict = legacy_protocol_verdict(host, port, version, timeout)
            report.legacy[name] = verdict
            if verdict == "ACCEPTED":
                report.failures.append(f"the server accepts the obsolete {name}")
            elif verdict.startswith("not testable"):
                logger.info(f"Whether {host}:{port} refuses {name} could not be checked: {verdict}")
    return report


def _describe(certificate: x509.Certificate, report: CertificateReport) -> None:
    from cryptography import x509

    report.subject = certificate.subject.rfc4514_string()
    report.issuer = certificate.issuer.rfc4514_string()
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        report.dns_names = san.get_values_for_type(x509.DNSName)
        report.ip_addresses = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    report.not_before = certificate.not_valid_before_utc
    report.not_after = certificate.not_valid_after_utc
    algorithm = certificate.signature_hash_algorithm
    report.signature_hash = algorithm.name if algorithm else "none (EdDSA)"


def _judge_dates(
    report: CertificateReport, now: datetime, fail_days: float, warn_days: float, max_lifetime_days: float
) -> None:
    assert report.not_before is not None and report.not_after is not None
    report.days_left = (report.not_after - now).total_seconds() / 86400
    report.lifetime_days = (report.not_after - report.not_before).total_seconds() / 86400
    expiry = f"{report.not_after:%Y-%m-%d %H:%M} UTC"
    if report.days_left < 0:
        report.failures.append(f"the certificate expired on {expiry} ({-report.days_left:.0f} days ago)")
    elif report.days_left < float(fail_days):
        report.failures.append(
            f"the certificate expires in {report.days_left:.1f} days (on {expiry}), within {float(fail_days):g} days"
        )
    elif report.days_left < float(warn_days):
        report.warnings.append(f"the certificate expires in {report.days_left:.0f} days (on {expiry})")
    if report.not_before > now:
        report.failures.append(f"the certificate is not valid before {report.not_before:%Y-%m-%d %H:%M} UTC")
    if report.lifetime_days > float(max_lifetime_days):
        report.warnings.append(
            f"the certificate's lifetime is {report.lifetime_days:.0f} days, longer than the "
            f"{float(max_lifetime_days):g} days browsers accept for public certificates"
        )


def _judge_key(certificate: x509.Certificate, report: CertificateReport, min_rsa_bits: int) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        report.key = f"RSA {key.key_size} bits"
        if key.key_size < int(min_rsa_bits):
            report.failures.append(f"the RSA key has {key.key_size} bits, fewer than {int(min_rsa_bits)}")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        report.key = f"ECDSA {key.curve.name}"
    else:
        report.key = type(key).__name__
        report.failures.append(f"the key is {report.key}, neither RSA nor ECDSA")
    if report.signature_hash.lower() in WEAK_SIGNATURE_HASHES:
        report.failures.append(f"the certificate is signed with {report.signature_hash.upper()}, which is broken")


class TlsKeywords:
    """Keywords that check the TLS certificate and protocols of the target."""

    @keyword("TLS Certificate Should Be Valid")
    def tls_certificate_should_be_valid(
        self,
        url: str = "",
        ca_bundle: str | None = None,
        fail_days: float = 7,
        warn_days: float = 30,
        max_lifetime_days: float = 398,
        min_rsa_bits: int = 2048,
        timeout: float | None = None,
    ) -> None:
        """Fails unless the certificate of the HTTPS ``url`` is trusted, matches the host, is not
        about to expire, and TLS is modern.

        Over a real handshake: the chain verifies against ``ca_bundle`` (empty: the trust the
        requests use, certifi's bundle or ``REQUESTS_CA_BUNDLE``), the host name matches a SAN
        (checked by ``ssl``, as for every request), the certificate is valid for at least ``fail_days``
        more days (a warning under ``warn_days``), the key is RSA of at least ``min_rsa_bits`` or
        ECDSA, the signature is not SHA-1/MD5, TLS 1.2 or newer is negotiated and TLS 1.0/1.1 are
        refused (when the local OpenSSL can still offer them; otherwise this is logged). A
        lifetime over ``max_lifetime_days`` is a warning. ``timeout`` bounds each handshake in
        seconds. Subject, issuer, SANs, protocol, cipher, expiry and days left are logged. ``url``,
        ``ca_bundle`` and ``timeout`` default to those of `Use Target`.

        | TLS Certificate Should Be Valid | fail_days=${CERT_EXPIRY_FAIL_DAYS} | warn_days=${CERT_EXPIRY_WARN_DAYS} |
        """
        url, timeout = target_url(url), target_timeout(timeout)
        ca_bundle = current_target().ca_bundle if ca_bundle is None else ca_bundle
        report = inspect_certificate(
            url,
            ca_bundle,
            float(timeout),
            float(fail_days),
            float(warn_days),
            float(max_lifetime_days),
            int(min_rsa_bits),
        )
        log_table(f"TLS certificate of {url}", ("property", "value"), report.rows())
        for warning in report.warnings:
            logger.warn(f"TLS of {url}: {warning}")
        if report.failures:
            raise AssertionError(f"TLS of {url} is not acceptable: {'; '.join(report.failures)}")

    @keyword("Certificate Of Target Should Be Trusted")
    def certificate_of_target_should_be_trusted(
        self, url: str = "", ca_bundle: str | None = None, timeout: float | None = None
    ) -> None:
        """Fails with the reason when an HTTPS ``url`` presents a certificate clients will reject; passes for HTTP.

        Meant for a suite setup: instead of a bare "certificate verify failed", the failure
        names the problem (expired, hostname mismatch, unknown CA). ``ca_bundle`` is the CA file to
        trust (empty: what the requests trust, certifi's bundle or ``REQUESTS_CA_BUNDLE``);
        ``timeout`` bounds the handshake in seconds. ``url``, ``ca_bundle`` and ``timeout`` default
        to those of `Use Target`.

        | Certificate Of Target Should Be Trusted |
        """
        url, timeout = target_url(url), target_timeout(timeout)
        ca_bundle = current_target().ca_bundle if ca_bundle is None else ca_bundle
        if not url.lower().startswith("https://"):
            return
        report = inspect_certificate(
            url,
            ca_bundle,
            float(timeout),
            fail_days=0,
            warn_days=0,
            max_lifetime_days=float("inf"),
            min_rsa_bits=0,
            check_legacy=False,
        )
        blocking = [f for f in report.failures if not f.startswith("no TLS handshake")]
        if blocking:
            raise AssertionError(f"Clients will reject the certificate of {url}: {'; '.join(blocking)}")

    @keyword("Warn If Target Sends Credentials In Clear")
    def warn_if_target_sends_credentials_in_clear(self, url: str = "") -> None:
        """Logs a warning when ``url`` (default: the target of `Use Target`) is plain HTTP to a
        host other than this machine.

        | Warn If Target Sends Credentials In Clear |
        """
        url = target_url(url)
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_local_host(parts.hostname or ""):
            logger.warn(f"{url} is plain HTTP to another host: credentials and tokens travel in clear text.")
