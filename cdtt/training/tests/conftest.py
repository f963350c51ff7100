"""The training tests' world: a province course with two sessions (the second a follow-up), members of
two communes invited, attendance recorded; and another province's course, by the outsider."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.teams.models import Member, Membership, Team
from cdtt.training import services
from cdtt.training.models import Attendance, Course, Enterprise, Invitation, Presence, Session
from conftest import Tree, Users


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Guide files are written under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


PHONE_PREFIX = "0912000"


@dataclass
class World:
    vneid: Platform
    other_platform: Platform
    enterprise: Enterprise
    course: Course
    s1: Session
    s2: Session
    other_course: Course  # in P2, by the outsider
    other_session: Session
    members: dict[str, Member]
    teams: dict[str, Team]


def _active_team(village: Any, names: list[str], counter: list[int]) -> tuple[Team, list[Member]]:
    """An active team of ``village`` with these members, written directly (training needs rosters, not the
    proposal workflow, which tests/builders.make_team goes through)."""
    team = Team.objects.create(commune=village.commune, village=village, name=f"Tổ {village.name}", status="active")
    found = []
    for name in names:
        counter[0] += 1
        member = Member.objects.create(commune=village.commune, full_name=name, phone=f"{PHONE_PREFIX}{counter[0]:03d}")
        Membership.objects.create(team=team, member=member, joined_on=datetime.date(2025, 9, 1))
        found.append(member)
    return team, found


def _at(day: datetime.date, hour: int = 8) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    catalog_load()
    vneid = Platform.objects.get(code="vneid")
    other_platform = Platform.objects.exclude(pk=vneid.pk).filter(owner__isnull=True).first()
    assert other_platform is not None
    counter = [0]
    t1, (m1, m2, m3) = _active_team(tree.v1, ["Nguyễn Thị Một", "Trần Văn Hai", "Lê Thị Ba"], counter)
    t2, (m8,) = _active_team(tree.v2, ["Phạm Văn Tám"], counter)
    t3, (m4, m5) = _active_team(tree.v3, ["Hoàng Thị Bốn", "Vũ Văn Năm"], counter)
    t5, (m6, m7) = _active_team(tree.v5, ["Đặng Văn Sáu", "Bùi Thị Bảy"], counter)
    Member.objects.filter(pk=m1.pk).update(user=users.team_member)
    enterprise = services.enterprise_save(
        actor=users.province_officer,
        data=services.EnterpriseIn(
            name="VNPT Hà Nội",
            owner_id=tree.p1.pk,
            area_ids=[tree.p1.pk],
            platform_ids=[vneid.pk],
            account_ids=[users.enterprise_partner.pk],
        ),
    )
    today = timezone.localdate()
    course = services.course_create(
        actor=users.province_officer,
        data=services.CourseIn(
            title="Tập huấn VNeID mức 2",
            unit_id=tree.p1.pk,
            organiser="province",
            starts_on=today - datetime.timedelta(days=10),
            ends_on=today + datetime.timedelta(days=20),
            enterprise_id=enterprise.pk,
            covers_policy=True,
            platform_ids=[vneid.pk],
        ),
    )
    s1 = services.session_create(
        actor=users.province_officer,
        course=course,
        data=services.SessionIn(starts_at=_at(today - datetime.timedelta(days=5)), place="Hội trường UBND"),
    )
    s2 = services.session_create(
        actor=users.province_officer,
        course=course,
        data=services.SessionIn(
            starts_at=_at(today - datetime.timedelta(days=2)),
            mode="online",
            meeting_link="https://meet.example.vn/vneid",
            follow_up_of_id=s1.pk,
        ),
    )
    services.invitation_create(actor=users.province_officer, course=course, unit_ids=[tree.c1.pk, tree.c2.pk])
    P, A, E = Presence.PRESENT, Presence.ABSENT, Presence.EXCUSED
    services.attendance_record(
        actor=users.province_officer,
        session=s1,
        rows=[
            services.AttendanceIn(m1.pk, P, True, Decimal("8.5")),
            services.AttendanceIn(m2.pk, A),
            services.AttendanceIn(m4.pk, P),
            services.AttendanceIn(m5.pk, E),
        ],
    )
    services.attendance_record(
        actor=users.province_officer,
        session=s2,
        rows=[services.AttendanceIn(m1.pk, P), services.AttendanceIn(m2.pk, P)],
    )
    other_course = services.course_create(
        actor=users.outsider,
        data=services.CourseIn(
            title="Tập huấn xã Sài Gòn",
            unit_id=tree.c3.pk,
            organiser="commune",
            starts_on=today - datetime.timedelta(days=3),
            ends_on=today + datetime.timedelta(days=3),
            platform_ids=[other_platform.pk],
        ),
    )
    other_session = services.session_create(
        actor=users.outsider, course=other_course, data=services.SessionIn(starts_at=_at(today), place="Nhà văn hóa")
    )
    services.invitation_create(actor=users.outsider, course=other_course, unit_ids=[tree.c3.pk])
    services.attendance_record(actor=users.outsider, session=other_session, rows=[services.AttendanceIn(m6.pk, P)])
    return World(
        vneid=vneid,
        other_platform=other_platform,
        enterprise=enterprise,
        course=course,
        s1=s1,
        s2=s2,
        other_course=other_course,
        other_session=other_session,
        members={"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5, "m6": m6, "m7": m7, "m8": m8},
        teams={"t1": t1, "t2": t2, "t3": t3, "t5": t5},
    )


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        list(Course.objects.order_by("pk").values_list("pk", "title")),
        list(Session.objects.order_by("pk").values_list("pk", "starts_at", "cancelled_at", "cancel_reason")),
        list(Invitation.objects.order_by("pk").values_list("pk", "member_id")),
        list(Attendance.objects.order_by("pk").values_list("pk", "status", "completed", "score")),
    )
