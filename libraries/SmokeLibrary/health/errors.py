"""Error bodies must not leak internals: stack traces, file paths, SQL or framework names."""

from __future__ import annotations

import re
from collections.abc import Sequence

import requests
from robot.api import logger
from robot.api.deco import keyword

from ..masking import mask_body
from ._common import request_line


def leaks_in(text: str, patterns: Sequence[str]) -> list[str]:
    """The patterns (regular expressions, case-insensitive) that match ``text``, with what they matched."""
    found = []
    for pattern in patterns:
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            found.append(f"/{pattern}/ matched {match.group(0)[:80]!r}")
    return found


class ErrorBodyKeywords:
    """Keywords that judge error responses."""

    @keyword("Responses Should Not Leak Internals")
    def responses_should_not_leak_internals(self, patterns: Sequence[str], *responses: requests.Response) -> None:
        """Fails when the body of any of ``responses`` matches one of the regular expressions ``patterns``.

        | Responses Should Not Leak Internals | ${LEAK_PATTERNS} | ${not_found} | ${malformed} |
        """
        if not patterns or not responses:
            raise AssertionError("Nothing to check for leaks: give at least one pattern and one response")
        problems = []
        for response in responses:
            leaks = leaks_in(response.text, patterns)
            if leaks:
                problems.append(
                    f"{request_line(response)} ({response.status_code}): {', '.join(leaks)}; "
                    f"body: {mask_body(response.text, 300)}"
                )
        if problems:
            raise AssertionError(
                f"Error bodies leak internals (stack trace, file path, SQL or framework): {' | '.join(problems)}"
            )
        logger.info(f"No internals leak from {len(responses)} error responses.")
