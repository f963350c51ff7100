"""Progress reads: achieved, target, percentage and rank among siblings, from the cells alone.

A read for one unit and one period touches the cells of that unit (one row per indicator and month)
and, for the rank, those of its siblings: a few hundred rows whatever the number of activities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from cdtt.catalog.models import Indicator, Method
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.progress.engine import NATION_UNIT
from cdtt.progress.models import Level, ProgressCell
from cdtt.targets.models import Period, Target

LEVEL_OF_KIND = {UnitKind.NATIONAL: Level.NATION, UnitKind.PROVINCE: Level.PROVINCE}


def place_key(subject: AdminUnit | Village) -> tuple[int, int]:
    """(level, unit) of the cells of a unit or a village."""
    if isinstance(subject, Village):
        return Level.VILLAGE, subject.pk
    level = LEVEL_OF_KIND.get(subject.kind, Level.COMMUNE)  # type: ignore[call-overload]
    return int(level), NATION_UNIT if level == Level.NATION else subject.pk


# (indicator, unit) -> (sum within the period, sum up to its end); None where no cell of those buckets exists.
Sums = dict[tuple[int, int], tuple[int | None, int | None]]


@dataclass(frozen=True)
class _Read:
    """Cells to sum: of these units (ids, or a query of ids the database runs in the same statement),
    for these indicators."""

    units: Sequence[int] | QuerySet[Any]
    indicators: Sequence[int]


def _read(indicators: Iterable[Indicator], units: Sequence[int] | QuerySet[Any]) -> _Read:
    """What ``indicators`` need: counted ones their own cells, a ratio its two parts."""
    needed: set[int] = set()
    for indicator in indicators:
        if indicator.is_counted:
            needed.add(indicator.pk)
        elif indicator.method == Method.RATIO:
            needed.update(pk for pk in (indicator.numerator_id, indicator.denominator_id) if pk is not None)
    return _Read(units, sorted(needed))


def _cover(buckets: Iterable[int], ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The fewest inclusive ranges holding these buckets and ranges (a year's: one range, which the
    index of the cells bounds)."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted([*((b, b) for b in buckets), *ranges]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _between(ranges: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    sql = " OR ".join(["bucket BETWEEN %s AND %s"] * len(ranges))
    return f"({sql})", [bound for pair in ranges for bound in pair]


def _sums(period: Period, level: int, reads: Sequence[_Read]) -> Sums:
    """One statement: per (indicator, unit) of every read, the sum of its cells within the period and up
    to its end.

    Written as SQL (the same on PostgreSQL and SQLite): a page reads a few thousand cells, where building
    and compiling the ORM's query and converting its rows cost as much as running it. Siblings come as a
    query of ids, so the database walks the cells' key once per sibling.
    """
    within = period.buckets()
    running_ranges = period.running_ranges()
    in_within = f"bucket IN ({', '.join(['%s'] * len(within))})"
    in_running, running = _between(running_ranges)
    in_either, either = _between(_cover(within, running_ranges))
    table = connection.ops.quote_name(ProgressCell._meta.db_table)
    selects: list[str] = []
    params: list[Any] = []
    for read in reads:
        if not read.indicators:
            continue
        if isinstance(read.units, QuerySet):
            units_sql, units_params = read.units.values_list("pk").order_by().query.sql_with_params()
        elif read.units:
            units_sql, units_params = ", ".join(["%s"] * len(read.units)), tuple(read.units)
        else:
            continue
        selects.append(
            f"SELECT indicator_id, unit, SUM(CASE WHEN {in_within} THEN value END), "  # noqa: S608
            f"SUM(CASE WHEN {in_running} THEN value END) FROM {table} "
            f"WHERE level = %s AND unit IN ({units_sql}) "
            f"AND indicator_id IN ({', '.join(['%s'] * len(read.indicators))}) AND {in_either} "
            "GROUP BY indicator_id, unit"
        )
        params += [*within, *running, level, *units_params, *read.indicators, *either]
    if not selects:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    # A key read twice (a unit in two reads) has the same sums both times.
    return {
        (indicator_id, unit): (None if within is None else int(within), None if running is None else int(running))
        for indicator_id, unit, within, running in rows
    }


def _achieved(indicator: Indicator, unit: int, sums: Sums) -> Decimal | None:
    """The achieved value of one indicator and unit from the sums; None when no cell counted it."""
    if indicator.is_counted:
        within, running = sums.get((indicator.pk, unit), (None, None))
        total = running if indicator.is_cumulative else within
        return None if total is None else Decimal(total)
    if indicator.method == Method.RATIO:
        bottom = sums.get((indicator.denominator_id or 0, unit), (None, None))[1]
        if bottom:
            top = sums.get((indicator.numerator_id or 0, unit), (None, None))[1] or 0
            return (Decimal(100 * top) / Decimal(bottom)).quantize(Decimal("0.1"))
    return None


def _column(indicator: Indicator, units: Iterable[int], sums: Sums) -> dict[int, Decimal]:
    """``_achieved`` of one indicator for many units (those with a value)."""
    if not indicator.is_counted:
        return {unit: value for unit in units if (value := _achieved(indicator, unit, sums)) is not None}
    slot, pk, found = (1 if indicator.is_cumulative else 0), indicator.pk, {}
    for unit in units:
        pair = sums.get((pk, unit))
        if pair is not None and (total := pair[slot]) is not None:
            found[unit] = Decimal(total)
    return found


def values(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], Decimal]:
    """Achieved value per (indicator, unit); a ratio is a percentage with one decimal. One query."""
    sums = _sums(period, level, [_read(indicators, units)])
    found: dict[tuple[int, int], Decimal] = {}
    for indicator in indicators:
        for unit in units:
            value = _achieved(indicator, unit, sums)
            if value is not None:
                found[(indicator.pk, unit)] = value
    return found


def monthly(
    indicators: Sequence[Indicator], year: int, level: int, units: Sequence[int]
) -> dict[tuple[int, int], list[Decimal]]:
    """Each indicator's value from 1 January to the end of each month of ``year``: twelve values per
    (indicator, unit), each equal to what ``values`` gives for a period from 1 January to that month's
    end (a sum within the year so far, a running total for cumulative ones, a ratio of running totals).

    One read of the units' month cells of the year (and, for running totals, of their earlier whole years).
    """
    within = {i.pk for i in indicators if i.is_counted and not i.is_cumulative}
    cumulative = {i.pk for i in indicators if i.is_counted and i.is_cumulative}
    ratios = [i for i in indicators if i.method == Method.RATIO]
    running = cumulative | {pk for r in ratios for pk in (r.numerator_id, r.denominator_id) if pk is not None}
    found: dict[tuple[int, int], list[Decimal]] = {}
    if not within and not running:
        return found
    condition = Q(indicator_id__in=within | running, bucket__gt=year * 100, bucket__lte=year * 100 + 12)
    if running:
        condition |= Q(indicator_id__in=running, bucket__gte=1000, bucket__lt=year)
    in_month: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 12)
    before: dict[tuple[int, int], int] = defaultdict(int)
    rows = ProgressCell.objects.filter(condition, level=level, unit__in=list(units))
    for indicator_id, unit, bucket, value in rows.values_list("indicator_id", "unit", "bucket", "value"):
        if bucket < 10000:  # an earlier whole year
            before[(indicator_id, unit)] += value
        else:
            in_month[(indicator_id, unit)][bucket % 100 - 1] += value

    def so_far(indicator_id: int, unit: int, *, from_start: bool) -> list[Decimal]:
        total = before[(indicator_id, unit)] if from_start else 0
        found_ = []
        for value in in_month.get((indicator_id, unit), [0] * 12):
            total += value
            found_.append(Decimal(total))
        return found_

    for unit in units:
        for indicator_id in within:
            found[(indicator_id, unit)] = so_far(indicator_id, unit, from_start=False)
        for indicator_id in cumulative:
            found[(indicator_id, unit)] = so_far(indicator_id, unit, from_start=True)
        for ratio in ratios:
            # Both parts are running totals up to each month's end, as in ``values``.
            tops = so_far(ratio.numerator_id or 0, unit, from_start=True)
            bottoms = so_far(ratio.denominator_id or 0, unit, from_start=True)
            found[(ratio.pk, unit)] = [
                (100 * top / bottom).quantize(Decimal("0.1")) if bottom else Decimal(0)
                for top, bottom in zip(tops, bottoms, strict=True)
            ]
    return found


@dataclass
class Figure:
    indicator: Indicator
    achieved: Decimal
    target: Decimal | None
    rank: int | None = None
    of: int | None = None

    @property
    def percent(self) -> float | None:
        if self.target is None or not self.target:
            return None
        return round(float(self.achieved) * 100 / float(self.target), 1)

    @property
    def bar(self) -> int:
        """The progress bar's width (0-100)."""
        return min(100, int(self.percent or 0))

    @property
    def is_ratio(self) -> bool:
        return self.indicator.method == Method.RATIO


