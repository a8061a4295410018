"""The runner's modules import each other without a cycle, counting imports inside functions too
(a deferred import hides a cycle from Python, not from the reader)."""

from __future__ import annotations

import ast
from pathlib import Path

from smoke_runner import REPO_ROOT

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
            if isinstance(node, ast.Import | ast.ImportFrom):
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


def test_the_runner_has_no_import_cycle() -> None:
    graph = import_graph(REPO_ROOT, PACKAGE)
    assert {"smoke_runner.cli", "smoke_runner.runner", "smoke_runner.run_options"} <= set(graph)
    assert "smoke_runner.runner" in graph["smoke_runner.cli"], "the graph misses the command line's import of the run"
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle in {PACKAGE}/: {' -> '.join(cycle or [])}"


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
