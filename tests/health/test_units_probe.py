"""The bounded rate-limit probe, against a scripted stand-in session."""

from __future__ import annotations

import pytest
import requests

from libraries.SmokeLibrary.health.ratelimit import (
    MEASURED_FAILURE_TAG,
    ProbeResult,
    ProbeSettings,
    RateLimitKeywords,
    RateLimitState,
    budget_sharing,
    probe_rate_limit,
)

pytestmark = pytest.mark.unit


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


def test_the_probe_stops_at_the_first_429() -> None:
    session = ScriptedSession([(200, 2, None), (200, 1, None), (200, 0, None), (429, 0, "4")])
    result = probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)
    assert result.sent == 4 and result.limited is not None and session.calls == 4
    assert [s.remaining for s in result.states] == [2, 1, 0]


def test_the_probe_is_bounded() -> None:
    session = ScriptedSession([])
    result = probe_rate_limit("http://api.test/api/v1/plans", 25, True, 5, 15, session=session)
    assert (result.sent, result.limited, session.calls) == (25, None, 25)


def test_an_exhausted_bucket_is_waited_for_once() -> None:
    session = ScriptedSession([(429, 0, "0"), (200, 2, None), (200, 1, None), (429, 0, "0")])
    result = probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)
    assert result.sent == 4 and result.limited is not None and len(result.states) == 2


def test_an_error_status_ends_the_probe_with_a_failure() -> None:
    session = ScriptedSession([(200, 2, None), (503, None, None)])
    with pytest.raises(AssertionError, match=r"request 2 of the rate-limit probe failed.*answered 503"):
        probe_rate_limit("http://api.test/api/v1/plans", 50, True, 5, 15, session=session)


# -- proving enforcement without using up a shared budget ----------------------------------------

PLANS = "http://api.test/api/v1/plans"
CONTROL = "http://api.test/api/v1/no-such-thing"


class Budget:
    """A session whose answers count down a budget: per route, or one shared by every path."""

    def __init__(
        self, limit: int, shared: bool, announce: bool = True, enforce: bool = True, others_per_request: int = 0
    ) -> None:
        self.limit, self.shared, self.announce, self.enforce = limit, shared, announce, enforce
        self.others_per_request = others_per_request  # requests of other tests between two of ours
        self.used: dict[str, int] = {}
        self.calls: list[str] = []

    def get(self, url: str, **_: object) -> requests.Response:
        self.calls.append(url)
        key = "address" if self.shared else url
        self.used[key] = self.used.get(key, 0) + 1 + (self.others_per_request if self.shared else 0)
        remaining = max(0, self.limit - self.used[key])
        over = self.used[key] > self.limit and self.enforce
        status = 429 if over else (404 if url == CONTROL else 200)
        headers = {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(remaining)} if self.announce else {}
        if over:
            headers["Retry-After"] = "60"
        return _response(status, headers)


def _probe(budget: Budget, max_requests: int = 200, exhaust_shared: bool = False) -> ProbeResult:
    settings = ProbeSettings(max_requests, 3, CONTROL, exhaust_shared)
    return probe_rate_limit(PLANS, max_requests, True, 5, 0, session=budget, settings=settings)


def test_a_budget_of_its_own_within_the_maximum_is_probed_to_429() -> None:
    budget = Budget(30, shared=False)
    result = _probe(budget)
    assert result.limited is not None and result.sent == 31 and result.shared is False
    assert budget.calls.count(CONTROL) == 1


def test_a_limit_above_the_maximum_is_not_spent_and_the_message_gives_both_numbers() -> None:
    budget = Budget(1000, shared=False)
    result = _probe(budget)
    assert result.limited is None and result.sent == 3 and len(budget.calls) == 4
    assert "announces a limit of 1000 requests (remaining 997)" in result.not_probed
    assert "RATE_LIMIT_PROBE_MAX=200" in result.not_probed
    assert "raise RATE_LIMIT_PROBE_MAX to at least 1001" in result.not_probed


def test_a_shared_budget_is_never_exhausted_by_default() -> None:
    budget = Budget(150, shared=True)
    result = _probe(budget)
    assert result.shared is True and result.limited is None and result.sent == 3
    assert "shared with other requests from this address" in result.not_probed
    assert budget.limit - budget.used["address"] == 146  # the others keep their budget


def test_other_traffic_on_the_budget_shows_it_is_shared() -> None:
    result = _probe(Budget(150, shared=True, others_per_request=2))
    assert result.shared is True and "other requests count against it" in result.sharing_evidence


def test_a_shared_budget_is_exhausted_only_when_asked_to() -> None:
    result = _probe(Budget(150, shared=True), exhaust_shared=True)
    assert result.limited is not None and result.not_probed == ""


def test_a_service_that_announces_nothing_is_probed_to_the_maximum() -> None:
    budget = Budget(1000, shared=False, announce=False, enforce=False)
    result = _probe(budget, max_requests=40)
    assert (result.sent, result.limited, result.not_probed) == (40, None, "")


@pytest.mark.parametrize(
    ("readings", "shared"),
    [
        ([("probe", 29), ("probe", 28), ("control", None), ("probe", 27)], False),
        ([("probe", 29), ("probe", 28), ("control", None), ("probe", 26)], True),
        ([("probe", 29), ("probe", 25)], True),
        ([("probe", 1), ("probe", 0), ("control", None), ("probe", 29)], None),  # a new window proves nothing
        ([("probe", None), ("probe", None)], None),
    ],
)
def test_budget_sharing_is_read_from_the_countdown(readings: list[tuple[str, int | None]], shared: bool | None) -> None:
    states = [
        (kind, None if value is None or kind == "control" else RateLimitState(30, value, None, "x"))
        for kind, value in readings
    ]
    assert budget_sharing(states)[0] is shared


