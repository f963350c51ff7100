"""Training: the scope of every page and endpoint, coverage figures against raw attendance, bad input
(session outside its course, attendance for someone not invited, bad sheet rows), enterprise partners
never seeing named people, materials, histories and the network view."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cdtt.access.scope import scope_for
from cdtt.accounts.models import Role, RoleAssignment
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.geo.models import AdminUnit
from cdtt.teams.models import Membership, Team
from cdtt.training import selectors, services, sheets
from cdtt.training.models import Attendance, Course, Enterprise, Invitation, Material, Presence, Session
from cdtt.training.tests.conftest import PHONE_PREFIX, World, _at, state
from conftest import Tree, Users, make_user

pytestmark = pytest.mark.django_db

# -- the scope of every page and endpoint -------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World, Tree], str]
    wrong_role: str
    right_user: str
    ok: int
    other: Callable[[World, Tree], str] | None = None
    data: Callable[[World, Tree], dict[str, Any]] | None = None
    api: bool = False


def _today(delta: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=delta)).isoformat()


CASES = [
    Case("courses", "get", lambda w, t: "/dao-tao/", "team_member", "province_officer", 200),
    Case("courses for a partner", "get", lambda w, t: "/dao-tao/", "leader", "enterprise_partner", 200),
    Case("my training", "get", lambda w, t: "/dao-tao/cua-toi/", "leader", "team_member", 200),
    Case("course form", "get", lambda w, t: "/dao-tao/khoa/moi/", "team_leader", "commune_officer", 200),
    Case(
        "course create",
        "post",
        lambda w, t: "/dao-tao/khoa/moi/",
        "team_leader",
        "commune_officer",
        302,
        data=lambda w, t: {
            "title": "Tập huấn xã",
            "organiser": "commune",
            "unit": t.c1.pk,
            "platforms": [w.vneid.pk],
            "starts_on": _today(),
            "ends_on": _today(5),
        },
    ),
    Case(
        "course",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/",
        "team_member",
        "commune_officer",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/",
    ),
    Case(
        "course for its partner",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/",
        "leader",
        "enterprise_partner",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/",
    ),
    Case(
        "course edit",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/sua/",
        "team_leader",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/sua/",
    ),
    Case(
        "session form",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/buoi/moi/",
        "team_leader",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/buoi/moi/",
    ),
    Case(
        "session create",
        "post",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/buoi/moi/",
        "team_leader",
        "province_officer",
        302,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/buoi/moi/",
        data=lambda w, t: {"mode": "in_person", "starts_at": _today(1) + "T14:00", "place": "Nhà văn hóa"},
    ),
    Case(
        "session edit",
        "post",
        lambda w, t: f"/dao-tao/buoi/{w.s2.pk}/sua/",
        "team_leader",
        "enterprise_partner",
        302,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/sua/",
        data=lambda w, t: {
            "mode": "online",
            "starts_at": _today() + "T07:30",
            "meeting_link": "https://meet.example.vn/moi",
            "follow_up_of": w.s1.pk,
        },
    ),
    Case(
        "invite",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/moi-hoc/",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/moi-hoc/",
    ),
    Case(
        "attendance",
        "get",
        lambda w, t: f"/dao-tao/buoi/{w.s1.pk}/diem-danh/",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/diem-danh/",
    ),
    Case(
        "attendance sheet",
        "get",
        lambda w, t: f"/dao-tao/buoi/{w.s1.pk}/diem-danh.xlsx",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/diem-danh.xlsx",
    ),
    Case(
        "attendance import",
        "get",
        lambda w, t: f"/dao-tao/buoi/{w.s1.pk}/nhap-diem-danh/",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/nhap-diem-danh/",
    ),
    Case(
        "member history",
        "get",
        lambda w, t: f"/dao-tao/thanh-vien/{w.members['m1'].pk}/",
        "enterprise_partner",
        "commune_officer",
        200,
        other=lambda w, t: f"/dao-tao/thanh-vien/{w.members['m6'].pk}/",
    ),
    Case(
        "coverage",
        "get",
        lambda w, t: f"/dao-tao/don-vi/{t.p1.pk}/",
        "nobody",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/don-vi/{t.p2.pk}/",
    ),
    Case(
        "course delete form",
        "get",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/xoa/",
        "team_leader",
        "enterprise_partner",
        200,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/xoa/",
    ),
    Case(
        "session delete form",
        "get",
        lambda w, t: f"/dao-tao/buoi/{w.s2.pk}/xoa/",
        "team_member",
        "province_officer",
        200,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/xoa/",
    ),
    Case(
        "session cancel",
        "post",
        lambda w, t: f"/dao-tao/buoi/{w.s2.pk}/huy/",
        "team_leader",
        "province_officer",
        302,
        other=lambda w, t: f"/dao-tao/buoi/{w.other_session.pk}/huy/",
        data=lambda w, t: {"reason": "Mất điện"},
    ),
    Case(
        "invitation revoke",
        "post",
        lambda w, t: f"/dao-tao/khoa/{w.course.pk}/moi-hoc/{w.members['m3'].pk}/thu-hoi/",
        "enterprise_partner",
        "province_officer",
        302,
        other=lambda w, t: f"/dao-tao/khoa/{w.other_course.pk}/moi-hoc/{w.members['m7'].pk}/thu-hoi/",
    ),
    Case("materials", "get", lambda w, t: "/dao-tao/tai-lieu/", "leader", "team_member", 200),
    Case("material form", "get", lambda w, t: "/dao-tao/tai-lieu/moi/", "team_member", "province_officer", 200),
    Case("enterprises", "get", lambda w, t: "/dao-tao/doanh-nghiep/", "team_member", "province_officer", 200),
    Case(
        "enterprise form",
        "get",
        lambda w, t: "/dao-tao/doanh-nghiep/moi/",
        "enterprise_partner",
        "province_officer",
        200,
    ),
    Case(
        "enterprise",
        "get",
        lambda w, t: f"/dao-tao/doanh-nghiep/{w.enterprise.pk}/",
        "team_member",
        "enterprise_partner",
        200,
    ),
    Case(
        "enterprise edit",
        "get",
        lambda w, t: f"/dao-tao/doanh-nghiep/{w.enterprise.pk}/sua/",
        "enterprise_partner",
        "province_officer",
        200,
    ),
    Case("network", "get", lambda w, t: "/mang-luoi/", "province_officer", "national_admin", 200),
    Case("network sheet", "get", lambda w, t: "/mang-luoi/tai-ve.xlsx", "leader", "national_admin", 200),
    # -- the API
    Case(
        "api courses", "get", lambda w, t: "/api/v1/training/courses", "team_member", "province_officer", 200, api=True
    ),
    Case(
        "api course",
        "get",
        lambda w, t: f"/api/v1/training/courses/{w.course.pk}",
        "team_member",
        "province_officer",
        200,
        other=lambda w, t: f"/api/v1/training/courses/{w.other_course.pk}",
        api=True,
    ),
    Case(
        "api course create",
        "post",
        lambda w, t: "/api/v1/training/courses",
        "team_leader",
        "province_officer",
        200,
        data=lambda w, t: {
            "title": "Khóa mới",
            "unit_id": t.p1.pk,
            "organiser": "province",
            "starts_on": _today(),
            "ends_on": _today(3),
            "platforms": ["vneid"],
        },
        api=True,
    ),
    Case(
        "api session create",
        "post",
        lambda w, t: f"/api/v1/training/courses/{w.course.pk}/sessions",
        "team_leader",
        "province_officer",
        200,
        other=lambda w, t: f"/api/v1/training/courses/{w.other_course.pk}/sessions",
        data=lambda w, t: {"starts_at": _today(1) + "T08:00:00", "place": "Hội trường"},
        api=True,
    ),
    Case(
        "api invite",
        "post",
        lambda w, t: f"/api/v1/training/courses/{w.course.pk}/invitations",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/api/v1/training/courses/{w.other_course.pk}/invitations",
        data=lambda w, t: {"unit_ids": [t.c1.pk]},
        api=True,
    ),
    Case(
        "api attendance",
        "post",
        lambda w, t: f"/api/v1/training/sessions/{w.s2.pk}/attendance",
        "enterprise_partner",
        "province_officer",
        200,
        other=lambda w, t: f"/api/v1/training/sessions/{w.other_session.pk}/attendance",
        data=lambda w, t: {"rows": [{"member_id": w.members["m4"].pk, "status": "present"}]},
        api=True,
    ),
    Case(
        "api coverage",
        "get",
        lambda w, t: f"/api/v1/training/units/{t.c1.pk}/coverage",
        "nobody",
        "commune_officer",
        200,
        other=lambda w, t: f"/api/v1/training/units/{t.c3.pk}/coverage",
        api=True,
    ),
    Case(
        "api session cancel",
        "post",
        lambda w, t: f"/api/v1/training/sessions/{w.s2.pk}/cancel",
        "team_leader",
        "province_officer",
        200,
        other=lambda w, t: f"/api/v1/training/sessions/{w.other_session.pk}/cancel",
        data=lambda w, t: {"reason": "Giảng viên ốm"},
        api=True,
    ),
    Case(
        "api invitation revoke",
        "delete",
        lambda w, t: f"/api/v1/training/courses/{w.course.pk}/invitations/{w.members['m3'].pk}",
        "enterprise_partner",
        "province_officer",
        204,
        other=lambda w, t: f"/api/v1/training/courses/{w.other_course.pk}/invitations/{w.members['m7'].pk}",
        api=True,
    ),
    Case("api materials", "get", lambda w, t: "/api/v1/training/materials", "nobody", "team_member", 200, api=True),
    Case("api my training", "get", lambda w, t: "/api/v1/training/me", "leader", "team_member", 200, api=True),
    Case("api network", "get", lambda w, t: "/api/v1/training/network", "leader", "national_admin", 200, api=True),
]


def _call(client: Client, case: Case, url: str, world: World, tree: Tree) -> Any:
    data = case.data(world, tree) if case.data else {}
    if case.api:
        return client.generic(case.method.upper(), url, json.dumps(data), content_type="application/json")
    return getattr(client, case.method)(url, data)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_anonymous_visitors_are_refused(client: Client, world: World, tree: Tree, case: Case) -> None:
    response = _call(client, case, case.url(world, tree), world, tree)
    if case.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_the_wrong_role_gets_403(
    signed_in: Callable[..., Client], world: World, tree: Tree, users: Users, case: Case
) -> None:
    # For the network, the wrong role is a province leader: it holds the permission, not at national level.
    response = _call(signed_in(case.wrong_role), case, case.url(world, tree), world, tree)
    assert response.status_code == 403


@pytest.mark.parametrize("case", [c for c in CASES if c.other], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_another_units_object_is_404(signed_in: Callable[..., Client], world: World, tree: Tree, case: Case) -> None:
    assert case.other is not None
    before = state()
    response = _call(signed_in(case.right_user), case, case.other(world, tree), world, tree)
    assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize("case", [c for c in CASES if c.method != "get"], ids=lambda c: c.name)
def test_a_refused_write_changes_nothing(
    signed_in: Callable[..., Client], world: World, tree: Tree, case: Case
) -> None:
    before = state()
    assert _call(Client(), case, case.url(world, tree), world, tree).status_code in (302, 401)
    assert _call(signed_in(case.wrong_role), case, case.url(world, tree), world, tree).status_code == 403
    assert state() == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_right_user_gets_through(signed_in: Callable[..., Client], world: World, tree: Tree, case: Case) -> None:
    response = _call(signed_in(case.right_user), case, case.url(world, tree), world, tree)
    assert response.status_code == case.ok, getattr(response, "content", b"")[:500]


def test_the_writes_of_the_matrix_happened(signed_in: Callable[..., Client], world: World, tree: Tree) -> None:
    officer = signed_in("commune_officer")
    case = next(c for c in CASES if c.name == "course create")
    _call(officer, case, case.url(world, tree), world, tree)
    assert Course.objects.filter(title="Tập huấn xã", unit=tree.c1).exists()
    case = next(c for c in CASES if c.name == "api attendance")
    response = _call(signed_in("province_officer"), case, case.url(world, tree), world, tree)
    assert response.json() == {"recorded": 1}
    assert Attendance.objects.get(session=world.s2, invitation__member=world.members["m4"]).status == "present"


# -- coverage figures equal counts from raw attendance ---------------------------------------------------------


def _raw(unit: AdminUnit) -> dict[str, Any]:
    """The same figures counted by hand from every row, without the selectors' queries."""
    memberships = [
        m
        for m in Membership.objects.select_related("team__commune", "member")
        if m.left_on is None and m.team.status in ("proposed", "active") and m.team.commune.path.startswith(unit.path)
    ]
    members = {m.member_id: m.team_id for m in memberships}
    present = [
        a
        for a in Attendance.objects.select_related("invitation__course", "session")
        if a.status == "present" and a.session.cancelled_at is None  # a cancelled session counts nowhere
    ]
    trained_any = {a.invitation.member_id for a in present} & set(members)
    per_platform: dict[int, set[int]] = {}
    for a in present:
        for platform in a.invitation.course.platforms.all():
            if a.invitation.member_id in members:
                per_platform.setdefault(platform.pk, set()).add(a.invitation.member_id)
    teams_per_platform = {p: {members[m] for m in ms} for p, ms in per_platform.items()}
    enterprise_people: dict[int, set[int]] = {}
    enterprise_courses: dict[int, set[int]] = {}
    for invitation in Invitation.objects.select_related("course", "commune"):
        if invitation.course.enterprise_id and invitation.commune.path.startswith(unit.path):
            enterprise_courses.setdefault(invitation.course.enterprise_id, set()).add(invitation.course_id)
            if any(a in present for a in invitation.attendances.all()):  # type: ignore[attr-defined]
                enterprise_people.setdefault(invitation.course.enterprise_id, set()).add(invitation.member_id)
    teams = [t for t in Team.objects.select_related("commune") if t.is_open and t.commune.path.startswith(unit.path)]
    return {
        "members": len(members),
        "teams": len(teams),
        "trained_any": len(trained_any),
        "untrained": len(members) - len(trained_any),
        "per_platform": {p: len(ms) for p, ms in per_platform.items()},
        "teams_per_platform": {p: len(ts) for p, ts in teams_per_platform.items()},
        "enterprise_courses": {e: len(cs) for e, cs in enterprise_courses.items()},
        "enterprise_people": {e: len(ps) for e, ps in enterprise_people.items()},
    }


