"""Reads of units and villages; every one is given the user and stays inside their scope."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.text import fold
from cdtt.geo import resolver
from cdtt.geo.models import (
    COMMUNE_KINDS,
    AdminUnit,
    AdminUnitQuerySet,
    UnitKind,
    UnitSuccessor,
    Village,
    VillageQuerySet,
)


def unit_roots(*, user: Any) -> AdminUnitQuerySet:
    """The units a user's grants are held at, with child and village counts."""
    return _with_counts(scope_for(user).top_units())


def unit_children(*, user: Any, unit: AdminUnit, day: datetime.date | None = None) -> AdminUnitQuerySet:
    """Visible children of ``unit`` valid on ``day`` (today, or a legacy unit's last day, by default), with counts."""
    day = day or unit.valid_to or timezone.localdate()
    children = scope_for(user).units().filter(parent=unit).valid_on(day)
    return _with_counts(children).order_by("name_folded")


def _with_counts(units: AdminUnitQuerySet) -> AdminUnitQuerySet:
    # Two-tier tree: communes are children of provinces; villages hang off communes.
    # A child counts when it belongs to the same tree as its parent: both current, or both ending the same day.
    same_tree = Q(valid_to__isnull=True, children__valid_to__isnull=True) | Q(children__valid_to=F("valid_to"))
    return units.annotate(
        child_count=Count("children", filter=same_tree, distinct=True),
        village_count=Count("villages", filter=Q(villages__valid_to__isnull=True), distinct=True),
        grandchild_village_count=Count(
            "children__villages", filter=Q(children__villages__valid_to__isnull=True), distinct=True
        ),
    )


def village_list(*, user: Any, commune: AdminUnit, include_retired: bool = False) -> VillageQuerySet:
    """Villages of a commune that the user may see."""
    villages = scope_for(user).villages().filter(commune=commune)
    if not include_retired:
        villages = villages.active()
    # Active villages (no end date) first on every database: PostgreSQL sorts NULLs last, SQLite first.
    return villages.order_by(F("valid_to").asc(nulls_first=True), "name_folded")


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "unit" or "village"
    id: int
    code: str
    name: str
    type_label: str
    parent_name: str
    is_current: bool


def _search_querysets(*, user: Any, q: str, include_legacy: bool) -> tuple[AdminUnitQuerySet, VillageQuerySet]:
    needle = fold(q)
    scope = scope_for(user)
    units = scope.units()
    if not include_legacy:
        units = units.current()
    units = units.filter(Q(name_folded__contains=needle) | Q(code=q.strip()) | Q(pk__in=resolver.unit_ids_named(q)))
    villages: VillageQuerySet = scope.villages().active().filter(name_folded__contains=needle)
    return units, villages


def unit_search(
    *, user: Any, q: str, include_legacy: bool = False, limit: int = 20, offset: int = 0
) -> list[SearchHit]:
    """Units and villages visible to ``user`` whose name or code matches ``q``, diacritics ignored."""
    if not fold(q):
        return []
    units, villages = _search_querysets(user=user, q=q, include_legacy=include_legacy)
    # Provinces first, then communes, then villages.
    unit_rows = list(units.select_related("parent").order_by("depth", "name_folded")[: offset + limit])
    village_rows = list(
        villages.select_related("commune").order_by("name_folded")[: max(0, offset + limit - len(unit_rows))]
    )
    hits = [
        SearchHit("unit", u.id, u.code, u.name, u.get_kind_display(), u.parent.name if u.parent else "", u.is_current)
        for u in unit_rows
    ] + [
        SearchHit("village", v.id, v.code, v.name, v.get_kind_display(), v.commune.name, v.is_active)
        for v in village_rows
    ]
    return hits[offset : offset + limit]


def unit_search_total(*, user: Any, q: str, include_legacy: bool = False) -> int:
    """How many units and villages ``unit_search`` would find over all pages."""
    if not fold(q):
        return 0
    units, villages = _search_querysets(user=user, q=q, include_legacy=include_legacy)
    return units.count() + villages.count()


def unit_breadcrumbs(*, user: Any, unit: AdminUnit) -> list[AdminUnit]:
    """The visible ancestors of ``unit``, root first (a commune officer does not see the province page)."""
    ids = unit.ancestors()[:-1]
    visible = {u.id: u for u in scope_for(user).units().filter(pk__in=ids)}
    return [visible[i] for i in ids if i in visible]


def is_commune(unit: AdminUnit) -> bool:
    return unit.kind in COMMUNE_KINDS


def national_root() -> AdminUnit | None:
    return AdminUnit.objects.filter(kind=UnitKind.NATIONAL).first()


def village_counts(*, user: Any) -> dict[str, int]:
    """Headline counts for the home page: visible current provinces, communes and active villages."""
    scope = scope_for(user)
    units = scope.units().current()
    return {
        "provinces": units.filter(kind=UnitKind.PROVINCE).count(),
        "communes": units.filter(kind__in=COMMUNE_KINDS).count(),
        "villages": Village.objects.filter(scope.villages_q(Perm.VIEW_UNITS)).active().count(),
    }


@dataclass(frozen=True)
class Predecessor:
    """A pre-2025 unit a current one was formed from, with the units the conversion data folds into it."""

    unit: AdminUnit
    aliases: tuple[str, ...]  # e.g. ("Xã Trung Mau",): merged before 2025, kept by the package as aliases


def unit_predecessors(*, user: Any, unit: AdminUnit) -> list[Predecessor]:
    """The legacy units a (visible) unit was formed from, by name, each with its aliases from the package."""
    links = UnitSuccessor.objects.filter(new=unit).select_related("old__parent").order_by("old__name", "old_id")
    return [Predecessor(unit=link.old, aliases=resolver.unit_aliases(link.old)) for link in links]