# -- the probe's time budget: a service too slow to reach its own limit ---------------------------


class PacedBudget(Budget):
    """A `Budget` whose every answer takes ``paces[i]`` seconds of a fake clock (the last pace repeats)."""

    def __init__(self, limit: int, paces: list[float], announce: bool = True, enforce: bool = True) -> None:
        super().__init__(limit, shared=False, announce=announce, enforce=enforce)
        self.paces, self.now = list(paces), 0.0

    def get(self, url: str, **kwargs: object) -> requests.Response:
        self.now += self.paces.pop(0) if len(self.paces) > 1 else self.paces[0]
        return super().get(url, **kwargs)


def _timed_probe(budget: PacedBudget, seconds: float = 10.0, max_requests: int = 200) -> ProbeResult:
    settings = ProbeSettings(max_requests, 3, CONTROL, False, time_budget=seconds)
    return probe_rate_limit(
        PLANS, max_requests, True, 5, 0, session=budget, settings=settings, clock=lambda: budget.now
    )


def test_a_service_too_slow_to_reach_its_limit_is_stopped_after_the_countdown_with_the_numbers() -> None:
    budget = PacedBudget(30, [0.9])
    result = _timed_probe(budget)
    assert (result.sent, result.limited, result.not_probed) == (3, None, "") and len(budget.calls) == 4
    assert result.too_slow.startswith("4 requests in 3.6 s, each about 0.90 s: too slow to probe the limit of GET")
    assert "within RATE_LIMIT_PROBE_SECONDS=10" in result.too_slow
    assert "the 429 would take 28 more requests, at least 25 s at the fastest pace seen (0.90 s)" in result.too_slow
    assert "Enforcement is not proven" in result.too_slow
    assert "too slow to reach 429 in 3 requests" in repr(result)


def test_a_too_slow_probe_fails_the_check_and_never_passes_with_a_warning() -> None:
    result = _timed_probe(PacedBudget(30, [0.9]))
    with pytest.raises(
        AssertionError, match=r"Expected HTTP 429, but 4 requests in 3.6 s, each about 0.90 s: too slow"
    ):
        RateLimitKeywords().rate_limited_response_of(result)


def test_the_same_limit_at_a_healthy_pace_is_probed_to_429() -> None:
    result = _timed_probe(PacedBudget(30, [0.05]))
    assert result.limited is not None and result.sent == 31 and result.too_slow == ""


def test_one_slow_answer_among_fast_ones_does_not_make_the_probe_give_up() -> None:
    result = _timed_probe(PacedBudget(30, [3.0, 0.05]))  # e.g. the first connection of a busy machine
    assert result.limited is not None and result.too_slow == ""


def test_a_service_that_announces_nothing_is_probed_until_the_budget_runs_out() -> None:
    budget = PacedBudget(1000, [0.9], announce=False, enforce=False)
    result = _timed_probe(budget, max_requests=40)
    assert result.limited is None and result.sent < 40
    assert result.elapsed_seconds >= 10 and result.elapsed_seconds < 10 + 2 * 0.9
    assert "too slow to probe the limit" in result.too_slow
    assert "the budget ran out and no answer announced a limit" in result.too_slow


def test_a_slow_service_that_goes_past_its_announced_limit_fails_as_unlimited_not_as_slow() -> None:
    budget = PacedBudget(5, [0.9], enforce=False)  # announces 5 and never answers 429
    result = _timed_probe(budget)
    assert result.limited is None and result.too_slow == "" and 7 <= result.sent < 200
    with pytest.raises(AssertionError, match=r"Expected HTTP 429 within 200 requests .* remaining=0"):
        RateLimitKeywords().rate_limited_response_of(result)


def test_a_too_slow_probe_marks_its_failure_with_the_runners_no_rerun_tag() -> None:
    from smoke_runner.rerun.policy import NO_RERUN_TAG

    assert MEASURED_FAILURE_TAG == NO_RERUN_TAG


# -- a bucket an earlier run left exhausted --------------------------------------------------------


def test_a_bucket_exhausted_longer_than_the_wait_is_proven_by_its_429() -> None:
    session = ScriptedSession([(429, 0, "50")])
    probe = probe_rate_limit(PLANS, 50, True, 5, 15, session=session)
    assert session.calls == 1 and probe.limited is not None
    assert "already exhausted after 0 answer(s) (Retry-After 50 s, more than RATE_LIMIT_MAX_WAIT=15 s" in (
        probe.exhausted_before
    )
    RateLimitKeywords().rate_limit_headers_should_count_down(probe)  # passes, with a warning


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Retry-After": "50"}, "no rate-limit header"),
        ({"RateLimit-Limit": "0", "RateLimit-Remaining": "0", "Retry-After": "50"}, "a limit of none"),
        ({"RateLimit-Limit": "3", "RateLimit-Remaining": "0"}, "no Retry-After"),
        ({"RateLimit-Remaining": "0", "Retry-After": "50"}, "no announced limit"),
        ({"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "Retry-After": "50"}, "more than a probe sends"),
    ],
)
def test_a_429_at_the_start_proving_no_exhausted_limit_fails_the_countdown(headers: dict[str, str], why: str) -> None:
    class Refusing:
        def get(self, url: str, **_: object) -> requests.Response:
            return _response(429, headers)

    probe = probe_rate_limit(PLANS, 50, True, 5, 15, session=Refusing())  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="its HTTP 429 announced no exhausted limit to prove it"):
        RateLimitKeywords().rate_limit_headers_should_count_down(probe)
