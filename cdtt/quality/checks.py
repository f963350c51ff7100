"""The rules checked as a record is written: capacity, rate, duplicate effort, back-dating.

They run inside the transaction that writes the record, right after its progress moved, so they must be
cheap (issue 19: at most 20% on the cost of recording, measured by ``bench/bench_progress.py``):

- capacity reads the unit's eligible people and households from the progress cells of the register
  indicators (kept per process beside the counting rules, so most records read nothing);
- rate makes one count over the member's records of the day (index ``activity_member_day``), and only
  when that count is over the ceiling looks at which indicators the records count for;
- duplicate effort queries only when the record's outcome did not create its adoption status (it existed
  already: someone recorded it before, or an officer ticked it);
- back-dating looks only at a record dated before the current month (a report is approved after its
  period, so a record of this month cannot fall in an approved period in practice; the edge of a report
  approved early is left to the officers), and reads the place's approved reports of that month once per
  process and ``RULES_TTL`` (kept beside the rules, like the eligible population); what another node let
  through in those seconds after an approval, the daily job's ``sweep_backdating`` flags.

The rule rows are read once per process and kept as long as the counting rules (``engine.rules()``): a
catalogue change or ``engine.forget_rules`` drops both at once.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import engine
from cdtt.progress.models import Level, ProgressCell
from cdtt.quality.defaults import RULES
from cdtt.quality.raising import flag_raise

# A switch for the benchmark's "without rules" writes (and nothing else).
ENABLED = True


@dataclass(frozen=True)
class RuleConf:
    code: str
    active: bool
    threshold: float


@dataclass(frozen=True)
class Eligible:
    """Who could be reached in a unit: people and households, and where the numbers come from."""

    people: int
    households: int
    source: str  # "register" or the name a source gave (e.g. "official")


# -- where the eligible come from ----------------------------------------------------------------------

# (unit or village, period or day) -> Eligible | None. ``cdtt.official`` (official population figures)
# registers one here; where it answers more than the register holds, the register is taken as partial.
EligibleSource = Callable[[Any, Any], Eligible | None]
_SOURCES: list[EligibleSource] = []


def eligible_source(source: EligibleSource) -> EligibleSource:
    """Register another source of eligible population (usable as a decorator)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def register_eligible(unit: AdminUnit | Village) -> Eligible | None:
    """What the household register alone holds for a village or unit (kept per process like the rules)."""
    return _cached().eligible(unit)


def eligible_population(unit: AdminUnit | Village, period: Any = None) -> Eligible | None:
    """People and households of a village or unit: the household register, or a registered source's
    figure where it is larger (the register is then partial). None when nothing is known."""
    found = _cached().eligible(unit)
    for source in _SOURCES:
        other = source(unit, period)
        if other is not None and (found is None or other.people > found.people):
            found = other
    return found


def _register_eligible(unit: AdminUnit | Village, rules: engine.Rules) -> Eligible | None:
    """The register's totals from the cells of the register indicators (a few rows), or from the
    households themselves when the catalogue has no register indicator."""
    from cdtt.catalog.models import RegisterMetric

    level = Level.VILLAGE if isinstance(unit, Village) else _level(unit)
    households_ids = rules.register.get(RegisterMetric.HOUSEHOLDS.value, [])
    members_ids = rules.register.get(RegisterMetric.MEMBERS.value, [])
    if households_ids:
        rows = dict(
            ProgressCell.objects.filter(
                level=level, unit=unit.pk, indicator_id__in=[households_ids[0], *members_ids[:1]], bucket__lt=10_000
            )
            .values_list("indicator_id")
            .annotate(total=Sum("value"))
        )
        households = int(rows.get(households_ids[0]) or 0)
        members = int(rows.get(members_ids[0]) or 0) if members_ids else 0
    else:
        from cdtt.households.models import Household

        where = Q(village=unit) if isinstance(unit, Village) else Q(commune__path__startswith=unit.path)
        totals = Household.objects.filter(where).aggregate(n=Count("pk"), people=Sum("members_count"))
        households, members = int(totals["n"] or 0), int(totals["people"] or 0)
    if households <= 0:
        return None  # nothing registered there: the rule is skipped, not failed
    # A household without its members' count still has at least one person.
    return Eligible(people=max(members, households), households=households, source="register")