@pytest.mark.parametrize("cancelled", [False, True], ids=["all held", "one cancelled"])
@pytest.mark.parametrize("unit_name", ["vn", "p1", "p2", "c1", "c2", "c3", "c4"])
def test_coverage_equals_the_counts_from_raw_attendance(
    world: World, tree: Tree, users: Users, unit_name: str, cancelled: bool
) -> None:
    if cancelled:  # the first session, with attendance taken: m4 was present only there
        services.session_cancel(actor=users.province_officer, session=world.s1, reason="Hoãn vì bão")
    unit = getattr(tree, unit_name)
    found = selectors.coverage_of(unit)
    raw = _raw(unit)
    assert found.members == raw["members"]
    assert found.teams == raw["teams"]
    assert found.trained_any == raw["trained_any"]
    assert found.untrained == raw["untrained"]
    for row in found.platforms:
        assert row.trained == raw["per_platform"].get(row.platform.pk, 0)
        assert row.teams_trained == raw["teams_per_platform"].get(row.platform.pk, 0)
    assert {e.enterprise.pk: e.courses for e in found.enterprises} == raw["enterprise_courses"]
    assert {e.enterprise.pk: e.people for e in found.enterprises} == {
        e: raw["enterprise_people"].get(e, 0) for e in raw["enterprise_courses"]
    }


