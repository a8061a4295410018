"""Proof on a second API (issue 10, item 5): both suites against the reference API's classic dialect.

The classic dialect differs from the contract in paths, bodies, statuses, answer shapes, error
format, rate-limit headers, plan and status words, and offers no webhooks. With its profile
(``variables/profiles/classic.yaml``) and nothing else:

* a healthy classic API passes every applicable test; the webhook flow SKIPs as not offered;
* every proof the suites declare (``guards:`` tags) that applies to classic makes its tests fail
  with the declared message parts here too (``test_dialect_proofs.py``);
* with the default profile instead, the OpenAPI check names the operations that are not offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.profiles._agreement import disagreements
from tests.profiles._dialect import CLASSIC
from tests.support.proof_run import describe
from tests.support.robot_run import RobotRun
from tests.support.suite_model import (
    count_of,
    guarded_by_stand_in,
    names_of,
    only_test_broken_by_fault,
    only_test_tagged,
)

pytestmark = pytest.mark.suites

Healthy = tuple[RobotRun, dict[str, int]]  # the healthy run and the rows it left

NOT_OFFERED = "Operation 'create_webhook' is not offered by this deployment (profile classic)"


# -- a healthy classic API -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Healthy]:
    yield CLASSIC.healthy_run(tmp_path_factory.mktemp("classic-healthy"))


def test_a_healthy_classic_api_passes_every_test_it_offers(healthy: Healthy) -> None:
    run, _ = healthy
    webhooks = only_test_tagged("workflows", "webhooks").name
    # webhooks are not offered; Redis is not configured; plain HTTP has no certificate
    skipped = {
        webhooks,
        only_test_broken_by_fault("health", "health_no_redis_check").name,
        guarded_by_stand_in("health", "bad-certificate")[0].name,
    }
    assert not CLASSIC.outcome_problems(run, skipped), describe(run)
    assert run.message(webhooks) == NOT_OFFERED


def test_the_classic_run_compares_the_profile_with_the_openapi_document(healthy: Healthy) -> None:
    run, _ = healthy
    log = (run.output_dir / "output.xml").read_text(encoding="utf-8")
    assert "Operations of the profile compared with" in log and "MISSING from the document" not in log


def test_the_classic_run_agrees_with_the_applicability_table(healthy: Healthy) -> None:
    run, _ = healthy
    assert not disagreements(run.output_dir / "output.xml", CLASSIC.profile)


def test_the_classic_run_leaves_no_data_and_no_password(healthy: Healthy) -> None:
    run, left = healthy
    assert not left, f"the run left rows behind: {left}"
    assert not CLASSIC.leaks(run)


# -- the classic API with the default profile -------------------------------------------------------
def test_the_default_profile_on_the_classic_api_names_what_is_not_offered(tmp_path: Path) -> None:
    run, left = CLASSIC.healthy_run(tmp_path, profile=False)
    workflows = {name: o for name, o in run.tests.items() if name in names_of("workflows")}
    assert len(workflows) == count_of("workflows"), describe(run)
    assert all(o.status == "FAIL" for o in workflows.values()), describe(run)
    for outcome in workflows.values():
        assert (
            "POST /api/v1/auth/register is not offered by this API (its OpenAPI document has no such operation)"
        ) in outcome.message, outcome.message
    # not a wall of 401/404: only the unknown-path check expects (and gets) a 404, in the wrong format
    errors = only_test_broken_by_fault("health", "error_not_problem_json").name
    failed = [o.message for name, o in run.tests.items() if o.status == "FAIL" and name != errors]
    assert not [m for m in failed if "answered 401" in m or "answered 404" in m], describe(run)
    rate_limits = only_test_broken_by_fault("health", "no_rate_limit").name
    authentication = only_test_broken_by_fault("health", "login_500").name
    assert "GET /api/v1/plans is not offered by this API" in run.message(rate_limits)
    assert "POST /api/v1/auth/login is not offered by this API" in run.message(authentication)
    assert not left
