"""Progress reads: ``values`` and ``figures`` (achieved, target, rank among siblings) over random cells
and targets give what the earlier computation gave (kept below as the reference), ties included; on
PostgreSQL, where the rank is computed in SQL, the same figures as the rank computed in Python."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdtt.catalog.models import Indicator, Method
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import selectors
from cdtt.progress.models import Level, ProgressCell
from cdtt.targets.models import Period, PeriodKind, Target
from cdtt.targets.periods import calendar_period
from conftest import Tree, _unit, _village

pytestmark = pytest.mark.django_db


# -- the reference: the computation as it was before `figures` read everything in one pass -----------------


def _old_running_buckets(period: Period) -> Q:
    year, month = period.end.year, period.end.month
    if (period.end.month, period.end.day) == (12, 31):
        return Q(bucket__gte=1000, bucket__lte=year)
    return Q(bucket__gte=1000, bucket__lt=year) | Q(bucket__gt=year * 100, bucket__lte=year * 100 + month)


def _old_counted_sums(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], int]:
    within = [i.pk for i in indicators if i.is_counted and not i.is_cumulative]
    running = [i.pk for i in indicators if i.is_counted and i.is_cumulative]
    found: dict[tuple[int, int], int] = defaultdict(int)
    if not within and not running:
        return found
    condition = Q()
    if within:
        condition |= Q(indicator_id__in=within, bucket__in=period.buckets())
    if running:
        condition |= Q(indicator_id__in=running) & _old_running_buckets(period)
    rows = (
        ProgressCell.objects.filter(condition, level=level, unit__in=list(units))
        .values_list("indicator_id", "unit")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for indicator_id, unit, total in rows:
        found[(indicator_id, unit)] = int(total or 0)
    return found


def _old_values(
    indicators: Sequence[Indicator], period: Period, level: int, units: Sequence[int]
) -> dict[tuple[int, int], Decimal]:
    found = {key: Decimal(total) for key, total in _old_counted_sums(indicators, period, level, units).items()}
    ratios = [i for i in indicators if i.method == Method.RATIO]
    if ratios:
        ids = {i.numerator_id for i in ratios} | {i.denominator_id for i in ratios}
        parts = list(Indicator.objects.filter(pk__in=[pk for pk in ids if pk is not None]))
        rows = (
            ProgressCell.objects.filter(
                _old_running_buckets(period), indicator__in=parts, level=level, unit__in=list(units)
            )
            .values_list("indicator_id", "unit")
            .annotate(total=Sum("value"))
            .order_by()
        )
        totals = {(indicator_id, unit): int(total or 0) for indicator_id, unit, total in rows}
        for ratio in ratios:
            for unit in units:
                top = totals.get((ratio.numerator_id or 0, unit), 0)
                bottom = totals.get((ratio.denominator_id or 0, unit), 0)
                if bottom:
                    found[(ratio.pk, unit)] = (Decimal(100 * top) / Decimal(bottom)).quantize(Decimal("0.1"))
    return found


def _old_rank(
    indicator_id: int,
    unit: int,
    peers: list[int],
    achieved: dict[tuple[int, int], Decimal],
    targets: dict[tuple[int, int], Decimal],
) -> tuple[int, int]:
    def score(peer: int) -> tuple[int, Decimal]:
        value = achieved.get((indicator_id, peer), Decimal(0))
        target = targets.get((indicator_id, unit)) and targets.get((indicator_id, peer))
        if (indicator_id, unit) in targets:
            return (1, value / target) if target else (0, value)
        return (1, value)

    mine = score(unit)
    return sum(1 for peer in peers if score(peer) > mine) + 1, len(peers)


def _old_figures(subject: AdminUnit | Village, period: Period, *, rank: bool = True) -> list[tuple[Any, ...]]:
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    targets = {t.indicator_id: t for t in Target.objects.filter(period=period, **where)}
    indicators = Indicator.objects.filter(is_active=True).order_by("order", "code")
    chosen = [i for i in indicators if i.valid_in(period.start.year) or i.pk in targets]
    level, unit = selectors.level_and_unit(subject)
    peers = selectors.siblings(subject) if rank and level != Level.NATION else [unit]
    ranked = [i for i in chosen if i.pk in targets] or chosen
    if len(peers) > 1:
        achieved = _old_values(ranked, period, level, peers if unit in peers else [*peers, unit])
        others = [i for i in chosen if i not in ranked]
        achieved.update(_old_values(others, period, level, [unit]) if others else {})
    else:
        achieved = _old_values(chosen, period, level, [unit])
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
        figure = [indicator.pk, achieved.get((indicator.pk, unit), Decimal(0)), target.value if target else None]
        if rank and len(peers) > 1 and indicator.pk in ranked_ids:
            figure += list(_old_rank(indicator.pk, unit, peers, achieved, peer_targets))
        else:
            figure += [None, None]
        found.append((target is None, indicator.order, indicator.code, tuple(figure)))
    found.sort(key=lambda f: f[:3])
    return [f[3] for f in found]


def _new_figures(subject: AdminUnit | Village, period: Period, *, rank: bool = True) -> list[tuple[Any, ...]]:
    return [
        (f.indicator.pk, f.achieved, f.target, f.rank, f.of)
        for f in selectors.indicator_figures(subject, period, rank=rank)
    ]


# -- the world ------------------------------------------------------------------------------------------------


@dataclass
class World:
    tree: Tree
    villages: list[Village]  # of C1: v1, v2 and three more
    indicators: list[Indicator]
    periods: list[Period]
    year: int

    def subjects(self) -> list[AdminUnit | Village]:
        t = self.tree
        return [t.vn, t.p1, t.p2, t.c1, t.c2, t.c3, *self.villages, t.v3]


@pytest.fixture
def world(tree: Tree) -> World:
    catalog_load()
    year = timezone.localdate().year
    villages = [tree.v1, tree.v2, *(_village(tree.c1, f"Thôn {n}") for n in range(3, 6))]
    campaign = Period.objects.create(
        kind=PeriodKind.CAMPAIGN, name="Chiến dịch", start=datetime.date(year, 3, 1), end=datetime.date(year, 5, 31)
    )
    periods = [calendar_period(PeriodKind.YEAR, year), calendar_period(PeriodKind.QUARTER, year, 2), campaign]
    indicators = list(Indicator.objects.filter(is_active=True).order_by("order", "code"))
    return World(tree, villages, indicators, periods, year)


def _places(world: World) -> list[tuple[int, int]]:
    t = world.tree
    return [
        (Level.NATION, 0),
        *((Level.PROVINCE, u.pk) for u in (t.p1, t.p2)),
        *((Level.COMMUNE, u.pk) for u in (t.c1, t.c2, t.c3)),
        *((Level.VILLAGE, v.pk) for v in [*world.villages, t.v3]),
    ]


def _bucket(world: World, choice: int) -> int:
    """Year buckets, month buckets of this year and last, or the campaign's."""
    year = world.year
    options = [year, year - 1, year - 2, -world.periods[2].pk]
    options += [year * 100 + m for m in range(1, 13)] + [(year - 1) * 100 + m for m in (6, 12)]
    return options[choice % len(options)]


