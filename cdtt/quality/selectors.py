"""Read flags and rules, always as a given user: the list, the counts beside figures, the scorecard's shares."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Case, Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.geo.models import AdminUnit, Village
from cdtt.quality.models import Flag, FlagStatus, QualityRule, RuleCode
from cdtt.quality.services import visible_q


@dataclass
class FlagFilters:
    unit_id: int | None = None  # the unit (and everything under it), or a commune
    village_id: int | None = None
    status: str = ""  # a FlagStatus value, or "" for all
    rule: str = ""  # a RuleCode value, or "" for all


_records_of_flag = (
    Flag.records.through.objects.filter(flag_id=OuterRef("pk"))
    .order_by()
    .values("flag_id")
    .annotate(n=Count("activity_id"))
    .values("n")  # type: ignore[misc]  # django-stubs does not see annotations on an auto-created through model
)


def flag_list(*, user: Any, filters: FlagFilters | None = None) -> QuerySet[Flag]:
    """The flags the user may read, open ones first, newest first."""
    filters = filters or FlagFilters()
    scope_for(user).require(Perm.VIEW_QUALITY)
    rows = Flag.objects.filter(visible_q(user))
    if filters.unit_id is not None:
        unit = AdminUnit.objects.filter(pk=filters.unit_id).only("path").first()
        rows = rows.filter(unit__path__startswith=unit.path) if unit is not None else rows.none()
    if filters.village_id is not None:
        rows = rows.filter(village_id=filters.village_id)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.rule:
        rows = rows.filter(rule=filters.rule)
    return (
        rows.select_related("unit", "village", "indicator")
        # A correlated count, not Count("records"): an aggregate would make the paginator's COUNT group every
        # flag under a province by its records; a subquery is dropped from the COUNT and run for one page only.
        .annotate(record_count=Coalesce(Subquery(_records_of_flag, output_field=IntegerField()), 0))
        .annotate(waiting=Case(When(status=FlagStatus.OPEN, then=Value(0)), default=Value(1)))
        .order_by("waiting", "-created_at", "-id")
    )


def rule_list(*, user: Any) -> list[QualityRule]:
    """The rule catalogue (as stored; the defaults when the rows are missing)."""
    scope_for(user).require(Perm.VIEW_QUALITY)
    rows = list(QualityRule.objects.all())
    if not rows:
        from cdtt.quality.defaults import RULES

        rows = [
            QualityRule(code=c, name=n, description=d, timing=t, threshold=th, threshold_label=lab, order=i)
            for i, (c, n, d, t, th, lab) in enumerate(RULES, 1)
        ]
    return rows


def rule_name(code: str) -> str:
    return str(RuleCode(code).label) if code in RuleCode.values else code


def flag_summary(flag: Flag) -> str:
    """The numbers of a flag in one Vietnamese sentence."""
    n = flag.numbers or {}
    if flag.rule == RuleCode.CAPACITY:
        if n.get("measure") == "households":
            text = _("%(reached)s households reached in %(place)s, which has %(eligible)s households (%(source)s).")
        else:
            text = _("%(reached)s people reached in %(place)s, where %(eligible)s people live (%(source)s).")
        source = _("household register") if n.get("source") == "register" else _("official figure")
        return text % {**n, "source": source}
    if flag.rule == RuleCode.RATE:
        return _("%(records)s records by one member on one day for one indicator (ceiling %(ceiling)s).") % {
            "records": n.get("records"),
            "ceiling": int(n.get("ceiling") or 0),
        }
    if flag.rule == RuleCode.DUPLICATE:
        return _("The same household and item recorded %(records)s times, by %(members)s member(s).") % n
    if flag.rule == RuleCode.BACKDATING:
        return _("Recorded for %(period)s, whose report was already approved.") % n
    if flag.rule == RuleCode.OUTLIER:
        return (
            _(
                "%(value)s this month; the unit's usual month is %(own_median)s (score %(own_z)s), its neighbours' "
                "%(sibling_median)s (score %(sibling_z)s)."
            )
            % n
        )
    return ""


# -- beside the figures -----------------------------------------------------------------------------


@dataclass
class OpenFlags:
    total: int = 0
    by_indicator: dict[int, int] = field(default_factory=dict)


def open_flags(*, user: Any, subject: AdminUnit | Village, period: Any = None) -> OpenFlags | None:
    """Open flags under a unit (or of a village), about the period's days when one is given, in all and per
    indicator: one query. None for a user who may not read flags."""
    scope = scope_for(user)
    if not scope.has(Perm.VIEW_QUALITY):
        return None
    rows = Flag.objects.filter(visible_q(user), status=FlagStatus.OPEN)
    if period is not None:
        rows = rows.filter(day__gte=period.start, day__lte=period.end)
    if isinstance(subject, Village):
        rows = rows.filter(village=subject)
    else:
        rows = rows.filter(unit__path__startswith=subject.path)
    found = OpenFlags()
    for indicator_id, n in rows.values_list("indicator_id").annotate(n=Count("pk")).order_by():
        found.total += n
        if indicator_id is not None:
            found.by_indicator[indicator_id] = n
    return found


@dataclass
class FlaggedShare:
    unit: AdminUnit
    records: int
    flagged: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.flagged / self.records, 1) if self.records else None


def flagged_shares(*, user: Any, unit: AdminUnit, start: Any, end: Any) -> list[FlaggedShare]:
    """Per child unit (a province's communes, the nation's provinces; a commune: itself), the records of
    the period and how many of them a flag (open or reviewed) names. Two grouped queries."""
    from cdtt.activities.models import Activity

    scope = scope_for(user)
    if not scope.has(Perm.VIEW_FIGURES):
        return []
    children = list(AdminUnit.objects.filter(parent=unit).current().order_by("name")) if not unit.is_commune else []
    units = children or [unit]
    depth = len(unit.path.strip("/").split("/")) + (1 if children else 0)
    records: dict[int, int] = defaultdict(int)
    flagged: dict[int, int] = defaultdict(int)
    base = Activity.objects.filter(
        commune__path__startswith=unit.path, occurred_on__gte=start, occurred_on__lte=end, voided_at__isnull=True
    )
    for path, n in base.values_list("commune__path").annotate(n=Count("pk")).order_by():
        records[_part(path, depth)] += n
    marked = base.filter(quality_flags__isnull=False).distinct()
    for path, n in marked.values_list("commune__path").annotate(n=Count("pk", distinct=True)).order_by():
        flagged[_part(path, depth)] += n
    return [FlaggedShare(u, records.get(u.pk, 0), flagged.get(u.pk, 0)) for u in units]


def _part(path: str, depth: int) -> int:
    parts = path.strip("/").split("/")
    return int(parts[depth - 1]) if len(parts) >= depth else 0


# -- the figures without the flagged records ------------------------------------------------------------


@dataclass
class FlaggedContribution:
    records: int = 0  # records named by an open flag, counted once however many flags name them
    by_indicator: dict[int, int] = field(default_factory=dict)  # what they add to each activity indicator


# The query parameter of the pages (dashboards, scorecard, report) that show figures without the records
# under open flags.
WITHOUT_FLAGGED = "bo_co"


def may_leave_out(user: Any) -> bool:
    """Whether the user may ask for figures without the records under open flags (``flagged_contribution``)."""
    return scope_for(user).has(Perm.LEAVE_OUT_FLAGGED)


def flagged_contribution(*, user: Any, subject: AdminUnit | Village, period: Any) -> FlaggedContribution | None:
    """What the records under review add to the subject's figures of the period, per indicator: the
    activities (not voided, dated in the period, recorded in the subject's villages or communes) named by
    an open flag in the user's units. One grouped query; None for a user who may not ask for it
    (``may_leave_out``: officers and leaders; the flags' records stay with those who read flags).

    Each group (kind, platform, outcome) is counted by the progress engine's own activity rules, so what is
    taken off is exactly what the engine added to the cells: one per record for a count, the people (or
    households) reached for a reach. Flags only ever name activities, so the other methods (adoption
    statuses, the register) and the ratios built on them are left as they are."""
    from cdtt.activities.models import Activity
    from cdtt.progress import engine

    scope = scope_for(user)
    if not scope.has(Perm.LEAVE_OUT_FLAGGED):
        return None
    open_in_scope = Flag.objects.filter(scope.q(Perm.LEAVE_OUT_FLAGGED, commune="unit"), status=FlagStatus.OPEN)
    under_review = Flag.records.through.objects.filter(flag__in=open_in_scope).values("activity_id")
    rows = Activity.objects.filter(
        pk__in=under_review, voided_at__isnull=True, occurred_on__gte=period.start, occurred_on__lte=period.end
    )
    rows = (
        rows.filter(village=subject)
        if isinstance(subject, Village)
        else rows.filter(commune__path__startswith=subject.path)
    )
    groups = (
        rows.values("kind", "platform_id", "outcome_id")
        .annotate(n=Count("pk"), people=Sum("people_reached"), households=Sum("households_reached"))
        .order_by()
    )
    found = FlaggedContribution()
    activity_rules = engine.rules().activity
    for group in groups:
        found.records += group["n"]
        # A stand-in record with the group's sums: a reach rule takes the sum, a count rule one per record.
        probe = SimpleNamespace(
            kind=group["kind"],
            platform_id=group["platform_id"],
            outcome_id=group["outcome_id"],
            people_reached=group["people"] or 0,
            households_reached=group["households"] or 0,
        )
        for rule in activity_rules:
            added = rule.amount(probe) * (1 if rule.reach else group["n"])
            if added:
                found.by_indicator[rule.indicator_id] = found.by_indicator.get(rule.indicator_id, 0) + added
    return found


def flag_record_ids(*, flags: list[Flag]) -> dict[int, list[int]]:
    """The records of a page of flags (already in the caller's reach), in one query: flag id -> activity ids."""
    found: dict[int, list[int]] = {flag.pk: [] for flag in flags}
    through = Flag.records.through.objects.filter(flag_id__in=list(found)).order_by("activity_id")
    for flag_id, activity_id in through.values_list("flag_id", "activity_id"):
        found[flag_id].append(activity_id)
    return found