def _level(unit: AdminUnit) -> int:
    from cdtt.geo.models import UnitKind

    if unit.kind == UnitKind.NATIONAL:
        return Level.NATION.value
    if unit.kind == UnitKind.PROVINCE:
        return Level.PROVINCE.value
    return Level.COMMUNE.value


# -- what is kept per process --------------------------------------------------------------------------


@dataclass
class _Cache:
    owner: engine.Rules | None = None
    rules: dict[str, RuleConf] = field(default_factory=dict)
    item_of_outcome: dict[int, tuple[int, str]] = field(default_factory=dict)  # outcome -> (item, applies_to)
    outcomes_of_item: dict[int, list[int]] = field(default_factory=dict)
    _eligible: dict[tuple[bool, int], Eligible | None] = field(default_factory=dict)

    _approved: dict[tuple[int, int | None, datetime.date], list[tuple[Any, ...]]] = field(default_factory=dict)

    def approved(self, commune_id: int, village_id: int | None, day: datetime.date) -> list[tuple[Any, ...]]:
        """Approved reports of the place overlapping the day's month, kept like the rules: a record entered
        within ``RULES_TTL`` seconds of an approval may pass unflagged (the officer just saw the figures)."""
        key = (commune_id, village_id, day.replace(day=1))
        if key not in self._approved:
            self._approved[key] = _approved_reports(commune_id, village_id, key[2])
        return self._approved[key]

    def eligible(self, unit: AdminUnit | Village) -> Eligible | None:
        key = (isinstance(unit, Village), unit.pk)
        if key not in self._eligible:
            self._eligible[key] = _register_eligible(unit, self.owner or engine.rules())
        return self._eligible[key]


_lock = threading.Lock()
_cache = _Cache()


def _cached() -> _Cache:
    """The rule rows and the outcome → item map, loaded again whenever the counting rules are."""
    global _cache
    current = engine.rules()
    if _cache.owner is current:
        return _cache
    loaded = _Cache(owner=current, rules=load_rules())
    from cdtt.catalog.models import Outcome

    for pk, item_id, applies in Outcome.objects.filter(adoption_item__isnull=False).values_list(
        "pk", "adoption_item_id", "adoption_item__applies_to"
    ):
        loaded.item_of_outcome[pk] = (item_id, applies)
        loaded.outcomes_of_item.setdefault(item_id, []).append(pk)
    with _lock:
        _cache = loaded
    return loaded


def load_rules() -> dict[str, RuleConf]:
    """The rules as stored; a missing row falls back to its default (active)."""
    from cdtt.quality.models import QualityRule

    found = {code: RuleConf(code, True, threshold) for code, _n, _d, _t, threshold, _l in RULES}
    for code, active, threshold in QualityRule.objects.values_list("code", "is_active", "threshold"):
        found[code] = RuleConf(code, active, threshold)
    return found


def rule(code: str) -> RuleConf:
    return _cached().rules[code]


# -- the checks ---------------------------------------------------------------------------------------


@dataclass
class Finding:
    """What a check found: a flag to raise (or to join, under the same key)."""

    rule: str
    key: str
    day: datetime.date
    numbers: dict[str, Any]
    indicator_id: int | None = None
    records: list[int] = field(default_factory=list)
    unit_id: int = 0  # the commune whose officers review it (the record's)
    village_id: int | None = None


# A member's records of a day, as the rate rule reads them: (kind, platform, outcome, people, households).
DayRows = list[SimpleNamespace]


