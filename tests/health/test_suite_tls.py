"""The SSL test against HTTPS stand-ins whose certificates are broken in one way each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from ._stand_ins import leaf, tls_stand_in, write_ca
from ._support import SSL_TEST, describe_run, run_health

pytestmark = pytest.mark.suites

CASES = [
    # (id, leaf certificate factory, use another CA as the bundle, substrings of the failure)
    ("expired", lambda ca: leaf(ca, days_before=60, days_after=-3), False, ["certificate has expired", "expired on"]),
    (
        "hostname_mismatch",
        lambda ca: leaf(ca, "other.example.org"),
        False,
        ["hostname mismatch: 127.0.0.1 is not covered", "other.example.org"],
    ),
    ("unknown_ca", lambda ca: leaf(ca), True, ["not issued by a trusted CA"]),
    ("expires_in_3_days", lambda ca: leaf(ca, days_after=3), False, ["expires in 3.0 days", "within 7 days"]),
]


@pytest.mark.parametrize(("make_leaf", "other_ca", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_certificate_fails_the_ssl_test(
    make_leaf: Callable[[trustme.CA], trustme.LeafCert], other_ca: bool, expected: list[str], tmp_path: Path
) -> None:
    ca = trustme.CA()
    bundle = write_ca(trustme.CA() if other_ca else ca, tmp_path)
    with tls_stand_in(make_leaf(ca)) as url:
        run = run_health(url, tmp_path / "out", tests=[SSL_TEST], env={"CA_BUNDLE": bundle})
    assert run.status(SSL_TEST) == "FAIL", describe_run(run)
    for fragment in expected:
        assert fragment in run.message(SSL_TEST), describe_run(run)


def test_a_certificate_expiring_within_the_warning_window_passes_with_a_warning(tmp_path: Path) -> None:
    ca = trustme.CA()
    bundle = write_ca(ca, tmp_path)
    with tls_stand_in(leaf(ca, days_after=20)) as url:
        run = run_health(url, tmp_path / "out", tests=[SSL_TEST], env={"CA_BUNDLE": bundle})
    assert run.status(SSL_TEST) == "PASS", describe_run(run)
    assert "expires in 20 days" in run.stdout
