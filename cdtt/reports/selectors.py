"""Reads of periodic reports: who reports to whom and by when, a report's numbers (frozen or computed now,
consolidated from the children's approved reports), its organisation section, who may read, write and
review it, and the status tree of a unit's children. Nothing here writes; the writes are in services.py."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, as_id, scope_for
from cdtt.catalog.models import Indicator, Method
from cdtt.core.errors import NotFound
from cdtt.difficulties.models import Difficulty
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.progress.models import Level
from cdtt.progress.selectors import level_and_unit, unit_progress
from cdtt.quality.selectors import (
    WITHOUT_FLAGGED,
    FlaggedContribution,
    flagged_contribution,
    may_leave_out,
    open_flags,
)
from cdtt.reports.models import (
    EDITABLE,
    Report,
    ReportDeadline,
    ReportPolicy,
    ReportStatus,
)
from cdtt.reports.models import (
    SENT as SENT_STATES,
)
from cdtt.targets.models import Period, PeriodKind, Target
from cdtt.targets.periods import calendar_bounds, calendar_period
from cdtt.targets.services import target_text
from cdtt.teams.models import OPEN_STATUSES, ChatGroup, Membership, Team, TeamStatus
from cdtt.training.selectors import counted_attendance

# (months after the period's last month, day) by which teams report, as Circular 02/2023/TT-BTTTT sets
# for units reporting to the receiving body: monthly by the 15th, quarterly by the 6th of the quarter's
# last month, half-yearly by 6 June (6 December), yearly by 25 November. Campaigns: days after the end.
DEFAULT_DEADLINES: dict[str, tuple[int, int]] = {
    PeriodKind.MONTH: (0, 15),
    PeriodKind.QUARTER: (0, 6),
    PeriodKind.HALF: (0, 6),
    PeriodKind.YEAR: (-1, 25),
    PeriodKind.CAMPAIGN: (0, 5),
}
# Each level above the team has one more day to consolidate what it received.
LEVEL_LAG_DAYS = {Level.VILLAGE: 0, Level.COMMUNE: 1, Level.PROVINCE: 2, Level.NATION: 3}

Subject = AdminUnit | Village


# -- subjects and the tree ----------------------------------------------------------------------------


def level_of(subject: Subject) -> int:
    return level_and_unit(subject)[0]


def reviewer_of(subject: Subject) -> AdminUnit:
    """The unit a subject reports to: a village's commune, a commune's province, a province's nation."""
    if isinstance(subject, Village):
        return subject.commune
    if subject.kind == UnitKind.NATIONAL or subject.parent_id is None:
        return subject
    parent = subject.parent
    assert parent is not None
    return parent


def province_of(subject: Subject) -> AdminUnit | None:
    unit: AdminUnit | None = subject.commune if isinstance(subject, Village) else subject
    while unit is not None and unit.kind not in (UnitKind.PROVINCE, UnitKind.NATIONAL):
        unit = unit.parent
    return unit if unit is not None and unit.kind == UnitKind.PROVINCE else None


def reporting_children(unit: AdminUnit) -> list[Subject]:
    """Who reports to ``unit``: villages with a team (a commune), communes (a province), provinces (the nation)."""
    if unit.is_commune:
        villages = Village.objects.active().filter(
            commune=unit, teams__status=TeamStatus.ACTIVE, teams__village__isnull=False
        )
        return list(villages.distinct().order_by("name"))
    kinds = (UnitKind.PROVINCE,) if unit.kind == UnitKind.NATIONAL else None
    units = AdminUnit.objects.current().filter(parent=unit)
    if kinds:
        units = units.filter(kind__in=kinds)
    return list(units.order_by("name"))


def subject_label(subject: Subject) -> str:
    if isinstance(subject, Village):
        return _("Team of %(village)s") % {"village": subject.name}
    return subject.name


# -- deadlines ----------------------------------------------------------------------------------------


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def deadline_rule(province: AdminUnit | None, kind: str) -> tuple[int, int]:
    if province is not None:
        rule = ReportDeadline.objects.filter(province=province, kind=kind).first()
        if rule is not None:
            return rule.month_offset, rule.day
    return DEFAULT_DEADLINES.get(kind, (0, 15))


def optional_kinds(province: AdminUnit | None) -> set[str]:
    """The kinds of report ``province`` does not ask for (every kind is required unless it says so).

    The nation's and the provinces' own reports follow their province's choice too: a province that asks
    its communes for no monthly report is not late with a monthly report of its own."""
    if province is None:
        return set()
    return set(ReportDeadline.objects.filter(province=province, required=False).values_list("kind", flat=True))


def is_required(period: Period, province: AdminUnit | None, optional: set[str] | None = None) -> bool:
    """Whether a report for ``period`` is expected in ``province`` (``optional``: its ``optional_kinds``,
    when the caller has them already)."""
    return period.kind not in (optional_kinds(province) if optional is None else optional)


def _due_on(kind: str, end: datetime.date, level: int, rule: tuple[int, int]) -> datetime.date:
    """The due date of a period of ``kind`` ending on ``end`` under ``rule``, for ``level``."""
    offset, day = rule
    if kind == PeriodKind.CAMPAIGN:
        base = end + datetime.timedelta(days=day)
    else:
        year, month = _shift_month(end.year, end.month, offset)
        base = datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))
    return base + datetime.timedelta(days=LEVEL_LAG_DAYS.get(level, 0))  # type: ignore[call-overload]


