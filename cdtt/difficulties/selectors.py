"""Read difficulties, always as a given user: the list with filters, and counts for dashboards."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import NotFound
from cdtt.difficulties.models import UNRESOLVED, WAITING, Difficulty, DifficultyPhoto
from cdtt.difficulties.services import visible_q
from cdtt.geo.models import AdminUnit


@dataclass
class DifficultyFilters:
    status: str = ""  # a Status value, "unresolved", or "" for all
    category: str = ""
    unit_id: int | None = None  # the unit (and everything under it) the difficulties were raised in
    to_me: bool = False  # handled now by one of the user's own units


def difficulty_list(*, user: Any, filters: DifficultyFilters | None = None) -> QuerySet[Difficulty]:
    """The difficulties the user may read, newest first, filtered."""
    filters = filters or DifficultyFilters()
    rows = Difficulty.objects.filter(visible_q(user))
    if filters.status == "unresolved":
        rows = rows.filter(status__in=UNRESOLVED)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.unit_id is not None:
        unit = AdminUnit.objects.filter(pk=filters.unit_id).first()
        rows = rows.filter(unit__path__startswith=unit.path) if unit is not None else rows.none()
    if filters.to_me:
        mine = {g.unit_id for g in scope_for(user).grants_with(Perm.HANDLE_DIFFICULTIES)}
        rows = rows.filter(handler_unit_id__in=mine, status__in=WAITING)
    return rows.select_related("unit", "village", "handler_unit", "platform").order_by("-created_at", "-id")


def difficulty_units(*, user: Any) -> list[tuple[int, str]]:
    """The units the user's difficulties were raised in, for the list's filter."""
    rows = (
        Difficulty.objects.filter(visible_q(user))
        .values_list("unit_id", "unit__name")
        .distinct()
        .order_by("unit__name")
    )
    return list(rows[:300])


@dataclass
class OpenCounts:
    open: int = 0  # not resolved (waiting or answered)
    waiting: int = 0  # waiting for an answer
    overdue: int = 0  # waiting for an answer past its due date


@dataclass
class OpenDifficulties:
    """Unresolved difficulties raised in a unit's subtree: in all, and by the child they were raised in.

    ``by_child`` is keyed by the child unit's id (a commune's by village id; the unit's own ones by the
    unit's id). Only difficulties the user may read are counted.
    """

    unit: AdminUnit
    total: OpenCounts
    by_child: dict[int, OpenCounts] = field(default_factory=dict)


def _child_key(unit: AdminUnit, depth: int, unit_id: int, path: str, village_id: int | None) -> int:
    """The child of ``unit`` a difficulty was raised under (its village when raised at ``unit`` by a team)."""
    if unit_id != unit.pk:
        return int(path.strip("/").split("/")[depth])
    return village_id if village_id is not None else unit.pk


def open_difficulties(*, user: Any, unit: AdminUnit, today: datetime.date | None = None) -> OpenDifficulties:
    """Counts of open and overdue difficulties under ``unit`` for a dashboard (one query)."""
    today = today or timezone.localdate()
    rows = Difficulty.objects.filter(
        visible_q(user), unit__path__startswith=unit.path, status__in=UNRESOLVED
    ).values_list("unit_id", "unit__path", "village_id", "status", "due_on")
    result = OpenDifficulties(unit=unit, total=OpenCounts())
    depth = len(unit.path.strip("/").split("/"))
    for unit_id, path, village_id, status, due_on in rows:
        key = _child_key(unit, depth, unit_id, path, village_id)
        for counts in (result.total, result.by_child.setdefault(key, OpenCounts())):
            counts.open += 1
            if status in WAITING:
                counts.waiting += 1
                if due_on < today:
                    counts.overdue += 1
    return result


def difficulty_photo_get(*, difficulty: Difficulty, photo_id: Any) -> DifficultyPhoto:
    """A photo of a difficulty the caller already got through ``difficulty_get`` (so may read); 404 otherwise."""
    photo = DifficultyPhoto.objects.filter(difficulty=difficulty, pk=as_id(photo_id)).first()
    if photo is None:
        raise NotFound(_("The photo was not found."))
    return photo
