"""The operator's /metrics page: this process's (or node's) metrics and figures read from the database.

Queue depth and age, sync batches and Zalo failures are read from the database when scraped, so they are the
same on every node (see ``cdtt.core.metrics`` for the per-process ones). Here, beside the page, because they
read the tables of several apps.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Max, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from cdtt.channels.models import MessageStatus, ZaloMessage
from cdtt.core.dbrouter import REPLICA_LAG, replica_configured, replica_freshness
from cdtt.core.models import JobRun
from cdtt.sync.models import SyncReceipt
from cdtt.transfers.models import RUNNING_STATUSES, ImportJob

# Sync receipts and Zalo failures are counted over this window: a rate the operator can alert on, and a query
# that stays cheap however many years of receipts the table holds (received_at is indexed by its order).
WINDOW = datetime.timedelta(minutes=5)


class DatabaseCollector(Collector):
    """Figures every node reads the same from the database: queues, imports, sync, Zalo, the replica."""

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._queue()
            yield from self._imports()
            yield from self._sync_and_zalo()
            yield from self._jobs()
        except DatabaseError:
            return  # the readiness check says which dependency is down; a scrape still returns the rest
        yield from self._replica()

    def _queue(self) -> Iterator[Metric]:

        depth = GaugeMetricFamily("cdtt_task_queue_depth", "Background tasks by status.", labels=["status"])
        for row in DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by():
            depth.add_metric([row["status"].lower()], row["n"])
        yield depth
        oldest = DBTaskResult.objects.filter(status="READY").aggregate(t=Min("enqueued_at"))["t"]
        age = GaugeMetricFamily("cdtt_task_queue_oldest_seconds", "Age of the oldest task waiting for a worker.")
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age

    def _imports(self) -> Iterator[Metric]:

        running = ImportJob.objects.filter(status__in=RUNNING_STATUSES)
        family = GaugeMetricFamily("cdtt_import_jobs_running", "Import jobs queued, being checked or written.")
        family.add_metric([], running.count())
        yield family
        beat = running.aggregate(t=Min("heartbeat_at"))["t"]
        silent = GaugeMetricFamily(
            "cdtt_import_jobs_silent_seconds", "Longest time a running import job has not shown a sign of life."
        )
        silent.add_metric([], (timezone.now() - beat).total_seconds() if beat else 0.0)
        yield silent

    def _sync_and_zalo(self) -> Iterator[Metric]:

        since = timezone.now() - WINDOW
        receipts = GaugeMetricFamily("cdtt_sync_records_5m", "Phone records received in the last five minutes.")
        receipts.add_metric([], SyncReceipt.objects.filter(received_at__gte=since).count())
        yield receipts
        failed = GaugeMetricFamily("cdtt_zalo_send_failures", "Zalo messages that failed for good.")
        failed.add_metric([], ZaloMessage.objects.filter(status=MessageStatus.FAILED).count())
        yield failed
        pending = GaugeMetricFamily("cdtt_zalo_messages_pending", "Zalo messages waiting to be sent or retried.")
        pending.add_metric([], ZaloMessage.objects.filter(status=MessageStatus.PENDING).count())
        yield pending

    def _jobs(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            "cdtt_scheduled_job_last_run_timestamp", "When each scheduled job last ran (Unix time).", labels=["job"]
        )
        for job, started in _latest_runs():
            last.add_metric([job], started.timestamp())
        yield last

    def _replica(self) -> Iterator[Metric]:
        if not replica_configured():
            return
        family = GaugeMetricFamily("cdtt_replica_up", "1 when the read replica answers.")
        try:
            lag = replica_freshness().lag_seconds
        except DatabaseError:
            family.add_metric([], 0)
            yield family
            return
        family.add_metric([], 1)
        yield family
        REPLICA_LAG.set(lag)


def _latest_runs() -> list[tuple[str, datetime.datetime]]:

    return [(r["job"], r["t"]) for r in JobRun.objects.values("job").annotate(t=Max("started_at")).order_by()]


def render_metrics() -> bytes:
    """The text exposition of this process's (or, in multiprocess mode, this node's) metrics and the database's."""
    database = CollectorRegistry(auto_describe=True)
    database.register(DatabaseCollector())
    db_text = generate_latest(database)  # first: it updates the replica lag gauge reported below
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        return generate_latest(processes) + db_text
    return generate_latest(REGISTRY) + db_text