def due_date(period: Period, level: int, province: AdminUnit | None) -> datetime.date:
    """The date a report of ``level`` for ``period`` is due, by its province's rule (or the default)."""
    return _due_on(period.kind, period.end, level, deadline_rule(province, period.kind))


def policy_of(unit_ids: Iterable[int]) -> set[int]:
    """The units (of ``unit_ids``) that hide their unapproved data from the level above."""
    return set(
        ReportPolicy.objects.filter(unit_id__in=list(unit_ids), hide_unapproved=True).values_list("unit_id", flat=True)
    )


# -- numbers --------------------------------------------------------------------------------------------


def report_indicators(period: Period, subject: Subject) -> list[Indicator]:
    """The rows of a report: the indicators in use that year (a campaign's: those with targets in it)."""
    active = list(Indicator.objects.filter(is_active=True).order_by("order", "code"))
    if period.is_campaign:
        targeted = set(
            Target.objects.filter(period=period).values_list("indicator_id", flat=True).distinct()
        )  # the campaign's indicators, wherever they were set
        chosen = [i for i in active if i.pk in targeted]
        return chosen or [i for i in active if i.valid_in(period.start.year)]
    return [i for i in active if i.valid_in(period.start.year)]


def year_to_date(period: Period) -> Period:
    """An unsaved period from 1 January to the period's end: its running total ("lũy kế")."""
    if period.is_campaign:
        return period
    return Period(kind=PeriodKind.YEAR, start=datetime.date(period.end.year, 1, 1), end=period.end, name="")


def _year_period(period: Period) -> Period | None:
    return Period.objects.filter(kind=PeriodKind.YEAR, start=datetime.date(period.start.year, 1, 1)).first()


def _targets(subject: Subject, periods: Sequence[Period]) -> dict[tuple[int, int], Decimal]:
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    rows = Target.objects.filter(period__in=[p.pk for p in periods], **where).values_list(
        "period_id", "indicator_id", "value"
    )
    return {(period_id, indicator_id): value for period_id, indicator_id, value in rows}


def _percent(value: Decimal, target: Decimal | None) -> float | None:
    if target is None or not target:
        return None
    return round(float(value) * 100 / float(target), 1)


@dataclass
class Row:
    indicator: int
    code: str
    name: str
    measure: str
    target: Decimal | None
    target_of: str  # "period", "year" or ""
    in_period: Decimal
    cumulative: Decimal
    pending: Decimal | None = None  # consolidated: children not approved yet (live), when visible
    note: str = ""

    @property
    def percent(self) -> float | None:
        return _percent(self.cumulative if self.target_of == "year" else self.in_period, self.target)

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "code": self.code,
            "name": self.name,
            "measure": self.measure,
            "target": str(self.target) if self.target is not None else None,
            "target_of": self.target_of,
            "in_period": str(self.in_period),
            "cumulative": str(self.cumulative),
            "pending": str(self.pending) if self.pending is not None else None,
            "percent": self.percent,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], note: str = "") -> Row:
        def dec(raw: Any) -> Decimal | None:
            try:
                return Decimal(raw) if raw is not None else None
            except InvalidOperation:
                return None

        return cls(
            indicator=int(data.get("indicator") or 0),
            code=str(data.get("code", "")),
            name=str(data.get("name", "")),
            measure=str(data.get("measure", "")),
            target=dec(data.get("target")),
            target_of=str(data.get("target_of", "")),
            in_period=dec(data.get("in_period")) or Decimal(0),
            cumulative=dec(data.get("cumulative")) or Decimal(0),
            pending=dec(data.get("pending")),
            note=note,
        )

    @property
    def shown(self) -> dict[str, str]:
        """The numbers as a Vietnamese reader writes them (no trailing ",00")."""
        return {
            "target": target_text(self.target) if self.target is not None else "",
            "in_period": target_text(self.in_period),
            "cumulative": target_text(self.cumulative),
            "pending": target_text(self.pending) if self.pending is not None else "",
            "percent": (f"{self.percent:.1f}".replace(".", ",") if self.percent is not None else ""),
        }


@dataclass
class Consolidation:
    """How a unit's numbers were put together from its children's reports."""

    children: int = 0
    approved: int = 0
    hidden: int = 0  # children whose unapproved data is hidden from this level
    approved_ids: list[int] = field(default_factory=list)


def _unit_ids(subjects: Sequence[Subject]) -> list[int]:
    return [level_and_unit(s)[1] for s in subjects]


