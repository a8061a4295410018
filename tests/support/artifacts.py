"""Reading run artifacts as a person would see them, for secret greps."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import zlib
from pathlib import Path
from urllib.parse import quote, quote_plus

#: log.html and report.html keep most strings zlib-compressed and base64-encoded in JSON strings.
_COMPRESSED = re.compile(r'"([A-Za-z0-9+/]{8,}={0,2})"')


def readable_text(path: Path) -> str:
    """The text of an artifact as a reader sees it.

    log.html and report.html keep most strings zlib-compressed and base64-encoded: those are
    decompressed (a secret could hide in them), and left out in their encoded form (random
    base64 may contain ``eyJ`` by chance).
    """
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".html":
        return text
    decoded: list[str] = []

    def expand(match: re.Match[str]) -> str:
        try:
            decoded.append(zlib.decompress(base64.b64decode(match.group(1))).decode("utf-8", errors="replace"))
        except (binascii.Error, zlib.error, ValueError):
            return match.group(0)
        return '""'

    return _COMPRESSED.sub(expand, text) + "\n".join(decoded)


_ENCODINGS = (
    lambda text: quote(text, safe=""),  # a path segment or query value
    quote,  # a URL path
    quote_plus,  # a form body or query string
    lambda text: json.dumps(text)[1:-1],  # a JSON string
    lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    lambda text: repr(text)[1:-1],  # a Python repr (Robot logs arguments so)
    html.escape,  # HTML with quotes (report.html, log.html)
    lambda text: html.escape(text, quote=False),  # HTML text
    lambda text: text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"),  # XML
)


def spellings(secret: str) -> set[str]:
    """``secret`` and every encoding under which it could reach an artifact, also encodings of encodings."""
    forms = {secret}
    for _ in range(2):
        forms |= {encode(form) for form in forms for encode in _ENCODINGS}
    return forms


def spellings_in(text: str, secret: str) -> list[str]:
    """The spellings of ``secret`` that occur in ``text``."""
    return sorted(form for form in spellings(secret) if form in text)


def artifacts_containing(folder: Path, secret: str) -> list[str]:
    """``file: spelling`` for every file below ``folder`` in which ``secret`` can be read in any spelling."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = readable_text(path)
            found += [f"{path.relative_to(folder)}: {form!r}" for form in spellings_in(text, secret)]
    return found
