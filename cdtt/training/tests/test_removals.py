"""Removing things in training: deleting a session or a course (only while no attendance is recorded),
cancelling a session (kept, with its reason, out of the figures), revoking an invitation, and changing and
withdrawing guides. Every refusal leaves everything as it was."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.training import selectors, services, sheets
from cdtt.training.models import Attendance, Course, Invitation, Material, Presence, Session
from cdtt.training.tests.conftest import World, _at, state
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def _audited(action: str, target: Any) -> bool:
    return AuditEvent.objects.filter(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).exists()


def _new_session(world: World, users: Users, days: int = 1) -> Session:
    """A session of the world's course that nobody attended yet."""
    return services.session_create(
        actor=users.province_officer,
        course=world.course,
        data=services.SessionIn(starts_at=_at(timezone.localdate() + datetime.timedelta(days=days)), place="Thôn"),
    )


def _fresh_course(users: Users, tree: Tree, world: World) -> Course:
    """A province course with two sessions and invitations, nobody's attendance recorded yet."""
    today = timezone.localdate()
    course = services.course_create(
        actor=users.province_officer,
        data=services.CourseIn(
            title="Khóa sẽ bỏ",
            unit_id=tree.p1.pk,
            organiser="province",
            starts_on=today,
            ends_on=today + datetime.timedelta(days=5),
            enterprise_id=world.enterprise.pk,
            platform_ids=[world.vneid.pk],
        ),
    )
    first = services.session_create(
        actor=users.province_officer, course=course, data=services.SessionIn(starts_at=_at(today), place="A")
    )
    services.session_create(
        actor=users.province_officer,
        course=course,
        data=services.SessionIn(starts_at=_at(today, 14), place="B", follow_up_of_id=first.pk),
    )
    services.invitation_create(actor=users.province_officer, course=course, unit_ids=[tree.c1.pk, tree.c2.pk])
    return course


# -- deleting a session ----------------------------------------------------------------------------------------


def test_a_session_nobody_attended_is_deleted_and_audited(
    signed_in: Callable[..., Client], world: World, users: Users
) -> None:
    session = _new_session(world, users)
    officer = signed_in("province_officer")
    page = officer.get(f"/dao-tao/buoi/{session.pk}/xoa/")
    assert page.status_code == 200 and "Xóa buổi tập huấn" in page.content.decode()
    response = officer.post(f"/dao-tao/buoi/{session.pk}/xoa/")
    assert response.status_code == 302 and response["Location"] == f"/dao-tao/khoa/{world.course.pk}/"
    assert not Session.objects.filter(pk=session.pk).exists()
    assert _audited("session.delete", session)


