"""Configuration errors are usage errors (issue 9, rows 13 and 17): time settings outside a sane,
finite range end with exit code 2 and a message, never a verdict or an unlimited run."""

from __future__ import annotations

from pathlib import Path

import pytest

from smoke_runner.configure.settings import ConfigurationError, TimeSettings, time_settings
from tests.runner.helpers import run_runner

BAD_VALUES = ("0", "-1", "abc", "nan", "inf", "-inf", "1e30")
NAMES = ("API_TIMEOUT", "PREFLIGHT_TIMEOUT", "SMOKE_RUN_TIMEOUT")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_time_settings_outside_a_finite_range_are_configuration_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ConfigurationError, match=f"{name} must be a number of seconds above 0"):
        time_settings({name: value})


def test_sane_time_settings_are_accepted() -> None:
    assert time_settings(dict.fromkeys(NAMES, "12.5")) == TimeSettings(12.5, 12.5, 12.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SMOKE_RUN_TIMEOUT", "inf"), ("API_TIMEOUT", "0"), ("API_TIMEOUT", "nan"), ("PREFLIGHT_TIMEOUT", "-1")],
)
def test_the_runner_exits_2_on_a_bad_time_setting_instead_of_giving_a_verdict(
    results_dir: Path, closed_port_url: str, name: str, value: str
) -> None:
    run = run_runner([], results_dir, env={"PRODUCTION_URL": closed_port_url, name: value}, timeout=60)
    assert run.returncode == 2, run.console
    assert f"{name} must be a number of seconds" in run.stderr
    assert not (results_dir / "history.jsonl").exists()


def test_a_localhost_subdomain_is_local_only_if_it_resolves_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from libraries.SmokeLibrary import http

    answers = {"evil.localhost": "203.0.113.7", "api.localhost": "127.0.0.1", "v6.localhost": "::1"}

    def resolve(host: str, *_args: object, **_kwargs: object) -> list[tuple[object, ...]]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert not http.is_local_host("evil.localhost")
    assert not http.is_local_host("unresolvable.localhost")
    assert http.is_local_host("api.localhost") and http.is_local_host("v6.localhost")
    assert http.is_local_host("localhost") and http.is_local_host("127.0.0.1") and not http.is_local_host("example.com")
