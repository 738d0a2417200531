"""JSON logs and Prometheus metrics (request latency, events appended, projection lag)."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from api.deps import container_of
from application.shared.store import Position

access = logging.getLogger("chronicle.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; structured `fields` (from `extra=`) are merged in."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, as_json: bool) -> None:
    """Replace only the handler installed here before, so other handlers (pytest's) survive."""
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name("chronicle")
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s %(fields)s")
    )
    handler.addFilter(_default_fields)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "chronicle"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())


def _default_fields(record: logging.LogRecord) -> bool:
    if not hasattr(record, "fields"):
        record.fields = {}
    return True


class Metrics:
    """One registry per app, so tests can build many apps in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "chronicle_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.appended = Counter(
            "chronicle_events_appended_total",
            "Events appended to the event stores",
            ["context"],
            registry=self.registry,
        )
        self.lag = Gauge(
            "chronicle_projection_lag_events",
            "Events committed but not yet applied by a projection",
            ["projection", "context", "generation"],
            registry=self.registry,
        )
        self.parked = Gauge(
            "chronicle_projection_parked_events",
            "Events a projection could not apply and set aside (chronicle projections parked)",
            ["projection", "context", "generation"],
            registry=self.registry,
        )
        self.plugin_failures = Gauge(
            "chronicle_plugin_failures",
            "Errors a plugin (custom/) raised in a hook since the process started",
            ["plugin"],
            registry=self.registry,
        )
        self.plugin_up = Gauge(
            "chronicle_plugin_up",
            "1 while a plugin is loaded, 0 when it failed or is disabled",
            ["plugin"],
            registry=self.registry,
        )

    def committed(self, position: Position, _actor: object) -> None:
        """A commit listener: counts what each store appended."""
        self.appended.labels(position.context).inc(position.events)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)


def metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Times every HTTP request and writes one access-log line."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            _record(scope, status[0], time.perf_counter() - started)

    return middleware


def _record(scope: Scope, status: int, seconds: float) -> None:
    # The template, not the path: ids in paths would explode the label cardinality.
    route = scope.get("path_template") or "unmatched"
    method = str(scope.get("method", ""))
    metrics: Metrics | None = getattr(scope["app"].state, "metrics", None)
    if metrics is not None:
        metrics.observe(method, route, status, seconds)
    ms = round(seconds * 1000, 2)
    fields = {"method": method, "route": route, "status": status, "duration_ms": ms}
    access.info("request", extra={"fields": fields})


@get("/metrics", include_in_schema=False, sync_to_thread=True)
def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text exposition; projection lag and parked events are measured now, at
    scrape time. Cleared first, so that a generation dropped by a rebuild leaves no series
    (its parked count would otherwise keep an alert firing)."""
    metrics: Metrics = request.app.state.metrics
    metrics.lag.clear()
    metrics.parked.clear()
    container = container_of(request)
    for lag in container.projections.status():
        labels = (lag.projection, lag.context, str(lag.generation))
        metrics.lag.labels(*labels).set(lag.behind)
        metrics.parked.labels(*labels).set(lag.parked)
    for name, plugin in container.plugin_report().items():
        metrics.plugin_failures.labels(name).set(float(str(plugin["failures"])))
        metrics.plugin_up.labels(name).set(1 if plugin["status"] == "loaded" else 0)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
