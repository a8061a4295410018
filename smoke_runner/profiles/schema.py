"""The committed JSON Schema of profiles (``variables/profiles/profile.schema.json``) and its errors.

Every error names the key and the YAML line: ``lean.yaml line 14: OPERATIONS.login.sucess: not a key
a profile may have (a typo?)``. The schema also holds the safe defaults of the policies
(``POLICIES``' ``default`` values), read by :func:`policy_defaults`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jsonschema

from .loader import KeyPath, LoadedYaml
from .schema_file import profile_schema, relative_path_pattern


@dataclass(frozen=True)
class SchemaProblem:
    """One way in which a profile breaks the schema: where (key path, file and line) and what."""

    path: KeyPath
    where: str
    message: str

    @property
    def key(self) -> str:
        """The key path as a reader writes it: ``OPERATIONS.login.success[0]``."""
        return dotted(self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.key or '(the whole profile)'}: {self.message}"


def dotted(path: Iterable[str | int]) -> str:
    """``("OPERATIONS", "login", "success", 0)`` as ``OPERATIONS.login.success[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(error: jsonschema.ValidationError) -> tuple[KeyPath, str]:
    """The key path an error is about, and a sentence a QA engineer understands."""
    path: KeyPath = tuple(error.absolute_path)
    schema: dict[str, Any] = dict(error.schema) if isinstance(error.schema, dict) else {}
    expected: Any = error.validator_value
    if error.validator == "additionalProperties":
        instance: Any = error.instance
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        if extra:
            allowed = ", ".join(schema.get("properties", {})) or "none"
            return (*path, extra[0]), f"not a key a profile may have here (a typo?); allowed: {allowed}"
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else str(error.message)
        return path, f"lacks the required key '{missing}'"
    if error.validator == "enum":
        return path, f"is {error.instance!r}, expected one of {', '.join(map(repr, expected))}"
    if error.validator == "type":
        return path, f"is {type(error.instance).__name__} {error.instance!r:.60}, expected {expected}"
    if error.validator == "pattern" and expected == relative_path_pattern():
        return path, (
            f"is {error.instance!r}: a path must be relative to the target (start with one '/', "
            "no scheme, no host, no '//', no query, no spaces)"
        )
    if error.validator == "pattern" and expected == "^\\$":
        return path, f"is {error.instance!r}, expected a JSONPath ($...)"
    if error.validator == "oneOf" and len(path) >= 2 and path[0] == "OPERATIONS":
        return path, f"is {error.instance!r:.60}: expected a JSONPath ($...) or a list of them"
    return path, str(error.message)


def schema_problems(loaded: LoadedYaml) -> list[SchemaProblem]:
    """Every way in which the loaded profile breaks the committed schema, in the order of the file."""
    validator = jsonschema.Draft202012Validator(profile_schema())
    found = []
    for error in validator.iter_errors(loaded.data):
        best = jsonschema.exceptions.best_match([error]) if error.context else error
        path, message = _message(best)
        found.append(SchemaProblem(path, loaded.where(path), message))
    found.sort(key=lambda problem: (loaded.line_of(problem.path) or 0, problem.key))
    return found
