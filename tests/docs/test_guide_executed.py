"""docs/adding-a-smoke-test.md, executed: its additions alone keep the suite-level checks green.

The project is copied into a temporary folder (the files git knows, the virtual environment reused
by its path); the guide's code blocks marked ``guide:append=FILE`` are appended to their files there,
exactly as written, and the command of its block marked ``guide:check`` (``./run_tests.sh -m suites``)
runs in the copy, so that ``tests/support/suite_model.py`` reads the copy's suites. Asserted:

* the command passes: Robocop, the dry run, the keyword pages and the selected suite-level checks;
* the guide's new tests are in the copy's suites, ran against the healthy reference API (pass) and
  under their declared proofs (fail as declared), and the checks that used to need a Python edit for
  a new test (counts, pass-rate bands of the runner, the catch-all server) ran and passed;
* no file of the copy but the guide's targets changed.

To keep it to a few minutes the command gets a ``-k`` selection (:func:`selection`): the checks an
eleventh flow or a twelfth health check used to break, and the proof runs of the new tests only.
``./run_tests.sh`` runs it once: the copy's run is one module fixture, and as a test of the documents
it is never a suite-level check itself (tests/conftest.py), so the run in the copy cannot start it again.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from robot.api import TestSuiteBuilder as SuiteBuilder

from tests.docs._markdown import REPO_ROOT, code_blocks
from tests.docs.conftest import UNSET, current_venv

#: A slow consumer (a real Prometheus, Chromium, the guide replayed): the full tier (./run_tests.sh --full).
pytestmark = pytest.mark.full

GUIDE = REPO_ROOT / "docs" / "adding-a-smoke-test.md"
APPEND = "guide:append="
CHECK = "guide:check"
#: The targets the guide may add to: suites, keywords and data, never Python or the project's tests.
ALLOWED_TARGETS = ("suites/", "resources/", "variables/")
#: Generated or local files, never part of the project (.gitignore says more when git is there).
LOCAL = {
    ".git",
    ".venv",
    "results",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".robocop_cache",
    "pabot_results",
}
LOCAL_PATHS = ("docs/keywords/", "reference_api/data/", ".pabotsuitenames", "output.xml", "log.html", "report.html")
#: The suite-level checks an added workflow test or health check used to break (a ``-k`` selection);
#: :func:`selection` adds the proof runs of the guide's new tests.
CHECKS = (
    "test_proofs_",  # every test declares a proof that names a known fault, mutation or stand-in
    "every_flow_passes_against_a_healthy_api",  # the flows, by name, from the suite
    "healthy_run_leaves_no_rows_behind",
    "(every_check_passes_over_http and not https)",  # the health checks, by name, from the suite
    "same_page_to_everything",  # the catch-all stand-in: every health check must fail there
    "down_target_fails_every_test",
    "demo_end_to_end",  # the counts of a full run of the runner
    "investigate_band_of",  # the pass-rate band that an eleventh flow moved (issue 14)
    "healthy_classic_api",  # the second dialect passes every test it offers
)
#: Checks that must be among those that ran and passed (each stands for a Python edit a new test once needed).
USED_TO_BREAK = (
    "every_flow_passes_against_a_healthy_api",
    "every_check_passes_over_http",
    "same_page_to_everything",
    "down_target_fails_every_test",
    "demo_end_to_end",
    "investigate_band_of",
    "healthy_classic_api",
)
TIMEOUT = 900


@dataclass(frozen=True)
class Addition:
    """A code block of the guide and the file it is appended to."""

    target: str
    text: str


def guide_additions() -> list[Addition]:
    """The guide's ``guide:append=FILE`` blocks, in order."""
    additions = []
    for block in code_blocks(GUIDE):
        for word in block.info.split()[1:]:
            if word.startswith(APPEND):
                additions.append(Addition(word.removeprefix(APPEND), block.text))
    return additions


def check_command() -> str:
    """The command of the guide's one ``guide:check`` block."""
    blocks = [block.text.strip() for block in code_blocks(GUIDE) if CHECK in block.info.split()]
    assert len(blocks) == 1, f"the guide must have exactly one code block marked {CHECK}, found {len(blocks)}"
    return blocks[0]


