"""HTTPS mode: a throw-away CA (trustme) and a server certificate, TLS 1.2 or newer only."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import trustme

from .models import UTC

DEFAULT_HOSTNAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class TlsFiles:
    """Where the CA bundle and the server's key and chain were written."""

    ca_bundle: Path
    server_pem: Path


def make_certificates(ca_bundle_out: Path, key_dir: Path, hostnames: Sequence[str] = DEFAULT_HOSTNAMES) -> TlsFiles:
    """Create a CA and a server certificate for ``hostnames``; write the CA bundle, and the key into ``key_dir``."""
    ca = trustme.CA(organization_name="Lattice reference API test CA")
    now = dt.datetime.now(UTC)
    server = ca.issue_cert(*hostnames, not_before=now - dt.timedelta(hours=1), not_after=now + dt.timedelta(days=90))
    ca_bundle_out = ca_bundle_out.expanduser().resolve()
    ca_bundle_out.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_bundle_out))
    server_pem = key_dir / "server.pem"
    server.private_key_and_cert_chain_pem.write_to_path(str(server_pem))
    server_pem.chmod(0o600)
    return TlsFiles(ca_bundle=ca_bundle_out, server_pem=server_pem)


def modern_context_factory(config: object, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """uvicorn ``ssl_context_factory``: the default context, refusing TLS 1.0 and 1.1."""
    context = default()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