CELLS = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), st.integers(-2, 6)), max_size=120
)
TARGETS = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 100), st.sampled_from(["0", "1", "2", "3", "4.5", "10", "0.25"])),
    max_size=60,
)


def _fill(world: World, cells: list[tuple[int, int, int, int]], targets: list[tuple[int, int, str]]) -> None:
    places = _places(world)
    summed: dict[tuple[int, int, int, int], int] = defaultdict(int)
    for place, indicator, bucket, value in cells:
        level, unit = places[place % len(places)]
        summed[(level, unit, world.indicators[indicator % len(world.indicators)].pk, _bucket(world, bucket))] += value
    ProgressCell.objects.bulk_create(
        ProgressCell(level=level, unit=unit, indicator_id=indicator, bucket=bucket, value=value)
        for (level, unit, indicator, bucket), value in summed.items()
    )
    subjects = world.subjects()
    given: dict[tuple[int, int, int], str] = {}
    for subject_choice, indicator_choice, goal in targets:
        for period in world.periods:
            given[(subject_choice % len(subjects), indicator_choice % len(world.indicators), period.pk)] = goal
    for (subject_index, indicator_index, period_id), goal in given.items():
        subject = subjects[subject_index]
        Target.objects.create(
            unit=subject if isinstance(subject, AdminUnit) else None,
            village=subject if isinstance(subject, Village) else None,
            indicator=world.indicators[indicator_index],
            period_id=period_id,
            value=Decimal(goal),
        )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=CELLS, targets=TARGETS)
