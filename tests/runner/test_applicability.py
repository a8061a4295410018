"""Deployments that do not offer everything (issue 10, items 2 and 5): ``--demo --dialect`` starts
the reference API in the chosen dialect, and tests that SKIP as "not offered by this deployment" are
counted as not applicable in the console and the summary, on real Robot output.
"""

from __future__ import annotations

import io
import json
import ssl
import urllib.request
from pathlib import Path

import pytest
import robot

from smoke_runner import cli
from smoke_runner.cli import UsageError, parse_options
from smoke_runner.configure.options import Options
from smoke_runner.decide.verdict import Verdict, decide
from smoke_runner.domain.model import FAIL, PASS, SKIP, RunResults, SuiteResult
from smoke_runner.domain.model import TestResult as Result
from smoke_runner.merge.results import load_results
from smoke_runner.pipeline import provide_target
from smoke_runner.processes.guard import Guard
from smoke_runner.publish import console
from smoke_runner.publish.summary import RunInfo, render_summary

NOT_OFFERED = "not offered by this deployment (profile classic)"

WORKFLOWS = f"""\
*** Test Cases ***
Sign Up Flow
    [Documentation]    Offered and passing.
    [Tags]    workflow    auth
    Log    ok

Grid Creation Flow
    [Documentation]    Offered and passing.
    [Tags]    workflow    lattices
    Log    ok

Callback Registration Flow
    [Documentation]    The profile declares webhooks as not offered.
    [Tags]    workflow    webhooks    security
    Skip    Webhooks {NOT_OFFERED}

Batch Operations Flow
    [Documentation]    The profile declares the bulk endpoints as not offered.
    [Tags]    workflow    lattices    performance
    Skip    Bulk endpoints {NOT_OFFERED}

Counter Tracking Flow
    [Documentation]    Skipped for another reason: still applicable.
    [Tags]    workflow    billing
    Skip    usage counters are switched off in this environment

Failure Recovery Flow
    [Documentation]    A failure whose message merely mentions the phrase is a failure, not "not offered".
    [Tags]    workflow    errors    robot:skip-on-failure
    Fail    expected 200 but the API said: {NOT_OFFERED}
"""

HEALTH = f"""\
*** Test Cases ***
Service Is Answering
    [Documentation]    Offered and passing.
    Log    ok

Throttling Is Enforced
    [Documentation]    The profile declares the rate-limit headers as not offered.
    Skip    Rate-limit headers {NOT_OFFERED}
"""

NOTHING_OFFERED = f"""\
*** Test Cases ***
First Flow
    [Documentation]    Not offered.
    Skip    {NOT_OFFERED}

Second Flow
    [Documentation]    Not offered.
    Skip    {NOT_OFFERED}
"""


def _robot_results(tmp_path: Path, suites: dict[str, str]) -> RunResults:
    """Run small Robot suites (one folder, one file per suite) and read them like the runner does."""
    folder = tmp_path / "smoke"
    folder.mkdir()
    sources = {}
    for key, text in suites.items():
        sources[key] = folder / f"{key}.robot"
        sources[key].write_text(text, encoding="utf-8")
    output = tmp_path / "output.xml"
    robot.run(str(folder), output=str(output), log="NONE", report="NONE", stdout=io.StringIO(), stderr=io.StringIO())
    return load_results(output, sources)


def _summary(results: RunResults) -> str:
    info = RunInfo(
        run_name="r",
        run_id="id",
        target="https://127.0.0.1:1",
        started="now",
        duration=1.0,
        suites=[suite.key for suite in results.suites],
        processes=2,
        demo=True,
        dialect="classic",
    )
    return render_summary(info, results, decide(results), None, [])


