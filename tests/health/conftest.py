"""Fixtures of the health suite's tests: reference APIs started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.server import ReferenceApi


@pytest.fixture(scope="module")
def healthy_api() -> Iterator[ReferenceApi]:
    """A healthy reference API over plain HTTP."""
    with ReferenceApi() as api:
        yield api


@pytest.fixture(scope="module")
def healthy_tls_api() -> Iterator[ReferenceApi]:
    """A healthy reference API over HTTPS with its own throw-away CA."""
    with ReferenceApi(tls=True) as api:
        yield api
