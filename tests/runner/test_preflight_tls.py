"""Preflight over TLS (CA_BUNDLE), credentials in PRODUCTION_URL, --dryrun with an environment's
variable file, and the colour rules of the console."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from smoke_runner.preflight.demo import ReferenceApiProcess
from smoke_runner.publish import console
from tests.runner.helpers import failed_names, junit_cases, run_runner
from tests.support.artifacts import artifacts_containing


@pytest.fixture(scope="module")
def tls_api(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    ca_bundle = tmp_path_factory.mktemp("tls") / "ca.pem"
    with ReferenceApiProcess(extra_args=["--tls", "--ca-bundle-out", str(ca_bundle)]) as api:
        yield api.base_url, ca_bundle


def test_tls_target_with_its_ca_bundle_passes_the_preflight(results_dir: Path, tls_api) -> None:  # noqa: ANN001
    url, ca_bundle = tls_api
    run = run_runner(["--suite", "workflows"], results_dir, env={"PRODUCTION_URL": url, "CA_BUNDLE": str(ca_bundle)})
    assert run.returncode == 10, run.console  # every workflow passed; the health suite's security checks did not run
    assert "VERDICT: MONITOR (partial run)" in run.stdout
    assert "Preflight passed" in run.stdout and f"CA bundle {ca_bundle}" in run.stdout


def test_tls_target_without_its_ca_is_a_fast_rollback(results_dir: Path, tls_api) -> None:  # noqa: ANN001
    url, _ = tls_api
    run = run_runner([], results_dir, env={"PRODUCTION_URL": url})
    assert run.returncode == 30, run.console
    assert "TLS verification failed" in run.stdout and run.seconds < 10


def test_credentials_in_the_url_never_reach_output(
    results_dir: Path,
    closed_port_url: str,
    alert_receiver,  # noqa: ANN001
) -> None:
    password = "UrlPassw0rd-4711"
    url = closed_port_url.replace("http://", f"http://deployer:{password}@")
    run = run_runner([], results_dir, env={"PRODUCTION_URL": url, "ALERT_WEBHOOK_URL": alert_receiver.url})
    assert run.returncode == 30
    assert password not in run.console and "deployer" not in run.console
    assert not artifacts_containing(results_dir, password)
    assert all(password.encode() not in seen.body for seen in alert_receiver.requests)
    assert failed_names(junit_cases(run.artifact("preflight")))


def test_dryrun_with_an_environment_variable_file(results_dir: Path) -> None:
    run = run_runner(["--dryrun", "--variablefile", "production"], results_dir)
    assert run.returncode == 3, run.console
    summaries = list(results_dir.glob("*/summary_*.txt"))
    assert len(summaries) == 1 and "DRY RUN" in summaries[0].read_text(encoding="utf-8")
    assert "target not contacted" in run.stdout


def test_colours_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert console.use_colour(Terminal()) is True
    assert console.use_colour(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert console.use_colour(Terminal()) is False
