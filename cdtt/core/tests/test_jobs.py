"""Scheduled jobs run once per period however many app nodes start them; queue claims never overlap."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from cdtt.core.jobs import STALE_AFTER, _lock_id, job_claim, period_key
from cdtt.core.models import JobRun

NOON = datetime.datetime(2026, 12, 7, 5, 7, tzinfo=datetime.UTC)  # 12:07 in Hà Nội


def test_periods_are_named_in_local_time() -> None:
    assert period_key("day", NOON) == "2026-12-07"
    assert period_key("hour", NOON) == "2026-12-07T12"
    assert period_key("15m", NOON) == "2026-12-07T12:00"
    assert period_key("5m", NOON) == "2026-12-07T12:05"
    with pytest.raises(ValueError):
        period_key("week", NOON)


def test_a_second_node_does_not_run_the_job_again_in_the_same_period(db: None) -> None:
    assert job_claim(job="remind_reports", period="day", now=NOON) is not None
    assert job_claim(job="remind_reports", period="day", now=NOON + datetime.timedelta(minutes=30)) is None
    assert job_claim(job="remind_reports", period="day", now=NOON + datetime.timedelta(days=1)) is not None
    assert job_claim(job="escalate_difficulties", period="day", now=NOON) is not None


def test_a_run_whose_node_died_is_taken_over_once(db: None) -> None:
    first = job_claim(job="remind_reports", period="day", now=NOON)
    assert first is not None
    later = NOON + STALE_AFTER + datetime.timedelta(minutes=1)
    taken = job_claim(job="remind_reports", period="day", now=later)
    assert taken is not None and taken.attempts == 2
    assert job_claim(job="remind_reports", period="day", now=later) is None


def test_run_once_runs_the_command_then_skips_it(db: None) -> None:
    out = io.StringIO()
    call_command("run_once", "escalate_difficulties", "--period", "day", stdout=out)
    assert "skipped" not in out.getvalue()
    run = JobRun.objects.get(job="escalate_difficulties")
    assert run.finished_at is not None and run.outcome
    again = io.StringIO()
    call_command("run_once", "escalate_difficulties", "--period", "day", stdout=again)
    assert "đã chạy" in again.getvalue() or "already run" in again.getvalue()
    assert JobRun.objects.count() == 1


def test_run_once_refuses_a_command_that_is_not_a_scheduled_job(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("run_once", "flush", "--period", "day")
    with pytest.raises(CommandError):
        call_command("run_once", "remind_reports", "--period", "week")
    assert not JobRun.objects.exists()


def test_a_failed_run_is_forgotten_so_the_next_timer_tries_again(db: None, monkeypatch: Any) -> None:
    from cdtt.difficulties.management.commands import escalate_difficulties

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(escalate_difficulties.Command, "handle", boom)
    with pytest.raises(RuntimeError):
        call_command("run_once", "escalate_difficulties", stdout=io.StringIO())
    assert not JobRun.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_job_running_on_another_node_is_skipped(db: None) -> None:
    other = connections.create_connection("default")  # another session: the other node
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_lock_id("escalate_difficulties")])
        out = io.StringIO()
        call_command("run_once", "escalate_difficulties", stdout=out)
        assert "node" in out.getvalue() or "máy" in out.getvalue()
        assert not JobRun.objects.exists()
    finally:
        other.close()


def test_nothing_keeps_shared_state_in_a_per_process_cache() -> None:
    """Sessions, lockouts and the queue live in the database, the same for every node; no code uses Django's
    cache, whose default is per process (a lockout kept there would reset on each node)."""
    from pathlib import Path

    from django.conf import settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "cdtt.accounts.lockout.SprayLockoutHandler"  # a database handler
    root = Path(settings.BASE_DIR) / "cdtt"
    users = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts and "django.core.cache" in path.read_text(encoding="utf-8")
    ]
    assert users == []


def test_workers_claim_tasks_with_skip_locked() -> None:
    """Two workers never take the same task: django-tasks-db claims with SELECT … FOR UPDATE SKIP LOCKED."""
    from django_tasks_db.models import DBTaskResult

    query = DBTaskResult.objects.ready().select_for_update(skip_locked=True)
    assert query.query.select_for_update_skip_locked
    assert timezone.now()
