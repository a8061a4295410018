"""A README that is executed: its commands, links, exit codes and environment variables are checked.

* the two main commands (code blocks marked ``readme:demo`` and ``readme:tests``) are exactly
  ``./run_smoke.sh --demo`` and ``./run_tests.sh``, and ``.ci/run`` calls ``./run_tests.sh``;
* the demo command, run as written, prints PROCEED and exits 0;
* every relative link and image of README.md and docs/*.md exists (anchors included);
* every repository path the README names in code exists;
* the README's verdict table is the decision table (``RULES`` of smoke_runner/decide/verdict.py), and
  the exit-code table of docs/runner.md matches the runner's constants;
* every environment variable of docs/runner.md's table is read somewhere in the code;
* the README stays a README (about 10 KB: the manual lives in docs/).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from smoke_runner.decide.verdict import EXIT_DRYRUN, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, RULES, Verdict
from tests.docs._markdown import REPO_ROOT, anchors, code_blocks, relative_links

if TYPE_CHECKING:
    from tests.docs.conftest import ShellRun

README = REPO_ROOT / "README.md"
RUNNER_DOC = REPO_ROOT / "docs" / "runner.md"
#: A README answers what, why, the verdicts and the two commands; the manual lives in docs/.
README_MAX_BYTES = 12 * 1024
MAIN_COMMANDS = {"demo": "./run_smoke.sh --demo", "tests": "./run_tests.sh"}
# Code that may read an environment variable: not the tests, not the documentation.
CODE_GLOBS = ("*.py", "*.resource", "*.robot", "*.sh", "*.bat", "run")
CODE_EXCLUDED = (".venv", "tests", "docs", "results", ".git", "benchmarks")
# Variables the seed's table and the issue require the README to document.
REQUIRED_VARIABLES = (
    "PRODUCTION_URL",
    "API_TIMEOUT",
    "TEST_EMAIL",
    "TEST_PASSWORD",
    "CA_BUNDLE",
    "REDIS_REQUIRED",
    "ALLOW_PLAINTEXT_CREDENTIALS",
    "WEBHOOK_RECEIVER",
    "PUSHGATEWAY_URL",
    "ALERT_WEBHOOK_URL",
)
TOP_LEVEL = (
    "suites/",
    "resources/",
    "variables/",
    "libraries/",
    "docs/",
    "tests/",
    "smoke_runner/",
    "reference_api/",
    "ci/",
    ".ci/",
    "benchmarks/",
    "run_smoke.sh",
    "run_smoke.bat",
    "run_tests.sh",
    "requirements",
)


def main_command(name: str) -> str:
    """The text of the README's code block marked ``readme:<name>`` (there must be exactly one)."""
    blocks = [block for block in code_blocks(README) if f"readme:{name}" in block.info.split()]
    assert len(blocks) == 1, f"README.md must have exactly one code block marked readme:{name}, found {len(blocks)}"
    return blocks[0].text.strip()


