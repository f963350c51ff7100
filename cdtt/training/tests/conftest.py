"""The training tests' world: a province course with two sessions (the second a follow-up), members of
two communes invited, attendance recorded; and another province's course, by the outsider."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.teams.models import Member, Team
from cdtt.training import services
from cdtt.training.models import Attendance, Course, Enterprise, Invitation, Presence, Session
from conftest import Tree, Users
from tests.builders import at_hour as _at  # noqa: F401 - the training tests import it from here
from tests.builders import make_active_team, make_course, make_session, phone_numbers


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


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    catalog_load()
    vneid = Platform.objects.get(code="vneid")
    other_platform = Platform.objects.exclude(pk=vneid.pk).filter(owner__isnull=True).first()
    assert other_platform is not None
    phones = phone_numbers(PHONE_PREFIX)
    t1, (m1, m2, m3) = make_active_team(
        village=tree.v1, members=["Nguyễn Thị Một", "Trần Văn Hai", "Lê Thị Ba"], phones=phones
    )
    t2, (m8,) = make_active_team(village=tree.v2, members=["Phạm Văn Tám"], phones=phones)
    t3, (m4, m5) = make_active_team(village=tree.v3, members=["Hoàng Thị Bốn", "Vũ Văn Năm"], phones=phones)
    t5, (m6, m7) = make_active_team(village=tree.v5, members=["Đặng Văn Sáu", "Bùi Thị Bảy"], phones=phones)
    Member.objects.filter(pk=m1.pk).update(user=users.team_member)
    officer, outsider = users.province_officer, users.outsider
    enterprise = services.enterprise_save(
        actor=officer,
        data=services.EnterpriseIn(
            name="VNPT Hà Nội",
            owner_id=tree.p1.pk,
            area_ids=[tree.p1.pk],
            platform_ids=[vneid.pk],
            account_ids=[users.enterprise_partner.pk],
        ),
    )
    course = make_course(
        actor=officer,
        unit=tree.p1,
        title="Tập huấn VNeID mức 2",
        days=(-10, 20),
        organiser="province",
        platform_ids=[vneid.pk],
        enterprise_id=enterprise.pk,
        covers_policy=True,
    )
    s1 = make_session(actor=officer, course=course, day=-5, place="Hội trường UBND")
    s2 = make_session(
        actor=officer,
        course=course,
        day=-2,
        mode="online",
        meeting_link="https://meet.example.vn/vneid",
        follow_up_of_id=s1.pk,
    )
    services.invitation_create(actor=officer, course=course, unit_ids=[tree.c1.pk, tree.c2.pk])
    P, A, E = Presence.PRESENT, Presence.ABSENT, Presence.EXCUSED
    In = services.AttendanceIn
    s1_rows = [In(m1.pk, P, True, Decimal("8.5")), In(m2.pk, A), In(m4.pk, P), In(m5.pk, E)]
    services.attendance_record(actor=officer, session=s1, rows=s1_rows)
    services.attendance_record(
        actor=officer, session=s2, rows=[services.AttendanceIn(m1.pk, P), services.AttendanceIn(m2.pk, P)]
    )
    other_course = make_course(
        actor=outsider,
        unit=tree.c3,
        title="Tập huấn xã Sài Gòn",
        days=(-3, 3),
        organiser="commune",
        platform_ids=[other_platform.pk],
    )
    other_session = make_session(actor=outsider, course=other_course, day=0, place="Nhà văn hóa")
    services.invitation_create(actor=outsider, course=other_course, unit_ids=[tree.c3.pk])
    services.attendance_record(actor=outsider, session=other_session, rows=[services.AttendanceIn(m6.pk, P)])
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
