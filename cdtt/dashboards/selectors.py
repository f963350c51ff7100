"""Dashboard reads: progress against targets, the monthly trend, the children's ranking and map, coverage.

Every figure of progress comes from the progress cells through ``cdtt.progress.selectors`` (``figures``,
``values``, ``monthly``) and every target from ``cdtt.targets`` (``children_of``, ``children_targets``),
so a dashboard reads a few hundred rows whatever the number of activities. Coverage (villages with a
team, members, households in the chat groups) is counted from the teams' own tables, a handful of rows
per village. ``Dashboard`` computes each part once, on first use, for the panels and the API alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.catalog.models import Indicator, Measure
from cdtt.core.errors import NotFound
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.progress import selectors as progress
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind
from cdtt.teams.models import ChatGroup, Membership, Team, TeamStatus


def amount(value: Decimal | float | None, *, percent: bool = False) -> str:
    """A number as people read it (1.234 or 80,5 in Vietnamese), with % for a percentage; — for none."""
    if value is None:
        return "—"
    text = targets.target_text(Decimal(str(value)))
    return f"{text}%" if percent else text


SORT_KEYS = ("rank", "name", "achieved", "target", "percent", "score")
DEFAULT_SORT = "rank"


# -- the subject ------------------------------------------------------------------------------------


def dashboard_subject(*, user: Any, unit_id: Any = None, village_id: Any = None) -> AdminUnit | Village:
    """The unit or village whose dashboard is asked for, inside the user's scope (else 404)."""
    scope = scope_for(user)
    if village_id is not None:
        return scope.village(village_id, Perm.VIEW_FIGURES)
    return scope.unit(unit_id, Perm.VIEW_FIGURES)


def home_subject(*, user: Any) -> AdminUnit | Village:
    """Where a user's dashboard opens: a team role's village, else the highest unit of their grants."""
    grants = scope_for(user).grants_with(Perm.VIEW_FIGURES)
    village_grant = next((g for g in grants if g.village_id is not None), None)
    if village_grant is not None:
        return dashboard_subject(user=user, village_id=village_grant.village_id)
    if not grants:
        raise NotFound(_("The unit was not found."))
    top = min(grants, key=lambda g: g.unit_path.count("/"))
    return dashboard_subject(user=user, unit_id=top.unit_id)


def level_name(subject: AdminUnit | Village) -> str:
    """national, province, commune or village: which screen the subject gets."""
    if isinstance(subject, Village):
        return "village"
    if subject.kind == UnitKind.NATIONAL:
        return "national"
    if subject.kind == UnitKind.PROVINCE:
        return "province"
    return "commune"


# -- the trend --------------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    month: int  # 1-12
    in_month: Decimal | None  # achieved during the month (None for a ratio: it has no monthly amount)
    so_far: Decimal  # from 1 January to the month's end


@dataclass
class Trend:
    indicator: Indicator
    year: int
    points: list[TrendPoint]  # the months gone by (all twelve for a past year)
    target: Decimal | None  # the year's target of the subject

    @property
    def is_state(self) -> bool:
        """A running total or a ratio: the line is a level reached, not a count that starts at zero each year."""
        return self.indicator.is_cumulative or not self.indicator.is_counted


def trend(subject: AdminUnit | Village, indicator: Indicator, year: int, *, today: datetime.date) -> Trend:
    """Achieved per month of ``year`` and from 1 January to each month's end, with the year's target."""
    level, unit = progress.level_and_unit(subject)
    series = progress.monthly([indicator], year, level, [unit]).get((indicator.pk, unit), [Decimal(0)] * 12)
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    points = []
    for month in range(1, last + 1):
        so_far = series[month - 1]
        in_month = (
            None
            if not indicator.is_counted or indicator.is_cumulative
            else so_far - (series[month - 2] if month > 1 else Decimal(0))
        )
        points.append(TrendPoint(month, in_month, so_far))
    year_period = Period.objects.filter(kind=PeriodKind.YEAR, start=datetime.date(year, 1, 1)).first()
    target = progress.targets_of(subject, year_period).get(indicator.pk) if year_period else None
    return Trend(indicator, year, points, target.value if target else None)


# -- the children -----------------------------------------------------------------------------------