def siblings_query(subject: AdminUnit | Village) -> QuerySet[Any]:
    """The units ranked with ``subject``: villages of its commune, communes of its province, provinces."""
    if isinstance(subject, Village):
        return Village.objects.active().filter(commune_id=subject.commune_id).order_by()
    if subject.parent_id is None:
        return AdminUnit.objects.filter(pk=subject.pk).order_by()
    return AdminUnit.objects.filter(parent_id=subject.parent_id, valid_to__isnull=True).order_by()


def siblings(subject: AdminUnit | Village) -> list[int]:
    return list(siblings_query(subject).values_list("pk", flat=True))


def targets_of(subject: AdminUnit | Village, period: Period) -> dict[int, Target]:
    """The subject's targets for the period, by indicator id (with the target each was split from)."""
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    return {t.indicator_id: t for t in Target.objects.filter(period=period, **where).select_related("parent")}


def _target_values(subject: AdminUnit | Village, period: Period, ids: Sequence[int]) -> dict[tuple[int, int], Decimal]:
    """(indicator, unit or village) -> target value of the period, for these units (or villages) of
    ``subject``'s kind: one query, no model instances."""
    field = "village_id" if isinstance(subject, Village) else "unit_id"
    rows = Target.objects.filter(period=period, **{f"{field}__in": list(ids)}).values_list(
        "indicator_id", field, "value"
    )
    return {(indicator_id, owner): value for indicator_id, owner, value in rows.order_by()}


