"""The runner's house rules, read from its imports (counting imports inside functions too: a deferred
import hides a dependency from Python, not from the reader):

- no import cycle;
- the steps of the run are folders (configure, preflight, execute, rerun, merge, decide, publish);
- the domain (``domain/``: the results model and the redaction; ``decide/``: the verdict) depends
  on no process code and on no other part of the runner;
- no module of the runner keeps mutable state at module level (no ``global`` statement).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from smoke_runner import REPO_ROOT

pytestmark = pytest.mark.unit

PACKAGE = "smoke_runner"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The modules an import statement of ``module`` names: ``import a.b``, ``from a import b``
    (``b`` may be a module or a name in ``a``), and relative imports."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """{module: the modules of ``package`` it imports anywhere in its source}, from the source
    files under ``root/package`` (read with ``ast``: nothing is imported)."""
    files = {_module_name(path, root): path for path in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(name for name in _imported(node, module, is_package) if name in files)
        targets.discard(module)
        graph[module] = targets
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as ``[a, b, ..., a]``, or None when it is acyclic."""
    state: dict[str, str] = {}  # "visiting" on the current path, "done" when fully explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "visiting"
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "visiting":
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


STEPS = ("configure", "preflight", "execute", "rerun", "merge", "decide", "publish")
#: What the domain may import of the runner: only itself.
DOMAIN = ("smoke_runner.domain", "smoke_runner.decide")


def test_the_runner_has_no_import_cycle() -> None:
    graph = import_graph(REPO_ROOT, PACKAGE)
    assert {"smoke_runner.cli", "smoke_runner.pipeline", "smoke_runner.configure.options"} <= set(graph)
    assert "smoke_runner.pipeline" in graph["smoke_runner.cli"], "the graph misses the command line's import of the run"
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle in {PACKAGE}/: {' -> '.join(cycle or [])}"


def test_the_steps_of_the_run_are_the_folders_of_the_runner() -> None:
    folders = {path.name for path in (REPO_ROOT / PACKAGE).iterdir() if (path / "__init__.py").is_file()}
    assert set(STEPS) <= folders, sorted(folders)
    pipeline = (REPO_ROOT / PACKAGE / "pipeline.py").read_text(encoding="utf-8")
    for step in STEPS:
        assert f"from smoke_runner.{step}." in pipeline, f"the pipeline does not use the step {step}"


def test_the_domain_depends_on_no_process_code() -> None:
    graph = import_graph(REPO_ROOT, PACKAGE)
    for module, targets in graph.items():
        if module.startswith(DOMAIN):
            outside = sorted(target for target in targets if not target.startswith(DOMAIN) and target != PACKAGE)
            assert not outside, f"{module} imports {outside}: the domain must not depend on the rest of the runner"
            source = (REPO_ROOT / Path(*module.split("."))).with_suffix(".py")
            if not source.exists():
                source = REPO_ROOT / Path(*module.split(".")) / "__init__.py"
            text = source.read_text(encoding="utf-8")
            for word in ("subprocess", "psutil", "threading", "socket", "import robot", "from robot"):
                assert word not in text, f"{module} uses {word}: the domain holds no process or Robot code"


def test_no_module_of_the_runner_keeps_global_state() -> None:
    for path in sorted((REPO_ROOT / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        globals_ = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Global)]
        assert not globals_, f"{path.relative_to(REPO_ROOT)}: `global` at lines {globals_}"


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    """The check can fail: the cycle this issue removed (the command line defines the options, the run
    imports them, the command line imports the run inside main()) is found, also relatively spelled."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("class Options: ...\n\ndef main():\n    from pkg.runner import run\n    run()\n")
    (package / "runner.py").write_text("from .cli import Options\n\ndef run(): ...\n")
    (package / "helper.py").write_text("import pkg.runner\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.cli"] == {"pkg.runner"} and graph["pkg.runner"] == {"pkg.cli"}
    assert find_cycle(graph) == ["pkg.cli", "pkg.runner", "pkg.cli"]
    (package / "cli.py").write_text("class Options: ...\n")
    assert find_cycle(import_graph(tmp_path, "pkg")) is None
