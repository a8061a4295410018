"""Real Prometheus and Pushgateway (Debian packages) on free loopback ports, and a TCP proxy that
switches between two upstreams (a healthy and a broken reference API) while a canary runs.

Every server keeps its state in the test's own folder: Debian's prometheus-pushgateway persists to
/var/lib/prometheus/pushgateway.data and Debian's prometheus stores in /var/lib/prometheus/metrics2/
unless told otherwise, and a test must neither read another run's pushes nor leave its own behind
(tests/monitoring/test_isolation.py)."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from smoke_runner.preflight.demo import free_port
from tests.support.processes import StartedServer, stop_process

START_TIMEOUT = 30.0
SCRAPE_INTERVAL = "1s"


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian packages prometheus, prometheus-pushgateway)")
    return path


def _wait_ready(url: str, process: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{name} did not become ready at {url} (exit code {process.poll()}):\n{output}")
        time.sleep(0.2)


class _Daemon(StartedServer):
    """A Debian-packaged server run as ``binary`` with ``arguments()`` until the ``with`` block ends;
    its output goes to ``folder/<binary>.log``, shown when it does not become ready."""

    binary = ""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def arguments(self) -> list[str]:
        """The command line after the binary."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the binary and wait until its ``/-/ready`` answers."""
        log = self.folder / f"{self.binary}.log"
        command = [_binary(self.binary), *self.arguments()]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)  # noqa: S603
        _wait_ready(f"{self.url}/-/ready", self.process, self.binary, log)

    def stop(self) -> None:
        """Stop the binary (idempotent)."""
        stop_process(self.process, grace=10)


class Pushgateway(_Daemon):
    """``prometheus-pushgateway`` on 127.0.0.1 persisting to ``folder/pushgateway/`` (context manager)."""

    binary = "prometheus-pushgateway"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder / "pushgateway")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.persistence_file = self.folder / "pushgateway.data"

    def arguments(self) -> list[str]:
        """Listen on loopback, persist in the test's folder."""
        return [f"--web.listen-address=127.0.0.1:{self.port}", f"--persistence.file={self.persistence_file}"]

    def status(self) -> dict[str, Any]:
        """The Pushgateway's own ``/api/v1/status`` (its flags, among others)."""
        with urllib.request.urlopen(f"{self.url}/api/v1/status", timeout=10) as response:
            answer: dict[str, Any] = json.load(response)
        return answer["data"]


class Prometheus(_Daemon):
    """``prometheus`` on 127.0.0.1 storing in ``folder/prometheus-data/``, scraping ``jobs`` and
    evaluating ``rule_files`` every second."""

    binary = "prometheus"

    def __init__(
        self,
        folder: Path,
        jobs: dict[str, tuple[str | tuple[str, ...], bool]],
        rule_files: tuple[Path, ...] = (),
    ) -> None:
        """``jobs``: {job name: (host:port or several, honor_labels)}."""
        super().__init__(folder)
        self.jobs = jobs
        self.rule_files = rule_files
        self.storage = folder / "prometheus-data"

    def config(self) -> str:
        lines = [
            "global:",
            f"  scrape_interval: {SCRAPE_INTERVAL}",
            f"  evaluation_interval: {SCRAPE_INTERVAL}",
        ]
        if self.rule_files:
            lines += ["rule_files:", *[f"  - {json.dumps(str(path))}" for path in self.rule_files]]
        lines.append("scrape_configs:")
        for job, (target, honor) in self.jobs.items():
            targets = (target,) if isinstance(target, str) else target
            lines += [
                f"  - job_name: {json.dumps(job)}",
                f"    honor_labels: {str(honor).lower()}",
                "    static_configs:",
                f"      - targets: [{', '.join(json.dumps(item) for item in targets)}]",
            ]
        return "\n".join(lines) + "\n"

    def arguments(self) -> list[str]:
        """Writes the configuration, then: store in the test's folder, listen on loopback."""
        config = self.folder / "prometheus.yml"
        config.write_text(self.config(), encoding="utf-8")
        return [
            f"--config.file={config}",
            f"--storage.tsdb.path={self.storage}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]

    def _api(self, path: str, parameters: dict[str, str]) -> dict[str, Any]:
        url = f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(parameters)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
        assert answer["status"] == "success", answer
        data: dict[str, Any] = answer["data"]
        return data

    def query(self, expression: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """An instant query (at ``at``, Unix time; default now): [(labels, value)]."""
        parameters = {"query": expression}
        if at is not None:
            parameters["time"] = f"{at:.3f}"
        data = self._api("query", parameters)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(item["metric"], float(item["value"][1])) for item in data["result"]]

    def samples(
        self, selector: str, seconds: float, at: float
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """The raw samples of ``selector`` in the ``seconds`` before ``at``: [(labels, [(time, value)])]."""
        data = self._api("query", {"query": f"{selector}[{seconds:.0f}s]", "time": f"{at:.3f}"})
        assert data["resultType"] == "matrix", data
        return [(item["metric"], [(float(t), float(v)) for t, v in item["values"]]) for item in data["result"]]

    def query_range(
        self, expression: str, start: float, end: float, step: float
    ) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """``expression`` evaluated every ``step`` seconds from ``start`` to ``end``: [(labels, [(time, value)])]."""
        parameters = {"query": expression, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        data = self._api("query_range", parameters)
        return [(item["metric"], [(float(t), float(v)) for t, v in item["values"]]) for item in data["result"]]

    def flags(self) -> dict[str, str]:
        """The running server's command-line flags (``/api/v1/status/flags``)."""
        flags: dict[str, str] = self._api("status/flags", {})
        return flags

    def wait_for(self, expression: str, condition: Any, timeout: float = 60.0) -> list[tuple[dict[str, str], float]]:
        """Poll ``expression`` until ``condition(result)`` holds (bounded by ``timeout``)."""
        deadline = time.monotonic() + timeout
        result: list[tuple[dict[str, str], float]] = []
        while time.monotonic() < deadline:
            result = self.query(expression)
            if condition(result):
                return result
            time.sleep(0.5)
        pytest.fail(f"Prometheus: {expression} did not reach the expected state in {timeout:g} s; last: {result}")


class SwitchingProxy:
    """A TCP proxy on 127.0.0.1 that sends each new connection to the upstream port chosen last."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def switch(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
            except OSError:
                client.close()
                continue
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            source.settimeout(120)
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed.set()
        self.listener.close()
        self._thread.join(timeout=5)
