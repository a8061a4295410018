"""A verdict that matches the damage, and evidence every consumer reads right (issue 11, issue 9 item 2).

* A failed check tagged ``security`` rolls back whatever the workflow pass rate, naming the check:
  proven on synthetic results and with the runner against the reference API (an auth bypass, a
  cross-tenant read, a listed webhook secret).
* A FLAKY test makes the verdict at least MONITOR and is named; PROCEED needs every first attempt.
* A test that ended SKIP after a failure (``robot:skip-on-failure``, a skip in the teardown after a
  failed step) counts as failed; a plain skip does not. Proven on real Robot output.
* A re-run that fails again keeps both messages in the model, console, summary, JUnit and history.
* The JUnit files validate against the strict schema of Jenkins' xunit plugin (``xmlschema``).
* output.xml, log.html and report.html carry the verdict as top-level metadata; report.html shows
  it when a real browser (headless chromium) renders it.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import robot

from smoke_runner.decide.verdict import Verdict, decide
from smoke_runner.domain.model import FAIL, PASS, SKIP, RunResults, SuiteResult
from smoke_runner.domain.model import TestResult as Result
from smoke_runner.merge.results import load_results
from smoke_runner.publish.history import failure_records
from smoke_runner.publish.junit import write_suite_xunit
from smoke_runner.publish.summary import RunInfo, render_summary, verdict_metadata, verdict_properties
from tests.runner.helpers import (
    assert_valid_junit,
    junit_cases,
    junit_properties,
    output_metadata,
    run_robot,
    run_runner,
)
from tests.support.suite_model import names_of, only_test_broken_by_fault

pytestmark = pytest.mark.suites

# -- the decision matrix on synthetic results ---------------------------------------------------


def _workflows(passed: int, failed: list[Result] | None = None, flaky: int = 0) -> SuiteResult:
    tests = [Result("workflows", f"Flow {i}", "Smoke.Workflows", PASS, tags=("workflow",)) for i in range(passed)]
    tests += [
        Result(
            "workflows",
            f"Flaky Flow {i}",
            "Smoke.Workflows",
            PASS,
            flaky=True,
            rerun=True,
            first_message="HTTP 502 from one replica",
        )
        for i in range(flaky)
    ]
    return SuiteResult("workflows", "Workflows", tests=tests + list(failed or []))


def _health(passed: int = 11) -> SuiteResult:
    return SuiteResult(
        "health", "Health", tests=[Result("health", f"Check {i}", "Smoke.Health", PASS) for i in range(passed)]
    )


@pytest.mark.parametrize("tag", ["security", "SECURITY", "Secu rity", "secu_rity"])
def test_failed_security_check_rolls_back_at_ninety_percent_and_names_the_check(tag: str) -> None:
    bypass = Result(
        "workflows",
        "Token Access Flow",
        "Smoke.Workflows",
        FAIL,
        "Step 'Read with a tampered token': expected HTTP 401, but GET ... answered 200",
        tags=("workflow", "auth", tag),
    )
    decision = decide(RunResults([_health(), _workflows(9, [bypass])]))
    assert decision.verdict is Verdict.ROLLBACK, decision.reason
    assert "security check" in decision.reason
    assert "'workflows / Token Access Flow'" in decision.reason
    assert decision.failing == [bypass]


def test_failed_workflow_without_security_tag_keeps_the_matrix_row_monitor() -> None:
    broken = Result(
        "workflows",
        "Plan Management Flow",
        "Smoke.Workflows",
        FAIL,
        "counter did not move",
        tags=("workflow", "billing"),
    )
    decision = decide(RunResults([_health(), _workflows(9, [broken])]))
    assert decision.verdict is Verdict.MONITOR
    assert "9/10 workflows passed (90.0%)" in decision.reason


def test_flaky_test_alone_makes_monitor_and_is_named() -> None:
    decision = decide(RunResults([_health(), _workflows(9, flaky=1)]))
    assert decision.verdict is Verdict.MONITOR and decision.exit_code == 10
    assert "not at its first attempt" in decision.reason and "'workflows / Flaky Flow 0'" in decision.reason
    assert decision.workflow_pass_rate == 1  # it still counts as passed in the rate


def test_flaky_test_is_named_with_a_failed_workflow_and_never_lifts_investigate() -> None:
    broken = Result("workflows", "Plan Management Flow", "Smoke.Workflows", FAIL, "boom")
    monitor = decide(RunResults([_health(), _workflows(8, [broken], flaky=1)]))
    assert monitor.verdict is Verdict.MONITOR and "'workflows / Flaky Flow 0'" in monitor.reason
    investigate = decide(RunResults([_health(), _workflows(6, [broken, broken], flaky=1)]))
    assert investigate.verdict is Verdict.INVESTIGATE and "'workflows / Flaky Flow 0'" in investigate.reason


def test_proceed_means_every_test_passed_at_its_first_attempt() -> None:
    decision = decide(RunResults([_health(), _workflows(10)]))
    assert decision.verdict is Verdict.PROCEED
    assert "first attempt" in decision.reason


# -- real Robot output: skips after failures and re-runs that fail differently ------------------

SKIPS_SUITE = """\
*** Settings ***
Documentation    Skips of every kind.

