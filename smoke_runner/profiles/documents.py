"""Reading an API's OpenAPI document from a URL or a file, as untrusted input: bounded in size and time.

JSON or YAML; YAML through the safe loader of :mod:`.loader` with budgets for a document of that
kind (numeric keys such as response codes allowed). A URL is fetched with one GET: no redirect is
followed, the answer is read up to :data:`MAX_DOCUMENT_BYTES`, and connecting and reading are
bounded by ``timeout``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from .loader import ProfileError, YamlLimits, load_yaml_text, read_text_bounded
from .openapi import is_openapi_document

#: The largest OpenAPI document read (large public APIs publish a few MB).
MAX_DOCUMENT_BYTES = 8_000_000
DOCUMENT_LIMITS = YamlLimits(
    max_bytes=MAX_DOCUMENT_BYTES, max_aliases=10_000, max_depth=64, max_expanded_nodes=2_000_000, string_keys=False
)
#: Seconds to connect, and between two parts of the answer.
DEFAULT_TIMEOUT = 15.0


class DocumentError(ProfileError):
    """An OpenAPI document that cannot be had or read; the message is one line."""


def _parse(text: str, source: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as error:
            raise DocumentError(f"{source}: not valid JSON ({error})") from None
    try:
        return load_yaml_text(text, source, DOCUMENT_LIMITS).data
    except DocumentError:
        raise
    except ProfileError as error:
        raise DocumentError(str(error)) from None


def _fetch(url: str, timeout: float, verify: bool | str) -> str:
    try:
        with requests.get(
            url, timeout=(timeout, timeout), allow_redirects=False, stream=True, verify=verify
        ) as response:
            if response.is_redirect:
                raise DocumentError(
                    f"{url}: answered {response.status_code}, a redirect to {response.headers.get('Location')!r} "
                    "(give the document's own address)"
                )
            if response.status_code != 200:
                raise DocumentError(f"{url}: answered HTTP {response.status_code}, not an OpenAPI document")
            raw = b""
            for chunk in response.iter_content(64 * 1024):
                raw += chunk
                if len(raw) > MAX_DOCUMENT_BYTES:
                    raise DocumentError(f"{url}: the answer is larger than {MAX_DOCUMENT_BYTES:,} bytes")
            return raw.decode(response.encoding or "utf-8", errors="replace")
    except requests.RequestException as error:
        raise DocumentError(f"{url}: cannot be fetched ({type(error).__name__}: {error})") from None


def read_openapi_document(location: str, timeout: float = DEFAULT_TIMEOUT, verify: bool | str = True) -> Any:
    """The OpenAPI document at ``location``: an ``http(s)://`` URL or a file (JSON or YAML).

    Raises :class:`DocumentError` (one line) when it cannot be had, is too large, or is not an
    OpenAPI document (a mapping with ``paths``). ``verify`` is requests' TLS verification (a CA bundle).
    """
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        text = _fetch(location, timeout, verify)
    elif scheme and len(scheme) > 1:
        raise DocumentError(f"{location}: only http(s) URLs and files can be read")
    else:
        try:
            text = read_text_bounded(Path(location), MAX_DOCUMENT_BYTES)
        except ProfileError as error:
            raise DocumentError(str(error)) from None
    document = _parse(text, location)
    if not is_openapi_document(document):
        raise DocumentError(f"{location}: not an OpenAPI document (no 'paths' object)")
    return document
