"""Reads of accounts, always limited to what the user manages."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from cdtt.access.permissions import GRANTABLE, Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.models import RoleAssignment, User
from cdtt.core.errors import NotFound
from cdtt.core.models import AuditEvent
from cdtt.core.text import fold
from cdtt.geo.models import COMMUNE_KINDS, UnitKind


def _managed_q(user: Any) -> Q:
    paths = scope_for(user).manage_paths()
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, [Q(assignments__unit__path__startswith=p) for p in paths])


def user_list(*, user: Any, q: str = "") -> QuerySet[User]:
    """Accounts holding a role inside the user's managed subtrees."""
    scope_for(user).require(Perm.MANAGE_ACCOUNTS)
    users = User.objects.filter(_managed_q(user)).distinct()
    if q:
        needle = fold(q)
        users = users.filter(name_folded__contains=needle)
    assignments = RoleAssignment.objects.select_related("unit", "village")
    return users.prefetch_related(Prefetch("assignments", queryset=assignments)).order_by("username")


def user_get(*, user: Any, user_id: Any) -> User:
    """One managed account; 404 when outside the user's subtrees."""
    found = user_list(user=user).filter(pk=int(user_id) if str(user_id).isdigit() else -1).first()
    if found is None:
        raise NotFound("")
    return found


def grantable_roles(*, user: Any) -> list[str]:
    scope = scope_for(user)
    roles: set[str] = set()
    for grant in scope.grants:
        roles |= GRANTABLE.get(grant.role, frozenset())
    return sorted(roles)


def grant_targets(*, user: Any) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Units and villages where the user may grant roles (current units only)."""
    scope = scope_for(user)
    kinds = [UnitKind.NATIONAL, UnitKind.PROVINCE, *COMMUNE_KINDS]
    units = scope.units(Perm.MANAGE_ACCOUNTS).current().filter(kind__in=kinds).select_related("parent")
    unit_rows = [
        (u.pk, u.name if not u.parent or u.kind == UnitKind.PROVINCE else f"{u.name} – {u.parent.short_name}")
        for u in units.order_by("depth", "name_folded")[:5000]
    ]
    villages = scope.villages(Perm.MANAGE_ACCOUNTS).active().select_related("commune")
    village_rows = [
        (v.pk, f"{v.name} – {v.commune.name}") for v in villages.order_by("commune__name_folded", "name_folded")[:5000]
    ]
    return unit_rows, village_rows


def audit_list(*, user: Any) -> QuerySet[AuditEvent]:
    """Audit events about the user's units, their accounts, and their own actions."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_AUDIT)
    paths = scope.manage_paths() or [g.unit_path for g in scope.grants]
    in_units = reduce(or_, [Q(unit__path__startswith=p) for p in paths])
    managed_users = User.objects.filter(_managed_q(user)).values("pk")
    about_users = Q(
        target_type="accounts.user",
        target_id__in=[str(pk) for pk in managed_users.values_list("pk", flat=True)[:10000]],
    )
    return (
        AuditEvent.objects.filter(in_units | about_users | Q(actor=user)).select_related("unit").order_by("-at", "-id")
    )
