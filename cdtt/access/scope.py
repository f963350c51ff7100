"""The one scoping module: what a user may read and write, by role and unit subtree.

Every selector and service asks this module; nothing else filters by unit by hand. A user with no
assignment sees nothing. "Not found" and "not yours" give the same 404.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from cdtt.access.permissions import GRANTABLE, ROLE_PERMS, Perm, roles_with
from cdtt.accounts.models import TEAM_ROLES, Role, RoleAssignment
from cdtt.core.errors import Forbidden, NotFound
from cdtt.geo.models import AdminUnit, AdminUnitQuerySet, UnitKind, Village, VillageQuerySet

_NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_path: str
    village_id: int | None
    village_commune_path: str | None


def holders(perm: Perm, *, unit_id: int | None = None, village_id: int | None = None) -> list[int]:
    """Active users whose role at exactly this village, or else at exactly this unit (not above it, not at
    one of its villages), carries ``perm``: the people to tell about something of that unit or village.
    The other side of ``Scope.holds_at``."""
    rows = RoleAssignment.objects.filter(role__in=roles_with(perm), user__is_active=True)
    rows = (
        rows.filter(village_id=village_id)
        if village_id is not None
        else rows.filter(unit_id=unit_id, village__isnull=True)
    )
    return sorted(set(rows.values_list("user_id", flat=True)))


class Scope:
    """The grants of one user, and the querysets and checks derived from them."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.grants: list[Grant] = []
        if user is not None and user.is_authenticated and user.is_active:
            rows = RoleAssignment.objects.filter(user=user).select_related("unit", "village__commune")
            self.grants = [
                Grant(
                    role=row.role,
                    unit_id=row.unit_id,
                    unit_path=row.unit.path,
                    village_id=row.village_id,
                    village_commune_path=row.village.commune.path if row.village else None,
                )
                for row in rows
            ]

    # -- roles ------------------------------------------------------------------------------
    @property
    def roles(self) -> set[str]:
        return {grant.role for grant in self.grants}

    def _grants_for(self, perm: Perm) -> list[Grant]:
        return [grant for grant in self.grants if perm in ROLE_PERMS.get(grant.role, ())]

    def grants_with(self, perm: Perm) -> list[Grant]:
        """The user's grants whose role carries ``perm`` (for pages that start from the user's own units)."""
        return self._grants_for(perm)

    def holds_at(self, unit_id: int | None, perm: Perm) -> bool:
        """Whether one of the user's roles carrying ``perm`` is at exactly this unit (not a village's, not
        above it): the unit's own officers, who act in its name (submit its report, review what is sent to it)."""
        return unit_id is not None and any(
            grant.village_id is None and grant.unit_id == unit_id for grant in self._grants_for(perm)
        )

    def has(self, perm: Perm) -> bool:
        """Whether any of the user's roles carries ``perm`` (anywhere)."""
        return bool(self._grants_for(perm))

    def require(self, perm: Perm) -> None:
        """Raise Forbidden (403) when no role of the user carries ``perm``."""
        if not self.has(perm):
            raise Forbidden(_("Your role does not allow this action."))

    # -- querysets --------------------------------------------------------------------------
    def units_q(self, perm: Perm) -> Q:
        """Units in the subtrees where the user holds ``perm``; team roles see their commune only."""
        parts: list[Q] = []
        for grant in self._grants_for(perm):
            if grant.village_id is not None:
                parts.append(Q(pk=grant.unit_id))
            else:
                parts.append(Q(path__startswith=grant.unit_path))
        return reduce(or_, parts) if parts else _NOTHING

    def villages_q(self, perm: Perm) -> Q:
        """Villages whose commune lies in the user's subtrees, or the very village of a team role."""
        parts: list[Q] = []
        for grant in self._grants_for(perm):
            if grant.village_id is not None:
                parts.append(Q(pk=grant.village_id))
            else:
                parts.append(Q(commune__path__startswith=grant.unit_path))
        return reduce(or_, parts) if parts else _NOTHING

    def q(self, perm: Perm, *, commune: str = "commune", village: str = "village") -> Q:
        """Rows of any model that hangs off a commune (and maybe a village) inside the user's scope.

        Unit grants match on the commune's path; team roles match their own village only.
        """
        parts: list[Q] = []
        for grant in self._grants_for(perm):
            if grant.village_id is not None:
                parts.append(Q(**{f"{village}_id": grant.village_id}))
            else:
                parts.append(Q(**{f"{commune}__path__startswith": grant.unit_path}))
        return reduce(or_, parts) if parts else _NOTHING

    def units(self, perm: Perm = Perm.VIEW_UNITS) -> AdminUnitQuerySet:
        return AdminUnit.objects.filter(self.units_q(perm))

    def villages(self, perm: Perm = Perm.VIEW_UNITS) -> VillageQuerySet:
        return Village.objects.filter(self.villages_q(perm))

    def top_units(self, perm: Perm = Perm.VIEW_UNITS) -> AdminUnitQuerySet:
        """The units the user's grants are held at: the roots of what they may browse."""
        ids = {grant.unit_id for grant in self._grants_for(perm)}
        return AdminUnit.objects.filter(pk__in=ids)

    # -- single objects ---------------------------------------------------------------------
    def unit(self, unit_id: Any, perm: Perm = Perm.VIEW_UNITS) -> AdminUnit:
        """Return a visible unit, Forbidden for a role without ``perm``, NotFound otherwise."""
        self.require(perm)
        pk = as_id(unit_id)
        unit = self.units(perm).filter(pk=pk).select_related("parent").first()
        if unit is None and perm == Perm.VIEW_UNITS:
            # Old data rolls up under new units: a pre-2025 commune is readable by whoever sees its successor.
            unit = (
                AdminUnit.objects.filter(pk=pk, successor_links__new__in=self.units(perm))
                .select_related("parent")
                .first()
            )
        if unit is None:
            raise NotFound(_("The unit was not found."))
        return unit

    def village(self, village_id: Any, perm: Perm = Perm.VIEW_UNITS) -> Village:
        """Return a visible village, Forbidden for a role without ``perm``, NotFound otherwise."""
        self.require(perm)
        village = self.villages(perm).filter(pk=as_id(village_id)).select_related("commune__parent").first()
        if village is None:
            raise NotFound(_("The village was not found."))
        return village

    def covers_unit(self, unit: AdminUnit, perm: Perm) -> bool:
        """Whether ``unit`` lies in a subtree where the user holds ``perm`` (team roles excluded)."""
        return any(
            grant.village_id is None and unit.path.startswith(grant.unit_path) for grant in self._grants_for(perm)
        )

    # -- granting ---------------------------------------------------------------------------
    def may_grant(self, role: str, unit: AdminUnit, village: Village | None) -> bool:
        """Whether the user may grant ``role`` at ``unit``/``village``: grantable and strictly below."""
        for grant in self._grants_for(Perm.MANAGE_ACCOUNTS):
            if role not in GRANTABLE.get(grant.role, frozenset()):
                continue
            if grant.role == "national_admin":
                return True
            if village is not None and role in TEAM_ROLES:
                if unit.path.startswith(grant.unit_path):
                    return True
            elif unit.path.startswith(grant.unit_path) and unit.path != grant.unit_path:
                return True
        return False

    def manage_paths(self) -> list[str]:
        return [grant.unit_path for grant in self._grants_for(Perm.MANAGE_ACCOUNTS)]


