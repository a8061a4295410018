"""docs/point-the-gate-at-your-api.md cannot rot: what it shows is the committed classic profile, and it works.

* every YAML snippet of the guide is, verbatim, part of ``variables/profiles/classic.yaml``;
* its table of operations names exactly the operations of the default profile and what the suite reads;
* the command it gives is the documented one, and the messages it quotes are the suite's own;
* the profile of the guide, run against the reference API's classic dialect, passes a flow and
  skips the webhook flow with the message the guide quotes (both suites in full:
  ``tests/profiles/test_classic_proof.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.docs._markdown import REPO_ROOT, code_blocks, relative_links
from tests.support.robot_run import run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import only_test_tagged

GUIDE = REPO_ROOT / "docs" / "point-the-gate-at-your-api.md"
CLASSIC = REPO_ROOT / "variables" / "profiles" / "classic.yaml"
CONTRACT = REPO_ROOT / "variables" / "profiles" / "contract.yaml"
NOT_OFFERED = "Operation 'create_webhook' is not offered by this deployment (profile classic)"
MISSING = "POST /api/v1/auth/register is not offered by this API (its OpenAPI document has no such operation)"


def _text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_every_yaml_snippet_is_part_of_the_classic_profile() -> None:
    snippets = [block.text for block in code_blocks(GUIDE) if block.language == "yaml"]
    assert len(snippets) >= 6, "the guide shows the profile step by step"
    profile = CLASSIC.read_text(encoding="utf-8")
    for snippet in snippets:
        assert snippet in profile, f"this snippet of the guide is not (or no longer) in {CLASSIC.name}:\n{snippet}"


def test_the_table_names_every_operation_and_what_the_suite_reads() -> None:
    rows = re.findall(r"^\| `(\w+)` \|[^|]*\|([^|]*)\|$", _text(), re.MULTILINE)
    default = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["OPERATIONS"]
    assert [name for name, _ in rows] == list(default), "the table lists the default profile's operations in order"
    for name, read in rows:
        documented = set(re.findall(r"`(\w+)`", read))
        assert documented == set(default[name].get("read", {})), (name, documented)


def test_the_guide_gives_the_documented_commands_and_the_suites_own_messages() -> None:
    commands = "\n".join(block.text for block in code_blocks(GUIDE) if block.language == "bash")
    assert "./run_smoke.sh --demo --dialect classic --variablefile variables/profiles/classic.yaml" in commands
    assert NOT_OFFERED in _text() and MISSING in _text()
    # The skip of an operation the profile does not offer is SmokeLibrary's `Offered Operation Of Profile`.
    library = (REPO_ROOT / "libraries" / "SmokeLibrary" / "profiles.py").read_text(encoding="utf-8")
    assert "is not offered by this deployment (profile {profile})" in library
    for link in relative_links(GUIDE):
        assert (GUIDE.parent / link.split("#")[0]).resolve().exists(), link


def test_the_guides_profile_works_against_the_classic_dialect(tmp_path: Path) -> None:
    pathfinding, webhooks = (only_test_tagged("workflows", tag).name for tag in ("pathfinding", "webhooks"))
    with ReferenceApi(env={"LATTICE_DIALECT": "classic"}) as api:
        run = run_suite(
            "workflows",
            api.base_url,
            tmp_path,
            tests=[pathfinding, webhooks],
            extra_args=["--variablefile", str(CLASSIC)],
            timeout=120,
        )
    assert run.status(pathfinding) == "PASS", run.message(pathfinding)
    assert run.status(webhooks) == "SKIP"
    assert run.message(webhooks) == NOT_OFFERED
