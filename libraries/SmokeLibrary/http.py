"""HTTP helpers that keep secrets out of the log and make failures explain themselves."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret

from .masking import MaskedDict, mask_body, register_secret

EXCERPT_LIMIT = 300


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
    return (
        f"{request.method} {response.url} answered {response.status_code} ({content_type}): "
        f"{mask_body(response.text, EXCERPT_LIMIT) or '<empty body>'}"
    )


def unexpected_status(response: requests.Response, expected: tuple[int | str, ...]) -> str | None:
    """``"expected HTTP 201 or 200, but POST … answered 500 …"`` when the status is not one of
    ``expected``; None when it is."""
    allowed = [int(code) for code in expected]
    if response.status_code in allowed:
        return None
    return f"expected HTTP {' or '.join(str(code) for code in allowed)}, but {describe_response(response)}"


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


def resolves_to_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address (False if it does not resolve):
    a ``*.localhost`` name is local only if the resolver says so, not because of its spelling."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    try:
        return bool(addresses) and all(ipaddress.ip_address(str(address).split("%", 1)[0]).is_loopback
                                       for address in addresses)
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


class HttpKeywords:
    """Keywords for authentication material, status checks and problem details."""

    @keyword("Bearer Authentication For")
    def bearer_authentication_for(self, token: Secret) -> BearerAuth:
        """Returns an authentication object for `Create Custom Session` that sends ``token``.

        The token never becomes a plain Robot variable: it is shown as ``BearerAuth(***)``.

        | ${auth} =    Bearer Authentication For    ${TOKEN}
        | Create Custom Session    alice    ${BASE_URL}    auth=${auth}
        """
        register_secret(token.value)
        return BearerAuth(token.value)

    @keyword("Credentials Payload")
    def credentials_payload(self, email: str, password: Secret) -> MaskedDict:
        """Returns the ``{"email", "password"}`` JSON body for register and login, masked in the log.

        | ${body} =    Credentials Payload    ${TEST_EMAIL}    ${TEST_PASSWORD}
        """
        register_secret(password.value)
        return MaskedDict(email=email, password=password.value)

    @keyword("Secret Field Of Response")
    def secret_field_of_response(self, response: requests.Response, field: str) -> Secret:
        """Returns JSON field ``field`` of ``response`` as a ``Secret`` and masks it from now on.

        Use it for access tokens and webhook secrets.

        | ${token} =    Secret Field Of Response    ${response}    access_token
        """
        body = json_body(response)
        if not isinstance(body, dict) or not body.get(field):
            raise AssertionError(f"Expected field '{field}' in the body, but {describe_response(response)}")
        register_secret(body[field])
        return Secret(str(body[field]))

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
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/problem+json":
            raise AssertionError(
                f"Expected Content-Type application/problem+json, but {describe_response(response)}"
            )
        body = json_body(response)
        missing = [member for member in ("type", "title", "status", "detail") if not isinstance(body, dict) or member not in body]
        if missing:
            raise AssertionError(f"Problem details lack {', '.join(missing)}: {describe_response(response)}")
        if body["status"] != response.status_code:
            raise AssertionError(
                f"Problem member 'status' is {json.dumps(body['status'])} but the HTTP status is "
                f"{response.status_code}: {describe_response(response)}"
            )

    @keyword("Target Should Accept Credentials Safely")
    def target_should_accept_credentials_safely(self, url: str, allow_plaintext: bool = False) -> None:
        """Fails when credentials would travel over plain HTTP to a host that is not this machine.

        ``url`` is the target. HTTPS targets and loopback hosts pass. Plain HTTP to another host
        passes only when ``allow_plaintext`` is true (the user opted in with
        ``ALLOW_PLAINTEXT_CREDENTIALS=true``), and then with a warning. Nothing is sent.

        | Target Should Accept Credentials Safely    ${BASE_URL}    ${ALLOW_PLAINTEXT_CREDENTIALS}
        """
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
    def target_should_answer(self, url: str, verify: bool | str = True, timeout: float = 30.0) -> None:
        """Fails fast, with one clear line, when nothing answers HTTP at ``url``.

        Any HTTP status counts as an answer; refused connections, DNS failures, TLS errors and
        time-outs fail. ``verify`` is the TLS verification (True or a CA bundle path) and
        ``timeout`` the time to wait in seconds. Use it in a suite setup so a down target fails
        every test at once instead of each test timing out on its own.

        | Target Should Answer    ${BASE_URL}${HEALTH_PATH}    ${TLS_VERIFY}    ${API_TIMEOUT}
        """
        verify = tls_verification(verify)
        try:
            response = requests.get(url, verify=verify, timeout=float(timeout), allow_redirects=False)
        except requests.exceptions.SSLError as error:
            raise AssertionError(f"TLS handshake with {url} failed: {_reason(error)}") from None
        except requests.exceptions.Timeout:
            raise AssertionError(f"{url} did not answer within {timeout} s (API_TIMEOUT)") from None
        except requests.exceptions.ConnectionError as error:
            raise AssertionError(f"Cannot connect to {url}: {_reason(error)}") from None
        logger.info(f"{url} answered {response.status_code}")

    @keyword("TLS Verification Should Be On")
    def tls_verification_should_be_on(self, url: str, verify: bool | str) -> None:
        """Fails when TLS verification is off or its CA bundle is missing; logs which CA vouches for ``url``.

        ``verify`` is the session's verification (True or a CA bundle path); ``False``, an empty
        value or a CA bundle that does not exist fail, since TLS verification must never be switched
        off. ``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace the default trust
        store; this keyword says so, so that a reviewer knows which CA vouched for the target.

        | TLS Verification Should Be On    ${BASE_URL}    ${TLS_VERIFY}
        """
        verify = tls_verification(verify)
        if not url.startswith("https://"):
            logger.info(f"{url} is plain HTTP: no TLS to verify.")
            return
        override = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if isinstance(verify, str) and verify.lower() != "true":
            logger.info(f"Server certificates are verified against the CA bundle {verify}.")
        elif override:
            logger.info(f"Server certificates are verified against {override} (from REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE).")
        else:
            logger.info("Server certificates are verified against the default trust store (certifi).")


def _reason(error: Exception) -> str:
    """The innermost, human part of a requests/urllib3 connection error."""
    text = str(error)
    for marker in ("Connection refused", "Name or service not known", "timed out", "certificate verify failed",
                   "No route to host", "Connection reset", "hostname mismatch", "EOF occurred"):
        if marker.lower() in text.lower():
            return marker
    return text[:200]
