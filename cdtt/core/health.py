"""The readiness checks behind /healthz: which dependency is down, and whether that stops this node serving."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

OK = "ok"
DOWN = "unreachable"
NOT_CONFIGURED = "not configured"


def _database() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means the database is unreachable
        return DOWN
    return OK


def _replica() -> tuple[str, float | None]:
    from cdtt.core.dbrouter import replica_configured, replica_freshness

    if not replica_configured():
        return NOT_CONFIGURED, None
    try:
        return OK, replica_freshness().lag_seconds
    except DatabaseError:
        return DOWN, None


def _queue() -> tuple[str, float | None]:
    """Stale when the oldest waiting task has waited longer than CDTT_QUEUE_STALE_SECONDS: no worker is taking them."""
    from django_tasks_db.models import DBTaskResult

    try:
        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    except DatabaseError:
        return DOWN, None
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return ("stale" if age > settings.CDTT_QUEUE_STALE_SECONDS else OK), age


def _storage() -> str:
    """The uploads folder takes a file: every node must write where the workers read (a shared volume)."""
    media = Path(settings.MEDIA_ROOT)
    try:
        media.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=media, prefix=".healthz-"):
            pass
    except OSError:
        return DOWN
    return OK


def readiness() -> tuple[bool, dict[str, Any]]:
    """(ready, report). Not ready only when the primary database or the storage is down: without a replica the
    reads go to the primary, and a stale queue is the workers' problem, not this node's."""
    database = _database()
    storage = _storage()
    replica, lag = _replica()
    queue, age = _queue() if database == OK else (DOWN, None)
    ready = database == OK and storage == OK
    degraded = replica == DOWN or queue != OK
    report: dict[str, Any] = {
        "status": "error" if not ready else ("degraded" if degraded else "ok"),
        "database": database,
        "replica": replica,
        "queue": queue,
        "storage": storage,
    }
    if lag is not None:
        report["replica_lag_seconds"] = round(lag, 1)
    if age is not None:
        report["queue_oldest_seconds"] = round(age, 1)
    report["down"] = [name for name in ("database", "replica", "queue", "storage") if report[name] == DOWN]
    return ready, report