def test_figures_and_values_equal_the_earlier_computation_over_random_cells(
    world: World, cells: list[tuple[int, int, int, int]], targets: list[tuple[int, int, str]]
) -> None:
    with transaction.atomic():
        _fill(world, cells, targets)
        for period in world.periods:
            for subject in world.subjects():
                assert _new_figures(subject, period) == _old_figures(subject, period), (subject, period)
            assert _new_figures(world.tree.c1, period, rank=False) == _old_figures(world.tree.c1, period, rank=False)
            for level in (Level.COMMUNE, Level.VILLAGE):
                units = [unit for lv, unit in _places(world) if lv == level]
                assert selectors.unit_progress(world.indicators, period, level, units) == _old_values(
                    world.indicators, period, level, units
                )
        transaction.set_rollback(True)


# -- ranks, ties -------------------------------------------------------------------------------------------------


def _set(world: World, code: str, amounts: dict[Village, int], goals: dict[Village, str]) -> Indicator:
    indicator = next(i for i in world.indicators if i.code == code)
    for village, amount in amounts.items():
        ProgressCell.objects.create(
            level=Level.VILLAGE, unit=village.pk, indicator=indicator, bucket=world.year, value=amount
        )
    for village, goal in goals.items():
        Target.objects.create(village=village, indicator=indicator, period=world.periods[0], value=Decimal(goal))
    return indicator


def _rank_of(world: World, village: Village, indicator: Indicator) -> tuple[int | None, int | None]:
    figure = next(f for f in selectors.indicator_figures(village, world.periods[0]) if f.indicator.pk == indicator.pk)
    return figure.rank, figure.of


def test_equal_shares_of_target_share_a_rank_and_the_next_one_skips(world: World) -> None:
    v1, v2, v3, v4, v5 = world.villages
    level2 = _set(
        world,
        "vneid_level2",
        {v1: 5, v2: 10, v3: 10, v4: 2},
        {v1: "10", v2: "20", v3: "20", v4: "1", v5: "4"},
    )
    # Shares: v4 200 %, v1 = v2 = v3 50 %, v5 0 %.
    assert _rank_of(world, v4, level2) == (1, 5)
    assert _rank_of(world, v1, level2) == (2, 5)
    assert _rank_of(world, v2, level2) == (2, 5)
    assert _rank_of(world, v3, level2) == (2, 5)
    assert _rank_of(world, v5, level2) == (5, 5)


def test_a_sibling_without_a_target_ranks_after_those_with_one(world: World) -> None:
    v1, v2, v3, _v4, _v5 = world.villages
    level2 = _set(world, "vneid_level2", {v1: 1, v2: 1000}, {v1: "10", v3: "100"})
    # v2 achieved the most but has no target: it ranks behind v1 (10 %) and v3 (0 % of a target).
    assert _rank_of(world, v1, level2) == (1, 5)
    assert _rank_of(world, v3, level2) == (2, 5)


def test_a_unit_without_targets_is_ranked_by_value(world: World) -> None:
    v1, v2, v3, _v4, _v5 = world.villages
    level2 = _set(world, "vneid_level2", {v1: 3, v2: 7, v3: 3}, {})
    assert _rank_of(world, v2, level2) == (1, 5)
    assert _rank_of(world, v1, level2) == (2, 5)
    assert _rank_of(world, v3, level2) == (2, 5)


def test_figures_read_the_cells_once_whatever_the_number_of_siblings(world: World) -> None:
    _set(world, "vneid_level2", {v: n for n, v in enumerate(world.villages)}, dict.fromkeys(world.villages, "5"))
    with CaptureQueriesContext(connection) as queries:
        selectors.indicator_figures(world.villages[0], world.periods[0])
    cell_reads = [q for q in queries.captured_queries if ProgressCell._meta.db_table in q["sql"]]
    assert len(cell_reads) == 1
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 3  # the unit's targets, indicators, its sums and ranks
    else:
        assert len(queries.captured_queries) == 4  # siblings, targets, indicators, cells


