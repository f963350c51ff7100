"""Keep the progress cells in step with the records, inside the caller's transaction.

Every change that moves a counted indicator calls one function here with the sign of the change:
``activity_moved`` (an activity recorded, +1, or voided, -1; an edit is -1 of the old and +1 of the
new), ``status_moved`` (an adoption status reached or undone) and ``household_moved`` (a household
registered, its counts changed). Each works out which indicators the record counts for, spreads the
amounts to the village, commune, province and nation and to the month (and any campaign) of the day,
and writes them in one upsert statement, sorted by key so that concurrent writers lock in one order.

The counting rules (which indicators count what) are read from the catalogue and kept for
``RULES_TTL`` seconds per process; ``forget_rules`` drops them at once after a catalogue change here.

Hot cells are spread over slots (issue 17.7, writers at scale). Every record counts in the nation's cells, and
every record of a province in that province's: one row per indicator and bucket that every writer of the
country (or of the province) would update, holding its lock from the upsert to the commit, and under a
synchronous standby the commit waits a replication round trip with the lock held. So those rows would let
one record through at a time whatever the number of app nodes. Instead a nation or province cell is
``SLOTS`` rows, (level, unit, indicator, bucket, slot), and a record adds to the slot of its commune
(``commune id % SLOTS``): writers of different communes mostly update different rows, and a reader sums the
slots (every reader of the cells already sums them: ``selectors._sums``, the rank query, ``monthly``, the
quality rules; ``rebuild.stored_cells`` and so ``check_aggregates`` too). Why slots and not an upper level
rolled up later: the numbers stay exact and immediate (a record shows in the nation's board in the same
transaction, as before), with no job on the write path, no delay to display and no second copy of the figures
to prove; what slots cost is on reads (up to ``SLOTS`` rows a cell), which ``rebuild.fold_slots`` bounds by
folding the slots of ended periods back into one row each night. Why
the commune and not a random slot: the commune's own cell is already shared by its writers, so this adds no
new shared row; a record and its void land in the same slot; and the same records always give the same rows
(the one-by-one and batch paths of the sync, and a rerun, write identical cells). Village and commune cells
stay one row (slot 0): few writers share them, and the outlier rule reads them row by row.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from cdtt.catalog.models import Indicator, Method, ReachMeasure, RegisterMetric
from cdtt.geo.models import AdminUnit
from cdtt.progress.models import Level, ProgressCell

RULES_TTL = 30.0
NATION_UNIT = 0
# Rows a nation or province cell is spread over (see above). Readers sum whatever slots exist, so changing
# it needs no migration: old slots keep counting, new records go to the new ones.
SLOTS = 16
SLOTTED_LEVELS = frozenset({Level.NATION.value, Level.PROVINCE.value})


def slot_of(level: int, commune_id: int) -> int:
    """The slot a record of this commune adds to at this level (0 where a cell is one row)."""
    return commune_id % SLOTS if level in SLOTTED_LEVELS else 0


def month_bucket(day: datetime.date) -> int:
    return day.year * 100 + day.month


def year_bucket(day: datetime.date) -> int:
    """A whole year (four digits, e.g. 2026): a year's board reads one cell per indicator, not twelve."""
    return day.year


def campaign_bucket(period_id: int) -> int:
    return -period_id


@dataclass(frozen=True)
class ActivityRule:
    indicator_id: int
    reach: bool  # count people (or households) reached, not records
    kinds: frozenset[str]
    platform_id: int | None
    outcome_ids: frozenset[int]
    households: bool = False  # a reach counted in households reached, not people

    def amount(self, activity: Any) -> int:
        if activity.kind not in self.kinds:
            return 0
        if self.platform_id is not None and activity.platform_id != self.platform_id:
            return 0
        if self.outcome_ids and activity.outcome_id not in self.outcome_ids:
            return 0
        if not self.reach:
            return 1
        return int((activity.households_reached if self.households else activity.people_reached) or 0)


@dataclass
class Rules:
    activity: list[ActivityRule] = field(default_factory=list)
    # adoption item id -> [(indicator id, counts residents)]
    statuses: dict[int, list[tuple[int, bool]]] = field(default_factory=dict)
    register: dict[str, list[int]] = field(default_factory=dict)
    campaigns: list[tuple[int, datetime.date, datetime.date]] = field(default_factory=list)
    loaded_at: float = 0.0


_lock = threading.Lock()
_rules: Rules | None = None


def forget_rules(**_signal: Any) -> None:
    """Drop the cached rules (and places): after a catalogue change, a campaign, or between tests."""
    global _rules
    with _lock:
        _rules = None
        _provinces.clear()


def rules() -> Rules:
    global _rules
    current = _rules
    if current is not None and time.monotonic() - current.loaded_at < RULES_TTL:
        return current
    loaded = load_rules()
    with _lock:
        _rules = loaded
    return loaded


def load_rules() -> Rules:
    from cdtt.targets.models import Period, PeriodKind

    loaded = Rules(loaded_at=time.monotonic())
    indicators = Indicator.objects.filter(is_active=True).prefetch_related("outcomes")
    for indicator in indicators:
        if indicator.method in (Method.ACTIVITY_COUNT, Method.ACTIVITY_REACH):
            loaded.activity.append(
                ActivityRule(
                    indicator_id=indicator.pk,
                    reach=indicator.method == Method.ACTIVITY_REACH,
                    kinds=frozenset(indicator.activity_kinds),
                    platform_id=indicator.platform_id,
                    outcome_ids=frozenset(outcome.pk for outcome in indicator.outcomes.all()),
                    households=indicator.reach_measure == ReachMeasure.HOUSEHOLDS,
                )
            )
        elif indicator.method in (Method.HOUSEHOLDS_REACHED, Method.RESIDENTS_REACHED) and indicator.adoption_item_id:
            residents = indicator.method == Method.RESIDENTS_REACHED
            loaded.statuses.setdefault(indicator.adoption_item_id, []).append((indicator.pk, residents))
        elif indicator.method == Method.REGISTER and indicator.register_metric:
            loaded.register.setdefault(indicator.register_metric, []).append(indicator.pk)
    campaigns = Period.objects.filter(kind=PeriodKind.CAMPAIGN).values_list("pk", "start", "end")
    loaded.campaigns = [(pk, start, end) for pk, start, end in campaigns]
    return loaded


