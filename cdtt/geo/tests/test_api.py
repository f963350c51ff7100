"""Units and villages in the JSON API: search and one unit with its successors (villages: test_villages.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from conftest import Tree


def test_the_api_search_limits_its_page_size(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("national_admin")
    assert len(client.get("/api/v1/units", {"q": "o", "limit": "2"}).json()["results"]) == 2
    assert client.get("/api/v1/units", {"q": "o", "limit": "1000"}).status_code == 200
    assert client.get("/api/v1/units", {"q": "o", "limit": "nhiều"}).status_code == 422


def test_a_unit_lists_its_successors(signed_in: Callable[..., Client], tree: Tree) -> None:
    from cdtt.geo.models import AdminUnit, UnitKind, UnitSuccessor

    old = AdminUnit(
        code="00001",
        name="Phường Phúc Xá",
        short_name="Phúc Xá",
        kind=UnitKind.WARD,
        parent=tree.vn,
        valid_to="2025-06-30",
    )
    old.save()
    UnitSuccessor.objects.create(old=old, new=tree.c1, is_default=True)
    body = signed_in("national_admin").get(f"/api/v1/units/{old.pk}").json()
    assert body["valid_to"] == "2025-06-30"
    assert body["successors"] == [{"id": tree.c1.pk, "code": "00004", "name": "Phường Ba Đình", "is_default": True}]