def _ratio_parts(world: World, code: str) -> tuple[Indicator, Indicator, Indicator]:
    ratio = next(i for i in world.indicators if i.code == code)
    by_pk = {i.pk: i for i in world.indicators}
    return ratio, by_pk[ratio.numerator_id or 0], by_pk[ratio.denominator_id or 0]


def test_a_ratio_is_ranked_by_its_value_rounded_half_to_even(world: World) -> None:
    v1, v2, v3, _v4, v5 = world.villages
    ratio, top, bottom = _ratio_parts(world, "vneid_level2_rate")
    _set(world, top.code, {v1: 1, v2: 1, v3: 3, v5: 1}, {})
    _set(world, bottom.code, {v1: 400, v2: 500, v3: 400, v5: 1000}, {})
    # 0.25 % and 0.75 % round half to even (0.2 and 0.8), as Decimal.quantize does: v1 ties with v2's
    # 0.2 %; rounding half up would put v1 (0.3) ahead of v2.
    figure = next(f for f in selectors.indicator_figures(v1, world.periods[0]) if f.indicator.pk == ratio.pk)
    assert figure.achieved == Decimal("0.2")
    assert _rank_of(world, v3, ratio) == (1, 5)
    assert _rank_of(world, v1, ratio) == (2, 5)
    assert _rank_of(world, v2, ratio) == (2, 5)
    assert _rank_of(world, v5, ratio) == (4, 5)


def test_shares_of_target_are_compared_exactly(world: World) -> None:
    v1, v2, v3, v4, v5 = world.villages
    k, big = 10**5, 999_999_999_999
    # v1: k - 1/big, v2: k - 1/(big - 1): v1 is ahead by 1 / (big × (big - 1)), a difference that a
    # 28-digit division rounds away (both shares would read 99999.99999999999900000000000).
    level2 = _set(world, "vneid_level2", {v1: k * big - 1, v2: k * (big - 1) - 1, v3: 1, v4: 2}, {})
    for village, goal in {v1: big, v2: big - 1, v3: 3, v4: 6, v5: 1}.items():
        Target.objects.create(village=village, indicator=level2, period=world.periods[0], value=Decimal(goal))
    assert _rank_of(world, v1, level2) == (1, 5)
    assert _rank_of(world, v2, level2) == (2, 5)
    assert _rank_of(world, v3, level2) == (3, 5)  # 1/3 and 2/6 tie
    assert _rank_of(world, v4, level2) == (3, 5)
    assert _rank_of(world, v5, level2) == (5, 5)


def test_a_village_no_longer_active_is_ranked_by_value_among_the_active_ones(world: World) -> None:
    v1, v2, v3, _v4, _v5 = world.villages
    old = _village(world.tree.c1, "Thôn cũ")
    old.valid_to = datetime.date(world.year - 1, 12, 31)
    old.save()
    level2 = _set(world, "vneid_level2", {v1: 3, v2: 7, v3: 5, old: 5}, {v1: "1", old: "100"})
    # Its own target is not a sibling's: it is ranked by value (7 is ahead), among the 5 active villages.
    assert _rank_of(world, old, level2) == (2, 5)
    assert _rank_of(world, v1, level2) == (1, 5)


# -- the rank in SQL (PostgreSQL) against the rank in Python ------------------------------------------------------

AMOUNTS = st.sampled_from([-1, 0, 0, 1, 1, 2, 3, 5, 8, 40, 80, 400])
GOALS = st.sampled_from(["0", "1", "2", "3", "4", "4.5", "6", "10", "0.25", "0.75", "40", "80"])


