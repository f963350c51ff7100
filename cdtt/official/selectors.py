"""Reads: reported beside official figures with the gaps, the years before 2025 under today's units, and
where an old commune went. Every read a page or the API makes is given the user and scoped through
``cdtt.access.scope``; ``official_population`` is the one unscoped read, for the data-quality rules, which
judge a unit's own records against its own population whoever recorded them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.catalog.models import Indicator
from cdtt.core.errors import NotFound
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, UnitSuccessor
from cdtt.official import periods
from cdtt.official.models import (
    REPORTED_INDICATOR,
    STOCK_KINDS,
    ApportionRule,
    FigureKind,
    LegacyFigure,
    LegacyShare,
    OfficialFigure,
)
from cdtt.progress import selectors as progress
from cdtt.targets.models import Period, PeriodKind
from cdtt.transfers import selectors as transfer_selectors
from cdtt.transfers.models import ImportJob, ImportKind

# The first year shown in a history: the programme's reports the provinces kept before the reform.
HISTORY_FROM = 2022


# -- the unit a page is about ----------------------------------------------------------------------


def figures_subject(*, user: Any, unit_id: Any) -> AdminUnit:
    """A unit whose figures the user reads: a current one in scope, or an old commune one of whose
    successors is (the old one's page says where it went). 403 without the role, 404 otherwise."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_FIGURES)
    try:
        return scope.unit(unit_id, Perm.VIEW_FIGURES)
    except NotFound:
        unit = scope.unit(unit_id)  # an old unit is found through its successors in scope
        if unit.is_current:
            raise
        return unit


def import_communes(*, user: Any, unit: AdminUnit) -> dict[int, AdminUnit]:
    """Current communes under ``unit`` (itself included) whose figures the user imports."""
    communes = scope_for(user).units(Perm.IMPORT_FIGURES).current().communes().in_subtree(unit.path)
    return {c.pk: c for c in communes.only("id", "code", "name", "short_name", "path", "parent_id")}


def legacy_stored(old_unit_ids: Iterable[int]) -> set[tuple[int, int, int]]:
    """(old unit, indicator, bucket) of the figures already imported for these old communes (an import's check)."""
    rows = LegacyFigure.objects.filter(old_unit_id__in=list(old_unit_ids))
    return set(rows.values_list("old_unit_id", "indicator_id", "bucket"))


# -- official population (for the capacity rule) ---------------------------------------------------


def _latest(
    commune_ids: Iterable[int], kinds: Iterable[str], until: datetime.date | None
) -> dict[tuple[str, int], int]:
    """(kind, commune) -> the commune's latest official figure of that stock kind whose period began by
    ``until`` (any period when None); one query."""
    rows = OfficialFigure.objects.filter(commune_id__in=list(commune_ids), kind__in=list(kinds))
    return _pick_latest(rows.values_list("kind", "commune_id", "bucket", "value"), until)


def _pick_latest(rows: Iterable[tuple[str, int, int, int]], until: datetime.date | None) -> dict[tuple[str, int], int]:
    found: dict[tuple[str, int], tuple[tuple[datetime.date, bool], int]] = {}
    for kind, commune_id, bucket, value in rows:
        start = periods.start_of(bucket)
        if until is not None and start > until:
            continue
        key = (start, bucket >= 10000)  # a month's figure is more precise than its year's
        if (kind, commune_id) not in found or key > found[(kind, commune_id)][0]:
            found[(kind, commune_id)] = (key, value)
    return {pair: value for pair, (_key, value) in found.items()}


def latest_populations(
    commune_ids: Iterable[int], *, kind: str = FigureKind.POPULATION, until: datetime.date | None = None
) -> dict[int, int]:
    """Each commune's latest official figure of a stock kind (population, households) whose period began
    by ``until`` (any period when None)."""
    return {commune_id: value for (_kind, commune_id), value in _latest(commune_ids, [kind], until).items()}


def official_population(unit: AdminUnit, period: Period, *, kind: str = FigureKind.POPULATION) -> int | None:
    """The official population (or ``kind=FigureKind.HOUSEHOLDS``: households) of a current commune or
    province for a period: the latest official figure published by the period's end. A province's is the
    sum of its communes' and None unless every commune has one (a partial sum would judge too harshly);
    None when there is none."""
    if unit.is_commune:
        return latest_populations([unit.pk], kind=kind, until=period.end).get(unit.pk)
    communes = list(AdminUnit.objects.current().communes().in_subtree(unit.path).values_list("pk", flat=True))
    found = latest_populations(communes, kind=kind, until=period.end)
    if not communes or len(found) < len(communes):
        return None
    return sum(found.values())


# -- reported beside official ----------------------------------------------------------------------


def period_of(bucket: int) -> Period:
    """An unsaved calendar period for a bucket, as the progress reads take it."""
    _year, month = periods.split(bucket)
    kind = PeriodKind.MONTH if month else PeriodKind.YEAR
    return Period(kind=kind, name=periods.label(bucket), start=periods.start_of(bucket), end=periods.end_of(bucket))


@dataclass
class Gap:
    """One unit and figure: what the teams reported, what the official source says, and the gap."""

    unit: AdminUnit
    kind: str
    reported: Decimal | None
    official: int | None
    communes: int = 1  # communes under the unit
    communes_with_figure: int = 0  # of them, with an official figure for the period

    @property
    def kind_label(self) -> str:
        return str(FigureKind(self.kind).label)

    @property
    def gap(self) -> Decimal | None:
        if self.official is None:
            return None
        return (self.reported or Decimal(0)) - self.official

    @property
    def gap_percent(self) -> float | None:
        gap = self.gap
        if gap is None or not self.official:
            return None
        return round(float(gap) * 100 / self.official, 1)

    @property
    def width(self) -> float:
        """How wide the gap is, to rank by: its share of the official figure (the absolute gap when 0)."""
        if self.gap_percent is not None:
            return abs(self.gap_percent)
        return abs(float(self.gap)) if self.gap is not None else -1.0


@dataclass
class Comparison:
    subject: AdminUnit
    bucket: int
    kind: str
    own: list[Gap]  # the subject's own row for every figure
    ranked: list[Gap]  # the units below for ``kind``, widest gap first

    @property
    def period_label(self) -> str:
        return periods.label(self.bucket)

    @property
    def kind_label(self) -> str:
        return str(FigureKind(self.kind).label)


def _children(subject: AdminUnit) -> list[AdminUnit]:
    if subject.is_commune:
        return []
    kind_filter = Q(kind=UnitKind.PROVINCE) if subject.kind == UnitKind.NATIONAL else Q(kind__in=_commune_kinds())
    return list(AdminUnit.objects.current().filter(kind_filter, parent=subject).order_by("name"))


def _commune_kinds() -> list[str]:
    return [UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE]


def _official_values(
    units: list[AdminUnit], kinds: list[str], bucket: int
) -> dict[tuple[str, int], tuple[int, int, int]]:
    """(kind, unit id) -> (sum of its communes' official figures, communes with one, communes); three queries."""
    condition = Q()
    for unit in units:
        condition |= Q(path__startswith=unit.path)
    communes = list(AdminUnit.objects.current().communes().filter(condition).values_list("pk", "path"))
    ids = [pk for pk, _path in communes]
    stocks = [k for k in kinds if k in STOCK_KINDS]
    flows = [k for k in kinds if k not in STOCK_KINDS]
    # One query: the flows' figures of the period, and every figure of the stocks (the latest is chosen below).
    rows = OfficialFigure.objects.filter(
        Q(kind__in=flows, bucket=bucket) | Q(kind__in=stocks), commune_id__in=ids
    ).values_list("kind", "commune_id", "bucket", "value")
    values: dict[tuple[str, int], int] = {}
    stock_rows: list[tuple[str, int, int, int]] = []
    for kind, pk, found_bucket, value in rows:
        if kind in STOCK_KINDS:
            stock_rows.append((kind, pk, found_bucket, value))
        else:
            values[(kind, pk)] = value
    values.update(_pick_latest(stock_rows, periods.end_of(bucket)))
    found: dict[tuple[str, int], tuple[int, int, int]] = {}
    for unit in units:
        mine = [pk for pk, path in communes if path.startswith(unit.path)]
        for kind in kinds:
            with_figure = [values[(kind, pk)] for pk in mine if (kind, pk) in values]
            found[(kind, unit.pk)] = (sum(with_figure), len(with_figure), len(mine))
    return found


def _reported(units: list[AdminUnit], kinds: list[str], bucket: int) -> dict[tuple[str, int], Decimal]:
    """(kind, unit id) -> the teams' figure beside it (one query for the indicators, one per level)."""
    codes = {REPORTED_INDICATOR[k]: k for k in kinds}
    indicators = list(Indicator.objects.filter(code__in=list(codes)))
    if not indicators or not units:
        return {}
    period = period_of(bucket)
    found: dict[tuple[str, int], Decimal] = {}
    by_level: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit in units:
        level, key = progress.level_and_unit(unit)
        by_level[level].append((unit.pk, key))
    for level, pairs in by_level.items():
        read = progress.unit_progress(indicators, period, level, [key for _pk, key in pairs])
        for indicator in indicators:
            for pk, key in pairs:
                if (indicator.pk, key) in read:
                    found[(codes[indicator.code], pk)] = read[(indicator.pk, key)]
    return found


def _gaps(units: list[AdminUnit], kinds: list[str], bucket: int) -> list[Gap]:
    if not units:
        return []
    official = _official_values(units, kinds, bucket)
    reported = _reported(units, kinds, bucket)
    gaps = []
    for unit in units:
        for kind in kinds:
            total, with_figure, communes = official.get((kind, unit.pk), (0, 0, 0))
            gaps.append(
                Gap(
                    unit=unit,
                    kind=kind,
                    reported=reported.get((kind, unit.pk)),
                    official=total if with_figure else None,
                    communes=communes,
                    communes_with_figure=with_figure,
                )
            )
    return gaps


def official_comparison(*, user: Any, unit: AdminUnit, bucket: int, kind: str = "", rank: bool = True) -> Comparison:
    """``unit`` (from ``figures_subject``) for one period: its reported and official figure of every kind,
    and for ``kind`` the units below it ranked by the widest gap first (units without an official figure last)."""
    if not unit.is_current:
        raise NotFound(_("The unit was not found."))
    kind = kind if kind in FigureKind.values else FigureKind.VNEID_LEVEL2
    own = _gaps([unit], list(FigureKind.values), bucket)
    ranked = sorted(_gaps(_children(unit), [kind], bucket), key=lambda g: (-g.width, g.unit.name)) if rank else []
    return Comparison(subject=unit, bucket=bucket, kind=kind, own=own, ranked=ranked)


# -- the years before 2025 under today's units ------------------------------------------------------


def _shares_under(unit: AdminUnit) -> Any:
    if unit.is_commune:
        return LegacyShare.objects.filter(commune=unit)
    return LegacyShare.objects.filter(commune__path__startswith=unit.path)


def legacy_indicator_ids(*, unit: AdminUnit) -> set[int]:
    """Indicators with figures from before 2025 shared under ``unit`` (one query)."""
    return set(_shares_under(unit).values_list("indicator_id", flat=True).distinct())


def has_official(*, unit: AdminUnit) -> bool:
    """Whether any official figure of a commune under ``unit`` has been imported (one query)."""
    figures = OfficialFigure.objects.filter(commune__path__startswith=unit.path)
    return figures.exists()


def history_indicators(*, unit: AdminUnit, ids: set[int] | None = None) -> list[Indicator]:
    """Indicators with figures from before 2025 under ``unit``, then those with an official counterpart."""
    ids = legacy_indicator_ids(unit=unit) if ids is None else ids
    codes = set(REPORTED_INDICATOR.values())
    indicators = Indicator.objects.filter(Q(pk__in=ids) | Q(code__in=codes), is_active=True)
    return sorted(indicators, key=lambda i: (i.pk not in ids, i.order, i.pk))


@dataclass
class HistoryYear:
    year: int
    before: int | None  # shares of the old communes' figures (up to June 2025)
    reported: Decimal | None  # recorded on the platform under today's units
    apportioned: bool  # part of ``before`` comes from a divided old commune

    @property
    def total(self) -> Decimal | None:
        if self.before is None and self.reported is None:
            return None
        return Decimal(self.before or 0) + (self.reported or Decimal(0))


@dataclass
class Source:
    """An old commune whose figures count (in part) under the unit, and how."""

    old_unit: AdminUnit
    share: Decimal  # the latest share applied (1 when whole)
    split: bool
    rule: str

    @property
    def rule_label(self) -> str:
        return str(ApportionRule(self.rule).label)

    @property
    def percent(self) -> float:
        return round(float(self.share) * 100, 1)


@dataclass
class History:
    subject: AdminUnit
    indicator: Indicator | None
    years: list[HistoryYear] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    source_count: int = 0

    @property
    def has_before(self) -> bool:
        return any(y.before is not None for y in self.years)

    @property
    def reform_year(self) -> int:
        return REFORM_DATE.year


def history(*, user: Any, unit: AdminUnit, indicator: Indicator | None, today: datetime.date) -> History:
    """Year by year from 2022: the old communes' figures shared under ``unit`` (a current commune, province or
    the nation, from ``figures_subject``) and the figures recorded since, one series across the reform."""
    found = History(subject=unit, indicator=indicator)
    if indicator is None or not unit.is_current:
        return found
    shares = _shares_under(unit).filter(indicator=indicator)
    before: dict[int, int] = defaultdict(int)
    split_years: set[int] = set()
    for bucket, value, split in shares.values_list("bucket", "value", "split"):
        year = periods.split(bucket)[0]
        before[year] += value
        if split:
            split_years.add(year)
    level, key = progress.level_and_unit(unit)
    first = min([HISTORY_FROM, *before])
    for year in range(first, today.year + 1):
        reported = None
        if year >= REFORM_DATE.year:
            reported = progress.unit_progress([indicator], period_of(year), level, [key]).get((indicator.pk, key))
        found.years.append(
            HistoryYear(year=year, before=before.get(year), reported=reported, apportioned=year in split_years)
        )
    found.sources, found.source_count = _sources(shares, unit)
    return found


SOURCES_SHOWN = 50


def _sources(shares: Any, unit: AdminUnit) -> tuple[list[Source], int]:
    """The old communes behind the shares: all of them for a commune, the divided ones for a larger unit."""
    latest: dict[int, Source] = {}
    rows = shares.select_related("figure__old_unit__parent__parent").order_by("bucket", "id")
    if not unit.is_commune:
        rows = rows.filter(split=True)
    for share in rows[:5000]:
        figure = share.figure
        latest[figure.old_unit_id] = Source(
            old_unit=figure.old_unit, share=share.share, split=share.split, rule=figure.rule
        )
    ordered = sorted(latest.values(), key=lambda s: s.old_unit.name)
    return ordered[:SOURCES_SHOWN], len(ordered)


# -- an old commune: where it went, and its figures -------------------------------------------------


@dataclass
class LegacyFigureRow:
    figure: LegacyFigure
    shares: list[LegacyShare]

    @property
    def period_label(self) -> str:
        return periods.label(self.figure.bucket)

    @property
    def rule_label(self) -> str:
        return str(ApportionRule(self.figure.rule).label)


@dataclass
class LegacyDetail:
    unit: AdminUnit
    successors: list[UnitSuccessor]
    figures: list[LegacyFigureRow]
    total_figures: int

    @property
    def split(self) -> bool:
        return len(self.successors) > 1


LEGACY_ROWS = 200


def legacy_detail(*, user: Any, unit: AdminUnit) -> LegacyDetail:
    """An old commune (from ``figures_subject``): the communes it became part of, and its figures with their
    shares under them (the most recent first)."""
    if unit.is_current:
        raise NotFound(_("The unit was not found."))
    successors = list(
        UnitSuccessor.objects.filter(old=unit).select_related("new__parent").order_by("-is_default", "new__name")
    )
    figures = (
        LegacyFigure.objects.filter(old_unit=unit).select_related("indicator").order_by("-bucket", "indicator__order")
    )
    total = figures.count()
    rows = list(figures.prefetch_related("shares__commune")[:LEGACY_ROWS])
    return LegacyDetail(
        unit=unit,
        successors=successors,
        figures=[LegacyFigureRow(figure=f, shares=list(f.shares.all())) for f in rows],
        total_figures=total,
    )


# -- import jobs ----------------------------------------------------------------------------------


def figure_job_get(*, user: Any, job_id: Any) -> ImportJob:
    """A figures import job (official or before 2025) at a unit in the user's scope; 404 for missing and not
    yours alike."""
    try:
        return transfer_selectors.import_job_get(user=user, job_id=job_id, kind=ImportKind.OFFICIAL_FIGURES)
    except NotFound:
        return transfer_selectors.import_job_get(user=user, job_id=job_id, kind=ImportKind.LEGACY_FIGURES)


def indicator_names() -> list[str]:
    """The counted indicators a file of figures before 2025 may name (the template lists them)."""
    indicators = Indicator.objects.filter(is_active=True).order_by("order", "id")
    return [f"{i.code} — {i.name}" for i in indicators if i.is_counted]
