"""Progress cells computed afresh from the raw records: to rebuild them, and to prove they match.

The same rules as ``engine`` written as GROUP BY queries, one indicator at a time (memory holds one
indicator's cells): activities not voided, adoption statuses as they stand, households registered.
On PostgreSQL ``rebuild_indicator`` writes the cells with one INSERT … SELECT over the same grouping, so
they never travel to Python; ``check`` always computes them here, so it proves the two agree. A rebuild
writes each cell as one row (slot 0); the writers then spread the nation's and provinces' over slots
(``engine.SLOTS``), and ``check`` compares each cell's sum of slots, which is what every reader sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from cdtt.activities.models import Activity
from cdtt.catalog.models import COUNTED_METHODS, Indicator, Method, ReachMeasure, RegisterMetric
from cdtt.households.models import AdoptionStatus, Household
from cdtt.progress.engine import NATION_UNIT, campaign_bucket, forget_rules, month_bucket, write_cells
from cdtt.progress.models import Level, ProgressCell

Cells = dict[tuple[int, int, int], int]  # (level, unit, bucket) -> value


def _month(field: str) -> Any:
    return ExtractYear(field) * 100 + ExtractMonth(field)


@dataclass(frozen=True)
class _Source:
    rows: QuerySet[Any]
    day: str  # the date (or datetime) field that decides the bucket
    village: str
    commune: str
    province: str
    value: Any


def _source(indicator: Indicator) -> _Source | None:
    if indicator.method in (Method.ACTIVITY_COUNT, Method.ACTIVITY_REACH):
        activities = Activity.objects.filter(voided_at__isnull=True, kind__in=indicator.activity_kinds)
        if indicator.platform_id is not None:
            activities = activities.filter(platform_id=indicator.platform_id)
        outcomes = [outcome.pk for outcome in indicator.outcomes.all()]
        if outcomes:
            activities = activities.filter(outcome_id__in=outcomes)
        reach = indicator.method == Method.ACTIVITY_REACH
        counted = "households_reached" if indicator.reach_measure == ReachMeasure.HOUSEHOLDS else "people_reached"
        value: Any = Coalesce(Sum(counted), Value(0)) if reach else Count("id")
        return _Source(activities, "occurred_on", "village_id", "commune_id", "commune__parent_id", value)
    if indicator.method in (Method.HOUSEHOLDS_REACHED, Method.RESIDENTS_REACHED):
        residents = indicator.method == Method.RESIDENTS_REACHED
        statuses = AdoptionStatus.objects.filter(item_id=indicator.adoption_item_id, resident__isnull=not residents)
        return _Source(
            statuses,
            "reached_on",
            "household__village_id",
            "household__commune_id",
            "household__commune__parent_id",
            Count("id"),
        )
    if indicator.method == Method.REGISTER:
        value = {
            RegisterMetric.HOUSEHOLDS: Count("id"),
            RegisterMetric.MEMBERS: Coalesce(Sum("members_count"), Value(0)),
            RegisterMetric.ADULTS: Coalesce(Sum("adults_count"), Value(0)),
        }[RegisterMetric(indicator.register_metric)]
        return _Source(Household.objects.all(), "created_at", "village_id", "commune_id", "commune__parent_id", value)
    return None


def expected_cells(indicator: Indicator, campaigns: list[tuple[int, Any, Any]], *, months: bool = True) -> Cells:
    """What the cells of ``indicator`` must hold, computed from the raw records."""
    source = _source(indicator)
    cells: Cells = defaultdict(int)
    if source is None:
        return cells
    keys = (source.village, source.commune, source.province)

    def spread(grouped: Iterator[dict[str, Any]], bucket_of: Callable[[dict[str, Any]], int]) -> None:
        for row in grouped:
            value = int(row["value"] or 0)
            if not value:
                continue
            bucket = bucket_of(row)
            cells[(Level.NATION, NATION_UNIT, bucket)] += value
            cells[(Level.COMMUNE, row[source.commune], bucket)] += value
            if row[source.province] is not None:
                cells[(Level.PROVINCE, row[source.province], bucket)] += value
            if row[source.village] is not None:
                cells[(Level.VILLAGE, row[source.village], bucket)] += value

    by_month = (
        source.rows.annotate(bucket=_month(source.day)).values(*keys, "bucket").annotate(value=source.value).order_by()
    )
    if months:
        # Each month's rows count in their month and in their year.
        rows = list(by_month.iterator(chunk_size=5000))
        spread(iter(rows), lambda row: int(row["bucket"]))
        spread(iter(rows), lambda row: int(row["bucket"]) // 100)
    day_field = source.day if source.day != "created_at" else "created_at__date"
    for pk, start, end in campaigns:
        window = {f"{day_field}__gte": start, f"{day_field}__lte": end}
        in_campaign = (
            source.rows.filter(**window)
            .values(*keys)
            .annotate(bucket=Value(campaign_bucket(pk), output_field=IntegerField()), value=source.value)
            .order_by()
        )
        spread(in_campaign.iterator(chunk_size=5000), lambda row: int(row["bucket"]))
    return {key: value for key, value in cells.items() if value}


def stored_cells(indicator: Indicator) -> Cells:
    """What the cells of ``indicator`` hold: each cell the sum of its slots (``engine.SLOTS``), as every
    reader sums them. A drift in any one slot shows in its cell's sum."""
    rows = ProgressCell.objects.filter(indicator=indicator).values_list(*_KEY).annotate(total=Sum("value")).order_by()
    return {(level, unit, bucket): int(total) for level, unit, bucket, total in rows if total}


