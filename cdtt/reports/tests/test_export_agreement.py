"""Every consolidated sheet (commune, province, nation) and every report document agrees with what it
summarises (issue 15, defect 7 and "What to build" 6): each figure, target, share and total is recomputed
here from the approved reports and the records beneath, on a world where only some units have reports.

Also the sheets' print setup (A4, titles and names on every page, page numbers), their number formats, and
the documents' dates in Vietnam's time."""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from cdtt.accounts.models import Role, RoleAssignment
from cdtt.activities.models import Activity
from cdtt.catalog.models import Indicator, Method
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import AdminUnit, Village
from cdtt.reports import exports, selectors, services
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree, Users, make_user

from .test_reports import propaganda

pytestmark = pytest.mark.django_db

FIGURE_HEADS = ["Giao", "Trong kỳ", "Lũy kế", "%"]


@pytest.fixture
def month(tree: Tree) -> Period:
    """This month, with the default catalogue and active teams in v1, v2 and v3."""
    catalog_load()
    for village in (tree.v1, tree.v2, tree.v3):
        Team.objects.create(
            commune=village.commune, village=village, name=f"Tổ {village.name}", status=TeamStatus.ACTIVE
        )
    today = timezone.localdate()
    return calendar_period(PeriodKind.MONTH, today.year, today.month)


@pytest.fixture
def world(tree: Tree, users: Users, month: Period) -> dict[str, Any]:
    """C1 has four villages: v1 approved, v2 with records and no report, two more with nothing (Xã Bát Tràng's
    November). C2 has records and no report; C1's report is approved by the province; the other province
    has nothing. Targets for the year at several levels, one for the month."""
    extra = [
        Village.objects.create(commune=tree.c1, name=f"Thôn Mới {n}", valid_from=tree.v1.valid_from) for n in (1, 2)
    ]
    c2_officer = make_user("c2_officer")
    RoleAssignment.objects.create(user=c2_officer, role=Role.COMMUNE_OFFICER, unit=tree.c2)
    year = calendar_period(PeriodKind.YEAR, month.start.year)
    people = Indicator.objects.get(code="people_reached")
    sessions = Indicator.objects.get(code="propaganda_sessions")
    for subject, indicator, value, period in (
        (tree.v1, people, 40, year),
        (tree.v2, people, 25, year),
        (tree.c1, people, 1200, year),
        (tree.c1, sessions, 3, month),
        (tree.c2, people, 2500, year),
        (tree.p1, people, 50000, year),
        (tree.vn, people, 900000, year),
    ):
        actor = users.national_admin
        targets.target_set(actor=actor, subject=subject, indicator=indicator, period=period, value=value)
    propaganda(users.team_member, village=tree.v1, people=31)
    propaganda(users.commune_officer, village=tree.v2, people=7)
    propaganda(users.commune_officer, village=tree.v2, people=1234)  # thousands: "1.234" grouped
    propaganda(users.commune_officer, commune=tree.c1, people=100)
    propaganda(c2_officer, village=tree.v3, people=20)
    v1 = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    v1 = services.report_submit(actor=users.team_member, report=v1, version=v1.version)
    services.report_approve(actor=users.commune_officer, report=v1, version=v1.version)
    propaganda(users.team_member, village=tree.v1, people=5)  # after approval: live, not in the report
    c1 = services.report_open(actor=users.commune_officer, subject=tree.c1, period=month)
    c1 = services.report_submit(actor=users.commune_officer, report=c1, version=c1.version)
    services.report_approve(actor=users.province_officer, report=c1, version=c1.version)
    return {"extra": extra, "year": year, "people": people}


# -- what the sheet should say, recomputed ------------------------------------------------------------------


def _share(base: Decimal, target: Decimal | None) -> float | None:
    return round(float(base) * 100 / float(target), 1) if target else None