@dataclass
class ChildRow:
    subject: AdminUnit | Village
    url: str  # its dashboard, when the user may open it
    achieved: Decimal  # of the chosen indicator
    target: Decimal | None
    score: float | None  # mean share of target over the ranked indicators, each counted up to 100%
    scored: int  # how many ranked indicators the child has a target for
    rank: int = 0
    is_percent: bool = False  # the chosen indicator is a percentage

    @property
    def percent(self) -> float | None:
        if not self.target:
            return None
        return round(float(self.achieved) * 100 / float(self.target), 1)

    @property
    def achieved_text(self) -> str:
        return amount(self.achieved, percent=self.is_percent)

    @property
    def target_text(self) -> str:
        return amount(self.target, percent=self.is_percent)

    @property
    def percent_text(self) -> str:
        return amount(self.percent, percent=True)

    @property
    def score_text(self) -> str:
        return amount(self.score, percent=True)

    @property
    def latitude(self) -> float | None:
        return getattr(self.subject, "latitude", None)

    @property
    def longitude(self) -> float | None:
        return getattr(self.subject, "longitude", None)


def child_rows(
    *,
    user: Any,
    children: list[AdminUnit | Village],
    period: Period,
    chosen: Indicator | None,
    ranked: list[Indicator],
) -> list[ChildRow]:
    """Each child's achieved and target for the chosen indicator and its score over ``ranked``, ranked."""
    if not children:
        return []
    wanted = list({i.pk: i for i in [*ranked, *([chosen] if chosen else [])]}.values())
    level = progress.level_and_unit(children[0])[0]
    ids = [child.pk for child in children]
    achieved = progress.unit_progress(wanted, period, level, ids) if wanted else {}
    given = targets.children_targets(children, period, wanted) if wanted else {}
    scope = scope_for(user)
    if isinstance(children[0], Village):
        visible = set(scope.villages(Perm.VIEW_FIGURES).filter(pk__in=ids).values_list("pk", flat=True))
        route = "dashboards:village"
    else:
        visible = set(scope.units(Perm.VIEW_FIGURES).filter(pk__in=ids).values_list("pk", flat=True))
        route = "dashboards:unit"
    rows = []
    for child in children:
        shares = []
        for indicator in ranked:
            target = given.get((indicator.pk, child.pk))
            if target:
                share = float(achieved.get((indicator.pk, child.pk), Decimal(0))) * 100 / float(target)
                shares.append(min(100.0, share))
        rows.append(
            ChildRow(
                subject=child,
                url=reverse(route, args=[child.pk]) if child.pk in visible else "",
                achieved=achieved.get((chosen.pk, child.pk), Decimal(0)) if chosen else Decimal(0),
                target=given.get((chosen.pk, child.pk)) if chosen else None,
                score=round(sum(shares) / len(shares), 1) if shares else None,
                scored=len(shares),
                is_percent=chosen is not None and chosen.measure == Measure.PERCENT,
            )
        )
    _rank(rows)
    return rows


def _rank(rows: list[ChildRow]) -> None:
    """1-based rank by the chosen indicator's share of target; children without a target rank after, by value."""

    def key(row: ChildRow) -> tuple[int, float]:
        percent = row.percent
        return (1, percent) if percent is not None else (0, float(row.achieved))

    keys = [key(row) for row in rows]
    for row, mine in zip(rows, keys, strict=True):
        row.rank = 1 + sum(1 for other in keys if other > mine)


