"""Reads for import jobs and for resolving imported rows; every one is given the user."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import NotFound
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Household
from cdtt.teams.models import OPEN_STATUSES, ROLE_ORDER, MemberRole, Membership, Team
from cdtt.transfers.models import ImportJob, ImportKind, ImportRow, RowDecision, RowOutcome

# The permission each kind of import needs, at the job's unit.
KIND_PERMS: dict[str, Perm] = {
    ImportKind.VILLAGES: Perm.MANAGE_VILLAGES,
    ImportKind.TEAMS: Perm.MANAGE_TEAMS,
    ImportKind.HOUSEHOLDS: Perm.EDIT_HOUSEHOLDS,
    ImportKind.OFFICIAL_FIGURES: Perm.IMPORT_FIGURES,
    ImportKind.LEGACY_FIGURES: Perm.IMPORT_FIGURES,
}


def import_job_get(*, user: Any, job_id: Any, kind: str = ImportKind.VILLAGES) -> ImportJob:
    """A job of ``kind`` whose unit lies in the user's scope for it; 404 for missing and not yours alike."""
    perm = KIND_PERMS[kind]
    scope = scope_for(user)
    scope.require(perm)
    pk = int(job_id) if str(job_id).isdigit() else None
    jobs = ImportJob.objects.select_related("unit", "created_by", "applied_by").filter(kind=kind)
    job = jobs.filter(pk=pk).first() if pk else None
    if job is None or not scope.covers_unit(job.unit, perm):
        raise NotFound(_("The import was not found."))
    return job


def import_job_list(*, user: Any, unit: AdminUnit, kind: str = ImportKind.VILLAGES, limit: int = 10) -> list[ImportJob]:
    """The latest jobs of ``kind`` run at ``unit``, or nothing when the user may not run them there."""
    scope = scope_for(user)
    if not scope.covers_unit(unit, KIND_PERMS[kind]):
        return []
    jobs = ImportJob.objects.filter(unit=unit, kind=kind).select_related("created_by").defer("rows", "summary")
    return list(jobs[:limit])


def import_communes(*, user: Any, unit: AdminUnit, perm: Perm = Perm.MANAGE_VILLAGES) -> list[AdminUnit]:
    """Current communes under ``unit`` (itself included) where the user holds ``perm``."""
    units = scope_for(user).units(perm).current().communes().in_subtree(unit.path)
    return list(units.only("id", "code", "name", "short_name", "name_folded", "kind", "path", "valid_to"))


def import_legacy_units(
    *,
    user: Any,
    unit: AdminUnit,
    codes: Iterable[str],
    folded_names: Iterable[str],
    perm: Perm = Perm.MANAGE_VILLAGES,
) -> list[AdminUnit]:
    """Units under ``unit`` where the user holds ``perm``, no longer current, matching a code or folded name."""
    codes, folded_names = list(codes), list(folded_names)
    if not codes and not folded_names:
        return []
    units = scope_for(user).units(perm).in_subtree(unit.path).filter(valid_to__isnull=False)
    by_code = units.filter(code__in=codes) if codes else units.none()
    by_name = units.filter(name_folded__in=folded_names) if folded_names else units.none()
    return list(by_code.only("id", "code", "name_folded", "short_name")) + list(
        by_name.only("id", "code", "name_folded", "short_name")
    )


def village_names_taken(*, user: Any, commune_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """(commune id, folded name) -> name, for the active villages of those communes."""
    ids = list(commune_ids)
    if not ids:
        return {}
    villages: QuerySet[Any] = scope_for(user).villages(Perm.MANAGE_VILLAGES).active().filter(commune_id__in=ids)
    return {(cid, folded): name for cid, folded, name in villages.values_list("commune_id", "name_folded", "name")}


# -- team import ---------------------------------------------------------------------------------

# SQLite refuses statements with too many parameters; long lists are looked up in slices.
_IN_SLICE = 500


def _slices(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), _IN_SLICE):
        yield items[start : start + _IN_SLICE]


def import_villages(*, user: Any, commune_ids: Iterable[int]) -> list[Village]:
    """The active villages of those communes where the user manages teams."""
    villages = scope_for(user).villages(Perm.MANAGE_TEAMS).active()
    found: list[Village] = []
    for ids in _slices(commune_ids):
        found += villages.filter(commune_id__in=ids).only("id", "commune_id", "name", "name_folded", "kind")
    return found


def import_open_teams(*, user: Any, commune_ids: Iterable[int]) -> list[Team]:
    """The open teams of those communes the user manages, with ``member_count`` and ``leader_count``."""
    scope = scope_for(user)
    current = Q(memberships__left_on__isnull=True)
    teams = Team.objects.filter(scope.q(Perm.MANAGE_TEAMS), status__in=OPEN_STATUSES).annotate(
        member_count=Count("memberships", filter=current),
        leader_count=Count("memberships", filter=current & Q(memberships__role=MemberRole.LEADER)),
    )
    found: list[Team] = []
    for ids in _slices(commune_ids):
        found += teams.filter(commune_id__in=ids)
    return found


