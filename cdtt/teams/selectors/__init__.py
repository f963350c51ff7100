"""Reads of teams, rosters, decisions and figures; each is given the user and stays in scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import NotFound
from cdtt.core.text import fold
from cdtt.geo import resolver
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, AdminUnitQuerySet, Village
from cdtt.teams.models import (
    ROLE_ORDER,
    ChatGroup,
    Decision,
    Member,
    Membership,
    Team,
    TeamStatus,
)


def sees_full_phones(user: Any) -> bool:
    """Officers and team leaders see members' phones in full; team members see them masked."""
    return scope_for(user).has(Perm.VIEW_PHONES)


def linkable_accounts(*, team: Team) -> QuerySet[Any]:
    """Accounts that may be linked to a member of ``team``: team roles held at its village (or in its commune)."""
    from cdtt.accounts.models import TEAM_ROLES, User

    grants = Q(assignments__role__in=TEAM_ROLES)
    grants &= Q(assignments__village=team.village) if team.village_id else Q(assignments__unit=team.commune)
    return User.objects.filter(grants, is_active=True).distinct().order_by("username")


def team_list(*, user: Any, commune: AdminUnit | None = None, include_dissolved: bool = False) -> QuerySet[Team]:
    """Teams the user may see, optionally of one commune."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    teams = Team.objects.filter(scope.q(Perm.VIEW_TEAMS)).select_related("village", "commune")
    if commune is not None:
        teams = teams.filter(commune=commune)
    if not include_dissolved:
        teams = teams.exclude(status=TeamStatus.DISSOLVED)
    return teams.annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True))).order_by(
        "village__name_folded", "id"
    )


def team_get(*, user: Any, team_id: Any, perm: Perm = Perm.VIEW_TEAMS) -> Team:
    """One team in scope; 404 otherwise (403 for a role without ``perm``)."""
    scope = scope_for(user)
    scope.require(perm)
    team = Team.objects.filter(scope.q(perm), pk=as_id(team_id)).select_related("commune__parent", "village").first()
    if team is None:
        raise NotFound(_("The team was not found."))
    return team


@dataclass
class CommuneRow:
    commune: AdminUnit
    villages: int
    with_team: int

    @property
    def coverage(self) -> float | None:
        return round(100 * self.with_team / self.villages, 1) if self.villages else None


def team_commune_list(*, user: Any, q: str = "") -> AdminUnitQuerySet:
    """Current communes where the user may see teams, searched by name (diacritics ignored) or code."""
    communes = scope_for(user).units(Perm.VIEW_TEAMS).current().communes()
    needle = fold(q)
    if needle:
        communes = communes.filter(
            Q(name_folded__contains=needle) | Q(code=q.strip()) | Q(pk__in=resolver.unit_ids_named(q))
        )
    return communes.select_related("parent").order_by("parent__name_folded", "name_folded", "id")


def team_commune_rows(communes: list[AdminUnit]) -> list[CommuneRow]:
    """Village counts for one page of communes (already scoped), in one query."""
    active = Q(villages__valid_to__isnull=True)
    counts = {
        pk: (villages, with_team)
        for pk, villages, with_team in AdminUnit.objects.filter(pk__in=[c.pk for c in communes])
        .annotate(
            n_villages=Count("villages", filter=active, distinct=True),
            n_with_team=Count("villages", filter=active & Q(villages__teams__status=TeamStatus.ACTIVE), distinct=True),
        )
        .values_list("pk", "n_villages", "n_with_team")
    }
    return [CommuneRow(c, *counts.get(c.pk, (0, 0))) for c in communes]


@dataclass
class VillageRow:
    village: Village
    team: Team | None
    group: ChatGroup | None


def commune_overview(*, user: Any, commune: AdminUnit) -> tuple[list[VillageRow], Team | None]:
    """Every active village of a commune with its open team (or none yet), and the commune-level team."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    teams = {
        t.village_id: t
        for t in team_list(user=user, commune=commune).filter(status__in=[TeamStatus.PROPOSED, TeamStatus.ACTIVE])
    }
    groups = {g.village_id: g for g in ChatGroup.objects.filter(commune=commune)}
    villages = scope.villages(Perm.VIEW_TEAMS).active().filter(commune=commune).order_by("name_folded")
    rows = [VillageRow(v, teams.get(v.pk), groups.get(v.pk)) for v in villages]
    return rows, teams.get(None)


def roster(*, team: Team, day: datetime.date | None = None) -> list[Membership]:
    """Who was on the team on ``day`` (today's roster by default), leader first."""
    rows = Membership.objects.filter(team=team).select_related("member__user")
    rows = rows.on(day) if day else rows.current()
    return sorted(rows, key=lambda m: (ROLE_ORDER.get(m.role, 9), m.member.name_folded))


