"""Reads for the sync pages, given the user: open conflicts and repeated guidance in the units where the user
looks after households. The writes (push, conflict_resolve, repeat_seen, devices) are in services.py."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import NotFound
from cdtt.households.models import AdoptionStatus, Household, Resident
from cdtt.sync.models import GuidanceRepeat, SyncConflict


def _households(user: Any) -> QuerySet[Household]:
    return Household.objects.filter(scope_for(user).q(Perm.EDIT_HOUSEHOLDS))


def repeat_list(*, user: Any) -> QuerySet[GuidanceRepeat]:
    """Repeated guidance still to be seen, in the units where ``user`` leads a team."""
    return GuidanceRepeat.objects.filter(
        activity__household__in=_households(user), seen_at__isnull=True
    ).select_related(
        "activity__resident",
        "activity__household__village",
        "activity__outcome",
        "activity__recorded_by",
        "first__recorded_by",
    )


def repeat_get(*, user: Any, repeat_id: Any) -> GuidanceRepeat:
    """A repeated guidance still to be seen that the user may decide on; anything else is the same 404."""
    repeat = repeat_list(user=user).filter(pk=as_id(repeat_id)).first()
    if repeat is None:
        raise NotFound(_("The repeated guidance was not found."))
    return repeat


def conflict_list(*, user: Any) -> QuerySet[SyncConflict]:
    """Open conflicts on the households the user may edit."""
    return SyncConflict.objects.filter(household__in=_households(user), resolved_at__isnull=True).select_related(
        "household__village", "user"
    )


def conflict_get(*, user: Any, conflict_id: Any) -> SyncConflict:
    """An open conflict the user may decide; anything else is the same 404."""
    conflict = conflict_list(user=user).filter(pk=as_id(conflict_id)).first()
    if conflict is None:
        raise NotFound(_("The conflict was not found."))
    return conflict


def _label(name: str) -> str:
    """A household field's name as people read it (its translated label), never the column's name."""
    try:
        field = Household._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


def conflicts_page(*, user: Any, limit: int = 100) -> dict[str, Any]:
    """Changes sent from phones that met a newer version of the household, both sides side by side (field
    label, now, sent), and the repeated guidance to look at."""
    rows = []
    for conflict in conflict_list(user=user)[:limit]:
        household = conflict.household
        changes = [(_label(name), getattr(household, name, ""), value) for name, value in conflict.changes.items()]
        rows.append({"conflict": conflict, "changes": changes})
    return {"rows": rows, "repeats": list(repeat_list(user=user)[:limit])}


def pull_page(*, user: Any, after: tuple[datetime.datetime, int] | None, limit: int) -> list[Household]:
    """Up to ``limit`` + 1 households of the member's villages changed after ``(moment, id)`` (all without it),
    oldest change first, with their people and what each has reached (the caller cuts the extra one off: it
    tells that more follow)."""
    households = Household.objects.filter(scope_for(user).q(Perm.EDIT_HOUSEHOLDS))
    if after is not None:
        moment, pk = after
        households = households.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    return list(
        households.order_by("updated_at", "pk").prefetch_related(
            Prefetch("residents", queryset=Resident.objects.order_by("pk")),
            Prefetch("adoptions", queryset=AdoptionStatus.objects.select_related("item")),
        )[: limit + 1]
    )
