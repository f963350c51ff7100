"""Erasure of the platform's own people: a team member who left (with their account) and a trainer named in
sessions; the name, phone and free text naming them are redacted, counts are kept, it is audited and scoped."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.activities.models import Activity
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.privacy import staff
from cdtt.teams.models import Member, Membership, Team
from cdtt.training.models import Course, Session
from conftest import Tree, Users

NAME = "Vương Văn Rời"
PHONE = "0912345655"
TRAINER = "Tạ Thị Giảng"


@pytest.fixture
def gone(tree: Tree) -> Member:
    """A member who left the V1 team last year, with an account of their own."""
    account = User.objects.create(username="vuongroi", full_name=NAME, phone=PHONE, email="roi@example.vn")
    member = Member.objects.create(
        commune=tree.c1,
        full_name=NAME,
        phone=PHONE,
        birth_year=1980,
        gender="male",
        occupation="Giáo viên",
        user=account,
    )
    team = Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ thôn 1")
    Membership.objects.create(
        team=team,
        member=member,
        joined_on=datetime.date(2024, 1, 1),
        left_on=datetime.date(2025, 6, 1),
        left_reason=f"{NAME} chuyển công tác",
    )
    Activity.objects.create(
        kind="guidance",
        commune=tree.c1,
        village=tree.v1,
        occurred_on=timezone.localdate(),
        note=f"Anh {NAME} (đt {PHONE}) hướng dẫn",
    )
    return member


def test_a_member_who_left_is_erased_with_their_account_and_every_mention(users: Users, gone: Member) -> None:
    redacted = staff.member_erase(actor=users.commune_officer, member=gone)

    member = Member.objects.get(pk=gone.pk)
    assert (member.full_name, member.phone, member.birth_year, member.occupation) == (staff.ERASED_NAME, "", None, "")
    assert member.gender == "male"  # the team figures by gender stay
    account = User.objects.get(pk=gone.user_id or 0)
    assert (account.full_name, account.phone, account.email, account.is_active) == ("", "", "", False)
    assert NAME not in account.username and not account.has_usable_password()
    assert NAME not in Membership.objects.get(member=member).left_reason
    note = Activity.objects.get().note
    assert NAME not in note and "345655" not in note
    assert Membership.objects.filter(member=member).count() == 1  # counts kept
    event = AuditEvent.objects.get(action="staff.erase")
    assert event.details["redacted"] == redacted
    assert redacted["activities.Activity.note"] == 1


def test_a_member_still_on_a_team_is_not_erased(users: Users, gone: Member) -> None:
    Membership.objects.filter(member=gone).update(left_on=None)
    with pytest.raises(DomainError):
        staff.member_erase(actor=users.commune_officer, member=gone)
    assert Member.objects.get(pk=gone.pk).full_name == NAME
    assert not AuditEvent.objects.filter(action="staff.erase").exists()


def test_a_trainer_is_erased_from_the_training_records_of_the_unit(tree: Tree, users: Users) -> None:
    course = Course.objects.create(
        organiser="commune",
        unit=tree.c1,
        title="Kỹ năng số",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        description=f"Giảng viên: {TRAINER}",
    )
    session = Session.objects.create(course=course, starts_at=timezone.now(), trainers=f"{TRAINER}, Lê Văn Ở Lại")
    staff.trainer_erase(actor=users.commune_officer, unit=tree.c1, name=TRAINER)
    session.refresh_from_db()
    assert TRAINER not in session.trainers and "Lê Văn Ở Lại" in session.trainers
    assert TRAINER not in Course.objects.get(pk=course.pk).description
    assert AuditEvent.objects.get(action="staff.erase_trainer").details["redacted"]["training.Session.trainers"] == 1


# -- scope ----------------------------------------------------------------------------------------


def test_the_member_page_is_refused_to_anonymous_users(gone: Member) -> None:
    response = Client().post(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/")
    assert response.status_code in (302, 401, 403)
    assert Member.objects.get(pk=gone.pk).full_name == NAME


def test_the_member_page_is_forbidden_to_a_team_leader(signed_in: Callable[..., Client], gone: Member) -> None:
    assert signed_in("team_leader").post(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/").status_code == 403
    assert Member.objects.get(pk=gone.pk).full_name == NAME


def test_the_member_page_is_not_found_for_another_commune(signed_in: Callable[..., Client], gone: Member) -> None:
    assert signed_in("outsider").get(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/").status_code == 404
    assert signed_in("outsider").post(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/").status_code == 404
    assert Member.objects.get(pk=gone.pk).full_name == NAME


def test_the_commune_officer_erases_from_the_member_page(signed_in: Callable[..., Client], gone: Member) -> None:
    client = signed_in("commune_officer")
    assert NAME in client.get(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/").content.decode()
    page = client.post(f"/du-lieu-ca-nhan/thanh-vien/{gone.pk}/xoa/", follow=True).content.decode()
    assert "Đã xóa dữ liệu cá nhân" in page
    assert Member.objects.get(pk=gone.pk).full_name == staff.ERASED_NAME


def test_the_trainer_page_is_scoped(signed_in: Callable[..., Client], tree: Tree) -> None:
    data = {"unit": str(tree.c1.pk), "name": TRAINER}
    anonymous = Client().post("/du-lieu-ca-nhan/giang-vien/xoa/", data)
    assert anonymous.status_code in (302, 401, 403)
    assert signed_in("team_leader").post("/du-lieu-ca-nhan/giang-vien/xoa/", data).status_code == 403
    other = signed_in("outsider").post("/du-lieu-ca-nhan/giang-vien/xoa/", data)
    assert other.status_code == 400  # C1 is not among the outsider's units: not a valid choice, nothing done
    assert signed_in("commune_officer").post("/du-lieu-ca-nhan/giang-vien/xoa/", data).status_code == 302
    assert [e.actor_name for e in AuditEvent.objects.filter(action="staff.erase_trainer")] == ["commune_officer"]


def test_a_trainer_of_another_units_records_is_not_found(tree: Tree, users: Users) -> None:
    with pytest.raises(NotFound):
        staff.trainer_erase(actor=users.outsider, unit=tree.c1, name=TRAINER)
    with pytest.raises(Forbidden):
        staff.trainer_erase(actor=users.team_leader, unit=tree.c1, name=TRAINER)