def live_rows(subject: Subject, period: Period, *, consolidate: bool = True) -> tuple[list[Row], Consolidation]:
    """The report's table computed now: a village's from its cells; a unit's from its children's approved
    reports plus its own data (what its cells hold beyond its children's), as the issue asks."""
    indicators = report_indicators(period, subject)
    level, unit = level_and_unit(subject)
    ytd = year_to_date(period)
    in_period = unit_progress(indicators, period, level, [unit])
    cumulative = unit_progress(indicators, ytd, level, [unit])
    year = _year_period(period) if not period.is_campaign else None
    targets = _targets(subject, [p for p in (period, year) if p is not None])
    info = Consolidation()

    approved_in: dict[int, Decimal] = defaultdict(Decimal)
    approved_cum: dict[int, Decimal] = defaultdict(Decimal)
    own_in: dict[int, Decimal] = {}
    own_cum: dict[int, Decimal] = {}
    pending_in: dict[int, Decimal] = defaultdict(Decimal)
    consolidated = consolidate and isinstance(subject, AdminUnit)
    if consolidated:
        assert isinstance(subject, AdminUnit)
        children = _all_children(subject)
        info.children = len(reporting_children(subject))
        # A unit with no children (a commune of the real tree before any village is entered) still gets a row
        # for every indicator: everything it holds is its own.
        ids: list[int] = []
        child_in: dict[tuple[int, int], Decimal] = {}
        child_cum: dict[tuple[int, int], Decimal] = {}
        approved: dict[int, Report] = {}
        hidden: set[int] = set()
        frozen_in: dict[tuple[int, int], Decimal] = {}
        if children:
            child_level = level_and_unit(children[0])[0]
            ids = _unit_ids(children)
            child_in = unit_progress(indicators, period, child_level, ids)
            child_cum = unit_progress(indicators, ytd, child_level, ids)
            field_name = "village_id" if child_level == Level.VILLAGE else "unit_id"
            approved = {
                getattr(r, field_name): r
                for r in Report.objects.filter(
                    period=period, status=ReportStatus.APPROVED, **{f"{field_name}__in": ids}
                ).only("pk", "results", "village_id", "unit_id")
            }
            info.approved = len(approved)
            info.approved_ids = sorted(r.pk for r in approved.values())
            hidden = policy_of(ids) if child_level != Level.VILLAGE else set()
            info.hidden = len([i for i in ids if i in hidden and i not in approved])
            for child_id, report in approved.items():
                for data in report.results:
                    row = Row.from_json(data)
                    approved_in[row.indicator] += row.in_period
                    approved_cum[row.indicator] += row.cumulative
                    frozen_in[(row.indicator, child_id)] = row.in_period
        for indicator in indicators:
            key = indicator.pk
            own_in[key] = in_period.get((key, unit), Decimal(0)) - sum(
                (child_in.get((key, i), Decimal(0)) for i in ids), Decimal(0)
            )
            own_cum[key] = cumulative.get((key, unit), Decimal(0)) - sum(
                (child_cum.get((key, i), Decimal(0)) for i in ids), Decimal(0)
            )
            # Recorded below but in no approved report: the children not approved yet (unless they hide
            # it) and what approved children recorded after their report was frozen.
            pending_in[key] = sum(
                (
                    child_in.get((key, i), Decimal(0)) - frozen_in.get((key, i), Decimal(0))
                    for i in ids
                    if i in approved or i not in hidden
                ),
                Decimal(0),
            )

    rows = []
    for indicator in indicators:
        key = indicator.pk
        target, target_of = targets.get((period.pk, key)), "period"
        if target is None and year is not None and year.pk != period.pk:
            target, target_of = targets.get((year.pk, key)), "year"
        if target is None:
            target_of = ""
        ratio = indicator.method == Method.RATIO
        if consolidated and not ratio:
            value_in = approved_in[key] + own_in[key]
            value_cum = (approved_cum[key] + own_cum[key]) if not indicator.is_cumulative else value_in
            pending: Decimal | None = pending_in[key]
        else:
            value_in = in_period.get((key, unit), Decimal(0))
            value_cum = cumulative.get((key, unit), Decimal(0))
            pending = None
        rows.append(
            Row(
                indicator=key,
                code=indicator.code,
                name=indicator.name,
                measure=indicator.get_measure_display(),
                target=target,
                target_of=target_of,
                in_period=value_in,
                cumulative=value_cum,
                pending=pending,
            )
        )
    rows.sort(key=lambda r: r.target is None)  # what the unit was given first, as on the board
    return rows, info


def _all_children(unit: AdminUnit) -> list[Subject]:
    """Every child whose cells are part of the unit's: all active villages of a commune (with a team or
    not: their records count), the communes of a province, the provinces of the nation."""
    if unit.is_commune:
        return list(Village.objects.active().filter(commune=unit))
    return reporting_children(unit)


def report_rows(report: Report) -> list[Row]:
    """The report's table as the reader sees it: frozen once sent, live while it is being written."""
    notes = report.notes or {}
    if report.is_sent:
        return [Row.from_json(data, note=str(notes.get(str(data.get("indicator")), ""))) for data in report.results]
    rows, _info = live_rows(report.subject, report.period)  # type: ignore[arg-type]
    for row in rows:
        row.note = str(notes.get(str(row.indicator), ""))
    return rows


@dataclass
class Change:
    row: Row
    live: Row

    @property
    def in_period_delta(self) -> Decimal:
        return self.live.in_period - self.row.in_period


def live_changes(report: Report) -> list[Change]:
    """Rows whose live numbers differ from the ones frozen at submission."""
    if not report.is_sent:
        return []
    live = {row.indicator: row for row in live_rows(report.subject, report.period)[0]}  # type: ignore[arg-type]
    changes = []
    for row in report_rows(report):
        now = live.get(row.indicator)
        if now is not None and (now.in_period, now.cumulative) != (row.in_period, row.cumulative):
            changes.append(Change(row, now))
    return changes


# -- the organisation section -----------------------------------------------------------------------------


