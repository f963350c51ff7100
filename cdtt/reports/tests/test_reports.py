"""Periodic reports: the state machine by role, frozen numbers, consolidation, the status tree, deadlines,
exports, and the pages' scope."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from openpyxl import load_workbook

from cdtt.accounts.models import Role, RoleAssignment
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError, Forbidden, NotFound, VersionConflict
from cdtt.core.models import AuditEvent
from cdtt.geo.models import AdminUnit
from cdtt.reports import exports, selectors, services
from cdtt.reports.models import Report, ReportDeadline, ReportPolicy, ReportStatus
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree, Users, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(tree: Tree) -> Period:
    catalog_load()
    today = timezone.localdate()
    for village in (tree.v1, tree.v2, tree.v3):
        Team.objects.create(
            commune=village.commune, village=village, name=f"Tổ CNSCĐ {village.name}", status=TeamStatus.ACTIVE
        )
    return calendar_period(PeriodKind.MONTH, today.year, today.month)


def propaganda(actor: Any, *, village: Any = None, commune: Any = None, people: int = 10) -> None:
    activity_record(
        actor=actor,
        data=ActivityIn(
            kind="propaganda",
            occurred_on=timezone.localdate(),
            village_id=village.pk if village else None,
            commune_id=commune.pk if commune else None,
            channel="meeting",
            people_reached=people,
        ),
    )


def row(report: Report, code: str) -> selectors.Row:
    return next(r for r in selectors.report_rows(report) if r.code == code)


# -- the state machine ----------------------------------------------------------------------------------


def test_submit_return_resubmit_approve_reopen(tree: Tree, users: Users, month: Period) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    assert (report.status, report.reviewer_id, report.level) == (ReportStatus.DRAFT, tree.c1.pk, 3)
    report = services.report_save(
        actor=users.team_member, report=report, version=report.version, assessment="Tốt", plan="Tiếp tục"
    )
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)
    assert report.status == ReportStatus.SUBMITTED and report.figures_at is not None

    report = services.report_return(
        actor=users.commune_officer, report=report, version=report.version, comment="Bổ sung số liệu"
    )
    assert report.status == ReportStatus.RETURNED
    report = services.report_save(actor=users.team_leader, report=report, version=report.version, proposals="Máy")
    report = services.report_submit(actor=users.team_leader, report=report, version=report.version)
    report = services.report_approve(actor=users.commune_officer, report=report, version=report.version)
    assert report.status == ReportStatus.APPROVED

    with pytest.raises(DomainError, match=_("This report has been sent and is locked: it can no longer be changed.")):
        services.report_save(actor=users.team_member, report=report, version=report.version, assessment="x")
    with pytest.raises(DomainError):
        services.report_reopen(actor=users.commune_officer, report=report, version=report.version, reason="  ")
    report = services.report_reopen(
        actor=users.commune_officer, report=report, version=report.version, reason="Sai số hộ"
    )
    assert report.status == ReportStatus.RETURNED
    actions = list(report.events.values_list("action", flat=True))
    assert actions == ["created", "saved", "submitted", "returned", "saved", "submitted", "approved", "reopened"]
    assert AuditEvent.objects.filter(action="report.reopen", details__reason="Sai số hộ").exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("team_member", True),
        ("team_leader", True),
        ("commune_officer", False),  # the commune reviews a team's report, it does not write it
        ("province_officer", False),
        ("national_admin", False),
        ("leader", False),
        ("enterprise_partner", False),
        ("outsider", False),
    ],
)
def test_who_writes_a_team_report(tree: Tree, users: Users, month: Period, who: str, allowed: bool) -> None:
    if allowed:
        assert services.report_open(actor=users.get(who), subject=tree.v1, period=month).pk
    else:
        with pytest.raises((Forbidden, NotFound)):
            services.report_open(actor=users.get(who), subject=tree.v1, period=month)
        assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("commune_officer", True),
        ("province_officer", False),  # in scope, but not the level the report is sent to
        ("national_admin", False),
        ("team_leader", False),
        ("team_member", False),
        ("leader", False),
        ("outsider", False),
    ],
)
@pytest.mark.parametrize("action", ["approve", "return"])
def test_who_reviews_a_team_report(
    tree: Tree, users: Users, month: Period, who: str, allowed: bool, action: str
) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)
    run: Callable[..., Report] = (
        services.report_approve if action == "approve" else services.report_return  # type: ignore[assignment]
    )
    extra = {"comment": "Sửa"} if action == "return" else {}
    if allowed:
        assert run(actor=users.get(who), report=report, version=report.version, **extra).status != "submitted"
    else:
        with pytest.raises(Forbidden):
            run(actor=users.get(who), report=report, version=report.version, **extra)
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED


def test_the_levels_above_report_and_review_in_turn(tree: Tree, users: Users, month: Period) -> None:
    commune = services.report_open(actor=users.commune_officer, subject=tree.c1, period=month)
    assert commune.reviewer_id == tree.p1.pk
    commune = services.report_submit(actor=users.commune_officer, report=commune, version=commune.version)
    with pytest.raises(Forbidden):
        services.report_approve(actor=users.commune_officer, report=commune, version=commune.version)
    services.report_approve(actor=users.province_officer, report=commune, version=commune.version)
    province = services.report_open(actor=users.province_officer, subject=tree.p1, period=month)
    assert province.reviewer_id == tree.vn.pk
    province = services.report_submit(actor=users.province_officer, report=province, version=province.version)
    assert services.report_approve(actor=users.national_admin, report=province, version=province.version).is_sent


def test_bad_transitions_say_why_and_change_nothing(tree: Tree, users: Users, month: Period) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    with pytest.raises(DomainError, match=_("Only a submitted report can be approved or returned.")):
        services.report_approve(actor=users.commune_officer, report=report, version=report.version)
    stale = report.version
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)
    with pytest.raises(DomainError, match=_("This report has already been submitted.")):
        services.report_submit(actor=users.team_member, report=report, version=report.version)
    with pytest.raises(VersionConflict):
        services.report_approve(actor=users.commune_officer, report=report, version=stale)
    with pytest.raises(DomainError, match=_("Say what needs fixing: a returned report needs a comment.")):
        services.report_return(actor=users.commune_officer, report=report, version=report.version, comment=" ")
    with pytest.raises(DomainError, match=_("This report has been sent and is locked: it can no longer be changed.")):
        services.report_save(actor=users.team_member, report=report, version=report.version, assessment="x")
    report.refresh_from_db()
    assert (report.status, report.assessment) == (ReportStatus.SUBMITTED, "")
    assert report.events.count() == 2  # opened, submitted


def test_a_future_period_cannot_be_reported(tree: Tree, users: Users, month: Period) -> None:
    today = timezone.localdate()
    later = calendar_period(PeriodKind.YEAR, today.year + 1)
    with pytest.raises(
        DomainError, match=_("This period has not started yet: its report cannot be written before it.")
    ):
        services.report_open(actor=users.team_member, subject=tree.v1, period=later)
    assert not Report.objects.exists()


def test_bad_notes_and_long_text_are_refused(tree: Tree, users: Users, month: Period) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    with pytest.raises(DomainError, match=r"(quá dài|too long)"):
        services.report_save(actor=users.team_member, report=report, version=report.version, plan="x" * 10_001)
    with pytest.raises(DomainError, match=_("A note is for an indicator that is not in this report.")):
        services.report_save(actor=users.team_member, report=report, version=report.version, notes={"999999": "a"})
    report.refresh_from_db()
    assert (report.plan, report.notes, report.version) == ("", {}, 1)


# -- numbers -------------------------------------------------------------------------------------------------


def test_numbers_are_frozen_at_submission_and_live_changes_are_shown(tree: Tree, users: Users, month: Period) -> None:
    propaganda(users.team_member, village=tree.v1, people=30)
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    assert row(report, "propaganda_sessions").in_period == 1
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)

    propaganda(users.team_member, village=tree.v1, people=5)

    assert row(report, "propaganda_sessions").in_period == 1  # frozen
    changes = {c.row.code: (c.row.in_period, c.live.in_period) for c in selectors.live_changes(report)}
    assert changes["propaganda_sessions"] == (1, 2)
    assert changes["people_reached"] == (30, 35)


def test_the_commune_consolidates_approved_team_reports_and_its_own_records(
    tree: Tree, users: Users, month: Period
) -> None:
    propaganda(users.team_member, village=tree.v1, people=30)  # v1: approved below
    propaganda(users.commune_officer, village=tree.v2, people=7)  # v2: not approved
    propaganda(users.commune_officer, commune=tree.c1, people=100)  # the commune's own
    first = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    first = services.report_submit(actor=users.team_member, report=first, version=first.version)
    services.report_approve(actor=users.commune_officer, report=first, version=first.version)
    propaganda(users.team_member, village=tree.v1, people=1)  # after approval: not in the approved report

    rows, info = selectors.live_rows(tree.c1, month)
    people = next(r for r in rows if r.code == "people_reached")
    sessions = next(r for r in rows if r.code == "propaganda_sessions")

    assert (info.children, info.approved) == (2, 1)  # v1 and v2 have teams
    assert people.in_period == 30 + 100  # the approved report's numbers plus the commune's own
    assert people.pending == 7 + 1  # recorded below, not approved yet
    assert sessions.in_period == 1 + 1
    commune = services.report_open(actor=users.commune_officer, subject=tree.c1, period=month)
    commune = services.report_submit(actor=users.commune_officer, report=commune, version=commune.version)
    assert row(commune, "people_reached").in_period == 130
    assert commune.organisation["children_approved"] == 1


def test_the_province_consolidates_its_approved_communes(tree: Tree, users: Users, month: Period) -> None:
    propaganda(users.commune_officer, commune=tree.c1, people=50)
    c2_officer = make_user("c2_officer")
    RoleAssignment.objects.create(user=c2_officer, role=Role.COMMUNE_OFFICER, unit=tree.c2)
    propaganda(c2_officer, commune=tree.c2, people=20)
    c1 = services.report_open(actor=users.commune_officer, subject=tree.c1, period=month)
    c1 = services.report_submit(actor=users.commune_officer, report=c1, version=c1.version)
    services.report_approve(actor=users.province_officer, report=c1, version=c1.version)

    rows, info = selectors.live_rows(tree.p1, month)
    people = next(r for r in rows if r.code == "people_reached")
    assert (info.children, info.approved, people.in_period, people.pending) == (2, 1, 50, 20)

    ReportPolicy.objects.create(unit=tree.c2, hide_unapproved=True)
    rows, info = selectors.live_rows(tree.p1, month)
    assert next(r for r in rows if r.code == "people_reached").pending == 0
    assert info.hidden == 1


def test_targets_show_with_the_period_or_the_year(tree: Tree, users: Users, month: Period) -> None:
    year = calendar_period(PeriodKind.YEAR, month.start.year)
    from cdtt.catalog.models import Indicator

    sessions = Indicator.objects.get(code="propaganda_sessions")
    targets.target_set(actor=users.commune_officer, subject=tree.v1, indicator=sessions, period=year, value=4)
    propaganda(users.team_member, village=tree.v1)
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    found = row(report, "propaganda_sessions")
    assert (found.target, found.target_of, found.cumulative, found.percent) == (Decimal(4), "year", 1, 25.0)
    assert selectors.report_rows(report)[0].code == "propaganda_sessions"  # rows with a target come first


# -- deadlines and the status tree ----------------------------------------------------------------------------


def test_default_and_province_deadlines(tree: Tree, users: Users, month: Period) -> None:
    y = 2026
    m11 = calendar_period(PeriodKind.MONTH, y, 11)
    q4 = calendar_period(PeriodKind.QUARTER, y, 4)
    h1 = calendar_period(PeriodKind.HALF, y, 1)
    year = calendar_period(PeriodKind.YEAR, y)
    village, commune = 3, 2
    assert selectors.due_date(m11, village, tree.p1) == datetime.date(y, 11, 15)
    assert selectors.due_date(q4, village, tree.p1) == datetime.date(y, 12, 6)
    assert selectors.due_date(h1, village, tree.p1) == datetime.date(y, 6, 6)
    assert selectors.due_date(year, village, tree.p1) == datetime.date(y, 11, 25)
    assert selectors.due_date(year, commune, tree.p1) == datetime.date(y, 11, 26)

    services.deadline_set(actor=users.province_officer, province=tree.p1, kind="month", month_offset=1, day=5)
    assert selectors.due_date(m11, village, tree.p1) == datetime.date(y, 12, 5)
    assert selectors.due_date(m11, village, tree.p2) == datetime.date(y, 11, 15)  # another province keeps the default
    with pytest.raises(NotFound):
        services.deadline_set(actor=users.outsider, province=tree.p1, kind="month", month_offset=0, day=1)
    with pytest.raises(Forbidden):
        services.deadline_set(actor=users.team_leader, province=tree.p1, kind="month", month_offset=0, day=1)
    with pytest.raises(DomainError):
        services.deadline_set(actor=users.province_officer, province=tree.p1, kind="month", month_offset=0, day=40)
    assert ReportDeadline.objects.get().day == 5


def test_the_status_tree_shows_who_is_late_submitted_and_returned(tree: Tree, users: Users, month: Period) -> None:
    v1 = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    services.report_submit(actor=users.team_member, report=v1, version=v1.version)
    after_due = selectors.due_date(month, 3, tree.p1) + datetime.timedelta(days=1)

    nodes = {n.subject.pk: n.state for n in selectors.status_tree(tree.c1, month, today=after_due)}
    assert nodes == {tree.v1.pk: "submitted", tree.v2.pk: "late"}  # v2 has a team and sent nothing
    before = selectors.status_tree(tree.c1, month, today=month.start)
    assert {n.state for n in before if n.subject.pk == tree.v2.pk} == {"missing"}

    province = {n.subject.pk: n for n in selectors.status_tree(tree.p1, month, today=after_due)}
    assert province[tree.c1.pk].counts["expected"] == 2
    assert province[tree.c1.pk].counts["sent"] == 1
    assert province[tree.c2.pk].counts["expected"] == 1
    nation = {n.subject.pk: n.state for n in selectors.status_tree(tree.vn, month, today=after_due)}
    assert set(nation) == {tree.p1.pk, tree.p2.pk}


# -- exports ---------------------------------------------------------------------------------------------------


def test_the_docx_follows_the_report_outline(tree: Tree, users: Users, month: Period) -> None:
    propaganda(users.team_member, village=tree.v1, people=30)
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    report = services.report_save(
        actor=users.team_member, report=report, version=report.version, assessment="Hoàn thành tốt nhiệm vụ."
    )
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)
    doc = Document(io.BytesIO(exports.report_docx(report)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc" in "\n".join(cells)
    assert "BÁO CÁO" in text and "Hoàn thành tốt nhiệm vụ." in text
    for heading in ("I. CÔNG TÁC TỔ CHỨC", "II. KẾT QUẢ", "III. ĐÁNH GIÁ CHUNG", "IV. NHIỆM VỤ", "V. ĐỀ XUẤT"):
        assert heading in text
    assert [c.text for c in doc.tables[1].rows[0].cells] == [
        "STT",
        "Chỉ tiêu",
        "ĐVT",
        "Chỉ tiêu giao",
        "Kết quả trong kỳ",
        "Lũy kế",
        "Tỷ lệ %",
        "Ghi chú",
    ]
    assert any(c.startswith("Nơi nhận:\n- UBND Phường Ba Đình") for c in cells)
    assert any("TỔ TRƯỞNG" in c and "Tổ Viên" in c for c in cells)  # the title and the submitter's name


def test_the_xlsx_exports(tree: Tree, users: Users, month: Period) -> None:
    propaganda(users.commune_officer, commune=tree.c1, people=12)
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    sheet = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    assert sheet is not None
    assert "BÁO CÁO KẾT QUẢ" in str(sheet["A1"].value)

    book = load_workbook(io.BytesIO(exports.consolidated_xlsx(tree.vn, month)))
    assert book.sheetnames == ["Tỉnh, thành phố", "Xã, phường"]
    communes = book["Xã, phường"]
    names = [r[1] for r in communes.iter_rows(min_row=6, values_only=True)]
    assert names[:-1] == ["Phường Ba Đình", "Xã Sóc Sơn", "Phường Sài Gòn", "Phường Tân Định"]  # by province
    assert names[-1] == "Tổng cộng (cả nước)"
    header = [c for c in next(communes.iter_rows(min_row=4, max_row=4, values_only=True)) if c]
    assert any(str(h).startswith("Số lượt người được tuyên truyền") for h in header)
    province = load_workbook(io.BytesIO(exports.consolidated_xlsx(tree.p1, month)))
    rows = list(province["Xã, phường"].iter_rows(min_row=6, values_only=True))
    assert [r[1] for r in rows] == ["Phường Ba Đình", "Xã Sóc Sơn", "Tổng cộng (Thành phố Hà Nội)"]


# -- pages ------------------------------------------------------------------------------------------------------


def test_pages_are_scoped(tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    urls = [
        reverse("reports:index"),
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:docx", args=[report.pk]),
        reverse("reports:xlsx", args=[report.pk]),
        reverse("reports:unit", args=[tree.c1.pk]),
        reverse("reports:unit_xlsx", args=[tree.c1.pk]),
    ]
    for url in urls:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"], url
        assert signed_in("enterprise_partner").get(url).status_code == 403, url
        assert signed_in("team_member").get(url).status_code == 200, url
    for url in urls[1:]:
        assert signed_in("outsider").get(url).status_code == 404, url
    settings_url = reverse("reports:settings", args=[tree.p1.pk])
    assert signed_in("team_leader").get(settings_url).status_code == 403
    assert signed_in("outsider").get(settings_url).status_code == 404
    assert signed_in("province_officer").get(settings_url).status_code == 200
    assert AuditEvent.objects.filter(action="report.export").count() == 3  # the team member's three downloads


def test_the_flow_through_the_pages(
    tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]
) -> None:
    member, officer = signed_in("team_member"), signed_in("commune_officer")
    page = member.get(reverse("reports:index"))
    assert page.status_code == 200
    response = member.post(reverse("reports:open"), {"subject": f"v{tree.v1.pk}", "period": month.pk})
    report = Report.objects.get(village=tree.v1, period=month)
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    detail = reverse("reports:detail", args=[report.pk])
    member.post(detail, {"action": "submit", "version": report.version, "assessment": "Đạt"})
    report.refresh_from_db()
    assert (report.status, report.assessment) == (ReportStatus.SUBMITTED, "Đạt")

    assert member.post(detail, {"action": "approve", "version": report.version}).status_code == 403
    waiting = officer.get(reverse("reports:index"))
    assert [r.pk for r, _label in waiting.context["awaiting"]] == [report.pk]
    officer.post(detail, {"action": "return", "version": report.version, "comment": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # a return needs a comment
    officer.post(detail, {"action": "return", "version": report.version, "comment": "Thiếu đánh giá"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert "Thiếu đánh giá" in member.get(detail).content.decode()
    member.post(detail, {"action": "submit", "version": report.version, "assessment": "Đạt, đã bổ sung"})
    report.refresh_from_db()
    officer.post(detail, {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    tree_page = officer.get(reverse("reports:unit", args=[tree.c1.pk]) + f"?period={month.pk}").content.decode()
    assert tree.v1.name in tree_page and tree.v2.name in tree_page
    assert report.events.count() >= 6


def test_a_commune_officer_hides_unapproved_data(
    tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]
) -> None:
    url = reverse("reports:settings", args=[tree.c1.pk])
    signed_in("commune_officer").post(url, {"action": "policy", "hide": "1"})
    assert ReportPolicy.objects.get(unit=tree.c1).hide_unapproved
    with pytest.raises(Forbidden):  # the province does not decide for the commune
        services.policy_set(actor=users.province_officer, unit=tree.c1, hide_unapproved=False)
    assert isinstance(tree.c1, AdminUnit)


# -- API -----------------------------------------------------------------------------------------------------


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_walks_the_same_states(
    tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]
) -> None:
    propaganda(users.team_member, village=tree.v1, people=9)
    member, officer = signed_in("team_member"), signed_in("commune_officer")
    opened = _post(member, "/api/v1/reports", {"period_id": month.pk, "village_id": tree.v1.pk})
    assert opened.status_code == 200, opened.content
    report = opened.json()
    people = next(r for r in report["rows"] if r["code"] == "people_reached")
    assert (report["status"], people["in_period"]) == ("draft", "9")
    saved = _post(member, f"/api/v1/reports/{report['id']}/save", {"version": report["version"], "plan": "Kế hoạch"})
    assert saved.json()["plan"] == "Kế hoạch"
    submitted = _post(member, f"/api/v1/reports/{report['id']}/submit", {"version": saved.json()["version"]})
    assert submitted.json()["status"] == "submitted"
    again = _post(member, f"/api/v1/reports/{report['id']}/submit", {"version": submitted.json()["version"]})
    assert again.status_code == 400 and "detail" in again.json()
    version = submitted.json()["version"]
    assert _post(member, f"/api/v1/reports/{report['id']}/approve", {"version": version}).status_code == 403
    no_comment = _post(officer, f"/api/v1/reports/{report['id']}/return", {"version": version, "comment": ""})
    assert no_comment.status_code == 400
    approved = _post(officer, f"/api/v1/reports/{report['id']}/approve", {"version": version})
    assert approved.json()["status"] == "approved"
    tree_rows = officer.get(f"/api/v1/reports/units/{tree.c1.pk}?period_id={month.pk}").json()
    assert {r["village_id"]: r["state"] for r in tree_rows}[tree.v1.pk] == "approved"


def test_the_api_is_scoped(tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    assert Client().get(f"/api/v1/reports/{report.pk}").status_code == 401
    assert signed_in("enterprise_partner").get(f"/api/v1/reports/{report.pk}").status_code == 403
    assert signed_in("outsider").get(f"/api/v1/reports/{report.pk}").status_code == 404
    assert signed_in("outsider").get(f"/api/v1/reports/units/{tree.c1.pk}?period_id={month.pk}").status_code == 404
    body = {"period_id": month.pk, "village_id": tree.v2.pk}  # another village of the member's commune
    assert _post(signed_in("team_member"), "/api/v1/reports", body).status_code == 404
    assert Report.objects.count() == 1


def test_late_reports_for_dashboards(tree: Tree, users: Users, month: Period) -> None:
    today = datetime.date(2026, 11, 28)  # November's reports were due on the 15th
    november = calendar_period(PeriodKind.MONTH, 2026, 11)
    sent = services.report_open(actor=users.team_member, subject=tree.v1, period=november, today=today)
    services.report_submit(actor=users.team_member, report=sent, version=sent.version)

    late = {
        entry.period.kind: [n.subject.pk for n in entry.nodes] for entry in selectors.late_reports(tree.c1, today=today)
    }

    assert late["month"] == [tree.v2.pk]  # v1 sent November's; v2 (with a team) did not
    assert set(late) == {"month", "quarter", "half", "year"}  # Q3 (due 6 Sept), H1 (6 June: H2 is due 6 Dec), 2026
    assert [p.name for p in selectors.latest_due_periods(tree.c1, today)][:2] == ["Tháng 11/2026", "Quý 3/2026"]


def test_a_province_that_does_not_ask_for_a_kind_of_report_has_nobody_late_for_it(
    tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]
) -> None:
    from cdtt.notices.models import Notification

    today = datetime.date(2026, 11, 28)
    november = calendar_period(PeriodKind.MONTH, 2026, 11)
    after_due = selectors.due_date(november, 3, tree.p1) + datetime.timedelta(days=1)
    assert {n.state for n in selectors.status_tree(tree.c1, november, today=after_due)} == {"late"}

    # The province officer unticks the monthly report on the settings page (the other kinds stay ticked).
    officer = signed_in("province_officer")
    form = {"action": "deadlines"}
    for kind, (offset, day) in selectors.DEFAULT_DEADLINES.items():
        form |= {f"offset-{kind}": str(offset), f"day-{kind}": str(day)}
        if kind != "month":
            form[f"required-{kind}"] = "1"
    assert officer.post(reverse("reports:settings", args=[tree.p1.pk]), form).status_code == 302
    assert selectors.optional_kinds(tree.p1) == {"month"}
    assert selectors.optional_kinds(tree.p2) == set()  # another province still asks for it
    event = AuditEvent.objects.filter(action="report.deadline").get()
    assert event.details["required"] is False

    # Nobody in the province is late for a monthly report any more: tree, counts, dashboard panel, reminders.
    assert {n.state for n in selectors.status_tree(tree.c1, november, today=after_due)} == {"missing"}
    province = {n.subject.pk: n for n in selectors.status_tree(tree.p1, november, today=after_due)}
    assert province[tree.c1.pk].counts["late"] == 0 and not province[tree.c1.pk].late
    nation = {n.subject.pk: n for n in selectors.status_tree(tree.vn, november, today=today)}
    assert not nation[tree.p1.pk].late and nation[tree.p2.pk].late  # p2 still owes its monthly report
    assert "month" not in {e.period.kind for e in selectors.late_reports(tree.c1, today=today)}
    assert "quarter" in {e.period.kind for e in selectors.late_reports(tree.c1, today=today)}
    national = {e.period.kind: {n.subject.pk for n in e.nodes} for e in selectors.late_reports(tree.vn, today=today)}
    assert tree.p1.pk not in national["month"] and tree.p2.pk in national["month"]
    services.remind_due(today=datetime.date(2026, 11, 23))  # November's is late, the year's due on the 25th
    titles = list(Notification.objects.filter(kind="report_due").values_list("title", flat=True))
    assert titles and all("Năm 2026" in t for t in titles)  # reminded of the year's report, not the month's

    # The team's list leaves the monthly report out, unless one was opened anyway; it is never "late".
    member = signed_in("team_member")
    listed = [r["period"].kind for block in member.get(reverse("reports:index")).context["mine"] for r in block["rows"]]
    assert "month" not in listed and "quarter" in listed
    services.report_open(actor=users.team_member, subject=tree.v1, period=november, today=today)
    rows = [r for block in member.get(reverse("reports:index")).context["mine"] for r in block["rows"]]
    assert [(r["period"].kind, r["late"]) for r in rows if r["period"] == november] == [("month", False)]

    # Ticking it again makes the month required again.
    form["required-month"] = "1"
    officer.post(reverse("reports:settings", args=[tree.p1.pk]), form)
    assert selectors.optional_kinds(tree.p1) == set()
    # Only the province's officers choose; a commune officer's post changes nothing.
    del form["required-month"]
    assert signed_in("commune_officer").post(reverse("reports:settings", args=[tree.c1.pk]), form).status_code == 302
    assert selectors.optional_kinds(tree.p1) == set()


# -- notices ---------------------------------------------------------------------------------------------------


def test_reviewers_and_reporters_are_notified(tree: Tree, users: Users, month: Period) -> None:
    from cdtt.notices.models import Notification

    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    report = services.report_submit(actor=users.team_member, report=report, version=report.version)
    to_officer = Notification.objects.get(recipient=users.commune_officer, kind="report_submitted")
    assert to_officer.url == reverse("reports:detail", args=[report.pk])
    assert not Notification.objects.filter(recipient=users.province_officer).exists()  # not the reviewing level
    report = services.report_return(actor=users.commune_officer, report=report, version=report.version, comment="Sửa")
    returned = Notification.objects.filter(kind="report_returned")
    assert set(returned.values_list("recipient", flat=True)) == {users.team_member.pk, users.team_leader.pk}
    assert returned.first().body == "Sửa"  # type: ignore[union-attr]
    report = services.report_submit(actor=users.team_leader, report=report, version=report.version)
    services.report_approve(actor=users.commune_officer, report=report, version=report.version)
    assert Notification.objects.filter(kind="report_approved", recipient=users.team_member).count() == 1


def test_report_due_reminders_once_a_day(tree: Tree, users: Users, month: Period) -> None:
    from cdtt.notices.models import Notification

    november = calendar_period(PeriodKind.MONTH, 2026, 11)
    day = datetime.date(2026, 11, 13)  # the month's report is due on the 15th
    made = services.remind_due(today=day)
    reminded = set(Notification.objects.filter(kind="report_due").values_list("recipient", flat=True))
    assert made >= 2 and reminded == {users.team_member.pk, users.team_leader.pk}
    assert services.remind_due(today=day) == 0  # a second run the same day adds nothing
    sent = services.report_open(actor=users.team_member, subject=tree.v1, period=november, today=day)
    services.report_submit(actor=users.team_member, report=sent, version=sent.version)
    Notification.objects.all().delete()
    services.remind_due(today=datetime.date(2026, 11, 14))
    titles = list(Notification.objects.filter(kind="report_due").values_list("title", flat=True))
    assert not any("11/2026" in t and "Tháng" in t for t in titles)  # November's was sent: no reminder for it


def test_a_difficulty_raised_from_a_report(
    tree: Tree, users: Users, month: Period, signed_in: Callable[[str], Client]
) -> None:
    from cdtt.difficulties.models import Difficulty

    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    member = signed_in("team_member")
    detail = member.get(reverse("reports:detail", args=[report.pk])).content.decode()
    new_url = reverse("difficulties:new") + f"?report={report.pk}"
    assert new_url.replace("&", "&amp;") in detail
    assert member.get(new_url).status_code == 200
    body = {"report": report.pk, "category": "devices", "description": "Thiếu điện thoại", "position": f"v{tree.v1.pk}"}
    member.post(reverse("difficulties:new"), body)
    difficulty = Difficulty.objects.get()
    assert difficulty.source_report_id == report.pk
    assert "Thiếu điện thoại" not in detail  # listed on the report's page from now on
    page = signed_in("commune_officer").get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert reverse("difficulties:detail", args=[difficulty.pk]) in page
    other = services.report_open(actor=users.outsider, subject=tree.c3, period=month)
    refused = member.post(reverse("difficulties:new"), {**body, "report": other.pk})
    assert refused.status_code == 404 and Difficulty.objects.count() == 1


def test_the_organisation_section_counts_members_and_their_training(tree: Tree, users: Users, month: Period) -> None:
    from cdtt.teams.models import Member, Membership
    from cdtt.training.models import Attendance, Course, Invitation, Organiser, Presence, Session

    team = Team.objects.get(village=tree.v1)
    day = month.start
    members = [Member.objects.create(commune=tree.c1, full_name=f"Thành viên {n}") for n in range(3)]
    for member in members:
        Membership.objects.create(team=team, member=member, joined_on=day)
    course = Course.objects.create(
        title="VNeID", organiser=Organiser.PROVINCE, unit=tree.p1, starts_on=day, ends_on=month.end
    )
    session = Session.objects.create(
        course=course, starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))
    )
    for member, status in zip(members, (Presence.PRESENT, Presence.ABSENT, Presence.EXCUSED), strict=True):
        invitation = Invitation.objects.create(course=course, member=member, commune=tree.c1, team=team)
        Attendance.objects.create(session=session, invitation=invitation, status=status)

    org = selectors.organisation(tree.v1, month)
    assert (org["members"], org["joined"], org["trained"], org["trained_in_period"]) == (3, 3, 1, 1)
    commune = selectors.organisation(tree.c1, month)
    assert (commune["teams"], commune["members"], commune["trained"]) == (2, 3, 1)  # v1 and v2 have teams


# -- a commune with nothing in it (the real tree's communes, before villages are entered) ---------------


@pytest.mark.parametrize("who", ["province_officer", "leader", "national_admin"])
def test_the_report_page_of_a_commune_with_no_villages_and_no_records_answers(
    signed_in: Callable[[str], Client], tree: Tree, users: Users, month: Period, who: str
) -> None:
    empty = AdminUnit.objects.create(
        code="00007",
        name="Phường Trống",
        short_name="Trống",
        kind="ward",
        parent=tree.p1,
        valid_from=tree.c1.valid_from,
    )
    client = signed_in(who)
    response = client.get(reverse("reports:unit", args=[empty.pk]))
    assert response.status_code == 200
    rows, _info = selectors.live_rows(empty, month)
    assert rows and all(r.in_period == 0 and r.cumulative == 0 for r in rows)
    assert client.get(reverse("reports:unit_xlsx", args=[empty.pk])).status_code == 200
