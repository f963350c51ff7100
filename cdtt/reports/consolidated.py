"""The figures of a consolidated sheet: one line per child unit (or village) and indicator, and the total.

A sheet summarises reports, so it says what they say (issue 15.7):
- a child whose report for the period is approved: the figures frozen in that report (target, in the period,
  year to date, share);
- a child with no approved report: what is recorded for it so far (its own cells), with the same targets and
  shares its report would show (the period's target, else the year's);
- the total: what the unit's own report says (frozen once sent, else computed now as its report page does:
  its children's approved reports plus what it recorded itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cdtt.catalog.models import Indicator, Method
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.progress.models import Level
from cdtt.progress.selectors import unit_progress
from cdtt.reports import selectors
from cdtt.reports.models import Report, ReportStatus
from cdtt.reports.selectors import Row
from cdtt.targets.models import Period, Target


@dataclass
class Line:
    """One child unit: its report's state and its figures per indicator."""

    subject: Any
    status: str  # a ReportStatus, or "" when it has no report
    rows: dict[int, Row] = field(default_factory=dict)


@dataclass
class Part:
    """One sheet: the children of one kind, and the total (the unit's own report)."""

    title: str
    level: int
    lines: list[Line]
    with_province: bool = False


@dataclass
class Consolidated:
    unit: AdminUnit
    period: Period
    indicators: list[Indicator]
    parts: list[Part]
    total: dict[int, Row]
    total_status: str


def consolidated(unit: AdminUnit, period: Period) -> Consolidated:
    """The figures of ``unit``'s consolidated sheet for ``period`` (see the module's docstring)."""
    indicators = selectors.report_indicators(period, unit)
    parts: list[Part] = []
    if unit.kind == UnitKind.NATIONAL:
        provinces = list(AdminUnit.objects.current().filter(kind=UnitKind.PROVINCE).order_by("name"))
        communes = list(
            AdminUnit.objects.current()
            .filter(parent__in=provinces)
            .exclude(kind=UnitKind.PROVINCE)
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        parts.append(Part("Tỉnh, thành phố", Level.PROVINCE, _lines(provinces, Level.PROVINCE, period, indicators)))
        parts.append(
            Part("Xã, phường", Level.COMMUNE, _lines(communes, Level.COMMUNE, period, indicators), with_province=True)
        )
    elif unit.kind == UnitKind.PROVINCE:
        communes = list(AdminUnit.objects.current().filter(parent=unit).order_by("name"))
        parts.append(Part("Xã, phường", Level.COMMUNE, _lines(communes, Level.COMMUNE, period, indicators)))
    else:
        villages = list(Village.objects.active().filter(commune=unit).order_by("name"))
        parts.append(Part("Thôn, tổ dân phố", Level.VILLAGE, _lines(villages, Level.VILLAGE, period, indicators)))
    own = Report.objects.filter(period=period, unit=unit, village__isnull=True).first()
    if own is not None and own.is_sent:
        total_rows = selectors.report_rows(own)
    else:
        total_rows, _info = selectors.live_rows(unit, period)
    return Consolidated(
        unit=unit,
        period=period,
        indicators=indicators,
        parts=parts,
        total={row.indicator: row for row in total_rows},
        total_status=own.status if own is not None else "",
    )


def _lines(subjects: list[Any], level: int, period: Period, indicators: list[Indicator]) -> list[Line]:
    """Each child's figures: its approved report's, else its records so far. A fixed number of queries."""
    key = "village_id" if level == Level.VILLAGE else "unit_id"
    ids = [s.pk for s in subjects]
    lines = {s.pk: Line(subject=s, status="") for s in subjects}
    reports = Report.objects.filter(period=period, **{f"{key}__in": ids}).values_list(key, "status", "results")
    for child_id, status, results in reports:
        line = lines[child_id]
        line.status = status
        if status == ReportStatus.APPROVED:
            line.rows = {row.indicator: row for row in map(Row.from_json, results or [])}
    live = [pk for pk, line in lines.items() if line.status != ReportStatus.APPROVED]
    if live:
        _live_rows([lines[pk] for pk in live], level, period, indicators)
    return [lines[s.pk] for s in subjects]


def _live_rows(lines: list[Line], level: int, period: Period, indicators: list[Indicator]) -> None:
    """The rows a child's own (unconsolidated) report would show now: as selectors.live_rows for one subject,
    for many subjects in three queries."""
    key = "village_id" if level == Level.VILLAGE else "unit_id"
    ids = [line.subject.pk for line in lines]
    in_period = unit_progress(indicators, period, level, ids)
    ytd = selectors.year_to_date(period)
    # A year's running total is the year itself: one read, not two.
    same = (ytd.start, ytd.end) == (period.start, period.end)
    cumulative = in_period if same else unit_progress(indicators, ytd, level, ids)
    year = selectors._year_period(period) if not period.is_campaign else None
    periods = [p.pk for p in (period, year) if p is not None]
    targets: dict[tuple[int, int, int], Decimal] = {
        (period_id, indicator_id, child): value
        for period_id, indicator_id, child, value in Target.objects.filter(
            period__in=periods, indicator__in=indicators, **{f"{key}__in": ids}
        ).values_list("period_id", "indicator_id", key, "value")
    }
    # What each row repeats, read once per indicator (get_*_display translates on every call, .pk is a
    # property): at the nation's 3,321 communes × 27 indicators these were most of the time.
    about = [(i.pk, i.code, i.name, str(i.get_measure_display())) for i in indicators]
    year_pk = year.pk if year is not None and year.pk != period.pk else None
    zero = Decimal(0)
    for line in lines:
        child = line.subject.pk
        rows = line.rows
        for pk, code, name, measure in about:
            target, target_of = targets.get((period.pk, pk, child)), "period"
            if target is None and year_pk is not None:
                target, target_of = targets.get((year_pk, pk, child)), "year"
            rows[pk] = Row(
                indicator=pk,
                code=code,
                name=name,
                measure=measure,
                target=target,
                target_of=target_of if target is not None else "",
                in_period=in_period.get((pk, child), zero),
                cumulative=cumulative.get((pk, child), zero),
            )


def is_percent(indicator: Indicator) -> bool:
    return indicator.method == Method.RATIO
