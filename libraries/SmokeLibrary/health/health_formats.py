"""Reading ``/health`` documents in the formats deployments actually use.

Three shapes are recognised and normalised to the statuses ``pass``, ``warn`` and ``fail``
(plus ``not_configured`` for an optional dependency):

* the Lattice contract: ``{"status": "pass", "checks": {"database": {"status": "pass"}}}``;
* the IETF health-check draft (``application/health+json``): ``status`` is ``pass``/``warn``/
  ``fail`` (or ``ok``/``up``/``down``/``error``), ``checks`` maps ``component:measurement``
  to a *list* of objects with their own ``status``;
* Spring Boot Actuator: ``{"status": "UP", "components": {"db": {"status": "UP"}}}``
  (``details`` instead of ``components`` in Spring Boot 1.x); ``DOWN`` and
  ``OUT_OF_SERVICE`` mean fail, ``UNKNOWN`` means warn. Nested groups
  (``"db": {"status": "UP", "components": {"primary": {...}}}``) are read as ``db/primary``;
* a flat map of component statuses: ``{"status": "healthy", "database": "unhealthy", "redis": "ok"}``
  (every top-level member besides ``status`` whose value is a status word, or an object with one).

Which components a report carries, what each is called, which words mean healthy, degraded,
unhealthy or not configured besides the known ones, where the components sit (nested under
``checks``/``components``/``details``, or flat beside ``status``) and under which key a component's
entry holds its status word (``status`` unless told otherwise: ``{"db": {"state": "up"}}``) is not
decided here: the profile says it (``HEALTH_COMPONENTS``, ``HEALTH_STATUS_WORDS``, ``HEALTH_LAYOUT``,
``HEALTH_STATUS_KEYS``). The overall status is always the top-level ``status``. A report whose overall
status contradicts its components (overall pass while one fails, or a warn while a required one
fails) is judged by :func:`contradictions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from robot.api import logger
from robot.api.deco import keyword

from ._common import as_list, describe, log_table

STATUS_ALIASES: dict[str, str] = {
    "pass": "pass",
    "ok": "pass",
    "up": "pass",
    "healthy": "pass",
    "warn": "warn",
    "warning": "warn",
    "degraded": "warn",
    "unknown": "warn",
    "fail": "fail",
    "error": "fail",
    "down": "fail",
    "out_of_service": "fail",
    "unhealthy": "fail",
    "not_configured": "not_configured",
    "disabled": "not_configured",
}
SEVERITY = {"pass": 0, "not_configured": 0, "warn": 1, "fail": 2}
MISSING = "missing"
#: What a profile's ``HEALTH_STATUS_WORDS`` call each status.
PROFILE_MEANINGS = {"healthy": "pass", "degraded": "warn", "unhealthy": "fail", "not_configured": "not_configured"}
LAYOUTS = ("auto", "nested", "flat")
NESTED_KEYS = ("components", "checks", "details")
#: Where a component's entry holds its status word unless the profile's ``HEALTH_STATUS_KEYS`` says otherwise.
STATUS_KEYS = ("status",)
#: What a check whose status word cannot be read is reported as.
UNRECOGNISED = "unrecognised"


def _word(raw: str) -> str:
    return raw.strip().lower().replace("-", "_").replace(" ", "_")


def status_aliases(words: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The known status words, with a profile's ``words`` (meaning: [words]) added over them."""
    aliases = dict(STATUS_ALIASES)
    for meaning, listed in (words or {}).items():
        if meaning not in PROFILE_MEANINGS:
            raise AssertionError(f"HEALTH_STATUS_WORDS has '{meaning}'; its keys are {', '.join(PROFILE_MEANINGS)}")
        for word in [listed] if isinstance(listed, str) else listed or []:
            aliases[_word(str(word))] = PROFILE_MEANINGS[meaning]
    return aliases


def status_keys_of(keys: str | Iterable[str] | None) -> tuple[str, ...]:
    """The keys a component's entry may hold its status word under, in order (``None``: ``status``)."""
    if keys is None:
        return STATUS_KEYS
    listed = tuple([keys] if isinstance(keys, str) else [str(key) for key in keys])
    if not listed or not all(listed):
        raise AssertionError(f"HEALTH_STATUS_KEYS is {list(listed)!r}; it lists one key or more, none empty")
    return listed


def normalise_status(raw: object, aliases: Mapping[str, str] = STATUS_ALIASES) -> str | None:
    """Map a status word of any supported format to pass/warn/fail/not_configured (None if unknown)."""
    if not isinstance(raw, str):
        return None
    return aliases.get(_word(raw))