def append_additions(root: Path, additions: Iterable[Addition]) -> None:
    """Append each addition to its file under ``root``, after an empty line, as the guide says."""
    for addition in additions:
        target = root / addition.target
        assert target.is_file(), f"the guide appends to {addition.target}, which does not exist"
        text = target.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + addition.text.lstrip("\n")
        target.write_text(text, encoding="utf-8")


def _is_local(relative: str) -> bool:
    parts = relative.split("/")
    return bool(LOCAL & set(parts)) or relative.endswith(".pyc") or relative.startswith(LOCAL_PATHS)


def _git(*args: str, cwd: Path, stdin: str | None = None) -> str | None:
    """The output of ``git ARGS`` in the project, or None when git or the repository is not there."""
    git = shutil.which("git")
    if git is None or not (REPO_ROOT / ".git").exists():
        return None
    completed = subprocess.run(
        [git, *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False, timeout=60
    )
    assert completed.returncode in (0, 1), f"git {' '.join(args)}: {completed.stderr}"
    return completed.stdout


def _walk(root: Path) -> list[str]:
    """Every file under ``root`` outside the local folders (symbolic links to folders are not followed)."""
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name not in LOCAL]
        found += [(Path(folder) / name).relative_to(root).as_posix() for name in files]
    return found


def project_files(root: Path) -> dict[str, str]:
    """``relative path: sha256`` of every file of the project under ``root`` (local and ignored files left out).

    In the project that is what git knows (tracked and new files); in the copy, every file that the
    project's ``.gitignore`` does not ignore.
    """
    if root == REPO_ROOT and (listed := _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=root)):
        names = [name for name in listed.split("\0") if name]
    else:
        names = [name for name in _walk(root) if not _is_local(name)]
        ignored = _git("check-ignore", "--no-index", "--stdin", cwd=REPO_ROOT, stdin="\n".join(names))
        names = sorted(set(names) - set((ignored or "").splitlines()))
    files = {}
    for name in names:
        path = root / name
        if not _is_local(name) and path.is_file() and not path.is_symlink():
            files[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def copy_project(destination: Path) -> dict[str, str]:
    """Copy the project's files to ``destination``, link its ``.venv`` to the current one; return the copy's hashes."""
    for name in project_files(REPO_ROOT):
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, target)
    (destination / ".venv").symlink_to(current_venv(), target_is_directory=True)
    return project_files(destination)


@dataclass
class GuideRun:
    """The copy after the guide's additions and the check command, and what it left behind."""

    root: Path
    command: str
    returncode: int
    output: str
    before: dict[str, str]
    after: dict[str, str]
    junit: Path

    def cases(self) -> dict[str, str]:
        """``nodeid: outcome`` (passed, failed, error, skipped) of every pytest test the command ran."""
        assert self.junit.is_file(), f"pytest wrote no {self.junit.name}: it did not run\n{self.describe()}"
        outcomes = {}
        for case in ElementTree.parse(self.junit).getroot().iter("testcase"):
            node = f"{case.get('classname', '')}::{case.get('name', '')}"
            found = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
            outcomes[node] = found[0] if found else "passed"
        return outcomes

    def describe(self) -> str:
        return f"$ {self.command}\n{self.output[-6000:]}"


@pytest.fixture(scope="module")
def guide_run(tmp_path_factory: pytest.TempPathFactory) -> GuideRun:
    """The project copied, the guide applied, its check command run once with :func:`selection`."""
    root = tmp_path_factory.mktemp("guide-executed") / "project"
    before = copy_project(root)
    append_additions(root, guide_additions())
    junit = root.parent / "junit.xml"
    command = f"{check_command()} -k {shlex.quote(selection())} --junitxml={shlex.quote(str(junit))}"
    env = {name: value for name, value in os.environ.items() if name not in UNSET and not name.startswith("PYTEST")}
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "VENV", "PYTEST_WORKERS"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    returncode, output = run_bounded(command, root, env)
    return GuideRun(root, command, returncode, output, before, project_files(root), junit)


