"""``--draft-profile``: a starting profile written from an API's OpenAPI document.

Every operation of the suites is looked for among the document's operations, with the hints the
profile schema carries beside each operation (``x-draft``: the methods, the words its path or
operationId may use, whether its path holds an id, the names of body and answer fields). An
operation found with confidence is filled in (method, path, success statuses, body template, what
the suite reads); the others are marked ``TODO`` with the candidates found, or declared not offered
when there is none. ``RATE_LIMIT_PROBE_PATH`` is a GET of the document without parameters that needs
no login as far as the document says, cheap by its name, never the health report or the metrics
while another fits (else ``TODO``). Values the document cannot tell (health components, metric
families, rate-limit headers...) are the default profile's, each marked ``TODO: check``.

The draft is YAML text meant to be edited: ``--check-profile`` then names every ``TODO`` left.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .loader import load_yaml_file
from .openapi import HTTP_METHODS, path_shape
from .schema_file import profile_schema

TODO = "TODO"
_WORD = re.compile(r"[A-Za-z][a-z]*|[0-9]+")
#: The depth to which answer schemas are searched for a field.
MAX_SCHEMA_DEPTH = 5
#: How many candidates a TODO names.
CANDIDATES_SHOWN = 3
#: Answers that say an operation needs a login (HTTP's own meaning, not an API's).
_LOGIN_REFUSALS = frozenset({HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN})


@dataclass
class DocumentOperation:
    """One operation of the OpenAPI document, as the draft matches it."""

    method: str
    path: str
    operation: Mapping[str, Any]
    words: set[str] = field(default_factory=set)
    path_words: list[str] = field(default_factory=list)

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"\{([^{}/]+)\}", self.path)


def _words(text: str) -> list[str]:
    """Lower-case words of an identifier or sentence: ``createGrid_v2`` -> create, grid, v, 2."""
    return [word.lower() for word in _WORD.findall(re.sub(r"[-_./{}]", " ", str(text)))]


def _common_prefix(paths: list[str]) -> list[str]:
    """The literal path segments most paths start with (``/api/v1``), left out of the matching.

    The longest prefix more than half of the paths share: ``/health`` and ``/metrics`` often sit
    outside an API's versioned prefix.
    """
    split = [[part for part in path.split("/") if part] for path in paths]
    prefix: list[str] = []
    while True:
        counts: dict[str, int] = {}
        for parts in split:
            if parts[: len(prefix)] == prefix and len(parts) > len(prefix) + 1:
                segment = parts[len(prefix)]
                if not segment.startswith("{"):
                    counts[segment] = counts.get(segment, 0) + 1
        best = max(counts.items(), key=lambda item: item[1], default=("", 0))
        if best[1] * 2 <= len(split):
            return prefix
        prefix.append(best[0])


def document_operations(document: Mapping[str, Any]) -> list[DocumentOperation]:
    """Every operation of ``document``, with the words of its path (past the common prefix) and its names."""
    paths = [str(path) for path in document.get("paths", {})]
    prefix = _common_prefix(paths) if len(paths) > 1 else []
    found = []
    for path, item in document.get("paths", {}).items():
        if not isinstance(item, Mapping):
            continue
        segments = [part for part in str(path).split("/") if part]
        if segments[: len(prefix)] == prefix:
            segments = segments[len(prefix) :]
        path_words = [word for part in segments if not part.startswith("{") for word in _words(part)]
        for method, operation in item.items():
            if str(method).lower() not in HTTP_METHODS or not isinstance(operation, Mapping):
                continue
            names = " ".join(str(operation.get(key, "")) for key in ("operationId", "summary"))
            names += " " + " ".join(str(tag) for tag in operation.get("tags", []) or [])
            found.append(DocumentOperation(str(method).upper(), str(path), operation, set(_words(names)), path_words))
    return found


def _hint_words(hint: Mapping[str, Any]) -> set[str]:
    return {word for phrase in hint.get("words", []) for word in _words(phrase)}


def score(candidate: DocumentOperation, hint: Mapping[str, Any]) -> int:
    """How well ``candidate`` fits an operation's hint; 0 or less: not at all."""
    if candidate.method not in hint.get("methods", []):
        return 0
    if bool(candidate.path_parameters) != bool(hint.get("id_in_path")):
        return 0
    words = _hint_words(hint)
    in_path = sum(3 for word in candidate.path_words if word in words)
    stray = sum(1 for word in candidate.path_words if word not in words)
    named = len(candidate.words & words)
    return in_path + named - stray if in_path or named else 0


