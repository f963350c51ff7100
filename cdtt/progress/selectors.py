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

from django.db.models import Q, Sum
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


def _counted_sums(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], int]:
    """Sum of cells per (indicator, unit): within the period, or up to its end for running totals."""
    within = [i.pk for i in indicators if i.is_counted and not i.is_cumulative]
    running = [i.pk for i in indicators if i.is_counted and i.is_cumulative]
    found: dict[tuple[int, int], int] = defaultdict(int)
    if not within and not running:
        return found
    condition = Q()
    if within:
        condition |= Q(indicator_id__in=within, bucket__in=period.buckets())
    if running:
        condition |= Q(indicator_id__in=running) & period.running_buckets()
    rows = (
        ProgressCell.objects.filter(condition, level=level, unit__in=list(units))
        .values_list("indicator_id", "unit")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for indicator_id, unit, total in rows:
        found[(indicator_id, unit)] = int(total or 0)
    return found


def _ratio_parts(indicators: Sequence[Indicator]) -> list[Indicator]:
    """The indicators a ratio reads (as running totals up to the period's end)."""
    ids = {i.numerator_id for i in indicators if i.method == Method.RATIO} | {
        i.denominator_id for i in indicators if i.method == Method.RATIO
    }
    return list(Indicator.objects.filter(pk__in=[pk for pk in ids if pk is not None]))


def values(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], Decimal]:
    """Achieved value per (indicator, unit); a ratio is a percentage with one decimal."""
    found: dict[tuple[int, int], Decimal] = {
        key: Decimal(total) for key, total in _counted_sums(indicators, period, level, units).items()
    }
    ratios = [i for i in indicators if i.method == Method.RATIO]
    if ratios:
        parts = _ratio_parts(ratios)
        # A ratio is a state: both parts are counted from the start up to the period's end.
        totals = _running_sums(parts, period, level, units)
        for ratio in ratios:
            for unit in units:
                top = totals.get((ratio.numerator_id or 0, unit), 0)
                bottom = totals.get((ratio.denominator_id or 0, unit), 0)
                if bottom:
                    found[(ratio.pk, unit)] = (Decimal(100 * top) / Decimal(bottom)).quantize(Decimal("0.1"))
    return found


def _running_sums(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], int]:
    rows = (
        ProgressCell.objects.filter(
            period.running_buckets(), indicator__in=list(indicators), level=level, unit__in=list(units)
        )
        .values_list("indicator_id", "unit")
        .annotate(total=Sum("value"))
        .order_by()
    )
    return {(indicator_id, unit): int(total or 0) for indicator_id, unit, total in rows}


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
    running = cumulative | {part.pk for part in _ratio_parts(ratios)}
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


def siblings(subject: AdminUnit | Village) -> list[int]:
    """The units ranked with ``subject``: villages of its commune, communes of its province, provinces."""
    if isinstance(subject, Village):
        return list(Village.objects.active().filter(commune_id=subject.commune_id).values_list("pk", flat=True))
    if subject.parent_id is None:
        return [subject.pk]
    units = AdminUnit.objects.filter(parent_id=subject.parent_id, valid_to__isnull=True)
    return list(units.values_list("pk", flat=True))


def targets_of(subject: AdminUnit | Village, period: Period) -> dict[int, Target]:
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    return {t.indicator_id: t for t in Target.objects.filter(period=period, **where).select_related("parent")}


def figures(
    subject: AdminUnit | Village, period: Period, indicators: Iterable[Indicator] | None = None, *, rank: bool = True
) -> list[Figure]:
    """Achieved, target, percentage and rank among siblings of each indicator (those with a target first)."""
    targets = targets_of(subject, period)
    if indicators is None:
        indicators = Indicator.objects.filter(is_active=True).order_by("order", "code")
    chosen = [i for i in indicators if i.valid_in(period.start.year) or i.pk in targets]
    level, unit = place_key(subject)
    peers = siblings(subject) if rank and level != Level.NATION else [unit]
    ranked = [i for i in chosen if i.pk in targets] or chosen  # what the unit is judged on, when it has targets
    if len(peers) > 1:
        # The siblings are read only for the ranked indicators; the rest for this unit alone.
        achieved = values(ranked, period, level, peers if unit in peers else [*peers, unit])
        others = [i for i in chosen if i not in ranked]
        achieved.update(values(others, period, level, [unit]) if others else {})
    else:
        achieved = values(chosen, period, level, [unit])
    peer_targets: dict[tuple[int, int], Decimal] = {}
    if rank and len(peers) > 1:
        field = "village_id" if level == Level.VILLAGE else "unit_id"
        for indicator_id, peer, value in Target.objects.filter(
            period=period, indicator__in=ranked, **{f"{field}__in": peers}
        ).values_list("indicator_id", field, "value"):
            peer_targets[(indicator_id, peer)] = value
    found = []
    ranked_ids = {i.pk for i in ranked}
    for indicator in chosen:
        target = targets.get(indicator.pk)
        figure = Figure(indicator, achieved.get((indicator.pk, unit), Decimal(0)), target.value if target else None)
        if rank and len(peers) > 1 and indicator.pk in ranked_ids:
            figure.rank, figure.of = _rank(indicator.pk, unit, peers, achieved, peer_targets)
        found.append(figure)
    found.sort(key=lambda f: (f.target is None, f.indicator.order, f.indicator.code))
    return found


def _rank(
    indicator_id: int,
    unit: int,
    peers: list[int],
    achieved: dict[tuple[int, int], Decimal],
    targets: dict[tuple[int, int], Decimal],
) -> tuple[int, int]:
    """1-based rank by share of target when the unit has one (peers without a target rank last), else by value."""

    def score(peer: int) -> tuple[int, Decimal]:
        value = achieved.get((indicator_id, peer), Decimal(0))
        target = targets.get((indicator_id, unit)) and targets.get((indicator_id, peer))
        if (indicator_id, unit) in targets:
            return (1, value / target) if target else (0, value)
        return (1, value)

    mine = score(unit)
    better = sum(1 for peer in peers if score(peer) > mine)
    return better + 1, len(peers)


def current_year_period(today: Any = None) -> Period:
    """This calendar year's period (made on first use)."""
    from cdtt.targets.services import calendar_period

    return calendar_period("year", (today or timezone.localdate()).year)
