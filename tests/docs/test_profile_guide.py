"""docs/point-the-gate-at-your-api.md cannot rot: it builds the lean profile, and its tables are the suites'.

* the blocks marked ``yaml lean.yaml``, put together in order, are exactly
  ``variables/profiles/lean.yaml``, which is valid against the committed schema;
* its table of operations is the schema's (names, placeholders, what the suite reads), its table of
  tests is what the suites declare (``needs:`` and ``without:`` tags), its table of keys is the
  schema's, its policy defaults are the schema's, its metadata are the channels the runner reads;
* the commands it gives are the documented ones, and the messages it quotes are the suite's own;
* the profile the chapter builds, run against the reference API's lean dialect, passes the
  pathfinding flow (path as vertex indices) and skips the webhook flow with the message the chapter
  quotes (both suites in full, healthy and broken: ``tests/profiles/test_lean_proof.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from smoke_runner.profiles import channels, check_profile, declared_tests
from smoke_runner.profiles.schema_file import policy_defaults, profile_schema
from tests.docs._markdown import REPO_ROOT, code_blocks, relative_links
from tests.support.robot_run import run_suite
from tests.support.server import ReferenceApi
from tests.support.suite_model import only_test_tagged

GUIDE = REPO_ROOT / "docs" / "point-the-gate-at-your-api.md"
LEAN = REPO_ROOT / "variables" / "profiles" / "lean.yaml"
NOT_OFFERED = "Operation 'create_webhook' is not offered by this deployment (profile lean)"
MISSING = "is not offered by this API (its OpenAPI document has no such operation)"


def _text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _table(heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading`` (cells stripped, header and rule left out)."""
    section = _text().split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def lean_blocks() -> list[str]:
    return [block.text for block in code_blocks(GUIDE) if block.info.split()[1:2] == ["lean.yaml"]]


def test_the_chapters_blocks_make_the_lean_profile_exactly() -> None:
    blocks = lean_blocks()
    assert len(blocks) >= 8, "the chapter builds the profile block by block"
    assert "".join(blocks) == LEAN.read_text(encoding="utf-8"), (
        "the blocks marked `yaml lean.yaml` in docs/point-the-gate-at-your-api.md, in order, must be "
        "exactly variables/profiles/lean.yaml (change both together)"
    )


def test_the_profile_the_chapter_builds_is_valid(tmp_path: Path) -> None:
    built = tmp_path / "lean.yaml"
    built.write_text("".join(lean_blocks()), encoding="utf-8")
    check = check_profile(built)
    assert check.ok, check.render()
    assert check.waivers and check.loosened


def test_the_chapters_example_of_a_typo_is_what_the_check_says(tmp_path: Path) -> None:
    quoted = re.search(r"`(lean\.yaml line \d+: OPERATIONS\.login\.sucess: [^`]+)`", _text())
    assert quoted, "the chapter quotes the check's message for a typo"
    built = tmp_path / "lean.yaml"
    text = LEAN.read_text(encoding="utf-8").replace("    success: [200]\n    refused", "    sucess: [200]\n    refused")
    built.write_text(text, encoding="utf-8")
    problems = check_profile(built).problems
    assert any(problem.startswith(f"{tmp_path}/{quoted.group(1)}") for problem in problems), problems


def test_the_table_of_operations_is_the_schemas() -> None:
    rows = _table("### The operations and what the suite reads")
    operations = profile_schema()["properties"]["OPERATIONS"]["properties"]
    assert [_ticked(row[0])[0] for row in rows] == list(operations), "the schema's operations, in order"
    for row in rows:
        name = _ticked(row[0])[0]
        hints = operations[name]["x-draft"]
        placeholders = _ticked(re.sub(r"\([^)]*\)", "", row[1]))  # (notes) aside
        assert placeholders == list(hints["placeholders"]), (name, placeholders)
        reads = _ticked(row[2])
        assert set(reads) >= set(hints["read"]), (name, reads)


def test_the_table_of_tests_is_what_the_suites_declare() -> None:
    rows = _table("Every workflow also needs")
    documented = {row[0]: (row[1], row[2]) for row in rows}
    tests = declared_tests()
    assert list(documented) == [test.name for test in tests], "every test of the suites, in order"
    for test in tests:
        needs, without = documented[test.name]
        assert sorted(_ticked(needs)) == sorted(test.declarations.needs), test.name
        declared = [f"`{capability}`: {text}" for capability, text in test.declarations.without]
        assert sorted(part.strip() for part in without.split(";") if part.strip()) == sorted(declared), test.name