@dataclass
class _Day:
    """The member's records of one day: counted once; read once, only when the count is over the ceiling."""

    member: int
    day: datetime.date
    count: int
    rows: DayRows | None = None
    # What the day's records add to each indicator, and how many reach each adoption item: the same for every
    # record of a batch, so counted once per day and batch (a batch of 50 over the ceiling read the day 50 times).
    counts: dict[tuple[str, int], int] = field(default_factory=dict)

    def count_of(self, key: tuple[str, int], counts: Callable[[Any], object]) -> int:
        if key not in self.counts:
            self.counts[key] = sum(1 for row in self.read() if counts(row))
        return self.counts[key]

    def read(self) -> DayRows:
        from cdtt.activities.models import Activity

        if self.rows is None:
            found = Activity.objects.filter(recorded_by_id=self.member, occurred_on=self.day, voided_at__isnull=True)
            self.rows = [
                SimpleNamespace(kind=k, platform_id=p, outcome_id=o, people_reached=n, households_reached=h)
                for k, p, o, n, h in found.values_list(
                    "kind", "platform_id", "outcome_id", "people_reached", "households_reached"
                )
            ]
        return self.rows


def check_record(activity: Any, *, today: datetime.date | None = None) -> list[Any]:
    """Check one record just written (inside its transaction); raise the flags found. Returns them."""
    if not ENABLED or activity.voided_at is not None:
        return []
    return _raise([(finding, activity.pk) for finding in _findings(activity, today, None)])


def check_records(activities: Iterable[Any]) -> None:
    """The same checks for the records of a batch (sync push): each member's day is counted once for the whole
    batch (one grouped query), and each flag found is raised once with all its records of the batch, so a
    batch costs a few queries per flag, not per record."""
    from cdtt.activities.models import Activity

    batch = [a for a in activities if a.voided_at is None]
    if not ENABLED or not batch:
        return
    members = {a.recorded_by_id for a in batch if a.recorded_by_id is not None}
    days: dict[tuple[int, datetime.date], _Day] = {}
    if members and rule("rate").active:
        rows = (
            Activity.objects.filter(
                recorded_by_id__in=members, occurred_on__in={a.occurred_on for a in batch}, voided_at__isnull=True
            )
            .values_list("recorded_by_id", "occurred_on")
            .annotate(n=Count("pk"))
            .order_by()
        )
        days = {(member, day): _Day(member, day, n) for member, day, n in rows}
    found: list[tuple[Finding, int]] = []
    for activity in batch:
        day = days.get((activity.recorded_by_id, activity.occurred_on), _Day(0, activity.occurred_on, 0))
        found.extend((finding, activity.pk) for finding in _findings(activity, None, day))
    _raise(found)


def _findings(activity: Any, today: datetime.date | None, day: _Day | None) -> list[Finding]:
    found = [*_capacity(activity), *_rate(activity, day), *_duplicate(activity), *_backdating(activity, today)]
    for finding in found:
        finding.unit_id, finding.village_id = activity.commune_id, activity.village_id
    return found


def _raise(found: list[tuple[Finding, int]]) -> list[Any]:
    """Raise each flag once (in key order: concurrent writers lock in one order) with all its records."""
    by_key: dict[str, tuple[Finding, list[int]]] = {}
    for finding, record in found:
        _first, records = by_key.setdefault(finding.key, (finding, []))
        by_key[finding.key] = (finding, records)  # the last numbers (the latest count) stand
        records.extend([*finding.records, record])
    flags = []
    for key in sorted(by_key):
        finding, records = by_key[key]
        flag = flag_raise(
            rule=finding.rule,
            unit_id=finding.unit_id,
            village_id=finding.village_id,
            indicator_id=finding.indicator_id,
            day=finding.day,
            numbers=finding.numbers,
            key=key,
            records=sorted(set(records)),
        )
        if flag is not None:
            flags.append(flag)
    return flags


def _reach_indicator(activity: Any, households: bool) -> int | None:
    for counting in engine.rules().activity:
        if counting.reach and counting.households == households and counting.amount(activity):
            return counting.indicator_id
    return None


