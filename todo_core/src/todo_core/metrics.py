"""Prometheus metrics every Python service shares: HTTP requests, the database pool and its queries.

Each concept is defined once here; a service's own metrics (the agent's turns and tool calls, the
MCP server's tool calls) live next to that service. They are served on a port of their own
(METRICS_PORT), never on the service's port: the Ingress cannot route to them, and a NetworkPolicy
can let only the scraper reach them. Labels are bounded sets (route templates, status classes, tool
names), never ids.
"""

from __future__ import annotations

import contextlib
import logging
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from todo_core.settings import CommonSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("todo_core.metrics")

# Seconds; up to a minute because a chat turn may take that long (the backend's agent timeout).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
UNMATCHED_ROUTE = "unmatched"  # a path no route serves (404s): one label, whatever was asked for
OTHER = "other"

HTTP_REQUESTS = Counter(
    "todo_http_requests", "HTTP requests served, by route template and status class", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "todo_http_request_duration_seconds",
    "Time to serve an HTTP request (a streamed one: until its last byte)",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge("todo_http_requests_in_flight", "HTTP requests being served now")
DB_QUERY_DURATION = Histogram(
    "todo_db_query_duration_seconds", "Time of one SQL statement, by kind", ["operation"], buckets=LATENCY_BUCKETS
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_OPERATIONS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK"})


def bounded(value: str, known: Collection[str]) -> str:
    """`value` when it is one of `known`, else "other": a label never takes a caller-chosen value."""
    return value if value in known else OTHER


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = bounded(method, _METHODS)
    HTTP_REQUESTS.labels(method, route, status_class(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


class _PoolCollector(Collector):
    """Pool gauges read at scrape time from the engines of this process (no work per request)."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[Any] = weakref.WeakSet()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        pools = [engine.pool for engine in list(self.engines)]
        figures = {
            "todo_db_pool_size": ("Connections the pool keeps (DB_POOL_SIZE)", lambda p: p.size()),
            "todo_db_pool_checked_out": ("Connections in use by requests now", lambda p: p.checkedout()),
            # SQLAlchemy counts overflow from -size: above zero it is connections past DB_POOL_SIZE.
            "todo_db_pool_overflow": ("Connections open beyond the pool size", lambda p: max(p.overflow(), 0)),
        }
        for name, (help_text, read) in figures.items():
            yield GaugeMetricFamily(name, help_text, value=sum(read(pool) for pool in pools))


_POOLS = _PoolCollector()
REGISTRY.register(_POOLS)


def instrument_engine(engine: AsyncEngine) -> None:
    """Pool gauges and statement latency for `engine` (called once per engine, in the lifespan)."""
    from sqlalchemy import event

    _POOLS.engines.add(engine.sync_engine)
    sync = engine.sync_engine

    def before(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        conn.info.setdefault("todo_query_start", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        starts = conn.info.get("todo_query_start")
        if starts:
            keyword = statement.lstrip()[:8].split(None, 1)[0].upper() if statement.strip() else ""
            DB_QUERY_DURATION.labels(bounded(keyword, _OPERATIONS)).observe(time.perf_counter() - starts.pop())

    def failed(context: Any) -> None:
        if context.connection is not None and (starts := context.connection.info.get("todo_query_start")):
            starts.pop()

    event.listen(sync, "before_cursor_execute", before)
    event.listen(sync, "after_cursor_execute", after)
    event.listen(sync, "handle_error", failed)


@contextlib.contextmanager
def metrics_server(settings: CommonSettings, engine: AsyncEngine | None = None) -> Iterator[int | None]:
    """Serve this process's metrics on HOST:METRICS_PORT while the block runs, and measure `engine`
    (the service's database, if it has one); yields the port (METRICS_PORT=0 picks a free one) or
    None when METRICS_ENABLED is false."""
    if not settings.METRICS_ENABLED:
        yield None
        return
    if engine is not None:
        instrument_engine(engine)
    try:
        server, thread = start_http_server(settings.METRICS_PORT, addr=settings.HOST)
    except OSError as exc:
        raise RuntimeError(
            f"cannot serve metrics on {settings.HOST}:{settings.METRICS_PORT} ({exc.strerror}): "
            "set METRICS_PORT to a free port, or METRICS_ENABLED=false"
        ) from exc
    port = int(server.server_port)
    log.info("metrics served", extra={"metrics_port": port, "path": "/metrics"})
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def timer() -> Callable[[], float]:
    """Seconds since this call, when the returned function is called."""
    start = time.perf_counter()
    return lambda: time.perf_counter() - start
