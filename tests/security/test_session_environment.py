"""A guarded session reads the proxy and CA-bundle variables once per target, and gives the answer
``requests`` would give: the same proxies (``no_proxy`` included) and CA bundle, a new answer as soon
as one of those variables, the session's settings or the request's arguments change."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import requests.sessions

from libraries.SmokeLibrary.http import guard_session
from libraries.SmokeLibrary.session_environment import remember_environment_settings

VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def answers(session: requests.Session, url: str, **arguments: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the remembered session's answer, a plain session's answer) for ``url``."""
    call = {"proxies": {}, "stream": None, "verify": None, "cert": None, **arguments}
    plain = requests.Session()
    plain.proxies, plain.verify = dict(session.proxies), session.verify
    return session.merge_environment_settings(url, **call), plain.merge_environment_settings(url, **call)


def test_the_answer_is_requests_own_and_follows_every_change(monkeypatch: pytest.MonkeyPatch) -> None:
    session = remember_environment_settings(requests.Session())
    url = "https://api.example.test/api/v1/plans"
    remembered, plain = answers(session, url)
    assert remembered == plain and remembered["proxies"] == {}
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    remembered, plain = answers(session, url)
    assert remembered == plain and remembered["proxies"]["https"] == "http://proxy.example.test:3128"
    monkeypatch.setenv("NO_PROXY", "api.example.test")
    remembered, plain = answers(session, url)
    assert remembered == plain and "https" not in remembered["proxies"]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/private-ca.pem")
    remembered, plain = answers(session, url)
    assert remembered == plain and remembered["verify"] == "/etc/ssl/private-ca.pem"
    remembered, plain = answers(session, url, verify="/other/ca.pem", proxies={"https": "http://p:1"})
    assert remembered == plain and remembered["verify"] == "/other/ca.pem"
    session.verify = "/session/ca.pem"
    remembered, plain = answers(session, "https://other.example.test/")
    assert remembered == plain


def test_the_environment_is_scanned_once_per_target(monkeypatch: pytest.MonkeyPatch) -> None:
    scans: list[str] = []
    original = requests.sessions.get_environ_proxies

    def counting(url: str, no_proxy: Any = None) -> dict[str, str]:
        scans.append(url)
        return original(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", counting)
    session = guard_session(requests.Session(), timeout=5)
    for number in range(20):
        settings = session.merge_environment_settings(f"http://127.0.0.1:8000/{number}", {}, None, None, None)
        settings["proxies"]["http"] = "changed by the caller"  # a caller's change stays in its copy
    session.merge_environment_settings("http://127.0.0.1:9000/", {}, None, None, None)
    assert scans == ["http://127.0.0.1:8000/0", "http://127.0.0.1:9000/"]
    again = session.merge_environment_settings("http://127.0.0.1:8000/x", {}, None, None, None)
    assert again["proxies"] == {}