def _expected(rows: list[selectors.Row]) -> dict[int, tuple[Any, ...]]:
    """(target, in period, year to date, share) per indicator, the share recomputed from its parts."""
    found = {}
    for row in rows:
        base = row.cumulative if row.target_of == "year" else row.in_period
        found[row.indicator] = (row.target, row.in_period, row.cumulative, _share(base, row.target))
    return found


def _report_of(subject: Any, period: Period) -> Report | None:
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    return Report.objects.filter(period=period, **where).first()


def expected_child(subject: Any, period: Period) -> dict[int, tuple[Any, ...]]:
    """An approved report's frozen figures; otherwise the child's own records so far (its report's live rows,
    unconsolidated: what it recorded itself)."""
    report = _report_of(subject, period)
    if report is not None and report.status == ReportStatus.APPROVED:
        return _expected([selectors.Row.from_json(data) for data in report.results])
    rows, _info = selectors.live_rows(subject, period, consolidate=False)
    return _expected(rows)


def expected_total(unit: AdminUnit, period: Period) -> dict[int, tuple[Any, ...]]:
    """What the unit's own report says: frozen once sent, else computed as its report page computes it."""
    report = _report_of(unit, period)
    if report is not None and report.is_sent:
        return _expected([selectors.Row.from_json(data) for data in report.results])
    return _expected(selectors.live_rows(unit, period)[0])


# -- what the sheet says --------------------------------------------------------------------------------------


def _as_number(value: Any, percent: bool) -> Any:
    if value is None:
        return None
    return round(value * 100, 1) if percent else Decimal(str(value))


def read_sheet(sheet: Any, indicators: list[Indicator]) -> dict[str, dict[int, tuple[Any, ...]]]:
    """{row name: {indicator: (target, in period, year to date, share)}} from a consolidated sheet."""
    heads = [c.value for c in sheet[4]]
    subheads = [c.value for c in sheet[5]]
    by_title = {f"{i.name} ({i.get_measure_display()})": i for i in indicators}
    columns = {}
    for index, head in enumerate(heads):
        if head in by_title:
            assert subheads[index : index + 4] == FIGURE_HEADS
            columns[by_title[head].pk] = index
    assert set(columns) == {i.pk for i in indicators}  # every indicator has its columns
    percent = {i.pk for i in indicators if i.method == Method.RATIO}
    found: dict[str, dict[int, tuple[Any, ...]]] = {}
    for cells in sheet.iter_rows(min_row=6):
        name = cells[1].value
        values = {}
        for pk, index in columns.items():
            target, in_period, cumulative, share = (c.value for c in cells[index : index + 4])
            values[pk] = (
                _as_number(target, pk in percent),
                _as_number(in_period, pk in percent) or Decimal(0),
                _as_number(cumulative, pk in percent) or Decimal(0),
                _as_number(share, True),
            )
        found[name] = values
    return found


def _same(sheet_values: dict[int, tuple[Any, ...]], expected: dict[int, tuple[Any, ...]], where: str) -> None:
    for pk, (target, in_period, cumulative, share) in expected.items():
        got = sheet_values[pk]
        want = (
            None if target is None else Decimal(target),
            Decimal(in_period),
            Decimal(cumulative),
            share,
        )
        assert got == want, f"{where}, indicator {pk}: the sheet says {got}, the reports {want}"


def _book(unit: AdminUnit, period: Period) -> Any:
    return load_workbook(io.BytesIO(exports.consolidated_xlsx(unit, period)))


