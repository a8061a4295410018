"""A local HTTP receiver for webhook deliveries, with bounded waits and HMAC verification."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from ..http import current_target, is_local_host
from ..masking import register_secret

MAX_BODY_BYTES = 1_000_000
RECEIVER_PATH = "/lattice-smoke/webhook"


@dataclass(frozen=True)
class WebhookHeaders:
    """Which headers of a delivery carry its signature, its event and its delivery id (the profile says)."""

    signature: str
    event: str
    delivery: str

    @classmethod
    def from_mapping(cls, names: Any) -> WebhookHeaders:
        """From the profile's ``WEBHOOK_HEADERS`` (``signature``, ``event``, ``delivery``)."""
        try:
            return cls(str(names["signature"]), str(names["event"]), str(names["delivery"]))
        except (KeyError, TypeError):
            raise AssertionError(
                f"Webhook header names must say 'signature', 'event' and 'delivery' (the profile's WEBHOOK_HEADERS), "
                f"got {names!r}"
            ) from None


def expected_signature(secret: str, body: bytes) -> str:
    """The signature header value a correctly signed delivery of ``body`` carries: ``sha256=<hex HMAC>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the HMAC-SHA256 of ``body`` with ``secret``, compared in constant time."""
    if not header:
        return False
    return hmac.compare_digest(expected_signature(secret, body).encode(), header.strip().encode())


@dataclass(frozen=True)
class Delivery:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


class WebhookReceiver:
    """A threaded HTTP server on ``host`` and a free port that records every POST it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._deliveries: list[Delivery] = []
        self._condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "smoke-receiver"
            sys_version = ""
            timeout = 10  # seconds per socket read: a sender that stalls cannot block the receiver

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = min(max(int(self.headers.get("Content-Length") or 0), 0), MAX_BODY_BYTES)
                body = self.rfile.read(length) if length else b""
                receiver._add(Delivery(self.path, {k: v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-receiver", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}{RECEIVER_PATH}"

    def _add(self, delivery: Delivery) -> None:
        with self._condition:
            self._deliveries.append(delivery)
            self._condition.notify_all()

    def deliveries(self) -> list[Delivery]:
        with self._condition:
            return list(self._deliveries)

    def wait_for(
        self, delivery: str | None, event: str | None, timeout: float, names: WebhookHeaders
    ) -> Delivery | None:
        """The first delivery with id ``delivery`` and ``event`` (None: any), waiting at most ``timeout`` s.

        ``names`` says which headers carry the delivery id and the event.
        """

        def match() -> Delivery | None:
            for item in self._deliveries:
                if delivery and item.header(names.delivery) != delivery:
                    continue
                if event and item.header(names.event) != event:
                    continue
                return item
            return None

        deadline = time.monotonic() + timeout
        with self._condition:
            found = match()
            while found is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._condition.wait(remaining)
                found = match()
            return found

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class WebhookReceiverKeywords:
    """Keywords that receive webhook deliveries on this machine and verify their signatures."""

    @property
    def _receiver(self) -> WebhookReceiver | None:
        return self.__dict__.get("_webhook_receiver")

    @_receiver.setter
    def _receiver(self, value: WebhookReceiver | None) -> None:
        self.__dict__["_webhook_receiver"] = value

    @keyword("Start Webhook Receiver")
    def start_webhook_receiver(self, host: str = "127.0.0.1") -> str:
        """Starts a local HTTP receiver on ``host`` and a free port; returns the URL to register.

        The receiver answers 204 to every POST and records it. Stop it with `Stop Webhook Receiver`.

        | ${url} =    Start Webhook Receiver    ${WEBHOOK_RECEIVER_HOST}
        """
        self.stop_webhook_receiver()
        self._receiver = WebhookReceiver(host)
        logger.info(f"Webhook receiver listening at {self._receiver.url}")
        return self._receiver.url

    @keyword("Stop Webhook Receiver")
    def stop_webhook_receiver(self) -> None:
        """Stops the receiver started by `Start Webhook Receiver`; does nothing when none runs.

        | [Teardown]    Stop Webhook Receiver
        """
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            receiver.stop()
            logger.info(f"Webhook receiver stopped after {len(receiver.deliveries())} deliveries")

    @keyword("Webhook Receiver Is Running")
    def webhook_receiver_is_running(self) -> bool:
        """Returns whether a receiver started by `Start Webhook Receiver` is running.

        | ${running} =    Webhook Receiver Is Running
        """
        return self._receiver is not None

    @keyword("Webhook Receiver Can Be Used")
    def webhook_receiver_can_be_used(self, setting: str | bool, base_url: str = "") -> bool:
        """Returns whether the local receiver can be used: ``setting`` true/false, or ``auto``.

        ``auto`` means: only when ``base_url``'s host (default: the target of `Use Target`) is this
        machine, because a remote target cannot reach a receiver here.

        | ${enabled} =    Webhook Receiver Can Be Used    ${WEBHOOK_RECEIVER_ENABLED}
        """
        base_url = base_url or current_target().base_url
        text = str(setting).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        if text not in ("", "auto", "none"):
            raise AssertionError(f"WEBHOOK_RECEIVER must be true, false or auto, got {setting!r}")
        enabled = is_local_host(urlsplit(base_url).hostname or "")
        logger.info(
            f"Local webhook receiver {'enabled' if enabled else 'disabled'}: "
            f"{base_url} {'is' if enabled else 'is not'} on this machine"
        )
        return enabled

    @keyword("Signed Delivery Should Arrive")
    def signed_delivery_should_arrive(
        self,
        secret: Secret,
        delivery: str = "",
        event: str = "ping",
        timeout: timedelta = timedelta(seconds=5),
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Waits at most ``timeout`` for a delivery and fails unless it carries a valid signature.

        ``headers`` names the headers (the profile's ``WEBHOOK_HEADERS``: ``signature``, ``event``,
        ``delivery``). The delivery must carry ``event`` and, when given, the delivery id
        ``delivery``; its signature header must equal ``sha256=<hex HMAC-SHA256 of the raw body
        with secret>`` (compared in constant time). Returns the delivery's headers (signature
        masked) and body.

        | Signed Delivery Should Arrive    ${secret}    ${delivery_id}    ping    5 s    headers=${WEBHOOK_HEADERS}
        """
        names = WebhookHeaders.from_mapping(headers)
        receiver = self._receiver
        if receiver is None:
            raise AssertionError("No webhook receiver runs: call 'Start Webhook Receiver' first")
        register_secret(secret.value)
        seconds = timeout.total_seconds()
        found = receiver.wait_for(delivery or None, event or None, seconds, names)
        if found is None:
            seen = [f"{d.header(names.event)} {d.header(names.delivery)}" for d in receiver.deliveries()] or ["nothing"]
            raise AssertionError(
                f"Expected a '{event}' delivery {delivery} at {receiver.url} within {seconds:g} s, "
                f"but the receiver got: {', '.join(seen)}"
            )
        header = found.header(names.signature)
        if not header:
            raise AssertionError(
                f"The '{event}' delivery {delivery} arrived without an {names.signature} header: "
                "receivers cannot tell it from a forgery"
            )
        if not signature_matches(secret.value, found.body, header):
            raise AssertionError(
                f"The '{event}' delivery {delivery} has an {names.signature} that does not match the "
                "HMAC-SHA256 of its body with the webhook's secret"
            )
        logger.info(f"The '{event}' delivery {delivery} arrived with a valid {names.signature}")
        shown = {k: ("***" if k.lower() == names.signature.lower() else v) for k, v in found.headers.items()}
        return {"headers": shown, "body": found.body.decode("utf-8", errors="replace")}
