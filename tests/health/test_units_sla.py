"""The SLA's early stop: a pure decision over the samples taken so far, and the sampling loop around it."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import pytest
import requests

from libraries.SmokeLibrary.health.latency import (
    allowed_over_p95,
    measure_sla,
    percentile,
    sla_miss_decided,
)

pytestmark = pytest.mark.unit

P95_LIMIT, MAX_LIMIT = 500.0, 1000.0


@pytest.mark.parametrize(
    ("planned", "allowed"), [(1, 0), (3, 0), (19, 0), (20, 1), (21, 1), (39, 1), (40, 2), (100, 5)]
)
def test_the_p95_allows_as_many_slow_samples_as_nearest_rank_leaves_above_it(planned: int, allowed: int) -> None:
    assert allowed_over_p95(planned) == allowed


@pytest.mark.parametrize("planned", range(1, 61))
def test_the_allowance_agrees_with_the_nearest_rank_percentile_itself(planned: int) -> None:
    allowed = allowed_over_p95(planned)
    fast, slow = [100.0] * (planned - allowed), [900.0] * allowed
    assert percentile(fast + slow, 0.95) <= P95_LIMIT  # exactly the allowance: still met
    if allowed < planned:
        one_more = [100.0] * (planned - allowed - 1) + [900.0] * (allowed + 1)
        assert percentile(one_more, 0.95) > P95_LIMIT  # one more: missed whatever the order


def test_no_sample_can_be_planned_below_one() -> None:
    with pytest.raises(ValueError, match="at least one sample"):
        allowed_over_p95(0)


def test_nothing_is_decided_while_the_slow_samples_fit_in_the_allowance() -> None:
    assert sla_miss_decided([], 20, P95_LIMIT, MAX_LIMIT) == ""
    assert sla_miss_decided([900.0], 20, P95_LIMIT, MAX_LIMIT) == ""  # one of 20 may be slow
    assert sla_miss_decided([100.0] * 19 + [900.0], 20, P95_LIMIT, MAX_LIMIT) == ""  # a full, healthy sample


def test_one_slow_sample_more_than_the_p95_allows_decides_the_miss_with_the_numbers() -> None:
    miss = sla_miss_decided([900.0, 100.0, 917.0], 20, P95_LIMIT, MAX_LIMIT)
    assert miss == "p95 exceeds 500 ms: 2 of 20 planned samples took longer (slowest 917 ms), the p95 allows 1"


def test_a_small_sample_allows_no_slow_sample_at_all() -> None:
    assert "p95 exceeds 500 ms: 1 of 3 planned" in sla_miss_decided([501.0], 3, P95_LIMIT, MAX_LIMIT)


def test_a_sample_at_the_limit_meets_it() -> None:
    assert sla_miss_decided([500.0] * 20, 20, P95_LIMIT, MAX_LIMIT) == ""
    assert sla_miss_decided([1000.0], 20, P95_LIMIT, MAX_LIMIT) == ""  # one sample at max: allowed by both


def test_one_sample_over_a_hard_maximum_decides_at_once() -> None:
    assert sla_miss_decided([1200.0], 20, P95_LIMIT, MAX_LIMIT) == "max 1200 ms exceeds 1000 ms"


def test_a_soft_maximum_leaves_the_decision_to_the_p95() -> None:
    assert sla_miss_decided([1200.0], 20, P95_LIMIT, MAX_LIMIT, max_is_hard=False) == ""
    miss = sla_miss_decided([1200.0, 1300.0], 20, P95_LIMIT, MAX_LIMIT, max_is_hard=False)
    assert miss.startswith("p95 exceeds 500 ms") and "max" not in miss


def test_both_misses_are_named() -> None:
    miss = sla_miss_decided([1200.0, 1300.0], 20, P95_LIMIT, MAX_LIMIT)
    assert "p95 exceeds 500 ms: 2 of 20" in miss and "max 1300 ms exceeds 1000 ms" in miss


@pytest.mark.parametrize("planned", [1, 2, 5, 19, 20, 21, 40])
def test_an_early_decision_is_never_overturned_by_any_later_samples(planned: int) -> None:
    """Whatever the order of fast and slow samples: once decided, the full sample misses too."""
    for pattern in itertools.product([100.0, 900.0], repeat=min(planned, 8)):
        samples = list(pattern) + [100.0] * (planned - len(pattern))
        for taken in range(1, planned + 1):
            if sla_miss_decided(samples[:taken], planned, P95_LIMIT, MAX_LIMIT):
                for rest in ([100.0] * (planned - taken), [900.0] * (planned - taken)):
                    full = samples[:taken] + rest
                    assert percentile(full, 0.95) > P95_LIMIT or max(full) > MAX_LIMIT
                break
        else:  # never decided early: the full sample meets the SLA
            assert percentile(samples, 0.95) <= P95_LIMIT


# -- the sampling loop ---------------------------------------------------------------------------


def _answers(millis: list[float], status: int = 200):  # noqa: ANN202 - a stand-in for a session's GET
    script = iter(millis)
    calls: list[int] = []

    def get() -> requests.Response:
        calls.append(1)
        response = requests.Response()
        response.status_code = status
        response.url = "http://api.test/health"
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"status": "pass"}'
        response.request = requests.Request("GET", response.url).prepare()
        response.elapsed = timedelta(milliseconds=next(script))
        return response

    return get, calls


def test_a_healthy_endpoint_gets_every_planned_sample() -> None:
    get, calls = _answers([20.0] * 19 + [700.0])
    measured = measure_sla(get, "/health", 20, P95_LIMIT, MAX_LIMIT)
    assert len(calls) == 20 and not measured.stopped_early and measured.miss == ""
    assert measured.row()[1:3] == ("20 of 20", "20.0") and measured.row()[5:] == ("no", "met")


def test_a_slow_endpoint_is_sampled_only_until_its_miss_is_decided() -> None:
    get, calls = _answers([900.0] * 20)
    measured = measure_sla(get, "/health", 20, P95_LIMIT, MAX_LIMIT)
    assert len(calls) == 2 and measured.stopped_early
    failure = measured.failure("http://api.test")
    assert failure.startswith("GET http://api.test/health: p95 exceeds 500 ms: 2 of 20 planned samples")
    assert "sampling stopped early after 2 of 20 samples" in failure and "p50 900 ms, max 900 ms" in failure
    assert measured.row()[5:] == ("yes: SLA missed", "missed")


def test_a_miss_found_only_by_the_last_sample_says_it_was_measured_over_all_of_them() -> None:
    get, calls = _answers([20.0] * 19 + [1500.0])
    measured = measure_sla(get, "/health", 20, P95_LIMIT, MAX_LIMIT)
    assert len(calls) == 20 and not measured.stopped_early
    assert measured.failure("http://api.test") == (
        "GET http://api.test/health: max 1500 ms exceeds 1000 ms (over 20 requests; p50 20 ms, max 1500 ms)"
    )


def test_an_error_answer_fails_at_once_naming_the_sample() -> None:
    get, calls = _answers([5.0] * 20, status=503)
    with pytest.raises(AssertionError, match=r"Step 'Time GET /health' \(sample 1 of 20\): expected HTTP 200, but"):
        measure_sla(get, "/health", 20, P95_LIMIT, MAX_LIMIT)
    assert len(calls) == 1


def test_the_early_stop_saves_most_of_a_slow_sample() -> None:
    planned = 20
    get, calls = _answers([900.0] * planned)
    measure_sla(get, "/health", planned, P95_LIMIT, MAX_LIMIT)
    assert len(calls) == allowed_over_p95(planned) + 1 == planned - math.ceil(0.95 * planned) + 1