def sort_rows(rows: list[ChildRow], sort: str) -> tuple[list[ChildRow], str]:
    """The rows sorted by a column (``-`` first for descending); empty values last. Returns the key used."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORT_KEYS:
        column, descending = DEFAULT_SORT, False

    def value(row: ChildRow) -> Any:
        if column == "name":
            return row.subject.name_folded
        if column == "achieved":
            return row.achieved
        if column == "target":
            return row.target
        if column == "percent":
            return row.percent
        if column == "score":
            return row.score
        return row.rank

    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    present.sort(key=lambda row: (value(row), row.subject.name_folded), reverse=descending)
    return present + sorted(missing, key=lambda row: row.subject.name_folded), ("-" if descending else "") + column


def sibling_standing(subject: AdminUnit, period: Period, ranked: list[Indicator]) -> tuple[int, int] | None:
    """The subject's place among its siblings by score over ``ranked`` (1 = best), or None without siblings."""
    if subject.parent is None or not ranked:
        return None
    siblings = targets.children_of(subject.parent)
    if len(siblings) < 2 or subject.pk not in {s.pk for s in siblings}:
        return None
    level = progress.level_and_unit(siblings[0])[0]
    ids = [s.pk for s in siblings]
    achieved = progress.unit_progress(ranked, period, level, ids)
    given = targets.children_targets(siblings, period, ranked)

    def score(unit_id: int) -> float:
        shares = [
            min(100.0, float(achieved.get((i.pk, unit_id), Decimal(0))) * 100 / float(given[(i.pk, unit_id)]))
            for i in ranked
            if given.get((i.pk, unit_id))
        ]
        return sum(shares) / len(shares) if shares else -1.0

    mine = score(subject.pk)
    return 1 + sum(1 for unit_id in ids if score(unit_id) > mine), len(ids)


# -- the map ----------------------------------------------------------------------------------------


@dataclass
class MapData:
    points: list[ChildRow]  # children with coordinates
    missing: list[ChildRow]  # children without


def map_of(rows: list[ChildRow]) -> MapData:
    with_place = [r for r in rows if r.latitude is not None and r.longitude is not None]
    return MapData(with_place, [r for r in rows if r not in with_place])


# -- coverage ---------------------------------------------------------------------------------------


@dataclass
class Coverage:
    villages: int = 0
    villages_with_team: int = 0
    teams: int = 0
    members: int = 0
    groups: int = 0  # villages with a chat group
    households_in_groups: int = 0  # in the groups that were counted
    households_counted: int = 0  # households of the villages whose group was counted

    @property
    def team_coverage(self) -> float | None:
        return round(100 * self.villages_with_team / self.villages, 1) if self.villages else None

    @property
    def group_coverage(self) -> float | None:
        if not self.households_counted:
            return None
        return round(100 * self.households_in_groups / self.households_counted, 1)


def coverage(*, user: Any, subject: AdminUnit | Village) -> Coverage:
    """Villages with a team, teams and members, and households in the village chat groups (counts only).

    Counted as ``teams.selectors.team_figures`` counts them, without its sum over the household register,
    which would read every household of a province or of the nation.
    """
    groups = ChatGroup.objects.filter(village__isnull=False, village__valid_to__isnull=True)
    if isinstance(subject, Village):
        villages = Village.objects.filter(pk=subject.pk)
        teams = Team.objects.filter(village=subject, status=TeamStatus.ACTIVE)
        groups = groups.filter(village=subject)
    else:
        villages = Village.objects.active()
        if subject.is_commune:
            villages, teams = villages.filter(commune=subject), Team.objects.filter(commune=subject)
            groups = groups.filter(commune=subject)
        else:
            villages = villages.filter(commune__path__startswith=subject.path)
            teams = Team.objects.filter(commune__path__startswith=subject.path)
            groups = groups.filter(commune__path__startswith=subject.path)
        teams = teams.filter(status=TeamStatus.ACTIVE)
    found = Coverage(
        villages=villages.count(),
        villages_with_team=villages.filter(teams__status=TeamStatus.ACTIVE).distinct().count(),
        teams=teams.count(),
        members=Membership.objects.current().filter(team__in=teams).values("member").distinct().count(),
    )
    counted = Q(households_in_group__isnull=False, households_total__isnull=False)
    totals = groups.aggregate(
        n=Count("pk"),
        in_groups=Sum("households_in_group", filter=counted),
        counted=Sum("households_total", filter=counted),
    )
    found.groups = totals["n"] or 0
    found.households_in_groups = int(totals["in_groups"] or 0)
    found.households_counted = int(totals["counted"] or 0)
    return found


# -- the whole dashboard ----------------------------------------------------------------------------


def choose_indicator(figures: list[progress.Figure], wanted: Any = None, *, by: str = "pk") -> Indicator | None:
    """The indicator asked for (by id or code) among those shown, else the first with a target."""
    shown = [f.indicator for f in figures]
    if wanted not in (None, ""):
        found = next((i for i in shown if str(getattr(i, by)) == str(wanted)), None)
        if found is not None:
            return found
    with_target = [f.indicator for f in figures if f.target is not None]
    candidates = with_target or shown
    return candidates[0] if candidates else None


