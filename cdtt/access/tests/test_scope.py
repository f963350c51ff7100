"""Scope rules that span the legacy and current trees."""

from __future__ import annotations

from typing import Any

from cdtt.access.scope import catalog_owner_for
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor


def test_a_pre_2025_commune_is_readable_by_whoever_sees_its_successor(tree: Any, users: Any, signed_in: Any) -> None:
    old_province = AdminUnit(
        code="01",
        name="Thành phố Hà Nội",
        short_name="Hà Nội",
        kind=UnitKind.PROVINCE,
        parent=tree.vn,
        valid_to=LEGACY_END,
    )
    old_province.save()
    old_commune = AdminUnit(
        code="00001",
        name="Phường Phúc Xá",
        short_name="Phúc Xá",
        kind=UnitKind.WARD,
        parent=old_province,
        valid_to=LEGACY_END,
    )
    old_commune.save()
    UnitSuccessor.objects.create(old=old_commune, new=tree.c1, is_default=True)

    assert signed_in("province_officer").get(f"/api/v1/units/{old_commune.pk}").status_code == 200
    assert signed_in("commune_officer").get(f"/don-vi/{old_commune.pk}/").status_code == 200
    assert signed_in("outsider").get(f"/api/v1/units/{old_commune.pk}").status_code == 404
    assert signed_in("outsider").get(f"/don-vi/{old_commune.pk}/").status_code == 404
    # Seeing the old commune does not open the old province around it.
    assert signed_in("commune_officer").get(f"/don-vi/{old_province.pk}/").status_code == 404


def test_the_catalogue_owner_is_decided_by_role_in_the_access_module(tree: Any, users: Any) -> None:
    admin = catalog_owner_for(users.national_admin)
    assert (admin.national, admin.new_entry_owner) == (True, None)
    assert admin.may_edit(None) and admin.may_edit(tree.p2.pk)
    officer = catalog_owner_for(users.province_officer)
    assert (officer.national, officer.new_entry_owner) == (False, tree.p1)
    assert officer.may_edit(tree.p1.pk)
    assert not officer.may_edit(None) and not officer.may_edit(tree.p2.pk)
    for name in ("commune_officer", "team_leader", "leader", "nobody"):
        assert not catalog_owner_for(users.get(name)).edits_any
