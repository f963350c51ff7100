"""``insert_many`` stores exactly what the ORM's own save stores (every kind of field the hot paths use)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from cdtt.activities.models import Activity
from cdtt.core.audit import audit_event
from cdtt.core.bulk import insert_many
from cdtt.core.models import AuditEvent
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def _stored(model: type[models.Model], pk: Any, *, skip: tuple[str, ...]) -> dict[str, Any]:
    row = model.objects.filter(pk=pk).values().get()  # type: ignore[attr-defined]
    return {name: value for name, value in row.items() if name not in skip}


def _activity(tree: Tree, users: Users, n: int) -> Activity:
    return Activity(
        uuid=uuid.UUID(int=n + 1),
        kind="propaganda",
        commune=tree.c1,
        village=tree.v1,
        channel="loudspeaker",
        people_reached=n + 3,
        note="Loa truyền thanh thôn — buổi sáng",
        occurred_on=datetime.date(2026, 3, n + 1),
        latitude=21.0285 if n % 2 else None,
        longitude=105.8542 if n % 2 else None,
        recorded_by=users.team_member,
        effects=[n, n + 1] if n % 2 else [],
        voided_at=timezone.now() if n == 2 else None,
    )


def test_rows_inserted_at_once_equal_rows_saved_one_by_one(tree: Tree, users: Users) -> None:
    many = [_activity(tree, users, n) for n in range(4)]
    before = timezone.now()

    insert_many(many)

    assert all(activity.pk is not None and not activity._state.adding for activity in many)
    assert [a.pk for a in many] == sorted(a.pk for a in many)  # in the order given
    for activity in many:
        stored = Activity.objects.get(pk=activity.pk)
        assert stored.recorded_at >= before and stored.updated_at >= before  # auto_now(_add) set
        inserted = _stored(Activity, activity.pk, skip=("id", "uuid", "recorded_at", "updated_at"))
        saved = _activity(tree, users, 0)
        saved.__dict__.update({k: v for k, v in activity.__dict__.items() if k not in ("_state", "id", "uuid")})
        saved.pk, saved.uuid = None, uuid.uuid4()
        saved.save()
        assert inserted == _stored(Activity, saved.pk, skip=("id", "uuid", "recorded_at", "updated_at"))
        assert stored.uuid == activity.uuid


def test_audit_events_with_addresses_and_details(tree: Tree, users: Users) -> None:
    events = [
        audit_event(actor=users.team_member, action="activity.create", unit=tree.c1, kind="guidance", household=7),
        audit_event(actor=None, action="auth.login_failed", actor_name="ai đó"),
    ]
    events[1].ip_address = "203.113.0.9"

    insert_many(events)

    one = _stored(AuditEvent, events[0].pk, skip=("id", "at"))
    assert one == {
        "actor_id": users.team_member.pk,
        "actor_name": "team_member",
        "action": "activity.create",
        "target_type": "",
        "target_id": "",
        "unit_id": tree.c1.pk,
        "ip_address": None,
        "details": {"kind": "guidance", "household": 7},
    }
    two = AuditEvent.objects.get(pk=events[1].pk)
    assert (two.ip_address, two.actor_name, two.details) == ("203.113.0.9", "ai đó", {})


def test_only_new_rows_of_one_model(tree: Tree, users: Users) -> None:
    saved = _activity(tree, users, 0)
    saved.save()
    with pytest.raises(ValueError):
        insert_many([saved])
    with pytest.raises(ValueError):
        insert_many([_activity(tree, users, 1), audit_event(actor=None, action="x")])
    insert_many([])
    assert Activity.objects.count() == 1
