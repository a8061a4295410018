"""``--check-profile``: a profile loaded safely, validated, compared with the target's OpenAPI
document, and the applicability of every test, without running the suites.

:func:`load_profile` gives a :class:`Profile` (or raises :class:`~.loader.ProfileError`, one line);
:func:`check_profile` gives a :class:`ProfileCheck` whose :meth:`~ProfileCheck.render` is the text the
runner prints, and whose :attr:`~ProfileCheck.problems` make it a usage error (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .capabilities import ADMIN_TOKEN_VARIABLE, FULL, NARROWED, NOT_OFFERED, SKIPS, cleanup_strategy
from .documents import read_openapi_document
from .loader import LoadedYaml, ProfileError, load_yaml_file
from .openapi import (
    DOCUMENTED,
    MISSING,
    OperationRow,
    compare_operations,
    compare_profile_paths,
    openapi_operations,
    profile_path_problem,
)
from .policies import loosened_policies
from .schema import SchemaProblem, schema_problems
from .schema_file import policy_defaults
from .suites import DeclaredTest, TestApplicability, applicability_table, declared_tests, waiver_problems

#: Paths of a profile never suggested as a rate-limit probe while the document has others.
_NOT_SUGGESTED = ("HEALTH_PATH", "METRICS_PATH", "OPENAPI_PATH")

#: The default profile (the Lattice contract): what a profile does not set, it inherits from this one.
DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "variables" / "profiles" / "contract.yaml"


@dataclass
class Profile:
    """A loaded profile: what its file sets, and the variables a run then has (the default profile's
    with the file's over them, as Robot's ``--variablefile`` gives them)."""

    source: str
    loaded: LoadedYaml
    variables: dict[str, Any]
    schema_problems: list[SchemaProblem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.variables.get("PROFILE_NAME", Path(self.source).stem))

    @property
    def own(self) -> dict[str, Any]:
        """What the profile's file itself sets."""
        return dict(self.loaded.data or {})


def load_profile(path: str | Path, default: str | Path | None = DEFAULT_PROFILE) -> Profile:
    """The profile at ``path``, loaded safely and validated against the committed schema.

    Raises :class:`ProfileError` (one line naming the file and line) when the file cannot be read
    as YAML at all; schema problems (a typo'd key, a wrong type, a path that is not relative) are
    in :attr:`Profile.schema_problems`, each naming the key and the line.
    """
    loaded = load_yaml_file(path)
    if not isinstance(loaded.data, Mapping):
        raise ProfileError(
            f"{path}: a profile is a mapping of variables (NAME: value), not {type(loaded.data).__name__}"
        )
    variables: dict[str, Any] = {}
    if default is not None and Path(default).resolve() != Path(path).resolve():
        base = load_yaml_file(default).data
        variables.update(base if isinstance(base, Mapping) else {})
    variables.update(loaded.data)
    return Profile(str(path), loaded, variables, schema_problems(loaded))


