"""The runner and the API profile (issue 21 items 7 and 8, issue 22 rows 5, 9 and 13):
``--check-profile`` and ``--draft-profile`` against the dialects' OpenAPI documents, the lean
dialect judged through its profile, profiles parsed as untrusted data, and what only a profile may
set (policies, waivers) refused from anywhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.runner.helpers import REPO_ROOT, run_runner

PROFILES = REPO_ROOT / "variables" / "profiles"


@pytest.mark.parametrize(
    ("dialect", "profile"),
    [  # lean (the least like the contract) in the default tier, the others in the full tier
        pytest.param("contract", None, marks=pytest.mark.full),
        pytest.param("classic", "classic.yaml", marks=pytest.mark.full),
        ("lean", "lean.yaml"),
    ],
)
def test_check_profile_compares_each_dialect_with_its_profile_and_runs_no_suite(
    tmp_path: Path, dialect: str, profile: str | None
) -> None:
    args = ["--demo", "--dialect", dialect, "--check-profile"]
    if profile:
        args += ["--variablefile", str(PROFILES / profile)]
    run = run_runner(args, tmp_path / "results", timeout=120)
    assert run.returncode == 0, run.console
    assert ": valid" in run.stdout and "Operations compared with https://127.0.0.1:" in run.stdout
    assert "run fully" in run.stdout and "pabot" not in run.stdout
    assert not (tmp_path / "results" / "history.jsonl").exists()


def test_check_profile_names_the_operations_another_dialect_lacks(tmp_path: Path) -> None:
    run = run_runner(["--demo", "--dialect", "lean", "--check-profile"], tmp_path, timeout=120)
    assert run.returncode == 2, run.console
    assert "NOT USABLE" in run.console
    assert "OPERATIONS.register: POST /api/v1/auth/register is not in the OpenAPI document" in run.console


@pytest.mark.parametrize(  # contract in the default tier, the others in the full tier
    "dialect",
    ["contract", pytest.param("classic", marks=pytest.mark.full), pytest.param("lean", marks=pytest.mark.full)],
)
def test_draft_profile_writes_a_usable_start_from_each_dialects_document(tmp_path: Path, dialect: str) -> None:
    draft = tmp_path / f"{dialect}.yaml"
    run = run_runner(["--demo", "--dialect", dialect, "--draft-profile", str(draft)], tmp_path / "results", timeout=120)
    assert run.returncode == 0, run.console
    text = draft.read_text(encoding="utf-8")
    assert "OPERATIONS:" in text and "TODO" in text
    again = run_runner(["--demo", "--dialect", dialect, "--draft-profile", str(draft)], tmp_path / "results")
    assert again.returncode == 2 and "exists already" in again.stderr, "a draft never overwrites a file"


def test_lean_through_its_profile_proceeds_as_a_partial_run_naming_waivers_and_loosened_policies(
    tmp_path: Path,
) -> None:
    run = run_runner(
        ["--demo", "--dialect", "lean", "--variablefile", str(PROFILES / "lean.yaml")], tmp_path, timeout=300
    )
    assert run.returncode == 0, run.console
    verdict, reason = run.stdout.splitlines()[-2:]
    assert verdict.startswith("VERDICT: PROCEED (partial run)")
    assert "the profile loosens: Content-Security-Policy may allow 'unsafe-inline'" in reason
    assert "ran narrowed" in run.stdout and "WAIVED" in run.stdout
    summary = run.summary()
    assert "Profile:      lean" in summary and "Waived:" in summary and "Loosened:" in summary
    assert "Left behind:" not in summary, "the admin strategy removes every throwaway user"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1: x\nPROFILE_NAME: t\n", "the key '1' is not a string"),  # row 13
        ("PROFILE_NAME: !!python/name:os.system\n", "is not allowed (a profile is plain data)"),  # row 13
        (  # row 9: a few hundred bytes of nested aliases
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdef", "bcdefg")),
            "expands to more than",
        ),
        ("PROFILE_NAME: x\nOPERATIONS: {login: {method: POST, path: 'https://elsewhere.example/login'}}\n", "path"),
    ],
    ids=["integer-key", "python-tag", "nested-aliases", "absolute-path"],
)
def test_a_malformed_profile_is_a_usage_error_in_one_line(tmp_path: Path, text: str, error: str) -> None:
    profile = tmp_path / "hostile.yaml"
    profile.write_text(text, encoding="utf-8")
    run = run_runner(
        ["--variablefile", str(profile)], tmp_path / "results", env={"PRODUCTION_URL": "http://127.0.0.1:9"}
    )
    assert run.returncode == 2, run.console
    assert error in run.stderr and "Traceback" not in run.console
    assert run.seconds < 30


@pytest.mark.parametrize(
    "args",
    [["--variable", "POLICIES:{}"], ["--variable", "WAIVERS:x"]],
    ids=["policies", "waivers"],
)
def test_policies_and_waivers_come_only_from_a_profile(tmp_path: Path, args: list[str]) -> None:
    """Row 5: a security policy is loosened only by a profile, where every run names it."""
    run = run_runner(args, tmp_path, env={"PRODUCTION_URL": "http://127.0.0.1:9"})
    assert run.returncode == 2 and "set only by a profile" in run.stderr, run.console


def test_a_python_variable_file_cannot_loosen_a_policy(tmp_path: Path) -> None:
    variable_file = tmp_path / "loose.py"
    variable_file.write_text("POLICIES = {'hsts_min_max_age': 60}\n", encoding="utf-8")
    run = run_runner(
        ["--variablefile", str(variable_file)], tmp_path / "results", env={"PRODUCTION_URL": "http://127.0.0.1:9"}
    )
    assert run.returncode == 2 and "set only by a profile" in run.stderr, run.console


def test_overrides_are_listed_with_the_run(tmp_path: Path) -> None:
    """Row 5: every threshold set from outside is listed in the summary, the history and JUnit."""
    run = run_runner(
        ["--variablefile", "staging", "--variable", "SLA_SAMPLES:5"],
        tmp_path,
        env={"PRODUCTION_URL": "http://127.0.0.1:9"},
    )
    assert run.returncode == 30, run.console  # the preflight fails: the overrides are still listed
    summary = run.summary()
    assert "Override:     SLA_SAMPLES=5 (--variable)" in summary
    assert "Override:     AUTH_MAX_MS=2000 (variables/staging.py)" in summary
    history = (tmp_path / "history.jsonl").read_text(encoding="utf-8")
    assert "SLA_SAMPLES=5 (--variable)" in history
    assert "SLA_SAMPLES=5" in run.artifact("preflight").read_text(encoding="utf-8")


def test_a_variables_file_beside_the_profile_sets_the_id_of_a_lattice_that_does_not_exist(tmp_path: Path) -> None:
    """The chapter's advice for whole-number ids ("What the suites assume of every API"), as written there."""
    ids = tmp_path / "yours_ids.py"
    ids.write_text('UNKNOWN_LATTICE_ID = "987654321"\n', encoding="utf-8")
    args = ["--demo", "--variablefile", str(PROFILES / "contract.yaml"), "--variablefile", str(ids)]
    run = run_runner([*args, "--suite", "workflows", "--test", "Error Recovery Flow"], tmp_path / "results")
    assert "VERDICT: ROLLBACK" not in run.stdout, run.console
    assert "workflows    1 passed, 0 failed" in run.stdout, run.console
    assert "/lattices/987654321" in (run.run_dir / "output.xml").read_text(encoding="utf-8")