@dataclass
class HealthDocument:
    """A health response reduced to an overall status and one status per named check."""

    status: str
    raw_status: str
    shape: str
    checks: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    raw_checks: dict[str, str] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)

    def check(self, names: Iterable[str]) -> tuple[str, str]:
        """The first check found under one of ``names`` (component part of IETF keys too)."""
        wanted = [name.lower() for name in names]
        for name in wanted:
            for key, status in self.checks.items():
                if key.lower() == name or key.lower().split(":")[0] == name:
                    return key, status
        return "", MISSING

    def is_one_of(self, key: str, names: Iterable[str]) -> bool:
        """Whether check ``key`` (or its group, its IETF component) is called one of ``names``."""
        lowered = key.lower()
        stems = {lowered, lowered.split(":")[0], lowered.split("/")[0], lowered.split("/")[0].split(":")[0]}
        return any(name.lower() in stems for name in names)

    def why(self, key: str) -> str:
        """`` (why)`` for a check whose status word could not be read (where it was looked for), else ``""``."""
        reason = self.unread.get(key)
        return f" ({reason})" if reason else ""


def _worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda status: SEVERITY.get(status, 2), default="pass")


def _entry_word(entry: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any] | None:
    """The first of ``keys`` the component's ``entry`` has, and its value (``None``: it has none)."""
    for key in keys:
        if key in entry:
            return key, entry[key]
    return None


def _entry_status(entry: Mapping[str, Any], aliases: Mapping[str, str], keys: Sequence[str]) -> str | None:
    found = _entry_word(entry, keys)
    return normalise_status(found[1], aliases) if found else None


def _check_status(
    value: Any, aliases: Mapping[str, str] = STATUS_ALIASES, keys: Sequence[str] = STATUS_KEYS
) -> str | None:
    if isinstance(value, Mapping):
        return _entry_status(value, aliases, keys)
    if isinstance(value, list):  # IETF: a list of measurements
        statuses = [_entry_status(item, aliases, keys) for item in value if isinstance(item, Mapping)]
        known = [status for status in statuses if status]
        return _worst(known) if known else None
    return normalise_status(value, aliases)


def _raw_status(value: Any, keys: Sequence[str] = STATUS_KEYS) -> str:
    """The status word of a check as the service wrote it (for messages)."""
    if isinstance(value, Mapping):
        found = _entry_word(value, keys)
        return str(found[1]) if found else "no status"
    if isinstance(value, list):
        found_words = [_entry_word(item, keys) for item in value if isinstance(item, Mapping)]
        return ", ".join(str(found[1]) for found in found_words if found) or "no status"
    return str(value)


def _quoted(keys: Sequence[str]) -> str:
    return " or ".join(f"'{key}'" for key in keys)


def _unread_reason(name: str, value: Any, keys: Sequence[str]) -> str:
    """Why check ``name`` has no status word the suite can read, saying where it looked."""
    unknown = "is no known status word; HEALTH_STATUS_WORDS adds words"
    if isinstance(value, Mapping):
        found = _entry_word(value, keys)
        if found is None:
            return f"no status word at {_quoted(keys)} in component '{name}'; HEALTH_STATUS_KEYS says where it sits"
        return f"{str(found[1])[:100]!r} at '{found[0]}' in component '{name}' {unknown}"
    if isinstance(value, list):
        return f"no known status word at {_quoted(keys)} in the measurements of component '{name}'"
    return f"{str(value)[:100]!r} of component '{name}' {unknown}"


def _flat_components(
    body: Mapping[str, Any], aliases: Mapping[str, str] = STATUS_ALIASES, keys: Sequence[str] = STATUS_KEYS
) -> dict[str, Any]:
    """Top-level members besides ``status`` that read as component statuses (a flat map)."""
    return {
        str(name): value
        for name, value in body.items()
        if name != "status"
        and (
            (isinstance(value, str) and normalise_status(value, aliases) is not None)
            or (isinstance(value, Mapping) and _entry_status(value, aliases, keys) is not None)
        )
    }


