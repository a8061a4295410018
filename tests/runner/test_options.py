"""Pass-through options are checked against an allow-list, in every spelling robot and pabot
accept, also inside argument files and ROBOT_OPTIONS (issue 9, rows 1, 2, 3 and 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smoke_runner.cli import UsageError, parse_options
from smoke_runner.configure.passthrough import PROTECTED_VARIABLES, parse_passthrough
from tests.runner.helpers import run_runner


def _argument_file(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "args.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["--settag", "robot:skip-on-failure"],
        ["--settag=robot:skip-on-failure"],
        ["--SetTag", "ROBOT:SKIP"],
        ["--sett", "robot:exclude"],
        ["-G", "robot: skip-on-failure"],
    ],
)
def test_reserved_robot_tags_cannot_be_set_in_any_spelling(args: list[str]) -> None:
    with pytest.raises(UsageError, match="reserved robot:"):
        parse_options(args)


def test_reserved_robot_tags_cannot_be_set_from_an_argument_file(tmp_path: Path) -> None:
    argfile = _argument_file(tmp_path, "--settag robot:skip-on-failure")
    for args in (["--argumentfile", argfile], ["-A", argfile], [f"--argumentfile={argfile}"]):
        with pytest.raises(UsageError, match="reserved robot:"):
            parse_options(args)


@pytest.mark.parametrize("spelling", ["--argumentfile1", "--argumentfile2"])
def test_pabots_numbered_argument_files_are_refused(tmp_path: Path, spelling: str) -> None:
    argfile = _argument_file(tmp_path, "--dryrun")
    with pytest.raises(UsageError, match=re.escape(f"pabot's {spelling} cannot be passed through")):
        parse_options([spelling, argfile])


def test_an_argument_file_is_read_and_its_dryrun_refused(tmp_path: Path) -> None:
    argfile = _argument_file(tmp_path, "--dryrun")
    with pytest.raises(UsageError, match="use the runner's own --dryrun"):
        parse_options(["--argumentfile", argfile])


def test_an_argument_file_with_allowed_options_is_expanded_and_never_reaches_pabot(tmp_path: Path) -> None:
    argfile = _argument_file(tmp_path, "--loglevel DEBUG", "--test Some Test", "--include smoke")
    options = parse_options(["-A", argfile])
    assert options is not None
    assert options.passthrough == ["--loglevel=DEBUG"]
    assert options.tests == ["Some Test"] and options.include == ["smoke"]
    assert not any("argumentfile" in arg or argfile in arg for arg in options.passthrough)


def test_options_in_robot_options_are_checked_like_the_command_line() -> None:
    with pytest.raises(Exception, match="use the runner's own --dryrun"):
        parse_passthrough([], env={"ROBOT_OPTIONS": "--dryrun"})
    with pytest.raises(Exception, match="REBOT_OPTIONS"):
        parse_passthrough([], env={"REBOT_OPTIONS": "--removekeywords all"})


@pytest.mark.parametrize(
    "args",
    [
        ["--variable", "BASE_URL:http://127.0.0.1:1"],
        ["--variable=BASE_URL:http://127.0.0.1:1"],
        ["-vBASE_URL:http://127.0.0.1:1"],
        ["--VARIABLE", "base url:http://127.0.0.1:1"],
        ["-v", "${BASE_URL}:http://127.0.0.1:1"],
        ["-v", "TLS_VERIFY:False"],
        ["-v", "CA_BUNDLE:/tmp/other.pem"],
        ["-v", "ALLOW_PLAINTEXT_CREDENTIALS:True"],
    ],
)
def test_protected_variables_cannot_be_overridden_with_variable(args: list[str]) -> None:
    with pytest.raises(UsageError, match="decides what is tested and how"):
        parse_options(args)


def test_protected_variables_cannot_be_set_by_a_variable_file(tmp_path: Path) -> None:
    variables = tmp_path / "sneaky.py"
    variables.write_text("SLA_SAMPLES = 3\nBASE_URL = 'http://127.0.0.1:1'\n", encoding="utf-8")
    json_file = tmp_path / "sneaky.json"
    json_file.write_text('{"TLS_VERIFY": false}', encoding="utf-8")
    for args in (
        ["--variablefile", str(variables)],
        ["--VariableFile", str(variables)],
        [f"-V{variables}"],
        ["--variablefile", str(json_file)],
    ):
        with pytest.raises(UsageError, match="decides what is tested and how"):
            parse_options(args)


def test_the_project_variable_files_and_other_variables_are_allowed() -> None:
    options = parse_options(["--variablefile", "staging", "--VariableFile", "production", "-v", "SLA_SAMPLES:3"])
    assert options is not None and len(options.variablefiles) == 2
    assert options.passthrough == ["--variable=SLA_SAMPLES:3"]
    assert "BASE_URL" in PROTECTED_VARIABLES and "TLS_VERIFY" in PROTECTED_VARIABLES


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--shard", "2/3"], "changes which tests run"),
        (["--testlevelsplit"], "changes which tests run"),
        (["--chunk"], "changes which tests run"),
        (["--shard=2/3"], "not recognized"),
        (["--Shard", "2/3"], "not recognized"),
        (["--suitesfrom", "x.xml"], "changes which tests run"),
        (["--command", "robot", "--end-command"], "the runner sets pabot's options"),
        (["--pabotprerunmodifier", "x"], "the runner sets pabot's options"),
    ],
)
def test_sharding_and_other_pabot_options_are_refused(args: list[str], reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_options(args)


@pytest.mark.parametrize(
    "args",
    [
        ["--prerunmodifier", "x"],
        ["--randomize", "all"],
        ["--exitonfailure"],
        ["--SUITE", "Health"],
        ["-s", "Health"],
        ["--pythonpath", "/tmp"],
        ["--removekeywords", "all"],
        ["--rpa"],
        ["--console", "none"],
        ["--statusrc"],
        ["--nostatusrc"],
    ],
)
def test_options_outside_the_allow_list_are_refused(args: list[str]) -> None:
    with pytest.raises(UsageError, match=r"cannot be passed through|managed by the runner"):
        parse_options(args)


def test_values_reach_pabot_as_single_arguments_so_pabot_reads_no_option_inside_them() -> None:
    options = parse_options(["--test=--shard", "--metadata", "Build:--testlevelsplit"])
    assert options is not None and options.tests == ["--shard"]
    assert options.passthrough == ["--metadata=Build:--testlevelsplit"]


@pytest.mark.parametrize(
    "args",
    [
        ["--settag", "robot:skip-on-failure"],
        ["--testlevelsplit", "--shard", "2/3"],
        ["--variable", "BASE_URL:http://127.0.0.1:1"],
        ["--argumentfile1", "ARGFILE"],
        ["-A", "ARGFILE"],
    ],
)
def test_the_runner_exits_2_before_contacting_anything(
    tmp_path: Path, results_dir: Path, closed_port_url: str, args: list[str]
) -> None:
    argfile = _argument_file(tmp_path, "--dryrun")
    args = [argfile if arg == "ARGFILE" else arg for arg in args]
    run = run_runner(["--demo", *args], results_dir, env={"PRODUCTION_URL": closed_port_url}, timeout=60)
    assert run.returncode == 2, run.console
    assert "Starting the bundled reference API" not in run.stdout
    assert not (results_dir / "latest").exists()
