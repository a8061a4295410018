"""The rate-limit probe proves enforcement without starving anyone: against a limit above the probe's
maximum and against one per-address budget shared by every endpoint (the reference API's
``RATE_LIMIT_SHARED``), alone and with both suites running in parallel as the runner runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from robot.api import ExecutionResult

from tests.runner.helpers import run_runner
from tests.support.server import ReferenceApi
from tests.support.suite_model import only_test_broken_by_fault

from ._support import describe_run, run_health

pytestmark = pytest.mark.suites

RATE = only_test_broken_by_fault("health", "no_rate_limit").name
#: One budget per client address for every limited request, 1,000 a minute (as a gateway would do it).
SHARED_BUDGET = {"RATE_LIMIT_SHARED": "1000", "RATE_LIMIT_WINDOW_SECONDS": "60"}
SMALL_SHARED_BUDGET = {"RATE_LIMIT_SHARED": "150", "RATE_LIMIT_WINDOW_SECONDS": "60"}


def remaining_budget(api: ReferenceApi) -> tuple[int, int]:
    """Status and announced remaining count of one more anonymous request from this address."""
    answer = requests.get(api.base_url + "/api/v1/plans", timeout=10)
    return answer.status_code, int(answer.headers["RateLimit-Remaining"])


def test_a_limit_above_the_probe_maximum_passes_on_its_countdown_and_names_both_numbers(tmp_path: Path) -> None:
    with ReferenceApi(env={"RATE_LIMIT_ANON": "1000", "RATE_LIMIT_WINDOW_SECONDS": "60"}) as api:
        run = run_health(api.base_url, tmp_path, tests=[RATE])
        status, remaining = remaining_budget(api)
    assert run.status(RATE) == "PASS", describe_run(run)
    assert "announces a limit of 1000 requests" in run.stdout and "RATE_LIMIT_PROBE_MAX=200" in run.stdout
    assert "raise RATE_LIMIT_PROBE_MAX to at least 1001" in run.stdout
    assert (status, remaining) == (200, 996)  # 3 requests of the probe, then this one: the budget is left


def test_a_shared_budget_within_the_maximum_is_not_used_up(tmp_path: Path) -> None:
    with ReferenceApi(env=SMALL_SHARED_BUDGET) as api:
        run = run_health(api.base_url, tmp_path, tests=[RATE])
        status, remaining = remaining_budget(api)
    assert run.status(RATE) == "PASS", describe_run(run)
    assert "is shared with other requests from this address" in run.stdout, run.stdout
    assert "a request to the control path counted against it" in run.stdout
    assert status == 200 and remaining >= 140


def test_a_shared_budget_is_probed_to_429_only_when_asked_to(tmp_path: Path) -> None:
    with ReferenceApi(env=SMALL_SHARED_BUDGET) as api:
        run = run_health(api.base_url, tmp_path, tests=[RATE], variables={"RATE_LIMIT_PROBE_SHARED": "true"})
        status, _ = remaining_budget(api)
    assert run.status(RATE) == "PASS", describe_run(run)
    assert "shared with other requests" not in run.stdout
    assert status == 429  # the probe used the budget up: that is why it is not the default


def test_a_service_that_announces_nothing_and_never_limits_still_fails(tmp_path: Path) -> None:
    with ReferenceApi(faults=["no_rate_limit", "rate_limit_no_headers"]) as api:
        run = run_health(api.base_url, tmp_path, tests=[RATE], variables={"RATE_LIMIT_PROBE_MAX": "40"})
    assert run.status(RATE) == "FAIL", describe_run(run)
    assert "carried no RateLimit" in run.message(RATE)


def _statuses_and_warnings(output: Path) -> tuple[dict[str, str], dict[str, str], list[str]]:
    result = ExecutionResult(str(output))
    statuses: dict[str, str] = {}
    messages: dict[str, str] = {}

    def visit(suite) -> None:  # noqa: ANN001 - robot's result model
        for test in suite.tests:
            statuses[f"{suite.name}.{test.name}"] = test.status
            messages[f"{suite.name}.{test.name}"] = test.message
        for child in suite.suites:
            visit(child)

    visit(result.suite)
    return statuses, messages, [message.message for message in result.errors.messages]


def _run_both_suites(api: ReferenceApi, results_dir: Path, *args: str):  # noqa: ANN202
    run = run_runner(list(args), results_dir, env={"PRODUCTION_URL": api.base_url}, timeout=400)
    statuses, messages, warnings = _statuses_and_warnings(run.run_dir / "output.xml")
    workflows = {name: status for name, status in statuses.items() if name.startswith("Workflows.")}
    assert len(workflows) == 10, f"{sorted(statuses)}\n{run.console}"
    assert set(workflows.values()) == {"PASS"}, "\n".join(f"{n}: {messages[n]}" for n in workflows) + run.console
    assert not [name for name, message in messages.items() if "429" in message], messages
    assert statuses["Health." + RATE] == "PASS", messages["Health." + RATE]
    return run, warnings


def test_both_suites_in_parallel_against_a_shared_budget_above_the_maximum_see_no_429(tmp_path: Path) -> None:
    with ReferenceApi(env=SHARED_BUDGET) as api:
        run, warnings = _run_both_suites(api, tmp_path / "results")
    assert any("announces a limit of 1000 requests" in w and "RATE_LIMIT_PROBE_MAX=200" in w for w in warnings), (
        warnings
    )
    assert "VERDICT: PROCEED" in run.stdout, run.console


def test_both_suites_in_parallel_against_a_shared_budget_the_probe_could_exhaust_see_no_429(tmp_path: Path) -> None:
    """The probe's maximum is raised above the budget: only the shared-budget check stops it from
    using up the 1,000 requests the workflows running next to it need."""
    with ReferenceApi(env=SHARED_BUDGET) as api:
        run, warnings = _run_both_suites(api, tmp_path / "results", "--variable", "RATE_LIMIT_PROBE_MAX:1200")
        status, remaining = remaining_budget(api)
    assert any("is shared with other requests from this address" in w for w in warnings), warnings
    assert status == 200 and remaining > 0
    assert "VERDICT: PROCEED" in run.stdout, run.console
