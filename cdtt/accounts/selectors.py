"""Reads of accounts, always limited to what the user manages."""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import GRANTABLE, Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.accounts.models import ApiToken, RoleAssignment, User
from cdtt.core.errors import NotFound
from cdtt.core.models import AuditEvent
from cdtt.core.text import fold
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, UnitKind


def _managed_q(user: Any) -> Q:
    paths = scope_for(user).manage_paths()
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, [Q(assignments__unit__path__startswith=p) for p in paths])


def user_list(*, user: Any, q: str = "", within: AdminUnit | None = None) -> QuerySet[User]:
    """Accounts holding a role inside the user's managed subtrees (and inside ``within`` when given)."""
    scope_for(user).require(Perm.MANAGE_ACCOUNTS)
    users = User.objects.filter(_managed_q(user))
    if within is not None:
        users = users.filter(assignments__unit__path__startswith=within.path)
    users = users.distinct()
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


def grant_targets(*, user: Any, around: AdminUnit | None = None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Units and villages offered when granting roles: one unit (by default the user's own) and the level below.

    Kept to one level so the lists stay short on a phone: a province's communes, a commune's villages.
    """
    scope = scope_for(user)
    bases = [around] if around is not None else list(scope.top_units(Perm.MANAGE_ACCOUNTS).current())
    base_ids = [base.pk for base in bases]
    kinds = [UnitKind.NATIONAL, UnitKind.PROVINCE, *COMMUNE_KINDS]
    units = (
        scope.units(Perm.MANAGE_ACCOUNTS)
        .current()
        .filter(Q(pk__in=base_ids) | Q(parent_id__in=base_ids), kind__in=kinds)
        .select_related("parent")
        .order_by("depth", "name_folded")
    )
    unit_rows = [
        (u.pk, u.name if not u.parent or u.kind == UnitKind.PROVINCE else f"{u.name} – {u.parent.short_name}")
        for u in units
    ]
    communes = [base.pk for base in bases if base.kind in COMMUNE_KINDS]
    villages = scope.villages(Perm.MANAGE_ACCOUNTS).active().filter(commune_id__in=communes)
    village_rows = [(v.pk, v.name) for v in villages.order_by("name_folded")]
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


def token_list(*, account: User) -> QuerySet[ApiToken]:
    """An account's API tokens with their phones (the caller may see the account: its own, or one it manages)."""
    return ApiToken.objects.filter(user=account).select_related("device")


def assignment_get(*, account: User, assignment_id: Any) -> RoleAssignment:
    """One of the account's roles (the account already in the caller's reach); 404 when it is not one of them."""
    assignment = (
        RoleAssignment.objects.filter(user=account, pk=as_id(assignment_id)).select_related("unit", "village").first()
    )
    if assignment is None:
        raise NotFound(_("The role was not found."))
    return assignment