*** Test Cases ***
Failure Turned Into A Skip By The Reserved Tag
    [Documentation]    robot:skip-on-failure turns this failure into a skip.
    [Tags]    robot:skip-on-failure
    Fail    security headers are missing

Skip In The Teardown After A Failure
    [Documentation]    The body fails, the teardown skips.
    Fail    database is down
    [Teardown]    Skip    skipped in the teardown

Plain Skip
    [Documentation]    Skipped on purpose: Redis is not configured.
    Skip    Redis is not configured

Skip After An Ignored Failure
    [Documentation]    A failure that was expected and handled, then a plain skip.
    Run Keyword And Ignore Error    Fail    expected and handled
    Skip    Redis is not configured

Skip After A Handled Exception
    [Documentation]    TRY/EXCEPT handled the failure, then a plain skip.
    TRY
        Fail    expected and handled
    EXCEPT    expected and handled
        Log    handled
    END
    Skip    Redis is not configured
"""

ATTEMPTS_SUITE = """\
*** Settings ***
Documentation    A test that fails differently on its first attempt and on the re-run.

*** Test Cases ***
Plan Management Flow
    [Documentation]    First attempt: 500; re-run: 429 (the first attempt used up the budget).
    IF    '${ATTEMPT}' == 'first'
        Fail    Step 'Read usage': expected HTTP 200, but GET /api/v1/usage answered 500
    END
    Fail    Step 'Read usage': expected HTTP 200, but GET /api/v1/usage answered 429

Stable Flow
    [Documentation]    Passes every time.
    Log    fine