def test_the_table_of_keys_is_the_schemas() -> None:
    rows = _table("### Every key")
    schema = profile_schema()
    documented = [key for row in rows for key in _ticked(row[0])]
    assert sorted(documented) == sorted(schema["properties"]), sorted(set(documented) ^ set(schema["properties"]))
    required = {key for row in rows if row[1] == "yes" for key in _ticked(row[0])}
    assert required == set(schema["required"])


def test_the_policy_defaults_and_the_metadata_are_the_real_ones() -> None:
    text = _text()
    defaults = policy_defaults()
    for header in defaults["security_headers"]:
        assert f"`{header}`" in text
    assert f"{defaults['hsts_min_max_age']} s" in text and f"{defaults['hsts_recommended_max_age']} s" in text
    assert f"`{defaults['cache_control']}` on an authenticated answer" in text
    metadata = [_ticked(row[0])[0] for row in _table("### What a run records about its profile")]
    names = [channels.PROFILE, channels.CLEANUP, channels.USERS_LEFT_BEHIND, channels.CLEANUP_PROBLEMS]
    assert metadata == [*names, channels.LOOSENED_POLICIES, channels.WAIVERS]


def test_the_chapter_gives_the_documented_commands_and_the_suites_own_messages() -> None:
    commands = "\n".join(block.text for block in code_blocks(GUIDE) if block.language == "bash")
    assert "./run_smoke.sh --demo --dialect lean --variablefile variables/profiles/lean.yaml" in commands
    assert "python -m smoke_runner.profiles check variables/profiles/myapi.yaml --openapi" in commands
    assert "python -m smoke_runner.profiles draft --openapi" in commands
    assert NOT_OFFERED in _text() and MISSING in _text()
    library = (REPO_ROOT / "libraries" / "SmokeLibrary" / "profiles.py").read_text(encoding="utf-8")
    assert "is not offered by this deployment (profile {profile})" in library
    assert 'f"Narrowed: {left_out} left out ({reason}).' in library
    resources = "".join(path.read_text(encoding="utf-8") for path in (REPO_ROOT / "resources").glob("*.resource"))
    assert "Not checked: ${gap}" in resources and "can still log in after" in resources
    for link in relative_links(GUIDE):
        assert (GUIDE.parent / link.split("#")[0]).resolve().exists(), link


def test_the_chapters_profile_works_against_the_lean_dialect(tmp_path: Path) -> None:
    pathfinding, webhooks = (only_test_tagged("workflows", tag).name for tag in ("pathfinding", "webhooks"))
    token = "admin-token-of-the-guide-test"
    with ReferenceApi(env={"LATTICE_DIALECT": "lean", "LATTICE_ADMIN_TOKEN": token}) as api:
        run = run_suite(
            "workflows",
            api.base_url,
            tmp_path,
            env={"SMOKE_ADMIN_TOKEN": token},
            tests=[pathfinding, webhooks],
            extra_args=["--variablefile", str(LEAN)],
            timeout=120,
        )
    assert run.status(pathfinding) == "PASS", run.message(pathfinding)
    assert run.status(webhooks) == "SKIP"
    assert run.message(webhooks) == NOT_OFFERED


def test_the_chapters_example_of_a_probe_the_document_lacks_is_what_the_check_says(tmp_path: Path) -> None:
    quoted = re.search(r"`(RATE_LIMIT_PROBE_PATH: GET /api/v1/plans is not in the OpenAPI document[^`]+)`", _text())
    assert quoted, "the chapter quotes the check's message for a rate-limit probe the document lacks"
    built = tmp_path / "lean.yaml"
    text = LEAN.read_text(encoding="utf-8")
    built.write_text(text.replace("RATE_LIMIT_PROBE_PATH: /info\n", "RATE_LIMIT_PROBE_PATH: /api/v1/plans\n"))
    with ReferenceApi(env={"LATTICE_DIALECT": "lean"}) as api:
        check = check_profile(built, f"{api.base_url}/openapi.json")
    assert not check.ok and " ".join(quoted.group(1).split()) in check.problems, check.problems
