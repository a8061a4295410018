"""Every supported Python, proven: the unit tier and one ``--demo`` under each (``./run_tests.sh --full``).

The supported versions have one home: the ``Programming Language :: Python :: 3.N`` classifiers of
``pyproject.toml`` (the lowest is ``requires-python``; a test checks that the two agree). For each
version other than the one running the tests, this finds an interpreter (``python3.N`` on PATH, or
pyenv's ``3.N.*``), keeps a virtual environment for it in ``.venv-versions/3.N`` (created once,
reinstalled only when a requirements file changes) and runs there:

* ``pytest -m unit`` (the tests that start no process and no server), and
* ``SMOKE_PYTHON=<that venv's python> ./run_smoke.sh --demo``, which must give PROCEED.

    python -m tests.support.python_versions prepare   # the environments (network, little CPU)
    python -m tests.support.python_versions check     # the unit tier and the demo under each

A supported version without an interpreter on this machine is a failure: an unproven claim.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ENVIRONMENTS = REPO_ROOT / ".venv-versions"
REQUIREMENTS = ("requirements.txt", "reference_api/requirements.txt")
#: What the unit tier needs besides the requirements (the versions requirements-dev.txt allows).
TEST_PACKAGES = ("pytest>=8,<10", "trustme>=1.1,<2")
INSTALL_SECONDS = 900
CHECK_SECONDS = 600


def supported_versions(pyproject: Path = REPO_ROOT / "pyproject.toml") -> list[str]:
    """``["3.9", "3.10", ...]`` from the classifiers of ``pyproject``."""
    text = pyproject.read_text(encoding="utf-8")
    versions = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', text)
    return sorted(set(versions), key=lambda version: tuple(int(part) for part in version.split(".")))


def interpreter(version: str) -> str | None:
    """An interpreter of ``version``: the newest pyenv ``3.N.*``, else ``python3.N`` on PATH."""
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv"), "/root/.pyenv", "/opt/pyenv"]
    for root in filter(None, roots):
        candidates = sorted(Path(root, "versions").glob(f"{version}.*"), key=lambda path: path.name)
        for candidate in reversed(candidates):
            python = candidate / "bin" / "python"
            if python.exists():
                return str(python)
    return shutil.which(f"python{version}")


def _wanted() -> str:
    digest = hashlib.sha256()
    for name in REQUIREMENTS:
        digest.update((REPO_ROOT / name).read_bytes())
    digest.update(" ".join(TEST_PACKAGES).encode())
    return digest.hexdigest()


def prepare(version: str) -> Path:
    """The virtual environment of ``version``, with the requirements and the test packages installed."""
    python = interpreter(version)
    if python is None:
        raise SystemExit(f"Python {version} is supported (pyproject.toml) but no interpreter of it was found")
    folder = ENVIRONMENTS / version
    stamp = folder / ".requirements.sha256"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == _wanted():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(folder)], check=True, timeout=INSTALL_SECONDS)  # noqa: S603
    requirements = [argument for name in REQUIREMENTS for argument in ("-r", str(REPO_ROOT / name))]
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(  # noqa: S603 - pip of the environment just made
        [*pip, *requirements, *TEST_PACKAGES],
        check=True,
        timeout=INSTALL_SECONDS,
    )
    stamp.write_text(_wanted(), encoding="utf-8")
    return folder


def check(version: str) -> list[str]:
    """Run the unit tier and one ``--demo`` with ``version``; return what failed (empty: proven)."""
    python = str(prepare(version) / "bin" / "python")
    problems = []
    unit = subprocess.run(  # noqa: S603
        [python, "-m", "pytest", "-m", "unit", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=CHECK_SECONDS,
        check=False,
    )
    if unit.returncode != 0:
        problems.append(f"Python {version}: the unit tier failed:\n{unit.stdout[-3000:]}{unit.stderr[-1000:]}")
    with tempfile.TemporaryDirectory(prefix="smoke-versions-") as results:
        env = {name: value for name, value in os.environ.items() if name not in ("PRODUCTION_URL", "SMOKE_VENV")}
        demo = subprocess.run(  # noqa: S603 - the project's own wrapper
            ["bash", str(REPO_ROOT / "run_smoke.sh"), "--demo", "--results-dir", results],
            cwd=REPO_ROOT,
            env={**env, "SMOKE_PYTHON": python},
            capture_output=True,
            text=True,
            timeout=CHECK_SECONDS,
            check=False,
        )
    if demo.returncode != 0 or "VERDICT: PROCEED" not in demo.stdout:
        output = f"{demo.stdout[-3000:]}{demo.stderr[-1000:]}"
        problems.append(f"Python {version}: ./run_smoke.sh --demo ended with {demo.returncode}:\n{output}")
    return problems


def others() -> list[str]:
    """The supported versions besides the one running this."""
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return [version for version in supported_versions() if version != running]


def main(argv: list[str]) -> int:
    if argv[:1] == ["prepare"]:
        for version in others():
            prepare(version)
        return 0
    if argv[:1] == ["check"]:
        problems = [problem for version in others() for problem in check(version)]
        for problem in problems:
            sys.stderr.write(problem + "\n")
        sys.stdout.write(f"Python versions proven: {', '.join(others())} (and the one running the tests)\n")
        return 1 if problems else 0
    sys.stderr.write("usage: python -m tests.support.python_versions prepare|check\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
