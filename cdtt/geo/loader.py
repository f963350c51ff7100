"""Load the official administrative tree into AdminUnit, idempotently (a second run changes nothing)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from cdtt.core.text import fold, nfc
from cdtt.geo import sources
from cdtt.geo.models import LEGACY_END, REFORM_DATE, AdminUnit, UnitKind, UnitSuccessor

ROOT_CODE = "VN"
ROOT_NAME = "Cộng hòa xã hội chủ nghĩa Việt Nam"
ROOT_SHORT = "Việt Nam"
_FIELDS = ("name", "short_name", "kind", "latitude", "longitude", "area_km2", "valid_from", "valid_to")
BATCH = 1000

Progress = Callable[[str, int, int], None]


@dataclass
class LoadStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links_created: int = 0
    links_updated: int = 0
    links_deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.links_created or self.links_updated or self.links_deleted)


def _root() -> tuple[AdminUnit, bool]:
    root = AdminUnit.objects.filter(code=ROOT_CODE, kind=UnitKind.NATIONAL).first()
    if root is not None:
        return root, False
    root = AdminUnit(code=ROOT_CODE, name=ROOT_NAME, short_name=ROOT_SHORT, kind=UnitKind.NATIONAL)
    root.save()
    return root, True


def _load_tree(
    records: Iterable[sources.UnitRecord],
    *,
    root: AdminUnit,
    valid_from: datetime.date | None,
    valid_to: datetime.date | None,
    stats: LoadStats,
    label: str,
    progress: Progress,
) -> dict[str, AdminUnit]:
    """Create or update one tree (current or legacy); return its units by code."""
    rows = list(records)
    existing = {
        u.code: u
        for u in AdminUnit.objects.filter(valid_from=valid_from, valid_to=valid_to).exclude(kind=UnitKind.NATIONAL)
    }
    by_code: dict[str, AdminUnit] = {}
    to_create: list[AdminUnit] = []
    to_update: list[AdminUnit] = []
    pending: set[str] = set()

    def flush() -> None:
        AdminUnit.objects.bulk_create(to_create, batch_size=BATCH)
        stats.created += len(to_create)
        for created in to_create:
            if created.pk is None:  # backends that cannot return ids from a bulk insert
                created.pk = AdminUnit.objects.get(code=created.code, valid_from=valid_from, valid_to=valid_to).pk
        to_create.clear()
        pending.clear()

    for index, rec in enumerate(rows, 1):
        # Parents come before children: insert the pending batch before a child needs a parent's id.
        if rec.parent_code in pending:
            flush()
        parent = root if rec.parent_code is None else by_code[rec.parent_code]
        wanted = {
            "name": nfc(rec.name),
            "short_name": nfc(rec.short_name),
            "kind": rec.kind,
            "latitude": rec.latitude,
            "longitude": rec.longitude,
            "area_km2": rec.area_km2,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        unit = existing.get(rec.code)
        if unit is None:
            unit = AdminUnit(code=rec.code, name_folded=fold(wanted["name"]), **wanted)  # type: ignore[arg-type]
            unit.parent = parent
            to_create.append(unit)
        else:
            differs = any(getattr(unit, name) != wanted[name] for name in _FIELDS) or unit.parent_id != parent.pk
            if differs:
                for name, value in wanted.items():
                    setattr(unit, name, value)
                unit.name_folded = fold(unit.name)
                unit.parent = parent
                to_update.append(unit)
            else:
                stats.unchanged += 1
        by_code[rec.code] = unit
        if unit.pk is None:
            pending.add(rec.code)
        if index % 500 == 0 or index == len(rows):
            progress(label, index, len(rows))
    if to_create:
        flush()
    if to_update:
        AdminUnit.objects.bulk_update(to_update, [*_FIELDS, "name_folded", "parent"], batch_size=BATCH)
        stats.updated += len(to_update)
    return by_code


def _fix_paths(stats: LoadStats) -> None:
    """Recompute the materialised path of every unit whose stored path is stale."""
    units = {u.pk: u for u in AdminUnit.objects.only("id", "parent_id", "path", "depth")}
    paths: dict[int, str] = {}

    def path_of(pk: int) -> str:
        if pk not in paths:
            parent_id = units[pk].parent_id
            paths[pk] = (path_of(parent_id) if parent_id else "/") + f"{pk}/"
        return paths[pk]

    stale = []
    for pk, unit in units.items():
        path = path_of(pk)
        if unit.path != path:
            unit.path, unit.depth = path, path.count("/") - 2
            stale.append(unit)
    AdminUnit.objects.bulk_update(stale, ["path", "depth"], batch_size=BATCH)


def _load_links(current: dict[str, AdminUnit], legacy: dict[str, AdminUnit], stats: LoadStats) -> None:
    wanted: dict[tuple[int, int], bool] = {}
    for link in sources.successor_links():
        old, new = legacy.get(link.old_code), current.get(link.new_code)
        if old is None or new is None:
            continue
        key = (old.pk, new.pk)
        wanted[key] = wanted.get(key, False) or link.is_default
    have = {(s.old_id, s.new_id): s for s in UnitSuccessor.objects.all()}
    create = [UnitSuccessor(old_id=o, new_id=n, is_default=d) for (o, n), d in wanted.items() if (o, n) not in have]
    update: list[UnitSuccessor] = []
    for key, row in have.items():
        if key in wanted and row.is_default != wanted[key]:
            row.is_default = wanted[key]
            update.append(row)
    stale = [row.pk for key, row in have.items() if key not in wanted]
    UnitSuccessor.objects.bulk_create(create, batch_size=BATCH)
    UnitSuccessor.objects.bulk_update(update, ["is_default"], batch_size=BATCH)
    UnitSuccessor.objects.filter(pk__in=stale).delete()
    stats.links_created, stats.links_updated, stats.links_deleted = len(create), len(update), len(stale)


def _refresh_planner_statistics() -> None:
    """Tell PostgreSQL's planner how big the tree now is (ANALYZE; it counts this transaction's own rows).

    Right after a first load the tables are still "empty" to the planner until autovacuum gets to them (and
    never inside one long transaction, as in the tests): it then joins the 12,000 successor links to the
    34,000 units by nested sequential scans, and one address lookup takes seconds instead of a millisecond.
    """
    if connection.vendor != "postgresql":
        return
    tables = [AdminUnit._meta.db_table, UnitSuccessor._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(table) for table in tables)}")


def admin_units_load(*, progress: Progress = lambda label, done, total: None) -> LoadStats:
    """Load the current (from 2025-07-01) and legacy (to 2025-06-30) trees and the old->new links."""
    stats = LoadStats()
    with transaction.atomic():
        root, created = _root()
        stats.created += int(created)
        current = _load_tree(
            sources.current_units(),
            root=root,
            valid_from=REFORM_DATE,
            valid_to=None,
            stats=stats,
            label="current",
            progress=progress,
        )
        legacy = _load_tree(
            sources.legacy_units(),
            root=root,
            valid_from=None,
            valid_to=LEGACY_END,
            stats=stats,
            label="legacy",
            progress=progress,
        )
        _fix_paths(stats)
        _load_links(current, legacy, stats)
        _refresh_planner_statistics()
    units = AdminUnit.objects
    stats.counts = {
        "provinces": units.current().filter(kind=UnitKind.PROVINCE).count(),
        "communes": units.current().communes().count(),
        "legacy_provinces": units.filter(valid_to=LEGACY_END, kind=UnitKind.PROVINCE).count(),
        "legacy_districts": units.filter(valid_to=LEGACY_END, kind=UnitKind.DISTRICT).count(),
        "legacy_communes": units.filter(valid_to=LEGACY_END).communes().count(),
        "links": UnitSuccessor.objects.count(),
    }
    return stats