def _with_nested(
    source: Mapping[str, Any], aliases: Mapping[str, str] = STATUS_ALIASES, keys: Sequence[str] = STATUS_KEYS
) -> dict[str, Any]:
    """``source`` plus the members of nested ``components``/``checks`` maps, named ``group/member``."""
    flat: dict[str, Any] = {}
    for name, value in source.items():
        flat[str(name)] = value
        if isinstance(value, Mapping):
            for nested_key in NESTED_KEYS:
                nested = value.get(nested_key)
                if isinstance(nested, Mapping) and any(_check_status(v, aliases, keys) for v in nested.values()):
                    for child, child_value in _with_nested(nested, aliases, keys).items():
                        flat[f"{name}/{child}"] = child_value
                    break
    return flat


def _nested_source(body: Mapping[str, Any], media: str) -> tuple[str, Mapping[str, Any]] | None:
    """The shape and the component map of a report whose components sit under a key of their own."""
    if isinstance(body.get("components"), Mapping):
        return "Spring Boot Actuator", body["components"]
    if isinstance(body.get("checks"), Mapping):
        checks: Mapping[str, Any] = body["checks"]
        is_ietf = media == "application/health+json" or any(isinstance(v, list) for v in checks.values())
        return ("IETF health+json" if is_ietf else "Lattice contract"), checks
    if isinstance(body.get("details"), Mapping):
        return "Spring Boot Actuator (1.x)", body["details"]
    return None


def parse_health_document(
    body: Any,
    content_type: str = "",
    words: Mapping[str, Any] | None = None,
    layout: str = "auto",
    status_keys: str | Sequence[str] | None = None,
) -> HealthDocument:
    """Normalise a parsed JSON health body; raises ``ValueError`` for an unrecognisable shape.

    ``words`` are the profile's ``HEALTH_STATUS_WORDS`` (meaning: [words]); ``layout`` where the
    components sit: ``nested``, ``flat`` or ``auto`` (either); ``status_keys`` (``HEALTH_STATUS_KEYS``)
    the keys a component's entry may hold its status word under, the first present one wins
    (default: ``status``).
    """
    keys = status_keys_of(status_keys)
    if layout not in LAYOUTS:
        raise AssertionError(f"HEALTH_LAYOUT is {layout!r}; it is one of {', '.join(LAYOUTS)}")
    if not isinstance(body, Mapping):
        raise ValueError("the body is not a JSON object")
    aliases = status_aliases(words)
    raw_status = body.get("status")
    status = normalise_status(raw_status, aliases)
    if status is None or status == "not_configured":
        raise ValueError(f"the member 'status' is {raw_status!r}, not one of pass/warn/fail (or UP/DOWN)")
    media = content_type.split(";")[0].strip().lower()
    checks_source: Mapping[str, Any] = {}
    nested = _nested_source(body, media) if layout != "flat" else None
    flat = _flat_components(body, aliases, keys) if layout != "nested" else {}
    if nested:
        shape, checks_source = nested
    elif flat:
        shape, checks_source = "flat component map", flat
    else:
        shape = "IETF health+json" if media == "application/health+json" else "status only"
    everything = _with_nested(checks_source, aliases, keys)
    checks = {name: _check_status(value, aliases, keys) or UNRECOGNISED for name, value in everything.items()}
    raw_checks = {name: _raw_status(value, keys) for name, value in everything.items()}
    unread = {
        name: _unread_reason(name, everything[name], keys) for name, status in checks.items() if status == UNRECOGNISED
    }
    return HealthDocument(status, str(raw_status), shape, checks, dict(everything), raw_checks, unread)


def contradictions(document: HealthDocument, required: Iterable[str] = ()) -> list[str]:
    """The components whose status the overall status contradicts, as ``name 'status'``.

    An overall pass contradicts any failing component; an overall warn contradicts a failing
    component named one of ``required`` (a failing optional one is what a warn is for).
    """
    required = list(required)
    if document.status == "pass":
        failing = [name for name, status in document.checks.items() if status == "fail"]
    elif document.status == "warn":
        failing = [
            name for name, status in document.checks.items() if status == "fail" and document.is_one_of(name, required)
        ]
    else:
        return []
    return [f"{name} '{document.raw_checks.get(name, document.checks[name])}'" for name in failing]


