"""Scheduled jobs that run once per period however many app nodes start them.

Each node's timer calls ``manage.py run_once <command> --period day`` (or hour, or ``15m``): the first node to
insert the (job, period) row runs the command, the others skip. On PostgreSQL a session advisory lock also
keeps two runs of the same job from overlapping (a slow run of one period and the next period's start).
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from cdtt.core.models import JobRun

# A run not finished this long after it started lost its node (kill -9, power): another node may take it over.
STALE_AFTER = datetime.timedelta(hours=1)

_MINUTES = re.compile(r"^(\d{1,3})m$")


def period_key(period: str, now: datetime.datetime) -> str:
    """The name of the period ``now`` falls in, in local time: day, hour, or a slot of N minutes (``15m``)."""
    local = timezone.localtime(now)
    if period == "day":
        return local.strftime("%Y-%m-%d")
    if period == "hour":
        return local.strftime("%Y-%m-%dT%H")
    match = _MINUTES.match(period)
    if match and 0 < int(match.group(1)) <= 60:
        size = int(match.group(1))
        return local.strftime("%Y-%m-%dT%H:") + f"{local.minute // size * size:02d}"
    raise ValueError(f"unknown period {period!r}: day, hour or <N>m")


def this_node() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim(*, job: str, period: str, now: datetime.datetime | None = None) -> JobRun | None:
    """This node's run of ``job`` for the period, or None when another node has it (or has done it)."""
    now = now or timezone.now()
    key = period_key(period, now)
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, period=key, node=this_node(), started_at=now)
    except IntegrityError:
        pass
    # Compare-and-set: of several nodes finding the same abandoned run, one update matches.
    taken = JobRun.objects.filter(
        job=job, period=key, finished_at__isnull=True, started_at__lt=now - STALE_AFTER
    ).update(started_at=now, node=this_node(), attempts=F("attempts") + 1)
    return JobRun.objects.get(job=job, period=key) if taken else None


def job_finish(*, run: JobRun, outcome: str) -> None:
    JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), outcome=outcome[:2000])


def job_release(*, run: JobRun) -> None:
    """Forget a run that failed, so the next timer of the same period tries again."""
    JobRun.objects.filter(pk=run.pk, finished_at__isnull=True).delete()


def _lock_id(job: str) -> int:
    return int.from_bytes(hashlib.sha256(job.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(job: str) -> Iterator[bool]:
    """Hold the job's advisory lock for the block (PostgreSQL); yields False when another session holds it."""
    if connection.vendor != "postgresql":
        yield True  # SQLite: one machine, and the unique run row already orders the nodes' attempts
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_id(job)])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_id(job)])
