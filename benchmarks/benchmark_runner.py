"""Benchmark of the gate: where its time goes (prints figures, medians; not a test, no assertions).

Runs ``run_smoke.sh`` as a subprocess with the project's venv and prints, with the issue's goals
beside them (docs/performance.md explains every figure):

- **healthy**: the gate against an already running reference API over HTTP
  (``PRODUCTION_URL=http://127.0.0.1:PORT ./run_smoke.sh``): wall time, CPU time of the gate's own
  processes (``os.wait4`` of the runner: its user+sys time and that of every process under it;
  the API is a separate child of the benchmark, never counted), peak memory of one process
  (``ru_maxrss``), the phases (set-up, pabot's start, each suite, pabot's end, post-processing and
  when each artifact was written), the slowest tests, the HTTP requests of the run;
- **per suite**: each suite run alone (``--suite``), for its requests, the server's time (a timing
  middleware around the API, ``benchmarks/timed_api.py``) and the client-side time per request;
- **profile**: one ``robot`` run of each suite in-process under cProfile, top cumulative entries of
  masking, RequestsLibrary, Robot's variables and output, socket waits;
- **demo**: ``./run_smoke.sh --demo`` (the API's start and stop included);
- **slow deployment**: the API with every GET under ``/api`` answering 0.9 s late
  (``LATTICE_MUTATIONS="GET /api/*:delay=900"``, the deployment of the goal), then with every answer
  but ``/metrics`` 0.9 s late (``LATTICE_FAULTS=slow_responses LATTICE_SLOW_MS=900``, harsher: the
  logins and writes too): time to verdict, the verdict, the failed tests and their messages' first line;
- **ports**: time to verdict against a closed port and a port that accepts but never answers;
- **floor**: bare ``pabot --processes 2`` over two one-test suites;
- **processes**: the healthy gate's CPU time by kind of process (the runner, the fork server, each
  robot process, pabot, the dashboard...), each process's user+sys time read from ``/proc`` every
  10 ms (at most the last 10 ms of a process are missed; the sum is printed beside the measured
  total).

Phase boundaries come from what a run shows anyway: the runner's console lines (timestamped as
they arrive; ``PYTHONUNBUFFERED=1`` so they are not held back in a pipe buffer), the start and
end times in output.xml and the artifacts' modification times. The product is not changed.

Usage: ``.venv/bin/python benchmarks/benchmark_runner.py [--repeat N] [--slow-repeat N] [--only SECTION]...``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import pstats
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks import gate_figures as gf  # noqa: E402
from benchmarks.gate_figures import STATS_PATH  # noqa: E402

RUNNER = REPO_ROOT / "run_smoke.sh"
SUITES = ("health", "workflows")
# profile last: loading a profile grows the benchmark, and a forked child starts with its parent's ru_maxrss
SECTIONS = ("healthy", "suites", "demo", "slow", "ports", "floor", "dashboard", "processes", "profile")
CLEARED = (
    "PRODUCTION_URL",
    "PUSHGATEWAY_URL",
    "ALERT_WEBHOOK_URL",
    "LATTICE_FAULTS",
    "LATTICE_SLOW_MS",
    "LATTICE_MUTATIONS",
    "PREFLIGHT_TIMEOUT",
    "SMOKE_RUN_ID",
    "CA_BUNDLE",
    "ROBOT_OPTIONS",
    "REDIS_URL",
    "SMOKE_FORKSERVER",  # the gate as it runs by default (with its fork server on Linux)
    # as on a QA machine or a CI agent: Python keeps the project's compiled bytecode (__pycache__)
    # between runs; a sandbox that forbids it would charge every process for compiling our modules
    "PYTHONDONTWRITEBYTECODE",
)
RUN_LIMIT = 1200.0  # seconds one run may take before the benchmark stops it (SMOKE_RUN_TIMEOUT is 900)
PREFLIGHT_TIMEOUT = 5.0  # the runner's default
SLOW_MS = "900"
GOALS = {
    "wall": "≤ 5 s",
    "cpu": "≤ 4 s",
    "memory": "≤ 80 MiB",
    "demo": "≤ 8 s",
    "slow": "ROLLBACK naming the SLA miss in ≤ 45 s",
    "closed": "≤ 2 s",
    "hanging": f"≤ {PREFLIGHT_TIMEOUT + 2:g} s (PREFLIGHT_TIMEOUT + 2)",
}
#: cProfile groups: label -> (what the entry's file contains, a pattern its function name matches, entries shown).
PROFILE_GROUPS: dict[str, tuple[str, str, int]] = {
    "SmokeLibrary masking": ("SmokeLibrary/masking", "", 3),
    "re.sub (every caller)": ("re/__init__.py", "^sub$", 1),
    "compiled pattern .sub (every caller)": ("~", r"'sub' of 're\.Pattern'", 1),
    "SmokeLibrary http": ("SmokeLibrary/http", "", 1),
    "RequestsLibrary": ("RequestsLibrary/", "", 1),
    "robot variable not found": ("robot/variables/notfound", "", 1),
    "robot variables": ("robot/variables/", "", 2),
    "robot output/logging": ("robot/output/", "", 2),
    "socket reads (waiting for the server)": ("~", "recv_into", 1),
}
SAMPLE_EVERY = 0.2  # seconds between two looks at the memory of the run's processes
CPU_SAMPLE_EVERY = 0.01  # seconds between two looks at the CPU time of the run's processes (``processes``)


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env["SMOKE_VENV"] = sys.prefix
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


@dataclass
class Measured:
    """One measured process tree."""

    wall: float
    cpu: float
    peak_mib: float
    code: int
    lines: list[tuple[float, str]] = field(default_factory=list)
    peaks: dict[str, float] = field(default_factory=dict)  # process label -> largest VmHWM seen, MiB
    cpu_seen: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (label, user+sys seen last)
    inherited_mib: float = 0.0  # the benchmark's own peak when it started the command (a floor of ru_maxrss)


def _descendants(root: int) -> list[int]:
    """The processes under ``root`` (itself included), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, changed = {root}, True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


