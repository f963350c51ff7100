"""The real administrative tree from the packages: counts, idempotence, known successor links, every old address
resolved; the demo's logins on it (slow: loaded once per process, the ``real_tree`` fixture)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from vietnamadminunits import convert_address

from cdtt.geo import resolver, sources
from cdtt.geo.loader import LoadStats, admin_units_load
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor
from cdtt.geo.tests.test_resolver import _package_rows

pytestmark = [pytest.mark.realtree, pytest.mark.django_db(transaction=False)]

COUNTS = {
    "provinces": 34,
    "communes": 3321,
    "legacy_provinces": 63,
    "legacy_districts": 696,
    "legacy_communes": 10040,  # with the five island districts that had no commune (Côn Đảo, ...)
}


def _current(code: str) -> AdminUnit:
    return AdminUnit.objects.current().get(code=code)


def _legacy(code: str) -> AdminUnit:
    return AdminUnit.objects.get(code=code, valid_to=LEGACY_END)


def _links(old_code: str) -> dict[tuple[str, str], bool]:
    links = UnitSuccessor.objects.filter(old=_legacy(old_code)).select_related("new")
    return {(link.new.code, link.new.name): link.is_default for link in links}


def _check_tree(stats: LoadStats) -> None:
    assert {key: stats.counts[key] for key in COUNTS} == COUNTS
    assert AdminUnit.objects.filter(kind=UnitKind.NATIONAL).count() == 1
    assert not AdminUnit.objects.filter(path="").exists()
    assert AdminUnit.objects.count() == 1 + sum(COUNTS.values())


def test_the_real_tree_loads_once_and_a_second_run_changes_nothing(real_tree: LoadStats) -> None:
    first = real_tree  # this process's first load (the fixture's), into an empty tree
    assert first.changed
    _check_tree(first)
    paths = dict(AdminUnit.objects.values_list("pk", "path"))

    second = admin_units_load()
    assert not second.changed
    assert (second.created, second.updated) == (0, 0)
    assert second.counts == first.counts
    _check_tree(second)
    assert dict(AdminUnit.objects.values_list("pk", "path")) == paths

    # Known links from the packages, with the package's default successor marked.
    assert _links("00001") == {("00097", "Phường Hồng Hà"): True}
    assert _legacy("00001").name == "Phường Phúc Xá"
    assert _links("00226") == {
        ("00226", "Phường Kim Liên"): True,
        ("00196", "Phường Văn Miếu - Quốc Tử Giám"): False,
    }
    assert _legacy("00226").name == "Phường Phương Liên Trung Tự"
    old_da_kao = _links("26737")
    assert old_da_kao[("26740", "Phường Sài Gòn")] is True
    assert old_da_kao[("26737", "Phường Tân Định")] is False
    assert _legacy("26737").name == "Phường Đa Kao"
    # Every old commune that has links has exactly one default successor.
    defaults = UnitSuccessor.objects.filter(is_default=True).values_list("old_id", flat=True)
    assert len(defaults) == len(set(defaults)) == UnitSuccessor.objects.values("old_id").distinct().count()

    # A code used by both trees resolves to the current unit among current units.
    for code in ("00226", "26737", "01", "79"):
        assert AdminUnit.objects.filter(code=code).count() == 2
        assert _current(code).valid_to is None
        assert _current(code).valid_from is not None
    assert _current("01").name == "Thành phố Hà Nội"
    assert _current("26737").name == "Phường Tân Định"
    assert _current("26740").parent == _current("79")
    assert _current("00097").path.startswith(_current("01").path)

    # A third run repairs what was changed by hand: a name, a parent (and so the path), the links.
    kim_lien = _current("00226")
    AdminUnit.objects.filter(pk=kim_lien.pk).update(name="Sửa tay", parent=_current("79"), path="/sai/")
    UnitSuccessor.objects.filter(old=_legacy("00001")).delete()
    UnitSuccessor.objects.create(old=_legacy("00001"), new=_current("26740"))
    third = admin_units_load()
    assert (third.created, third.updated) == (0, 1)
    assert (third.links_created, third.links_updated, third.links_deleted) == (1, 0, 1)
    repaired = _current("00226")
    assert (repaired.name, repaired.parent_id, repaired.path) == (kim_lien.name, kim_lien.parent_id, kim_lien.path)
    assert repaired.name_folded == "phuong kim lien"
    assert _links("00001") == {("00097", "Phường Hồng Hà"): True}
    assert not admin_units_load().changed


def _addresses() -> list[str]:
    """Every old commune the package knows, and every alias of one, written as an old address."""
    addresses: list[str] = []
    for row in _package_rows():
        upper = f"{row['district']}, {row['province']}"
        if row["wardCode"] is None:
            addresses.append(upper)
            continue
        addresses.append(f"{row['ward']}, {upper}")
        addresses.extend(f"{alias}, {upper}" for alias in json.loads(row["wardAlias"] or "[]"))
    return addresses


def test_every_old_commune_and_alias_resolves_like_convert_address(real_tree: LoadStats) -> None:
    """Through the platform's resolver (the database's legacy units and successor links), the same commune.

    No deliberate difference here: ``resolver.current_commune`` is the package's default successor. The
    household import differs on purpose in one case only: when an old commune was split and the import is
    for one of its parts, the row goes to the import's commune (``AddressResolver``), not to the default.
    """
    addresses = _addresses()
    assert len(addresses) > 10040  # the aliases come on top of the 10,040 old communes
    started = time.monotonic()
    codes = {address: resolver.legacy_code(address) for address in addresses}
    olds = resolver.old_communes({code for code in codes.values() if code})
    mismatches = []
    for address, code in codes.items():
        converted: Any = convert_address(address)  # no street: the package never geocodes
        expected = sources.new_code_by_key(converted.province_key, converted.ward_key) if converted.ward_key else None
        found = olds[code].default if code else None
        if (found.code if found else None) != expected:
            mismatches.append((address, expected, found.code if found else None))
    assert mismatches == []
    # The household import's resolver agrees, and refuses none of them: the default successor, or the
    # import's own commune when the old commune was split and the import's commune is one of its parts.
    from cdtt.transfers.importers.places import AddressResolver

    here = AdminUnit.objects.current().get(code="00004")  # Phường Ba Đình, a successor of several old wards
    household = AddressResolver(user=None, commune=here)
    disagreements = []
    for index, (address, code) in enumerate(codes.items()):
        old = olds.get(code or "")
        # Every split old commune (where the import's commune matters), and a seventh of the rest: this pass
        # runs a few queries per address, which costs minutes on PostgreSQL for all 14,000.
        if not (old is not None and len(old.successors) > 1) and index % 7:
            continue
        resolved = household.resolve(address)
        if old is None:
            wanted = None
        elif any(successor == here for successor, _default in old.successors):
            wanted = here
        else:
            wanted = old.default
        if resolved.problem or (resolved.unit is not None and resolved.unit != wanted):
            disagreements.append((address, resolved.problem, resolved.unit, wanted))
    assert disagreements == []
    # Every old commune written by its own name (not only through an alias) is found.
    own = {f"{r['ward']}, {r['district']}, {r['province']}" for r in _package_rows() if r["wardCode"]}
    assert [address for address in own if not codes[address]] == []
    print(f"{len(addresses)} addresses in {time.monotonic() - started:.1f} s")
