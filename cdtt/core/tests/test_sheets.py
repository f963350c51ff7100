"""Formula injection (issue 16.1): every spreadsheet the platform writes keeps user text as text.

The export walk finds the exports by walking the URLconf (every route ending in .xlsx, xlsx or .csv), so an
export added later is walked too; the source check finds any module writing a workbook or a CSV without the
one writer helper (cdtt.core.sheets)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from openpyxl import load_workbook

from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.core.sheets import FORMULA_STARTS, Workbook, csv_writer, looks_like_formula
from cdtt.geo.models import AdminUnit, Village
from cdtt.reports import services as reports
from cdtt.targets import services as targets
from cdtt.targets.models import PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Member, Membership, Team, TeamStatus
from cdtt.training import services as training
from cdtt.training.models import Presence
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

# What an attacker types as a name: the four formula starts, their full-width forms, a tab and a line break.
HOSTILE = [
    '=HYPERLINK("http://evil.example/x","Bấm")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\uff1d1+1 Thôn",
    "\t=1+1 Tổ",
    "\r=1+2 Người",
]


def _routes(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def spreadsheet_routes() -> list[str]:
    return sorted(route for route, _p in _routes(get_resolver()) if re.search(r"(xlsx|csv)/?$", route))


@pytest.fixture
def hostile_world(tree: Tree, users: Users) -> dict[str, Any]:
    """Every kind of name an export prints, set to a hostile value: villages, a commune, a team, members,
    a course and its session's place; with reports, targets and attendance so the exports have rows."""
    catalog_load()
    Village.objects.filter(pk=tree.v1.pk).update(name=HOSTILE[0])
    Village.objects.filter(pk=tree.v2.pk).update(name=HOSTILE[1])
    AdminUnit.objects.filter(pk=tree.c1.pk).update(name=HOSTILE[2])
    tree.v1.refresh_from_db()
    tree.c1.refresh_from_db()
    team = Team.objects.create(commune=tree.c1, village=tree.v1, name=HOSTILE[3], status=TeamStatus.ACTIVE)
    members = []
    for index, name in enumerate(HOSTILE[4:]):
        member = Member.objects.create(commune=tree.c1, full_name=name, phone=f"091200010{index}")
        Membership.objects.create(team=team, member=member, joined_on=datetime.date(2025, 9, 1))
        members.append(member)
    today = timezone.localdate()
    course = training.course_create(
        actor=users.province_officer,
        data=training.CourseIn(
            title=HOSTILE[0],
            unit_id=tree.p1.pk,
            organiser="province",
            starts_on=today - datetime.timedelta(days=3),
            ends_on=today + datetime.timedelta(days=3),
            covers_policy=True,
        ),
    )
    starts = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    session = training.session_create(
        actor=users.province_officer, course=course, data=training.SessionIn(starts_at=starts, place=HOSTILE[1])
    )
    training.invitation_create(actor=users.province_officer, course=course, unit_ids=[tree.c1.pk])
    training.attendance_record(
        actor=users.province_officer,
        session=session,
        rows=[training.AttendanceIn(m.pk, Presence.PRESENT) for m in members],
    )
    month = calendar_period(PeriodKind.MONTH, today.year, today.month)
    year = calendar_period(PeriodKind.YEAR, today.year)
    indicator = Indicator.objects.get(code="people_reached")
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=indicator, period=year, value=70)
    village_report = reports.report_open(actor=users.team_member, subject=tree.v1, period=month)
    village_report = reports.report_submit(actor=users.team_member, report=village_report, version=1)
    commune_report = reports.report_open(actor=users.commune_officer, subject=tree.c1, period=month)
    return {
        "unit_id": [tree.vn.pk, tree.p1.pk, tree.c1.pk],
        "session_id": [session.pk],
        "report_id": [village_report.pk, commune_report.pk],
        "query": ["", f"?period={month.pk}", f"?period={year.pk}", f"?team={team.pk}"],
    }


def _urls(route: str, world: dict[str, Any]) -> Iterator[str]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    assert len(names) <= 1, f"{route}: teach this walk its parameters"
    values = world[names[0]] if names else [None]
    for value in values:
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", str(value), route)
        for query in world["query"]:
            yield path + query


def test_every_spreadsheet_export_writes_hostile_names_as_text(
    hostile_world: dict[str, Any], signed_in: Callable[[str], Client]
) -> None:
    # The walk asks as each officer in turn: some files are only a commune's (the household import's template).
    clients = [signed_in(name) for name in ("national_admin", "province_officer", "commune_officer")]
    routes = spreadsheet_routes()
    assert len(routes) >= 8  # the walk found the exports (templates, roster, targets, reports, training)
    seen: set[str] = set()
    for route in routes:
        answered = 0
        for url in _urls(route, hostile_world):
            response = next((r for c in clients if (r := c.get(url)).status_code == 200), None)
            if response is None:
                continue
            answered += 1
            body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
            if route.rstrip("/").endswith("csv"):
                for line in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
                    assert not any(looks_like_formula(cell) for cell in line), url
                continue
            for sheet in load_workbook(io.BytesIO(body)).worksheets:
                for cells in sheet.iter_rows():
                    for cell in cells:
                        assert cell.data_type != "f", f"{url}: {sheet.title}!{cell.coordinate} is a formula"
                        if looks_like_formula(cell.value):
                            assert cell.quotePrefix, f"{url}: {sheet.title}!{cell.coordinate} not quote-prefixed"
                        if isinstance(cell.value, str):
                            seen.update(h for h in HOSTILE if h.strip() in cell.value)
        assert answered, f"{route}: no URL of the walk answered 200; give it the parameters it needs"
    assert seen == set(HOSTILE)  # each hostile name reached at least one export, and stayed text


def test_the_workbook_keeps_text_that_looks_like_a_formula_as_text() -> None:
    for write_only in (False, True):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("Trang") if write_only else book.active
        assert sheet is not None
        sheet.append([*HOSTILE, 5, "Thôn 1", None])
        if not write_only:
            sheet["A3"] = "=1+1"  # a single cell set later is swept when saved
        found = load_workbook(io.BytesIO(book.to_bytes())).worksheets[-1]
        cells = [c for row in found.iter_rows() for c in row if c.value is not None]
        assert [c.value for c in cells][: len(HOSTILE)] == HOSTILE  # kept as typed (an export can be re-imported)
        assert all(c.data_type != "f" for c in cells)
        assert all(c.quotePrefix for c in cells if looks_like_formula(c.value))
        assert not any(c.quotePrefix for c in cells if c.value in (5, "Thôn 1"))


def test_the_csv_writer_prefixes_formula_starts() -> None:
    out = io.StringIO()
    csv_writer(out).writerow([*HOSTILE, "Thôn 1", 5])
    line = next(csv.reader(io.StringIO(out.getvalue())))
    assert line[: len(HOSTILE)] == [f"'{h}" for h in HOSTILE]
    assert line[-2:] == ["Thôn 1", "5"]
    assert all(h[0] in FORMULA_STARTS for h in HOSTILE)


def test_no_module_writes_a_spreadsheet_without_the_helper() -> None:
    """openpyxl's own Workbook and csv.writer write "=…" as a formula or as is: every export goes through
    cdtt.core.sheets instead."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or (path.name == "sheets.py" and path.parent.name == "core"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"from openpyxl import .*\bWorkbook\b|openpyxl\.Workbook\(|csv\.(writer|DictWriter)\(", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
