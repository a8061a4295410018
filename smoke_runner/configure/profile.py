"""The API profile a run uses: which one, what it waives and what it loosens, and the copy of it the
robot processes load.

A profile (a YAML or JSON variable file, ``variables/profiles/``) is untrusted data: the runner has
loaded it with the profile tooling's safe loader and validated it (``configure/passthrough.py``).
Robot Framework's own YAML loader is not that careful (``yaml.full_load``), so the robot processes
get a JSON copy of exactly what was validated, written into a private folder for the run's lifetime
(removed afterwards, by the guard should the runner die).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from smoke_runner.configure.passthrough import is_profile, variablefile_path
from smoke_runner.processes.guard import Guard
from smoke_runner.profiles import DEFAULT_PROFILE, load_profile
from smoke_runner.profiles.policies import loosened_policies
from smoke_runner.profiles.schema_file import policy_defaults


@dataclass
class ProfileInUse:
    """The profile of a run (the last profile given with --variablefile, else the default one)."""

    name: str
    source: str
    waivers: dict[str, str] = field(default_factory=dict)  # test name -> reason
    loosened: list[str] = field(default_factory=list)  # policies looser than their safe default


def profile_in_use(variablefiles: Sequence[str]) -> ProfileInUse:
    """The profile the run uses, with its waivers and the policies it loosens."""
    given = [path for path in map(variablefile_path, variablefiles) if is_profile(path)]
    profile = load_profile(given[-1] if given else DEFAULT_PROFILE)
    variables = profile.variables
    waivers = {str(item["test"]): str(item["reason"]) for item in variables.get("WAIVERS") or []}
    loosened = loosened_policies(variables.get("POLICIES"), policy_defaults())
    return ProfileInUse(profile.name, profile.source, waivers, loosened)


@contextmanager
def robot_copies(variablefiles: Sequence[str], guard: Guard) -> Iterator[list[str]]:
    """``variablefiles`` with every profile replaced by a JSON copy of what was validated."""
    if not any(is_profile(variablefile_path(text)) for text in variablefiles):
        yield list(variablefiles)
        return
    folder = Path(tempfile.mkdtemp(prefix="smoke-profile-"))
    guard.remove_after_run(folder)
    try:
        copies = []
        for index, text in enumerate(variablefiles):
            path = variablefile_path(text)
            if not is_profile(path):
                copies.append(text)
                continue
            copy = folder / f"{index}-{path.stem}.json"
            copy.write_text(json.dumps(load_profile(path, default=None).own, default=str), encoding="utf-8")
            copies.append(str(copy))
        yield copies
    finally:
        shutil.rmtree(folder, ignore_errors=True)