@pytest.mark.parametrize("level", ["c1", "p1", "vn"])
def test_every_figure_of_every_consolidated_sheet_is_what_the_reports_say(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
    level: str,
) -> None:
    unit = getattr(tree, level)
    indicators = selectors.report_indicators(month, unit)
    book = _book(unit, month)
    parts: list[tuple[str, list[Any]]]
    if unit == tree.c1:
        parts = [("Thôn, tổ dân phố", list(Village.objects.active().filter(commune=unit)))]
    elif unit == tree.p1:
        parts = [("Xã, phường", list(AdminUnit.objects.current().filter(parent=unit)))]
    else:
        provinces = list(AdminUnit.objects.current().filter(parent=unit))
        parts = [
            ("Tỉnh, thành phố", provinces),
            ("Xã, phường", list(AdminUnit.objects.current().filter(parent__in=provinces))),
        ]
    assert book.sheetnames == [title for title, _children in parts]
    total_name = "Tổng cộng (cả nước)" if unit == tree.vn else f"Tổng cộng ({unit.name})"
    for title, children in parts:
        found = read_sheet(book[title], indicators)
        assert set(found) == {c.name for c in children} | {total_name}  # every child, once, and the total
        for child in children:
            _same(found[child.name], expected_child(child, month), f"{title}: {child.name}")
        _same(found[total_name], expected_total(unit, month), f"{title}: {total_name}")


def test_a_village_without_a_report_shows_its_own_records_not_another_villages(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
) -> None:
    """Xã Bát Tràng's November: v1's approved numbers were copied onto the villages with no report."""
    people = world["people"]
    found = read_sheet(_book(tree.c1, month)["Thôn, tổ dân phố"], selectors.report_indicators(month, tree.c1))

    def recorded(village: Village) -> Decimal:  # straight from the records, not the progress cells
        total = Activity.objects.filter(village=village, kind="propaganda").aggregate(n=Sum("people_reached"))["n"]
        return Decimal(total or 0)

    assert found[tree.v1.name][people.pk][1] == 31  # the approved report (5 more recorded since: not in it)
    assert found[tree.v2.name][people.pk][1] == recorded(tree.v2) == 1241
    assert found[tree.v2.name][people.pk][0] == 25  # its own year's target
    for village in world["extra"]:
        assert found[village.name][people.pk][:3] == (None, 0, 0)
    total = found[f"Tổng cộng ({tree.c1.name})"][people.pk]
    assert total[:2] == (1200, 31 + 100)  # the commune's approved report: v1's report and its own records
    assert total[3] == round(131 * 100 / 1200, 1)


def test_the_sheets_print_on_a4_with_titles_names_and_page_numbers_on_every_page(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
) -> None:
    for unit in (tree.c1, tree.p1, tree.vn):
        for sheet in _book(unit, month).worksheets:
            assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
            assert 40 <= int(sheet.page_setup.scale) <= 100
            # Pages end between indicators (four to a page), never inside one's four columns.
            fixed = 4 if sheet.print_title_cols == "$A:$C" else 3
            assert [b.id for b in sheet.col_breaks.brk] == [
                fixed + 16 * n for n in range(1, len(sheet.col_breaks.brk) + 1)
            ]
            assert sheet.col_breaks.brk  # the default catalogue's indicators do not fit one page's width
            assert sheet.print_title_rows == "$4:$5"
            assert sheet.print_title_cols in ("$A:$B", "$A:$C")  # the number and the unit's name (and province)
            assert "&P" in sheet.oddFooter.right.text and "&N" in sheet.oddFooter.right.text
            merged = {str(r) for r in sheet.merged_cells.ranges}
            assert "D4:G4" in merged or "E4:H4" in merged  # an indicator's title over its four columns
            assert sheet["D4"].alignment.wrap_text or sheet["E4"].alignment.wrap_text


def test_the_sheets_use_vietnamese_number_formats_and_no_internal_codes(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
) -> None:
    sheet = _book(tree.c1, month)["Thôn, tổ dân phố"]
    codes = set(Indicator.objects.values_list("code", flat=True))
    formats = set()
    for cells in sheet.iter_rows(min_row=6):
        for cell in cells[3:]:
            if cell.value is None:
                continue  # not in the file (openpyxl makes the empty cells of a row as it reads)
            formats.add(cell.number_format)
            if cell.number_format == "0.0%" and cell.value is not None:
                assert 0 <= cell.value <= 100  # a fraction, shown "91,7%"
    assert formats <= {"#,##0", "#,##0.0", "0.0%"}
    texts = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert not texts & codes
    report = Report.objects.get(village=tree.v1)
    single = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    assert single is not None
    assert not {str(c.value) for row in single.iter_rows() for c in row if c.value is not None} & codes
    assert single.print_title_rows and single.page_setup.paperSize == 9