@dataclass
class ProfileCheck:
    """What ``--check-profile`` found: problems (a usage error when any), notes, the OpenAPI
    comparison, every test's applicability, the loosened policies and the waivers."""

    profile: Profile
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    openapi_source: str = ""
    operations: list[OperationRow] = field(default_factory=list)
    tests: list[TestApplicability] = field(default_factory=list)
    loosened: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the profile can be used (no problem; notes are fine)."""
        return not self.problems

    @property
    def waivers(self) -> list[tuple[str, str]]:
        """(test, reason) of every waiver of the profile."""
        return [(str(item["test"]), str(item["reason"])) for item in self.profile.variables.get("WAIVERS") or []]

    def render(self) -> str:
        """The check as text for the console (no colours, no secrets: a profile holds none)."""
        lines = [f"Profile {self.profile.name} ({self.profile.source}): {'valid' if self.ok else 'NOT USABLE'}"]
        lines += [f"  PROBLEM {problem}" for problem in self.problems]
        lines += [f"  note: {note}" for note in self.notes]
        if self.openapi_source:
            lines.append(f"Operations compared with {self.openapi_source}:")
            width = max((len(operation.name) for operation in self.operations), default=10)
            for operation in self.operations:
                lines.append(f"  {operation.name:<{width}}  {operation.request or '-':<45}  {operation.state}")
        if self.tests:
            counts = {
                status: sum(row.applicability.status == status for row in self.tests)
                for status in (FULL, NARROWED, NOT_OFFERED, SKIPS)
            }
            skips = f", {counts[SKIPS]} skip on this target" if counts[SKIPS] else ""
            lines.append(
                f"Tests: {counts[FULL]} run fully, {counts[NARROWED]} run narrowed, {counts[NOT_OFFERED]} not offered"
                + skips
            )
            width = max(len(row.test.name) for row in self.tests)
            for row in self.tests:
                lines.append(f"  {row.test.suite:<10} {row.test.name:<{width}}  {row.applicability.describe()}")
                if row.waiver:
                    lines.append(f"  {'':<10} {'':<{width}}  waived: {row.waiver}")
        if self.loosened:
            lines.append("Loosened policies (recorded in every run):")
            lines += [f"  - {item}" for item in self.loosened]
        if self.waivers:
            lines.append("Waivers (printed with every verdict):")
            lines += [f"  - {test}: {reason}" for test, reason in self.waivers]
        return "\n".join(lines) + "\n"


def _strategy_notes(variables: Mapping[str, Any], admin_token: bool | None) -> list[str]:
    strategy = cleanup_strategy(variables)
    if strategy == "admin" and admin_token is False:
        return [f"cleanup strategy admin: {ADMIN_TOKEN_VARIABLE} is not set here; without it users are left behind"]
    if strategy == "created-only":
        return ["cleanup strategy created-only: every run leaves its throwaway users behind (reported by id)"]
    return []


def check_profile(
    path: str | Path,
    openapi: str | None = None,
    *,
    tests: tuple[DeclaredTest, ...] | None = None,
    admin_token: bool | None = None,
    verify: bool | str = True,
    target_url: str | None = None,
) -> ProfileCheck:
    """Load, validate and judge the profile at ``path``; compare it with the OpenAPI document at
    ``openapi`` (a URL or a file) when given.

    Raises :class:`ProfileError` when the file cannot be read as YAML, and
    :class:`~.documents.DocumentError` when the OpenAPI document cannot be had. ``tests`` are the
    suites' tests (default: the repository's); ``admin_token`` whether ``SMOKE_ADMIN_TOKEN`` is set
    (None: not known); ``target_url`` the target's base URL (None: not known), which tells whether a
    test that needs ``https`` skips on it. Besides the operations, the paths the suites request only
    when the document lists them (``RATE_LIMIT_PROBE_PATH``) are compared with the document.
    """
    profile = load_profile(path)
    check = ProfileCheck(profile, problems=[str(problem) for problem in profile.schema_problems])
    declared = declared_tests() if tests is None else tests
    variables = profile.variables
    check.problems += waiver_problems(variables, declared)
    check.notes += _strategy_notes(variables, admin_token)
    stem = Path(profile.source).stem
    if profile.own.get("PROFILE_NAME") not in (None, stem):
        check.notes.append(f"PROFILE_NAME is {profile.own.get('PROFILE_NAME')!r}, the file is {stem}.yaml")
    if profile.schema_problems:
        return check
    check.tests = applicability_table(variables, declared, admin_token, target_url)
    check.loosened = loosened_policies(variables.get("POLICIES"), policy_defaults())
    for row in check.tests:
        if row.leaves_out_security and not row.waiver:
            check.notes.append(
                f"security test {row.test.name!r} {row.applicability.describe()}, and the profile has no waiver "
                "for it (WAIVERS): a run is then at best MONITOR"
            )
    if openapi:
        document = read_openapi_document(openapi, verify=verify)
        check.openapi_source = openapi
        documented = openapi_operations(document)
        check.operations = compare_operations(variables.get("OPERATIONS") or {}, documented)
        check.problems += [
            f"OPERATIONS.{row.name}: {row.request} is not in the OpenAPI document (map it, or offered: false)"
            for row in check.operations
            if row.state == MISSING
        ]
        paths = compare_profile_paths(variables, documented)  # as the suites judge them at run time
        check.operations += paths
        avoid = tuple(str(variables.get(key) or "") for key in _NOT_SUGGESTED)
        check.problems += [profile_path_problem(row, documented, avoid) for row in paths if row.state == MISSING]
    return check


__all__ = ["DOCUMENTED", "MISSING", "Profile", "ProfileCheck", "check_profile", "load_profile"]