def organisation(subject: Subject, period: Period) -> dict[str, Any]:
    """Teams, members, changes during the period and the households' chat-group coverage."""
    end, start = min(period.end, timezone.localdate()), period.start
    if isinstance(subject, Village):
        teams = Team.objects.filter(village=subject, status__in=OPEN_STATUSES)
        groups = ChatGroup.objects.filter(village=subject)
        villages = 1
    else:
        path = subject.path
        teams = Team.objects.filter(commune__path__startswith=path, village__isnull=False, status=TeamStatus.ACTIVE)
        groups = ChatGroup.objects.filter(commune__path__startswith=path, village__isnull=False)
        villages = Village.objects.active().filter(commune__path__startswith=path).count()
    memberships = Membership.objects.filter(team__in=teams)
    members = memberships.on(end).count()
    present = "member__training_invitations__attendances"
    trained = memberships.on(end).filter(**counted_attendance(present)).values("member_id").distinct().count()
    trained_in_period = (
        memberships.on(end)
        .filter(
            **{
                **counted_attendance(present),
                f"{present}__session__starts_at__date__gte": start,
                f"{present}__session__starts_at__date__lte": end,
            }
        )
        .values("member_id")
        .distinct()
        .count()
    )
    joined = memberships.filter(joined_on__gte=start, joined_on__lte=end).count()
    left = memberships.filter(left_on__gte=start, left_on__lte=end).count()
    group_sums = groups.aggregate(in_group=Sum("households_in_group"), total=Sum("households_total"), count=Count("pk"))
    in_group, total = group_sums["in_group"] or 0, group_sums["total"] or 0
    team_villages = teams.filter(status=TeamStatus.ACTIVE).values("village_id").distinct().count()
    return {
        "villages": villages,
        "teams": team_villages,
        "members": members,
        "trained": trained,  # members present at a training session at any time
        "trained_in_period": trained_in_period,  # ... at a session during the period
        "joined": joined,
        "left": left,
        "groups": group_sums["count"] or 0,
        "households_in_group": in_group,
        "households_total": total,
        "group_coverage": round(in_group * 100 / total, 1) if total else None,
        "as_of": end.isoformat(),
    }


# -- access ------------------------------------------------------------------------------------------------


def _is_reporter(scope: Scope, report_or_subject: Report | Subject) -> bool:
    if isinstance(report_or_subject, Report):
        village_id, unit_id = report_or_subject.village_id, report_or_subject.unit_id
    elif isinstance(report_or_subject, Village):
        village_id, unit_id = report_or_subject.pk, None
    else:
        village_id, unit_id = None, report_or_subject.pk
    if village_id is not None and any(g.village_id == village_id for g in scope.grants_with(Perm.SUBMIT_REPORTS)):
        return True
    return scope.holds_at(unit_id, Perm.SUBMIT_REPORTS)


def _is_reviewer(scope: Scope, report: Report) -> bool:
    return scope.holds_at(report.reviewer_id, Perm.REVIEW_REPORTS)


def visible_reports(user: Any) -> Any:
    """Reports the user may read: of villages and units in their scope."""
    scope = scope_for(user)
    return Report.objects.filter(
        Q(village__in=scope.villages(Perm.VIEW_REPORTS)) | Q(unit__in=scope.units(Perm.VIEW_REPORTS))
    )


def report_get(user: Any, report_id: Any) -> Report:
    scope = scope_for(user)
    scope.require(Perm.VIEW_REPORTS)
    report = (
        visible_reports(user)
        .filter(pk=as_id(report_id))
        .select_related("period", "unit__parent", "village__commune__parent", "team", "reviewer")
        .first()
    )
    if report is None:
        raise NotFound(_("The report was not found."))
    return report


def is_reporter(user: Any, report: Report) -> bool:
    return _is_reporter(scope_for(user), report)


def may_write(user: Any, report: Report) -> bool:
    return report.is_editable and _is_reporter(scope_for(user), report)


def may_review(user: Any, report: Report) -> bool:
    return _is_reviewer(scope_for(user), report)


def own_subjects(user: Any) -> list[Subject]:
    """The villages and units the user reports for."""
    found: list[Subject] = []
    for grant in scope_for(user).grants_with(Perm.SUBMIT_REPORTS):
        if grant.village_id is not None:
            village = Village.objects.filter(pk=grant.village_id).select_related("commune__parent").first()
            if village is not None:
                found.append(village)
        else:
            unit = AdminUnit.objects.filter(pk=grant.unit_id).select_related("parent").first()
            if unit is not None:
                found.append(unit)
    return found


# -- the status tree ----------------------------------------------------------------------------------------


@dataclass
class Node:
    subject: Subject
    report: Report | None
    due_on: datetime.date
    late: bool
    hidden: bool = False
    counts: dict[str, int] = field(default_factory=dict)  # a unit's own children's report states

    @property
    def state(self) -> str:
        if self.report is None:
            return "late" if self.late else "missing"
        if self.late and self.report.status in EDITABLE:
            return "late"
        return self.report.status


