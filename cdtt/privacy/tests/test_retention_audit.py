"""Retention enforced by a daily command, audit completeness (sync pull, refused exports, old -> new values),
and reminders before each personal-data deadline."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cdtt.activities.models import Activity
from cdtt.core.models import AuditEvent
from cdtt.households import privacy, services
from cdtt.households.models import Consent, DataSubjectRequest, Household, RequestKind
from cdtt.households.services import HouseholdIn
from cdtt.notices.models import NoticeKind, Notification
from cdtt.privacy import services as privacy_services
from conftest import Tree, Users

OLD = timezone.now() - datetime.timedelta(days=40)


def _household(users: Users, tree: Tree, name: str, **extra: Any) -> Household:
    household = services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name=name, phone="0912345674", **extra),
    )
    return Household.objects.get(pk=household.pk)


def _withdrawn(users: Users, household: Household, when: datetime.datetime) -> None:
    privacy.consent_record(
        actor=users.team_member,
        household=household,
        activity_code="household_register",
        given_by=household.head_name,
        given_at=when - datetime.timedelta(days=1),
        method="verbal",
    )
    for given in Consent.objects.filter(household=household, withdrawn_at__isnull=True):  # with the registration's
        privacy.consent_withdraw(actor=users.team_member, consent=given)
    Consent.objects.filter(household=household).update(withdrawn_at=when)


@pytest.fixture
def aged(tree: Tree, users: Users) -> dict[str, object]:
    gone = _household(users, tree, "Lý Văn Cũ")
    _withdrawn(users, gone, OLD)
    recent = _household(users, tree, "Lý Văn Mới")
    _withdrawn(users, recent, timezone.now() - datetime.timedelta(days=3))
    note = Activity.objects.create(
        kind="guidance", commune=tree.c1, village=tree.v1, occurred_on=datetime.date(2023, 1, 5), note="Ghi chú cũ"
    )
    Notification.objects.create(recipient=users.team_member, kind="announcement", title="Cũ", key="old")
    Notification.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(days=200))
    return {"gone": gone, "recent": recent, "note": note}


def test_the_dry_run_reports_and_changes_nothing(aged: dict[str, object]) -> None:
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    report = out.getvalue()
    assert "household_register: erase households 30 days after consent was withdrawn: 1" in report
    assert "notices: delete notices older than 180 days: 1" in report
    assert Household.objects.get(pk=aged["gone"].pk).erased_at is None  # type: ignore[attr-defined]
    assert not AuditEvent.objects.filter(action="retention.apply").exists()


def test_the_job_applies_each_rule_with_an_audit_entry(aged: dict[str, object]) -> None:
    call_command("apply_retention", stdout=io.StringIO())
    assert Household.objects.get(pk=aged["gone"].pk).erased_at is not None  # type: ignore[attr-defined]
    assert Household.objects.get(pk=aged["recent"].pk).erased_at is None  # type: ignore[attr-defined]
    assert Activity.objects.get(pk=aged["note"].pk).note == ""  # type: ignore[attr-defined]
    assert not Notification.objects.filter(key="old").exists()
    done = {e.details["dataset"]: e.details["count"] for e in AuditEvent.objects.filter(action="retention.apply")}
    assert done == {"household_register": 1, "activities": 1, "notices": 1}
    call_command("apply_retention", stdout=io.StringIO())  # a second run finds nothing more
    assert AuditEvent.objects.filter(action="retention.apply").count() == 3


def test_a_restricted_household_is_kept_not_erased(tree: Tree, users: Users) -> None:
    household = _household(users, tree, "Hồ Văn Giữ")
    _withdrawn(users, household, OLD)
    data_request = privacy.request_open(
        actor=users.commune_officer,
        household=household,
        kind=RequestKind.RESTRICT,
        requester="Hồ Văn Giữ",
        received_on=timezone.localdate(),
    )
    privacy.request_complete(actor=users.commune_officer, data_request=data_request)
    call_command("apply_retention", stdout=io.StringIO())
    assert Household.objects.get(pk=household.pk).erased_at is None


def test_a_sync_pull_is_audited(signed_in: Callable[..., Client], tree: Tree, users: Users) -> None:
    household = _household(users, tree, "Mai Văn Kéo")
    assert signed_in("team_member").get("/api/v1/sync/pull").status_code == 200
    event = AuditEvent.objects.get(action="sync.pull")
    assert (event.actor, event.details["households"]) == (users.team_member, [household.pk])


def test_a_refused_export_is_audited(signed_in: Callable[..., Client], tree: Tree, users: Users) -> None:
    household = _household(users, tree, "Mai Văn Xuất")
    assert signed_in("team_member").get(f"/households/{household.pk}/export.json").status_code == 403
    assert signed_in("outsider").get(f"/households/{household.pk}/export.docx").status_code == 404
    refused = AuditEvent.objects.filter(action="export.refused").order_by("id")
    assert [(e.actor_name, e.details["status"]) for e in refused] == [("team_member", 403), ("outsider", 404)]


def test_a_change_records_old_and_new_values_masked(tree: Tree, users: Users) -> None:
    household = _household(users, tree, "Trịnh Văn Cũ", members_count=3)
    services.household_update(
        actor=users.commune_officer,
        household=household,
        data=HouseholdIn(consent="verbal", head_name="Trịnh Văn Mới", phone="0987654320", members_count=4),
    )
    changes = AuditEvent.objects.get(action="household.update").details["changes"]
    assert changes["members_count"] == [3, 4]
    assert changes["phone"] == ["0912***674", "0987***320"]
    assert changes["head_name"] == ["T… V… C…", "T… V… M…"]


def test_reminders_come_before_request_and_breach_deadlines(tree: Tree, users: Users) -> None:
    household = _household(users, tree, "Đinh Văn Hỏi")
    asked = privacy.request_open(
        actor=users.commune_officer,
        household=household,
        kind=RequestKind.ACCESS,
        requester="Đinh Văn Hỏi",
        received_on=timezone.localdate(),
    )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    DataSubjectRequest.objects.filter(pk=asked.pk).update(acknowledge_due=tomorrow)
    privacy_services.breach_record(
        actor=users.commune_officer,
        unit=tree.c1,
        data=privacy_services.BreachIn(
            title="Lộ danh sách",
            description="Lộ danh sách hộ",
            discovered_at=timezone.now() - datetime.timedelta(hours=60),
            datasets=["household_register"],
        ),
    )
    call_command("send_privacy_reminders", stdout=io.StringIO())
    kinds = set(Notification.objects.filter(recipient=users.commune_officer).values_list("kind", flat=True))
    assert kinds == {NoticeKind.PRIVACY_DEADLINE, NoticeKind.BREACH_DEADLINE}
    call_command("send_privacy_reminders", stdout=io.StringIO())  # once a day, not twice
    assert Notification.objects.filter(recipient=users.commune_officer).count() == 2