def test_a_session_with_attendance_is_not_deleted_and_cancelling_is_suggested(
    signed_in: Callable[..., Client], world: World, users: Users
) -> None:
    before = state()
    response = signed_in("province_officer").post(f"/dao-tao/buoi/{world.s1.pk}/xoa/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "không thể xóa" in page and "hủy buổi tập huấn thay vì xóa" in page and "Không có gì thay đổi" in page
    assert state() == before
    with pytest.raises(DomainError):
        services.session_delete(actor=users.province_officer, session=world.s2)
    assert state() == before


def test_only_the_organisers_delete_a_session(
    signed_in: Callable[..., Client], world: World, users: Users, client: Client
) -> None:
    session = _new_session(world, users)
    before = state()
    url = f"/dao-tao/buoi/{session.pk}/xoa/"
    assert client.post(url)["Location"].startswith("/dang-nhap/")
    assert signed_in("team_leader").post(url).status_code == 403
    assert signed_in("outsider").post(url).status_code == 404  # another province
    assert signed_in("commune_officer").post(url).status_code == 404  # sees the course, does not organise it
    with pytest.raises(Forbidden):
        services.session_delete(actor=users.commune_officer, session=session)
    assert state() == before
    # The course's enterprise partner organises it too.
    assert signed_in("enterprise_partner").post(url).status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()


def test_deleting_a_session_keeps_its_follow_ups(world: World, users: Users) -> None:
    first = _new_session(world, users, days=1)
    follow_up = services.session_create(
        actor=users.province_officer,
        course=world.course,
        data=services.SessionIn(
            starts_at=first.starts_at + datetime.timedelta(days=1), place="X", follow_up_of_id=first.pk
        ),
    )
    services.session_delete(actor=users.province_officer, session=first)
    follow_up.refresh_from_db()
    assert follow_up.follow_up_of_id is None


# -- cancelling a session --------------------------------------------------------------------------------------


def test_a_cancelled_session_stays_with_its_reason_and_leaves_the_figures(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    officer = signed_in("province_officer")
    before = state()
    empty = officer.post(f"/dao-tao/buoi/{world.s1.pk}/huy/", {"reason": "  "})
    assert empty.status_code == 400 and "Nhập lý do hủy" in empty.content.decode()
    assert state() == before

    p1 = selectors.coverage_of(tree.p1)
    assert (p1.trained_any, p1.enterprises[0].sessions, p1.enterprises[0].people) == (3, 2, 3)
    response = officer.post(f"/dao-tao/buoi/{world.s1.pk}/huy/", {"reason": "Hoãn vì bão"})
    assert response.status_code == 302
    world.s1.refresh_from_db()
    assert world.s1.is_cancelled and world.s1.cancel_reason == "Hoãn vì bão"
    assert world.s1.cancelled_by == users.province_officer
    assert _audited("session.cancel", world.s1)
    assert Attendance.objects.filter(session=world.s1).count() == 4  # kept, honestly
    # m4 was present only at s1: no longer trained; m1 and m2 were present at s2 too.
    p1 = selectors.coverage_of(tree.p1)
    assert (p1.trained_any, p1.enterprises[0].sessions, p1.enterprises[0].people) == (2, 1, 2)
    rows = {r.province.code: r for r in selectors.network(user=users.national_admin)}
    assert rows["01"].trained == 2
    assert {row.course.pk: row.present for row in selectors.member_history(world.members["m4"])} == {world.course.pk: 0}
    page = officer.get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    assert "đã hủy" in page and "Hoãn vì bão" in page
    assert f'/dao-tao/buoi/{world.s1.pk}/diem-danh/"' not in page  # no more attendance to record

    # Cancelled once only, and no attendance recorded for it afterwards.
    before = state()
    with pytest.raises(DomainError):
        services.session_cancel(actor=users.province_officer, session=world.s1, reason="Lần nữa")
    with pytest.raises(DomainError) as caught:
        services.attendance_record(
            actor=users.province_officer,
            session=world.s1,
            rows=[services.AttendanceIn(world.members["m3"].pk, Presence.PRESENT)],
        )
    assert "đã bị hủy" in caught.value.message
    page = officer.get(f"/dao-tao/buoi/{world.s1.pk}/diem-danh/").content.decode()
    assert "Buổi tập huấn này đã bị hủy" in page and "Hoãn vì bão" in page
    refused = officer.post(f"/dao-tao/buoi/{world.s1.pk}/diem-danh/", {f"status-{world.members['m3'].pk}": "present"})
    assert refused.status_code == 400
    assert state() == before


def test_the_api_cancels_and_reports_it(signed_in: Callable[..., Client], world: World) -> None:
    officer = signed_in("province_officer")
    url = f"/api/v1/training/sessions/{world.s2.pk}/cancel"
    refused = officer.post(url, json.dumps({"reason": ""}), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "reason"
    done = officer.post(url, json.dumps({"reason": "Mất kết nối"}), content_type="application/json").json()
    s2 = next(s for s in done["sessions"] if s["id"] == world.s2.pk)
    assert s2["cancelled"] is True and s2["cancel_reason"] == "Mất kết nối"


def test_a_cancellation_made_by_mistake_is_undone(
    signed_in: Callable[..., Client], client: Client, world: World, users: Users, tree: Tree
) -> None:
    services.session_cancel(actor=users.province_officer, session=world.s1, reason="Nhầm buổi")
    services.session_cancel(actor=users.outsider, session=world.other_session, reason="Hoãn")
    assert selectors.coverage_of(tree.p1).trained_any == 2
    url, api = f"/dao-tao/buoi/{world.s1.pk}/khoi-phuc/", f"/api/v1/training/sessions/{world.s1.pk}/restore"

    # Anonymous, a wrong role, another province's session: refused, nothing changed.
    before = state()
    assert client.post(url)["Location"].startswith("/dang-nhap/")
    assert client.post(api).status_code == 401
    assert signed_in("team_leader").post(url).status_code == 403
    assert signed_in("team_leader").post(api).status_code == 403
    officer = signed_in("province_officer")
    assert officer.post(f"/dao-tao/buoi/{world.other_session.pk}/khoi-phuc/").status_code == 404
    assert officer.post(f"/api/v1/training/sessions/{world.other_session.pk}/restore").status_code == 404
    assert state() == before

    page = officer.get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    assert url in page  # offered beside the cancelled session
    assert "Khôi phục buổi tập huấn" in officer.get(url).content.decode()
    assert officer.post(url).status_code == 302
    world.s1.refresh_from_db()
    assert not world.s1.is_cancelled and world.s1.cancel_reason == "" and world.s1.cancelled_by is None
    event = AuditEvent.objects.get(action="session.restore", target_id=str(world.s1.pk))
    assert event.details["reason"] == "Nhầm buổi"  # the cancellation stays on record
    assert selectors.coverage_of(tree.p1).trained_any == 3  # it counts again
    services.attendance_record(  # and attendance can be recorded for it again
        actor=users.province_officer,
        session=world.s1,
        rows=[services.AttendanceIn(world.members["m3"].pk, Presence.PRESENT)],
    )

    # Restoring a session that is not cancelled: a message, nothing changed.
    before = state()
    again = officer.post(url)
    assert again.status_code == 400 and "không bị hủy" in again.content.decode()
    assert officer.post(api).status_code == 400
    assert state() == before

    # The API restores too and answers with the course.
    services.session_cancel(actor=users.province_officer, session=world.s2, reason="Nhầm")
    done = officer.post(f"/api/v1/training/sessions/{world.s2.pk}/restore").json()
    assert next(s for s in done["sessions"] if s["id"] == world.s2.pk)["cancelled"] is False


# -- deleting a course -----------------------------------------------------------------------------------------


def test_a_course_nobody_attended_goes_with_its_sessions_and_invitations(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    course = _fresh_course(users, tree, world)
    assert (course.sessions.count(), course.invitations.count()) == (2, 6)  # type: ignore[attr-defined]
    officer = signed_in("province_officer")
    delete_url = f"/dao-tao/khoa/{course.pk}/xoa/"
    assert delete_url in officer.get(f"/dao-tao/khoa/{course.pk}/").content.decode()  # offered: nobody attended
    assert (
        delete_url.replace(str(course.pk), str(world.course.pk))
        not in officer.get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    )  # not offered where attendance is recorded
    assert "Xóa khóa tập huấn" in officer.get(delete_url).content.decode()
    response = officer.post(delete_url)
    assert response.status_code == 302 and response["Location"] == "/dao-tao/"
    assert not Course.objects.filter(pk=course.pk).exists()
    assert not Session.objects.filter(course_id=course.pk).exists()
    assert not Invitation.objects.filter(course_id=course.pk).exists()
    event = AuditEvent.objects.get(action="course.delete", target_id=str(course.pk))
    assert event.details["sessions"] == 2 and event.details["invitations"] == 6


def test_a_course_with_attendance_is_not_deleted(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    course = _fresh_course(users, tree, world)
    session = Session.objects.filter(course=course).order_by("starts_at").last()
    assert session is not None
    services.attendance_record(
        actor=users.province_officer,
        session=session,
        rows=[services.AttendanceIn(world.members["m3"].pk, Presence.ABSENT)],  # any attendance at all
    )
    before = state()
    response = signed_in("province_officer").post(f"/dao-tao/khoa/{course.pk}/xoa/")
    assert response.status_code == 400
    assert "không thể xóa khóa học" in response.content.decode()
    api = signed_in("province_officer").delete(f"/api/v1/training/courses/{world.course.pk}")
    assert api.status_code == 400 and "hủy những buổi không diễn ra" in api.json()["detail"]
    assert state() == before


def test_only_the_organisers_delete_a_course(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree, client: Client
) -> None:
    course = _fresh_course(users, tree, world)
    before = state()
    url, api = f"/dao-tao/khoa/{course.pk}/xoa/", f"/api/v1/training/courses/{course.pk}"
    assert client.post(url)["Location"].startswith("/dang-nhap/")
    assert client.delete(api).status_code == 401
    assert signed_in("team_leader").post(url).status_code == 403
    assert signed_in("team_leader").delete(api).status_code == 403
    assert signed_in("outsider").post(url).status_code == 404
    assert signed_in("outsider").delete(api).status_code == 404
    assert signed_in("commune_officer").post(url).status_code == 404  # its members are invited; not its course
    assert signed_in("commune_officer").delete(api).status_code == 404
    assert state() == before
    assert signed_in("province_officer").delete(api).status_code == 204
    assert not Course.objects.filter(pk=course.pk).exists()


def test_the_api_deletes_a_session_only_without_attendance(
    signed_in: Callable[..., Client], world: World, users: Users
) -> None:
    session = _new_session(world, users)
    officer = signed_in("province_officer")
    before = state()
    refused = officer.delete(f"/api/v1/training/sessions/{world.s1.pk}")
    assert refused.status_code == 400 and "hủy buổi tập huấn thay vì xóa" in refused.json()["detail"]
    assert signed_in("outsider").delete(f"/api/v1/training/sessions/{session.pk}").status_code == 404
    assert signed_in("team_member").delete(f"/api/v1/training/sessions/{session.pk}").status_code == 403
    assert Client().delete(f"/api/v1/training/sessions/{session.pk}").status_code == 401
    assert state() == before
    assert officer.delete(f"/api/v1/training/sessions/{session.pk}").status_code == 204
    assert not Session.objects.filter(pk=session.pk).exists()


# -- revoking an invitation ------------------------------------------------------------------------------------


def _sheet(client: Client, session: Session) -> Any:
    response = client.get(f"/dao-tao/buoi/{session.pk}/diem-danh.xlsx")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]


def test_a_revoked_member_leaves_the_sheets_and_can_be_invited_again(
    signed_in: Callable[..., Client], world: World, users: Users, tree: Tree
) -> None:
    officer = signed_in("province_officer")
    m3 = world.members["m3"]
    code = sheets.member_code(m3.pk)
    sheet = _sheet(officer, world.s2)
    assert code in [sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)]
    url = f"/dao-tao/khoa/{world.course.pk}/moi-hoc/{m3.pk}/thu-hoi/"
    assert "Thu hồi lời mời" in officer.get(url).content.decode()
    done = officer.post(url, follow=True)
    assert done.redirect_chain == [(f"/dao-tao/khoa/{world.course.pk}/", 302)]
    assert "Đã thu hồi lời mời của Lê Thị Ba" in done.content.decode()
    assert not Invitation.objects.filter(course=world.course, member=m3).exists()
    assert _audited("course.uninvite", world.course)
    # Gone from the sheet and the attendance page; a sheet that still names them is refused as not invited.
    sheet = _sheet(officer, world.s2)
    assert code not in [sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1)]
    assert m3.full_name not in officer.get(f"/dao-tao/buoi/{world.s2.pk}/diem-danh/").content.decode()
    row = sheet.max_row + 1
    sheet.cell(row, 1).value = code
    sheet.cell(row, 5).value = "Có mặt"
    out = io.BytesIO()
    sheet.parent.save(out)
    before = state()
    response = officer.post(
        f"/dao-tao/buoi/{world.s2.pk}/nhap-diem-danh/", {"file": SimpleUploadedFile("diem-danh.xlsx", out.getvalue())}
    )
    assert response.status_code == 400
    assert f"Dòng {row}:" in response.content.decode() and "không được mời" in response.content.decode()
    assert state() == before
    # Inviting their commune again invites them again.
    new, _already = services.invitation_create(actor=users.province_officer, course=world.course, unit_ids=[tree.c1.pk])
    assert new == 1
    assert Invitation.objects.filter(course=world.course, member=m3).exists()


def test_a_member_with_attendance_keeps_the_invitation(
    signed_in: Callable[..., Client], world: World, users: Users
) -> None:
    before = state()
    m5 = world.members["m5"]  # excused at s1: attendance is recorded
    response = signed_in("province_officer").post(f"/dao-tao/khoa/{world.course.pk}/moi-hoc/{m5.pk}/thu-hoi/")
    assert response.status_code == 400
    assert "Vũ Văn Năm đã có điểm danh" in response.content.decode()
    api = signed_in("province_officer").delete(f"/api/v1/training/courses/{world.course.pk}/invitations/{m5.pk}")
    assert api.status_code == 400
    assert state() == before
    page = signed_in("province_officer").get(f"/dao-tao/khoa/{world.course.pk}/").content.decode()
    assert f"/moi-hoc/{m5.pk}/thu-hoi/" not in page
    assert f"/moi-hoc/{world.members['m3'].pk}/thu-hoi/" in page


def test_only_the_organising_officers_revoke(
    signed_in: Callable[..., Client], world: World, users: Users, client: Client
) -> None:
    m3 = world.members["m3"]
    url = f"/dao-tao/khoa/{world.course.pk}/moi-hoc/{m3.pk}/thu-hoi/"
    api = f"/api/v1/training/courses/{world.course.pk}/invitations/{m3.pk}"
    before = state()
    assert client.post(url)["Location"].startswith("/dang-nhap/")
    assert client.delete(api).status_code == 401
    assert signed_in("enterprise_partner").post(url).status_code == 403  # names are not theirs
    assert signed_in("enterprise_partner").delete(api).status_code == 403
    assert signed_in("outsider").post(url).status_code == 404
    assert signed_in("outsider").delete(api).status_code == 404
    assert signed_in("commune_officer").post(url).status_code == 404
    assert signed_in("commune_officer").delete(api).status_code == 404
    missing = f"/api/v1/training/courses/{world.course.pk}/invitations/{world.members['m6'].pk}"
    assert signed_in("province_officer").delete(missing).status_code == 404  # never invited
    with pytest.raises(Forbidden):
        services.invitation_revoke(actor=users.enterprise_partner, course=world.course, member_id=m3.pk)
    with pytest.raises(NotFound):
        services.invitation_revoke(actor=users.province_officer, course=world.course, member_id=world.members["m6"].pk)
    assert state() == before


# -- changing and withdrawing guides ---------------------------------------------------------------------------


@pytest.fixture
def guide(world: World, users: Users, tree: Tree) -> Material:
    return services.material_create(
        actor=users.province_officer,
        data=services.MaterialIn(world.vneid.pk, "Sổ tay VNeID", tree.p1.pk, timezone.localdate(), version="1.0"),
        upload=SimpleUploadedFile("so-tay.pdf", b"%PDF-1.4 mot"),
    )


def test_a_guide_is_changed_and_a_new_file_replaces_the_old(
    signed_in: Callable[..., Client],
    guide: Material,
    world: World,
    tree: Tree,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert guide.file_size == len(b"%PDF-1.4 mot")
    old = guide.file.name or ""
    officer = signed_in("province_officer")
    assert officer.get(f"/dao-tao/tai-lieu/{guide.pk}/sua/").status_code == 200
    data = {
        "platform": world.vneid.pk,
        "title": "Sổ tay VNeID (bản mới)",
        "version": "2.0",
        "issued_on": timezone.localdate().isoformat(),
        "owner": tree.p1.pk,
    }
    assert officer.post(f"/dao-tao/tai-lieu/{guide.pk}/sua/", data).status_code == 302  # keeps its file
    guide.refresh_from_db()
    assert (guide.title, guide.version, guide.file.name) == ("Sổ tay VNeID (bản mới)", "2.0", old)
    upload = SimpleUploadedFile("so-tay.pdf", b"%PDF-1.4 hai hai")
    with django_capture_on_commit_callbacks(execute=True):
        with_file = officer.post(f"/dao-tao/tai-lieu/{guide.pk}/sua/", {**data, "file": upload})
    assert with_file.status_code == 302
    guide.refresh_from_db()
    assert guide.file.name != old and guide.file_size == len(b"%PDF-1.4 hai hai")
    assert not guide.file.storage.exists(old)  # the replaced file is gone
    assert _audited("material.update", guide)
    both = officer.post(
        f"/dao-tao/tai-lieu/{guide.pk}/sua/",
        {**data, "url": "https://x.vn", "file": SimpleUploadedFile("a.pdf", b"%PDF")},
    )
    assert both.status_code == 400
    guide.refresh_from_db()
    assert guide.kind == "file" and guide.url == ""
    # A file guide can become a link: its file leaves storage once the change is committed.
    stored = guide.file.name or ""
    assert guide.file.storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        as_link = officer.post(f"/dao-tao/tai-lieu/{guide.pk}/sua/", {**data, "url": "https://vneid.gov.vn/so-tay"})
    assert as_link.status_code == 302
    guide.refresh_from_db()
    assert (guide.kind, guide.url, guide.file.name, guide.file_size) == ("link", "https://vneid.gov.vn/so-tay", "", 0)
    assert not guide.file.storage.exists(stored)


def test_a_withdrawn_guide_is_gone_for_members(signed_in: Callable[..., Client], guide: Material, users: Users) -> None:
    member = signed_in("team_member")
    assert "Sổ tay VNeID" in member.get("/dao-tao/tai-lieu/").content.decode()
    url = f"/dao-tao/tai-lieu/{guide.pk}/rut/"
    assert member.post(url).status_code == 403
    assert signed_in("outsider").post(url).status_code == 404
    assert signed_in("commune_officer").post(url).status_code == 404  # the province's guide, not the commune's
    assert Material.objects.get(pk=guide.pk).retired_at is None
    officer = signed_in("province_officer")
    assert "Rút tài liệu" in officer.get(url).content.decode()
    assert officer.post(url).status_code == 302
    guide.refresh_from_db()
    assert guide.retired_at is not None and _audited("material.retire", guide)
    assert "Sổ tay VNeID" not in member.get("/dao-tao/tai-lieu/").content.decode()
    assert member.get(f"/dao-tao/tai-lieu/{guide.pk}/tep/").status_code == 404
    assert member.get("/api/v1/training/materials").json() == []
    assert officer.post(url).status_code == 404  # withdrawn once
    with pytest.raises(NotFound):
        services.material_update(
            actor=users.province_officer,
            material=guide,
            data=services.MaterialIn(guide.platform_id, "X", guide.owner_id, guide.issued_on),
        )