def candidates(operations: list[DocumentOperation], hint: Mapping[str, Any]) -> list[tuple[int, DocumentOperation]]:
    """The operations that fit ``hint``, best first."""
    scored = [(score(candidate, hint), candidate) for candidate in operations]
    return sorted(((points, op) for points, op in scored if points > 0), key=lambda item: -item[0])


# -- reading the document's schemas ---------------------------------------------------------------


class _Schemas:
    """Resolves local ``$ref`` s and merges ``allOf`` of one document, bounded in depth."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Any, depth: int = 0) -> Mapping[str, Any]:
        if not isinstance(schema, Mapping) or depth > 20:
            return {}
        reference = schema.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/"):
            target: Any = self.document
            for part in reference[2:].split("/"):
                target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
            return self.resolve(target, depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in schema.get("allOf") or []:
                resolved = self.resolve(part, depth + 1)
                merged["properties"].update(resolved.get("properties") or {})
                merged["required"] += list(resolved.get("required") or [])
            return merged
        for key in ("oneOf", "anyOf"):
            options = [self.resolve(option, depth + 1) for option in schema.get(key) or []]
            options = [option for option in options if option.get("type") != "null" and option]
            if options:
                return options[0]
        return schema

    def properties(self, schema: Any) -> Mapping[str, Any]:
        resolved = self.resolve(schema)
        properties = resolved.get("properties")
        return properties if isinstance(properties, Mapping) else {}

    def locations(self, schema: Any, base: str = "$", depth: int = 0) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        """(JSONPath, field name, field schema) of every field under ``schema``, shallow ones first."""
        resolved = self.resolve(schema)
        if depth > MAX_SCHEMA_DEPTH:
            return
        if resolved.get("type") == "array" or "items" in resolved:
            yield from self.locations(resolved.get("items"), f"{base}[*]", depth + 1)
            return
        properties = self.properties(resolved)
        for name, member in properties.items():
            yield f"{base}.{name}", str(name), self.resolve(member)
        for name, member in properties.items():
            yield from self.locations(member, f"{base}.{name}", depth + 1)


def _json_schema(content: Any) -> Any:
    if not isinstance(content, Mapping):
        return None
    for media, body in content.items():
        if "json" in str(media) and isinstance(body, Mapping):
            return body.get("schema")
    return None


def _responses(operation: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    found: dict[int, Mapping[str, Any]] = {}
    for code, response in (operation.get("responses") or {}).items():
        if str(code).isdigit() and isinstance(response, Mapping):
            found[int(code)] = response
    return found


# -- writing the draft ----------------------------------------------------------------------------


def _yaml(value: Any) -> str:
    """A value as YAML flow text (JSON is YAML); plain for simple words and paths."""
    if (
        isinstance(value, str)
        and re.fullmatch(r"[A-Za-z/][A-Za-z0-9_./{}+-]*", value)
        and value not in ("null", "true", "false", "yes", "no", "on", "off")
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _Drafted:
    """One operation's lines in the draft, and how it was found."""

    lines: list[str]
    request: str = ""
    read: dict[str, str] = field(default_factory=dict)


