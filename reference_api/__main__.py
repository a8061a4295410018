"""Command line: ``python -m reference_api --host H --port P [--tls] [--fault NAME] [--mutate SPEC] [--dialect D]``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from .app import create_app
from .config import DEFAULT_CA_BUNDLE, DIALECTS, ConfigError, Settings
from .db import DatabaseSetupError
from .faults import KNOWN_FAULTS, Faults, UnknownFaultError
from .mutations import CHANGES, Mutations, MutationSpecError
from .runtime import Runtime
from .tls import DEFAULT_HOSTNAMES, make_certificates, modern_context_factory


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m reference_api",
        description="The Lattice reference API.",
        epilog="Faults: "
        + ", ".join(sorted(KNOWN_FAULTS))
        + ". Mutations: 'METHOD PATH:CHANGE', CHANGE one of: "
        + "; ".join(CHANGES.values()),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000; 0 = any free)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throw-away CA")
    parser.add_argument(
        "--ca-bundle-out",
        type=Path,
        default=DEFAULT_CA_BUNDLE,
        help=f"where --tls writes the CA bundle (default {DEFAULT_CA_BUNDLE})",
    )
    parser.add_argument(
        "--tls-hostname",
        action="append",
        default=[],
        help=f"name or address for the server certificate (repeatable; default {', '.join(DEFAULT_HOSTNAMES)})",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="enable a deliberate defect (repeatable; also LATTICE_FAULTS)",
    )
    parser.add_argument(
        "--mutate",
        action="append",
        default=[],
        metavar="SPEC",
        help="change the answers to some requests, e.g. 'GET /health:status=500' "
        "(repeatable; also LATTICE_MUTATIONS, ';'-separated; see reference_api/mutations.py)",
    )
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default=None,
        help="the HTTP surface: contract (docs/design/api-contract.md), or classic or lean, "
        "differently shaped APIs over the same core (default LATTICE_DIALECT or contract; "
        "see reference_api/README.md)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("LATTICE_LOG_LEVEL", "info"),
        choices=["critical", "error", "warning", "info", "debug"],
    )
    return parser.parse_args(argv)


class _Server(uvicorn.Server):
    """uvicorn server that announces the bound address once it listens."""

    scheme = "http"
    ca_bundle: Path | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit or not self.servers:
            return
        host, port = self.config.host, self.config.port
        for server in self.servers:
            for sock in server.sockets:
                port = sock.getsockname()[1]
                break
        shown = f"[{host}]" if ":" in host else host
        print(f"Lattice reference API listening on {self.scheme}://{shown}:{port}", flush=True)
        if self.ca_bundle is not None:
            print(f"CA bundle written to: {self.ca_bundle}", flush=True)


class Stopped(Exception):
    """A stop signal arrived; raised so that the clean-up of :func:`main` runs (``code``: the exit status)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.code = 128 + signum


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the service; returns the exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        faults = Faults.from_sources(args.fault, os.environ.get("LATTICE_FAULTS"))
        mutations = Mutations.from_sources(args.mutate, os.environ.get("LATTICE_MUTATIONS"))
        settings = Settings.from_env()
        if args.dialect:
            settings = dataclasses.replace(settings, dialect=args.dialect)
        runtime = Runtime.build(settings, faults, mutations)
    except (UnknownFaultError, MutationSpecError, ConfigError, DatabaseSetupError) as exc:
        print(f"reference_api: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2
    logging.getLogger("reference_api").info("dialect: %s", settings.dialect)
    if faults.enabled:
        logging.getLogger("reference_api").warning("FAULTS ENABLED: %s", ", ".join(sorted(faults.enabled)))
    if mutations.enabled:
        logging.getLogger("reference_api").warning("MUTATIONS ENABLED: %s", "; ".join(map(str, mutations.enabled)))
    return serve(args, runtime)


def serve(args: argparse.Namespace, runtime: Runtime) -> int:
    """Serve until stopped; the TLS key folder is removed however the service stops (SIGTERM and SIGINT too)."""
    # uvicorn shuts down gracefully on SIGTERM and SIGINT, then raises the signal again with the
    # handlers that were in place before it started: these, which end the process through `finally`.
    previous = {signum: signal.signal(signum, _stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    key_dir = Path(tempfile.mkdtemp(prefix="lattice-tls-")) if args.tls else None
    try:
        options: dict[str, object] = {}
        tls_files = None
        if key_dir is not None:
            tls_files = make_certificates(args.ca_bundle_out, key_dir, args.tls_hostname or DEFAULT_HOSTNAMES)
            options = {"ssl_certfile": str(tls_files.server_pem), "ssl_context_factory": modern_context_factory}
        config = uvicorn.Config(
            create_app(runtime),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            server_header=False,
            proxy_headers=False,
            lifespan="on",
            **options,  # type: ignore[arg-type]
        )
        server = _Server(config)
        server.scheme = "https" if args.tls else "http"
        server.ca_bundle = tls_files.ca_bundle if tls_files else None
        server.run()
        return 0 if server.started else 1
    except Stopped as stopped:
        return stopped.code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if key_dir is not None:
            shutil.rmtree(key_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