@dataclass
class Dashboard:
    """One screen's reads for a subject and a period; each part is read once, when a panel first asks."""

    user: Any
    subject: AdminUnit | Village
    period: Period
    wanted_indicator: Any = None
    indicator_by: str = "pk"  # "pk" from the pages, "code" from the API
    sort: str = DEFAULT_SORT
    today: datetime.date = field(default_factory=timezone.localdate)
    # The progress panel without the records of open (unreviewed) data-quality flags (``?bo_co=1``).
    without_flagged: bool = False

    @property
    def level(self) -> str:
        return level_name(self.subject)

    @property
    def is_village(self) -> bool:
        return isinstance(self.subject, Village)

    @property
    def commune(self) -> AdminUnit:
        return self.subject.commune if isinstance(self.subject, Village) else self.subject

    @cached_property
    def figures(self) -> list[progress.Figure]:
        return progress.indicator_figures(self.subject, self.period)

    @cached_property
    def progress_figures(self) -> tuple[list[progress.Figure], Any]:
        """The figures of the progress panel: ``figures``, less what the records of open data-quality flags add
        to them when ``without_flagged`` is asked (and the user may read flags); with the contribution taken
        off (``quality.selectors.FlaggedContribution``), None when nothing was taken off. A figure taken off
        loses its rank: the siblings it was ranked against still count their flagged records."""
        from cdtt.quality.selectors import flagged_contribution

        if not self.without_flagged:
            return self.figures, None
        taken = flagged_contribution(user=self.user, subject=self.subject, period=self.period)
        if taken is None:
            return self.figures, None
        shown = []
        for figure in self.figures:
            less = taken.by_indicator.get(figure.indicator.pk, 0)
            if less and not figure.is_ratio:
                figure = replace(figure, achieved=max(Decimal(0), figure.achieved - less), rank=None, of=None)
            shown.append(figure)
        return shown, taken

    @property
    def targeted(self) -> list[progress.Figure]:
        return [f for f in self.figures if f.target is not None]

    @property
    def targeted_shown(self) -> list[progress.Figure]:
        """The figures with a target as the progress panel shows them: without the records of open flags
        when ``without_flagged`` is asked (the leader's scorecard prints these)."""
        return [f for f in self.progress_figures[0] if f.target is not None]

    @property
    def ranked(self) -> list[Indicator]:
        """The indicators the subject is judged on: those it has a target for."""
        return [f.indicator for f in self.targeted]

    @cached_property
    def indicator(self) -> Indicator | None:
        return choose_indicator(self.figures, self.wanted_indicator, by=self.indicator_by)

    @cached_property
    def trend(self) -> Trend | None:
        if self.indicator is None:
            return None
        return trend(self.subject, self.indicator, self.period.start.year, today=self.today)

    @cached_property
    def children(self) -> list[AdminUnit | Village]:
        return [] if isinstance(self.subject, Village) else targets.children_of(self.subject)

    @cached_property
    def rows(self) -> list[ChildRow]:
        return child_rows(
            user=self.user, children=self.children, period=self.period, chosen=self.indicator, ranked=self.ranked
        )

    @cached_property
    def sorted_rows(self) -> tuple[list[ChildRow], str]:
        return sort_rows(self.rows, self.sort)

    @property
    def has_map(self) -> bool:
        return self.level in ("national", "province")

    @cached_property
    def map(self) -> MapData | None:
        return map_of(self.rows) if self.has_map else None

    @cached_property
    def coverage(self) -> Coverage:
        return coverage(user=self.user, subject=self.subject)

    @cached_property
    def standing(self) -> tuple[int, int] | None:
        if isinstance(self.subject, Village):
            return None
        return sibling_standing(self.subject, self.period, self.ranked)

    @property
    def child_level(self) -> int | None:
        return progress.level_and_unit(self.children[0])[0] if self.children else None

    @property
    def child_kind(self) -> str:
        """What the children are called in headings."""
        if self.level == "national":
            return _("Provinces")
        if self.level == "province":
            return _("Communes")
        return _("Villages")

    @property
    def is_percent(self) -> bool:
        return self.indicator is not None and self.indicator.measure == Measure.PERCENT