def scope_for(user: Any) -> Scope:
    """Return the user's scope, computed once per request (cached on the user object)."""
    cached = getattr(user, "_cdtt_scope", None)
    if cached is None:
        cached = Scope(user)
        if user is not None:
            with contextlib.suppress(AttributeError):  # some user stand-ins refuse new attributes
                user._cdtt_scope = cached
    return cached


@dataclass(frozen=True)
class CatalogOwner:
    """Which catalogue entries a user edits: the national catalogue, one province's own entries, or none."""

    national: bool
    province: AdminUnit | None

    @property
    def edits_any(self) -> bool:
        return self.national or self.province is not None

    @property
    def new_entry_owner(self) -> AdminUnit | None:
        """The owner of an entry the user adds: none (national) for a national admin, else the province."""
        return None if self.national else self.province

    def may_edit(self, owner_id: int | None) -> bool:
        """Only the level that owns an entry changes it; a national admin changes every entry."""
        if owner_id is None:
            return self.national
        return self.national or (self.province is not None and owner_id == self.province.pk)


def catalog_owner_for(user: Any) -> CatalogOwner:
    """The catalogue a user edits, by role: the national admin the national one, a province officer the
    province's own (the catalogue is owned per level, not per subtree, so this is a role rule, not a perm)."""
    grants = scope_for(user).grants
    national = any(grant.role == Role.NATIONAL_ADMIN for grant in grants)
    province_ids = [grant.unit_id for grant in grants if grant.role == Role.PROVINCE_OFFICER]
    province = AdminUnit.objects.filter(pk__in=province_ids, kind=UnitKind.PROVINCE).first()
    return CatalogOwner(national=national, province=province)


def as_id(value: Any) -> int:
    """An object id from a URL or a form; anything else is the same 404 as a missing object."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_("The object was not found.")) from None
