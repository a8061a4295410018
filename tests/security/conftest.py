"""Each test starts with no remembered stalled target (the record is per process)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from libraries.SmokeLibrary.http import STALLS


@pytest.fixture(autouse=True)
def no_remembered_stalls() -> Iterator[None]:
    STALLS.forget()
    yield
    STALLS.forget()
