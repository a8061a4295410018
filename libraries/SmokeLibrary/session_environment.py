"""What ``requests`` reads from the environment for each request, read once per target instead.

With ``trust_env`` (the default, kept: proxies and ``REQUESTS_CA_BUNDLE`` must work as users expect),
``requests.Session.merge_environment_settings`` scans the whole environment twice for *every*
request (``*_proxy`` and ``no_proxy`` variables, any case), which cost a tenth of the health suite's
CPU (120 requests; more on a CI agent with a large environment). ``remember_environment_settings``
makes a session compute that answer once per target and reuse it while nothing it depends on
changed: the request's proxies, stream, verify and cert arguments, the session's own settings, and
the environment variables ``requests`` reads for an HTTP(S) target (compared at every request).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

#: The environment variables whose values decide the answer for an http:// or https:// target.
_VARIABLES = tuple(
    spelling
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "requests_ca_bundle", "curl_ca_bundle")
    for spelling in (name, name.upper())
)
_MAX_REMEMBERED = 64  # answers per session (targets x argument combinations); then it starts over

Settings = dict[str, Any]


def _frozen(value: Any) -> Any:
    """``value`` as a dictionary key: mappings become sorted item tuples, lists and tuples tuples."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


def _key(session: requests.Session, url: str, arguments: tuple[Any, ...]) -> tuple[Any, ...] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    environment = tuple(os.environ.get(name) for name in _VARIABLES)
    own = (session.trust_env, session.proxies, session.stream, session.verify, session.cert)
    key = (parts.scheme, parts.netloc, environment, _frozen(own), _frozen(arguments))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def remember_environment_settings(session: requests.Session) -> requests.Session:
    """Make ``session`` reuse ``merge_environment_settings``'s answer per target (see the module)."""
    compute: Callable[..., Settings] = session.merge_environment_settings
    remembered: dict[tuple[Any, ...], Settings] = {}

    def merge_environment_settings(url: str, proxies: Any, stream: Any, verify: Any, cert: Any) -> Settings:
        key = _key(session, url, (proxies, stream, verify, cert))
        if key is None:
            return compute(url, proxies, stream, verify, cert)
        if key not in remembered:
            if len(remembered) >= _MAX_REMEMBERED:
                remembered.clear()
            remembered[key] = compute(url, dict(proxies or {}), stream, verify, cert)
        settings = remembered[key]
        return {**settings, "proxies": dict(settings.get("proxies") or {})}  # the caller may change its copy

    session.merge_environment_settings = merge_environment_settings  # type: ignore[method-assign]
    return session
