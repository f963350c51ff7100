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
    assert signed_in("team_member").get(f"/ho-gia-dinh/{household.pk}/xuat.json").status_code == 403
    assert signed_in("outsider").get(f"/ho-gia-dinh/{household.pk}/xuat.docx").status_code == 404
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


# -- retention of difficulty photos, background task results and team records --------------------

LONG_AGO = timezone.now() - datetime.timedelta(days=3 * 365)


def _photo(tree: Tree, resolved_at: datetime.datetime | None) -> Any:
    from django.core.files.base import ContentFile

    from cdtt.difficulties.models import Difficulty, DifficultyPhoto

    difficulty = Difficulty.objects.create(
        unit=tree.c1,
        handler_unit=tree.c1,
        category="other",
        title="Không cài được",
        description="Máy cũ",
        due_on=timezone.localdate(),
        status="resolved" if resolved_at else "open",
        resolved_at=resolved_at,
    )
    photo = DifficultyPhoto(difficulty=difficulty, content_type="image/png", width=1, height=1, size=1)
    photo.file.save("anh.png", ContentFile(b"\x89PNG"), save=False)
    photo.save()
    return photo


@pytest.fixture
def staff_aged(tree: Tree, settings: Any, tmp_path: Any) -> dict[str, Any]:
    from django.apps import apps

    from cdtt.teams.models import Member, Membership, Team

    settings.MEDIA_ROOT = tmp_path / "media"
    old_photo, new_photo = _photo(tree, LONG_AGO), _photo(tree, None)
    tasks = apps.get_model("django_tasks_database", "DBTaskResult")
    common: dict[str, Any] = {"args_kwargs": {"args": [1], "kwargs": {}}, "task_path": "x.y", "backend_name": "default"}
    common |= {"run_after": timezone.now(), "exception_class_path": "", "traceback": ""}
    finished = tasks.objects.create(status="SUCCESSFUL", finished_at=OLD, **common)
    running = tasks.objects.create(status="RUNNING", **common)
    team = Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ thôn 1")
    left = Member.objects.create(commune=tree.c1, full_name="Phí Văn Xưa", phone="0912345688", gender="male")
    Membership.objects.create(
        team=team, member=left, joined_on=datetime.date(2015, 1, 1), left_on=datetime.date(2019, 1, 1)
    )
    recent = Member.objects.create(commune=tree.c1, full_name="Phí Văn Gần", phone="0912345689")
    Membership.objects.create(
        team=team, member=recent, joined_on=datetime.date(2015, 1, 1), left_on=datetime.date(2024, 1, 1)
    )
    return {"photos": (old_photo, new_photo), "tasks": (finished, running), "members": (left, recent)}


def test_the_dry_run_reports_photos_task_results_and_members(staff_aged: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    report = out.getvalue()
    assert "difficulties: delete the photos of difficulties resolved more than 2 years ago: 1" in report
    assert "technical: delete background task results finished more than 30 days ago: 1" in report
    assert "team_members: erase members 5 years after they left their last team: 1" in report
    old_photo = staff_aged["photos"][0]
    assert type(old_photo).objects.filter(pk=old_photo.pk).exists()
    assert not AuditEvent.objects.filter(action__in=("retention.apply", "staff.erase")).exists()


def test_the_job_removes_old_photos_task_results_and_member_details(staff_aged: dict[str, Any]) -> None:
    from django.core.files.storage import default_storage

    from cdtt.privacy.staff import ERASED_NAME

    old_photo, new_photo = staff_aged["photos"]
    call_command("apply_retention", stdout=io.StringIO())
    model = type(old_photo)
    assert not model.objects.filter(pk=old_photo.pk).exists()
    assert not default_storage.exists(old_photo.file.name)
    assert model.objects.filter(pk=new_photo.pk).exists() and default_storage.exists(new_photo.file.name)
    finished, running = staff_aged["tasks"]
    assert list(type(finished).objects.values_list("pk", flat=True)) == [running.pk]
    left, recent = (type(m).objects.get(pk=m.pk) for m in staff_aged["members"])
    assert (left.full_name, left.phone, left.gender) == (ERASED_NAME, "", "male")
    assert recent.full_name == "Phí Văn Gần"
    done = {e.details["dataset"]: e.details["count"] for e in AuditEvent.objects.filter(action="retention.apply")}
    assert done == {"difficulties": 1, "technical": 1, "team_members": 1}
    erased = AuditEvent.objects.get(action="staff.erase")
    assert (erased.actor_name, erased.details["reason"]) == ("apply_retention", "retention")
