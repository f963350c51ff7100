"""Progress reads: achieved, target, percentage and rank among siblings, from the cells alone.

A read for one unit and one period touches the cells of that unit (one row per indicator and month)
and, for the rank, those of its siblings: a few hundred rows whatever the number of activities.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from cdtt.catalog.models import Indicator, Method
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.progress.engine import NATION_UNIT
from cdtt.progress.models import Level, ProgressCell
from cdtt.targets.models import Period, Target
from cdtt.targets.periods import calendar_period

LEVEL_OF_KIND = {UnitKind.NATIONAL: Level.NATION, UnitKind.PROVINCE: Level.PROVINCE}


def level_and_unit(subject: AdminUnit | Village) -> tuple[int, int]:
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


def unit_progress(
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
    (indicator, unit), each equal to what ``unit_progress`` gives for a period from 1 January to that month's
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
            # Both parts are running totals up to each month's end, as in ``unit_progress``.
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


def indicator_figures(
    subject: AdminUnit | Village, period: Period, indicators: Iterable[Indicator] | None = None, *, rank: bool = True
) -> list[Figure]:
    """Achieved, target, percentage and rank among siblings of each indicator (those with a target first).

    Everything is read at once, in the caller's transaction: a just-recorded activity shows in the unit's
    figure and its rank. On PostgreSQL the rank is computed by the database (``_figures_ranked_in_sql``:
    three queries, and a few dozen rows back however many siblings there are); elsewhere (SQLite, the
    embedded default) in Python from the siblings' sums and targets (``_figures_in_python``: four
    queries). Both apply the same rules (``_rank``) and give the same figures.
    """
    level, _ = level_and_unit(subject)
    if rank and level != Level.NATION and connection.vendor == "postgresql":
        return _figures_ranked_in_sql(subject, period, indicators)
    return _figures_in_python(subject, period, indicators, rank=rank)


def _chosen(
    indicators: Iterable[Indicator] | None, period: Period, targets: dict[int, Decimal]
) -> tuple[list[Indicator], list[Indicator]]:
    """The indicators shown (valid in the period's year, or given a target) and those the unit is
    ranked on (the ones it has targets for; all shown ones when it has none)."""
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).order_by("order", "code")
    chosen = [i for i in indicators if i.valid_in(period.start.year) or i.pk in targets]
    return chosen, [i for i in chosen if i.pk in targets] or chosen


def _sort(found: list[Figure]) -> list[Figure]:
    found.sort(key=lambda f: (f.target is None, f.indicator.order, f.indicator.code))
    return found


def _figures_in_python(
    subject: AdminUnit | Village, period: Period, indicators: Iterable[Indicator] | None, *, rank: bool
) -> list[Figure]:
    """``indicator_figures`` with the rank computed here. Four queries whatever the number of siblings: the
    siblings, the targets of the unit and its siblings, the indicators (unless given) and one sum of the
    cells of the unit and its siblings."""
    level, unit = level_and_unit(subject)
    peers = siblings(subject) if rank and level != Level.NATION else [unit]
    ranking = len(peers) > 1
    given = _target_values(subject, period, sorted({*peers, subject.pk}) if ranking else [subject.pk])
    targets = {indicator_id: value for (indicator_id, owner), value in given.items() if owner == subject.pk}
    chosen, ranked = _chosen(indicators, period, targets)
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
    return _sort(found)


def _rank(
    indicator_id: int,
    unit: int,
    peers: list[int],
    achieved: dict[int, Decimal],
    targets: dict[tuple[int, int], Decimal],
) -> tuple[int, int]:
    """1-based rank by share of target when the unit has one (peers without a target rank last), else by
    value; equal scores share a rank (1 + the number of peers strictly ahead). ``achieved``: per peer.

    Shares are compared exactly, ``a / t > m / own`` as ``a × own > m × t`` (targets are never negative:
    the database refuses them), as ``_RANKS`` does in SQL, so both agree on ties.
    """
    zero = Decimal(0)
    mine = achieved.get(unit, zero)
    own = targets.get((indicator_id, unit))
    if not own:  # no target, or a zero one: by value
        return sum(1 for peer in peers if achieved.get(peer, zero) > mine) + 1, len(peers)
    ahead = 0
    with localcontext(prec=MAX_PREC):  # products of Decimals are exact
        for peer in peers:
            target = targets.get((indicator_id, peer))
            if target and achieved.get(peer, zero) * own > mine * target:
                ahead += 1
    return ahead + 1, len(peers)


# The rank of one unit among its siblings, per indicator, computed by PostgreSQL with the rules of
# ``_rank``. Placeholders, in order: {peers} the siblings' query (its own parameters), the unit; then the
# cells of ``_sums`` for the siblings and the unit (ranked indicators and their ratio parts) and again for
# the unit alone (the other indicators it shows); the ranked indicators as four arrays (id; how its value
# is read: 0 the sum within the period, 1 the running total, 2 a ratio of two running totals, 3 none;
# numerator; denominator), the period and the ranked ids again for the siblings' targets; the unit twice.
# It returns the unit's sums (0, indicator, within, running), as ``_sums`` does for it, and its rank
# (1, indicator, rank, number of siblings). A ratio's value is 100 × top / bottom rounded half to even
# to one decimal, as ``Decimal.quantize`` rounds; shares are compared by cross-multiplication in
# ``numeric``, which is exact.
_RANKS = """
WITH peer(unit) AS ({peers}),
member AS (
    SELECT unit, bool_or(is_peer) AS is_peer
    FROM (SELECT unit, true AS is_peer FROM peer UNION ALL SELECT %s::bigint, false) AS u
    GROUP BY unit
),
cell AS (
    SELECT indicator_id, unit, SUM(CASE WHEN {within} THEN value END) AS within,
        SUM(CASE WHEN {running} THEN value END) AS running
    FROM {cells}
    WHERE level = %s AND unit IN (SELECT unit FROM member) AND indicator_id = ANY(%s::bigint[]) AND {either}
    GROUP BY indicator_id, unit
    UNION ALL
    SELECT indicator_id, unit, SUM(CASE WHEN {within} THEN value END), SUM(CASE WHEN {running} THEN value END)
    FROM {cells}
    WHERE level = %s AND unit = %s AND indicator_id = ANY(%s::bigint[]) AND {either}
    GROUP BY indicator_id, unit
),
spec AS (
    SELECT * FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[])
        AS s(indicator_id, kind, numerator, denominator)
),
goal AS (
    SELECT indicator_id, {owner} AS unit, value FROM {targets}
    WHERE period_id = %s AND indicator_id = ANY(%s::bigint[]) AND {owner} IN (SELECT unit FROM peer)
),
score AS (
    SELECT s.indicator_id, m.unit, m.is_peer, g.value AS target,
        CASE s.kind
            WHEN 0 THEN COALESCE(c.within, 0)
            WHEN 1 THEN COALESCE(c.running, 0)
            WHEN 2 THEN CASE WHEN r.bottom IS NULL THEN 0 ELSE r.sign * 0.1 * (r.q
                + CASE WHEN 2 * r.rest > r.bottom OR (2 * r.rest = r.bottom AND mod(r.q, 2) = 1) THEN 1 ELSE 0 END)
            END
            ELSE 0
        END AS value
    FROM spec AS s
    CROSS JOIN member AS m
    LEFT JOIN cell AS c ON c.indicator_id = s.indicator_id AND c.unit = m.unit
    LEFT JOIN cell AS n ON n.indicator_id = s.numerator AND n.unit = m.unit
    LEFT JOIN cell AS d ON d.indicator_id = s.denominator AND d.unit = m.unit
    LEFT JOIN goal AS g ON m.is_peer AND g.indicator_id = s.indicator_id AND g.unit = m.unit
    CROSS JOIN LATERAL (
        SELECT div(t.top, t.bottom) AS q, mod(t.top, t.bottom) AS rest, t.bottom, t.sign
        FROM (
            SELECT abs(1000 * COALESCE(n.running, 0)) AS top, NULLIF(abs(d.running), 0) AS bottom,
                sign(COALESCE(n.running, 0)) * sign(d.running) AS sign
        ) AS t
    ) AS r
)
SELECT 0, indicator_id, within, running FROM cell WHERE unit = %s
UNION ALL
SELECT 1, p.indicator_id,
    1 + COUNT(*) FILTER (WHERE p.is_peer AND CASE
        WHEN me.target > 0 THEN p.target > 0 AND p.value * me.target > me.value * p.target
        ELSE p.value > me.value
    END),
    COUNT(*) FILTER (WHERE p.is_peer)