_KEY = ("level", "unit", "bucket")


def totals() -> dict[tuple[int, int, int, int], int]:
    """Every cell's value, (level, unit, indicator, bucket) -> the sum of its slots (zeros left out): what
    the readers see, whichever rows hold it (a rebuild writes one row, slot 0, where the writers spread)."""
    rows = ProgressCell.objects.values_list("level", "unit", "indicator_id", "bucket").annotate(total=Sum("value"))
    return {(level, unit, indicator, bucket): int(total) for level, unit, indicator, bucket, total in rows if total}


def _campaigns() -> list[tuple[int, Any, Any]]:
    from cdtt.targets.models import Period, PeriodKind

    return list(Period.objects.filter(kind=PeriodKind.CAMPAIGN).values_list("pk", "start", "end"))


def _counted() -> QuerySet[Indicator]:
    return Indicator.objects.filter(is_active=True, method__in=COUNTED_METHODS).prefetch_related("outcomes")


@dataclass
class Drift:
    indicator: Indicator
    key: tuple[int, int, int]
    stored: int
    expected: int


def check(*, progress: Callable[[Indicator], None] | None = None) -> list[Drift]:
    """Every cell whose stored value differs from the raw records' (empty: no drift)."""
    campaigns = _campaigns()
    drifts: list[Drift] = []
    for indicator in _counted():
        if progress is not None:
            progress(indicator)
        expected, stored = expected_cells(indicator, campaigns), stored_cells(indicator)
        for key in sorted(expected.keys() | stored.keys()):
            if expected.get(key, 0) != stored.get(key, 0):
                drifts.append(Drift(indicator, key, stored.get(key, 0), expected.get(key, 0)))
    # Cells of indicators no longer counted are drift too: nothing should add to them.
    for indicator_id, count in (
        ProgressCell.objects.exclude(indicator__in=_counted())
        .exclude(value=0)
        .values_list("indicator")
        .annotate(n=Count("id"))
    ):
        indicator = Indicator.objects.get(pk=indicator_id)
        drifts.append(Drift(indicator, (-1, -1, -1), count, 0))
    return drifts


def _lock_cells() -> None:
    """Hold writers of cells back until this transaction ends, so that a record committed while an
    indicator is recomputed is either in the recount or added after it, never lost or counted twice.

    PostgreSQL: a table lock that conflicts with the writers' row locks; SQLite: the caller's first
    statement is a DELETE, which takes the database's write lock for the rest of the transaction.
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ProgressCell._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def _grouped(source: _Source, campaigns: list[tuple[int, Any, Any]]) -> list[tuple[QuerySet[Any], bool]]:
    """The source's rows grouped by (village, commune, province, bucket) with their value: by month (which
    also count in their year) and, for each campaign, over its dates. (query, counts in the year too)"""
    keys = (source.village, source.commune, source.province)
    found = [
        (
            source.rows.annotate(bucket=_month(source.day)).values(*keys, "bucket").annotate(value=source.value),
            True,
        )
    ]
    day_field = source.day if source.day != "created_at" else "created_at__date"
    for pk, start, end in campaigns:
        window = {f"{day_field}__gte": start, f"{day_field}__lte": end}
        in_campaign = (
            source.rows.filter(**window)
            .values(*keys)
            .annotate(bucket=Value(campaign_bucket(pk), output_field=IntegerField()), value=source.value)
        )
        found.append((in_campaign, False))
    return [(query.order_by(), yearly) for query, yearly in found]


def _insert_cells(indicator: Indicator, campaigns: list[tuple[int, Any, Any]]) -> int:
    """PostgreSQL: compute and write one indicator's cells in the database, in one INSERT … SELECT (the
    same grouping as ``expected_cells``, spread to the four levels and to months and years by a join with
    a small list of (level, year?) pairs); the cells written. ``check`` compares them with ``expected_cells``.
    """
    source = _source(indicator)
    if source is None:
        return 0
    levels = (Level.NATION, Level.PROVINCE, Level.COMMUNE, Level.VILLAGE)
    spreads: list[str] = []
    params: list[Any] = []
    for query, yearly in _grouped(source, campaigns):
        sql, query_params = query.query.sql_with_params()
        pairs = [(int(level), year) for level in levels for year in ((False, True) if yearly else (False,))]
        spreads.append(
            "SELECT p.level, CASE p.level WHEN %s THEN s.village WHEN %s THEN s.commune "  # noqa: S608
            "WHEN %s THEN s.province ELSE %s END AS unit, "
            "CASE WHEN p.year THEN CAST(s.bucket AS integer) / 100 ELSE CAST(s.bucket AS integer) END AS bucket, "
            f"s.value FROM ({sql}) AS s (village, commune, province, bucket, value) "
            f"CROSS JOIN (VALUES {', '.join(['(%s, %s)'] * len(pairs))}) AS p (level, year)"
        )
        params += [Level.VILLAGE, Level.COMMUNE, Level.PROVINCE, NATION_UNIT, *query_params]
        params += [value for pair in pairs for value in pair]
    table = connection.ops.quote_name(ProgressCell._meta.db_table)
    sql = (
        f"INSERT INTO {table} (level, unit, indicator_id, bucket, slot, value) "  # noqa: S608
        f"SELECT level, unit, %s, bucket, 0, SUM(value) FROM ({' UNION ALL '.join(spreads)}) AS spread "
        "WHERE unit IS NOT NULL GROUP BY level, unit, bucket HAVING SUM(value) <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [indicator.pk, *params])
        return int(cursor.rowcount)


def rebuild_indicator(indicator: Indicator, campaigns: list[tuple[int, Any, Any]] | None = None) -> int:
    """Replace one indicator's cells with the values computed from the raw records; the cells written."""
    with transaction.atomic():
        _lock_cells()
        ProgressCell.objects.filter(indicator=indicator).delete()
        if not indicator.is_active or indicator.method not in COUNTED_METHODS:
            return 0
        if connection.vendor == "postgresql":
            return _insert_cells(indicator, _campaigns() if campaigns is None else campaigns)
        cells = expected_cells(indicator, _campaigns() if campaigns is None else campaigns)
        write_cells(
            ((level, unit, indicator.pk, bucket, 0), value) for (level, unit, bucket), value in sorted(cells.items())
        )
    return len(cells)


