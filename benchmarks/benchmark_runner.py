"""Benchmark of the smoke runner (prints figures; not a test).

Measures, by running ``run_smoke.sh`` as a subprocess with the project's venv:

- wall time of a full ``--demo`` run (both suites), and of each suite alone;
- time to verdict against a closed port and against a port that accepts but never answers;
- peak memory of the child processes (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``).

Goals on 2 cores: full run < 10 s, closed port < 5 s, hanging target < API_TIMEOUT + 10 s.

Usage: ``.venv/bin/python benchmarks/benchmark_runner.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNER = REPO_ROOT / "run_smoke.sh"
CLEARED = ("PRODUCTION_URL", "PUSHGATEWAY_URL", "ALERT_WEBHOOK_URL", "LATTICE_FAULTS", "PREFLIGHT_TIMEOUT")


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run the runner once; return (seconds, exit code)."""
    child_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    child_env.setdefault("SMOKE_VENV", str(Path(sys.executable).resolve().parent.parent))
    child_env.update(env or {})
    with tempfile.TemporaryDirectory(prefix="smoke-bench-") as results:
        started = time.monotonic()
        completed = subprocess.run(
            ["bash", str(RUNNER), "--results-dir", results, *args],
            env=child_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        return time.monotonic() - started, completed.returncode


def best(args: list[str], repeat: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    runs = [run(args, env) for _ in range(repeat)]
    return min(seconds for seconds, _ in runs), runs[-1][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (the best is shown)")
    repeat = parser.parse_args().repeat
    api_timeout = float(os.environ.get("API_TIMEOUT", "30"))
    print(f"smoke runner benchmark ({os.cpu_count()} CPUs, best of {repeat})")

    figures: list[tuple[str, float, int, str]] = []
    seconds, code = best(["--demo"], repeat)
    figures.append(("full demo run (health + workflows)", seconds, code, "< 10 s"))
    for suite in ("health", "workflows"):
        seconds, code = best(["--demo", "--suite", suite], repeat)
        figures.append((f"demo run, --suite {suite}", seconds, code, ""))

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    seconds, code = best([], repeat, {"PRODUCTION_URL": f"http://127.0.0.1:{closed}"})
    figures.append(("verdict against a closed port", seconds, code, "< 5 s"))

    with socket.socket() as hanging:
        hanging.bind(("127.0.0.1", 0))
        hanging.listen(16)  # accepts (kernel backlog), never answers
        url = f"http://127.0.0.1:{hanging.getsockname()[1]}"
        seconds, code = best([], repeat, {"PRODUCTION_URL": url})
    figures.append(
        (
            "verdict against a hanging port (default PREFLIGHT_TIMEOUT 5 s)",
            seconds,
            code,
            f"< {api_timeout + 10:g} s (API_TIMEOUT + 10)",
        )
    )

    for name, seconds, code, goal in figures:
        print(f"  {name:<66} {seconds:6.2f} s  exit {code:<3} {('goal ' + goal) if goal else ''}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024
    print(f"  {'peak memory of a child process (ru_maxrss, RUSAGE_CHILDREN)':<66} {peak_mb:6.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
