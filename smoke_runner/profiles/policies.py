"""Security policies of a profile: the effective policy, and what is looser than the safe default.

The safe defaults are data: the ``default`` of each member of ``POLICIES`` in the committed profile
schema (:func:`.schema.policy_defaults`). A profile's ``POLICIES`` may set any member; what it sets
replaces the default (for ``security_headers``, header by header), and everything looser than the
default is a *loosened policy*, recorded in the run (docs/point-the-gate-at-your-api.md).

Pure functions of the standard library only: SmokeLibrary loads this module by its path.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

#: Strictness of a header's level and of a Cache-Control policy (higher is stricter).
HEADER_LEVELS = {"required": 2, "recommended": 1, "off": 0}
CACHE_LEVELS = {"no-store": 3, "no-cache": 2, "private": 1, "unchecked": 0}
#: The Cache-Control directives that satisfy each policy.
CACHE_DIRECTIVES = {
    "no-store": ("no-store",),
    "no-cache": ("no-store", "no-cache"),
    "private": ("no-store", "no-cache", "private"),
    "unchecked": (),
}


def effective_policies(profile_policies: Mapping[str, Any] | None, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The policies a run holds the deployment to: ``defaults`` with the profile's members over them."""
    given = dict(profile_policies or {})
    effective = {name: value for name, value in defaults.items()}
    for name, value in given.items():
        if name == "security_headers" and isinstance(value, Mapping):
            effective[name] = {**dict(defaults.get(name) or {}), **dict(value)}
        else:
            effective[name] = value
    return effective


def _header_loosenings(effective: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[str]:
    found = []
    safe = {str(name).lower(): (name, level) for name, level in dict(defaults.get("security_headers") or {}).items()}
    levels = {str(name).lower(): level for name, level in dict(effective.get("security_headers") or {}).items()}
    for key, (name, safe_level) in safe.items():
        level = levels.get(key, safe_level)
        if HEADER_LEVELS.get(str(level), 0) < HEADER_LEVELS.get(str(safe_level), 0):
            found.append(f"{name} is {level} (safe default: {safe_level})")
    return found


def loosened_policies(profile_policies: Mapping[str, Any] | None, defaults: Mapping[str, Any]) -> list[str]:
    """Every way in which the profile's policies are looser than the safe ``defaults``, one sentence each."""
    effective = effective_policies(profile_policies, defaults)
    found = _header_loosenings(effective, defaults)
    for allowance in effective.get("csp_allowances") or []:
        sources = " ".join(str(source) for source in allowance.get("sources", []))
        paths = ", ".join(str(path) for path in allowance.get("paths", []))
        where = "every route" if paths == "*" else paths
        found.append(f"Content-Security-Policy may allow {sources} in {allowance.get('directive')} on {where}")
    cache, safe_cache = str(effective.get("cache_control")), str(defaults.get("cache_control"))
    if CACHE_LEVELS.get(cache, 0) < CACHE_LEVELS.get(safe_cache, 0):
        found.append(f"Cache-Control of authenticated answers: {cache} (safe default: {safe_cache})")
    for name in ("hsts_min_max_age", "hsts_recommended_max_age"):
        value, safe = effective.get(name), defaults.get(name)
        if isinstance(value, int) and isinstance(safe, int) and value < safe:
            found.append(
                f"Strict-Transport-Security {name.removeprefix('hsts_')} is {value} s (safe default: {safe} s)"
            )
    reason = str(effective.get("reason") or "").strip()
    return [f"{item} (reason: {reason})" for item in found] if reason and found else found


def csp_allowed_sources(allowances: Any, path: str) -> dict[str, set[str]]:
    """The sources each CSP directive may allow on ``path``, as the ``csp_allowances`` policy says."""
    allowed: dict[str, set[str]] = {}
    for allowance in allowances or []:
        patterns = [str(pattern) for pattern in allowance.get("paths", [])]
        if any(pattern == "*" or fnmatch.fnmatchcase(path, pattern) for pattern in patterns):
            sources = {str(source).lower() for source in allowance.get("sources", [])}
            allowed.setdefault(str(allowance.get("directive", "")).lower(), set()).update(sources)
    return allowed