def test_not_offered_workflows_are_counted_and_named_in_summary_and_console(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    results = _robot_results(tmp_path, {"health": HEALTH, "workflows": WORKFLOWS})
    tests = {test.name: test for test in results.tests}
    assert tests["Callback Registration Flow"].status == SKIP and tests["Callback Registration Flow"].not_offered
    assert not tests["Counter Tracking Flow"].not_offered  # another skip reason: applicable
    assert tests["Failure Recovery Flow"].status == FAIL and not tests["Failure Recovery Flow"].not_offered

    expected = "4 of 6 workflows applicable; not offered: callback registration, batch operations"
    health = "health: 1 of 2 tests applicable; not offered: throttling is enforced"
    assert results.applicability_notes("workflows") == [expected, health]
    summary = _summary(results)
    assert f"Applicable:   {expected}" in summary and f"Applicable:   {health}" in summary
    assert "(bundled reference API, --demo, classic dialect)" in summary

    console.verdict(decide(results), results)
    printed = capsys.readouterr().out
    assert f"Applicable: {expected}" in printed and f"Applicable: {health}" in printed


def test_a_run_where_everything_is_offered_says_so() -> None:
    flows = [Result("workflows", f"Flow {i}", "Smoke.Workflows", PASS) for i in range(10)]
    health = [Result("health", "Check", "Smoke.Health", PASS)]
    results = RunResults([SuiteResult("health", tests=health), SuiteResult("workflows", tests=flows)])
    assert results.applicability_notes("workflows") == ["10 of 10 workflows applicable"]
    assert "Applicable:   10 of 10 workflows applicable" in _summary(results)


def test_not_offered_tests_are_skips_for_the_verdict() -> None:
    flows = [Result("workflows", f"Flow {i}", "Smoke.Workflows", PASS) for i in range(8)]
    flows += [
        Result(
            "workflows",
            "Callback Registration Flow",
            "Smoke.Workflows",
            SKIP,
            f"Webhooks {NOT_OFFERED}",
            tags=("workflow", "security"),
        )
    ]
    results = RunResults(
        [
            SuiteResult("health", tests=[Result("health", "Check", "Smoke.Health", PASS)]),
            SuiteResult("workflows", tests=flows),
        ]
    )
    decision = decide(results)
    assert decision.verdict is Verdict.PROCEED and decision.workflow_pass_rate == 1
    assert results.applicability_notes("workflows") == [
        "8 of 9 workflows applicable; not offered: callback registration"
    ]


def test_a_profile_that_leaves_nothing_applicable_rolls_back(tmp_path: Path) -> None:
    results = _robot_results(tmp_path, {"health": NOTHING_OFFERED, "workflows": NOTHING_OFFERED})
    assert all(test.not_offered for test in results.tests) and len(results.tests) == 4
    decision = decide(results)
    assert decision.verdict is Verdict.ROLLBACK and decision.exit_code == 30
    assert "No test passed or failed" in decision.reason
    assert results.applicability_notes("workflows") == [
        "0 of 2 workflows applicable; not offered: first, second",
        "health: 0 of 2 tests applicable; not offered: first, second",
    ]


def test_a_profile_under_which_no_workflow_is_offered_rolls_back_although_health_passes(tmp_path: Path) -> None:
    results = _robot_results(tmp_path, {"health": HEALTH, "workflows": NOTHING_OFFERED})
    decision = decide(results)
    assert decision.verdict is Verdict.ROLLBACK and decision.exit_code == 30
    assert decision.reason.startswith("No test of suite(s) workflows passed or failed"), decision.reason


# --- --dialect ------------------------------------------------------------------------------------
def test_dialect_is_an_option_of_demo() -> None:
    assert parse_options(["--demo"]).dialect == "contract"  # type: ignore[union-attr]
    assert parse_options(["--demo", "--dialect", "classic"]).dialect == "classic"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="use it with --demo"):
        parse_options(["--dialect", "classic"])
    with pytest.raises(UsageError, match="invalid choice"):
        parse_options(["--demo", "--dialect", "modern"])


def test_dialect_without_demo_exits_2_before_doing_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--dialect", "classic"]) == 2
    assert "--dialect chooses the bundled reference API's dialect: use it with --demo" in capsys.readouterr().err


def test_help_names_the_dialect_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 2
    text = capsys.readouterr().out
    assert "--dialect {contract,classic,lean}" in text and "with --demo" in text


@pytest.mark.parametrize(
    ("dialect", "present", "absent"),
    [
        ("classic", "/grids/{id}/route", "/api/v1/lattices"),
        ("contract", "/api/v1/lattices/{id}/pathfind", "/grids"),
    ],
)
def test_demo_starts_the_reference_api_in_the_chosen_dialect(
    monkeypatch: pytest.MonkeyPatch,
    dialect: str,
    present: str,
    absent: str,
) -> None:
    monkeypatch.setenv("LATTICE_DIALECT", "contract" if dialect == "classic" else "classic")  # --dialect wins
    with provide_target(Options(demo=True, dialect=dialect), Guard()) as target:
        context = ssl.create_default_context(cafile=target.ca_bundle)
        with urllib.request.urlopen(f"{target.url}/openapi.json", timeout=10, context=context) as answer:  # noqa: S310
            paths = json.load(answer)["paths"]
    assert present in paths and absent not in paths


SETUP_FAILS = f"""\
*** Settings ***
Suite Setup    Fail    Log in as the run's identity: POST /auth/login answered 500

*** Test Cases ***
Sign Up Flow
    [Documentation]    Would be offered.
    Log    ok

Callback Registration Flow
    [Documentation]    Would not be offered.
    Skip    Webhooks {NOT_OFFERED}
"""


def test_a_suite_whose_setup_failed_does_not_claim_every_test_applicable(tmp_path: Path) -> None:
    """Robot fails every test of the suite without running it: nothing said what the deployment offers."""
    results = _robot_results(tmp_path, {"health": HEALTH, "workflows": SETUP_FAILS})
    flows = [test for test in results.tests if test.suite == "workflows"]
    assert flows and all(test.failed and test.setup_failed for test in flows)
    assert not any(test.setup_failed for test in results.tests if test.suite == "health")
    notes = results.applicability_notes("workflows")
    assert notes[0] == "workflows: not known, the suite setup failed before any test ran", notes
    assert decide(results).verdict is Verdict.ROLLBACK
    assert "Applicable:   workflows: not known, the suite setup failed before any test ran" in _summary(results)