def rebuild(*, progress: Callable[[Indicator], None] | None = None) -> int:
    """Replace every cell with the value computed from the raw records; the number of cells written."""
    forget_rules()
    campaigns = _campaigns()
    written = 0
    counted = list(_counted())
    with transaction.atomic():
        _lock_cells()
        ProgressCell.objects.exclude(indicator__in=[i.pk for i in counted]).delete()
    for indicator in counted:  # one indicator at a time: readers see either its old or its new cells
        if progress is not None:
            progress(indicator)
        written += rebuild_indicator(indicator, campaigns)
    return written


def rebuild_campaign(period: Any) -> None:
    """Fill a new (or changed) campaign's cells from the records already there."""
    forget_rules()
    bucket = campaign_bucket(period.pk)
    with transaction.atomic():
        _lock_cells()
        ProgressCell.objects.filter(bucket=bucket).delete()
        for indicator in _counted():
            cells = expected_cells(indicator, [(period.pk, period.start, period.end)], months=False)
            write_cells(((level, unit, indicator.pk, b, 0), value) for (level, unit, b), value in sorted(cells.items()))


def _ended(today: Any) -> Q:
    """Buckets whose period has ended: months before this one, years before this one, campaigns over."""
    from cdtt.targets.models import Period, PeriodKind

    over = Period.objects.filter(kind=PeriodKind.CAMPAIGN, end__lt=today).values_list("pk", flat=True)
    return (
        Q(bucket__gte=10_000, bucket__lt=month_bucket(today))
        | Q(bucket__gte=1000, bucket__lt=today.year)
        | Q(bucket__in=[campaign_bucket(pk) for pk in over])
    )


def fold_slots(today: Any, *, progress: Callable[[Indicator], None] | None = None) -> int:
    """Fold the slots of every cell whose period has ended into its slot 0; the rows folded away.

    Why: a reader sums a cell's slots, so a nation or province cell written by many communes costs up to
    ``engine.SLOTS`` rows to read instead of one. Writers spread only while a period is open (a late record
    of an earlier month is rare), so folding the ended periods nightly keeps the rows a year's board reads
    near one per cell, except this month's, this year's and the open campaigns'. Each cell's sum is unchanged
    (``check`` proves it). One indicator a transaction; the slot rows are locked in the writers' key order and
    deleted by id, so a record written meanwhile is either in the fold or in a row of its own, never lost.
    """
    ended = _ended(today)
    folded = 0
    for indicator in Indicator.objects.filter(pk__in=ProgressCell.objects.filter(slot__gt=0).values("indicator")):
        if progress is not None:
            progress(indicator)
        with transaction.atomic():
            rows = (
                ProgressCell.objects.filter(ended, indicator=indicator, slot__gt=0)
                .order_by("level", "unit", "bucket", "slot")
                .select_for_update()
            )
            ids: list[int] = []
            sums: dict[tuple[int, int, int, int, int], int] = defaultdict(int)
            for pk, level, unit, bucket, value in rows.values_list("pk", "level", "unit", "bucket", "value"):
                ids.append(pk)
                sums[(level, unit, indicator.pk, bucket, 0)] += value
            if not ids:
                continue
            ProgressCell.objects.filter(pk__in=ids).delete()
            write_cells(sorted(sums.items()))
            folded += len(ids)
    return folded