FROM score AS p JOIN score AS me ON me.indicator_id = p.indicator_id AND me.unit = %s
GROUP BY p.indicator_id
"""

_VALUE_KIND = {"within": 0, "running": 1, "ratio": 2, "none": 3}


def _value_kind(indicator: Indicator) -> int:
    if indicator.is_counted:
        return _VALUE_KIND["running" if indicator.is_cumulative else "within"]
    return _VALUE_KIND["ratio" if indicator.method == Method.RATIO else "none"]


def _figures_ranked_in_sql(
    subject: AdminUnit | Village, period: Period, indicators: Iterable[Indicator] | None
) -> list[Figure]:
    """``indicator_figures`` with the rank computed by PostgreSQL (``_RANKS``): three queries (the unit's targets,
    the indicators unless given, and one statement of the unit's sums and ranks), and no sibling's row
    comes back."""
    level, unit = level_and_unit(subject)
    targets = {
        indicator_id: value for (indicator_id, _), value in _target_values(subject, period, [subject.pk]).items()
    }
    chosen, ranked = _chosen(indicators, period, targets)
    ranked_ids = {i.pk for i in ranked}
    peers_read = _read(ranked, [])
    own_read = _read([i for i in chosen if i.pk not in ranked_ids], [])
    own_only = sorted(set(own_read.indicators) - set(peers_read.indicators))
    within = period.buckets()
    running_ranges = period.running_ranges()
    in_within = f"bucket IN ({', '.join(['%s'] * len(within))})"
    in_running, running = _between(running_ranges)
    in_either, either = _between(_cover(within, running_ranges))
    peers_sql, peers_params = siblings_query(subject).values_list("pk").query.sql_with_params()
    owner = "village_id" if isinstance(subject, Village) else "unit_id"
    sql = _RANKS.format(
        peers=peers_sql,
        within=in_within,
        running=in_running,
        either=in_either,
        cells=connection.ops.quote_name(ProgressCell._meta.db_table),
        targets=connection.ops.quote_name(Target._meta.db_table),
        owner=owner,
    )
    cell_params = [*within, *running]
    params = [
        *peers_params,
        unit,
        *cell_params,
        level,
        peers_read.indicators,
        *either,
        *cell_params,
        level,
        unit,
        own_only,
        *either,
        [i.pk for i in ranked],
        [_value_kind(i) for i in ranked],
        [i.numerator_id for i in ranked],
        [i.denominator_id for i in ranked],
        period.pk,
        [i.pk for i in ranked],
        unit,
        unit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    sums: Sums = {}
    ranks: dict[int, tuple[int, int]] = {}
    for tag, indicator_id, first, second in rows:
        if tag == 0:
            sums[(indicator_id, unit)] = (
                None if first is None else int(first),
                None if second is None else int(second),
            )
        elif second > 1:  # ranked among at least two siblings
            ranks[indicator_id] = (int(first), int(second))
    found = []
    for indicator in chosen:
        achieved = _achieved(indicator, unit, sums)
        figure = Figure(indicator, Decimal(0) if achieved is None else achieved, targets.get(indicator.pk))
        if indicator.pk in ranks:
            figure.rank, figure.of = ranks[indicator.pk]
        found.append(figure)
    return _sort(found)


def current_year_period(today: Any = None) -> Period:
    """This calendar year's period (made on first use)."""
    return calendar_period("year", (today or timezone.localdate()).year)