def _capacity(activity: Any) -> list[Finding]:
    conf = rule("capacity")
    if not conf.active or not (activity.people_reached or activity.households_reached):
        return []
    place: AdminUnit | Village | None = activity.village if activity.village_id else activity.commune
    if place is None:
        return []
    eligible = eligible_population(place, activity.occurred_on)
    if eligible is None:
        return []
    found = []
    where = f"v{place.pk}" if activity.village_id else f"c{place.pk}"
    for measure, reached, limit in (
        ("people", activity.people_reached, eligible.people),
        ("households", activity.households_reached, eligible.households),
    ):
        if reached and reached > limit * conf.threshold:
            found.append(
                Finding(
                    rule="capacity",
                    # One flag per place, day and measure: a second session of the same day joins it.
                    key=f"capacity:{where}:{activity.occurred_on.isoformat()}:{measure}",
                    day=activity.occurred_on,
                    indicator_id=_reach_indicator(activity, measure == "households"),
                    numbers={
                        "measure": measure,
                        "reached": reached,
                        "eligible": limit,
                        "source": eligible.source,
                        "place": place.name,
                    },
                )
            )
    return found


def _rate(activity: Any, day: _Day | None = None) -> list[Finding]:
    conf = rule("rate")
    if not conf.active or activity.recorded_by_id is None:
        return []
    if day is None:
        from cdtt.activities.models import Activity

        count = Activity.objects.filter(  # the usual answer: one index-only count, nothing more
            recorded_by_id=activity.recorded_by_id, occurred_on=activity.occurred_on, voided_at__isnull=True
        ).count()
        day = _Day(activity.recorded_by_id, activity.occurred_on, count)
    if day.count <= conf.threshold:
        return []
    counted: dict[int, int] = {}
    for counting in engine.rules().activity:
        if counting.amount(activity):
            counted[counting.indicator_id] = day.count_of(("indicator", counting.indicator_id), counting.amount)
    item = _cached().item_of_outcome.get(activity.outcome_id or 0)
    if item is not None:  # the adoption indicators of the item the record's outcome reaches
        outcomes = _cached().item_of_outcome
        same_item = day.count_of(("item", item[0]), lambda row: outcomes.get(row.outcome_id or 0, (0,))[0] == item[0])
        for indicator_id, _residents in engine.rules().statuses.get(item[0], ()):
            counted[indicator_id] = same_item
    return [
        Finding(
            rule="rate",
            key=f"rate:u{activity.recorded_by_id}:{activity.occurred_on.isoformat()}:i{indicator_id}",
            day=activity.occurred_on,
            indicator_id=indicator_id,
            numbers={"records": n, "ceiling": conf.threshold, "member_id": activity.recorded_by_id},
        )
        for indicator_id, n in sorted(counted.items())
        if n > conf.threshold
    ]


def _duplicate(activity: Any) -> list[Finding]:
    from cdtt.activities.models import Activity

    conf = rule("duplicate")
    if not conf.active or activity.household_id is None or activity.outcome_id is None or activity.effects:
        return []  # a record that created its status is the first of its kind for the household
    cache = _cached()
    item = cache.item_of_outcome.get(activity.outcome_id)
    if item is None:
        return []
    item_id, applies = item
    resident_id = activity.resident_id if applies != "household" else None
    earlier = Activity.objects.filter(
        household_id=activity.household_id,
        outcome_id__in=cache.outcomes_of_item[item_id],
        voided_at__isnull=True,
    ).exclude(pk=activity.pk)
    if resident_id is not None:
        earlier = earlier.filter(resident_id=resident_id)
    rows = list(earlier.values_list("pk", "recorded_by_id")[:20])
    if not rows:
        return []
    members = {by for _pk, by in rows} | {activity.recorded_by_id}
    indicator_id = next((i for i, _r in engine.rules().statuses.get(item_id, ())), None)
    return [
        Finding(
            rule="duplicate",
            key=f"duplicate:h{activity.household_id}:r{resident_id or 0}:i{item_id}",
            day=activity.occurred_on,
            indicator_id=indicator_id,
            numbers={"records": len(rows) + 1, "members": len(members - {None}), "household_id": activity.household_id},
            records=[pk for pk, _by in rows],
        )
    ]


