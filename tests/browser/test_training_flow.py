"""Issue 9's walk-through: a province officer creates a course with an enterprise partner, is refused a
session outside the course's dates, adds one inside, invites two communes' members, records attendance and
sees the province's training coverage; the enterprise partner sees the course and uptake without names."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village
from cdtt.teams.models import Member, Membership, Team
from cdtt.training.models import Attendance, Course, Enterprise, Invitation
from tests.browser.world import PASSWORD, Tree, sign_in

TEAMS = {
    "Thôn Giang Cao": ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"],
    "Tổ dân phố số 1": ["Đỗ Minh Hoàng", "Ngô Thị Lan"],
    "Khu phố 1": ["Người Sài Gòn"],
}


def _world(tree: Tree) -> tuple[AdminUnit, AdminUnit, Enterprise]:
    catalog_load()
    province = tree.commune.parent
    assert province is not None
    ba_dinh = AdminUnit.objects.create(
        code="00004",
        name="Phường Ba Đình",
        short_name="Ba Đình",
        kind=UnitKind.WARD,
        parent=province,
        valid_from=REFORM_DATE,
    )
    tdp1 = Village.objects.create(commune=ba_dinh, name="Tổ dân phố số 1", kind="to_dan_pho")
    for village in (tree.village, tdp1, tree.other_village):
        team = Team.objects.create(commune=village.commune, village=village, name=f"Tổ {village.name}", status="active")
        for n, name in enumerate(TEAMS[village.name]):
            member = Member.objects.create(commune=village.commune, full_name=name, phone=f"09120000{n:02d}")
            Membership.objects.create(team=team, member=member, joined_on=datetime.date(2025, 9, 1))
    tinh = User.objects.create_user("tinh", password=PASSWORD, full_name="Cán bộ Sở KH&CN Hà Nội")
    RoleAssignment.objects.create(user=tinh, role=Role.PROVINCE_OFFICER, unit=province)
    partner = User.objects.create_user("doanhnghiep", password=PASSWORD, full_name="VNPT Hà Nội")
    RoleAssignment.objects.create(user=partner, role=Role.ENTERPRISE_PARTNER, unit=province)
    enterprise = Enterprise.objects.create(name="VNPT Hà Nội", owner=province)
    enterprise.areas.set([province])
    enterprise.platforms.set(Platform.objects.filter(code__in=["vneid", "dvc"]))
    enterprise.accounts.set([partner])
    return province, ba_dinh, enterprise


def test_issue_9_walk_through(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    province, ba_dinh, enterprise = _world(tree)
    vneid = Platform.objects.get(code="vneid")
    today = timezone.localdate()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_viewport_size({"width": 1200, "height": 900})

    # 1. The province officer creates a course with VNPT Hà Nội as the enterprise partner.
    sign_in(page, base, "tinh")
    assert page.locator("nav a[href='/dao-tao/']").count() >= 1  # in the menu
    page.goto(base + "/dao-tao/")
    page.click("text=Khóa tập huấn mới")
    page.fill("#id_title", "Tập huấn kích hoạt VNeID mức 2")
    page.select_option("#id_organiser", "province")
    page.select_option("#id_unit", str(province.pk))
    page.select_option("#id_enterprise", str(enterprise.pk))
    page.check("#id_covers_policy")
    page.check(f"input[name=platforms][value='{vneid.pk}']")
    page.fill("#id_starts_on", (today - datetime.timedelta(days=7)).isoformat())
    page.fill("#id_ends_on", (today + datetime.timedelta(days=7)).isoformat())
    page.screenshot(path=str(screenshot_dir / "training_course_form.png"), full_page=True)
    page.click("main form.card button[type=submit]")
    course = Course.objects.get(title="Tập huấn kích hoạt VNeID mức 2")
    page.wait_for_url(f"{base}/dao-tao/khoa/{course.pk}/")
    assert course.enterprise == enterprise

    # 2. A session after the course ends is refused in Vietnamese; one inside its dates is added.
    page.click("text=Thêm buổi tập huấn")
    late = today + datetime.timedelta(days=8)
    page.fill("#id_starts_at", f"{late.isoformat()}T08:00")
    page.fill("#id_place", "Hội trường UBND xã Bát Tràng")
    page.fill("#id_trainers", "Kỹ sư VNPT Hà Nội")
    page.click("main form.card button[type=submit]")
    message = page.text_content(".errorlist")
    assert message is not None and "nằm ngoài thời gian của khóa" in message
    page.screenshot(path=str(screenshot_dir / "training_session_refused.png"), full_page=True)
    assert course.sessions.count() == 0  # type: ignore[attr-defined]
    assert all("400 (Bad Request)" in e for e in errors)  # the refused form answers 400, nothing else failed
    errors.clear()
    day = today - datetime.timedelta(days=1)
    page.fill("#id_starts_at", f"{day.isoformat()}T08:00")
    page.click("main form.card button[type=submit]")
    page.wait_for_url(f"{base}/dao-tao/khoa/{course.pk}/")
    session = course.sessions.get()  # type: ignore[attr-defined]

    # 3. The members of two communes are invited.
    page.click("text=Mời thành viên")
    page.check(f"input[name=units][value='{tree.commune.pk}']")
    page.check(f"input[name=units][value='{ba_dinh.pk}']")
    assert page.locator(f"input[name=units][value='{tree.other_commune.pk}']").count() == 0
    page.click("main form.card button[type=submit]")
    page.wait_for_url(f"{base}/dao-tao/khoa/{course.pk}/")
    assert "Đã mời 5 thành viên" in (page.text_content(".messages") or "")
    assert Invitation.objects.filter(course=course).count() == 5

    # 4. Attendance: four present (two completed, one with a score), one excused.
    page.click("a.btn.small >> text=Điểm danh")
    page.wait_for_url(f"{base}/dao-tao/buoi/{session.pk}/diem-danh/")
    members = {m.full_name: m.pk for m in Member.objects.all()}
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Đỗ Minh Hoàng", "Ngô Thị Lan"):
        page.select_option(f"#status-{members[name]}", "present")
    page.select_option(f"#status-{members['Lê Văn Cường']}", "excused")
    page.check(f"#completed-{members['Nguyễn Văn An']}")
    page.check(f"#completed-{members['Đỗ Minh Hoàng']}")
    page.fill(f"#score-{members['Nguyễn Văn An']}", "9")
    page.screenshot(path=str(screenshot_dir / "training_attendance.png"), full_page=True)
    page.click("main form.card button[type=submit]")
    page.wait_for_url(f"{base}/dao-tao/khoa/{course.pk}/")
    assert Attendance.objects.filter(session=session, status="present").count() == 4
    page.screenshot(path=str(screenshot_dir / "training_course.png"), full_page=True)

    # 5. The province's coverage: 4 of 5 members trained, VNeID in both teams, VNPT's people.
    page.goto(f"{base}/dao-tao/")
    page.click(f"text=Độ bao phủ của {province.name}")
    page.wait_for_url(f"{base}/dao-tao/don-vi/{province.pk}/")
    stats = page.text_content(".stats") or ""
    assert "5" in stats and "4" in stats
    row = page.locator("table.coverage-platforms tr", has_text=vneid.name).text_content() or ""
    assert "4" in row and "80.0" in row.replace(",", ".") and "2 / 2" in row
    assert "VNPT Hà Nội" in (page.text_content("main") or "")
    page.screenshot(path=str(screenshot_dir / "training_coverage.png"), full_page=True)

    # 5b. The province dashboard's training panel shows the same coverage.
    page.goto(f"{base}/bang-dieu-khien/don-vi/{province.pk}/")
    panel = page.locator("#training")
    assert "4 / 5" in (panel.text_content() or "")
    panel.screenshot(path=str(screenshot_dir / "training_dashboard_panel.png"))

    # 6. The enterprise partner sees the course and the uptake of its platforms, and no names.
    page.context.clear_cookies()
    sign_in(page, base, "doanhnghiep")
    page.goto(f"{base}/dao-tao/doanh-nghiep/{enterprise.pk}/")
    body = page.text_content("main") or ""
    assert "Tập huấn kích hoạt VNeID mức 2" in body
    assert "4/5 thành viên Tổ đã được tập huấn" in body
    for names in TEAMS.values():
        for name in names:
            assert name not in body
    page.screenshot(path=str(screenshot_dir / "training_partner.png"), full_page=True)
    page.goto(f"{base}/dao-tao/khoa/{course.pk}/")
    assert "Nguyễn Văn An" not in (page.text_content("main") or "")

    # 7. The Ministry sees every province side by side and sorts by members trained.
    admin = User.objects.create_user("admin", password=PASSWORD, full_name="Quản trị quốc gia")
    RoleAssignment.objects.create(user=admin, role=Role.NATIONAL_ADMIN, unit=AdminUnit.objects.get(code="VN"))
    page.context.clear_cookies()
    sign_in(page, base, "admin")
    page.goto(f"{base}/mang-luoi/")
    page.click("table.network th >> text=Đã tập huấn")
    page.click("table.network th >> text=Đã tập huấn")  # a second click sorts descending
    page.wait_for_url(f"{base}/mang-luoi/?sort=-trained")
    first = page.locator("table.network tbody tr").first.text_content() or ""
    assert "Thành phố Hà Nội" in first and "4" in first
    page.screenshot(path=str(screenshot_dir / "training_network.png"), full_page=True)
    assert errors == []