@dataclass
class Crowd:
    """Siblings enough for ties: the villages of C1 (and one no longer active), the communes of P1."""

    world: World
    villages: list[Village]
    communes: list[AdminUnit]
    old: Village

    def places(self) -> list[tuple[int, int]]:
        return [
            *((Level.VILLAGE, v.pk) for v in [*self.villages, self.old]),
            *((Level.COMMUNE, c.pk) for c in self.communes),
            *((Level.PROVINCE, p.pk) for p in (self.world.tree.p1, self.world.tree.p2)),
        ]

    def subjects(self) -> list[AdminUnit | Village]:
        return [*self.villages, self.old, *self.communes, self.world.tree.p1, self.world.tree.p2]


@pytest.fixture
def crowd(world: World) -> Crowd:
    t = world.tree
    villages = [*world.villages, *(_village(t.c1, f"Thôn {n}") for n in range(6, 10))]
    communes = [t.c1, t.c2, *(_unit(f"0{n}999", f"Xã Thử {n}", f"Thử {n}", t.c2.kind, t.p1) for n in range(1, 4))]
    old = _village(t.c1, "Thôn cũ")
    old.valid_to = datetime.date(world.year - 1, 12, 31)
    old.save()
    return Crowd(world, villages, communes, old)


def _both(subject: AdminUnit | Village, period: Period) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    def rows(found: list[selectors.Figure]) -> list[tuple[Any, ...]]:
        return [(f.indicator.pk, f.achieved, f.target, f.rank, f.of) for f in found]

    return (
        rows(selectors._figures_ranked_in_sql(subject, period, None)),
        rows(selectors._figures_in_python(subject, period, None, rank=True)),
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the rank is computed in SQL on PostgreSQL only")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), AMOUNTS), max_size=150),
    targets=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100), GOALS), max_size=80),
)
def test_ranks_in_sql_equal_ranks_in_python_over_random_cells_and_targets(
    crowd: Crowd, cells: list[tuple[int, int, int, int]], targets: list[tuple[int, int, str]]
) -> None:
    world = crowd.world
    # Ratio parts and the ratios (and a few others) come up more often than a uniform pick would make them.
    ratio, top, bottom = _ratio_parts(world, "vneid_level2_rate")
    favourites = [ratio, top, bottom, *world.indicators[:3]]
    indicators = [*favourites, *favourites, *world.indicators]
    places, subjects = crowd.places(), crowd.subjects()
    with transaction.atomic():
        summed: dict[tuple[int, int, int, int], int] = defaultdict(int)
        for place, indicator, bucket, value in cells:
            level, unit = places[place % len(places)]
            summed[(level, unit, indicators[indicator % len(indicators)].pk, _bucket(world, bucket))] += value
        ProgressCell.objects.bulk_create(
            ProgressCell(level=level, unit=unit, indicator_id=indicator, bucket=bucket, value=value)
            for (level, unit, indicator, bucket), value in summed.items()
        )
        given_: dict[tuple[int, int, int], str] = {}
        for subject_choice, indicator_choice, goal in targets:
            for period in world.periods:
                given_[(subject_choice % len(subjects), indicator_choice % len(indicators), period.pk)] = goal
        for (subject_index, indicator_index, period_id), goal in given_.items():
            subject = subjects[subject_index]
            Target.objects.get_or_create(
                unit=subject if isinstance(subject, AdminUnit) else None,
                village=subject if isinstance(subject, Village) else None,
                indicator=indicators[indicator_index],
                period_id=period_id,
                defaults={"value": Decimal(goal)},
            )
        for period in world.periods:
            for subject in subjects:
                in_sql, in_python = _both(subject, period)
                assert in_sql == in_python, (subject, period)
                assert any(rank is not None for _pk, _achieved, _target, rank, _of in in_sql), subject
        transaction.set_rollback(True)


def test_the_buckets_a_read_needs_are_covered_by_the_fewest_ranges() -> None:
    year = 2026
    assert selectors._cover([year], [(1000, year)]) == [(1000, year)]
    quarter = [202604, 202605, 202606]
    assert selectors._cover(quarter, [(1000, 2025), (202601, 202606)]) == [(1000, 2025), (202601, 202606)]
    assert selectors._cover([-7], [(1000, 2025), (202601, 202605)]) == [(-7, -7), (1000, 2025), (202601, 202605)]
    assert selectors._cover([202606], [(1000, 2025), (202601, 202605)]) == [(1000, 2025), (202601, 202606)]