"""


def test_skip_after_a_failure_counts_as_failed_but_a_plain_skip_does_not(tmp_path: Path) -> None:
    source = tmp_path / "health.robot"
    source.write_text(SKIPS_SUITE)
    output = run_robot(source, tmp_path / "output.xml")
    results = load_results(output, {"health": source})
    tests = {test.name: test for test in results.tests}
    for name in ("Failure Turned Into A Skip By The Reserved Tag", "Skip In The Teardown After A Failure"):
        assert tests[name].status == FAIL and tests[name].skipped_on_failure, tests[name]
        assert tests[name].message.startswith("Skipped after a failure, counted as failed: ")
    assert "security headers are missing" in tests["Failure Turned Into A Skip By The Reserved Tag"].message
    for name in ("Plain Skip", "Skip After An Ignored Failure", "Skip After A Handled Exception"):
        assert tests[name].status == SKIP and not tests[name].skipped_on_failure, tests[name]
    decision = decide(results)
    assert decision.verdict is Verdict.ROLLBACK and "2 health check(s) failed" in decision.reason


def two_attempts(tmp_path: Path, first_attempt: str) -> tuple[Path, Path, Path, Path]:
    """Runs the attempts suite once as ``first_attempt``, re-runs its failures as "second" and merges
    both with rebot: (source, first output, re-run output, merged output)."""
    source = tmp_path / "workflows.robot"
    source.write_text(ATTEMPTS_SUITE)
    first = run_robot(source, tmp_path / "first.xml", variable=[f"ATTEMPT:{first_attempt}"])
    rerun = run_robot(source, tmp_path / "rerun.xml", variable=["ATTEMPT:second"], rerunfailed=str(first))
    merged = tmp_path / "output.xml"
    quiet = {"log": "NONE", "report": "NONE", "stdout": io.StringIO(), "stderr": io.StringIO()}
    robot.rebot(str(first), str(rerun), merge=True, output=str(merged), **quiet)
    return source, first, rerun, merged


def test_rerun_that_fails_differently_keeps_both_messages_for_every_consumer(tmp_path: Path) -> None:
    source, first, rerun, merged = two_attempts(tmp_path, first_attempt="first")
    results = load_results(merged, {"workflows": source}, first, rerun)
    test = next(test for test in results.tests if test.name == "Plan Management Flow")
    assert test.failed and test.rerun and not test.flaky
    expected = (
        "first attempt: Step 'Read usage': expected HTTP 200, but GET /api/v1/usage answered 500; "
        "re-run: Step 'Read usage': expected HTTP 200, but GET /api/v1/usage answered 429"
    )
    assert test.message == expected
    decision = decide(results)
    # summary
    info = RunInfo("20260101_000000", "run-1", "https://api.example.com", "2026-01-01T00:00:00", 1.0, ["workflows"], 1)
    assert expected in render_summary(info, results, decision, None, [])
    # JUnit: both messages in the failure, the re-run's in a Surefire <rerunFailure>, schema-valid
    junit = write_suite_xunit(
        results.suites[0],
        tmp_path / "workflows.xml",
        "2026-01-01T00:00:00",
        properties=verdict_properties(decision, "run-1", "https://api.example.com"),
    )
    assert_valid_junit(junit)
    case = junit_cases(junit)["Plan Management Flow"]
    assert case.find("failure").get("message") == expected
    assert case.find("rerunFailure").get("message").endswith("answered 429")
    # history
    assert failure_records(results) == [{"suite": "workflows", "test": "Plan Management Flow", "message": expected}]


def test_identical_messages_of_both_attempts_are_not_repeated(tmp_path: Path) -> None:
    source, first, rerun, merged = two_attempts(tmp_path, first_attempt="second")
    test = next(
        test
        for test in load_results(merged, {"workflows": source}, first, rerun).tests
        if test.name == "Plan Management Flow"
    )
    assert test.message == (
        "Step 'Read usage': expected HTTP 200, but GET /api/v1/usage answered 429 "
        "(the same on the first attempt and the re-run)"
    )


def test_junit_of_a_flaky_test_carries_flaky_failure_and_validates(tmp_path: Path) -> None:
    suite = _workflows(9, flaky=1)
    suite.source = "suites/workflows.robot"
    decision = decide(RunResults([suite]))
    path = write_suite_xunit(
        suite,
        tmp_path / "workflows.xml",
        "2026-01-01T00:00:00",
        properties=verdict_properties(decision, "run-1", "https://api.example.com"),
    )
    assert_valid_junit(path)
    flaky = junit_cases(path)["Flaky Flow 0"].find("flakyFailure")
    assert flaky.get("message") == "HTTP 502 from one replica" and flaky.get("type")
    assert flaky.find("stackTrace").text == "HTTP 502 from one replica"
    assert junit_properties(path)["verdict"] == "MONITOR"


def test_schema_check_rejects_what_the_strict_schema_forbids(tmp_path: Path) -> None:
    """The validation is not a formality: the old layout (skipped on <testsuites>) fails it."""
    bad = tmp_path / "old.xml"
    bad.write_text(
        '<testsuites name="x" tests="1" failures="0" errors="0" skipped="0" time="0.1">'
        '<testsuite name="x" tests="1" failures="0" errors="0"><testcase name="t"/></testsuite>'
        "</testsuites>"
    )
    with pytest.raises(AssertionError, match="skipped"):
        assert_valid_junit(bad)


def test_verdict_metadata_names_verdict_reason_run_target_and_counts() -> None:
    broken = Result(
        "workflows", "Callback Registration Flow", "Smoke.Workflows", FAIL, "secret listed", tags=("security",)
    )
    results = RunResults([_workflows(9, [broken])])
    decision = decide(results)
    metadata = verdict_metadata(decision, results, "run-1", "https://api.example.com")
    assert metadata["Verdict"].startswith("ROLLBACK (exit code 30)")
    assert "Callback Registration Flow" in metadata["Verdict Reason"]
    assert metadata["Run ID"] == "run-1" and metadata["Target"] == "https://api.example.com"
    assert metadata["Counts"].startswith("10 tests: 9 passed, 1 failed, 0 skipped, 0 flaky")


# -- the runner against the reference API -------------------------------------------------------

#: Faults of security checks (an authentication bypass, another tenant's lattice returned, signing
#: secrets in the listing) and the flow each breaks, as the workflows suite declares it.
SECURITY_FAULTS = {
    fault: only_test_broken_by_fault("workflows", fault).name
    for fault in ("accept_tampered_token", "tenant_leak", "webhook_secret_in_listing")
}
#: The flow that reads the subscription (the one the subscription faults break) and the flow count.
SUBSCRIPTION_FLOW = only_test_broken_by_fault("workflows", "subscription_not_persisted").name
FLOWS = len(names_of("workflows"))


def _assert_evidence(run, verdict: str, reason_part: str) -> None:  # noqa: ANN001
    """The verdict is in every file people and CI read: console, summary, JUnit, output.xml."""
    assert f"VERDICT: {verdict}" in run.stdout and reason_part in run.stdout, run.console[-3000:]
    assert reason_part in run.summary()
    for junit in run.run_dir.glob("workflows_*.xml"):
        assert_valid_junit(junit)
        properties = junit_properties(junit)
        assert properties["verdict"] == verdict and reason_part in properties["reason"]
        assert properties["run_id"] and properties["target"].startswith("https://127.0.0.1:")
    metadata = output_metadata(run.run_dir / "output.xml")
    assert metadata["Verdict"].startswith(verdict) and reason_part in metadata["Verdict Reason"]
    assert metadata["Run ID"] == json.loads((run.results_dir / "history.jsonl").read_text().splitlines()[-1])["run_id"]
    assert metadata["Target"].startswith("https://127.0.0.1:") and "tests:" in metadata["Counts"]


@pytest.mark.parametrize(
    "fault",
    # one in the default tier, the others in the full tier (./run_tests.sh --full): the same path
    [pytest.param(fault, marks=[] if fault == "tenant_leak" else [pytest.mark.full]) for fault in SECURITY_FAULTS],
)
def test_security_fault_in_one_workflow_rolls_back_naming_the_check(results_dir: Path, fault: str) -> None:
    run = run_runner(["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": fault})
    assert run.returncode == 30, run.console[-3000:]
    flow = SECURITY_FAULTS[fault]
    assert f"Reason: 1 security check(s) failed: 'workflows / {flow}'" in run.stdout
    cases = junit_cases(run.artifact("workflows"))
    assert {name for name, case in cases.items() if case.find("failure") is not None} == {flow}
    _assert_evidence(run, "ROLLBACK", f"'workflows / {flow}'")


def test_rerun_failing_for_another_reason_shows_both_messages_everywhere(results_dir: Path) -> None:
    run = run_runner(
        ["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": "subscription_fails_then_throttled"}
    )
    assert run.returncode == 10, run.console[-3000:]  # all flows but one: MONITOR
    line = next(line for line in run.stdout.splitlines() if line.startswith(f"FAIL  workflows / {SUBSCRIPTION_FLOW}"))
    assert "first attempt: " in line and "answered 500" in line and "; re-run: " in line and "answered 429" in line
    summary = run.summary()
    assert "first attempt: " in summary and "answered 429" in summary
    case = junit_cases(run.artifact("workflows"))[SUBSCRIPTION_FLOW]
    message = case.find("failure").get("message")
    assert message.startswith("first attempt: ") and "answered 500" in message and "answered 429" in message
    assert "answered 429" in case.find("rerunFailure").get("message")
    history = json.loads((results_dir / "history.jsonl").read_text().splitlines()[-1])
    [failure] = history["failures"]
    assert failure["test"] == SUBSCRIPTION_FLOW and "answered 500" in failure["message"]
    assert "answered 429" in failure["message"]
    _assert_evidence(run, "MONITOR", f"{FLOWS - 1}/{FLOWS} workflows passed")


def test_flaky_run_is_monitor_naming_the_test_with_valid_junit(results_dir: Path) -> None:
    run = run_runner(["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": "flaky_once"})
    assert run.returncode == 10, run.console[-3000:]
    assert f"'workflows / {SUBSCRIPTION_FLOW}'" in run.stdout.splitlines()[-1]
    case = junit_cases(run.artifact("workflows"))[SUBSCRIPTION_FLOW]
    assert case.find("failure") is None and "answered 500" in case.find("flakyFailure").get("message")
    _assert_evidence(run, "MONITOR", f"'workflows / {SUBSCRIPTION_FLOW}'")


def _chromium() -> str | None:
    return next(
        (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
    )


@pytest.mark.full
def test_report_html_shows_the_verdict_when_a_browser_renders_it(results_dir: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium: install the Debian package chromium (.ci/run does)")
    run = run_runner(["--demo", "--suite", "workflows"], results_dir, env={"LATTICE_FAULTS": "tenant_leak"})
    assert run.returncode == 30, run.console[-3000:]
    for page in ("report.html", "log.html"):
        dom = subprocess.run(  # noqa: S603
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / ('chromium-' + page)}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                (run.run_dir / page).as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout
        assert "Verdict" in dom and "ROLLBACK (partial run) (exit code 30)" in dom, f"{page}: {dom[:2000]}"
        assert SECURITY_FAULTS["tenant_leak"] in dom and "Verdict Reason" in dom


def test_runner_counts_a_failure_turned_into_a_skip_as_failed(tmp_path: Path) -> None:
    """Issue 9: a selected test that ends SKIP after a failure is a failed test for the verdict."""
    from tests.support.hostile import HostileServer, answer

    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "health.robot").write_text("""\