def health_document_of(
    response: requests.Response,
    words: Mapping[str, Any] | None = None,
    layout: str = "auto",
    status_keys: str | Sequence[str] | None = None,
) -> HealthDocument:
    """Parse ``response`` as a health document (the profile's ``words``, ``layout`` and ``status_keys``)
    or fail with the URL and what came back."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"Expected a JSON health document (status pass/warn/fail), but {describe(response)}"
        ) from None
    try:
        return parse_health_document(body, response.headers.get("Content-Type", ""), words, layout, status_keys)
    except ValueError as error:
        raise AssertionError(f"Expected a recognisable health document, but {error}: {describe(response)}") from None


def _log_document(document: HealthDocument, response: requests.Response) -> None:
    rows = [("overall", document.raw_status)] + [(name, status) for name, status in document.checks.items()]
    log_table(f"{response.url}: {document.shape} health document", ("check", "status"), rows)


def component_names(component: Mapping[str, Any]) -> list[str]:
    """The names a profile's health component (``{names: [...], required: ...}``) may have in the report."""
    names = component.get("names") if isinstance(component, Mapping) else None
    listed = [names] if isinstance(names, str) else [str(name) for name in names or []]
    if not listed:
        raise AssertionError(f"The health component {dict(component)!r:.200} names no 'names'")
    return listed


def required_names(components: Mapping[str, Any], demanded: Iterable[str] = ()) -> list[str]:
    """The names of the profile's required components, and of the roles ``demanded`` besides (REDIS_REQUIRED)."""
    roles = {str(role) for role in demanded}
    return [
        name
        for role, component in components.items()
        if (isinstance(component, Mapping) and component.get("required") is True) or role in roles
        for name in component_names(component)
    ]