def run_bounded(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with bash in its own process group; past :data:`TIMEOUT` the whole group is killed."""
    with subprocess.Popen(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            pytest.fail(f"{command} did not finish within {TIMEOUT} s:\n{output[-6000:]}")
    return process.returncode, output


def added_tests() -> list[Addition]:
    """The additions that are test cases (the ones appended to ``suites/``)."""
    return [addition for addition in guide_additions() if addition.target.startswith("suites/")]


def id_name_of(addition: Addition) -> str:
    """The name of the test case an addition to ``suites/`` adds, as pytest ids write it (``_`` for spaces)."""
    return addition.text.strip().splitlines()[0].strip().replace(" ", "_")


def selection() -> str:
    """The ``-k`` expression: :data:`CHECKS` and the proof runs of the guide's new tests."""
    new_tests = " or ".join(id_name_of(addition) for addition in added_tests())
    return " or ".join((*CHECKS, f"(proof_of_each and ({new_tests}))"))


def test_the_guide_adds_to_suites_keywords_and_data_only() -> None:
    additions = guide_additions()
    targets = {addition.target for addition in additions}
    assert {"suites/workflows.robot", "suites/health.robot"} <= targets, targets
    assert all(target.startswith(ALLOWED_TARGETS) for target in targets), targets
    assert check_command().startswith("./run_tests.sh"), check_command()


def test_the_guide_workflow_test_is_its_example_file() -> None:
    example = (REPO_ROOT / "docs" / "examples" / "lattice_deletion.robot").read_text(encoding="utf-8")
    (workflow,) = [addition.text for addition in guide_additions() if addition.target == "suites/workflows.robot"]
    assert example.endswith("\n" + workflow), "the block for suites/workflows.robot must be the example's test case"


def test_the_copy_reads_its_own_suites(guide_run: GuideRun) -> None:
    probe = subprocess.run(
        [
            str(current_venv() / "bin" / "python"),
            "-c",
            "from tests.support import suite_model as m; print(m.SUITES_DIR)",
        ],
        cwd=guide_run.root,
        env={name: value for name, value in os.environ.items() if name != "PYTHONPATH"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert Path(probe.stdout.strip()) == guide_run.root / "suites", probe.stdout


def test_the_check_command_passes_after_the_guide(guide_run: GuideRun) -> None:
    assert guide_run.returncode == 0, guide_run.describe()
    failed = {node: outcome for node, outcome in guide_run.cases().items() if outcome in ("failure", "error")}
    assert not failed, f"{failed}\n{guide_run.describe()}"


def test_the_new_tests_are_in_the_suites_with_their_proofs(guide_run: GuideRun) -> None:
    for addition in added_tests():
        suite = SuiteBuilder().build(str(guide_run.root / addition.target))
        name = addition.text.strip().splitlines()[0]
        (test,) = [test for test in suite.tests if test.name == name]
        assert any(str(tag).startswith("guards:") for tag in test.tags), f"{name} declares no proof"


def test_the_new_tests_failed_under_their_proofs(guide_run: GuideRun) -> None:
    cases = guide_run.cases()
    ran = {node: outcome for node, outcome in cases.items() if outcome == "passed"}
    for addition in added_tests():
        slug = id_name_of(addition)
        proofs = [node for node in ran if "proof_of_each" in node and slug in node]
        assert proofs, f"no passing proof run of {slug} among {sorted(cases)}"


def test_the_checks_a_new_test_used_to_break_ran(guide_run: GuideRun) -> None:
    cases = guide_run.cases()
    for check in USED_TO_BREAK:
        assert any(check in node and outcome == "passed" for node, outcome in cases.items()), (
            f"{check} did not run and pass: {sorted(cases)}"
        )


def test_nothing_but_the_guides_targets_changed(guide_run: GuideRun) -> None:
    changed = {
        name
        for name in guide_run.before.keys() | guide_run.after.keys()
        if guide_run.before.get(name) != guide_run.after.get(name)
    }
    assert changed == {addition.target for addition in guide_additions()}, sorted(changed)
