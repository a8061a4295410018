"""Small helpers shared by the health keyword modules: naming a response and logging tables."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import requests
from robot.api import logger

from ..http import describe_response


def request_line(response: requests.Response) -> str:
    """``GET https://host/path`` for the request that produced ``response``."""
    return f"{response.request.method} {response.url}"


def describe(response: requests.Response) -> str:
    """The lead's one-line, masked description of a request and what came back."""
    return describe_response(response)


def html_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A small HTML table for ``logger.info(..., html=True)``; every cell is escaped."""
    head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table border="1" style="border-collapse:collapse"><tr>{head}</tr>{body}</table>'


def log_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Log ``title`` followed by an HTML table."""
    logger.info(f"<b>{html.escape(title)}</b><br>{html_table(headers, rows)}", html=True)


def as_list(value: str | Iterable[str]) -> list[str]:
    """Accept a single name or a list of names (Robot passes either)."""
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]
