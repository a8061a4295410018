"""API profiles: turn a profile's operation (method, path template, body template) into a request,
compare the operations a profile maps with the API's OpenAPI document, judge error answers in
the profile's error format, and record what the profile makes of the run (capabilities it lacks,
narrowed tests, loosened policies, waivers: :mod:`.profile_core`'s ``channels``).

Nothing here knows an operation, a path or a field of any API: the profile
(``variables/profiles/*.yaml``) says all of it, and these keywords only do what they are given.
The comparison with an OpenAPI document and the judgement of capabilities have one home, the
runner's ``smoke_runner/profiles`` (loaded by :mod:`.profile_core`).
"""

from __future__ import annotations

import copy
import html
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from robot.api import SkipExecution, logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn

from .http import assert_problem_details, assert_step_answer, describe_response, json_body
from .masking import MaskedDict, json_or_none, keys_of, register_secret, values_at
from .profile_core import capabilities, channels, openapi, policies, policy_defaults, relative_path_pattern

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
HTTP_METHODS = openapi.HTTP_METHODS
path_shape = openapi.path_shape
openapi_operations = openapi.openapi_operations
is_offered = openapi.is_offered


@dataclass
class OperationRequest:
    """What to send for one operation: method, path, JSON body (or None) and query parameters."""

    method: str
    path: str
    body: Any
    params: dict[str, Any]

    def __repr__(self) -> str:
        return f"{self.method} {self.path}"


def _plain(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, Secret):
        secrets.append(str(value.value))
        register_secret(value.value)
        return value.value
    return value


def fill_template(template: Any, values: Mapping[str, Any], secrets: list[str] | None = None) -> Any:
    """``template`` with its ``{placeholders}`` replaced by ``values``.

    A string that is exactly one placeholder takes the raw value (a list stays a list); a
    placeholder inside a longer string is replaced by the value as text. Dictionaries and lists
    are filled member by member. A placeholder without a value fails, naming it.
    """
    secrets = [] if secrets is None else secrets
    if isinstance(template, Mapping):
        return {key: fill_template(item, values, secrets) for key, item in template.items()}
    if isinstance(template, (list, tuple)):
        return [fill_template(item, values, secrets) for item in template]
    if not isinstance(template, str):
        return copy.deepcopy(template)
    whole = _PLACEHOLDER.fullmatch(template)
    if whole:
        return copy.deepcopy(_plain(_value(values, whole.group(1), template), secrets))
    return _PLACEHOLDER.sub(lambda m: str(_plain(_value(values, m.group(1), template), secrets)), template)


def _value(values: Mapping[str, Any], name: str, template: str) -> Any:
    if name not in values:
        raise AssertionError(
            f"The template {template!r} needs a value for {{{name}}}, but only "
            f"{', '.join(sorted(values)) or 'none'} were given"
        )
    return values[name]


def fill_path(template: str, values: Mapping[str, Any]) -> str:
    """A path template (``/grids/{id}/route``) with each ``{name}`` replaced by its URL-quoted value."""
    return _PLACEHOLDER.sub(lambda m: quote(str(_value(values, m.group(1), template)), safe=""), str(template))


#: A profile's ``OPERATIONS`` (name: operation) as the hot keywords take it. Not ``Mapping[...]``: Robot
#: Framework would check every member of the nested mapping on every call (dozens a request).
OperationsMap = Any


def mapped_operation(operations: OperationsMap, profile: str, name: str) -> Mapping[str, Any]:
    """Operation ``name`` of a profile's ``operations``; fails naming the profile when it is not mapped."""
    operation = operations.get(name) if isinstance(operations, Mapping) else None
    if not isinstance(operation, Mapping):
        raise AssertionError(
            f"{f'Profile {profile}' if profile else 'The profile'} does not map the operation '{name}' "
            "(add it under OPERATIONS)"
        )
    return operation


def statuses_of(operation: Mapping[str, Any], profile: str, name: str, kind: str) -> tuple[int | str, ...]:
    """The ``kind`` statuses (``success``, ``duplicate``, ``invalid``...) of a profile's operation ``name``."""
    statuses = operation.get(kind)
    if statuses is None:
        raise AssertionError(f"Profile {profile} gives no '{kind}' statuses for the operation '{name}'")
    return tuple(statuses) if isinstance(statuses, (list, tuple)) else (statuses,)


