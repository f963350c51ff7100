"""Old addresses are read by vietnamadminunits' own parser: aliases, island districts, and every old commune."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cdtt.geo import resolver, sources
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor
from conftest import Tree


def _package_rows() -> list[dict[str, Any]]:
    path = sources._package_dir("vietnamadminunits") / "data" / "dataset.db"
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM admin_units_legacy")]
    finally:
        conn.close()


def test_an_alias_of_an_old_commune_is_read_by_the_package_parser() -> None:
    # Trung Mầu was merged into Phù Đổng before 2025; the package keeps it as an alias of Phù Đổng (00544).
    assert resolver.legacy_code("Xã Trung Mầu, Huyện Gia Lâm, Hà Nội") == "00544"
    assert resolver.legacy_code("xa trung mau, gia lam, ha noi") == "00544"
    assert resolver.legacy_code("Số 5 ngõ 3, Xã Trung Mầu, Huyện Gia Lâm, Thành phố Hà Nội") == "00544"
    assert resolver.legacy_code("Huyện Côn Đảo, Bà Rịa - Vũng Tàu") == sources.island_commune_code("755")
    assert resolver.legacy_code("Xã Không Có, Huyện Gia Lâm, Hà Nội") is None
    assert resolver.legacy_code("") is None


def test_the_island_districts_without_communes_are_commune_level_legacy_units() -> None:
    islands = [unit for unit in sources.legacy_units() if unit.code.startswith("H")]
    assert sorted(unit.name for unit in islands) == [
        "Huyện Bạch Long Vĩ",
        "Huyện Côn Đảo",
        "Huyện Cồn Cỏ",
        "Huyện Hoàng Sa",
        "Huyện Lý Sơn",
    ]
    rows = _package_rows()
    communes = [unit for unit in sources.legacy_units() if unit.kind in ("commune", "ward", "township")]
    assert len(communes) == len(rows) == 10040
    linked = {link.old_code for link in sources.successor_links()}
    assert {unit.code for unit in islands} <= linked


def test_the_package_aliases_of_phu_dong_include_trung_mau() -> None:
    assert sources.legacy_aliases()["00544"] == ("Xã Trung Mau",)


def _old_phu_dong() -> AdminUnit:
    """The pre-2025 Xã Phù Đổng (Huyện Gia Lâm, Hà Nội), whose aliases include the old Xã Trung Mầu."""
    hanoi = AdminUnit.objects.create(
        code="01", name="Thành phố Hà Nội", short_name="Hà Nội", kind=UnitKind.PROVINCE, valid_to=LEGACY_END
    )
    gia_lam = AdminUnit.objects.create(
        code="018",
        name="Huyện Gia Lâm",
        short_name="Gia Lâm",
        kind=UnitKind.DISTRICT,
        parent=hanoi,
        valid_to=LEGACY_END,
    )
    return AdminUnit.objects.create(
        code="00544",
        name="Xã Phù Đổng",
        short_name="Phù Đổng",
        kind=UnitKind.COMMUNE,
        parent=gia_lam,
        valid_to=LEGACY_END,
    )


@pytest.mark.django_db
def test_an_old_commune_resolves_to_its_default_successor(tree: Tree) -> None:
    phu_dong = _old_phu_dong()
    UnitSuccessor.objects.create(old=phu_dong, new=tree.c2, is_default=True)
    assert resolver.current_commune("Xã Trung Mầu, Huyện Gia Lâm, Hà Nội") == tree.c2
    assert resolver.unit_aliases(phu_dong) == ("Xã Trung Mau",)
    assert resolver.unit_aliases(tree.c2) == ()


@pytest.mark.django_db
def test_formed_from_lists_the_communes_merged_into_a_predecessor(tree: Tree, signed_in: Callable[..., Client]) -> None:
    phu_dong = _old_phu_dong()
    UnitSuccessor.objects.create(old=phu_dong, new=tree.c1, is_default=True)

    page = signed_in("commune_officer").get(reverse("geo:unit", args=[tree.c1.pk])).content.decode()

    formed_from = page[page.index("Hình thành từ") :]
    assert "Xã Phù Đổng" in formed_from
    assert "Xã Trung Mau" in formed_from


@pytest.mark.django_db
def test_searching_an_old_name_or_alias_finds_the_commune_it_became(
    tree: Tree, signed_in: Callable[..., Client]
) -> None:
    phu_dong = _old_phu_dong()
    UnitSuccessor.objects.create(old=phu_dong, new=tree.c1, is_default=True)
    finder = Client().get("/tim-to/", {"q": "Trung Mầu"}).content.decode()  # the public team finder
    assert tree.c1.name in finder
    client = signed_in("province_officer")
    teams_page = client.get("/to-cong-nghe/", {"q": "trung mau"}).content.decode()
    assert tree.c1.name in teams_page
    page = client.get(reverse("geo:browse"), {"q": "Trung Mầu"}).content.decode()
    assert tree.c1.name in page
    api = client.get("/api/v1/units", {"q": "trung mau"}).json()
    assert tree.c1.pk in [hit["id"] for hit in api["results"] if hit["kind"] == "unit"]