# -- report documents -------------------------------------------------------------------------------------------


def _docx_results(data: bytes) -> tuple[list[list[str]], str]:
    doc = Document(io.BytesIO(data))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    return rows, "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )


def _vn(value: Decimal | None) -> str:
    if value is None:
        return ""
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.1f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


@pytest.mark.parametrize("which", ["v1", "c1", "p1"])
def test_every_figure_of_every_report_document_is_the_reports(
    tree: Tree,
    users: Users,
    world: dict[str, Any],
    month: Period,
    which: str,
) -> None:
    subject = getattr(tree, which)
    report = _report_of(subject, month) or services.report_open(
        actor=users.province_officer, subject=subject, period=month
    )
    rows, _text = _docx_results(exports.report_docx(report))
    if report.is_sent:
        want = [selectors.Row.from_json(d) for d in report.results]
    else:
        want = selectors.live_rows(subject, month)[0]
    assert len(rows) == len(want)
    for cells, row in zip(rows, want, strict=True):
        base = row.cumulative if row.target_of == "year" else row.in_period
        share = _share(base, row.target)
        target = _vn(row.target) + (" (năm)" if row.target_of == "year" and row.target is not None else "")
        assert cells[1] == row.name
        assert cells[3:7] == [
            target,
            _vn(row.in_period),
            _vn(row.cumulative),
            "" if share is None else f"{share:.1f}".replace(".", ","),
        ], f"{which}: {row.code}"


def test_report_documents_are_dated_in_vietnams_time(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
) -> None:
    """Sent at 06:30 on the 7th in Hà Nội (23:30 on the 6th in UTC): dated the 7th, like its figures."""
    report = Report.objects.get(village=tree.v1)
    sent = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=datetime.UTC)
    Report.objects.filter(pk=report.pk).update(submitted_at=sent, figures_at=sent)
    report.refresh_from_db()
    _rows, text = _docx_results(exports.report_docx(report))
    assert "ngày 07 tháng 12 năm 2026" in text
    assert "ngày 06 tháng 12" not in text
    assert re.search(r"Số liệu tính đến 06 giờ 30 ngày 07/12/2026", text)
    sheet = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    assert sheet is not None
    assert "07/12/2026 06:30" in str(sheet["A4"].value)


def test_every_officer_finds_the_consolidated_sheet_of_their_unit(
    tree: Tree,
    world: dict[str, Any],
    month: Period,
    signed_in: Callable[[str], Client],
) -> None:
    for who, unit in (("commune_officer", tree.c1), ("province_officer", tree.p1), ("national_admin", tree.vn)):
        page = signed_in(who).get(reverse("reports:unit", args=[unit.pk]) + f"?period={month.pk}")
        assert page.status_code == 200
        link = reverse("reports:unit_xlsx", args=[unit.pk])
        assert link in page.content.decode(), who
        assert signed_in(who).get(f"{link}?period={month.pk}").status_code == 200
    assert signed_in("outsider").get(reverse("reports:unit_xlsx", args=[tree.c1.pk])).status_code == 404
    assert Team.objects.filter(status=TeamStatus.ACTIVE).exists()


def test_the_personal_data_document_shows_stored_times_in_vietnams_time() -> None:
    from cdtt.households import privacy

    assert privacy._vn("2026-12-06T23:30:00+00:00") == "07/12/2026 06:30"
    assert privacy._vn("2026-12-07") == "07/12/2026"
