"""Reading run artifacts as a person would see them, for secret greps."""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from pathlib import Path

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


def artifacts_containing(folder: Path, secret: str) -> list[str]:
    """Names of the files below ``folder`` in which ``secret`` can be read."""
    return [str(path.relative_to(folder)) for path in sorted(folder.rglob("*"))
            if path.is_file() and secret in readable_text(path)]
