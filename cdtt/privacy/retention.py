"""Retention enforced: what the register of processing says is kept only for a time is removed after it.

Each rule names its dataset of the map (whose ``retention`` text is what the register page promises) and
either anonymises (keeps the row and its counts, blanks the personal text) or deletes rows that count
nothing. ``retention_plan`` only looks; ``retention_apply`` acts and writes one audit entry per rule applied.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cdtt.core.audit import audit_record
from cdtt.privacy import datamap


@dataclass
class Rule:
    dataset: str
    what: str  # for the report: what happens to which rows
    rows: Callable[[datetime.datetime], QuerySet[Any]]
    act: Callable[[QuerySet[Any]], int]


def _days(dataset: str) -> datetime.timedelta:
    days = datamap.dataset(dataset).retention_days
    assert days is not None, dataset
    return datetime.timedelta(days=days)


def _delete(rows: QuerySet[Any]) -> int:
    return rows.delete()[0]


def _withdrawn_households(now: datetime.datetime) -> QuerySet[Any]:
    """Households whose every consent was withdrawn more than 30 days ago, with no restriction (erased, not kept)."""
    from django.db.models import Exists, Max, OuterRef

    from cdtt.households.models import Consent, DataSubjectRequest, Household, RequestStatus

    active = Consent.objects.filter(household=OuterRef("pk"), resident__isnull=True, withdrawn_at__isnull=True)
    restricted = DataSubjectRequest.objects.filter(
        household=OuterRef("pk"), resident__isnull=True, kind__in=("restrict", "object"), status=RequestStatus.COMPLETED
    )
    return (
        Household.objects.filter(processing_stopped=True, erased_at__isnull=True)
        .annotate(last_withdrawn=Max("consents__withdrawn_at"))
        .filter(last_withdrawn__lt=now - _days("household_register"))
        .exclude(Exists(active))
        .exclude(Exists(restricted))
    )


def _erase_households(rows: QuerySet[Any]) -> int:
    from cdtt.households import privacy

    count = 0
    for household in rows.select_related("commune"):
        with transaction.atomic():
            privacy._erase_household(None, household, None, reason="retention", actor_name="apply_retention")
        count += 1
    return count


def _delete_photos(photos: QuerySet[Any]) -> int:
    """The stored image goes with its row (a photo counts in no figure)."""
    count = 0
    for photo in photos.iterator(chunk_size=500):
        photo.file.delete(save=False)
        photo.delete()
        count += 1
    return count


def _members_gone(now: datetime.datetime) -> QuerySet[Any]:
    """Members not on any team for the retention period (their last membership ended before it), not erased."""
    from django.db.models import Exists, Max, OuterRef

    from cdtt.privacy.staff import ERASED_NAME
    from cdtt.teams.models import Member, Membership

    current = Membership.objects.filter(member=OuterRef("pk"), left_on__isnull=True)
    return (
        Member.objects.exclude(full_name=ERASED_NAME)
        .annotate(last_left=Max("memberships__left_on"))
        .filter(last_left__lt=(now - _days("team_members")).date())
        .exclude(Exists(current))
    )


def _erase_members(rows: QuerySet[Any]) -> int:
    from cdtt.privacy.staff import erase_member

    count = 0
    for member in rows.select_related("commune", "user"):
        with transaction.atomic():
            erase_member(None, member, actor_name="apply_retention", reason="retention")
        count += 1
    return count


def _rules() -> list[Rule]:
    from cdtt.activities.models import Activity
    from cdtt.channels.models import ZaloMessage
    from cdtt.difficulties.models import DifficultyPhoto, Status
    from cdtt.notices.models import Notification
    from cdtt.sync.models import SyncConflict, SyncReceipt
    from cdtt.transfers.models import ImportJob, ImportRow, ImportStatus

    ended = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED, ImportStatus.INVALID)

    def axes(model_name: str) -> Callable[[datetime.datetime], QuerySet[Any]]:
        def rows(now: datetime.datetime) -> QuerySet[Any]:
            from django.apps import apps

            model = apps.get_model("axes", model_name)
            return model.objects.filter(attempt_time__lt=now - _days("audit_logs"))

        return rows

    def task_results(now: datetime.datetime) -> QuerySet[Any]:
        from django.apps import apps

        model = apps.get_model("django_tasks_database", "DBTaskResult")
        return model.objects.filter(finished_at__lt=now - _days("technical"))

    def clear_rows(jobs: QuerySet[Any]) -> int:
        ids = list(jobs.values_list("pk", flat=True))
        ImportRow.objects.filter(job_id__in=ids).delete()
        for job in ImportJob.objects.filter(pk__in=ids):
            if job.file:
                job.file.delete(save=False)
        return ImportJob.objects.filter(pk__in=ids).update(rows=[], file="")

    return [
        Rule(
            "household_register",
            "erase households 30 days after consent was withdrawn",
            _withdrawn_households,
            _erase_households,
        ),
        Rule(
            "activities",
            "blank the free-text note of activities older than 2 years",
            lambda now: Activity.objects.filter(occurred_on__lt=(now - _days("activities")).date()).exclude(note=""),
            lambda rows: rows.update(note=""),
        ),
        Rule(
            "notices",
            "delete notices older than 180 days",
            lambda now: Notification.objects.filter(created_at__lt=now - _days("notices")),
            _delete,
        ),
        Rule(
            "imports",
            "delete the file and staged rows of imports ended more than 30 days ago",
            lambda now: ImportJob.objects.filter(status__in=ended, created_at__lt=now - _days("imports")).exclude(
                rows=[], file=""
            ),
            clear_rows,
        ),
        Rule(
            "sync",
            "delete phone sync receipts older than 90 days",
            lambda now: SyncReceipt.objects.filter(received_at__lt=now - _days("sync")),
            _delete,
        ),
        Rule(
            "sync",
            "delete sync conflicts resolved more than 90 days ago",
            lambda now: SyncConflict.objects.filter(resolved_at__lt=now - _days("sync")),
            _delete,
        ),
        Rule(
            "zalo",
            "blank the text of Zalo messages older than 180 days",
            lambda now: ZaloMessage.objects.filter(created_at__lt=now - _days("zalo")).exclude(text=""),
            lambda rows: rows.update(text=""),
        ),
        Rule(
            "difficulties",
            "delete the photos of difficulties resolved more than 2 years ago",
            lambda now: DifficultyPhoto.objects.filter(
                difficulty__status=Status.RESOLVED, difficulty__resolved_at__lt=now - _days("difficulties")
            ),
            _delete_photos,
        ),
        Rule(
            "team_members",
            "erase members 5 years after they left their last team",
            _members_gone,
            _erase_members,
        ),
        Rule("technical", "delete background task results finished more than 30 days ago", task_results, _delete),
        Rule("audit_logs", "delete sign-in attempts older than 1 year", axes("AccessAttempt"), _delete),
        Rule("audit_logs", "delete sign-in logs older than 1 year", axes("AccessLog"), _delete),
        Rule("audit_logs", "delete failed sign-in logs older than 1 year", axes("AccessFailureLog"), _delete),
    ]


@dataclass
class Outcome:
    dataset: str
    what: str
    count: int


def retention_plan(*, now: datetime.datetime | None = None) -> list[Outcome]:
    """What the job would do now (nothing is changed)."""
    now = now or timezone.now()
    return [Outcome(rule.dataset, rule.what, rule.rows(now).count()) for rule in _rules()]


def retention_apply(*, now: datetime.datetime | None = None) -> list[Outcome]:
    """Apply every rule; one audit entry per rule that changed something."""
    now = now or timezone.now()
    done = []
    for rule in _rules():
        rows = rule.rows(now)
        if not rows.exists():
            done.append(Outcome(rule.dataset, rule.what, 0))
            continue
        with transaction.atomic():
            count = rule.act(rows)
            audit_record(
                actor=None,
                action="retention.apply",
                actor_name="apply_retention",
                dataset=rule.dataset,
                rule=rule.what,
                count=count,
            )
        done.append(Outcome(rule.dataset, rule.what, count))
    return done