def status_tree(unit: AdminUnit, period: Period, *, today: datetime.date | None = None) -> list[Node]:
    """Each reporting child of ``unit`` with its report's state for the period; a unit child also has the
    counts of its own children's states (how many submitted, approved, returned, late)."""
    today = today or timezone.localdate()
    children = reporting_children(unit)
    if not children:
        return []
    level = level_of(children[0])
    field_name = "village_id" if level == Level.VILLAGE else "unit_id"
    ids = [c.pk for c in children]
    reports = {
        getattr(r, field_name): r
        for r in Report.objects.filter(period=period, **{f"{field_name}__in": ids}).only(
            "pk", "status", "due_on", "village_id", "unit_id", "submitted_at", "version"
        )
    }
    hidden = policy_of(ids) if level != Level.VILLAGE else set()
    nodes = []
    province = province_of(unit)
    optional = _optional_by_province([province] if province is not None else children)
    for child in children:
        report = reports.get(child.pk)
        child_province = province if province is not None else province_of(child)
        due = report.due_on if report else due_date(period, level, child_province)
        sent = report is not None and report.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
        required = period.kind not in optional.get(child_province.pk if child_province else 0, set())
        node = Node(child, report, due, late=required and not sent and today > due)
        node.hidden = child.pk in hidden and (report is None or report.status != ReportStatus.APPROVED)
        nodes.append(node)
    if level != Level.VILLAGE:
        _grandchild_counts(nodes, period, today, optional, province)
    return nodes


def _optional_by_province(units: Iterable[Subject]) -> dict[int, set[str]]:
    """``optional_kinds`` of these provinces in one query (other subjects are skipped)."""
    ids = [u.pk for u in units if isinstance(u, AdminUnit) and u.kind == UnitKind.PROVINCE]
    found: dict[int, set[str]] = defaultdict(set)
    for province_id, kind in ReportDeadline.objects.filter(province_id__in=ids, required=False).values_list(
        "province_id", "kind"
    ):
        found[province_id].add(kind)
    return found