def figures(
    subject: AdminUnit | Village, period: Period, indicators: Iterable[Indicator] | None = None, *, rank: bool = True
) -> list[Figure]:
    """Achieved, target, percentage and rank among siblings of each indicator (those with a target first).

    Four queries whatever the number of siblings: the siblings, the targets of the unit and its siblings,
    the indicators (unless given) and one sum of the cells of the unit and its siblings. Everything is read
    at once, in the caller's transaction: a just-recorded activity shows in the unit's figure and its rank.
    """
    level, unit = place_key(subject)
    peers = siblings(subject) if rank and level != Level.NATION else [unit]
    ranking = len(peers) > 1
    given = _target_values(subject, period, sorted({*peers, subject.pk}) if ranking else [subject.pk])
    targets = {indicator_id: value for (indicator_id, owner), value in given.items() if owner == subject.pk}
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).order_by("order", "code")
    chosen = [i for i in indicators if i.valid_in(period.start.year) or i.pk in targets]
    ranked = [i for i in chosen if i.pk in targets] or chosen  # what the unit is judged on, when it has targets
    if ranking:
        # The siblings are read only for the ranked indicators; the rest for this unit alone.
        ranked_ids = {i.pk for i in ranked}
        others = [i for i in chosen if i.pk not in ranked_ids]
        # The siblings go to the database as their query: it walks the cells' key once per sibling.
        reads = [_read(ranked, siblings_query(subject)), _read(others if unit in peers else chosen, [unit])]
        # The rank compares the siblings' targets only (as it always has: a unit outside its siblings,
        # e.g. a village no longer active, is ranked by value).
        peer_set = set(peers)
        peer_targets = {key: value for key, value in given.items() if key[1] in peer_set and key[0] in ranked_ids}
    else:
        ranked_ids, reads, peer_targets = set(), [_read(chosen, [unit])], {}
    sums = _sums(period, level, reads)
    found = []
    column: dict[int, Decimal] = {}
    for indicator in chosen:
        if indicator.pk in ranked_ids:
            column = _column(indicator, (*peers, unit), sums)
            achieved = column.get(unit)
        else:
            achieved = _achieved(indicator, unit, sums)
        figure = Figure(indicator, Decimal(0) if achieved is None else achieved, targets.get(indicator.pk))
        if indicator.pk in ranked_ids:
            figure.rank, figure.of = _rank(indicator.pk, unit, peers, column, peer_targets)
        found.append(figure)
    found.sort(key=lambda f: (f.target is None, f.indicator.order, f.indicator.code))
    return found


def _rank(
    indicator_id: int,
    unit: int,
    peers: list[int],
    achieved: dict[int, Decimal],
    targets: dict[tuple[int, int], Decimal],
) -> tuple[int, int]:
    """1-based rank by share of target when the unit has one (peers without a target rank last), else by
    value; equal scores share a rank (1 + the number of peers strictly ahead). ``achieved``: per peer."""
    zero = Decimal(0)
    if (indicator_id, unit) not in targets:
        by_value = achieved.get(unit, zero)
        return sum(1 for peer in peers if achieved.get(peer, zero) > by_value) + 1, len(peers)
    own = targets[(indicator_id, unit)]

    def score(peer: int) -> tuple[int, Decimal]:
        value = achieved.get(peer, zero)
        target = own and targets.get((indicator_id, peer))
        return (1, value / target) if target else (0, value)

    mine = score(unit)
    return sum(1 for peer in peers if score(peer) > mine) + 1, len(peers)


def current_year_period(today: Any = None) -> Period:
    """This calendar year's period (made on first use)."""
    from cdtt.targets.services import calendar_period

    return calendar_period("year", (today or timezone.localdate()).year)