class _Drafter:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas = _Schemas(document)
        self.operations = document_operations(document)
        self.used: set[str] = set()

    def best(self, hint: Mapping[str, Any]) -> tuple[DocumentOperation | None, list[DocumentOperation]]:
        """The operation that fits ``hint`` with confidence (unused so far), and the candidates."""
        ranked = [(points, op) for points, op in candidates(self.operations, hint) if op.request not in self.used]
        if not ranked:
            return None, []
        if len(ranked) == 1 or ranked[0][0] > ranked[1][0]:
            return ranked[0][1], [op for _, op in ranked[:CANDIDATES_SHOWN]]
        return None, [op for _, op in ranked[:CANDIDATES_SHOWN]]

    def body(self, found: DocumentOperation, hint: Mapping[str, Any]) -> dict[str, Any] | None:
        request_body = found.operation.get("requestBody")
        schema = _json_schema(request_body.get("content") if isinstance(request_body, Mapping) else None)
        if schema is None:
            return None
        resolved = self.schemas.resolve(schema)
        required = set(resolved.get("required") or [])
        body: dict[str, Any] = {}
        for name in self.schemas.properties(resolved):
            placeholder = next(
                (key for key, synonyms in (hint.get("placeholders") or {}).items() if str(name).lower() in synonyms),
                None,
            )
            if placeholder:
                body[str(name)] = "{" + placeholder + "}"
            elif name in required:
                body[str(name)] = TODO
        return body

    def read(self, found: DocumentOperation, hint: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
        responses = _responses(found.operation)
        success = [code for code in sorted(responses) if 200 <= code < 300]
        schema = _json_schema(responses[success[0]].get("content")) if success else None
        read: dict[str, str] = {}
        missing: list[str] = []
        locations = list(self.schemas.locations(schema)) if schema is not None else []
        optional = set(hint.get("optional_read") or [])
        for key, synonyms in (hint.get("read") or {}).items():
            location = next((path for path, name, _ in locations if name.lower() in synonyms), None)
            if location:
                read[str(key)] = location
            elif key not in optional:
                missing.append(str(key))
        return read, missing

    def transform(self, read: Mapping[str, str], found: DocumentOperation, hint: Mapping[str, Any]) -> dict[str, str]:
        """Transforms of a path answer: vertex indices, a found flag or a distance derived from the path."""
        if "path" not in read or "found" not in (hint.get("read") or {}):
            return {}
        transform: dict[str, str] = {}
        responses = _responses(found.operation)
        success = [code for code in sorted(responses) if 200 <= code < 300]
        schema = _json_schema(responses[success[0]].get("content")) if success else None
        for path, _, member in self.schemas.locations(schema):
            if path == read["path"]:
                items = self.schemas.resolve(member.get("items"))
                if items.get("type") == "integer":
                    transform["path"] = "vertex-indices"
        for value in ("found", "distance"):
            if value not in read:
                transform[value] = "derived"
        return transform

    def statuses(self, found: DocumentOperation, hint: Mapping[str, Any]) -> dict[str, list[int] | str]:
        documented = set(_responses(found.operation))
        result: dict[str, list[int] | str] = {}
        success = sorted(code for code in documented if 200 <= code < 300)
        result["success"] = success or TODO
        for kind, preferred in (hint.get("statuses") or {}).items():
            codes = [code for code in preferred if code in documented]
            result[str(kind)] = codes or TODO
        return result

    def operation(self, name: str, hint: Mapping[str, Any]) -> _Drafted:
        found, shortlist = self.best(hint)
        if found is None:
            if shortlist:
                listed = ", ".join(op.request for op in shortlist)
                return _Drafted(
                    [f"  {name}: {{method: {TODO}, path: {TODO}, success: {TODO}}}  # TODO: one of: {listed}"]
                )
            return _Drafted([f"  {name}: {{offered: false}}  # TODO: no operation of the document fits; check"])
        self.used.add(found.request)
        path = found.path
        if len(found.path_parameters) == 1:
            path = path.replace("{" + found.path_parameters[0] + "}", "{id}")
        lines = [f"  {name}:", f"    method: {found.method}", f"    path: {_yaml(path)}"]
        if len(found.path_parameters) > 1:
            lines[-1] += "  # TODO: one {id} only: the suite fills {id}"
        body = self.body(found, hint)
        if body is not None:
            lines.append(
                f"    body: {_yaml(body)}" + ("  # TODO: fill the TODO fields" if TODO in body.values() else "")
            )
        for kind, codes in self.statuses(found, hint).items():
            lines.append(f"    {kind}: {_yaml(codes)}" + ("  # TODO: not documented" if codes == TODO else ""))
        read, missing = self.read(found, hint)
        transform = self.transform(read, found, hint)
        for derived in transform:
            missing = [key for key in missing if key != derived]
        if read or missing:
            shown = {**read, **dict.fromkeys(missing, TODO)}
            lines.append(f"    read: {_yaml(shown)}" + (f"  # TODO: where is {', '.join(missing)}?" if missing else ""))
        if transform:
            lines.append(f"    transform: {_yaml(transform)}")
        return _Drafted(lines, found.request, read)


def _default_profile() -> dict[str, Any]:
    from .check import DEFAULT_PROFILE  # the default profile's place is check's

    data = load_yaml_file(DEFAULT_PROFILE).data
    return dict(data) if isinstance(data, Mapping) else {}


def _candidate_paths(drafter: _Drafter, key: str) -> list[str]:
    """Every path of the document that could be ``key`` (``HEALTH_PATH``...) by its hint."""
    return [op.path for _, op in candidates(drafter.operations, profile_schema()["properties"][key]["x-draft"])]


def _top_level_path(drafter: _Drafter, key: str) -> str:
    hint = profile_schema()["properties"][key].get("x-draft", {})
    found, shortlist = drafter.best(hint)
    if found is not None:
        return f"{key}: {_yaml(found.path)}"
    listed = ", ".join(op.request for op in shortlist) or "none fits"
    return f"{key}: {TODO}  # TODO: one of: {listed}"


def _needs_login(document: Mapping[str, Any], found: DocumentOperation) -> bool | None:
    """Whether ``found`` needs a login, as far as the document says: its ``security`` (or the
    document's), a documented 401/403 answer, an ``Authorization`` header parameter; None: it does not say."""
    security = found.operation.get("security", document.get("security"))
    if isinstance(security, list):
        return bool(security) and not any(isinstance(need, Mapping) and not need for need in security)
    if any(code in _LOGIN_REFUSALS for code in _responses(found.operation)):
        return True
    parameters = [parameter for parameter in found.operation.get("parameters") or [] if isinstance(parameter, Mapping)]
    if any(str(p.get("in")) == "header" and str(p.get("name")).lower() == "authorization" for p in parameters):
        return True
    return None


def _takes_parameters(drafter: _Drafter, found: DocumentOperation) -> bool:
    """Whether ``found`` has a path parameter or a required one (a probe sends its path alone)."""
    item = drafter.document["paths"].get(found.path)
    shared = item.get("parameters") if isinstance(item, Mapping) else None
    parameters = [*(found.operation.get("parameters") or []), *(shared or [])]
    required = any(drafter.schemas.resolve(parameter).get("required") for parameter in parameters)
    return bool(found.path_parameters) or required


def _rate_limit_probe(drafter: _Drafter, avoid: set[str]) -> str:
    """``RATE_LIMIT_PROBE_PATH``: a GET of the document with no parameter to fill that needs no login
    (as far as the document says), cheap by its name (plans, version, info...); never a path of
    ``avoid`` (the health report, the metrics, the document itself) while another fits."""
    key = "RATE_LIMIT_PROBE_PATH"
    hint = profile_schema()["properties"][key].get("x-draft", {})
    fit = [
        op
        for op in drafter.operations
        if op.method == "GET" and not _takes_parameters(drafter, op) and _needs_login(drafter.document, op) is not True
    ]
    others = [op for op in fit if path_shape(op.path) not in avoid]
    named = [op for _, op in candidates(others, hint)]
    anonymous = [op for op in others if _needs_login(drafter.document, op) is False]
    if named or anonymous:
        return f"{key}: {_yaml((named or anonymous)[0].path)}  # TODO: check that it needs no login and is rate limited"
    if others:
        listed = ", ".join(op.request for op in others[:CANDIDATES_SHOWN])
        return (
            f"{key}: {TODO}  # TODO: a GET that needs no login and is rate limited "
            f"(the document does not say which; one of: {listed})"
        )
    return (
        f"{key}: {TODO}  # TODO: the document lists no GET without parameters that needs no login besides "
        "the health report and the metrics (seldom rate limited): name a rate-limited route"
    )


def _error_format(drafter: _Drafter) -> list[str]:
    media = {
        str(kind)
        for op in drafter.operations
        for code, response in _responses(op.operation).items()
        if code >= 400
        for kind in (response.get("content") or {})
    }
    if any("problem+json" in kind for kind in media):
        return ["ERROR_FORMAT: problem+json"]
    words = profile_schema()["properties"]["ERROR_MESSAGE_JSONPATH"]["x-draft"]["words"]
    paths: list[str] = []
    for op in drafter.operations:
        for code, response in _responses(op.operation).items():
            if code < 400:
                continue
            for path, name, member in drafter.schemas.locations(_json_schema(response.get("content"))):
                if name.lower() in words and path not in paths and member.get("type") in ("string", "array", None):
                    paths.append(path)
    if paths:
        strings = [path for path in paths if "[*]" not in path][:1] + [path for path in paths if "[*]" in path][:1]
        return [
            "ERROR_FORMAT: json  # TODO: check (as the document's error answers say)",
            f"ERROR_MESSAGE_JSONPATH: {_yaml(strings if len(strings) > 1 else strings[0])}",
        ]
    return [f"ERROR_FORMAT: {TODO}  # TODO: problem+json, json (and ERROR_MESSAGE_JSONPATH) or text"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "my-api"


def draft_profile(document: Mapping[str, Any], name: str | None = None, openapi_path: str | None = None) -> str:
    """A starting profile (YAML text) for the API that ``document`` (a parsed OpenAPI document) describes.

    ``name`` is the profile's name (default: from the document's title); ``openapi_path`` where the
    target serves the document (default ``/openapi.json``, marked TODO).
    """
    drafter = _Drafter(document)
    default = _default_profile()
    title = str((document.get("info") or {}).get("title") or "")
    profile_name = _slug(name or title)
    operations_schema = profile_schema()["properties"]["OPERATIONS"]["properties"]
    drafted = {op: drafter.operation(op, spec["x-draft"]) for op, spec in operations_schema.items()}
    strategy = "self"
    if not drafted["delete_user"].request:
        strategy = "admin" if drafted["admin_delete_user"].request else "created-only"
    token = drafted["login"].read.get("token")
    prefix = _common_prefix([op.path for op in drafter.operations])
    health_like = [path for key in ("HEALTH_PATH", "METRICS_PATH") for path in _candidate_paths(drafter, key)]
    avoid = {path_shape(path) for path in (openapi_path or "/openapi.json", *health_like)}
    probe = _rate_limit_probe(drafter, avoid)
    lines = [
        f"# A profile drafted from the OpenAPI document of {title or 'the API'} (--draft-profile).",
        "# Check every TODO, then run ./run_smoke.sh --check-profile --variablefile THIS_FILE.",
        "# Every key: docs/point-the-gate-at-your-api.md",
        "",
        f"PROFILE_NAME: {profile_name}",
        f"OPENAPI_PATH: {_yaml(openapi_path)}" if openapi_path else "OPENAPI_PATH: /openapi.json  # TODO: check",
        _top_level_path(drafter, "HEALTH_PATH"),
        _top_level_path(drafter, "METRICS_PATH"),
        f"UNKNOWN_PATH: {_yaml('/' + '/'.join([*prefix, 'smoke-test-no-such-resource']))}",
        "",
        *_error_format(drafter),
        "",
        f"CLEANUP: {{strategy: {strategy}}}  # TODO: check (docs: Cleanup strategies)",
        f"UNAUTHORIZED_MUST_NOT_HOLD: {_yaml([token.replace('$.', '$..', 1) if token else '$..token', '$..email'])}",
        "",
        "# Not in an OpenAPI document: the default profile's values. TODO: check each.",
    ]
    for key in (
        "HEALTH_COMPONENTS",
        "METRIC_FAMILIES",
        "REQUEST_COUNTER",
        "COUNTED_REQUEST_LABELS",
        "RATE_LIMIT_HEADER",
        "RATE_LIMIT_PREFIXES",
        "CORS_ALLOWED_ORIGIN",
        "TOKEN_TYPE",
    ):
        if key in default:
            lines.append(f"{key}: {_yaml(default[key])}  # TODO: check")
    lines += [
        "",
        "# The rate-limit test's route: a GET of the document (--check-profile checks that it is one).",
        probe,
    ]
    lines += ["", "OPERATIONS:"]
    for operation in drafted.values():
        lines += operation.lines
    return "\n".join(lines) + "\n"