*** Settings ***
Documentation    Throwaway health suite of the runner's tests.

*** Test Cases ***
Api Is Up
    [Documentation]    Passes.
    [Tags]    health
    Log    up
Protective Headers Are Present
    [Documentation]    Fails, and the reserved tag turns the failure into a skip.
    [Tags]    health    robot:skip-on-failure
    Fail    X-Content-Type-Options is missing
""")
    target = HostileServer(answer()).start()  # any HTTP answer passes the preflight
    try:
        run = run_runner(
            ["--suite", "health"],
            tmp_path / "results",
            env={"SMOKE_SUITES_DIR": str(suites), "PRODUCTION_URL": target.url},
        )
    finally:
        target.close()
    assert run.returncode == 30, run.console[-3000:]
    assert (
        "FAIL  health / Protective Headers Are Present: Skipped after a failure, counted as failed: "
        "Failed test skipped using 'robot:skip-on-failure' tag."
    ) in run.stdout
    assert "Reason: 1 health check(s) failed: 'health / Protective Headers Are Present'" in run.stdout
    case = junit_cases(run.artifact("health"))["Protective Headers Are Present"]
    assert case.find("failure") is not None and case.find("skipped") is None
    assert_valid_junit(run.artifact("health"))


LEFT_BEHIND_SUITE = """\
*** Settings ***
Documentation    Each attempt's clean-up leaves its own throwaway user behind (its login was broken).
Suite Teardown    Set Suite Metadata    Users Left Behind    - id ${ATTEMPT}-user: smoketest-${ATTEMPT}@example.com

*** Test Cases ***
Login Flow
    [Documentation]    Fails on both attempts.
    Fail    Step 'Log in': expected HTTP 200, but POST /oauth/token answered 500
"""


def test_users_left_behind_by_the_first_attempt_stay_in_the_record_after_the_re_run(tmp_path: Path) -> None:
    """rebot keeps a re-run suite's metadata from the re-run only; the first attempt's users are still on the target."""
    source = tmp_path / "workflows.robot"
    source.write_text(LEFT_BEHIND_SUITE)
    first = run_robot(source, tmp_path / "first.xml", variable=["ATTEMPT:first"])
    rerun = run_robot(source, tmp_path / "rerun.xml", variable=["ATTEMPT:second"], rerunfailed=str(first))
    merged = tmp_path / "output.xml"
    quiet = {"log": "NONE", "report": "NONE", "stdout": io.StringIO(), "stderr": io.StringIO()}
    robot.rebot(str(first), str(rerun), merge=True, output=str(merged), **quiet)
    results = load_results(merged, {"workflows": source}, first, rerun)
    assert results.profile.users_left_behind == [
        "id second-user: smoketest-second@example.com",
        "id first-user: smoketest-first@example.com",
    ]
