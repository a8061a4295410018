"""Prometheus metrics in a registry of the service's own (exposition format 0.0.4)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from .faults import Faults

disable_created_metrics()  # type: ignore[no-untyped-call]

#: Prometheus text exposition format 0.0.4 (prometheus_client's CONTENT_TYPE_PLAIN_0_0_4).
CONTENT_TYPE_0_0_4 = "text/plain; version=0.0.4; charset=utf-8"
GARBAGE_BODY = b'http_requests_total{method="GET" 12\n<html>oops</html>\n'


class Metrics:
    """The service's metric families."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route template.",
            ["method", "path"],
            registry=self.registry,
        )
        self.lattices_created = Counter("lattices_created", "Lattices created.", registry=self.registry)
        self.paths_computed = Counter("paths_computed", "Pathfinding requests answered.", registry=self.registry)
        self.webhook_deliveries = Counter(
            "webhook_deliveries",
            "Webhook deliveries finished, by outcome (delivered or failed).",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in ("delivered", "failed"):
            self.webhook_deliveries.labels(outcome=outcome)

    def observe_request(self, method: str, path: str, status: int, seconds: float, faults: Faults) -> None:
        """Record one answered request."""
        counted = not faults.on("metrics_frozen") and not (faults.on("health_not_counted") and path == "/health")
        if counted:
            self.http_requests.labels(method=method, path=path, status=str(status)).inc()
        self.http_duration.labels(method=method, path=path).observe(seconds)

    def exposition(self, faults: Faults) -> tuple[bytes, str]:
        """The body and content type of ``/metrics``."""
        content_type = "application/json" if faults.on("metrics_wrong_content_type") else CONTENT_TYPE_0_0_4
        if faults.on("metrics_garbage"):
            return GARBAGE_BODY, content_type
        body = generate_latest(self.registry)
        if faults.on("metrics_missing_family"):
            kept = [line for line in body.decode().splitlines(keepends=True) if "paths_computed" not in line]
            body = "".join(kept).encode()
        return body, content_type
