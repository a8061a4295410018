"""The bounded rate-limit probe, against a scripted stand-in session."""

from __future__ import annotations

import pytest
import requests

from libraries.SmokeLibrary.health.ratelimit import probe_rate_limit


def _response(status: int, headers: dict[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    response.url = "http://api.test/api/v1/plans"
    response._content = b'{"status": %d}' % status
    response.request = requests.Request("GET", response.url).prepare()
    return response


class ScriptedSession:
    """Answers from a list of (status, remaining, retry-after), then 200 forever."""

    def __init__(self, script: list[tuple[int, int | None, str | None]]) -> None:
        self.script = list(script)
        self.calls = 0

    def get(self, url: str, **_: object) -> requests.Response:
        self.calls += 1
        status, remaining, retry_after = self.script.pop(0) if self.script else (200, 0, None)
        headers = {} if remaining is None else {"RateLimit-Limit": "3", "RateLimit-Remaining": str(remaining)}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        return _response(status, headers)


def test_the_probe_stops_at_the_first_429():
    session = ScriptedSession([(200, 2, None), (200, 1, None), (200, 0, None), (429, 0, "4")])
    result = probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)
    assert result.sent == 4 and result.limited is not None and session.calls == 4
    assert [s.remaining for s in result.states] == [2, 1, 0]


def test_the_probe_is_bounded():
    session = ScriptedSession([])
    result = probe_rate_limit("http://api.test/api/v1/plans", 25, True, 5, 15, session=session)
    assert (result.sent, result.limited, session.calls) == (25, None, 25)


def test_an_exhausted_bucket_is_waited_for_once():
    session = ScriptedSession([(429, 0, "0"), (200, 2, None), (200, 1, None), (429, 0, "0")])
    result = probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)
    assert result.sent == 4 and result.limited is not None and len(result.states) == 2


def test_an_error_status_ends_the_probe_with_a_failure():
    session = ScriptedSession([(200, 2, None), (503, None, None)])
    with pytest.raises(AssertionError, match="request 2 of the rate-limit probe failed.*answered 503"):
        probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)
