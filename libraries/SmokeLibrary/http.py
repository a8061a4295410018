"""HTTP helpers that keep secrets out of the log and make failures explain themselves."""

from __future__ import annotations

import contextlib
import heapq
import io
import ipaddress
import itertools
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .masking import (
    SENSITIVE_HEADERS,
    answer_for_log,
    contains_secret,
    json_or_none,
    keys_of,
    mask_text,
    register_answer_secrets,
    register_secret,
    register_secret_locations,
    values_at,
)

EXCERPT_LIMIT = 300
#: Default size cap of an answer (``${MAX_RESPONSE_BYTES}`` in the suites): the rest is not read.
DEFAULT_MAX_RESPONSE_BYTES = 1_000_000
#: No setting reads more of one answer than this: a smoke test never needs 16 MB of an answer, and a
#: hostile target must not be able to make a robot process hold gigabytes.
MAX_RESPONSE_BYTES_CEILING = 16_000_000
_CHUNK = 64 * 1024


#: Where the library records, in the suite's metadata, what it actually tested (JSON): the origin
#: every request went to and the TLS trust it verified the target with. The runner compares it with
#: the target it judged (``smoke_runner/decide/evidence.py``): a run that tested anything else never passes.
EVIDENCE_METADATA = "Run Evidence"


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url`` (host lower-cased, the default port written out, no user
    part): two URLs reach the same server only if their origins are equal as text."""
    parts = urlsplit(str(url))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = None
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def trust_of(url: str, verify: bool | str) -> str:
    """How ``url`` is verified with ``verify`` (from `Use Target`): ``CA bundle PATH``, ``default
    trust store`` or ``plain HTTP``."""
    if urlsplit(str(url)).scheme.lower() != "https":
        return "plain HTTP"
    if isinstance(verify, str) and verify.strip().lower() != "true":
        return f"CA bundle {verify}"
    return "default trust store"


@dataclass
class Target:
    """The target every keyword uses unless given another: set once per suite by `Use Target`."""

    base_url: str = ""
    verify: bool | str = True
    timeout: float = 30.0
    ca_bundle: str = ""
    allow_plaintext: bool = False

    @property
    def origin(self) -> str:
        """The origin every request of the run must go to ("" before `Use Target`)."""
        return origin_of(self.base_url) if self.base_url else ""


class _Pin:
    """The run's target, pinned by the first `Use Target` of the process (one robot process runs
    one suite): a later one may only repeat it."""

    def __init__(self) -> None:
        self.target = Target()

    def pin(self, target: Target) -> None:
        if self.target.base_url and target.origin != self.target.origin:
            raise AssertionError(
                f"The target of this run is {self.target.origin}; refusing to switch to {mask_text(target.origin)}: "
                "a run tests one target"
            )
        self.target = target


_PIN = _Pin()


def configure_target(target: Target) -> None:
    """Make ``target`` the one the keywords use by default (the first one pins the run's origin)."""
    _PIN.pin(target)


def current_target() -> Target:
    """The target set by `Use Target` (an empty base URL when none was set)."""
    return _PIN.target


def target_url(url_or_path: str = "") -> str:
    """``url_or_path`` when it is a full URL; otherwise the configured base URL followed by it."""
    text = str(url_or_path or "")
    if "://" in text:
        return text
    if not _PIN.target.base_url:
        raise AssertionError(f"No target to send {text or 'requests'} to: call 'Use Target' in the suite setup first")
    return _PIN.target.base_url.rstrip("/") + text


def target_verify(verify: bool | str | None = None) -> bool | str:
    """``verify`` when given, else the configured TLS verification."""
    return _PIN.target.verify if verify is None or verify == "" else verify


def target_timeout(timeout: float | str | None = None) -> float:
    """``timeout`` when given, else the configured one (seconds)."""
    return _PIN.target.timeout if timeout is None or timeout == "" else float(timeout)


class BearerAuth(requests.auth.AuthBase):
    """Adds ``Authorization: Bearer <token>`` to each request; prints as ``BearerAuth(***)``."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "BearerAuth(***)"

    __str__ = __repr__


def describe_response(response: requests.Response) -> str:
    """One line naming the request and what came back, with a masked, short body excerpt."""
    request = response.request
    content_type = response.headers.get("Content-Type", "no content type")
    return mask_text(
        f"{request.method} {response.url} answered {response.status_code} ({content_type}): "
    ) + answer_for_log(response, EXCERPT_LIMIT)


def unexpected_status(response: requests.Response, expected: tuple[int | str, ...]) -> str | None:
    """``"expected HTTP 201 or 200, but POST … answered 500 …"`` when the status is not one of
    ``expected``; None when it is."""
    allowed = [int(code) for code in expected]
    if response.status_code in allowed:
        return None
    return f"expected HTTP {' or '.join(str(code) for code in allowed)}, but {describe_response(response)}"


def assert_step_answer(step: str, response: requests.Response, expected: tuple[int | str, ...]) -> None:
    """Raises ``AssertionError`` naming ``step``, the request and what came back unless ``response``
    has one of the ``expected`` statuses; logs the step's request and status when it has."""
    problem = unexpected_status(response, expected)
    if problem:
        raise AssertionError(f"Step '{step}': {problem}")
    logger.info(f"Step '{step}': {response.request.method} {response.url} answered {response.status_code}")


def tls_verification(verify: bool | str) -> bool | str:
    """``verify`` as ``requests`` takes it: True, or the path of an existing CA bundle (file or folder).

    Fails for anything that would switch verification off or quietly fall back (``False``, ``"false"``,
    an empty string, a CA bundle that does not exist).
    """
    if verify is True or str(verify).strip().lower() == "true":
        return True
    text = "" if verify is False or verify is None else str(verify).strip()
    if not text or text.lower() in ("false", "0", "no", "off", "none"):
        raise AssertionError(
            f"TLS verification must not be switched off (got verify={verify!r}); "
            "give a CA bundle with CA_BUNDLE instead."
        )
    if not os.path.exists(text):
        raise AssertionError(f"The CA bundle {text} (CA_BUNDLE) does not exist; TLS could not be verified with it.")
    return text


def json_body(response: requests.Response) -> Any:
    """The response body parsed as JSON, or an ``AssertionError`` that shows what came instead."""
    try:
        return response.json()
    except ValueError:
        raise AssertionError(f"Expected a JSON body, but {describe_response(response)}") from None


def assert_problem_details(response: requests.Response) -> None:
    """Raises ``AssertionError`` unless ``response`` is RFC 9457 problem+json (``type``, ``title``,
    ``detail``, and a ``status`` equal to the HTTP status)."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != "application/problem+json":
        raise AssertionError(f"Expected Content-Type application/problem+json, but {describe_response(response)}")
    body = json_body(response)
    members = ("type", "title", "status", "detail")
    missing = [member for member in members if not isinstance(body, dict) or member not in body]
    if missing:
        raise AssertionError(f"Problem details lack {', '.join(missing)}: {describe_response(response)}")
    if body["status"] != response.status_code:
        raise AssertionError(
            f"Problem member 'status' is {json.dumps(body['status'])} but the HTTP status is "
            f"{response.status_code}: {describe_response(response)}"
        )


def resolves_to_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address (False if it does not resolve):
    a ``*.localhost`` name is local only if the resolver says so, not because of its spelling."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(addresses) and all(
            ipaddress.ip_address(str(address).split("%", 1)[0]).is_loopback for address in addresses
        )
    except ValueError:
        return False


def is_local_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost`` or a loopback address)."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    if host.endswith(".localhost"):
        return resolves_to_loopback(host)
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- Bounded, redirect-safe requests ------------------------------------------------------------
class AnswerTimeout(requests.exceptions.Timeout):
    """The whole exchange (connect, send, every byte of the answer) took longer than its deadline."""

    ROBOT_SUPPRESS_NAME = True


class TargetStalled(requests.exceptions.Timeout):
    """A request not sent because an earlier exchange with the same target ran into its deadline."""

    ROBOT_SUPPRESS_NAME = True


class _StallRecord:
    """The first exchange per target (scheme and host) of this process that ran into its deadline.

    A target that let one whole exchange run past ``API_TIMEOUT`` is treated as hanging: every
    later request to it fails at once, naming that first exchange, so a deployment that stalls
    after its health check is judged in seconds instead of one ``API_TIMEOUT`` per request (a
    suite makes dozens). The record lives as long as the process: one robot process runs one suite.
    """

    def __init__(self) -> None:
        self._first: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _target(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"

    def remember(self, url: str, what: str) -> None:
        with self._lock:
            self._first.setdefault(self._target(url), what)

    def first_stall(self, url: str) -> str | None:
        with self._lock:
            return self._first.get(self._target(url))

    def forget(self) -> None:
        with self._lock:
            self._first.clear()


STALLS = _StallRecord()
#: An exchange interrupted after this many seconds (by the test's timeout) counts as a stall.
INTERRUPTED_STALL_SECONDS = 1.0
#: The runner's tag of a failure a second attempt would only repeat (smoke_runner/rerun/policy.py):
#: a test that met a stalled target is not re-run, so one stalling endpoint costs one timeout, not two.
NOT_WORTH_A_RERUN_TAG = "no-rerun"


def _not_worth_a_rerun() -> None:
    """Tag the running test ``no-rerun`` (outside a test, e.g. in a suite setup, nothing happens)."""
    with contextlib.suppress(Exception):
        builtin = BuiltIn()
        if builtin.get_variable_value("${TEST NAME}") is not None:
            builtin.set_tags(NOT_WORTH_A_RERUN_TAG)


class OtherOriginRefused(AssertionError):
    """A request to an origin that is not the run's target: never sent."""

    ROBOT_SUPPRESS_NAME = True


class UnsafeRedirect(AssertionError):
    """A redirect that must not be followed (credentials on board, or a target that is not safe)."""

    ROBOT_SUPPRESS_NAME = True


class _Watchdog:
    """One thread that expires every request's deadline when it passes (instead of a timer thread
    per request: starting a thread costs about a millisecond on a busy machine, per request).

    Deadlines wait in a heap ordered by their end; the thread sleeps until the earliest one and is
    woken only when a new deadline ends before it. Finished deadlines are dropped when they come
    first, so the heap holds at most the requests of one ``API_TIMEOUT``.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        with self._condition:
            first = not self._heap or deadline.ends < self._heap[0][0]
            heapq.heappush(self._heap, (deadline.ends, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="request-deadlines", daemon=True)
                self._thread.start()
            elif first:
                self._condition.notify()

    def _next_expired(self) -> _Deadline:
        with self._condition:
            while True:
                while self._heap and self._heap[0][2].finished:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                ends, _, deadline = self._heap[0]
                remaining = ends - time.monotonic()
                if remaining <= 0:
                    heapq.heappop(self._heap)
                    return deadline
                self._condition.wait(remaining)

    def _run(self) -> None:
        while True:
            self._next_expired().expire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """A monotonic deadline for one request; when it passes, the request's sockets are shut down.

    Shutting the socket down is what ends a read that a per-read timeout cannot end: a server
    that trickles one byte a second never lets a single read time out. One watchdog thread
    (`_Watchdog`) expires the deadlines of all requests.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def finished(self) -> bool:
        return self._done

    def start(self) -> None:
        _WATCHDOG.add(self)

    def remaining(self) -> float:
        return max(0.001, self.ends - time.monotonic())

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if self._done:
                return
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


def _watch_connection(connection: HTTPConnection) -> None:
    deadline = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    """A connection whose socket the current request's deadline watches (also the HTTPS one's base)."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch_connection(self)
        super().request(*args, **kwargs)
        _watch_connection(self)

    def getresponse(self) -> Any:
        _watch_connection(self)
        return super().getresponse()


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    """The same watch over TLS (the method order reaches HTTPSConnection before HTTPConnection)."""


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


def carries_credentials(request: requests.PreparedRequest) -> bool:
    """Whether ``request`` carries a password or token.

    That is: a credential header, or a registered secret in its body or URL.
    """
    if any(str(name).lower() in SENSITIVE_HEADERS for name in request.headers):
        return True
    body = request.body if isinstance(request.body, (str, bytes)) else None
    return contains_secret(body) or contains_secret(request.url) or "@" in urlsplit(request.url or "").netloc


def plaintext_problem(url: str, allow_plaintext: bool) -> str | None:
    """Why credentials must not go to ``url`` (plain HTTP to a host that is not this machine), or None."""
    parts = urlsplit(url)
    if parts.scheme == "https" or is_local_host(parts.hostname or ""):
        return None
    if parts.scheme == "http" and allow_plaintext:
        return None
    return (
        f"{mask_text(url)} is {'plain HTTP to another host' if parts.scheme == 'http' else 'not HTTP(S)'}; "
        "use https://, or set ALLOW_PLAINTEXT_CREDENTIALS=true if this network is trusted"
    )


class GuardedAdapter(HTTPAdapter):
    """A ``requests`` transport that bounds every exchange and never lets credentials follow a redirect.

    - *Total deadline*: connect, send and the whole answer must be done within ``timeout``
      seconds (or the request's own timeout, if shorter). A per-read timeout is not enough: a
      server that trickles one byte a second restarts it forever.
    - *Size cap*: at most ``max_bytes`` of the answer are read; the rest is left unread and the
      answer is marked (``response.cut_at_bytes``), which the log shows.
    - *Redirects*: an answer redirecting a request that carried a password or token fails at
      once, naming where it pointed, and nothing is sent there; an anonymous request may follow a
      redirect only to a target that passes the same plain-text check as the first
      (`Target Should Accept Credentials Safely`). Every hop goes through this adapter.
    - No retries.
    """

    def __init__(
        self, timeout: float, max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, allow_plaintext: bool = False
    ) -> None:
        self.total_timeout = _positive_seconds(timeout)
        self.max_bytes = int(max_bytes)
        if self.max_bytes <= 0:
            raise ValueError(f"The size cap of an answer must be a positive number of bytes, got {max_bytes!r}")
        if self.max_bytes > MAX_RESPONSE_BYTES_CEILING:
            logger.warn(
                f"MAX_RESPONSE_BYTES={self.max_bytes} is above the ceiling of {MAX_RESPONSE_BYTES_CEILING} bytes: "
                f"answers are read up to {MAX_RESPONSE_BYTES_CEILING} bytes"
            )
            self.max_bytes = MAX_RESPONSE_BYTES_CEILING
        self.allow_plaintext = bool(allow_plaintext)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)
        return manager

    def _seconds_for(self, timeout: Any) -> float:
        given = [float(value) for value in (timeout if isinstance(timeout, tuple) else (timeout,)) if value is not None]
        return min([self.total_timeout, *given])

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        seconds = self._seconds_for(timeout)
        pinned = _PIN.target.origin
        if pinned and origin_of(str(request.url)) != pinned:
            raise OtherOriginRefused(
                f"{request.method} {mask_text(str(request.url))} was not sent: it is not the target of this run "
                f"({pinned}). The gate sends requests to its target's origin only, whatever a path, a profile or "
                "a variable says (profile paths are relative: /...)"
            )
        stalled = STALLS.first_stall(str(request.url))
        if stalled is not None:
            _not_worth_a_rerun()
            raise TargetStalled(
                f"{request.method} {mask_text(str(request.url))} was not sent: the target stopped answering "
                f"earlier ({stalled}); after one exchange ran past its deadline every later request to it "
                "fails at once, so a hanging deployment is judged quickly",
                request=request,
            )
        deadline = _Deadline(seconds)
        previous = getattr(_current, "deadline", None)
        _current.deadline = deadline
        deadline.start()
        try:
            try:
                per_step = deadline.remaining()
                response = super().send(
                    request, stream=True, timeout=(per_step, per_step), verify=verify, cert=cert, proxies=proxies
                )
            except requests.exceptions.RequestException as error:
                if deadline.expired or isinstance(error, requests.exceptions.Timeout):
                    raise self._timeout(request, seconds) from None
                raise
            self._refuse_unsafe_redirect(request, response)
            self._read_bounded(request, response, deadline, seconds)
            register_answer_secrets(response)  # before RequestsLibrary logs the exchange
        except Exception:
            raise
        except BaseException:  # an interruption: Robot's test or keyword timeout (or Ctrl-C) during the exchange
            waited = seconds - deadline.remaining()
            if waited >= INTERRUPTED_STALL_SECONDS:
                STALLS.remember(
                    str(request.url),
                    f"{request.method} {mask_text(str(request.url))} gave no complete answer in {waited:.0f} s, "
                    "when the test's time ran out",
                )
                _not_worth_a_rerun()
            raise
        finally:
            deadline.finish()
            _current.deadline = previous
        return response

    def _timeout(self, request: requests.PreparedRequest, seconds: float) -> AnswerTimeout:
        what = f"{request.method} {mask_text(str(request.url))} did not answer completely within {seconds:g} s"
        STALLS.remember(str(request.url), what)
        _not_worth_a_rerun()
        return AnswerTimeout(
            f"{what} (API_TIMEOUT: the limit for connecting, sending and reading the whole answer)",
            request=request,
        )

    def _refuse_unsafe_redirect(self, request: requests.PreparedRequest, response: requests.Response) -> None:
        if not response.is_redirect:
            return
        target = urljoin(str(request.url), response.headers.get("Location", ""))
        problem = None
        if carries_credentials(request):
            problem = "a request that carries a password or token never follows a redirect"
        else:
            problem = plaintext_problem(target, self.allow_plaintext)
        if problem is None:
            return
        response.close()
        raise UnsafeRedirect(
            f"{request.method} {mask_text(str(request.url))} answered {response.status_code} redirecting to "
            f"{mask_text(target)} (Location), which was not followed: {problem}"
        )

    def _read_bounded(
        self, request: requests.PreparedRequest, response: requests.Response, deadline: _Deadline, seconds: float
    ) -> None:
        chunks: list[bytes] = []
        size = 0
        cut = False
        try:
            for chunk in response.raw.stream(_CHUNK, decode_content=True):
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_bytes:
                    cut = True
                    break
                if deadline.expired:
                    raise urllib3.exceptions.ReadTimeoutError(None, str(request.url), "deadline")  # type: ignore[arg-type]
        except (urllib3.exceptions.HTTPError, OSError) as error:
            response.raw.close()
            if deadline.expired or isinstance(error, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
                raise self._timeout(request, seconds) from None
            raise requests.exceptions.ConnectionError(
                f"{request.method} {mask_text(str(request.url))}: the answer broke off ({type(error).__name__})",
                request=request,
            ) from None
        content = b"".join(chunks)
        if cut:
            content = content[: self.max_bytes]
            response.cut_at_bytes = self.max_bytes  # type: ignore[attr-defined]
            response.raw.close()  # the rest is never read: the connection is not reused
            logger.info(
                f"{request.method} {mask_text(str(request.url))}: the answer was cut at {self.max_bytes} bytes "
                "(MAX_RESPONSE_BYTES); the rest was not read"
            )
        else:
            response.raw.release_conn()  # read to its end: the connection goes back to the pool
        # What was read becomes the answer's raw stream (a public attribute of requests' Response):
        # ``response.content`` reads it, and nothing more of the socket, whoever asks.
        response.raw = io.BytesIO(content)
        if response.encoding is None:
            response.encoding = "utf-8"  # no charset guessing over a large body


def _positive_seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"A time limit must be a number of seconds, got {value!r}") from None
    if not 0 < seconds < float("inf"):
        raise ValueError(f"A time limit must be a positive, finite number of seconds, got {value!r}")
    return seconds


def guard_session(
    session: requests.Session,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    allow_plaintext: bool = False,
) -> requests.Session:
    """Mount a `GuardedAdapter` on ``session`` for http:// and https:// and return the session."""
    adapter = GuardedAdapter(timeout, max_bytes, allow_plaintext)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def guarded_session(
    timeout: float, max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES, allow_plaintext: bool = False
) -> requests.Session:
    """A new ``requests.Session`` whose every exchange is bounded and redirect-safe (`GuardedAdapter`)."""
    return guard_session(requests.Session(), timeout, max_bytes, allow_plaintext)


class HttpKeywords:
    """Keywords for authentication material, status checks and problem details."""

    @keyword("Use Target")
    def use_target(
        self,
        base_url: str,
        verify: bool | str = True,
        timeout: float = 30.0,
        ca_bundle: str = "",
        allow_plaintext: bool = False,
    ) -> None:
        """Configures the library once: the target ``base_url``, its TLS verification, timeout,
        CA bundle and plaintext opt-in.

        Keywords that contact the target (`Target Should Answer`, `Send Requests Until Rate
        Limited`, `TLS Certificate Should Be Valid`...) use these unless given others: ``verify``
        (True or a CA bundle path; never off), ``timeout`` in seconds for each whole exchange,
        ``ca_bundle`` (the CA file, empty: certifi's bundle) and ``allow_plaintext`` (the
        ``ALLOW_PLAINTEXT_CREDENTIALS`` opt-in).

        | Use Target    ${BASE_URL}    ${TLS_VERIFY}    ${API_TIMEOUT}    ${CA_BUNDLE}    ${ALLOW_PLAINTEXT_CREDENTIALS}
        """
        target = Target(
            str(base_url).rstrip("/"),
            tls_verification(verify),
            float(timeout),
            str(ca_bundle or ""),
            bool(allow_plaintext),
        )
        configure_target(target)
        logger.info(f"Target: {mask_text(str(base_url))} (timeout {float(timeout):g} s)")
        evidence = {"origin": target.origin, "trust": trust_of(target.base_url, target.verify)}
        BuiltIn().set_suite_metadata(EVIDENCE_METADATA, json.dumps(evidence, sort_keys=True))

    @keyword("Bearer Authentication For")
    def bearer_authentication_for(self, token: Secret) -> BearerAuth:
        """Returns an authentication object for `Create Custom Session` that sends ``token``.

        The token never becomes a plain Robot variable: it is shown as ``BearerAuth(***)``.

        | ${auth} =    Bearer Authentication For    ${TOKEN}
        | Create Custom Session    alice    ${BASE_URL}    auth=${auth}
        """
        register_secret(token.value)
        return BearerAuth(token.value)

    @keyword("Secret Field Of Response")
    def secret_field_of_response(self, response: requests.Response, field: str) -> Secret:
        """Returns the value at ``field`` of the JSON answer ``response`` as a ``Secret`` and masks it from now on.

        ``field`` is a JSONPath expression as JSONLibrary's ``Get Value From Json`` takes it
        (``$.session.token``), or a top-level field name (``secret``). Use it for
        access tokens and webhook secrets. The value is masked in every spelling, also where the
        answer repeats it under another name. When there is no value there, the failure names the
        answer's keys, never its values.

        | ${token} =    Secret Field Of Response    ${response}    ${TOKEN_JSONPATH}
        """
        location = field if str(field).startswith("$") else f"$[{json.dumps(str(field))}]"
        body = json_or_none(response.content)
        values = (
            []
            if body is None
            else [
                value
                for value in values_at(body, location)
                if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value)
            ]
        )
        for value in values:
            register_secret(value)
        if not values:
            what = "is not JSON" if body is None else f"has no value there; its keys: {keys_of(body)}"
            raise AssertionError(
                f"Expected a secret at {field} in the answer of {response.request.method} "
                f"{mask_text(str(response.url))} (HTTP {response.status_code}), but the answer {what}"
            )
        return Secret(str(values[0]))

    @keyword("Response Should Have No Value At")
    def response_should_have_no_value_at(self, response: requests.Response, location: str, step: str) -> None:
        """Fails when the JSON answer ``response`` holds a value at JSONPath ``location`` (e.g. a token in a refusal).

        ``step`` names the step in the failure message; the value itself is masked, never shown.

        | Response Should Have No Value At    ${response}    ${TOKEN_JSONPATH}    Log in with a wrong password
        """
        body = json_or_none(response.content)
        values = [] if body is None else values_at(body, location)
        for value in values:
            register_secret(value)
        if values:
            raise AssertionError(
                f"Step '{step}': the HTTP {response.status_code} answer holds a value at {location}; expected none"
            )

    @keyword("Guard Requests Of Session")
    def guard_requests_of_session(
        self,
        session: requests.Session,
        timeout: float,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_plaintext: bool = False,
    ) -> None:
        """Bounds every request of ``session`` (from `Create Session`) and keeps its credentials
        from following redirects.

        - Each request must connect, send and read its *whole* answer within ``timeout`` seconds
          (``${API_TIMEOUT}``), however slowly the server sends.
        - At most ``max_bytes`` (``${MAX_RESPONSE_BYTES}``) of an answer are read; the log says
          where the answer was cut.
        - A redirect answer to a request that carries a password or token fails the request, naming
          where it pointed (masked); nothing is sent there. Anonymous requests follow a redirect
          only to a target that `Target Should Accept Credentials Safely` would accept
          (``allow_plaintext`` is ``${ALLOW_PLAINTEXT_CREDENTIALS}``).

        | ${session} =    Create Session    anonymous    ${BASE_URL}    verify=${TLS_VERIFY}    timeout=${API_TIMEOUT}
        | Guard Requests Of Session    ${session}    ${API_TIMEOUT}
        | ...    ${MAX_RESPONSE_BYTES}    ${ALLOW_PLAINTEXT_CREDENTIALS}
        """
        if not isinstance(session, requests.Session):
            raise AssertionError(
                f"Expected a requests session (the value Create Session returns), got {type(session).__name__}"
            )
        guard_session(session, timeout, int(max_bytes), allow_plaintext)

    @keyword("Mask Values Found At")
    def mask_values_found_at(self, *locations: str) -> None:
        """Masks, from now on, every value that an answer holds at one of ``locations`` (JSONPath expressions).

        Every answer is searched there *before* it is logged, so a token is masked in the very
        answer that brings it, and wherever else that answer or a later one repeats it. A
        successful answer to a request that carried credentials, with no value at any of these
        locations, is logged by its keys only.

        | Mask Values Found At    ${TOKEN_JSONPATH}    ${WEBHOOK_SECRET_JSONPATH}
        """
        register_secret_locations(locations)

    @keyword("JSON Body Of")
    def json_body_of(self, response: requests.Response) -> Any:
        """Returns the response body parsed as JSON; fails with the URL and body excerpt otherwise.

        | ${body} =    JSON Body Of    ${response}
        """
        return json_body(response)

    @keyword("Response Status Should Be")
    def response_status_should_be(self, response: requests.Response, *expected: int) -> None:
        """Fails unless the response status is one of ``expected``.

        The message names the request, the expected and the actual status and a masked excerpt
        of the body.

        | Response Status Should Be    ${response}    201
        | Response Status Should Be    ${response}    400    422
        """
        problem = unexpected_status(response, expected)
        if problem:
            raise AssertionError(problem[0].upper() + problem[1:])
        logger.info(f"{response.request.method} {response.url} answered {response.status_code} as expected")

    @keyword("Response Should Be Problem Details")
    def response_should_be_problem_details(self, response: requests.Response, status: int | None = None) -> None:
        """Fails unless the response is RFC 9457 problem+json whose ``status`` equals the HTTP status.

        Checks the ``application/problem+json`` content type and the ``type``, ``title``,
        ``status`` and ``detail`` members; with ``status`` also the HTTP status itself.

        | Response Should Be Problem Details    ${response}    404
        """
        if status is not None:
            self.response_status_should_be(response, status)
        assert_problem_details(response)

    @keyword("Target Should Accept Credentials Safely")
    def target_should_accept_credentials_safely(self, url: str = "", allow_plaintext: bool | None = None) -> None:
        """Fails when credentials would travel over plain HTTP to a host that is not this machine.

        ``url`` is the target (default: the one of `Use Target`). HTTPS targets and loopback
        hosts pass. Plain HTTP to another host passes only when ``allow_plaintext`` is true (the
        user opted in with ``ALLOW_PLAINTEXT_CREDENTIALS=true``), and then with a warning.
        Nothing is sent.

        | Target Should Accept Credentials Safely
        """
        url = target_url(url)
        allow_plaintext = _PIN.target.allow_plaintext if allow_plaintext is None else allow_plaintext
        parts = urlsplit(url)
        if parts.scheme == "https" or is_local_host(parts.hostname or ""):
            return
        if allow_plaintext:
            logger.warn(f"Credentials are sent in clear text to {url}: ALLOW_PLAINTEXT_CREDENTIALS is set.")
            return
        raise AssertionError(
            f"Refusing to send test credentials over plain HTTP to {url}. Use https://, or set "
            "ALLOW_PLAINTEXT_CREDENTIALS=true if this network is trusted."
        )

    @keyword("Target Should Answer")
    def target_should_answer(
        self, url: str = "", verify: bool | str | None = None, timeout: float | None = None
    ) -> None:
        """Fails fast, with one clear line, when nothing answers HTTP at ``url``.

        ``url`` is a full URL or a path on the target of `Use Target`. Any HTTP status counts as an
        answer; refused connections, DNS failures, TLS errors and time-outs fail. ``verify`` is the
        TLS verification (True or a CA bundle path) and ``timeout`` the time in seconds for the whole
        exchange (an answer is read up to 1 MB); both default to those of `Use Target`. Use it in a
        suite setup so a down target fails every test at once instead of each test timing out on its own.

        | Target Should Answer    ${HEALTH_PATH}
        """
        url, verify, timeout = target_url(url), tls_verification(target_verify(verify)), target_timeout(timeout)
        try:
            with guarded_session(float(timeout)) as session:
                response = session.get(url, verify=verify, timeout=float(timeout), allow_redirects=False)
        except requests.exceptions.SSLError as error:
            raise AssertionError(f"TLS handshake with {mask_text(url)} failed: {_reason(error)}") from None
        except requests.exceptions.Timeout:
            raise AssertionError(f"{mask_text(url)} did not answer within {timeout} s (API_TIMEOUT)") from None
        except requests.exceptions.ConnectionError as error:
            raise AssertionError(f"Cannot connect to {mask_text(url)}: {_reason(error)}") from None
        logger.info(f"{mask_text(url)} answered {response.status_code}")

    @keyword("TLS Verification Should Be On")
    def tls_verification_should_be_on(self, url: str = "", verify: bool | str | None = None) -> None:
        """Fails when TLS verification is off or its CA bundle is missing; logs which CA vouches for ``url``.

        ``url`` and ``verify`` default to those of `Use Target`. ``verify`` is the session's
        verification (True or a CA bundle path); ``False``, an empty
        value or a CA bundle that does not exist fail, since TLS verification must never be switched
        off. ``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace the default trust
        store; this keyword says so, so that a reviewer knows which CA vouched for the target.

        | TLS Verification Should Be On
        """
        url, verify = target_url(url), tls_verification(target_verify(verify))
        if not url.startswith("https://"):
            logger.info(f"{url} is plain HTTP: no TLS to verify.")
            return
        override = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if isinstance(verify, str) and verify.lower() != "true":
            logger.info(f"Server certificates are verified against the CA bundle {verify}.")
        elif override:
            logger.info(
                f"Server certificates are verified against {override} (from REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE)."
            )
        else:
            logger.info("Server certificates are verified against the default trust store (certifi).")


def _reason(error: Exception) -> str:
    """The innermost, human part of a requests/urllib3 connection error."""
    text = str(error)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "timed out",
        "certificate verify failed",
        "No route to host",
        "Connection reset",
        "hostname mismatch",
        "EOF occurred",
    ):
        if marker.lower() in text.lower():
            return marker
    return text[:200]
