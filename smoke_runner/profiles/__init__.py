"""Profile tooling: a profile loaded safely, validated against the committed schema, compared with
the target's OpenAPI document, the applicability of every test, a drafted profile, and what a run
recorded about its profile.

Self-contained: it imports the standard library, PyYAML, jsonschema, requests and ``robot.api``,
and nothing else of the runner. Its pure modules (:mod:`.capabilities`, :mod:`.openapi`,
:mod:`.policies`, :mod:`.channels`) import the standard library only: SmokeLibrary loads them by
path, so that the suites at run time and the runner before a run judge alike.

The functions the runner's command line calls:

* :func:`load_profile` (a :class:`Profile`, or :class:`ProfileError` naming the file and line);
* :func:`check_profile` -> :class:`ProfileCheck` (``.ok``, ``.problems``, ``.render()``): ``--check-profile``;
* :func:`read_openapi_document` and :func:`draft_profile` -> YAML text: ``--draft-profile FILE``;
* :func:`applicability_table` (every test: runs fully / runs narrowed / not offered / skips on this target);
* :func:`read_findings` -> :class:`RunFindings`: what a run recorded (:mod:`.channels`).

Also ``python -m smoke_runner.profiles check PROFILE [--openapi URL_OR_FILE] [--target URL]`` and
``python -m smoke_runner.profiles draft --openapi URL_OR_FILE --out FILE``.
"""

from __future__ import annotations

from .capabilities import FULL, NARROWED, NOT_OFFERED, SKIPS, Applicability
from .check import DEFAULT_PROFILE, Profile, ProfileCheck, check_profile, load_profile
from .documents import DocumentError, read_openapi_document
from .draft import draft_profile
from .findings import NarrowedTest, RunFindings, read_findings
from .loader import ProfileError, load_yaml_file, load_yaml_text
from .schema import SchemaProblem
from .schema_file import SCHEMA_PATH
from .suites import DeclaredTest, TestApplicability, applicability_table, declared_tests

__all__ = [
    "DEFAULT_PROFILE",
    "FULL",
    "NARROWED",
    "NOT_OFFERED",
    "SCHEMA_PATH",
    "SKIPS",
    "Applicability",
    "DeclaredTest",
    "DocumentError",
    "NarrowedTest",
    "Profile",
    "ProfileCheck",
    "ProfileError",
    "RunFindings",
    "SchemaProblem",
    "TestApplicability",
    "applicability_table",
    "check_profile",
    "declared_tests",
    "draft_profile",
    "load_profile",
    "load_yaml_file",
    "load_yaml_text",
    "read_findings",
    "read_openapi_document",
]
