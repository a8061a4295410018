"""The mutation layer (``--mutate`` / ``LATTICE_MUTATIONS``): each kind of change does exactly what it says.

A mutated reference API and an unchanged one answer the same requests; the answers must differ in
the mutated part only, and requests the mutation does not name must not change at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from reference_api.mutations import Mutation, Mutations, MutationSpecError

from .harness import InProcessApi

MUTATIONS = (
    "GET /health:remove-field=checks.database",
    "GET /metrics:remove-header=X-Frame-Options",
    "* /nothing-*:status=500",
    "GET /openapi.json:delay=700",
)
#: Headers that differ between any two answers.
VOLATILE = {"date", "x-request-id", "content-length"}
#: Headers whose value depends on the moment of the request: compared as present and a whole number.
#: Both servers count in the same wall-clock windows, but the two answers to one request come a few
#: milliseconds apart: a second or a window may end between them (seconds left, requests left).
CLOCKED = {"ratelimit-reset", "ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-remaining", "retry-after"}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, str]]:
    """``(mutated, unchanged)`` base URLs of two reference APIs."""
    with InProcessApi(mutations=MUTATIONS) as mutated, InProcessApi() as unchanged:
        yield mutated.base_url, unchanged.base_url


def answers(servers: tuple[str, str], method: str, path: str) -> tuple[requests.Response, requests.Response]:
    """The mutated and the unchanged server's answers to ``method path``."""
    return tuple(requests.request(method, base + path, timeout=10) for base in servers)  # type: ignore[return-value]


def stable_headers(response: requests.Response) -> dict[str, str]:
    """The headers that must not differ between the two servers' answers (clocked ones by kind only)."""
    headers = {name.lower(): value for name, value in response.headers.items() if name.lower() not in VOLATILE}
    for name in CLOCKED & headers.keys():
        headers[name] = "<seconds>" if headers[name].isdigit() else headers[name]
    return headers


def test_remove_field_removes_that_field_and_nothing_else(servers: tuple[str, str]) -> None:
    mutated, unchanged = answers(servers, "GET", "/health")
    assert mutated.status_code == unchanged.status_code == 200
    assert "database" in unchanged.json()["checks"]
    expected = unchanged.json()
    del expected["checks"]["database"]
    for answer in (mutated.json(), expected):  # timestamps and durations differ between two servers
        answer.pop("time", None)
        for check in answer["checks"].values():
            check.pop("duration_ms", None)
            check.pop("time", None)
    assert mutated.json() == expected
    assert int(mutated.headers["Content-Length"]) == len(mutated.content)
    assert stable_headers(mutated) == stable_headers(unchanged)


def test_remove_header_removes_that_header_and_nothing_else(servers: tuple[str, str]) -> None:
    mutated, unchanged = answers(servers, "GET", "/metrics")
    assert unchanged.headers["X-Frame-Options"] == "DENY"
    assert "X-Frame-Options" not in mutated.headers
    assert mutated.status_code == unchanged.status_code == 200
    expected = {name: value for name, value in stable_headers(unchanged).items() if name != "x-frame-options"}
    assert stable_headers(mutated) == expected


def test_status_changes_the_status_of_every_matching_request_and_nothing_else(servers: tuple[str, str]) -> None:
    for method in ("GET", "POST", "DELETE"):
        mutated, unchanged = answers(servers, method, "/nothing-here")
        assert (mutated.status_code, unchanged.status_code) == (500, 404), method
        assert mutated.json() == unchanged.json(), method  # the body stays the 404 problem
        assert stable_headers(mutated) == stable_headers(unchanged), method


def test_delay_holds_the_answer_back_without_changing_it(servers: tuple[str, str]) -> None:
    started = time.monotonic()
    mutated, _ = answers(servers, "GET", "/openapi.json")
    assert time.monotonic() - started >= 0.7  # a lower bound only: a busy machine just adds to it
    assert mutated.status_code == 200 and mutated.json()["openapi"]


def test_requests_no_mutation_names_are_unchanged(servers: tuple[str, str]) -> None:
    for method, path in (("HEAD", "/health"), ("GET", "/api/v1/plans"), ("GET", "/api/v1/nothing-here")):
        mutated, unchanged = answers(servers, method, path)
        assert mutated.status_code == unchanged.status_code, (method, path)
        assert stable_headers(mutated) == stable_headers(unchanged), (method, path)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("GET /health:status=500", Mutation("GET", "/health", "status", "500")),
        ("post /api/v1/*: delay=1500", Mutation("POST", "/api/v1/*", "delay", "1500")),
        ("* /health:remove-field=checks.database", Mutation("*", "/health", "remove-field", "checks.database")),
        ("GET /:remove-header=X-Frame-Options", Mutation("GET", "/", "remove-header", "X-Frame-Options")),
    ],
)
def test_specs_are_read_as_written(spec: str, expected: Mutation) -> None:
    assert Mutation.parse(spec) == expected
    assert Mutation.parse(str(expected)) == expected


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("/health:status=500", "not of the form"),
        ("GET health:status=500", "not of the form"),
        ("GET /health:status=700", "is not an HTTP status code"),
        ("GET /health:delay=soon", "not a number of milliseconds"),
        ("GET /health:delay=600001", "not a number of milliseconds"),
        ("GET /health:remove-field=a..b", "not a field name"),
        ("GET /health:remove-header=X:Y", "not a header name"),
        ("GET /health:replace-body=x", "unknown change 'replace-body'"),
    ],
)
def test_an_invalid_spec_says_what_a_valid_one_looks_like(spec: str, problem: str) -> None:
    with pytest.raises(MutationSpecError) as error:
        Mutation.parse(spec)
    assert problem in str(error.value) and "status=CODE" in str(error.value)


def test_specs_come_from_the_option_and_the_environment_variable() -> None:
    mutations = Mutations.from_sources(["GET /a:status=500"], "GET /b:delay=1; ;GET /c:remove-header=X-A")
    assert [str(m) for m in mutations.enabled] == ["GET /a:status=500", "GET /b:delay=1", "GET /c:remove-header=X-A"]
    assert [str(m) for m in mutations.matching("get", "/b")] == ["GET /b:delay=1"]
    assert Mutations.from_sources([], None).enabled == ()
