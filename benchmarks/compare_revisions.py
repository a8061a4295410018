"""Before and after, side by side: one benchmark section for several revisions, run in alternation.

A shared virtual machine's speed varies by a factor of 1.5-2 within minutes, so figures of two
revisions taken one after the other compare the machine as much as the code. This script checks out
each revision into a temporary git worktree (this checkout's ``benchmarks/`` copied into it, so
every revision is measured by the same benchmark; this virtualenv linked into it), then runs
``benchmark_runner.py --only SECTION --repeat 1`` for revision 1, 2, ..., 1, 2, ... ``--rounds``
times, and prints the median (min-max) of the wall time, the CPU time and the phases per revision,
beside the machine speed measured at each run's start. Prints figures, asserts nothing; the
worktrees are removed at the end.

    .venv/bin/python benchmarks/compare_revisions.py d76fbf3 HEAD --section healthy --rounds 5
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
#: the benchmark's lines kept: "SECTION: wall time", "SECTION: CPU time" and "phase: ...", in seconds
FIGURE = re.compile(
    r"^\s+(?:(?P<section>\w+): (?P<what>wall time|CPU time)(?: \([^)]*\))?|phase: (?P<phase>.+?))"
    r"\s{2,}(?P<value>[\d.]+) s"
)
SPEED = re.compile(r"machine speed: (?P<value>[\d.]+) s")
RUN_LIMIT = 1800.0  # seconds one benchmark run may take


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


def checkout(revision: str, folder: Path) -> Path:
    """``revision`` as a detached worktree in ``folder``, measured by this checkout's benchmark."""
    _git("worktree", "add", "--detach", str(folder), revision)
    shutil.rmtree(folder / "benchmarks", ignore_errors=True)
    shutil.copytree(REPO_ROOT / "benchmarks", folder / "benchmarks", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / ".venv").symlink_to(Path(sys.prefix))
    return folder


def measure(tree: Path, section: str) -> dict[str, float]:
    """One ``--only section --repeat 1`` run in ``tree``: its figures (seconds) by name."""
    completed = subprocess.run(
        [sys.executable, "benchmarks/benchmark_runner.py", "--only", section, "--repeat", "1"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=RUN_LIMIT,
        check=False,
    )
    figures: dict[str, float] = {}
    if completed.returncode != 0:  # said, not left out silently: a revision without figures is a failed run
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        sys.stderr.write(f"{tree}: the benchmark failed (exit code {completed.returncode}): {' | '.join(tail)}\n")
    for line in completed.stdout.splitlines():
        if speed := SPEED.search(line):
            figures["machine speed (loop)"] = float(speed["value"])
        elif found := FIGURE.match(line):
            name = found["what"] or f"phase: {found['phase']}"
            figures.setdefault(name, float(found["value"]))
    return figures


def _median(values: Sequence[float]) -> str:
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return f"{median:.2f} ({ordered[0]:.2f}-{ordered[-1]:.2f})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions (commits, tags, HEAD)")
    parser.add_argument("--section", default="healthy", help="benchmark section (default healthy)")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each revision (default 5)")
    options = parser.parse_args(argv)
    names = [f"{revision} ({_git('rev-parse', '--short', revision)})" for revision in options.revisions]
    runs: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in names}
    with tempfile.TemporaryDirectory(prefix="smoke-compare-") as folder:
        trees = [checkout(revision, Path(folder) / str(index)) for index, revision in enumerate(options.revisions)]
        try:
            for _ in range(options.rounds):
                for name, tree in zip(names, trees, strict=True):
                    for figure, value in measure(tree, options.section).items():
                        runs[name][figure].append(value)
        finally:
            for tree in trees:
                _git("worktree", "remove", "--force", str(tree))
    sys.stdout.write(
        f"section {options.section}, {options.rounds} runs of each revision in alternation; median (min-max), seconds\n"
    )
    for name in names:
        sys.stdout.write(f"{name}\n")
        for figure, values in runs[name].items():
            sys.stdout.write(f"  {figure:<44} {_median(values)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