def test_coverage_in_numbers(world: World, tree: Tree) -> None:
    p1 = selectors.coverage_of(tree.p1)
    assert (p1.members, p1.teams, p1.trained_any, p1.untrained) == (6, 3, 3, 3)  # m1, m2, m4 of 6
    vneid = next(p for p in p1.platforms if p.platform == world.vneid)
    assert (vneid.trained, vneid.teams_trained, vneid.share, vneid.team_share) == (3, 2, 50.0, 66.7)
    assert [(e.enterprise.name, e.courses, e.sessions, e.people) for e in p1.enterprises] == [("VNPT Hà Nội", 1, 2, 3)]
    c3 = selectors.coverage_of(tree.c3)
    assert (c3.members, c3.trained_any) == (2, 1)
    assert next(p for p in c3.platforms if p.platform == world.other_platform).trained == 1


def test_coverage_does_not_grow_with_the_data(world: World, tree: Tree, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        selectors.coverage_of(tree.vn)


def test_a_member_who_left_no_longer_counts(world: World, tree: Tree) -> None:
    Membership.objects.filter(member=world.members["m4"]).update(left_on=timezone.localdate())
    c2 = selectors.coverage_of(tree.c2)
    assert (c2.members, c2.trained_any) == (1, 0)


# -- bad input ----------------------------------------------------------------------------------------------


def test_a_session_outside_its_courses_dates_is_refused(world: World, users: Users) -> None:
    before = Session.objects.count()
    late = world.course.ends_on + datetime.timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        services.session_create(
            actor=users.province_officer, course=world.course, data=services.SessionIn(starts_at=_at(late), place="X")
        )
    assert "ngoài thời gian của khóa" in caught.value.message
    assert late.strftime("%d/%m/%Y") in caught.value.message
    assert Session.objects.count() == before


def test_the_session_form_shows_the_vietnamese_reason(signed_in: Callable[..., Client], world: World) -> None:
    early = (world.course.starts_on - datetime.timedelta(days=1)).isoformat()
    response = signed_in("province_officer").post(
        f"/dao-tao/khoa/{world.course.pk}/buoi/moi/", {"mode": "in_person", "starts_at": early + "T08:00", "place": "X"}
    )
    assert response.status_code == 400
    assert "ngoài thời gian của khóa" in response.content.decode()


def test_course_dates_cannot_leave_a_session_outside(world: World, users: Users) -> None:
    data = services.CourseIn(
        title=world.course.title,
        unit_id=world.course.unit_id,
        organiser="province",
        starts_on=timezone.localdate(),
        ends_on=world.course.ends_on,
        enterprise_id=world.enterprise.pk,
        platform_ids=[world.vneid.pk],
    )
    with pytest.raises(DomainError):
        services.course_update(actor=users.province_officer, course=world.course, data=data)
    world.course.refresh_from_db()
    assert world.course.starts_on < timezone.localdate()


def test_attendance_for_someone_not_invited_is_refused(world: World, users: Users) -> None:
    before = list(Attendance.objects.order_by("pk").values_list("pk", "status"))
    rows = [
        services.AttendanceIn(world.members["m3"].pk, Presence.PRESENT),  # invited: fine on its own
        services.AttendanceIn(world.members["m6"].pk, Presence.PRESENT),  # another province's member
    ]
    with pytest.raises(DomainError) as caught:
        services.attendance_record(actor=users.province_officer, session=world.s2, rows=rows)
    assert "không được mời" in caught.value.message
    assert "Không có gì thay đổi" in caught.value.message
    assert list(Attendance.objects.order_by("pk").values_list("pk", "status")) == before


def test_the_api_refuses_attendance_for_someone_not_invited(signed_in: Callable[..., Client], world: World) -> None:
    response = signed_in("province_officer").post(
        f"/api/v1/training/sessions/{world.s2.pk}/attendance",
        json.dumps({"rows": [{"member_id": world.members["m7"].pk, "status": "present"}]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith(f"Thành viên số {world.members['m7'].pk}: người này không được mời")
    assert detail.endswith("Không có gì thay đổi.")
    empty = signed_in("province_officer").post(
        f"/api/v1/training/sessions/{world.s2.pk}/attendance", json.dumps({"rows": []}), content_type="application/json"
    )
    assert empty.status_code == 400


def test_completion_needs_presence_and_a_score_stays_in_range(world: World, users: Users) -> None:
    m3 = world.members["m3"].pk
    for row in (
        services.AttendanceIn(m3, Presence.ABSENT, completed=True),
        services.AttendanceIn(m3, Presence.PRESENT, score=Decimal("101")),
        services.AttendanceIn(m3, "late"),
    ):
        with pytest.raises(DomainError):
            services.attendance_record(actor=users.province_officer, session=world.s2, rows=[row])
    assert not Attendance.objects.filter(invitation__member_id=m3).exists()


def test_a_partner_or_a_commune_officer_cannot_record_attendance_of_a_province_course(
    world: World, users: Users
) -> None:
    rows = [services.AttendanceIn(world.members["m3"].pk, Presence.PRESENT)]
    for actor in (users.enterprise_partner, users.commune_officer):
        with pytest.raises(Forbidden):
            services.attendance_record(actor=actor, session=world.s2, rows=rows)


def test_inviting_twice_invites_nobody_twice(world: World, users: Users, tree: Tree) -> None:
    new, already = services.invitation_create(actor=users.province_officer, course=world.course, unit_ids=[tree.c1.pk])
    assert (new, already) == (0, 4)
    assert Invitation.objects.filter(course=world.course).count() == 6


def test_inviting_another_provinces_commune_is_404(world: World, users: Users, tree: Tree) -> None:
    with pytest.raises(NotFound):
        services.invitation_create(actor=users.province_officer, course=world.course, unit_ids=[tree.c3.pk])


# -- attendance sheets ----------------------------------------------------------------------------------------


def _export(client: Client, session: Session) -> Any:
    response = client.get(f"/dao-tao/buoi/{session.pk}/diem-danh.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]


def _upload(client: Client, session: Session, workbook: Any) -> Any:
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("diem-danh.xlsx", out.getvalue())
    return client.post(f"/dao-tao/buoi/{session.pk}/nhap-diem-danh/", {"file": upload})


def test_the_sheet_round_trip_records_attendance(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("province_officer")
    workbook = _export(client, world.s2)
    sheet = workbook.active
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    assert len(rows) == 6
    m3 = rows[sheets.member_code(world.members["m3"].pk)]
    sheet.cell(m3, 5).value = "Có mặt"
    sheet.cell(m3, 6).value = "Có"
    sheet.cell(m3, 7).value = "9,5"
    m8 = rows[sheets.member_code(world.members["m8"].pk)]
    sheet.cell(m8, 5).value = "vắng có phép"
    response = _upload(client, world.s2, workbook)
    assert response.status_code == 302
    got = Attendance.objects.get(session=world.s2, invitation__member=world.members["m3"])
    assert (got.status, got.completed, got.score) == ("present", True, Decimal("9.5"))
    assert Attendance.objects.get(session=world.s2, invitation__member=world.members["m8"]).status == "excused"


def test_a_bad_sheet_row_changes_nothing(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("province_officer")
    workbook = _export(client, world.s2)
    sheet = workbook.active
    rows = {sheet.cell(r, 1).value: r for r in range(3, sheet.max_row + 1)}
    sheet.cell(rows[sheets.member_code(world.members["m3"].pk)], 5).value = "Có mặt"  # a good row
    bad = rows[sheets.member_code(world.members["m8"].pk)]
    sheet.cell(bad, 5).value = "Đi muộn"
    stranger = sheet.max_row + 1
    sheet.cell(stranger, 1).value = sheets.member_code(world.members["m6"].pk)
    sheet.cell(stranger, 5).value = "Có mặt"
    before = list(Attendance.objects.order_by("pk").values_list("pk", "status", "completed", "score"))
    response = _upload(client, world.s2, workbook)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Dòng {bad}:" in page and "Đi muộn" in page
    assert f"Dòng {stranger}:" in page and "không được mời" in page
    assert list(Attendance.objects.order_by("pk").values_list("pk", "status", "completed", "score")) == before


def test_a_file_that_is_not_a_sheet_is_refused(signed_in: Callable[..., Client], world: World) -> None:
    upload = SimpleUploadedFile("diem-danh.xlsx", b"not a spreadsheet")
    response = signed_in("province_officer").post(f"/dao-tao/buoi/{world.s2.pk}/nhap-diem-danh/", {"file": upload})
    assert response.status_code == 400


# -- enterprise partners never see personal data -------------------------------------------------------------


def _names_and_phones(world: World) -> list[str]:
    return [m.full_name for m in world.members.values()] + [PHONE_PREFIX]


def test_enterprise_partners_never_see_names_or_phones(
    signed_in: Callable[..., Client], world: World, tree: Tree
) -> None:
    partner = signed_in("enterprise_partner")
    pages = [
        "/dao-tao/",
        f"/dao-tao/khoa/{world.course.pk}/",
        f"/dao-tao/doanh-nghiep/{world.enterprise.pk}/",
        "/dao-tao/doanh-nghiep/",
        f"/dao-tao/don-vi/{tree.p1.pk}/",
        "/api/v1/training/courses",
        f"/api/v1/training/courses/{world.course.pk}",
        f"/api/v1/training/units/{tree.p1.pk}/coverage",
    ]
    for url in pages:
        response = partner.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in _names_and_phones(world):
            assert secret not in body, (url, secret)
    detail = partner.get(f"/api/v1/training/courses/{world.course.pk}").json()
    assert detail["invitations"] is None
    assert detail["sessions"][0]["present"] == 2  # counts, yes
    # The officer's view of the same course does list the people.
    officer = signed_in("province_officer").get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    assert "Nguyễn Thị Một" in officer


def test_the_partner_sees_uptake_of_its_platforms_in_its_areas(
    signed_in: Callable[..., Client], world: World, tree: Tree
) -> None:
    page = signed_in("enterprise_partner").get(f"/dao-tao/doanh-nghiep/{world.enterprise.pk}/").content.decode()
    assert "Tập huấn VNeID mức 2" in page
    assert tree.p1.name in page
    uptake = selectors.enterprise_uptake(world.enterprise)
    assert [a.area for a in uptake] == [tree.p1]
    codes = {f.indicator.code for f in uptake[0].figures}
    assert {"vneid_level2", "vneid_installed", "vneid_level2_rate"} <= codes
    assert not codes & {"epayment_accounts", "ehealth_books", "guidance_visits"}


def test_a_partner_runs_only_its_own_enterprises_courses(world: World, users: Users, tree: Tree) -> None:
    data = services.CourseIn(
        title="VNPT hướng dẫn VNeID",
        unit_id=tree.p1.pk,
        organiser="enterprise",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        enterprise_id=world.enterprise.pk,
        platform_ids=[world.vneid.pk],
    )
    course = services.course_create(actor=users.enterprise_partner, data=data)
    assert course.enterprise == world.enterprise
    other = Enterprise.objects.create(name="Viettel", owner=tree.p1)
    other.areas.set([tree.p1])
    data.enterprise_id = other.pk
    with pytest.raises(DomainError):
        services.course_create(actor=users.enterprise_partner, data=data)
    # Nor somebody else's course, nor a course outside its areas.
    with pytest.raises(Forbidden):
        services.session_create(
            actor=users.enterprise_partner,
            course=world.other_course,
            data=services.SessionIn(starts_at=_at(timezone.localdate()), place="X"),
        )
    data.enterprise_id, data.unit_id = world.enterprise.pk, tree.c3.pk
    with pytest.raises(NotFound):
        services.course_create(actor=users.enterprise_partner, data=data)


def test_only_partner_accounts_of_ones_units_can_be_linked(world: World, users: Users, tree: Tree) -> None:
    stranger = make_user("dn_hcm")
    RoleAssignment.objects.create(user=stranger, role=Role.ENTERPRISE_PARTNER, unit=tree.p2)
    with pytest.raises(DomainError):
        services.enterprise_save(
            actor=users.province_officer,
            enterprise=world.enterprise,
            data=services.EnterpriseIn(
                name="VNPT Hà Nội", owner_id=tree.p1.pk, area_ids=[tree.p1.pk], account_ids=[stranger.pk]
            ),
        )
    with pytest.raises(DomainError):
        services.enterprise_save(
            actor=users.province_officer,
            data=services.EnterpriseIn(name="X", owner_id=tree.p1.pk, area_ids=[tree.c3.pk]),
        )


# -- histories ----------------------------------------------------------------------------------------------


def test_a_member_sees_their_own_training(signed_in: Callable[..., Client], world: World) -> None:
    page = signed_in("team_member").get("/dao-tao/cua-toi/").content.decode()
    assert "Tập huấn VNeID mức 2" in page
    assert "Có mặt" in page and "8,5" in page
    assert "Tập huấn xã Sài Gòn" not in page
    api = signed_in("team_member").get("/api/v1/training/me").json()
    assert [len(row["attendances"]) for row in api] == [2]


def test_the_member_page_lists_the_history_and_the_roster_links_to_it(
    signed_in: Callable[..., Client], world: World
) -> None:
    officer = signed_in("commune_officer")
    m2 = world.members["m2"]
    page = officer.get(f"/dao-tao/thanh-vien/{m2.pk}/").content.decode()
    assert "Vắng" in page and "Có mặt" in page
    roster = officer.get(f"/to-cong-nghe/{world.teams['t1'].pk}/").content.decode()
    assert f"/dao-tao/thanh-vien/{m2.pk}/" in roster


def test_a_commune_officer_sees_only_their_communes_invitations(signed_in: Callable[..., Client], world: World) -> None:
    page = signed_in("commune_officer").get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    assert "Nguyễn Thị Một" in page  # C1
    assert "Hoàng Thị Bốn" not in page  # C2


# -- materials ------------------------------------------------------------------------------------------------


def test_members_see_the_nations_and_their_provinces_materials(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    today = timezone.localdate()
    services.material_create(
        actor=users.national_admin,
        data=services.MaterialIn(
            world.vneid.pk, "Hướng dẫn cài VNeID", tree.vn.pk, today, url="https://vneid.gov.vn/hd", version="2.1"
        ),
    )
    pdf = SimpleUploadedFile("so-tay.pdf", b"%PDF-1.4 demo")
    mine = services.material_create(
        actor=users.province_officer,
        data=services.MaterialIn(world.vneid.pk, "Sổ tay Hà Nội", tree.p1.pk, today),
        upload=pdf,
    )
    services.material_create(
        actor=users.outsider,
        data=services.MaterialIn(world.vneid.pk, "Tài liệu Sài Gòn", tree.c3.pk, today, url="https://example.vn/x"),
    )
    member = signed_in("team_member")
    page = member.get("/dao-tao/tai-lieu/").content.decode()
    assert "Hướng dẫn cài VNeID" in page and "Sổ tay Hà Nội" in page
    assert "Tài liệu Sài Gòn" not in page
    assert member.get(f"/dao-tao/tai-lieu/{mine.pk}/tep/").status_code == 200
    assert signed_in("outsider").get(f"/dao-tao/tai-lieu/{mine.pk}/tep/").status_code == 404
    assert {m["title"] for m in member.get("/api/v1/training/materials").json()} == {
        "Hướng dẫn cài VNeID",
        "Sổ tay Hà Nội",
    }


def test_a_material_needs_a_file_or_a_link_and_a_safe_file(world: World, users: Users, tree: Tree) -> None:
    today = timezone.localdate()
    data = services.MaterialIn(world.vneid.pk, "Hướng dẫn", tree.p1.pk, today)
    with pytest.raises(DomainError):
        services.material_create(actor=users.province_officer, data=data)
    with pytest.raises(DomainError):
        services.material_create(actor=users.province_officer, data=data, upload=SimpleUploadedFile("x.exe", b"MZ"))
    assert not Material.objects.exists()


# -- the network ----------------------------------------------------------------------------------------------


def test_the_network_view_puts_provinces_side_by_side(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    rows = {r.province.code: r for r in selectors.network(user=users.national_admin)}
    assert (rows["01"].teams, rows["01"].members, rows["01"].trained, rows["01"].courses) == (3, 6, 3, 1)
    assert (rows["79"].teams, rows["79"].members, rows["79"].trained, rows["79"].courses) == (1, 2, 1, 1)
    for code, unit in (("01", tree.p1), ("79", tree.p2)):
        cover = selectors.coverage_of(unit)
        assert (rows[code].members, rows[code].trained) == (cover.members, cover.trained_any)
    ordered = [r.province.code for r in selectors.network(user=users.national_admin, sort="members", descending=True)]
    assert ordered == ["01", "79"]
    leader = make_user("lanh_dao_bo")
    RoleAssignment.objects.create(user=leader, role=Role.LEADER, unit=tree.vn)
    page = signed_in("national_admin").get("/mang-luoi/?sort=-trained").content.decode()
    assert page.index("Thành phố Hà Nội") < page.index("Thành phố Hồ Chí Minh")
    client = Client()
    client.force_login(leader)
    assert client.get("/mang-luoi/").status_code == 200
    sheet = client.get("/mang-luoi/tai-ve.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))  # type: ignore[attr-defined]
    values = [[c.value for c in row] for row in workbook.active.iter_rows(min_row=3)]
    assert ["01", "Thành phố Hà Nội", 3, 6, 3, 50.0, 1, 0] in values

    # Published good practices are counted by the author's province (drafts and posts awaiting review are not).
    from cdtt.practices import services as practices

    post = practices.practice_create(
        actor=users.commune_officer, subject=tree.c1, data=practices.PracticeIn(title="Chợ phiên số", body="Nội dung")
    )
    practices.practice_submit(actor=users.commune_officer, practice=post)
    assert {r.province.code: r.practices for r in selectors.network(user=users.national_admin)}["01"] == 0
    practices.practice_publish(actor=users.province_officer, practice=post)
    assert {r.province.code: r.practices for r in selectors.network(user=users.national_admin)}["01"] == 1


# -- the dashboards' panel ------------------------------------------------------------------------------------


def test_the_province_and_commune_dashboards_show_training_coverage(
    signed_in: Callable[..., Client], world: World, tree: Tree
) -> None:
    province = signed_in("province_officer").get(reverse("dashboards:unit", args=[tree.p1.pk])).content.decode()
    assert 'id="training"' in province
    assert "3 / 6" in province  # members trained of members, as selectors.coverage_of counts them
    assert world.vneid.name in province and "VNPT Hà Nội" in province
    commune = signed_in("commune_officer").get(reverse("dashboards:unit", args=[tree.c1.pk])).content.decode()
    found = selectors.coverage_of(tree.c1)
    assert 'id="training"' in commune and f"{found.trained_any} / {found.members}" in commune
    village = signed_in("team_member").get(reverse("dashboards:village", args=[tree.v1.pk])).content.decode()
    assert 'id="training"' not in village


def test_a_commune_officer_can_name_the_provinces_enterprise_partner(world: World, users: Users, tree: Tree) -> None:
    course = services.course_create(
        actor=users.commune_officer,
        data=services.CourseIn(
            title="Tập huấn tại phường",
            unit_id=tree.c1.pk,
            organiser="commune",
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
            enterprise_id=world.enterprise.pk,
            platform_ids=[world.vneid.pk],
        ),
    )
    assert course.enterprise == world.enterprise
    # ... but it cannot change the partner itself, and the other province's officer does not see it.
    with pytest.raises(NotFound):
        services.enterprise_get(user=users.outsider, enterprise_id=world.enterprise.pk)
    assert not services.may_manage_unit(scope_for(users.commune_officer), world.enterprise.owner)


def test_lists_read_as_many_rows_whatever_the_number_of_courses(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer, partner = signed_in("province_officer"), signed_in("enterprise_partner")
    urls = [
        (officer, "/dao-tao/"),
        (officer, "/api/v1/training/courses"),
        (partner, f"/dao-tao/doanh-nghiep/{world.enterprise.pk}/"),
        (officer, f"/dao-tao/khoa/{world.course.pk}/"),
        (officer, "/dao-tao/doanh-nghiep/"),
    ]

    def counts() -> list[int]:
        found = []
        for client, url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # the year's period is made on first use
    before = counts()
    today = timezone.localdate()
    for n in range(4):
        course = services.course_create(
            actor=users.province_officer,
            data=services.CourseIn(
                title=f"Khóa {n}",
                unit_id=tree.p1.pk,
                organiser="province",
                starts_on=today,
                ends_on=today,
                enterprise_id=world.enterprise.pk,
                platform_ids=[world.vneid.pk, world.other_platform.pk],
            ),
        )
        session = services.session_create(
            actor=users.province_officer, course=course, data=services.SessionIn(starts_at=_at(today), place="X")
        )
        services.invitation_create(actor=users.province_officer, course=course, unit_ids=[tree.c1.pk])
        services.attendance_record(
            actor=users.province_officer,
            session=session,
            rows=[services.AttendanceIn(world.members["m1"].pk, Presence.PRESENT)],
        )
    services.invitation_create(actor=users.province_officer, course=world.course, unit_ids=[tree.c1.pk])
    assert counts() == before


def test_a_session_moves_only_inside_its_course_and_after_what_it_follows(world: World, users: Users) -> None:
    outside = services.SessionIn(starts_at=_at(world.course.ends_on + datetime.timedelta(days=2)), place="X")
    with pytest.raises(DomainError) as caught:
        services.session_update(actor=users.province_officer, session=world.s2, data=outside)
    assert "ngoài thời gian của khóa" in caught.value.message
    after_its_follow_up = services.SessionIn(starts_at=world.s2.starts_at + datetime.timedelta(hours=1), place="X")
    with pytest.raises(DomainError) as caught:
        services.session_update(actor=users.province_officer, session=world.s1, data=after_its_follow_up)
    assert caught.value.field == "starts_at"
    world.s2.refresh_from_db()
    world.s1.refresh_from_db()
    assert world.s2.mode == "online" and world.s1.place == "Hội trường UBND"
    moved = services.session_update(
        actor=users.province_officer,
        session=world.s1,
        data=services.SessionIn(starts_at=world.s1.starts_at + datetime.timedelta(hours=2), place="Nhà văn hóa"),
    )
    assert moved.place == "Nhà văn hóa"