class HealthFormatKeywords:
    """Keywords that judge ``/health`` responses with the profile's components, words and layout."""

    @keyword("Health Response Should Report A Healthy Service")
    def health_response_should_report_a_healthy_service(
        self,
        response: requests.Response,
        required: str | list[str] | tuple[str, ...] = (),
        words: Mapping[str, Any] | None = None,
        layout: str = "auto",
        status_keys: str | Sequence[str] | None = None,
    ) -> None:
        """Fails unless ``response`` is HTTP 200 with a consistent health document whose status is ``pass`` or ``warn``.

        ``warn`` passes with a logged warning naming the degraded checks. A body saying ``fail``,
        an HTTP status that disagrees with the body (503 with ``pass``, 200 with ``fail``), a
        report that contradicts itself and a body of no recognisable health format fail. A report
        contradicts itself when the overall status is ``pass`` while a component fails, or
        ``warn`` while a component named one of ``required`` (e.g. the database) fails; a failed
        optional component under an overall ``warn`` stays a warning. The Lattice contract, the
        IETF health-check draft (``application/health+json``), Spring Boot Actuator
        (``UP``/``DOWN``) and flat maps of component statuses are understood; ``words`` (the
        profile's ``HEALTH_STATUS_WORDS``) add words, ``layout`` (``HEALTH_LAYOUT``) says where the
        components sit, ``status_keys`` (``HEALTH_STATUS_KEYS``) under which keys a component's entry
        holds its status word (default: ``status``).

        | ${response} = | Get Anonymously | ${HEALTH_PATH} |
        | Health Response Should Report A Healthy Service | ${response} | required=${names} |
        """
        document = health_document_of(response, words, layout, status_keys)
        _log_document(document, response)
        degraded = ", ".join(
            f"{name}={status}" for name, status in document.checks.items() if status in ("warn", "fail")
        )
        body_ok = document.status in ("pass", "warn")
        http_ok = response.status_code == 200
        if body_ok and not http_ok:
            raise AssertionError(
                f"The HTTP status {response.status_code} disagrees with the health status '{document.raw_status}' "
                f"in the body (expected HTTP 200 for pass/warn, 503 for fail): {describe(response)}"
            )
        if not body_ok:
            where = "despite HTTP 200, " if http_ok else ""
            raise AssertionError(
                f"The service reports health status '{document.raw_status}' ({where}failing checks: "
                f"{degraded or 'none named'}); expected pass or warn: {describe(response)}"
            )
        contradicting = contradictions(document, as_list(required))
        if contradicting:
            kind = "a required component fails" if document.status == "warn" else "a component fails"
            raise AssertionError(
                f"Expected a consistent health report, but the report contradicts itself: overall "
                f"'{document.raw_status}' but "
                f"{', '.join(contradicting)} ({kind}, so the overall status must be fail): {describe(response)}"
            )
        if document.status == "warn":
            logger.warn(
                f"{response.url} reports a degraded service ('{document.raw_status}'): {degraded or 'no check named'}"
            )

    @keyword("Required Health Component Names")
    def required_health_component_names(self, components: Mapping[str, Any], *demanded: str) -> list[str]:
        """Returns the names of the profile's required health ``components`` (``required: true``),
        and of the roles ``demanded`` besides (the cache when ``REDIS_REQUIRED=true``).

        | ${required} = | Required Health Component Names | ${HEALTH_COMPONENTS} | cache |
        """
        return required_names(components, demanded)

    @keyword("Health Check Status Of")
    def health_check_status_of(
        self,
        response: requests.Response,
        names: str | list[str],
        words: Mapping[str, Any] | None = None,
        layout: str = "auto",
        status_keys: str | Sequence[str] | None = None,
    ) -> str:
        """Returns the normalised status (pass, warn, fail, not_configured or ``missing``) of a check.

        ``response`` is the ``/health`` response; ``names`` are the names the check may have
        (``database``, ``db``…); the first found wins. ``words``, ``layout`` and ``status_keys`` as for
        `Health Response Should Report A Healthy Service`.

        | ${status} = | Health Check Status Of | ${response} | ${HEALTH_COMPONENTS}[cache][names] |
        """
        _, status = health_document_of(response, words, layout, status_keys).check(as_list(names))
        return status

    @keyword("Health Check Should Pass")
    def health_check_should_pass(
        self,
        response: requests.Response,
        names: str | list[str],
        reason: str = "",
        words: Mapping[str, Any] | None = None,
        layout: str = "auto",
        status_keys: str | Sequence[str] | None = None,
    ) -> None:
        """Fails unless the health document has a check under one of ``names`` whose status is ``pass``.

        ``response`` is the ``/health`` response. A missing check fails as well: a health endpoint
        that does not check a dependency cannot vouch for it. ``reason`` is added to the failure
        message; ``words``, ``layout`` and ``status_keys`` as for
        `Health Response Should Report A Healthy Service`. A check whose status word cannot be read
        fails saying where it was looked for.

        | Health Check Should Pass | ${response} | ${HEALTH_COMPONENTS}[database][names] |
        | Health Check Should Pass | ${response} | redis | reason=REDIS_REQUIRED is true |
        """
        wanted = as_list(names)
        document = health_document_of(response, words, layout, status_keys)
        key, status = document.check(wanted)
        suffix = f" ({reason})" if reason else ""
        if status == MISSING:
            present = ", ".join(document.checks) or "none"
            raise AssertionError(
                f"Expected a '{wanted[0]}' check (named one of {', '.join(wanted)}) in the health document, "
                f"but it has none; checks present: {present}{suffix}: {describe(response)}"
            )
        if status != "pass":
            raise AssertionError(
                f"Expected health check '{key}' to be pass, but it is '{status}'{document.why(key)}{suffix}: "
                f"{describe(response)}"
            )
        detail = document.details.get(key)
        logger.info(f"Health check '{key}' is pass: {detail}")

    @keyword("Health Components Should Be Reported")
    def health_components_should_be_reported(
        self,
        response: requests.Response,
        components: Mapping[str, Any],
        words: Mapping[str, Any] | None = None,
        layout: str = "auto",
        except_roles: Sequence[str] = (),
        status_keys: str | Sequence[str] | None = None,
    ) -> None:
        """Fails unless the health document ``response`` (the ``/health`` answer) reports every one of
        ``components`` (role: {names, required}), and every required one as ``pass``.

        An optional component may report any status (``not_configured`` or a degraded one, as a
        ``warn`` overall allows), but not be missing: a report that stops naming a component cannot
        vouch for it. ``words``, ``layout`` and ``status_keys`` as for
        `Health Response Should Report A Healthy Service`; the roles in ``except_roles`` are left to
        the tests of their own.

        | Health Components Should Be Reported | ${health} | ${HEALTH_COMPONENTS} | except_roles=${own} |
        """
        skipped = {str(role) for role in ([except_roles] if isinstance(except_roles, str) else except_roles)}
        components = {role: component for role, component in components.items() if role not in skipped}
        document = health_document_of(response, words, layout, status_keys)
        problems = []
        for role, component in components.items():
            names = component_names(component)
            key, status = document.check(names)
            if status == MISSING:
                problems.append(f"no '{names[0]}' check ({role}, named one of {', '.join(names)})")
            elif component.get("required") is True and status != "pass":
                problems.append(f"the required check '{key}' ({role}) is '{status}'{document.why(key)}")
        if problems:
            present = ", ".join(document.checks) or "none"
            raise AssertionError(
                f"Expected the health report to carry the profile's components, but it has {'; '.join(problems)}; "
                f"checks present: {present}: {describe(response)}"
            )
        if components:
            logger.info(f"The health report carries {', '.join(components)}")