def roster_history(*, team: Team) -> list[Membership]:
    """Every membership the team ever had, most recent change first."""
    return list(Membership.objects.filter(team=team).select_related("member").order_by("-joined_on", "left_on", "id"))


def decision_list(*, team: Team) -> QuerySet[Decision]:
    return Decision.objects.filter(team=team).select_related("supersedes").order_by("-created_at", "-id")


def decision_get(*, user: Any, decision_id: Any, perm: Perm = Perm.VIEW_TEAMS) -> Decision:
    scope = scope_for(user)
    scope.require(perm)
    decision = (
        Decision.objects.filter(scope.q(perm, commune="team__commune", village="team__village"), pk=as_id(decision_id))
        .select_related("team__commune__parent", "team__village", "supersedes")
        .first()
    )
    if decision is None:
        raise NotFound(_("The decision was not found."))
    return decision


def member_search(*, user: Any, q: str, limit: int = 50, with_current_membership: bool = False) -> QuerySet[Member]:
    """Members in scope whose name (diacritics ignored) or phone matches ``q``."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    members = Member.objects.filter(
        Q(
            memberships__in=Membership.objects.filter(
                scope.q(Perm.VIEW_TEAMS, commune="team__commune", village="team__village")
            )
        )
    ).distinct()
    needle = fold(q)
    digits = "".join(ch for ch in q if ch.isdigit())
    condition = Q(name_folded__contains=needle)
    if len(digits) >= 4:
        tail = digits[2:] if digits.startswith("84") and len(digits) > 9 else digits.lstrip("0")
        condition |= Q(phone__contains=tail)
    members = members.filter(condition).order_by("name_folded")
    if with_current_membership:
        current = Prefetch("memberships", queryset=Membership.objects.current(), to_attr="current_memberships")
        members = members.prefetch_related(current)
    return members[:limit]


def chat_group_get(*, user: Any, commune: AdminUnit, village: Village | None) -> ChatGroup | None:
    """A village's group (village in scope), or the commune's common group (commune in scope)."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    groups = ChatGroup.objects.filter(commune=commune, village=village)
    if village is None:
        groups = groups.filter(commune__in=scope.units(Perm.VIEW_TEAMS))
    else:
        groups = groups.filter(village__in=scope.villages(Perm.VIEW_TEAMS))
    return groups.first()


@dataclass
class Figures:
    """Aggregate counts for dashboards: no personal data."""

    villages: int = 0
    villages_with_team: int = 0
    teams: int = 0
    members: int = 0
    by_organisation: dict[str, int] = field(default_factory=dict)  # Organisation codes -> members
    by_gender: dict[str, int] = field(default_factory=dict)  # Gender codes ("unknown" when not given) -> members
    population: int | None = None  # from the household register, once it exists

    @property
    def team_coverage(self) -> float | None:
        return round(100 * self.villages_with_team / self.villages, 1) if self.villages else None

    @property
    def members_per_100_residents(self) -> float | None:
        return round(100 * self.members / self.population, 2) if self.population else None


def _registered_population(unit: AdminUnit) -> int | None:
    """Residents counted in the household register under ``unit`` (None until households are registered)."""
    from cdtt.households.models import Household

    total = Household.objects.filter(commune__path__startswith=unit.path).aggregate(n=Sum("members_count"))["n"]
    return int(total) if total else None


def team_figures(*, user: Any, unit: AdminUnit) -> Figures:
    """Villages with a team, teams, members by organisation and gender, in ``unit``'s subtree."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_FIGURES)
    if not scope.units(Perm.VIEW_FIGURES).filter(pk=unit.pk).exists():
        raise NotFound(_("The unit was not found."))
    villages = Village.objects.active().filter(commune__path__startswith=unit.path)
    if unit.kind in COMMUNE_KINDS:
        villages = Village.objects.active().filter(commune=unit)
    open_teams = Team.objects.filter(commune__path__startswith=unit.path, status=TeamStatus.ACTIVE)
    current = Membership.objects.current().filter(team__in=open_teams)
    figures = Figures(
        villages=villages.count(),
        villages_with_team=villages.filter(teams__status=TeamStatus.ACTIVE).distinct().count(),
        teams=open_teams.count(),
        members=current.values("member").distinct().count(),
        population=_registered_population(unit),
    )
    for key, total in current.values_list("member__organisation").annotate(n=Count("member", distinct=True)):
        figures.by_organisation[key] = total
    for key, total in current.values_list("member__gender").annotate(n=Count("member", distinct=True)):
        figures.by_gender[key or "unknown"] = total
    return figures