def _label(pid: int) -> str | None:
    """What process ``pid`` of the gate is (``gf.process_label``, or for a process forked from the
    runner or the fork server the name it gave itself); None for a zombie (no command line)."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    if not any(argv):
        return None
    label = gf.process_label([word for word in argv if word])
    comm = Path(f"/proc/{pid}/comm").read_text().strip()
    if label in ("smoke_runner", "smoke_runner.forkserver") and not comm.startswith("python"):
        # forked: the server from the runner, the rest from the server (named after what it runs)
        label = "fork server" if comm == "forkserver" else f"{comm} (forked by the fork server)"
    return label


def _sample_memory(root: int, peaks: dict[str, float], done: threading.Event) -> None:
    """Until ``done``: the largest VmHWM (peak resident memory) of every process under ``root``, by label."""
    while not done.wait(SAMPLE_EVERY):
        for pid in _descendants(root):
            with contextlib.suppress(OSError, ValueError):
                status = Path(f"/proc/{pid}/status").read_text()
                hwm = next((line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), None)
                label = _label(pid)
                if hwm is not None and label is not None:  # a zombie has no command line and no memory
                    peaks[label] = max(peaks.get(label, 0.0), gf.mib(int(hwm)))


def _sample_cpu(root: int, seen: dict[int, tuple[str, float]], done: threading.Event) -> None:
    """Until ``done``: every ``CPU_SAMPLE_EVERY`` seconds the user+sys time of each process under
    ``root`` (looked for anew every 50 ms), with its label: ``seen[pid] = (label, seconds)``."""
    tick = os.sysconf("SC_CLK_TCK")
    labels: dict[int, str] = {}
    pids: list[int] = []
    look_again = 0.0
    while not done.wait(CPU_SAMPLE_EVERY):
        if (
            time.monotonic() >= look_again
        ):  # new processes, and new names (bash execs the runner, a fork renames itself)
            pids, look_again = _descendants(root), time.monotonic() + 0.05
            for pid in pids:
                with contextlib.suppress(OSError, ValueError):
                    labels[pid] = _label(pid) or labels.get(pid, "")
        for pid in pids:
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
                if labels.get(pid):
                    seen[pid] = (labels[pid], seconds)


def cpu_by_label(seen: dict[int, tuple[str, float]]) -> dict[str, tuple[float, int]]:
    """The CPU seconds and the number of processes of each label in ``seen`` (``_sample_cpu``)."""
    totals: dict[str, tuple[float, int]] = {}
    for label, seconds in seen.values():
        total, count = totals.get(label, (0.0, 0))
        totals[label] = (total + seconds, count + 1)
    return totals


def measure(command: Sequence[str], env: dict[str, str], cwd: Path = REPO_ROOT, sample_cpu: bool = False) -> Measured:
    """Run ``command``; wall time, user+sys of it and every process under it that it waited for,
    its largest ``ru_maxrss``, and its output lines with the second each arrived at (with
    ``sample_cpu``, each process's CPU time too: ``Measured.cpu_seen``)."""
    inherited = gf.mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    peaks: dict[str, float] = {}
    done = threading.Event()
    sampler = threading.Thread(target=_sample_memory, args=(process.pid, peaks, done), daemon=True)
    sampler.start()
    cpu_seen: dict[int, tuple[str, float]] = {}
    cpu_sampler = threading.Thread(target=_sample_cpu, args=(process.pid, cpu_seen, done), daemon=True)
    if sample_cpu:
        cpu_sampler.start()
    stopper = threading.Timer(RUN_LIMIT, lambda: os.killpg(process.pid, signal.SIGKILL))
    stopper.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        stopper.cancel()
        done.set()
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    sampler.join(timeout=10)
    if sample_cpu:
        cpu_sampler.join(timeout=10)
    cpu = usage.ru_utime + usage.ru_stime
    maxrss = gf.mib(usage.ru_maxrss)
    return Measured(wall, cpu, maxrss, process.returncode, lines, dict(peaks), dict(cpu_seen), inherited)


@dataclass
class GateRun:
    """One run of the gate and what it left behind."""

    measured: Measured
    suites: list[gf.SuiteTiming]
    phases: gf.Phases
    verdict: str
    requests: dict[str, Any] = field(default_factory=dict)


def run_gate(args: Sequence[str], extra_env: dict[str, str] | None = None, sample_cpu: bool = False) -> GateRun:
    """Run ``run_smoke.sh`` once with a private results folder."""
    with tempfile.TemporaryDirectory(prefix="smoke-bench-") as folder:
        results = Path(folder)
        started_epoch = time.time()
        command = ["bash", str(RUNNER), "--results-dir", str(results), *args]
        measured = measure(command, base_env(extra_env), sample_cpu=sample_cpu)
        outputs = [path for path in results.glob("*/output.xml") if not path.parent.is_symlink()]
        suites = gf.suite_timings(outputs[0]) if outputs else []
        artifacts: dict[str, float] = {}
        for path in [*(outputs[0].parent.iterdir() if outputs else []), *results.glob("*.html")]:
            if path.is_file():
                artifacts[re.sub(r"_\d{8}_\d{6}", "_<run>", path.name)] = path.stat().st_mtime
        run_phases = gf.phases(measured.lines, suites, started_epoch, measured.wall, artifacts)
    return GateRun(measured, suites, run_phases, gf.verdict(measured.lines))


class TimedApi:
    """The reference API (``benchmarks/timed_api.py``) in a child process of the benchmark, over HTTP."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="smoke-bench-api-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = base_env({"DATABASE_URL": f"sqlite:///{self._tmp / 'lattice.db'}", **(env or {})})
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def __enter__(self) -> TimedApi:
        command = [sys.executable, "-m", "benchmarks.timed_api", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(  # noqa: S603
            [*command, "--log-level", "warning"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + 30
        while not any("listening on" in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit("the reference API did not start:\n" + "\n".join(self.output))
            time.sleep(0.05)
        return self

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            if len(self.output) < 200:
                self.output.append(line.rstrip())

    def requests(self, reset: bool = True) -> dict[str, Any]:
        """Requests and server seconds since the last reset (then reset)."""
        url = f"{self.url}{STATS_PATH}{'?reset=1' if reset else ''}"
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own loopback URL)
            data: dict[str, Any] = json.loads(answer.read())
        return data

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._tmp, ignore_errors=True)


def gate_against(api: TimedApi, args: Sequence[str] = (), sample_cpu: bool = False) -> GateRun:
    api.requests(reset=True)
    run = run_gate(args, {"PRODUCTION_URL": api.url}, sample_cpu)
    run.requests = api.requests(reset=True)
    return run


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_speed(loops: int = 3) -> list[float]:
    """Seconds this machine takes now for a fixed pure-Python loop (10 million additions), ``loops``
    times: the same code's figures are comparable only between runs of a similar speed (a shared
    virtual machine's CPU speed varies by a factor of 1.5 within minutes)."""
    times = []
    for _ in range(loops):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        times.append(time.perf_counter() - started)
    return times


def print_header(repeat: int, slow_repeat: int) -> None:
    print(
        f"gate benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, medians of {repeat} (min-max), "
        f"slow deployment: {slow_repeat} run(s)"
    )
    print(
        f"  machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(f"  load average (1, 5, 15 min) at start: {load()}")
    speed = machine_speed()
    print(
        f"  machine speed: {gf.median(speed):.2f} s {gf.spread(speed)} for a loop of "
        "10 million Python additions (smaller is faster; compare figures only at a similar speed)"
    )


def print_time_figures(runs: Sequence[GateRun], label: str, wall_goal: str, cpu_goal: str = "") -> None:
    walls = [run.measured.wall for run in runs]
    cpus = [run.measured.cpu for run in runs]
    verdicts = ", ".join(sorted({f"{run.verdict} (exit {run.measured.code})" for run in runs}))
    print(gf.figure(f"{label}: wall time", gf.median(walls), "s", gf.spread(walls), wall_goal))
    print(gf.figure(f"{label}: CPU time (user+sys, gate's processes)", gf.median(cpus), "s", gf.spread(cpus), cpu_goal))
    print_memory(runs, label)
    print(f"  {label}: verdict {verdicts}")


def print_memory(runs: Sequence[GateRun], label: str) -> None:
    """The largest ru_maxrss of one process, and the peak (VmHWM) of each kind of process seen."""
    peak = max(run.measured.peak_mib for run in runs)
    floor = max(run.measured.inherited_mib for run in runs)
    names = sorted({name for run in runs for name in run.measured.peaks})
    with_target = "reference_api" in names  # --demo: the API it starts is under the runner too
    detail = f"(at least the benchmark's own {floor:.0f} MiB" + (", the demo's API included)" if with_target else ")")
    goal = "" if with_target else GOALS["memory"]  # the goal is the gate's: see the lines below
    print(gf.figure(f"{label}: peak memory of one process (ru_maxrss)", peak, "MiB", detail, goal))
    for name in sorted(names, key=lambda n: -max(run.measured.peaks.get(n, 0.0) for run in runs)):
        value = max(run.measured.peaks.get(name, 0.0) for run in runs)
        target = name == "reference_api"  # the demo's target, not the gate
        goal = "" if target else GOALS["memory"]
        detail = "(the demo's target API, not the gate)" if target else ""
        print(gf.figure(f"  {label}: peak of {name} (VmHWM, sampled)", value, "MiB", detail, goal))


def healthy(repeat: int) -> None:
    print("\nhealthy gate against a running reference API over HTTP (both suites)")
    runs: list[GateRun] = []
    for _ in range(repeat):  # a fresh API each time: the previous run's rate-limit probe spent its budget
        with TimedApi() as api:
            runs.append(gate_against(api))
    print_time_figures(runs, "healthy", GOALS["wall"], GOALS["cpu"])
    figures: list[tuple[str, Callable[[gf.Phases], float | None]]] = [
        ("phase: set-up until pabot starts", lambda p: p.setup),
        ("phase: pabot start until the suites start", lambda p: p.pabot_start),
        *[
            (f"phase: suite {name} (output.xml)", lambda p, n=name: p.suites.get(n))
            for name in sorted({name for run in runs for name in run.phases.suites})
        ],
        ("phase: last suite's end until pabot ends", lambda p: p.pabot_finish),
        ("phase: post-processing after pabot (to exit)", lambda p: p.post),
    ]
    for label, pick in figures:
        values = [pick(run.phases) for run in runs]
        print(gf.figure(label, gf.median(values), "s", gf.spread(values)))
    for name in sorted({name for run in runs for name in run.phases.artifacts}, key=lambda n: _order(runs, n)):
        values = [run.phases.artifacts.get(name) for run in runs]
        print(gf.figure(f"  written after pabot's end: {name}", gf.median(values), "s"))
    requests = [float(run.requests["requests"]) for run in runs]
    print(gf.figure("HTTP requests of the run (incl. 1 preflight)", gf.median(requests), "", gf.spread(requests)))
    tests = [test for run in runs[-1:] for suite in run.suites for test in suite.tests]
    for test in sorted(tests, key=lambda t: -t.seconds)[:6]:
        print(gf.figure(f"  slowest test: {test.name[:36]}", test.seconds, "s", test.status))


def _order(runs: Sequence[GateRun], name: str) -> float:
    return gf.median(run.phases.artifacts.get(name) for run in runs) or 0.0


def per_suite(repeat: int) -> None:
    print("\neach suite alone against a running reference API (requests attributed to the suite)")
    for suite in SUITES:
        runs: list[GateRun] = []
        for _ in range(repeat):  # a fresh API each time, as for the healthy gate
            with TimedApi() as api:
                runs.append(gate_against(api, ["--suite", suite]))
        durations = [next((s.seconds for s in run.suites), None) for run in runs]
        counts = [float(run.requests["requests"]) - 1 for run in runs]  # minus the preflight probe
        server = [float(run.requests["server_seconds"]) for run in runs]
        clients = [gf.per_request(d, s, int(c)) for d, s, c in zip(durations, server, counts, strict=True)]
        print(gf.figure(f"{suite}: wall time of the gate, --suite {suite}", gf.median(r.measured.wall for r in runs)))
        print(gf.figure(f"{suite}: CPU time of the gate", gf.median(r.measured.cpu for r in runs)))
        print(gf.figure(f"{suite}: suite duration (output.xml)", gf.median(durations), "s", gf.spread(durations)))
        print(gf.figure(f"{suite}: HTTP requests", gf.median(counts), ""))
        server_each = [s / c if c else None for s, c in zip(server, counts, strict=True)]
        print(gf.figure(f"{suite}: server time per request", _ms(gf.median(server_each)), "ms"))
        print(gf.figure(f"{suite}: server time in all", gf.median(server), "s"))
        print(
            gf.figure(
                f"{suite}: client-side time per request",
                _ms(gf.median(clients)),
                "ms",
                "(suite - server) / requests",
            )
        )
        routes = runs[-1].requests.get("by_route", {})
        top = sorted(routes.items(), key=lambda item: -item[1][0])[:3]
        print(f"  {suite}: most requested: " + ", ".join(f"{route} x{int(v[0])}" for route, v in top))


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def profile() -> None:
    print("\ncProfile of one robot run of each suite, in-process (robot as pabot starts it, same variables)")
    with TimedApi() as api, tempfile.TemporaryDirectory(prefix="smoke-bench-prof-") as folder:
        for suite in SUITES:
            out = Path(folder) / suite
            out.mkdir()
            env = base_env(
                {
                    "PRODUCTION_URL": api.url,
                    "SMOKE_RUN_ID": uuid.uuid4().hex[:12],
                    "PYTHONPATH": str(REPO_ROOT),
                }
            )
            api.requests(reset=True)
            command = [sys.executable, "-m", "cProfile", "-o", str(out / "profile"), "-m", "robot"]
            command += ["--outputdir", str(out), "--log", "NONE", "--report", "NONE", "--console", "none"]
            measured = measure([*command, str(REPO_ROOT / "suites" / f"{suite}.robot")], env)
            served = api.requests(reset=True)
            if not (out / "profile").exists():
                print(f"  {suite}: no profile (exit {measured.code})")
                continue
            stats = pstats.Stats(str(out / "profile"))
            print(
                gf.figure(
                    f"{suite}: profiled robot run",
                    measured.wall,
                    "s",
                    f"{served['requests']} requests, {served['server_seconds']:.2f} s in the server, "
                    f"robot exit {measured.code}",
                )
            )
            kinds = element_counts(out / "output.xml", ("kw", "msg"))
            print(gf.figure(f"  {suite}: keywords run (output.xml)", kinds["kw"], ""))
            print(gf.figure(f"  {suite}: log messages (output.xml)", kinds["msg"], ""))
            for label, entries in profile_groups(stats).items():
                for cumulative, calls, name in entries:
                    print(gf.figure(f"  {label}", cumulative, "s", f"{calls:>6} calls  {name[:60]}"))


def element_counts(output: Path, tags: Sequence[str]) -> dict[str, int]:
    """How many elements of each of ``tags`` ``output`` (an output.xml) holds (0 when it is missing)."""
    counts = dict.fromkeys(tags, 0)
    if output.exists():
        for _, element in ElementTree.iterparse(output):
            if element.tag in counts:
                counts[element.tag] += 1
    return counts


def profile_groups(stats: pstats.Stats) -> dict[str, list[tuple[float, int, str]]]:
    """Per group, its top entries by cumulative time: (seconds, calls, ``file:function``)."""
    table: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    found: dict[str, list[tuple[float, int, str]]] = {}
    for label, (in_file, in_function, top) in PROFILE_GROUPS.items():
        entries = [
            (cumulative, calls, f"{Path(file).name}:{function}")
            for (file, _, function), (_, calls, _, cumulative, _) in table.items()
            if in_file in file and re.search(in_function, function)
        ]
        found[label] = sorted(entries, reverse=True)[:top]
    return found


def demo(repeat: int) -> None:
    print("\n./run_smoke.sh --demo (starts and stops the reference API, HTTPS)")
    runs = [run_gate(["--demo"]) for _ in range(repeat)]
    print_time_figures(runs, "demo", GOALS["demo"])


#: The slow deployments: label, what is slow, the reference API's environment, and whether the goal applies.
SLOW_DEPLOYMENTS = (
    ("slow", f"every GET under /api answers {SLOW_MS} ms late", {"LATTICE_MUTATIONS": f"GET /api/*:delay={SLOW_MS}"}),
    (
        "slower",
        f"every answer but /metrics is {SLOW_MS} ms late (logins and writes too)",
        {"LATTICE_FAULTS": "slow_responses", "LATTICE_SLOW_MS": SLOW_MS},
    ),
)


def slow(repeat: int) -> None:
    for label, what, env in SLOW_DEPLOYMENTS:
        print(f"\nslow deployment ({label}): {what}; {' '.join(f'{k}={v!r}' for k, v in env.items())}")
        with TimedApi(env) as api:
            runs = [gate_against(api) for _ in range(repeat)]
        goal = GOALS["slow"] if label == "slow" else "(no goal: harsher than the goal's deployment)"
        slow_figures(label, runs, goal)


def slow_figures(label: str, runs: list[GateRun], goal: str) -> None:
    """Time to verdict, CPU, requests, verdict and failures of the runs against one slow deployment."""
    walls = [run.measured.wall for run in runs]
    print(gf.figure(f"{label}: time to verdict", gf.median(walls), "s", gf.spread(walls), goal))
    print(gf.figure(f"{label}: CPU time of the gate", gf.median(run.measured.cpu for run in runs)))
    print(gf.figure(f"{label}: HTTP requests", gf.median(float(run.requests["requests"]) for run in runs), ""))
    for run in runs:
        reran = any(gf.RERUN_STARTS.search(text) for _, text in run.measured.lines)
        rerun = "yes" if reran else "no"
        print(f"  {label}: verdict {run.verdict} (exit {run.measured.code}), re-run of failures: {rerun}")
        if run.phases.rerun is not None:
            print(gf.figure(f"  {label}: re-run of failures", run.phases.rerun))
        for suite in run.suites:
            for test in suite.tests:
                if test.status == "FAIL":
                    print(f"    FAIL {suite.name} / {test.name}:")
                    for attempt in test.message.split("; re-run: "):  # both attempts' first lines, one a line
                        print(f"      {attempt[:200]}")


@contextlib.contextmanager
def hanging_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # accepts (kernel backlog), never answers
        yield int(sock.getsockname()[1])


def ports(repeat: int) -> None:
    print("\nunreachable targets (preflight)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = int(probe.getsockname()[1])
    runs = [run_gate([], {"PRODUCTION_URL": f"http://127.0.0.1:{closed}"}) for _ in range(repeat)]
    print_ports(runs, "closed port", GOALS["closed"])
    with hanging_port() as port:
        runs = [run_gate([], {"PRODUCTION_URL": f"http://127.0.0.1:{port}"}) for _ in range(repeat)]
    print_ports(runs, "hanging port", GOALS["hanging"])


def print_ports(runs: Sequence[GateRun], label: str, goal: str) -> None:
    walls = [run.measured.wall for run in runs]
    print(gf.figure(f"{label}: time to verdict", gf.median(walls), "s", gf.spread(walls), goal))
    print(gf.figure(f"{label}: CPU time", gf.median(run.measured.cpu for run in runs)))
    print_memory(runs, label)
    print(f"  {label}: verdict {', '.join(sorted({run.verdict for run in runs}))}")


def floor(repeat: int) -> None:
    print("\nfloor: pabot --processes 2 over two one-test suites (no HTTP)")
    with tempfile.TemporaryDirectory(prefix="smoke-bench-floor-") as folder:
        suites = Path(folder) / "suites"
        suites.mkdir()
        for name in ("one", "two"):
            (suites / f"{name}.robot").write_text(
                "*** Test Cases ***\nNothing Happens\n    [Documentation]    Floor.\n    No Operation\n",
                encoding="utf-8",
            )
        pabot = str(Path(sys.executable).parent / "pabot")
        command = [pabot, "--processes", "2", "--outputdir", str(Path(folder) / "out")]
        command += ["--log", "NONE", "--report", "NONE", str(suites)]
        env = base_env({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"})
        runs = [measure(command, env, Path(folder)) for _ in range(repeat)]
    walls = [run.wall for run in runs]
    print(gf.figure("floor: wall time", gf.median(walls), "s", gf.spread(walls)))
    print(gf.figure("floor: CPU time", gf.median(run.cpu for run in runs)))


def _past_run(output: Path, days_ago: int, folder: Path) -> Path:
    """A copy of ``output`` whose every timestamp lies ``days_ago`` days earlier (another run to
    robotdashboard, which tells runs apart by their start)."""
    text = output.read_text(encoding="utf-8")
    shifted = re.sub(
        r"(\d{4}-\d{2}-\d{2})T",
        lambda match: f"{date.fromisoformat(match.group(1)) - timedelta(days=days_ago)}T",
        text,
    )
    copy = folder / f"past{days_ago}" / "output.xml"
    copy.parent.mkdir()
    copy.write_text(shifted, encoding="utf-8")
    return copy


def dashboard(repeat: int) -> None:
    """The dashboard's update after a healthy run, as the runner makes it, into an empty database and
    into one that already holds as many runs as it keeps (``SMOKE_DASHBOARD_RUNS``): a results
    folder in use, which the other sections' fresh folders are not."""
    # imported here: compare_revisions.py runs this benchmark in the checkouts of older revisions too
    from smoke_runner.publish.dashboard import (
        DASHBOARD_FILE,
        DATABASE_FILE,
        dashboard_arguments,
        robotdashboard_command,
        runs_kept,
    )

    keep = runs_kept()
    print(f"\ndashboard update after a healthy run: empty database, and {keep} runs kept (SMOKE_DASHBOARD_RUNS)")
    command = robotdashboard_command()
    if command is None:
        print("  robotdashboard is not installed")
        return
    with TimedApi() as api, tempfile.TemporaryDirectory(prefix="smoke-bench-dash-") as folder:
        results = Path(folder)
        measure(["bash", str(RUNNER), "--results-dir", str(results / "gate")], base_env({"PRODUCTION_URL": api.url}))
        outputs = [path for path in (results / "gate").glob("*/output.xml") if not path.parent.is_symlink()]
        if not outputs:
            print("  the healthy run wrote no output.xml")
            return
        past = [_past_run(outputs[0], days, results) for days in range(keep, 0, -1)]
        for label, history in (("empty database", []), (f"{keep} runs kept", past)):
            runs = []
            for number in range(repeat):
                target = results / f"{label.split()[0]}{number}"
                target.mkdir()
                if history:  # the runs before this one, added without a page
                    args = [a for path in history for a in ("--outputpath", str(path))]
                    args += ["--databasepath", str(target / DATABASE_FILE), "--generatedashboard", "false"]
                    measure([command, *args, "--listruns", "false"], base_env(), target)
                args = dashboard_arguments(outputs, target / DATABASE_FILE, target / DASHBOARD_FILE, keep=keep)
                runs.append((measure([command, *args], base_env(), target), (target / DASHBOARD_FILE).stat().st_size))
            walls = [run.wall for run, _ in runs]
            print(gf.figure(f"dashboard, {label}: wall time", gf.median(walls), "s", gf.spread(walls)))
            print(gf.figure(f"dashboard, {label}: CPU time", gf.median(run.cpu for run, _ in runs)))
            print(gf.figure(f"dashboard, {label}: page size", gf.median(size / 1024 for _, size in runs), "KiB"))


def processes(repeat: int) -> None:
    every = f"{CPU_SAMPLE_EVERY * 1000:.0f} ms"
    print(f"\nCPU time by kind of process, healthy gate (each process's user+sys from /proc every {every})")
    runs: list[GateRun] = []
    for _ in range(repeat):  # a fresh API each time, as for the healthy gate
        with TimedApi() as api:
            runs.append(gate_against(api, sample_cpu=True))
    splits = [cpu_by_label(run.measured.cpu_seen) for run in runs]
    labels = sorted(
        {label for split in splits for label in split},
        key=lambda name: -statistics.median(split.get(name, (0.0, 0))[0] for split in splits),
    )
    for label in labels:
        values = [split.get(label, (0.0, 0))[0] for split in splits]
        count = max(split.get(label, (0.0, 0))[1] for split in splits)
        detail = f"{gf.spread(values)}  {count} process{'es' if count > 1 else ''}"
        print(gf.figure(f"  CPU of {label}", gf.median(values), "s", detail))
    sampled = [sum(seconds for seconds, _ in split.values()) for split in splits]
    measured = [run.measured.cpu for run in runs]
    print(gf.figure("  sum of the above", gf.median(sampled), "s", gf.spread(sampled)))
    print(gf.figure("  CPU time of the gate (os.wait4)", gf.median(measured), "s", gf.spread(measured)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; medians are shown (default 3)")
    parser.add_argument("--slow-repeat", type=int, default=1, help="runs of the slow deployment (default 1)")
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, default=[], help="only these sections (repeatable; default all)"
    )
    options = parser.parse_args(argv)
    sections = options.only or list(SECTIONS)
    print_header(options.repeat, options.slow_repeat)
    for section in sections:
        if section == "healthy":
            healthy(options.repeat)
        elif section == "suites":
            per_suite(options.repeat)
        elif section == "profile":
            profile()
        elif section == "demo":
            demo(options.repeat)
        elif section == "slow":
            slow(options.slow_repeat)
        elif section == "ports":
            ports(options.repeat)
        elif section == "floor":
            floor(options.repeat)
        elif section == "dashboard":
            dashboard(options.repeat)
        elif section == "processes":
            processes(options.repeat)
        sys.stdout.flush()
    print(f"\n  load average (1, 5, 15 min) at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
