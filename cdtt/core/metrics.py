"""Prometheus metrics kept by each process: request latency by view and sync batches by outcome.

Gunicorn runs several worker processes per node; a counter kept in one process is invisible to a scrape
answered by another. With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder per node, cleared at start, as
prometheus_client documents), the processes share their samples through files there. The figures read from
the database at scrape time (queues, imports, sync, Zalo) are ``cdtt.web.metrics``: they read other apps'
tables, and core imports no domain app.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUEST_SECONDS = Histogram(
    "cdtt_request_seconds",
    "Time to answer a request, by URL name (view) and method.",
    ["view", "method", "status"],
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0),
)
SYNC_BATCHES = Counter("cdtt_sync_batches", "Phone sync pushes received, by outcome.", ["outcome"])