def import_people_on_teams(*, user: Any, phones: Iterable[str], folded_names: Iterable[str]) -> list[Membership]:
    """Open memberships in the user's scope of people with one of these phones or folded names."""
    memberships = (
        Membership.objects.current()
        .filter(scope_for(user).q(Perm.MANAGE_TEAMS, commune="team__commune", village="team__village"))
        .select_related("team", "member")
        .only(
            "id",
            "team__id",
            "team__name",
            "member__id",
            "member__full_name",
            "member__name_folded",
            "member__birth_year",
            "member__phone",
        )
    )
    found: dict[int, Membership] = {}
    for chunk in _slices(p for p in phones if p):
        found.update((m.pk, m) for m in memberships.filter(member__phone__in=chunk))
    for chunk in _slices(n for n in folded_names if n):
        found.update((m.pk, m) for m in memberships.filter(member__name_folded__in=chunk))
    return list(found.values())


# -- household import -----------------------------------------------------------------------------


def household_import_villages(*, user: Any, commune: AdminUnit) -> list[Village]:
    """The commune's active villages where the user edits households."""
    villages = scope_for(user).villages(Perm.EDIT_HOUSEHOLDS).active().filter(commune=commune)
    return list(villages.only("id", "commune_id", "name", "name_folded", "kind", "valid_to"))


def household_import_existing(*, user: Any, commune: AdminUnit) -> Iterator[tuple[int, str, str, str, str]]:
    """(id, folded head name, phone, second phone, address) of the commune's households the user edits.

    Erased households are left out: their personal fields are blank and match nothing.
    """
    households = Household.objects.filter(
        scope_for(user).q(Perm.EDIT_HOUSEHOLDS), commune=commune, erased_at__isnull=True
    ).order_by("id")
    yield from households.values_list("id", "head_name_folded", "phone", "phone2", "address").iterator(chunk_size=5000)


def import_row_list(*, job: ImportJob, show: str = "") -> QuerySet[ImportRow]:
    """A checked job's rows (the job comes from ``import_job_get``), all or one kind of outcome."""
    rows = ImportRow.objects.filter(job=job)
    if show == "errors":
        rows = rows.filter(outcome=RowOutcome.ERROR)
    elif show == "duplicates":
        rows = rows.filter(outcome=RowOutcome.DUPLICATE)
    elif show == "undecided":
        rows = rows.filter(outcome=RowOutcome.DUPLICATE, decision=RowDecision.UNDECIDED)
    return rows.order_by("line")


# Units are public reference data: the lookups below read the whole tree, whoever asks.


def address_current_communes(*, user: Any, folded_names: Iterable[str]) -> list[AdminUnit]:
    """Current communes with one of these folded full names, with their province."""
    names = list(folded_names)
    return list(AdminUnit.objects.current().communes().filter(name_folded__in=names).select_related("parent"))


# -- roster export -------------------------------------------------------------------------------


def roster_unit_team(*, user: Any, unit_id: Any, team_id: Any = None) -> tuple[AdminUnit, Team | None]:
    """The unit (and optionally one team inside it) whose roster the user may export; 404 otherwise."""
    scope = scope_for(user)
    unit = scope.unit(unit_id, Perm.VIEW_TEAMS)
    if team_id in (None, ""):
        return unit, None
    pk = int(team_id) if str(team_id).isdigit() else None
    team = (
        Team.objects.filter(scope.q(Perm.VIEW_TEAMS), pk=pk, commune__path__startswith=unit.path)
        .select_related("commune")
        .first()
        if pk
        else None
    )
    if team is None:
        raise NotFound(_("The team was not found."))
    return unit, team


def roster_memberships(*, user: Any, unit: AdminUnit, team: Team | None = None) -> QuerySet[Membership]:
    """Current memberships under ``unit`` (or of one team) that the user may see, in roster order."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    rows = Membership.objects.current().filter(
        scope.q(Perm.VIEW_TEAMS, commune="team__commune", village="team__village"),
        team__commune__path__startswith=unit.path,
    )
    if team is not None:
        rows = rows.filter(team=team)
    role_rank = Case(*(When(role=role, then=Value(rank)) for role, rank in ROLE_ORDER.items()), default=Value(9))
    return (
        rows.select_related("team__commune__parent", "team__village", "member")
        .annotate(role_rank=role_rank)
        .order_by(
            "team__commune__parent__code",
            "team__commune__code",
            F("team__village__name_folded").asc(nulls_first=True),
            "team_id",
            "role_rank",
            "member__name_folded",
            "id",
        )
    )
