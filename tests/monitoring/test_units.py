"""Fast checks of the monitoring options and helpers: intervals, listen addresses, environment names,
run folder pruning, the canary's counters and the last-run gauges."""

from __future__ import annotations

from pathlib import Path

import pytest

from smoke_runner.canary import CanaryMetrics, parse_interval, parse_listen_address, prune_run_folders, run_folders
from smoke_runner.cli import UsageError, parse_options
from smoke_runner.decide.verdict import decide
from smoke_runner.domain import model
from smoke_runner.publish.metrics import EnvironmentNameError, build_registry, check_environment, environment_name

pytestmark = pytest.mark.unit


def results(passed: int, failed: int, skipped: int = 0, flaky: int = 0) -> model.RunResults:
    tests = [
        model.TestResult("health", f"ok {index}", "Smoke.Health", "PASS", elapsed=0.2, flaky=index < flaky)
        for index in range(passed)
    ]
    tests += [
        model.TestResult("health", f"bad {index}", "Smoke.Health", "FAIL", elapsed=3.0) for index in range(failed)
    ]
    tests += [model.TestResult("health", f"skip {index}", "Smoke.Health", "SKIP") for index in range(skipped)]
    return model.RunResults([model.SuiteResult("health", "Health", tests=tests)])


def sample(registry, name: str, **labels: str) -> float | None:  # noqa: ANN001
    return registry.get_sample_value(name, labels)


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("1h", 3600), ("90", 90), ("1.5m", 90)])
def test_intervals_are_read_in_seconds_minutes_and_hours(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-1s", "0s", "0.5s", "m"])
def test_bad_intervals_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_metrics_listen_on_loopback_unless_an_address_is_given() -> None:
    assert parse_listen_address("9471") == ("127.0.0.1", 9471)
    assert parse_listen_address("0.0.0.0:9471") == ("0.0.0.0", 9471)
    assert parse_listen_address("[::1]:9471") == ("::1", 9471)
    for bad in ("x", "70000", "host:", "0"):
        with pytest.raises(ValueError, match="not a port"):
            parse_listen_address(bad)


def test_environment_comes_from_the_option_the_variable_demo_or_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMOKE_ENVIRONMENT", raising=False)
    assert environment_name(None, "https://api.staging.example.com:8443/v1") == "api.staging.example.com"
    assert environment_name(None, "http://[::1]:8000") == "1"
    assert environment_name(None, "https://127.0.0.1:9", demo=True) == "demo"
    assert environment_name("prod", "https://api.example.com") == "prod"
    monkeypatch.setenv("SMOKE_ENVIRONMENT", "staging")
    assert environment_name(None, "https://api.example.com") == "staging"
    for bad in ("", "a/b", "-x", "x" * 64, "a b"):
        with pytest.raises(EnvironmentNameError):
            check_environment(bad)


def test_command_line_checks_the_monitoring_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SMOKE_ENVIRONMENT", raising=False)
    options = parse_options(["--every", "5m", "--environment", "staging"])
    assert options is not None
    assert (options.every, options.metrics_listen, options.keep, options.environment) == (
        300.0,
        ("127.0.0.1", 9471),
        20,
        "staging",
    )
    one_shot = parse_options([])
    assert one_shot is not None and one_shot.every is None and one_shot.keep is None
    for argv, message in (
        (["--keep", "3"], "--keep is an option of canary mode"),
        (["--metrics-port", "9000"], "--metrics-port is an option of canary mode"),
        (["--every", "1m", "--dryrun"], "cannot be combined with --dryrun"),
        (["--environment", "a/b"], "not allowed"),
        (["--every", "soon"], "not an interval"),
    ):
        with pytest.raises(UsageError, match=message):
            parse_options(argv)
    monkeypatch.setenv("SMOKE_ENVIRONMENT", "bad name")
    with pytest.raises(UsageError, match="not allowed"):
        parse_options([])


def test_only_the_newest_run_folders_are_kept_and_never_latest(tmp_path: Path) -> None:
    names = ["20261201_100000", "20261201_100000_2", "20261201_100000_10", "20261201_100500", "20261201_101000"]
    for name in names:
        (tmp_path / name).mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "latest").symlink_to("20261201_100000", target_is_directory=True)
    assert [path.name for path in run_folders(tmp_path)] == names
    removed = prune_run_folders(tmp_path, keep=2)
    assert [path.name for path in removed] == ["20261201_100000_2", "20261201_100000_10"]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "20261201_100000",
        "20261201_100500",
        "20261201_101000",
        "latest",
        "notes",
    ]


def test_canary_counters_accumulate_over_runs_and_start_at_zero() -> None:
    canary = CanaryMetrics("staging", ["health"], 300)
    registry = canary.registry
    labels = {"environment": "staging", "suite": "health"}
    assert sample(registry, "smoke_test_total", **labels) == 0
    assert sample(registry, "smoke_test_failed_total", **labels) == 0
    assert sample(registry, "smoke_test_duration_seconds_count", environment="staging") == 0
    first, second = results(3, 1, skipped=1, flaky=1), results(4, 0)
    canary.record(first, decide(first), 10.0)
    canary.record(second, decide(second), 12.0)
    assert sample(registry, "smoke_test_total", **labels) == 8  # skipped tests are not counted
    assert sample(registry, "smoke_test_passed_total", **labels) == 7
    assert sample(registry, "smoke_test_failed_total", **labels) == 1
    assert sample(registry, "smoke_test_skipped_total", **labels) == 1
    assert sample(registry, "smoke_test_flaky_total", **labels) == 1
    assert sample(registry, "smoke_test_duration_seconds_count", environment="staging") == 8
    assert sample(registry, "smoke_test_duration_seconds_bucket", environment="staging", le="2.5") == 7
    assert sample(registry, "smoke_canary_runs_total", environment="staging", verdict="ROLLBACK") == 1
    assert sample(registry, "smoke_canary_runs_total", environment="staging", verdict="PROCEED") == 1
    # the last run's gauges, with the environment label
    assert sample(registry, "smoke_last_run_verdict", environment="staging", verdict="PROCEED", partial="false") == 1
    assert sample(registry, "smoke_last_run_duration_seconds", environment="staging") == 12.0
    assert sample(registry, "smoke_test_created", **labels) is None


def test_last_run_gauges_describe_one_run() -> None:
    run = results(3, 1, skipped=2, flaky=1)
    registry = build_registry(run, decide(run), 7.5, finished=1_800_000_000.0)
    assert sample(registry, "smoke_last_run_tests", suite="health", status="passed") == 3
    assert sample(registry, "smoke_last_run_tests", suite="health", status="failed") == 1
    assert sample(registry, "smoke_last_run_tests", suite="health", status="skipped") == 2
    assert sample(registry, "smoke_last_run_tests", suite="health", status="flaky") == 1
    assert sample(registry, "smoke_last_run_pass_ratio") == 0.75
    assert sample(registry, "smoke_last_run_test_failed", suite="health", test="bad 0") == 1
    assert sample(registry, "smoke_last_run_test_failed", suite="health", test="ok 0") == 0
    assert sample(registry, "smoke_last_run_verdict", verdict="ROLLBACK", partial="false") == 1
    assert sample(registry, "smoke_last_run_timestamp_seconds") == 1_800_000_000.0
    names = {metric.name for metric in registry.collect()}
    assert not any(name.startswith("smoke_test") for name in names), "a one-shot push holds no counters"
