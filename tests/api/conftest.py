"""Fixtures of the reference API tests: one shared server per module where tests don't interfere."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.server import ReferenceApi

from .helpers import Client, User, WebhookReceiver, new_user

#: Limits high enough that functional tests never hit them.
RELAXED_ENV = {
    "RATE_LIMIT_ANON": "100000",
    "RATE_LIMIT_AUTH": "100000",
    "RATE_LIMIT_USER": "100000",
    "LATTICE_ENABLE_TEST_ROUTES": "1",
}


@pytest.fixture(scope="module")
def api() -> Iterator[ReferenceApi]:
    """A reference API with relaxed rate limits and the test routes, shared by a module."""
    with ReferenceApi(env=RELAXED_ENV) as server:
        yield server


@pytest.fixture
def anon(api: ReferenceApi) -> Client:
    return Client(api.base_url)


@pytest.fixture
def make_user(api: ReferenceApi) -> Callable[[], User]:
    return lambda: new_user(api.base_url)


@pytest.fixture
def user(make_user: Callable[[], User]) -> User:
    return make_user()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.close()
