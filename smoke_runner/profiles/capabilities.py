"""What a deployment offers, as its profile says, and what that means for each test of the suites.

A test declares beside itself, in its ``[Tags]``, what it needs and what it can do without::

    [Tags]
    ...    needs:create_lattice
    ...    without:read_lattice -> reading another user's lattice by id

* ``needs:CAPABILITY``: without it the test cannot run: it is *not offered* (and SKIPs, naming why);
* ``without:CAPABILITY -> WHAT``: the test runs without it, *narrowed*: WHAT is left out, and the run
  records it (the tags ``narrowed`` and ``narrowed:CAPABILITY`` set at run time).

A capability is one of

* an operation of the profile (``create_lattice``): it is mapped and not ``offered: false``;
* ``OPERATION.VALUE`` (``usage.paths``): the operation is offered and reads that value (``read``),
  or derives it (``transform``);
* ``health:ROLE`` (``health:cache``): the profile lists that component of the health report;
* ``user-deletion``: the profile's cleanup strategy can delete a user (``self`` with ``delete_user``
  offered, ``admin`` with ``admin_delete_user`` offered and an admin token in the environment);
* ``https``: a capability of the target, not of the profile: the target is reached over ``https://``.
  Known only from the target's URL; a test that needs it *skips on this target* when it is plain
  HTTP (and is not counted as not offered: the deployment may well have TLS elsewhere).

Pure functions of the standard library only: SmokeLibrary loads this module by its path, so that a
test at run time and the runner's applicability table (before any run) judge alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

NEEDS_PREFIX = "needs:"
WITHOUT_PREFIX = "without:"
TEXT_SEPARATOR = " -> "
#: Tags a narrowed test gets at run time: this one, and NARROWED_PREFIX + each capability it went without.
NARROWED_TAG = "narrowed"
NARROWED_PREFIX = "narrowed:"
HEALTH_PREFIX = "health:"
USER_DELETION = "user-deletion"
#: The environment variable that holds the admin token of the cleanup strategy ``admin``.
ADMIN_TOKEN_VARIABLE = "SMOKE_ADMIN_TOKEN"

#: The capability of a target reached over https:// (``needs:https``).
HTTPS = "https"

FULL = "runs fully"
NARROWED = "runs narrowed"
NOT_OFFERED = "not offered"
SKIPS = "skips on this target"

#: Values an operation derives instead of reading them (``transform``), and what they are derived from.
DERIVED_VALUES: dict[str, tuple[str, ...]] = {
    "found": ("path",),
    "distance": ("path",),
    "dimensions": ("rank", "edge"),
}


class DeclarationError(ValueError):
    """A ``needs:``/``without:`` tag that cannot be read; the message names the tag."""


@dataclass(frozen=True)
class Declarations:
    """What a test needs, and what it can do without (capability, what is then left out)."""

    needs: tuple[str, ...] = ()
    without: tuple[tuple[str, str], ...] = ()

    def left_out_without(self, capability: str) -> str | None:
        """What the test leaves out without ``capability``; None when it does not declare it."""
        return next((text for name, text in self.without if name == capability), None)


def declarations_of(tags: Iterable[str]) -> Declarations:
    """The ``needs:`` and ``without:`` declarations among a test's ``tags``."""
    needs: list[str] = []
    without: list[tuple[str, str]] = []
    for tag in tags:
        text = str(tag)
        if text.startswith(NEEDS_PREFIX):
            capability = text[len(NEEDS_PREFIX) :].strip()
            if not capability or TEXT_SEPARATOR.strip() in capability:
                raise DeclarationError(f"{text!r}: write needs:CAPABILITY, one capability per tag")
            needs.append(capability)
        elif text.startswith(WITHOUT_PREFIX):
            capability, separator, left_out = text[len(WITHOUT_PREFIX) :].partition(TEXT_SEPARATOR)
            if not capability.strip() or not separator or not left_out.strip():
                raise DeclarationError(f"{text!r}: write without:CAPABILITY -> what the test then leaves out")
            without.append((capability.strip(), left_out.strip()))
    return Declarations(tuple(needs), tuple(without))


def _is_offered(operation: Any) -> bool:
    offered = operation.get("offered", True) if isinstance(operation, Mapping) else True
    return str(offered).strip().lower() not in ("false", "no", "0", "off")


def _profile_name(profile: Mapping[str, Any]) -> str:
    return str(profile.get("PROFILE_NAME") or "in use")


def _operation_gap(profile: Mapping[str, Any], name: str) -> str | None:
    operations = profile.get("OPERATIONS")
    operation = operations.get(name) if isinstance(operations, Mapping) else None
    if not isinstance(operation, Mapping):
        return f"profile {_profile_name(profile)} does not map the operation '{name}'"
    if not _is_offered(operation):
        return f"operation '{name}' is not offered by this deployment (profile {_profile_name(profile)})"
    return None


