"""The pure modules of the runner's profile tooling (``smoke_runner/profiles``), used by the keywords.

``capabilities`` (what a deployment offers and what that means for a test), ``openapi`` (a profile
compared with an OpenAPI document), ``policies`` (effective and loosened policies) and ``channels``
(where a run records its findings) have one home, the runner's ``smoke_runner/profiles`` package,
so that a test at run time and ``--check-profile`` before a run judge alike. Robot Framework imports
this library by its path, with no guarantee that the repository is on ``sys.path``; these modules
import the standard library only, and are loaded here from their files, as is ``schema_file`` (the
committed profile schema: the safe policy defaults, the pattern of a relative path).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILES_PACKAGE = REPO_ROOT / "smoke_runner" / "profiles"


def _load(name: str) -> ModuleType:
    """``smoke_runner/profiles/<name>.py``, loaded from its file once per process."""
    module_name = f"smoke_profile_core_{name}"
    loaded = sys.modules.get(module_name)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(module_name, PROFILES_PACKAGE / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {PROFILES_PACKAGE / f'{name}.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    from smoke_runner.profiles import capabilities, channels, openapi, policies, schema_file
else:
    capabilities = _load("capabilities")
    channels = _load("channels")
    openapi = _load("openapi")
    policies = _load("policies")
    schema_file = _load("schema_file")


relative_path_pattern = schema_file.relative_path_pattern
policy_defaults = schema_file.policy_defaults

__all__ = ["capabilities", "channels", "openapi", "policies", "policy_defaults", "relative_path_pattern"]