def _grandchild_counts(
    nodes: list[Node],
    period: Period,
    today: datetime.date,
    optional: dict[int, set[str]],
    province: AdminUnit | None,
) -> None:
    """Per unit node: its children's report states, counted in SQL (a province has ~100 communes, each ~30
    teams: one grouped query for all of them). Nobody is late where the node's province does not ask for
    this kind of report (``optional``: per province id; ``province``: the nodes' own, None when the nodes
    are provinces)."""
    units = [n.subject for n in nodes if isinstance(n.subject, AdminUnit)]
    if not units:
        return
    by_reviewer: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Report.objects.filter(period=period, reviewer__in=units)
        .exclude(unit_id__in=[u.pk for u in units])
        .values_list("reviewer_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for reviewer_id, status, n in rows:
        by_reviewer[reviewer_id][status] += n
    late = (
        Report.objects.filter(period=period, reviewer__in=units, due_on__lt=today, status__in=EDITABLE)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    late_counts = dict(late)
    expected = _expected_counts(units)
    for node in nodes:
        counts = dict(by_reviewer.get(node.subject.pk, {}))
        counts["expected"] = expected.get(node.subject.pk, 0)
        sent = counts.get(ReportStatus.SUBMITTED, 0) + counts.get(ReportStatus.APPROVED, 0)
        counts["sent"] = sent
        counts["late"] = late_counts.get(node.subject.pk, 0)
        if node.due_on < today:  # past the children's due date (one day before this unit's): unsent are late
            counts["late"] = max(0, counts["expected"] - sent)
        node_province = province.pk if province is not None else node.subject.pk
        if period.kind in optional.get(node_province, set()):
            counts["late"] = 0
        node.counts = counts


def _expected_counts(units: list[AdminUnit]) -> dict[int, int]:
    """How many reports each unit expects: villages with an active team (communes), child units otherwise."""
    communes = [u.pk for u in units if u.is_commune]
    others = [u.pk for u in units if not u.is_commune]
    found: dict[int, int] = {}
    if communes:
        team_rows = (
            Team.objects.filter(
                commune_id__in=communes, status=TeamStatus.ACTIVE, village__isnull=False, village__valid_to__isnull=True
            )
            .values_list("commune_id")
            .annotate(n=Count("village_id", distinct=True))
            .order_by()
        )
        found.update(dict(team_rows))
    if others:
        rows = (
            AdminUnit.objects.current()
            .filter(parent_id__in=others)
            .values_list("parent_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        found.update(dict(rows))
    return found


def _previous(kind: str, year: int, number: int) -> tuple[int, int]:
    count = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2}.get(kind, 1)  # type: ignore[call-overload]
    return (year - 1, count) if number == 1 else (year, number - 1)


def latest_due_periods(unit: AdminUnit, today: datetime.date, children: list[Subject] | None = None) -> list[Period]:
    """Per kind of report the province asks for, the latest calendar period whose reports to ``unit`` were
    due before today (two queries: the province's deadlines and the periods; a period nobody has used yet
    is made)."""
    children = reporting_children(unit) if children is None else children
    level = level_of(children[0]) if children else Level.VILLAGE
    province = province_of(unit)
    deadlines = list(ReportDeadline.objects.filter(province=province)) if province is not None else []
    rules = {r.kind: (r.month_offset, r.day) for r in deadlines}
    optional = {r.kind for r in deadlines if not r.required}
    chosen: list[tuple[str, int, int, datetime.date]] = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR):
        if kind in optional:
            continue
        number = {
            PeriodKind.MONTH: today.month,
            PeriodKind.QUARTER: (today.month - 1) // 3 + 1,
            PeriodKind.HALF: 1 if today.month <= 6 else 2,
            PeriodKind.YEAR: 1,
        }[kind]
        year = today.year
        for _step in range(3):  # this period, or one of the two before it
            start, end = calendar_bounds(kind, year, number)
            if start <= today and _due_on(kind, end, level, rules.get(kind, DEFAULT_DEADLINES[kind])) < today:
                chosen.append((kind, year, number, start))
                break
            year, number = _previous(kind, year, number)
    if not chosen:
        return []
    wanted = Q()
    for chosen_kind, _year, _number, chosen_start in chosen:
        wanted |= Q(kind=chosen_kind, start=chosen_start)
    existing = {(p.kind, p.start): p for p in Period.objects.filter(wanted)}
    return [existing.get((kind, start)) or calendar_period(kind, year, number) for kind, year, number, start in chosen]


@dataclass
class Late:
    period: Period
    nodes: list[Node]


def late_reports(unit: AdminUnit, *, today: datetime.date | None = None) -> list[Late]:
    """For dashboards: per kind of report, the latest period already due and who below ``unit`` has not
    sent it. A few queries whatever the unit's size: the children, the deadlines, the periods, the reports."""
    today = today or timezone.localdate()
    children = reporting_children(unit)
    periods = latest_due_periods(unit, today, children)
    if not periods or not children:
        return []
    level = level_of(children[0])
    field_name = "village_id" if level == Level.VILLAGE else "unit_id"
    sent = set(
        Report.objects.filter(
            period__in=periods, status__in=SENT_STATES, **{f"{field_name}__in": [c.pk for c in children]}
        ).values_list("period_id", field_name)
    )
    # Reporting to the nation, each province's own choice of the kinds it asks for holds for it.
    optional = _optional_by_province(children) if province_of(unit) is None else {}
    found = []
    for period in periods:
        late = [
            Node(child, None, today, late=True)
            for child in children
            if (period.pk, child.pk) not in sent and period.kind not in optional.get(child.pk, set())
        ]
        if late:
            found.append(Late(period, late))
    return found


# -- the pages ------------------------------------------------------------------------------------------------
# One read per page, given the user: the views parse the request, call one of these and render.

KIND_ORDER = [PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR, PeriodKind.CAMPAIGN]


def reportable_periods(subject: Subject | None = None, today: datetime.date | None = None) -> list[Period]:
    """The periods a report is written for now: this and last month, this and last quarter, this half-year,
    this year (and last year in January), and the campaigns of the subject's province that are running or
    ended in the last 30 days."""
    today = today or timezone.localdate()
    y, m = today.year, today.month
    last_month = (y - 1, 12) if m == 1 else (y, m - 1)
    q = (m - 1) // 3 + 1
    last_quarter = (y - 1, 4) if q == 1 else (y, q - 1)
    wanted = [
        (PeriodKind.MONTH, y, m),
        (PeriodKind.MONTH, *last_month),
        (PeriodKind.QUARTER, y, q),
        (PeriodKind.QUARTER, *last_quarter),
        (PeriodKind.HALF, y, 1 if m <= 6 else 2),
        (PeriodKind.YEAR, y, 1),
    ]
    if m == 1:
        wanted.append((PeriodKind.YEAR, y - 1, 1))
    periods = [calendar_period(kind, year, number) for kind, year, number in wanted]
    campaigns = Period.objects.filter(
        kind=PeriodKind.CAMPAIGN, start__lte=today, end__gte=today - datetime.timedelta(days=30)
    )
    place = (subject.commune if isinstance(subject, Village) else subject) if subject is not None else None
    for campaign in campaigns.select_related("owner").order_by("-start")[:50]:
        owner = campaign.owner
        if owner is None or place is None or place.path.startswith(owner.path) or owner.path.startswith(place.path):
            periods.append(campaign)
    return periods


def report_period(raw: Any) -> Period:
    """The period a page or the API asks for (this month's when none is given); a wrong id is a 404."""
    if raw:
        period = Period.objects.filter(pk=as_id(raw)).first()
        if period is None:
            raise NotFound(_("The period was not found."))
        return period
    today = timezone.localdate()
    return calendar_period(PeriodKind.MONTH, today.year, today.month)


def subject_key(subject: Subject) -> str:
    """How a form names a subject: "v<id>" for a village, "u<id>" for a unit."""
    return f"v{subject.pk}" if isinstance(subject, Village) else f"u{subject.pk}"


def own_subject_get(*, user: Any, key: str) -> Subject:
    """One of the user's own subjects from its form key; anything else is the same 404."""
    scope = scope_for(user)
    if key[:1] == "v":
        return scope.village(key[1:], Perm.SUBMIT_REPORTS)
    if key[:1] == "u":
        return scope.unit(key[1:], Perm.SUBMIT_REPORTS)
    raise NotFound(_("The unit was not found."))


@dataclass
class IndexPage:
    mine: list[dict[str, Any]]  # per own subject: its key and a row per reportable period
    review_units: list[AdminUnit]
    watch_units: list[AdminUnit]
    awaiting: list[tuple[Report, str]]  # submitted to me, with the sender's label
    today: datetime.date


def _own_rows(subject: Subject, today: datetime.date) -> list[dict[str, Any]]:
    periods = reportable_periods(subject, today)
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    reports = {r.period_id: r for r in Report.objects.filter(period__in=periods, **where)}
    level = level_of(subject)
    province = province_of(subject)
    optional = optional_kinds(province)
    rows = []
    for period in periods:
        report = reports.get(period.pk)
        required = period.kind not in optional
        if not required and report is None:
            continue  # the province does not ask for this kind; one opened anyway stays listed
        due = report.due_on if report else due_date(period, level, province)
        sent = report is not None and report.is_sent
        rows.append({"period": period, "report": report, "due": due, "late": required and not sent and today > due})
    return rows


def report_index_page(*, user: Any, today: datetime.date | None = None) -> IndexPage:
    """The reports the user writes (by period, with their state and due date) and the units whose reports
    they review or watch."""
    scope = scope_for(user)
    today = today or timezone.localdate()
    mine = [
        {"subject": subject, "key": subject_key(subject), "rows": _own_rows(subject, today)}
        for subject in own_subjects(user)
    ]
    review_units = [
        AdminUnit.objects.get(pk=grant.unit_id)
        for grant in scope.grants_with(Perm.REVIEW_REPORTS)
        if grant.village_id is None
    ]
    watch_units = list(scope.top_units(Perm.VIEW_REPORTS).exclude(pk__in=[u.pk for u in review_units]))
    awaiting = list(
        Report.objects.filter(reviewer__in=review_units, status=ReportStatus.SUBMITTED)
        .exclude(unit__in=review_units)
        .select_related("period", "unit", "village")
        .order_by("due_on", "pk")[:50]
    )
    return IndexPage(
        mine=mine,
        review_units=review_units,
        watch_units=watch_units,
        awaiting=[(r, subject_label(r.subject)) for r in awaiting],  # type: ignore[arg-type]
        today=today,
    )


def _has_figures(row: Row) -> bool:
    return bool(row.target or row.in_period or row.cumulative or row.pending or row.note)


@dataclass
class DetailPage:
    """Everything the page of one report shows, read for one user."""

    report: Report
    subject_label: str
    rows: list[Row]
    # Read on a phone: the indicators with a target, a result or a note first; the others (mostly zeros, a
    # third of the catalogue or more) behind "show all". The exports keep the full table.
    rows_main: list[tuple[int, Row]]
    rows_rest: list[tuple[int, Row]]
    org: dict[str, Any]
    info: Consolidation | None  # how a unit's live numbers were consolidated (a unit's report being written)
    events: list[Any]
    changes: list[Change]
    can_write: bool
    can_submit: bool
    can_review: bool
    can_reopen: bool
    late: bool
    can_raise: bool
    difficulties: list[Any]
    flags: Any
    flags_unit: int | None
    consolidated: bool
    # ``?bo_co=1``: the numbers without what the records under open data-quality flags add to them.
    can_leave_out: bool = False
    left_out: FlaggedContribution | None = None
    leave_out_url: str = ""  # a unit's report: its dashboard without the flagged records


def _without_flagged(user: Any, subject: Subject, report: Report, rows: list[Row]) -> tuple[list[Row], Any]:
    """The rows less what the records under open flags add: in the period, the period's flagged records; in the
    year to date, the year's up to the period's end. Only activity indicators change (flags name activities)."""
    period = report.period
    in_period = flagged_contribution(user=user, subject=subject, period=period)
    if in_period is None:
        return rows, None
    year = SimpleNamespace(start=period.start.replace(month=1, day=1), end=period.end)
    to_date = flagged_contribution(user=user, subject=subject, period=year) or FlaggedContribution()
    shown = []
    for row in rows:
        less, less_to_date = in_period.by_indicator.get(row.indicator, 0), to_date.by_indicator.get(row.indicator, 0)
        if less or less_to_date:
            row = replace(
                row,
                in_period=max(Decimal(0), row.in_period - less),
                cumulative=max(Decimal(0), row.cumulative - less_to_date),
            )
        shown.append(row)
    return shown, in_period


def _report_difficulties(user: Any, report: Report) -> list[Any]:
    """The difficulties raised from this report that the user may read (the scope rule of
    difficulties.services.visible_q: that module reads report_get from here, so it cannot be imported back)."""
    visible = scope_for(user).q(Perm.VIEW_DIFFICULTIES, commune="unit", village="village")
    return list(Difficulty.objects.filter(visible, source_report=report).order_by("created_at")[:20])


def report_detail_page(
    *, user: Any, report_id: Any, today: datetime.date | None = None, without_flagged: bool = False
) -> DetailPage:
    """One report as its page shows it to ``user`` (a 404 when they may not read it): the numbers, frozen or
    live, the organisation section, the history, what the user may do, the difficulties and open flags; with
    ``without_flagged`` (for who may ask), the numbers less what the records under open flags add."""
    report = report_get(user, report_id)
    subject: Subject = report.subject  # type: ignore[assignment]
    today = today or timezone.localdate()
    can_write, can_review = may_write(user, report), may_review(user, report)
    rows = report_rows(report)
    # A village's report counts its records directly, so its numbers can leave the flagged ones out; a unit's
    # consolidates approved reports below (the rest is "pending"), so its page links to the unit's dashboard,
    # which leaves them out of the live figures.
    direct = report.village_id is not None
    left_out = None
    if without_flagged and direct:
        rows, left_out = _without_flagged(user, subject, report, rows)
    info = live_rows(subject, report.period)[1] if not report.is_sent and report.unit_id else None
    numbered = list(enumerate(rows, start=1))
    late = not report.is_sent and today > report.due_on and is_required(report.period, province_of(subject))
    return DetailPage(
        report=report,
        subject_label=subject_label(subject),
        rows=rows,
        rows_main=[(n, row) for n, row in numbered if _has_figures(row)],
        rows_rest=[(n, row) for n, row in numbered if not _has_figures(row)],
        org=report.organisation if report.is_sent else organisation(subject, report.period),
        info=info,
        events=list(report.events.select_related("actor").order_by("-at", "-pk")),
        changes=live_changes(report),
        can_write=can_write,
        can_submit=can_write,
        can_review=can_review and report.status == ReportStatus.SUBMITTED,
        can_reopen=can_review and report.status == ReportStatus.APPROVED,
        late=late,
        can_raise=scope_for(user).has(Perm.RAISE_DIFFICULTIES) and is_reporter(user, report),
        difficulties=_report_difficulties(user, report),
        flags=open_flags(user=user, subject=subject, period=report.period),
        flags_unit=report.unit_id or (report.village.commune_id if report.village else None),
        consolidated=bool(report.unit_id),
        can_leave_out=direct and may_leave_out(user),
        left_out=left_out,
        leave_out_url=(
            reverse("dashboards:unit", args=[report.unit_id]) + f"?period={report.period_id}&{WITHOUT_FLAGGED}=1"
            if report.unit_id and not direct and may_leave_out(user)
            else ""
        ),
    )


@dataclass
class UnitPage:
    """Who has reported to a unit for a period, and its consolidated numbers, read for one user."""

    unit: AdminUnit
    period: Period
    periods: list[Period]
    nodes: list[Node]  # what needs the reviewer first: awaiting review, then late, returned, in progress
    states: dict[str, int]
    rows: list[Row]
    info: Consolidation
    own: Report | None
    is_own: bool
    subject_key: str
    can_settings: bool
    can_policy: bool
    hides: bool
    due: datetime.date
    nationwide: bool


def report_unit_get(*, user: Any, unit_id: Any) -> AdminUnit:
    """A unit whose reports the user may read (a 404 otherwise)."""
    return scope_for(user).unit(unit_id, Perm.VIEW_REPORTS)


STATE_ORDER = {"submitted": 0, "late": 1, "returned": 2, "draft": 3, "missing": 4, "approved": 5}


def report_unit_page(*, user: Any, unit_id: Any, period: Period, today: datetime.date | None = None) -> UnitPage:
    """A unit's status tree and consolidated numbers for ``period`` (a 404 outside the user's scope)."""
    scope = scope_for(user)
    unit = report_unit_get(user=user, unit_id=unit_id)
    today = today or timezone.localdate()
    nodes = status_tree(unit, period, today=today)
    states: dict[str, int] = {}
    for node in nodes:
        states[node.state] = states.get(node.state, 0) + 1
    nodes.sort(key=lambda n: STATE_ORDER.get(n.state, 9))
    rows, info = live_rows(unit, period)
    return UnitPage(
        unit=unit,
        period=period,
        periods=reportable_periods(unit, today),
        nodes=nodes,
        states=states,
        rows=rows,
        info=info,
        own=Report.objects.filter(period=period, unit=unit).first(),
        is_own=scope.holds_at(unit.pk, Perm.SUBMIT_REPORTS),
        subject_key=subject_key(unit),
        can_settings=unit.kind == UnitKind.PROVINCE and scope.covers_unit(unit, Perm.REVIEW_REPORTS),
        can_policy=scope.holds_at(unit.pk, Perm.REVIEW_REPORTS),
        hides=bool(policy_of([unit.pk])),
        due=due_date(period, level_of(unit), province_of(unit)),
        nationwide=unit.kind in (UnitKind.PROVINCE, UnitKind.NATIONAL),
    )


@dataclass
class SettingsPage:
    unit: AdminUnit
    rules: list[dict[str, Any]]  # per kind of report: its deadline, the default, whether it is asked for
    is_province: bool
    can_policy: bool
    hides: bool


def report_settings_unit(*, user: Any, unit_id: Any) -> AdminUnit:
    """The unit whose report settings the user may change (a 404 otherwise)."""
    return scope_for(user).unit(unit_id, Perm.REVIEW_REPORTS)


def report_settings_page(*, user: Any, unit_id: Any) -> SettingsPage:
    """A province's deadlines per kind of report (a unit below: its province's) and the unit's choice to hide
    its unapproved data from the level above."""
    unit = report_settings_unit(user=user, unit_id=unit_id)
    is_province = unit.kind == UnitKind.PROVINCE
    province = unit if is_province else province_of(unit)
    optional = optional_kinds(province)
    rules = [
        {
            "kind": kind,
            "label": PeriodKind(kind).label,
            "rule": deadline_rule(province, kind),
            "default": DEFAULT_DEADLINES[kind],
            "required": kind not in optional,
        }
        for kind in KIND_ORDER
    ]
    return SettingsPage(
        unit=unit,
        rules=rules,
        is_province=is_province,
        can_policy=scope_for(user).holds_at(unit.pk, Perm.REVIEW_REPORTS),
        hides=bool(policy_of([unit.pk])),
    )
