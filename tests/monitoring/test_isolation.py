"""Every Pushgateway and Prometheus a test starts keeps its state in the test's own folder.

Debian's prometheus-pushgateway persists to /var/lib/prometheus/pushgateway.data unless told
otherwise (its ``--persistence.file`` default), so a test's gateway used to start with the pushes
of earlier runs, of other environments too, and left its own there (issue 23). The running servers
are asked for their flags; and a gateway is shown to write its pushes into the test's folder and
nowhere else.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from tests.monitoring._servers import Prometheus, Pushgateway

DEBIAN_PERSISTENCE_FILE = Path("/var/lib/prometheus/pushgateway.data")


def test_every_pushgateway_of_the_tests_persists_into_the_tests_folder(tmp_path: Path) -> None:
    with Pushgateway(tmp_path) as gateway:
        flags = gateway.status()["flags"]
    assert flags["persistence.file"] == str(gateway.persistence_file)
    assert gateway.persistence_file.is_relative_to(tmp_path)
    assert flags["persistence.file"] != str(DEBIAN_PERSISTENCE_FILE)


def test_a_pushgateway_of_the_tests_starts_empty_and_keeps_its_pushes_to_itself(tmp_path: Path) -> None:
    debian_before = DEBIAN_PERSISTENCE_FILE.stat().st_mtime_ns if DEBIAN_PERSISTENCE_FILE.exists() else None
    registry = CollectorRegistry()
    Gauge("smoke_isolation_probe", "A push of the isolation test", registry=registry).set(1)
    with Pushgateway(tmp_path / "first") as gateway:
        push_to_gateway(f"127.0.0.1:{gateway.port}", job="smoke_tests", registry=registry, timeout=5)
    # the gateway writes its pushes when it stops: into the test's folder
    assert b"smoke_isolation_probe" in gateway.persistence_file.read_bytes()
    with Pushgateway(tmp_path / "second") as fresh:
        with urllib.request.urlopen(f"{fresh.url}/metrics", timeout=10) as response:
            exposed = response.read().decode()
    assert "smoke_" not in exposed, "a new gateway of the tests starts with pushes it did not receive"
    debian_after = DEBIAN_PERSISTENCE_FILE.stat().st_mtime_ns if DEBIAN_PERSISTENCE_FILE.exists() else None
    assert debian_after == debian_before, f"a gateway of the tests wrote {DEBIAN_PERSISTENCE_FILE}"


def test_every_prometheus_of_the_tests_stores_in_the_tests_folder(tmp_path: Path) -> None:
    with Prometheus(tmp_path, {}) as prometheus:
        flags = prometheus.flags()
    assert Path(flags["storage.tsdb.path"]) == prometheus.storage
    assert prometheus.storage.is_relative_to(tmp_path)