def _backdating(activity: Any, today: datetime.date | None) -> list[Finding]:
    conf = rule("backdating")
    today = today or timezone.localdate()
    if not conf.active or activity.occurred_on >= today.replace(day=1):
        return []
    day = activity.occurred_on
    report = next(
        (r for r in _cached().approved(activity.commune_id, activity.village_id, day) if r[0] <= day <= r[1]), None
    )
    if report is None:
        return []
    _start, _end, report_id, period, approved_on = report
    return [
        Finding(
            rule="backdating",
            key=f"backdating:rep{report_id}",
            day=day,
            numbers={"report_id": report_id, "period": period, "approved_on": approved_on},
        )
    ]


def _approved_reports(commune_id: int, village_id: int | None, month: datetime.date) -> list[tuple[Any, ...]]:
    """The approved reports of a village (and of its commune) whose period overlaps a month: (start, end,
    report, period's name, approval day)."""
    from cdtt.reports.models import Report, ReportStatus

    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    subject = Q(unit_id=commune_id, village__isnull=True)
    if village_id is not None:
        subject |= Q(village_id=village_id)
    rows = (
        Report.objects.filter(
            subject, status=ReportStatus.APPROVED, period__start__lt=following, period__end__gte=month
        )
        .select_related("period")
        .order_by("period__start", "pk")
    )
    return [
        (
            r.period.start,
            r.period.end,
            r.pk,
            str(r.period),
            timezone.localdate(r.decided_at).isoformat() if r.decided_at else "",
        )
        for r in rows
    ]


def sweep_backdating(*, since: datetime.datetime | None = None, progress: Callable[[str], None] | None = None) -> int:
    """The daily job's half of the back-dating rule: records entered after their period's report was approved.

    Each process reads a place's approved reports once per ``RULES_TTL`` (see ``_Cache.approved``), so a
    record entered on another app node in the seconds after an approval passes its own check unflagged. This
    sweep closes that window: for every report approved since ``since`` (default: two days ago, so that one
    missed run is caught up), the records of its place and period entered after the approval and named by
    no back-dating flag yet (open or reviewed) raise or join the report's flag, exactly as the record's own
    check would have. Returns the number of records flagged."""
    from cdtt.activities.models import Activity
    from cdtt.geo.models import UnitKind
    from cdtt.reports.models import Report, ReportStatus

    conf = rule("backdating")
    if not conf.active:
        return 0
    since = since or timezone.now() - datetime.timedelta(days=2)
    reports = (
        Report.objects.filter(status=ReportStatus.APPROVED, decided_at__gte=since)
        .filter(Q(village__isnull=False) | Q(unit__kind=UnitKind.COMMUNE))
        .select_related("period", "village")
        .order_by("pk")
    )
    flagged = 0
    for report in reports:
        rows = Activity.objects.filter(
            voided_at__isnull=True,
            recorded_at__gt=report.decided_at,
            occurred_on__gte=report.period.start,
            occurred_on__lte=report.period.end,
        ).exclude(quality_flags__rule="backdating")
        rows = (
            rows.filter(village_id=report.village_id) if report.village_id else rows.filter(commune_id=report.unit_id)
        )
        found = [
            (
                Finding(
                    rule="backdating",
                    key=f"backdating:rep{report.pk}",
                    day=day,
                    numbers={
                        "report_id": report.pk,
                        "period": str(report.period),
                        "approved_on": timezone.localdate(report.decided_at).isoformat(),
                    },
                    unit_id=commune,
                    village_id=village,
                ),
                pk,
            )
            for pk, day, commune, village in rows.values_list("pk", "occurred_on", "commune_id", "village_id")
        ]
        if found:
            with transaction.atomic():
                _raise(found)
            flagged += len(found)
            if progress is not None:
                progress(
                    f"backdating: report {report.pk} ({report.period}): {len(found)} record(s) entered after approval"
                )
    return flagged
