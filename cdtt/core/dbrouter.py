"""Reads of the heavy read-only pages go to a replica when one is configured; everything else to the primary.

A router alone cannot tell a dashboard from a sign-in: it sees models, not requests. So the decision is made
once per request by ``ReplicaReadsMiddleware`` (which view, which method, has this browser just written) and
handed to the router through a context variable. Without a ``replica`` alias in DATABASES (the default, the
demo, the tests) the variable is never set and every query goes to ``default`` as before.

Read-your-writes: every successful write request sets a short-lived cookie with its time; for
``CDTT_READ_YOUR_WRITES_SECONDS`` after it, that browser reads from the primary even on replica pages, so a
member who has just recorded a guidance sees it on the dashboard at once, whatever the replica's lag.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import Gauge

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
WROTE_COOKIE = "cdtt_wrote"
SAFE_METHODS = frozenset({"GET", "HEAD"})

# The heavy read-only pages and API reads: dashboards, consolidated reports and their exports, the network view.
# Listed by URL name so that a new page is on the primary until someone decides it may read stale figures.
REPLICA_VIEWS = frozenset(
    {
        "dashboards:home",
        "dashboards:unit",
        "dashboards:scorecard",
        "dashboards:village",
        "reports:unit",
        "reports:unit_xlsx",
        "network:index",
        "network:export",
        "api:unit_dashboard",
        "api:village_dashboard",
        "api:report_tree",
    }
)

# Sessions, accounts, sign-in throttling and the task queue are read on every request and must be current (a
# password just changed, a lockout just set, a job just claimed): always the primary.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes", "django_tasks_db", "contenttypes"})

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("cdtt_use_replica", default=False)

# A replica that failed is left alone for this long (seconds), so a dead standby costs one connect timeout per
# process and interval, not one per page.
REPLICA_RETRY_SECONDS = 10.0
# Here rather than in cdtt.web.metrics (which reads the replica through this module): set whenever the lag is read.
REPLICA_LAG = Gauge(
    "cdtt_replica_lag_seconds",
    "How far behind the primary the read replica was when last asked (by a page or a scrape).",
    multiprocess_mode="max",
)
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads on the replica while a request has chosen it (and the model is not primary-only); writes on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _use_replica.get() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        # Explicit, so that an object read on the replica does not drag its related reads there afterwards.
        return PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # a standby is read-only; it receives the schema through replication


def read_source(*, method: str, view_name: str, wrote_at: float | None, now: float) -> str:
    """Where this request's reads should go, before the replica's own health is considered."""
    if not replica_configured() or method not in SAFE_METHODS or view_name not in REPLICA_VIEWS:
        return PRIMARY
    if wrote_at is not None and now - wrote_at < settings.CDTT_READ_YOUR_WRITES_SECONDS:
        return PRIMARY
    return REPLICA


@dataclass(frozen=True)
class Freshness:
    as_of: datetime.datetime  # the data are complete up to this moment
    lag_seconds: float


_FRESHNESS_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),
       pg_last_xact_replay_timestamp(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'),
       now()
"""


def replica_freshness(alias: str = REPLICA) -> Freshness:
    """How current the replica is. Raises DatabaseError when it cannot be reached."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return Freshness(as_of=timezone.now(), lag_seconds=0.0)  # a test mirror: the same database
    with connection.cursor() as cursor:
        cursor.execute(_FRESHNESS_SQL)
        in_recovery, caught_up, replayed_at, streaming, now = cursor.fetchone()
    # A streaming standby that has replayed all it received is current even when the primary has been idle
    # for an hour (the last replayed transaction is then old, not the data).
    if not in_recovery or (caught_up and streaming) or replayed_at is None:
        return Freshness(as_of=now, lag_seconds=0.0)
    return Freshness(as_of=replayed_at, lag_seconds=max(0.0, (now - replayed_at).total_seconds()))


def _usable_replica() -> Freshness | None:
    """The replica's freshness when it is reachable and not too far behind; None sends the reads to the primary."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return None
    try:
        freshness = replica_freshness()
    except DatabaseError:
        logger.warning("replica unreachable: reads go to the primary for %.0f s", REPLICA_RETRY_SECONDS)
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        connections[REPLICA].close()
        return None
    REPLICA_LAG.set(freshness.lag_seconds)
    if freshness.lag_seconds > settings.CDTT_REPLICA_MAX_LAG_SECONDS:
        return None
    return freshness


def _wrote_at(request: HttpRequest) -> float | None:
    try:
        return float(request.COOKIES[WROTE_COOKIE])
    except (KeyError, ValueError):
        return None


def _wrote(request: HttpRequest, response: HttpResponse) -> bool:
    """A write request that succeeded: a redirect after a form, or a 2xx that is not a form shown again with its
    errors (an HTML 200 to a POST). Counting one too many only sends a reader to the primary for a while."""
    if request.method in SAFE_METHODS or response.status_code >= 400:
        return False
    return response.status_code >= 300 or not response.get("Content-Type", "").startswith("text/html")


class ReplicaReadsMiddleware:
    """Choose the primary or the replica for each request's reads; remember who has just written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.cdtt_data_as_of = None  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_cdtt_replica_token", None)
            if token is not None:
                _use_replica.reset(token)
        if not replica_configured():
            return response
        if _wrote(request, response):
            response.set_cookie(
                WROTE_COOKIE,
                str(int(time.time())),
                max_age=settings.CDTT_READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        freshness: Freshness | None = request.cdtt_data_as_of  # type: ignore[attr-defined]
        response["X-Data-Source"] = REPLICA if freshness else PRIMARY
        if freshness:
            response["X-Data-As-Of"] = freshness.as_of.isoformat()
        return response

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        match = request.resolver_match
        view_name = match.view_name if match else ""
        source = read_source(
            method=request.method or "", view_name=view_name, wrote_at=_wrote_at(request), now=time.time()
        )
        if source != REPLICA:
            return None
        freshness = _usable_replica()
        if freshness is None:
            return None
        request.cdtt_data_as_of = freshness  # type: ignore[attr-defined]
        request._cdtt_replica_token = _use_replica.set(True)  # type: ignore[attr-defined]
        return None