def section(title: str, document: Path = README) -> str:
    """The text of ``document`` under the heading ``title`` up to the next heading of any level."""
    text = document.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(title)}\s*\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"{document.name} has no section '{title}'"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the Markdown tables in ``text``, as lists of cells (header and separator rows left out)."""
    rows: list[list[str]] = []
    previous_was_table = False
    for line in text.splitlines():
        is_table = line.strip().startswith("|")
        if is_table:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            is_header = not previous_was_table
            is_separator = all(re.fullmatch(r":?-+:?", cell) for cell in cells)
            if not is_header and not is_separator:
                rows.append(cells)
        previous_was_table = is_table
    return rows


@pytest.mark.parametrize("name", sorted(MAIN_COMMANDS))
def test_main_commands_are_exactly_the_documented_ones(name: str) -> None:
    assert main_command(name) == MAIN_COMMANDS[name]
    script = REPO_ROOT / MAIN_COMMANDS[name].split()[0]
    assert script.is_file() and script.stat().st_mode & 0o111, f"{script} must exist and be executable"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert re.fullmatch(r"(exec\s+)?" + re.escape(MAIN_COMMANDS["tests"]) + r"( --full)?", commands[-1]), (
        f".ci/run must end by calling {MAIN_COMMANDS['tests']} (its full tier), its last command is {commands[-1]!r}"
    )


def test_demo_command_prints_proceed_and_exits_0(readme_demo: ShellRun) -> None:
    assert readme_demo.command == MAIN_COMMANDS["demo"]
    assert readme_demo.returncode == 0, readme_demo.output[-4000:]
    assert "VERDICT: PROCEED" in readme_demo.output, readme_demo.output[-4000:]
    assert (readme_demo.run_dir / "log.html").is_file()


@pytest.fixture(scope="module")
def keyword_pages() -> None:
    """The keyword pages the README links to are generated: build them when they are missing."""
    spec = importlib.util.spec_from_file_location("build_keyword_docs", REPO_ROOT / "docs" / "build_keyword_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not all((module.OUTPUT_DIR / module.page_name(source)).exists() for source in module.sources()):
        module.build()


@pytest.mark.parametrize("document", [README, *sorted((REPO_ROOT / "docs").glob("*.md"))], ids=lambda path: path.name)
def test_relative_links_and_images_exist(document: Path, keyword_pages: None) -> None:
    broken = []
    for link in relative_links(document):
        target_text, _, anchor = link.partition("#")
        target = (document.parent / target_text).resolve() if target_text else document
        if not target.exists():
            broken.append(f"{link} (no such file {target})")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link} (no heading with anchor #{anchor} in {target.name})")
    assert not broken, f"broken links in {document.relative_to(REPO_ROOT)}: {broken}"


def test_every_repository_path_named_in_the_readme_exists() -> None:
    text = re.sub(r"^```.*?^```", "", README.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    missing = []
    for token in re.findall(r"`([^`\s]+)`", text):
        path = token.removeprefix("./")
        if not path.startswith(TOP_LEVEL) or re.search(r"[<>*…]", path):
            continue
        if not (REPO_ROOT / path).exists():
            missing.append(token)
    assert not missing, f"README.md names paths that do not exist: {missing}"


def test_exit_code_table_matches_the_runner() -> None:
    expected = {verdict.exit_code: verdict.name for verdict in Verdict}
    expected |= {EXIT_USAGE: "USAGE", EXIT_INTERRUPTED: "INTERRUPTED", EXIT_INTERNAL: "INTERNAL", EXIT_DRYRUN: "DRYRUN"}
    rows = table_rows(section("Exit codes", RUNNER_DOC))
    documented = {int(row[0]): row[1].split(":")[0].split()[0] for row in rows}
    named = {code: name for code, name in documented.items() if name.isupper()}
    assert set(documented) == set(expected), f"docs/runner.md exit codes {sorted(documented)} differ from the runner's"
    assert all(expected[code] == name for code, name in named.items()), (named, expected)


def test_the_readme_verdict_table_is_the_decision_table() -> None:
    """One home for the rules: the README shows RULES, row by row, with each verdict's exit code."""
    rows = table_rows(section("Verdicts"))
    expected = [
        [str(number), rule.when, rule.verdict.name, str(rule.verdict.exit_code)] for number, rule in enumerate(RULES, 1)
    ]
    assert rows == expected, "the README's verdict table differs from RULES (smoke_runner/decide/verdict.py)"
    readme = README.read_text(encoding="utf-8")
    for code, name in (
        (EXIT_USAGE, "usage"),
        (EXIT_DRYRUN, "dryrun"),
        (EXIT_INTERRUPTED, "interrupted"),
        (EXIT_INTERNAL, "internal"),
    ):
        assert re.search(rf"\*\*{code}\*\* [^*]*{name}", readme, re.IGNORECASE), (
            f"exit code {code} ({name}) is not named"
        )
    assert "partial run" in readme


def test_the_readme_is_a_readme() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes: the manual belongs in docs/"


def _code_files() -> list[Path]:
    """The project's own code: the files git tracks (no virtual environment, no results) that are not
    tests, docs or benchmarks."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", *CODE_GLOBS, "*/run"],  # noqa: S607 - git's "*" also matches "/"
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = {REPO_ROOT / name for name in tracked.split("\0") if name}
    return sorted(
        path for path in paths if path.is_file() and path.relative_to(REPO_ROOT).parts[0] not in CODE_EXCLUDED
    )


def test_every_documented_environment_variable_is_read_by_the_code() -> None:
    rows = table_rows(section("Environment", RUNNER_DOC))
    names = [name.strip().strip("`") for row in rows for name in row[0].split(",")]
    assert set(REQUIRED_VARIABLES) <= set(names), f"missing from docs/runner.md: {set(REQUIRED_VARIABLES) - set(names)}"
    code = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in _code_files())
    unread = [
        name for name in names if not re.search(rf"""["']{name}["']|%\{{{name}\b|\$\{{?{name}\b|%{name}%""", code)
    ]
    assert not unread, f"docs/runner.md documents environment variables no code reads: {unread}"