def read_location(operation: Mapping[str, Any], name: str, what: str, values: Mapping[str, Any]) -> str:
    """The JSONPath where a profile's operation ``name`` reads ``what``, its ``{placeholders}`` filled."""
    read = operation.get("read")
    location = read.get(what) if isinstance(read, Mapping) else None
    if not location:
        raise AssertionError(
            f"The profile's operation '{name}' reads no '{what}' (add it under OPERATIONS.{name}.read)"
        )
    return str(fill_template(location, values))


def missing_locations(body: Any, locations: Iterable[str]) -> list[str]:
    """The JSONPath expressions of ``locations`` at which the JSON ``body`` holds nothing."""
    return [location for location in locations if not values_at(body, location)]


def nothing_at(step: str, body: Any, missing: Iterable[str]) -> AssertionError:
    """The failure of step ``step`` whose answer ``body`` holds nothing at ``missing`` (its keys, no values)."""
    return AssertionError(f"Step '{step}': the answer holds nothing at {', '.join(missing)}; its keys: {_keys(body)}")


class ProfileKeywords:
    """Keywords that read an API profile: requests from operations, the OpenAPI check, error formats."""

    def __init__(self) -> None:
        self._documented: set[tuple[str, str]] | None = None
        self._openapi_source = ""

    @keyword("Request For Operation")
    def request_for_operation(self, operation: Mapping[str, Any], **values: Any) -> OperationRequest:
        """Returns the request of a profile's ``operation`` (``method``, ``path``, ``body``,
        ``query``) filled with ``values``.

        The path template's ``{name}`` placeholders are URL-quoted; the body template is filled by
        `Fill Template`. ``Secret`` values (passwords) are masked in every artifact and the body
        prints with its secret fields masked.

        | ${request} =    Request For Operation    ${OPERATIONS}[login]    email=${email}    password=${password}
        """
        for member in ("method", "path"):
            if not operation.get(member):
                raise AssertionError(f"The operation {dict(operation)!r:.200} of the profile has no '{member}'")
        secrets: list[str] = []
        body = operation.get("body")
        filled = None if body is None else fill_template(body, values, secrets)
        if isinstance(filled, dict):
            filled = MaskedDict(filled)
        params = fill_template(dict(operation.get("query") or {}), values, secrets)
        return OperationRequest(str(operation["method"]).upper(), fill_path(operation["path"], values), filled, params)

    @keyword("Path For Operation")
    def path_for_operation(self, operation: Mapping[str, Any], **values: Any) -> str:
        """Returns the path of a profile's ``operation`` with its ``{placeholders}`` filled
        (URL-quoted) from ``values``.

        | ${path} =    Path For Operation    ${OPERATIONS}[read_lattice]    id=${id}
        """
        return fill_path(str(operation.get("path", "")), values)

    @keyword("Fill Template")
    def fill_template(self, template: Any, **values: Any) -> Any:
        """Returns ``template`` (a JSON value) with its ``{placeholders}`` filled from ``values``.

        A string that is exactly a placeholder takes the raw value (``"{cells}"`` becomes a list);
        a placeholder inside a longer string is substituted as text. Fails naming a placeholder
        without a value.

        | ${body} =    Fill Template    ${{ {"display_name": "Smoke {email}", "email": "{email}"} }}    email=${email}
        """
        return fill_template(template, values)

    @keyword("Operation Is Offered")
    def operation_is_offered(self, operation: Mapping[str, Any]) -> bool:
        """Returns whether the profile offers ``operation`` (not marked ``offered: false``).

        | ${offered} =    Operation Is Offered    ${OPERATIONS}[create_webhook]
        """
        return is_offered(operation)

    @keyword("Offered Operation Of Profile")
    def offered_operation_of_profile(self, operations: OperationsMap, profile: str, name: str) -> Mapping[str, Any]:
        """Returns operation ``name`` of the profile ``profile`` (its ``operations``); skips the
        test when the profile says the operation is not offered.

        Fails when the profile does not map ``name``, and when the API's OpenAPI document (see
        `Compare Operations With OpenAPI Answer`) has no such operation.

        | ${mapped} =    Offered Operation Of Profile    ${OPERATIONS}    ${PROFILE_NAME}    find_path
        """
        operation = mapped_operation(operations, profile, name)
        if not is_offered(operation):
            raise SkipExecution(f"Operation '{name}' is not offered by this deployment (profile {profile})")
        self.operation_should_be_documented(operation)
        return operation

    @keyword("Request For Offered Operation")
    def request_for_offered_operation(
        self, operations: OperationsMap, profile: str, name: str, /, **values: Any
    ) -> OperationRequest:
        """Returns the request of operation ``name`` of the profile ``profile`` (its ``operations``),
        filled with ``values``; skips or fails as `Offered Operation Of Profile` does.

        The request is the one `Request For Operation` makes (method, path, body and query of the
        operation's templates; ``Secret`` values masked everywhere).

        | ${request} =    Request For Offered Operation    ${OPERATIONS}    ${PROFILE_NAME}    read_lattice    id=${id}
        """
        request: OperationRequest = self.request_for_operation(
            self.offered_operation_of_profile(operations, profile, name), **values
        )
        return request

    @keyword("Body Of Successful Answer")
    def body_of_successful_answer(
        self,
        step: str,
        operations: OperationsMap,
        profile: str,
        name: str,
        response: requests.Response,
    ) -> Any:
        """Fails unless ``response`` to operation ``name`` of the profile ``profile`` (its
        ``operations``) has one of the operation's ``success`` statuses and a value at each of its
        ``fields``; returns the answer's JSON body (``None`` when the answer has no body).

        ``step`` names the step in failure messages, as `Step Should Answer` and `Values Should Be
        Present` do: what was expected and what came back.

        | ${body} =    Body Of Successful Answer    Log in    ${OPERATIONS}    ${PROFILE_NAME}    login    ${response}
        """
        operation = mapped_operation(operations, profile, name)
        assert_step_answer(step, response, statuses_of(operation, profile, name, "success"))
        if not response.content:
            return None
        body = json_body(response)
        missing = missing_locations(body, operation.get("fields") or [])
        if missing:
            raise nothing_at(step, body, missing)
        return body

    @keyword("Answer Should Be A Refusal Of Kind")
    def answer_should_be_a_refusal_of_kind(
        self,
        step: str,
        operations: OperationsMap,
        profile: str,
        name: str,
        kind: str,
        response: requests.Response,
        error_format: str,
        message_location: Any,
    ) -> None:
        """Fails unless ``response`` to operation ``name`` of the profile ``profile`` (its
        ``operations``) has one of the operation's ``kind`` statuses and is an error answer in
        ``error_format`` (see `Response Should Be An Error In Format`, with ``message_location``).

        ``kind`` is a status list of the operation (``duplicate``, ``invalid``, ``refused``,
        ``missing``...); ``step`` names the step in the failure message.

        | Answer Should Be A Refusal Of Kind    Register twice    ${OPERATIONS}    ${PROFILE_NAME}    register
        | ...    duplicate    ${response}    ${ERROR_FORMAT}    ${ERROR_MESSAGE_JSONPATH}
        """
        operation = mapped_operation(operations, profile, name)
        assert_step_answer(step, response, statuses_of(operation, profile, name, kind))
        self.response_should_be_an_error_in_format(response, error_format, message_location)

    @keyword("Read Location Of")
    def read_location_of(self, operations: OperationsMap, name: str, what: str, /, **values: Any) -> str:
        """Returns the JSONPath where the profile's ``operations`` read ``what`` in answers of operation
        ``name`` (``OPERATIONS.name.read.what``), its ``{placeholders}`` filled from ``values``.

        Fails, naming what to add to the profile, when the operation reads no ``what``.

        | ${location} =    Read Location Of    ${OPERATIONS}    webhook_deliveries    record    id=${id}
        """
        return read_location(mapped_operation(operations, "", name), name, what, values)

    def values_at_read_location(
        self, body: Any, operations: OperationsMap, name: str, what: str, /, **values: Any
    ) -> list[Any]:
        """Returns every value the JSON ``body`` (an answer of operation ``name``) holds where the
        profile's ``operations`` read ``what`` (a list, maybe empty).

        The place is the JSONPath ``OPERATIONS.name.read.what``, its ``{placeholders}`` filled from
        ``values``; JSONPath as JSONLibrary's ``Get Value From Json`` reads it (the same parser,
        jsonpath-ng's extended one), each expression parsed once per run.

        ``values_at_read_location(listing, operations, "list_lattices", "ids")``
        """
        return values_at(body, read_location(mapped_operation(operations, "", name), name, what, values))

    def value_at_read_location(
        self, body: Any, operations: OperationsMap, name: str, what: str, /, **values: Any
    ) -> Any:
        """Returns the (first) value the JSON ``body`` (an answer of operation ``name``) holds where
        the profile's ``operations`` read ``what``; fails naming the place and the answer's keys when
        nothing is there.

        As ``values_at_read_location``: ``values`` fill the place's ``{placeholders}``. The failure
        reads "Step 'Read what of name': the answer holds nothing at $.place; its keys: ...".

        ``value_at_read_location(created, operations, "create_lattice", "id")``
        """
        location = read_location(mapped_operation(operations, "", name), name, what, values)
        found = values_at(body, location)
        if not found:
            raise nothing_at(f"Read {what} of {name}", body, [location])
        return found[0]

    @keyword("Values At Read Locations")
    def values_at_read_locations(
        self, body: Any, operations: OperationsMap, name: str, /, *what: str
    ) -> dict[str, Any]:
        """Returns a dictionary of the values the JSON ``body`` (an answer of operation ``name``)
        holds where the profile's ``operations`` read each name in ``what``.

        Each one as ``value_at_read_location`` reads it, with its failure when nothing is there.

        | ${read} =    Values At Read Locations    ${stored}    ${OPERATIONS}    read_lattice    name    dimensions
        """
        return {item: self.value_at_read_location(body, operations, name, item) for item in what}

    @keyword("Ids And Total Of Listing")
    def ids_and_total_of_listing(self, listing: Any, operations: OperationsMap, name: str) -> tuple[list[Any], Any]:
        """Returns the ids and the total of ``listing`` (an answer of operation ``name``), where the
        profile's ``operations`` read ``ids`` and ``total``.

        The total is the number of ids when the profile reads no ``total`` (a bare array); a total
        the profile reads but the answer lacks fails as ``value_at_read_location`` does.

        | ${ids}    ${total} =    Ids And Total Of Listing    ${listing}    ${OPERATIONS}    list_lattices
        """
        ids = self.values_at_read_location(listing, operations, name, "ids")
        read = mapped_operation(operations, "", name).get("read")
        if isinstance(read, Mapping) and read.get("total"):
            return ids, self.value_at_read_location(listing, operations, name, "total")
        return ids, len(ids)

    @keyword("Compare Operations With OpenAPI Document")
    def compare_operations_with_openapi_document(
        self, document: Any, operations: Mapping[str, Mapping[str, Any]], source: str = "the OpenAPI document"
    ) -> list[str]:
        """Compares every offered operation of a profile with an OpenAPI document; logs a table
        and returns the missing ones.

        ``operations`` maps names to operations with ``method`` and ``path`` (a template such as
        ``/grids/{id}/route``; parameter names need not match the document's). The result is
        remembered: `Operation Should Be Documented` then fails for a missing operation. ``source``
        names the document in the log.

        | ${missing} =    Compare Operations With OpenAPI Document    ${document}    ${OPERATIONS}
        """
        documented = openapi_operations(document)
        compared = openapi.compare_operations(operations, documented)
        rows = [(row.name, row.method, row.path, row.state) for row in compared]
        missing = [row.request for row in compared if row.state == openapi.MISSING]
        self._documented, self._openapi_source = documented, source
        head = "".join(f"<th>{cell}</th>" for cell in ("operation", "method", "path", "in the OpenAPI document"))
        body = "".join("<tr>" + "".join(f"<td>{_escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        logger.info(
            f"<b>Operations of the profile compared with {_escape(source)}</b>"
            f'<table border="1" style="border-collapse:collapse"><tr>{head}</tr>{body}</table>',
            html=True,
        )
        if missing:
            logger.warn(f"{len(missing)} operation(s) of the profile are not in {source}: {', '.join(missing)}")
        return missing

    @keyword("Read Locations Named")
    def read_locations_named(self, operations: Mapping[str, Mapping[str, Any]], *names: str) -> list[str]:
        """Returns every JSONPath that an operation of the profile reads under one of ``names``
        (e.g. where secrets are).

        ``operations`` are the profile's operations (name: operation); those not offered are left out.

        | ${locations} =    Read Locations Named    ${OPERATIONS}    token    secret
        """
        found = []
        for operation in operations.values():
            read = operation.get("read") if isinstance(operation, Mapping) and is_offered(operation) else None
            for name in names:
                location = read.get(name) if isinstance(read, Mapping) else None
                if location:
                    found += [location] if isinstance(location, str) else [str(item) for item in location]
        return found

    @keyword("Compare Operations With OpenAPI Answer")
    def compare_operations_with_openapi_answer(
        self, response: requests.Response, operations: Mapping[str, Mapping[str, Any]]
    ) -> list[str]:
        """Compares the profile's ``operations`` with the OpenAPI document that ``response`` brings, if it brings one.

        An answer that is not a 200 with a JSON OpenAPI document (a 404, an HTML page) only notes
        that there is no document: then no operation is checked against one. Otherwise see
        `Compare Operations With OpenAPI Document`; returns the missing operations.

        | ${missing} =    Compare Operations With OpenAPI Answer    ${response}    ${OPERATIONS}
        """
        source = f"{response.request.method} {response.url}"
        document = json_or_none(response.content) if response.status_code == 200 else None
        if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
            self.forget_openapi_document(f"{source} answered {response.status_code} without an OpenAPI document")
            return []
        missing: list[str] = self.compare_operations_with_openapi_document(document, operations, source)
        return missing

    @keyword("Forget OpenAPI Document")
    def forget_openapi_document(self, reason: str) -> None:
        """Notes that no OpenAPI document is available (``reason``): operations are not checked against one.

        | Forget OpenAPI Document    GET /openapi.json answered 404
        """
        self._documented, self._openapi_source = None, ""
        logger.info(f"No OpenAPI document to compare the profile with: {reason}")

    @keyword("Operation Should Be Documented")
    def operation_should_be_documented(self, operation: Mapping[str, Any]) -> None:
        """Fails when the last compared OpenAPI document lacks ``operation`` (method and path template).

        Passes when no document was compared. The failure says the API does not offer the
        operation, rather than letting the request fail with a misleading status.

        | Operation Should Be Documented    ${OPERATIONS}[find_path]
        """
        if self._documented is None:
            return
        method, path = str(operation.get("method", "")).upper(), str(operation.get("path", ""))
        if not openapi.is_documented(method, path, self._documented):
            raise AssertionError(openapi.not_documented_message(method, path))

    @keyword("Request Should Be Documented")
    def request_should_be_documented(self, method: str, path: str) -> None:
        """Fails when the last compared OpenAPI document has no operation ``method`` ``path`` (a path
        the profile names outside its operations, such as the rate-limit probe's).

        Passes when no document was compared, as `Operation Should Be Documented` does.

        | Request Should Be Documented    GET    ${RATE_LIMIT_PROBE_PATH}
        """
        self.operation_should_be_documented({"method": method, "path": path})

    @keyword("Values Should Be Present")
    def values_should_be_present(self, step: str, body: Any, *locations: str) -> None:
        """Fails unless the JSON ``body`` answered in step ``step`` holds a value at every JSONPath of ``locations``.

        | Values Should Be Present    Register the new user    ${user}    $.id    $.email
        """
        missing = missing_locations(body, locations)
        if missing:
            raise nothing_at(step, body, missing)

    @keyword("Response Should Be An Error In Format")
    def response_should_be_an_error_in_format(
        self, response: requests.Response, error_format: str, message_location: Any, *statuses: int
    ) -> None:
        """Fails unless ``response`` is an error answer in ``error_format`` with one of
        ``statuses`` (any 4xx/5xx when none).

        ``problem+json``: strict RFC 7807/9457 (``application/problem+json``; ``type``, ``title``,
        ``status`` equal to the HTTP status, ``detail``). ``json``: a JSON content type and a
        message at ``message_location``: a JSONPath or a list of them, the first that leads to a
        non-empty text, or a list with one (``{"detail": [{"msg": ...}]}`` is read with
        ``$.detail[*].msg``). ``text``: a plain-text answer with a non-empty body.

        | Response Should Be An Error In Format    ${response}    json    $.error.message    404
        | Response Should Be An Error In Format    ${response}    json    ${{["$.detail", "$.detail[*].msg"]}}
        """
        allowed = [int(code) for code in statuses]
        if allowed and response.status_code not in allowed:
            raise AssertionError(f"Expected HTTP {' or '.join(map(str, allowed))}, but {describe_response(response)}")
        if not allowed and response.status_code < 400:
            raise AssertionError(f"Expected an error status (4xx or 5xx), but {describe_response(response)}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        fmt = str(error_format).strip().lower()
        if fmt in ("problem+json", "problem", "rfc9457", "rfc7807"):
            assert_problem_details(response)
            return
        if fmt == "text":
            if not content_type.startswith("text/") or not response.text.strip():
                raise AssertionError(
                    f"Expected a plain-text error message (Content-Type text/plain), but {describe_response(response)}"
                )
            return
        if fmt != "json":
            raise AssertionError(
                f"Unknown error format {error_format!r}: the profile's ERROR_FORMAT is problem+json, json or text"
            )
        if not (content_type == "application/json" or content_type.endswith("+json")):
            raise AssertionError(
                f"Expected a JSON error (Content-Type application/json), but {describe_response(response)}"
            )
        locations = [message_location] if isinstance(message_location, str) else list(message_location)
        if not error_messages(json_body(response), locations):
            raise AssertionError(
                f"Expected an error message at {' or '.join(locations)}, but {describe_response(response)}"
            )

    @keyword("Capability Gap Of Profile")
    def capability_gap_of_profile(self, profile: Mapping[str, Any], capability: str) -> str | None:
        """Returns why the deployment the ``profile`` describes lacks ``capability``, or ``None`` when it has it.

        ``profile`` holds the profile's ``PROFILE_NAME``, ``OPERATIONS``, ``HEALTH_COMPONENTS`` and
        ``CLEANUP``. A capability is an operation (``read_lattice``), a value an operation reads
        (``usage.paths``), a health component (``health:cache``) or ``user-deletion`` (the cleanup
        strategy can delete a user; ``admin`` also needs ``SMOKE_ADMIN_TOKEN`` in the environment).

        | ${gap} =    Capability Gap Of Profile    ${profile}    read_lattice
        """
        admin_token = bool(os.environ.get(capabilities.ADMIN_TOKEN_VARIABLE))
        gap: str | None = capabilities.capability_gap(profile, capability, admin_token)
        return gap

    @keyword("Narrow The Test Without")
    def narrow_the_test_without(self, capability: str, reason: str) -> None:
        """Records that the running test goes without ``capability`` (``reason`` says why): it runs narrowed.

        The test must declare what it then leaves out in a tag ``without:CAPABILITY -> WHAT``; a
        narrowing it does not declare fails the test (nothing is left out silently). The test
        gets the tags ``narrowed`` and ``narrowed:CAPABILITY``, and its message (when it passes)
        says what was left out; the log says it at once.

        | Narrow The Test Without    read_lattice    operation 'read_lattice' is not offered by this deployment
        """
        builtin = BuiltIn()
        name = builtin.get_variable_value("${TEST NAME}")
        if name is None:
            raise AssertionError(f"Only a test can run narrowed (without {capability}: {reason})")
        declared = capabilities.declarations_of(builtin.get_variable_value("@{TEST TAGS}", []))
        left_out = declared.left_out_without(capability)
        if left_out is None:
            raise AssertionError(
                f"Test '{name}' would leave out what needs {capability} ({reason}), but declares no "
                f"'{capabilities.WITHOUT_PREFIX}{capability}{capabilities.TEXT_SEPARATOR}...' tag: "
                "a test is narrowed only as it declares"
            )
        builtin.set_tags(capabilities.NARROWED_TAG, capabilities.NARROWED_PREFIX + capability)
        builtin.set_test_message(f"Narrowed: {left_out} left out ({reason}).", append=True)
        logger.info(f"Narrowed: {left_out} left out ({reason})")

    @keyword("Effective Policies")
    def effective_policies(self, profile_policies: Mapping[str, Any] | None) -> dict[str, Any]:
        """Returns the policies the run holds the deployment to: safe defaults, the profile's ``POLICIES`` over them.

        ``profile_policies`` is the profile's ``POLICIES`` (None or empty: the safe defaults). The safe
        defaults are the ``default`` values of ``POLICIES`` in the committed profile schema
        (``variables/profiles/profile.schema.json``); a variable file cannot change them.

        | ${policy} =    Effective Policies    ${POLICIES}
        """
        if profile_policies is not None and not isinstance(profile_policies, Mapping):
            raise AssertionError(
                f"POLICIES is {type(profile_policies).__name__} {str(profile_policies)[:100]!r}: a profile gives it "
                "as a mapping (variables/profiles/profile.schema.json), never on the command line"
            )
        effective: dict[str, Any] = policies.effective_policies(profile_policies, policy_defaults())
        return effective

    @keyword("Profile Paths Should Be Relative")
    def profile_paths_should_be_relative(self, paths: Mapping[str, Any], operations: OperationsMap) -> None:
        """Fails unless every path of the profile is relative to the target: ``paths`` (name: a path or
        a list of paths) and the path of every offered operation of ``operations``.

        A path starts with one ``/`` and names no scheme, no host, no ``//``, no query: whatever a
        profile says, nothing is sent to another origin (the schema refuses such a profile before a run;
        this check holds for a run started without that check).

        | Profile Paths Should Be Relative    ${paths}    ${OPERATIONS}
        """
        pattern = re.compile(relative_path_pattern())
        named = [
            (name, item)
            for name, value in paths.items()
            for item in (value if isinstance(value, (list, tuple)) else [value])
        ]
        named += [
            (f"OPERATIONS.{name}.path", operation.get("path"))
            for name, operation in (operations or {}).items()
            if isinstance(operation, Mapping) and is_offered(operation)
        ]
        wrong = [f"{name} {path!r}" for name, path in named if not isinstance(path, str) or not pattern.match(path)]
        if wrong:
            raise AssertionError(
                f"The profile's paths must be relative to the target (one '/', no scheme, host, '//' or query): "
                f"{', '.join(wrong)}"
            )

    @keyword("Record The Profile In The Run")
    def record_the_profile_in_the_run(
        self, name: str, profile_policies: Mapping[str, Any] | None, waivers: Any, cleanup: Mapping[str, Any]
    ) -> None:
        """Records the profile ``name`` in the running suite's metadata, with its loosened policies,
        its ``waivers`` and its ``cleanup`` strategy, where the runner reads them.

        The metadata are ``Profile``, ``Loosened Policies`` (every policy of ``profile_policies``
        looser than its safe default, also logged as a warning), ``Waivers`` (each test and its
        reason) and ``Cleanup`` (the strategy; the cleanup completes it). A list that would be empty
        is not set.

        | Record The Profile In The Run    ${PROFILE_NAME}    ${POLICIES}    ${WAIVERS}    ${CLEANUP}
        """
        builtin = BuiltIn()
        builtin.set_suite_metadata(channels.PROFILE, str(name))
        loosened = policies.loosened_policies(profile_policies, policy_defaults())
        if loosened:
            builtin.set_suite_metadata(channels.LOOSENED_POLICIES, channels.as_items(loosened))
            logger.warn(f"Profile {name} loosens security policies: {'; '.join(loosened)}")
        listed = [f"{item.get('test')}: {item.get('reason')}" for item in waivers or [] if isinstance(item, Mapping)]
        if listed:
            builtin.set_suite_metadata(channels.WAIVERS, channels.as_items(listed))
        strategy = capabilities.cleanup_strategy({"CLEANUP": cleanup})
        builtin.set_suite_metadata(channels.CLEANUP, f"strategy {strategy}")


def error_messages(body: Any, locations: Iterable[str]) -> list[str]:
    """The error messages ``body`` holds at the first of ``locations`` that leads to any: a non-empty
    text, or a list of them (other values there do not count)."""
    for location in locations:
        texts: list[str] = []
        for value in values_at(body, location):
            items = value if isinstance(value, list) else [value]
            texts += [item for item in items if isinstance(item, str) and item.strip()]
        if texts:
            return texts
    return []


def _escape(text: object) -> str:
    return html.escape(str(text))


def _keys(body: Any) -> str:
    return keys_of(body)
