"""The gate's benchmark: its time and CPU beside the pabot floor, before and after, in one run.

    .venv/bin/python benchmarks/bench.py --baseline 47c49c5 --rounds 5

A shared virtual machine's speed changes by a factor of 1.5-2 within minutes, so what is compared is
measured in alternation, round after round, in one run. Sections (``--only``; default all but
``canary``), each for this checkout and every ``--baseline`` revision (checked out in a temporary
git worktree and run with this virtual environment, against this checkout's reference API):

- ``gate``: the healthy gate, ``PRODUCTION_URL=http://127.0.0.1:PORT ./run_smoke.sh`` against a
  reference API started beforehand (a fresh one per run; its CPU is never counted), and the floor,
  bare ``pabot --processes 2`` over two one-test suites: wall time, CPU time of the gate's
  processes, peak memory of one process, gate / floor per round, the phases of the run;
- ``demo``: ``./run_smoke.sh --demo`` (the API it starts is counted);
- ``slow``: every GET under ``/api`` answers 0.9 s late: time to verdict, verdict and reason;
- ``ports``: a closed port and a port that accepts but never answers: time to verdict;
- ``canary``: ``--every 1s --suite health`` on the demo: the runner's memory after the first and
  the last cycle, and the time from a fault to the canary's ``/metrics`` showing it.

Prints figures (Markdown tables), asserts nothing; docs/performance.md explains every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks import figures as fig  # noqa: E402
from tests.support.server import ReferenceApi, ReferenceApiError, free_port  # noqa: E402

SECTIONS = ("gate", "demo", "slow", "ports", "canary")
#: Variables of the caller's shell that would change what the gate does; the gate runs as by default.
#: (``PYTHONDONTWRITEBYTECODE`` too: as on a QA machine, compiled bytecode is kept between runs).
CLEARED = frozenset(
    "PRODUCTION_URL PUSHGATEWAY_URL ALERT_WEBHOOK_URL LATTICE_FAULTS LATTICE_SLOW_MS LATTICE_MUTATIONS "  # noqa: SIM905 - names, one line each would be long
    "PREFLIGHT_TIMEOUT SMOKE_RUN_ID SMOKE_PYTHON SMOKE_FORKSERVER CA_BUNDLE ROBOT_OPTIONS REDIS_URL "
    "PYTHONDONTWRITEBYTECODE".split()
)
RUN_LIMIT = 1200.0  # seconds one command may take before the benchmark kills it
ORPHAN_LIMIT = 30.0  # seconds a process that outlived the runner (its guard) may take to end
SLOW_MUTATION = "GET /api/*:delay=900"
FLOOR_SUITE = "*** Test Cases ***\nNothing Happens\n    [Documentation]    Floor.\n    No Operation\n"
SAMPLE_EVERY = 0.05  # seconds between two looks at the CPU time of each process (--split)
CANARY_FAULT = "health_body_fail"
CANARY_LIMIT = 600.0  # seconds one canary cycle may take
PR_SET_CHILD_SUBREAPER = 36
API_ATTEMPTS = 3  # starts of a reference API before the benchmark gives up


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update({"SMOKE_VENV": sys.prefix, "PYTHONUNBUFFERED": "1", **(extra or {})})
    return env


# -- measuring one command -------------------------------------------------------------------
@dataclass
class Run:
    """One measured command: wall time, user+sys time and largest ru_maxrss of it and every
    process under it, exit code, console lines, and (``--split``) CPU seconds per process."""

    wall: float
    cpu: float
    peak_mib: float
    code: int
    lines: list[fig.Line] = field(default_factory=list)
    seen: dict[int, tuple[str, float]] = field(default_factory=dict)  # pid -> (label, user+sys)

    @property
    def verdict(self) -> str:
        return fig.verdict(self.lines)

    @property
    def result(self) -> str:
        """The verdict the gate printed, else (pabot) the exit code."""
        return self.verdict if self.verdict != "-" else f"exit {self.code}"


def become_subreaper() -> None:
    """Make the processes of a run that outlive it (the runner's guard) children of this process
    when their parent exits, so that their CPU time is counted too (Linux; elsewhere they are not)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def kill_tree(pid: int) -> None:
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for process in [*root.children(recursive=True), root]:
            with contextlib.suppress(psutil.Error):
                process.kill()


def reap(known: set[int]) -> list[tuple[int, str, resource.struct_rusage]]:
    """Wait for this process's children that are not in ``known`` (processes of a run that outlived
    it; killed after ``ORPHAN_LIMIT`` seconds): (pid, label, rusage) of each."""
    reaped = []
    for child in psutil.Process().children():
        if child.pid in known:
            continue
        label = "outlived the runner"
        with contextlib.suppress(psutil.Error):
            label = fig.process_label(child.cmdline(), child.name())
        limit = threading.Timer(ORPHAN_LIMIT, kill_tree, (child.pid,))
        limit.start()
        try:
            _, _, usage = os.wait4(child.pid, 0)
        except ChildProcessError:
            continue
        finally:
            limit.cancel()
        reaped.append((child.pid, label, usage))
    return reaped


def sample_cpu(root: int, seen: dict[int, tuple[str, float]], done: threading.Event) -> None:
    """Until ``done``: every ``SAMPLE_EVERY`` seconds, the user+sys time of each process under
    ``root`` with its label (the last look at a process misses at most that much of its time; a
    process that has exited but is not yet waited for keeps the label it had)."""
    while not done.wait(SAMPLE_EVERY):
        with contextlib.suppress(psutil.Error):
            tree = [psutil.Process(root)]
            tree += tree[0].children(recursive=True)
            for process in tree:
                with contextlib.suppress(psutil.Error), process.oneshot():
                    times, argv = process.cpu_times(), process.cmdline()
                    label = fig.process_label(argv, process.name()) if argv else seen.get(process.pid, ("?",))[0]
                    seen[process.pid] = (label, times.user + times.system)


def measure(command: Sequence[str], env: dict[str, str], cwd: Path, split: bool = False) -> Run:
    """Run ``command`` to its end (killed after ``RUN_LIMIT``) and measure it with ``os.wait4``:
    every process under it was waited for by its parent, so their times add up in its rusage."""
    known = {child.pid for child in psutil.Process().children()}
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - the gate or pabot, as the maintainer asked
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    lines: list[fig.Line] = []

    def read() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            lines.append((time.monotonic() - started, text.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    seen: dict[int, tuple[str, float]] = {}
    done = threading.Event()
    if split:
        threading.Thread(target=sample_cpu, args=(process.pid, seen, done), daemon=True).start()
    limit = threading.Timer(RUN_LIMIT, kill_tree, (process.pid,))
    limit.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        limit.cancel()
        done.set()
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=10)
    cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    for pid, label, late in reap(known | {process.pid}):
        cpu, peak = cpu + late.ru_utime + late.ru_stime, max(peak, late.ru_maxrss)
        seen[pid] = (label, late.ru_utime + late.ru_stime)
    return Run(wall, cpu, peak / 1024, process.returncode, lines, seen)


# -- what is measured ------------------------------------------------------------------------
@dataclass(frozen=True)
class Tree:
    """A checkout of the project whose gate is measured."""

    label: str
    path: Path


def git(*args: str) -> str:
    return subprocess.run(  # noqa: S603
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()


@contextlib.contextmanager
def checkouts(revisions: Sequence[str]) -> Iterator[list[Tree]]:
    """This checkout, and each of ``revisions`` as a temporary detached git worktree (removed at the end)."""
    trees = [Tree(f"this checkout ({git('rev-parse', '--short', 'HEAD')})", REPO_ROOT)]
    folder = Path(tempfile.mkdtemp(prefix="smoke-bench-rev-"))
    try:
        for number, revision in enumerate(revisions):
            path = folder / str(number)
            try:
                git("worktree", "add", "--detach", str(path), revision)
            except subprocess.CalledProcessError as error:
                raise SystemExit(f"--baseline {revision}: {error.stderr.strip() or error}") from None
            trees.append(Tree(f"{revision} ({git('rev-parse', '--short', revision)})", path))
        yield trees
    finally:
        for tree in trees[1:]:
            git("worktree", "remove", "--force", str(tree.path))
        shutil.rmtree(folder, ignore_errors=True)


def run_gate(tree: Tree, args: Sequence[str], env: dict[str, str], split: bool = False) -> Run:
    """``run_smoke.sh`` of ``tree`` once, with a fresh results folder."""
    with tempfile.TemporaryDirectory(prefix="smoke-bench-") as results:
        command = ["bash", str(tree.path / "run_smoke.sh"), "--results-dir", results, *args]
        return measure(command, base_env(env), tree.path, split)


@contextlib.contextmanager
def reference_api(faults: Sequence[str] = (), env: dict[str, str] | None = None) -> Iterator[ReferenceApi]:
    """This checkout's reference API over HTTP, started again when another process took its port
    between its choice and its bind; always stopped."""
    for attempt in range(1, API_ATTEMPTS + 1):
        api = ReferenceApi(faults=faults, env=env)
        try:
            api.start()
        except ReferenceApiError:
            api.stop()
            if attempt == API_ATTEMPTS:
                raise
            continue
        try:
            yield api
        finally:
            api.stop()
        return


def against_api(tree: Tree, api_env: dict[str, str] | None = None, split: bool = False) -> Run:
    """The gate of ``tree`` against a reference API of its own, started before and stopped after."""
    with reference_api(env=api_env) as api:
        return run_gate(tree, [], {"PRODUCTION_URL": api.base_url}, split)


def floor(folder: Path, split: bool = False) -> Run:
    """Bare ``pabot --processes 2`` over two one-test suites in ``folder``, in a fresh working folder
    (pabot keeps a cache of the suites' names there, ``.pabotsuitenames``; the gate's pabot starts without)."""
    suites = folder / "suites"
    suites.mkdir(exist_ok=True)
    for name in ("one", "two"):
        (suites / f"{name}.robot").write_text(FLOOR_SUITE, encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    env = base_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    with tempfile.TemporaryDirectory(dir=folder) as work:
        command = [str(bin_dir / "pabot"), "--processes", "2", "--outputdir", str(Path(work) / "out")]
        return measure([*command, "--log", "NONE", "--report", "NONE", str(suites)], env, Path(work), split)


@contextlib.contextmanager
def hanging_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


# -- sections --------------------------------------------------------------------------------
def alternate(jobs: Sequence[tuple[str, Callable[[], Run]]], rounds: int, warm_up: bool) -> dict[str, list[Run]]:
    """Run every job once per round, starting each round one job further (so no job always runs
    right after the same one); with ``warm_up``, a first round that is not counted."""
    runs: dict[str, list[Run]] = {name: [] for name, _ in jobs}
    for number in range(rounds + warm_up):
        shift = number % len(jobs)
        for name, job in [*jobs[shift:], *jobs[:shift]]:
            run = job()
            if number >= warm_up:
                runs[name].append(run)
    return runs


def gate_section(trees: Sequence[Tree], rounds: int, split: bool) -> None:
    say(f"\n## Healthy gate and pabot floor: {rounds} rounds in alternation after 1 warm-up round; median (min-max)\n")
    say("gate: PRODUCTION_URL=http://127.0.0.1:PORT ./run_smoke.sh (a fresh reference API per run, not counted);")
    say("floor: pabot --processes 2 over two one-test suites (cold processes)\n")
    with tempfile.TemporaryDirectory(prefix="smoke-bench-floor-") as folder:
        jobs = [(tree.label, partial(against_api, tree, None, split)) for tree in trees]
        jobs.append(("floor", partial(floor, Path(folder), split)))
        columns = alternate(jobs, rounds, warm_up=True)
    floor_runs = columns["floor"]

    def row(label: str, cell: Callable[[list[Run]], str]) -> list[str]:
        return [label, *[cell(column) for column in columns.values()]]

    def ratio(what: str) -> Callable[[list[Run]], str]:
        return lambda column: fig.summary(
            fig.ratios([getattr(run, what) for run in column], [getattr(run, what) for run in floor_runs])
        )

    def phase(name: str) -> Callable[[list[Run]], str]:
        return lambda column: fig.summary(fig.phases(run.lines, run.wall)[name] for run in column)

    rows = [
        row("wall time, s", lambda column: fig.summary(run.wall for run in column)),
        row("CPU time of its processes, s", lambda column: fig.summary(run.cpu for run in column)),
        row("peak memory of one process, MiB", lambda column: fig.summary((run.peak_mib for run in column), 0)),
        row("result", lambda column: fig.counts(run.result for run in column)),
        row("gate / floor, wall time (per round; target ≤ ~3)", ratio("wall")),
        row("gate / floor, CPU time (per round)", ratio("cpu")),
        *[row(f"phase: {name}, s", phase(name)) for name, _ in fig.PHASES],
    ]
    for line in fig.table(["", *columns], rows):
        say(line)
    say(f"\nthe benchmark's own peak memory (a floor of every ru_maxrss): {own_peak_mib():.0f} MiB")
    if split:
        split_table(columns)


def split_table(runs: dict[str, list[Run]]) -> None:
    """CPU seconds per kind of process (``--split``), medians over the runs of each column."""
    splits = {name: [fig.split_by_label(run.seen) for run in column] for name, column in runs.items()}
    labels = sorted({label for column in splits.values() for split in column for label in split})
    rows = []
    for label in labels:
        cells = []
        for column in splits.values():
            values = [split[label][0] if label in split else None for split in column]
            number = max((split[label][1] for split in column if label in split), default=0)
            cells.append(f"{fig.summary(values)} [{number}]" if number else "")
        rows.append([label, *cells])
    rows.append(
        [
            "sum of the above",
            *[fig.summary(sum(s for s, _ in split.values()) for split in column) for column in splits.values()],
        ]
    )
    rows.append(["measured (os.wait4)", *[fig.summary(run.cpu for run in column) for column in runs.values()]])
    say(f"\n### CPU seconds by kind of process (psutil every {SAMPLE_EVERY * 1000:.0f} ms) [processes]\n")
    for line in fig.table(["process", *runs], rows):
        say(line)


def verdict_sections(trees: Sequence[Tree], sections: Sequence[str], repeat: int) -> None:
    """demo, slow and ports: time to verdict, CPU, verdict, for every tree in alternation."""
    cases: list[tuple[str, Callable[[Tree], Run]]] = []
    if "demo" in sections:
        cases.append(("demo (--demo)", demo))
    if "slow" in sections:
        cases.append((f"slow ({SLOW_MUTATION})", slow))
    if "ports" in sections:
        cases += [("closed port", closed), ("hanging port", hanging)]
    if not cases:
        return
    say(f"\n## Time to verdict: {repeat} run(s) each, in alternation; median (min-max)\n")
    rows, explained = [], []
    for case, run_case in cases:
        runs = alternate([(tree.label, partial(run_case, tree)) for tree in trees], repeat, warm_up=False)
        rows.append([f"{case}: wall time, s", *[fig.summary(run.wall for run in runs[t.label]) for t in trees]])
        rows.append([f"{case}: CPU time, s", *[fig.summary(run.cpu for run in runs[t.label]) for t in trees]])
        rows.append([f"{case}: verdict", *[fig.counts(run.result for run in runs[t.label]) for t in trees]])
        if run_case is slow:
            explained += [(f"{case}, {t.label}, last run:", fig.explanation(runs[t.label][-1].lines)) for t in trees]
    for line in fig.table(["", *[tree.label for tree in trees]], rows):
        say(line)
    for title, lines in explained:
        say(f"\n{title}")
        for line in lines:
            say(f"    {line}")


def demo(tree: Tree) -> Run:
    return run_gate(tree, ["--demo"], {})


def slow(tree: Tree) -> Run:
    return against_api(tree, {"LATTICE_MUTATIONS": SLOW_MUTATION})


def closed(tree: Tree) -> Run:
    return run_gate(tree, [], {"PRODUCTION_URL": f"http://127.0.0.1:{free_port()}"})


def hanging(tree: Tree) -> Run:
    with hanging_port() as port:
        return run_gate(tree, [], {"PRODUCTION_URL": f"http://127.0.0.1:{port}"})


# -- canary ----------------------------------------------------------------------------------
def start_canary(
    tree: Tree, results: Path, port: int, args: Sequence[str], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    command = ["bash", str(tree.path / "run_smoke.sh"), "--results-dir", str(results), "--every", "1s"]
    command += ["--metrics-port", str(port), "--keep", "3", "--suite", "health", *args]
    return subprocess.Popen(
        command, cwd=tree.path, env=base_env(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )  # noqa: S603


def wait_cycles(results: Path, count: int, process: subprocess.Popen[bytes]) -> None:
    history = results / "history.jsonl"
    deadline = time.monotonic() + CANARY_LIMIT * count
    while not history.exists() or len(history.read_text(encoding="utf-8").splitlines()) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the canary stopped or stalled before its cycle {count}")
        time.sleep(0.2)


def stop_canary(process: subprocess.Popen[bytes], known: set[int]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)
        process.wait()
    reap(known)


def metric(port: int, name: str, **labels: str) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:  # noqa: S310 - loopback
        text = answer.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items())
    )


def canary_memory(tree: Tree, cycles: int) -> tuple[float, float, float]:
    """The runner's resident memory (MiB) after the first and the last of ``cycles`` cycles on the
    demo, and the seconds per cycle."""
    known = {child.pid for child in psutil.Process().children()}
    with tempfile.TemporaryDirectory(prefix="smoke-bench-canary-") as folder:
        process = start_canary(tree, Path(folder), free_port(), ["--demo"], {})
        try:
            wait_cycles(Path(folder), 1, process)
            first, started = psutil.Process(process.pid).memory_info().rss, time.monotonic()
            wait_cycles(Path(folder), cycles, process)
            last = psutil.Process(process.pid).memory_info().rss
        finally:
            stop_canary(process, known)
    return first / 2**20, last / 2**20, (time.monotonic() - started) / max(1, cycles - 1)


def canary_detection(tree: Tree) -> float:
    """Seconds from switching the canary's target to an API with a fault until its ``/metrics``
    shows it (the verdict gauge leaves PROCEED and ``smoke_test_failed_total`` grows)."""
    from tests.monitoring._servers import SwitchingProxy  # the tests' TCP proxy that switches upstreams

    known = {child.pid for child in psutil.Process().children()}
    with contextlib.ExitStack() as stack:  # (one ``with`` of three: Python 3.9 has no parenthesised form)
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="smoke-bench-canary-"))
        healthy = stack.enter_context(reference_api())
        broken = stack.enter_context(reference_api(faults=[CANARY_FAULT]))
        proxy, port = SwitchingProxy(healthy.port), free_port()
        env = {"PRODUCTION_URL": proxy.url, "ALLOW_PLAINTEXT_CREDENTIALS": "1"}
        process = start_canary(tree, Path(folder), port, [], env)
        try:
            wait_cycles(Path(folder), 2, process)
            failed = metric(port, "smoke_test_failed_total")
            proxy.switch(broken.port)
            switched = time.monotonic()
            while time.monotonic() < switched + 3 * CANARY_LIMIT:
                if metric(port, "smoke_last_run_verdict", verdict="PROCEED") == 0 and (
                    metric(port, "smoke_test_failed_total") > failed
                ):
                    return time.monotonic() - switched
                time.sleep(0.1)
            raise RuntimeError("the canary did not show the fault")
        finally:
            stop_canary(process, known)
            proxy.close()


def canary_section(trees: Sequence[Tree], cycles: int) -> None:
    say(f"\n## Canary: --every 1s --suite health, {cycles} cycles on the demo; then a fault ({CANARY_FAULT})\n")
    rows: list[list[str]] = [
        [f"runner's memory after cycle 1 / {cycles}, MiB"],
        ["seconds per cycle"],
        ["time to detection, s"],
    ]
    for tree in trees:
        first, last, per_cycle = canary_memory(tree, cycles)
        rows[0].append(f"{first:.0f} / {last:.0f}")
        rows[1].append(f"{per_cycle:.1f}")
        rows[2].append(f"{canary_detection(tree):.1f}")
    for line in fig.table(["", *[tree.label for tree in trees]], rows):
        say(line)


# -- the run ---------------------------------------------------------------------------------
def machine_speed(loops: int = 3) -> str:
    """How long a fixed pure-Python loop (10 million additions) takes now, ``loops`` times."""
    times = []
    for _ in range(loops):
        started, total = time.perf_counter(), 0
        for number in range(10_000_000):
            total += number
        times.append(time.perf_counter() - started)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{fig.summary(times)} s for 10 million Python additions (smaller is faster); load average {load}"


def own_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--baseline", action="append", default=[], metavar="REV", help="a revision to compare (repeatable)"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the gate section (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each other section per revision (default 1)")
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, default=[], help="sections (repeatable; default all but canary)"
    )
    parser.add_argument("--split", action="store_true", help="the gate's CPU time by kind of process (psutil)")
    parser.add_argument("--cycles", type=int, default=20, help="canary cycles for its memory figure (default 20)")
    options = parser.parse_args(argv)
    sections = options.only or [section for section in SECTIONS if section != "canary"]
    become_subreaper()
    say(f"# Gate benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    say(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} {platform.release()}")
    say(f"machine speed at the start: {machine_speed()}")
    with checkouts(options.baseline) as trees:
        if "gate" in sections:
            gate_section(trees, options.rounds, options.split)
        verdict_sections(trees, sections, options.repeat)
        if "canary" in sections:
            canary_section(trees, options.cycles)
    say(f"\nmachine speed at the end: {machine_speed()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