# -- places -----------------------------------------------------------------------------------------

_provinces: dict[int, int | None] = {}


def province_of(commune_id: int) -> int | None:
    """The province of a commune (units do not move between provinces; kept per process)."""
    if commune_id not in _provinces:
        # All communes at once (a few thousand ids): one query per process, not one per commune.
        _provinces.update(AdminUnit.objects.communes().values_list("pk", "parent_id"))
        if commune_id not in _provinces:
            _provinces[commune_id] = AdminUnit.objects.filter(pk=commune_id).values_list("parent_id", flat=True).first()
    return _provinces[commune_id]


def places(commune_id: int, village_id: int | None) -> list[tuple[int, int]]:
    """(level, unit) of every cell a record at this commune (and village) counts in."""
    found = [(Level.NATION.value, NATION_UNIT), (Level.COMMUNE.value, commune_id)]
    province = province_of(commune_id)
    if province is not None:
        found.append((Level.PROVINCE.value, province))
    if village_id is not None:
        found.append((Level.VILLAGE.value, village_id))
    return found


def buckets(day: datetime.date, campaigns: Iterable[tuple[int, datetime.date, datetime.date]]) -> list[int]:
    found = [month_bucket(day), year_bucket(day)]
    found.extend(campaign_bucket(pk) for pk, start, end in campaigns if start <= day <= end)
    return found


# -- deltas -----------------------------------------------------------------------------------------


class Deltas:
    """Amounts to add to cells, summed per key, written in one statement."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int, int, int, int], int] = defaultdict(int)
        self._rules = rules()

    def add(self, *, commune_id: int, village_id: int | None, day: datetime.date, amounts: dict[int, int]) -> None:
        if not any(amounts.values()):
            return
        where = places(commune_id, village_id)
        when = buckets(day, self._rules.campaigns)
        for indicator_id, amount in amounts.items():
            if not amount:
                continue
            for level, unit in where:
                slot = slot_of(level, commune_id)
                for bucket in when:
                    self.cells[(level, unit, indicator_id, bucket, slot)] += amount

    def activity(self, activity: Any, sign: int) -> Deltas:
        amounts: dict[int, int] = defaultdict(int)
        for rule in self._rules.activity:
            amounts[rule.indicator_id] += sign * rule.amount(activity)
        self.add(
            commune_id=activity.commune_id, village_id=activity.village_id, day=activity.occurred_on, amounts=amounts
        )
        return self

    def status(self, status: Any, household: Any, sign: int) -> Deltas:
        amounts: dict[int, int] = defaultdict(int)
        for indicator_id, residents in self._rules.statuses.get(status.item_id, ()):
            if residents == (status.resident_id is not None):
                amounts[indicator_id] += sign
        self.add(
            commune_id=household.commune_id, village_id=household.village_id, day=status.reached_on, amounts=amounts
        )
        return self

    def household(self, household: Any, sign: int) -> Deltas:
        """A household's register totals, counted in the month it was registered."""
        values = {
            RegisterMetric.HOUSEHOLDS.value: 1,
            RegisterMetric.MEMBERS.value: household.members_count or 0,
            RegisterMetric.ADULTS.value: household.adults_count or 0,
        }
        amounts: dict[int, int] = defaultdict(int)
        for metric, indicator_ids in self._rules.register.items():
            for indicator_id in indicator_ids:
                amounts[indicator_id] += sign * values[metric]
        registered = timezone.localdate(household.created_at) if household.created_at else timezone.localdate()
        self.add(commune_id=household.commune_id, village_id=household.village_id, day=registered, amounts=amounts)
        return self

    def write(self) -> None:
        write_cells((key, value) for key, value in sorted(self.cells.items()) if value)
        self.cells.clear()


def write_cells(rows: Iterable[tuple[tuple[int, int, int, int, int], int]], *, batch: int = 500) -> None:
    """Add ``value`` to each cell row ``(level, unit, indicator, bucket, slot)``, creating the rows missing.

    The rows come sorted by that key (``Deltas.write``): concurrent writers lock them in one order."""
    table = connection.ops.quote_name(ProgressCell._meta.db_table)
    pending: list[Any] = []

    def flush() -> None:
        if not pending:
            return
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * (len(pending) // 6))
        sql = (
            f"INSERT INTO {table} (level, unit, indicator_id, bucket, slot, value) VALUES {values} "  # noqa: S608
            "ON CONFLICT (level, unit, indicator_id, bucket, slot) "
            f"DO UPDATE SET value = {table}.value + excluded.value"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, pending)
        pending.clear()

    for (level, unit, indicator_id, bucket, slot), value in rows:
        pending.extend((level, unit, indicator_id, bucket, slot, value))
        if len(pending) >= batch * 6:
            flush()
    flush()


# -- the calls the services make ----------------------------------------------------------------------


def activity_moved(activity: Any, sign: int) -> None:
    Deltas().activity(activity, sign).write()


def status_moved(status: Any, household: Any, sign: int) -> None:
    Deltas().status(status, household, sign).write()


def household_moved(household: Any, sign: int) -> None:
    Deltas().household(household, sign).write()
