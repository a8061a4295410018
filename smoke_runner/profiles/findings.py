"""What a run recorded about the profile (:mod:`.channels`), read from its ``output.xml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .capabilities import NARROWED_PREFIX, NARROWED_TAG, declarations_of
from .channels import CLEANUP, CLEANUP_PROBLEMS, LOOSENED_POLICIES, PROFILE, USERS_LEFT_BEHIND, WAIVERS, items_of


@dataclass(frozen=True)
class NarrowedTest:
    """A test that ran narrowed: its suite, name, status and what it left out (capability, what)."""

    suite: str
    name: str
    status: str
    left_out: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """``Authenticated API Access Flow: reading another user's lattice by id left out``."""
        return f"{self.name}: {'; '.join(text for _, text in self.left_out)} left out"


@dataclass
class RunFindings:
    """Everything the suites recorded about the profile in one run (empty lists: nothing to report)."""

    profiles: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)
    users_left_behind: list[str] = field(default_factory=list)
    cleanup_problems: list[str] = field(default_factory=list)
    loosened_policies: list[str] = field(default_factory=list)
    waivers: list[str] = field(default_factory=list)
    narrowed: list[NarrowedTest] = field(default_factory=list)


def _add(target: list[str], items: list[str]) -> None:
    target.extend(item for item in items if item not in target)


def _narrowing(test: Any) -> tuple[tuple[str, str], ...]:
    tags = [str(tag) for tag in test.tags]
    if NARROWED_TAG not in tags:
        return ()
    went_without = [tag[len(NARROWED_PREFIX) :] for tag in tags if tag.startswith(NARROWED_PREFIX)]
    declared = declarations_of(tags)
    return tuple((capability, declared.left_out_without(capability) or capability) for capability in went_without)


def _suites(suite: Any) -> list[Any]:
    """``suite`` and every suite under it."""
    return [suite, *(child for sub in suite.suites for child in _suites(sub))]


def read_findings(result: Any) -> RunFindings:
    """The findings of a run: ``result`` is an ``output.xml`` path or a result of ``robot.api.ExecutionResult``."""
    if isinstance(result, (str, Path)):
        from robot.api import ExecutionResult  # Robot is imported only to read a result

        result = ExecutionResult(str(result))
    findings = RunFindings()
    for suite in _suites(result.suite):
        metadata = dict(suite.metadata)
        if PROFILE in metadata:
            _add(findings.profiles, [str(metadata[PROFILE])])
        if CLEANUP in metadata:
            findings.cleanup.append(f"{suite.name}: {metadata[CLEANUP]}")
        _add(findings.users_left_behind, items_of(metadata.get(USERS_LEFT_BEHIND, "")))
        _add(findings.cleanup_problems, items_of(metadata.get(CLEANUP_PROBLEMS, "")))
        _add(findings.loosened_policies, items_of(metadata.get(LOOSENED_POLICIES, "")))
        _add(findings.waivers, items_of(metadata.get(WAIVERS, "")))
        for test in suite.tests:
            left_out = _narrowing(test)
            if left_out:
                findings.narrowed.append(NarrowedTest(suite.name, str(test.name), str(test.status), left_out))
    return findings