def reads_value(operation: Mapping[str, Any], value: str) -> bool:
    """Whether an operation reads ``value`` (``read``), or derives it from values it reads (``transform``)."""
    read = operation.get("read")
    reads = set(read) if isinstance(read, Mapping) else set()
    if value in reads:
        return True
    transform = operation.get("transform")
    how = transform.get(value) if isinstance(transform, Mapping) else None
    sources = DERIVED_VALUES.get(value, ())
    return how in ("derived", "rank-and-edge") and bool(sources) and all(source in reads for source in sources)


def cleanup_strategy(profile: Mapping[str, Any]) -> str:
    """The profile's cleanup strategy (``self`` when it names none)."""
    cleanup = profile.get("CLEANUP")
    strategy = cleanup.get("strategy") if isinstance(cleanup, Mapping) else None
    return str(strategy or "self")


def user_deletion_gap(profile: Mapping[str, Any], admin_token: bool | None = None) -> str | None:
    """Why the profile's cleanup strategy cannot delete a user (None: it can).

    ``admin_token`` says whether an admin token is available (None: not known, assumed so).
    """
    strategy = cleanup_strategy(profile)
    if strategy == "self":
        gap = _operation_gap(profile, "delete_user")
        return f"cleanup strategy self, but {gap}" if gap else None
    if strategy == "admin":
        gap = _operation_gap(profile, "admin_delete_user")
        if gap:
            return f"cleanup strategy admin, but {gap}"
        if admin_token is False:
            return f"cleanup strategy admin, but the environment variable {ADMIN_TOKEN_VARIABLE} is not set"
        return None
    return f"cleanup strategy {strategy} deletes no user (profile {_profile_name(profile)})"


def is_target_capability(capability: str) -> bool:
    """Whether ``capability`` is the target's (known from its URL), not the profile's."""
    return capability == HTTPS


def target_gap(capability: str, target_url: str | None) -> str | None:
    """Why the target at ``target_url`` lacks the target capability ``capability`` (None: it has it,
    or the URL is not known)."""
    if capability == HTTPS and target_url and urlsplit(str(target_url)).scheme.lower() != "https":
        return "runs only over https://; this target is plain HTTP"
    return None


def capability_gap(
    profile: Mapping[str, Any], capability: str, admin_token: bool | None = None, target_url: str | None = None
) -> str | None:
    """Why the deployment the profile describes (at ``target_url``, when known) lacks ``capability``
    (None: it has it)."""
    if is_target_capability(capability):
        return target_gap(capability, target_url)
    if capability.startswith(HEALTH_PREFIX):
        role = capability[len(HEALTH_PREFIX) :]
        components = profile.get("HEALTH_COMPONENTS")
        if isinstance(components, Mapping) and role in components:
            return None
        return f"the health component '{role}' is not part of this deployment (profile {_profile_name(profile)})"
    if capability == USER_DELETION:
        return user_deletion_gap(profile, admin_token)
    name, dot, value = capability.partition(".")
    gap = _operation_gap(profile, name)
    if gap or not dot:
        return gap
    operation = profile["OPERATIONS"][name]
    if reads_value(operation, value):
        return None
    return f"operation '{name}' reads no '{value}' (profile {_profile_name(profile)})"


@dataclass(frozen=True)
class Applicability:
    """How a test applies to a deployment: FULL, NARROWED (what is left out, and why), NOT_OFFERED
    (why) or SKIPS (a capability of the target it lacks: plain HTTP for a test that needs https)."""

    status: str
    reason: str = ""
    left_out: tuple[tuple[str, str, str], ...] = ()  # (capability, what is left out, why)

    def describe(self) -> str:
        """One line: ``runs narrowed: reading ... left out (operation 'read_lattice' is not offered ...)``,
        ``runs only over https://; this target is plain HTTP: skips``."""
        if self.status == NOT_OFFERED:
            return f"{NOT_OFFERED}: {self.reason}"
        if self.status == SKIPS:
            return f"{self.reason}: skips"
        if self.status == NARROWED:
            parts = "; ".join(f"{text} left out ({why})" for _, text, why in self.left_out)
            return f"{NARROWED}: {parts}"
        return f"{FULL} ({self.reason})" if self.reason else FULL


#: How a test that needs a target capability runs fully when the target's URL is not known.
UNKNOWN_TARGET_CONDITIONS = {HTTPS: "over https:// only: skips on a plain-HTTP target"}


def applicability_of(
    profile: Mapping[str, Any],
    declarations: Declarations,
    admin_token: bool | None = None,
    target_url: str | None = None,
) -> Applicability:
    """How a test with ``declarations`` applies to the deployment ``profile`` describes, at
    ``target_url`` (None: not known; then a need of the target is assumed met, and said so)."""
    for need in declarations.needs:
        gap = capability_gap(profile, need, admin_token, target_url)
        if gap:
            return Applicability(SKIPS if is_target_capability(need) else NOT_OFFERED, gap)
    left_out = []
    for capability, text in declarations.without:
        gap = capability_gap(profile, capability, admin_token, target_url)
        if gap:
            left_out.append((capability, text, gap))
    if left_out:
        return Applicability(NARROWED, left_out=tuple(left_out))
    conditions = [UNKNOWN_TARGET_CONDITIONS[need] for need in declarations.needs if is_target_capability(need)]
    return Applicability(FULL, "; ".join(conditions) if not target_url else "")
