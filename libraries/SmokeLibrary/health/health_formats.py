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

Which component names mean the database or Redis is not decided here: the suite passes the
names (``variables/health.resource``). A report whose overall status contradicts its components
(overall pass while one fails, or a warn while a required one fails) is judged by
:func:`contradictions`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def normalise_status(raw: object) -> str | None:
    """Map a status word of any supported format to pass/warn/fail/not_configured (None if unknown)."""
    if not isinstance(raw, str):
        return None
    return STATUS_ALIASES.get(raw.strip().lower().replace("-", "_").replace(" ", "_"))


@dataclass
class HealthDocument:
    """A health response reduced to an overall status and one status per named check."""

    status: str
    raw_status: str
    shape: str
    checks: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    raw_checks: dict[str, str] = field(default_factory=dict)

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


def _worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda status: SEVERITY.get(status, 2), default="pass")


def _check_status(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return normalise_status(value.get("status"))
    if isinstance(value, list):  # IETF: a list of measurements
        statuses = [normalise_status(item.get("status")) for item in value if isinstance(item, Mapping)]
        known = [status for status in statuses if status]
        return _worst(known) if known else None
    return normalise_status(value)


def _raw_status(value: Any) -> str:
    """The status word of a check as the service wrote it (for messages)."""
    if isinstance(value, Mapping):
        return str(value.get("status"))
    if isinstance(value, list):
        words = [str(item.get("status")) for item in value if isinstance(item, Mapping) and "status" in item]
        return ", ".join(words) or "no status"
    return str(value)


def _flat_components(body: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level members besides ``status`` that read as component statuses (a flat map)."""
    return {
        str(name): value
        for name, value in body.items()
        if name != "status"
        and (
            (isinstance(value, str) and normalise_status(value) is not None)
            or (isinstance(value, Mapping) and normalise_status(value.get("status")) is not None)
        )
    }


def _with_nested(source: Mapping[str, Any]) -> dict[str, Any]:
    """``source`` plus the members of nested ``components``/``checks`` maps, named ``group/member``."""
    flat: dict[str, Any] = {}
    for name, value in source.items():
        flat[str(name)] = value
        if isinstance(value, Mapping):
            for nested_key in ("components", "checks", "details"):
                nested = value.get(nested_key)
                if isinstance(nested, Mapping) and any(_check_status(v) for v in nested.values()):
                    for child, child_value in _with_nested(nested).items():
                        flat[f"{name}/{child}"] = child_value
                    break
    return flat


def parse_health_document(body: Any, content_type: str = "") -> HealthDocument:
    """Normalise a parsed JSON health body; raises ``ValueError`` for an unrecognisable shape."""
    if not isinstance(body, Mapping):
        raise ValueError("the body is not a JSON object")
    raw_status = body.get("status")
    status = normalise_status(raw_status)
    if status is None or status == "not_configured":
        raise ValueError(f"the member 'status' is {raw_status!r}, not one of pass/warn/fail (or UP/DOWN)")
    media = content_type.split(";")[0].strip().lower()
    checks_source: Mapping[str, Any] = {}
    if isinstance(body.get("components"), Mapping):
        shape, checks_source = "Spring Boot Actuator", body["components"]
    elif isinstance(body.get("checks"), Mapping):
        checks_source = body["checks"]
        is_ietf = media == "application/health+json" or any(isinstance(v, list) for v in checks_source.values())
        shape = "IETF health+json" if is_ietf else "Lattice contract"
    elif isinstance(body.get("details"), Mapping):
        shape, checks_source = "Spring Boot Actuator (1.x)", body["details"]
    elif _flat_components(body):
        shape, checks_source = "flat component map", _flat_components(body)
    else:
        shape = "IETF health+json" if media == "application/health+json" else "status only"
    everything = _with_nested(checks_source)
    checks = {name: _check_status(value) or "unrecognised" for name, value in everything.items()}
    raw_checks = {name: _raw_status(value) for name, value in everything.items()}
    return HealthDocument(status, str(raw_status), shape, checks, dict(everything), raw_checks)


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


def health_document_of(response: requests.Response) -> HealthDocument:
    """Parse ``response`` as a health document or fail with the URL and what came back."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"Expected a JSON health document (status pass/warn/fail), but {describe(response)}"
        ) from None
    try:
        return parse_health_document(body, response.headers.get("Content-Type", ""))
    except ValueError as error:
        raise AssertionError(f"Expected a recognisable health document, but {error}: {describe(response)}") from None


def _log_document(document: HealthDocument, response: requests.Response) -> None:
    rows = [("overall", document.raw_status)] + [(name, status) for name, status in document.checks.items()]
    log_table(f"{response.url}: {document.shape} health document", ("check", "status"), rows)


class HealthFormatKeywords:
    """Keywords that judge ``/health`` responses."""

    @keyword("Health Response Should Report A Healthy Service")
    def health_response_should_report_a_healthy_service(
        self,
        response: requests.Response,
        required: str | list[str] | tuple[str, ...] = (),
    ) -> None:
        """Fails unless ``response`` is HTTP 200 with a consistent health document whose status is ``pass`` or ``warn``.

        ``warn`` passes with a logged warning naming the degraded checks. A body saying ``fail``,
        an HTTP status that disagrees with the body (503 with ``pass``, 200 with ``fail``), a
        report that contradicts itself and a body of no recognisable health format fail. A report
        contradicts itself when the overall status is ``pass`` while a component fails, or
        ``warn`` while a component named one of ``required`` (e.g. the database) fails; a failed
        optional component under an overall ``warn`` stays a warning. The Lattice contract, the
        IETF health-check draft (``application/health+json``), Spring Boot Actuator
        (``UP``/``DOWN``) and flat maps of component statuses are understood.

        | ${response} = | Get Anonymously | ${HEALTH_PATH} |
        | Health Response Should Report A Healthy Service | ${response} | required=${DATABASE_CHECK_NAMES} |
        """
        document = health_document_of(response)
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

    @keyword("Health Check Status Of")
    def health_check_status_of(self, response: requests.Response, names: str | list[str]) -> str:
        """Returns the normalised status (pass, warn, fail, not_configured or ``missing``) of a check.

        ``response`` is the ``/health`` response; ``names`` are the names the check may have
        (``database``, ``db``…); the first found wins.

        | ${status} = | Health Check Status Of | ${response} | ${REDIS_CHECK_NAMES} |
        """
        _, status = health_document_of(response).check(as_list(names))
        return status

    @keyword("Health Check Should Pass")
    def health_check_should_pass(self, response: requests.Response, names: str | list[str], reason: str = "") -> None:
        """Fails unless the health document has a check under one of ``names`` whose status is ``pass``.

        ``response`` is the ``/health`` response. A missing check fails as well: a health endpoint
        that does not check a dependency cannot vouch for it. ``reason`` is added to the failure message.

        | Health Check Should Pass | ${response} | ${DATABASE_CHECK_NAMES} |
        | Health Check Should Pass | ${response} | redis | reason=REDIS_REQUIRED is true |
        """
        wanted = as_list(names)
        document = health_document_of(response)
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
                f"Expected health check '{key}' to be pass, but it is '{status}'{suffix}: {describe(response)}"
            )
        detail = document.details.get(key)
        logger.info(f"Health check '{key}' is pass: {detail}")
