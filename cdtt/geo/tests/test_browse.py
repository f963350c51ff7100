"""Browsing and searching units: each user sees their own subtree only, and lists stay at a fixed query count."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cdtt.access.scope import scope_for
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, Village
from conftest import Tree, Users


def _search(client: Client, q: str, **params: Any) -> list[tuple[str, str]]:
    response = client.get("/api/v1/units", {"q": q, **params})
    assert response.status_code == 200
    return [(hit["kind"], hit["name"]) for hit in response.json()["results"]]


# -- scoping -------------------------------------------------------------------------------------


def test_it_refuses_a_village_of_another_province_to_a_commune_officer(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/don-vi/thon/{tree.v5.pk}/").status_code == 404
    assert client.get(f"/api/v1/villages/{tree.v5.pk}").status_code == 404
    assert client.get(f"/don-vi/thon/{tree.v1.pk}/").status_code == 200
    assert client.get(f"/api/v1/villages/{tree.v1.pk}").json()["name"] == "Tổ dân phố số 1"


def test_it_refuses_a_village_of_another_commune_in_the_same_province(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/don-vi/thon/{tree.v3.pk}/").status_code == 404
    assert client.get(f"/api/v1/villages/{tree.v3.pk}").status_code == 404


def test_a_province_officer_sees_every_commune_of_the_province_and_none_of_the_other(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    scope = scope_for(users.province_officer)
    assert set(scope.units().communes()) == {tree.c1, tree.c2}
    assert set(scope.villages()) == {tree.v1, tree.v2, tree.v3, tree.v4}
    page = signed_in("province_officer").get(f"/don-vi/{tree.p1.pk}/")
    assert [unit.name for unit in page.context["page"]] == ["Phường Ba Đình", "Xã Sóc Sơn"]
    client = signed_in("province_officer")
    for commune in (tree.c3, tree.c4):
        assert client.get(f"/don-vi/{commune.pk}/").status_code == 404


def test_a_commune_officer_sees_their_commune_and_its_villages_only(tree: Tree, users: Users) -> None:
    scope = scope_for(users.commune_officer)
    assert list(scope.units()) == [tree.c1]
    assert set(scope.villages()) == {tree.v1, tree.v2}


@pytest.mark.parametrize("name", ["team_member", "team_leader"])
def test_a_team_member_sees_only_their_village(
    signed_in: Callable[..., Client], tree: Tree, users: Users, name: str
) -> None:
    scope = scope_for(users.get(name))
    assert list(scope.villages()) == [tree.v1]
    page = signed_in(name).get(f"/don-vi/{tree.c1.pk}/")
    assert page.status_code == 200
    assert [v.name for v in page.context["page"]] == ["Tổ dân phố số 1"]
    assert page.context["can_manage"] is False
    assert signed_in(name).get(f"/don-vi/thon/{tree.v2.pk}/").status_code == 404


def test_a_user_without_an_assignment_sees_nothing(tree: Tree, users: Users) -> None:
    scope = scope_for(users.nobody)
    assert scope.units().count() == 0
    assert scope.villages().count() == 0
    assert scope.top_units().count() == 0


def test_a_locked_account_sees_nothing(tree: Tree, users: Users) -> None:
    users.commune_officer.is_active = False
    users.commune_officer.save()
    assert scope_for(type(users.commune_officer).objects.get(pk=users.commune_officer.pk)).units().count() == 0


def test_the_national_admin_sees_every_province(signed_in: Callable[..., Client], tree: Tree) -> None:
    page = signed_in("national_admin").get(f"/don-vi/{tree.vn.pk}/")
    assert [unit.name for unit in page.context["page"]] == ["Thành phố Hà Nội", "Thành phố Hồ Chí Minh"]
    hanoi = page.context["page"][0]
    assert (hanoi.child_count, hanoi.grandchild_village_count) == (2, 4)


def test_the_browse_page_lists_the_units_a_user_holds_roles_at(signed_in: Callable[..., Client], tree: Tree) -> None:
    assert list(signed_in("province_officer").get("/don-vi/").context["roots"]) == [tree.p1]
    assert list(signed_in("outsider").get("/don-vi/").context["roots"]) == [tree.c3]


def test_retired_villages_are_listed_only_on_request(signed_in: Callable[..., Client], tree: Tree) -> None:
    Village.objects.filter(pk=tree.v2.pk).update(valid_to="2025-08-01")
    Village(commune=tree.c1, name="Tổ dân phố số 3").save()
    client = signed_in("commune_officer")
    assert [v.name for v in client.get(f"/don-vi/{tree.c1.pk}/").context["page"]] == [
        "Tổ dân phố số 1",
        "Tổ dân phố số 3",
    ]
    # Active villages first, then the retired one, on SQLite and PostgreSQL alike.
    assert [v.name for v in client.get(f"/don-vi/{tree.c1.pk}/?retired=1").context["page"]] == [
        "Tổ dân phố số 1",
        "Tổ dân phố số 3",
        "Tổ dân phố số 2",
    ]


def test_a_legacy_unit_lists_its_legacy_children(signed_in: Callable[..., Client], tree: Tree) -> None:
    def legacy(code: str, name: str, kind: str, parent: AdminUnit) -> AdminUnit:
        unit = AdminUnit(code=code, name=name, short_name=name, kind=kind, parent=parent, valid_to=LEGACY_END)
        unit.save()
        return unit

    old_hanoi = legacy("01", "Thành phố Hà Nội", UnitKind.PROVINCE, tree.vn)
    ba_dinh = legacy("001", "Quận Ba Đình", UnitKind.DISTRICT, old_hanoi)
    legacy("00001", "Phường Phúc Xá", UnitKind.WARD, ba_dinh)
    legacy("00004", "Phường Trúc Bạch", UnitKind.WARD, ba_dinh)
    client = signed_in("national_admin")
    rows = list(client.get(f"/don-vi/{old_hanoi.pk}/").context["page"])
    assert [(row.name, row.child_count) for row in rows] == [("Quận Ba Đình", 2)]
    rows = list(client.get(f"/don-vi/{tree.vn.pk}/").context["page"])
    assert [(row.name, row.child_count) for row in rows] == [("Thành phố Hà Nội", 2), ("Thành phố Hồ Chí Minh", 2)]


# -- search -----------------------------------------------------------------------------------


def test_search_only_returns_visible_units_and_villages(signed_in: Callable[..., Client], tree: Tree) -> None:
    assert _search(signed_in("national_admin"), "khu pho") == [
        ("village", "Khu phố 1"),
        ("village", "Khu phố 2"),
        ("village", "Khu phố 3"),
        ("village", "Khu phố 4"),
    ]
    assert _search(signed_in("outsider"), "khu pho") == [("village", "Khu phố 1"), ("village", "Khu phố 2")]
    assert _search(signed_in("province_officer"), "khu pho") == []
    assert _search(signed_in("province_officer"), "phuong") == [("unit", "Phường Ba Đình")]
    assert _search(signed_in("team_member"), "to dan pho") == [("village", "Tổ dân phố số 1")]
    assert _search(signed_in("commune_officer"), "ho chi minh") == []


def test_search_finds_a_unit_by_its_code(signed_in: Callable[..., Client], tree: Tree) -> None:
    assert _search(signed_in("national_admin"), "26740") == [("unit", "Phường Sài Gòn")]
    assert _search(signed_in("province_officer"), "26740") == []


@pytest.mark.parametrize(
    "q", ["ha noi", "HA NOI", "hà nội", "Hà Nội", unicodedata.normalize("NFD", "Hà Nội"), "  ha   noi "]
)
def test_search_ignores_diacritics_case_and_normal_form(signed_in: Callable[..., Client], tree: Tree, q: str) -> None:
    client = signed_in("national_admin")
    assert ("unit", "Thành phố Hà Nội") in _search(client, q)
    page = client.get("/don-vi/", {"q": q})
    assert "Thành phố Hà Nội" in [hit.name for hit in page.context["hits"]]


def test_search_pages_through_units_then_villages(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("national_admin")
    everything = _search(client, "o", limit=100)
    assert everything[0] == ("unit", "Cộng hòa xã hội chủ nghĩa Việt Nam")
    assert everything[-1][0] == "village"
    paged = [hit for offset in range(0, len(everything), 3) for hit in _search(client, "o", limit=3, offset=offset)]
    assert paged == everything


def test_search_leaves_legacy_units_out_unless_asked(signed_in: Callable[..., Client], tree: Tree) -> None:
    old = AdminUnit(
        code="00001",
        name="Phường Phúc Xá",
        short_name="Phúc Xá",
        kind=UnitKind.WARD,
        parent=tree.vn,
        valid_to="2025-06-30",
    )
    old.save()
    client = signed_in("national_admin")
    assert _search(client, "phuc xa") == []
    assert _search(client, "phuc xa", include_legacy="true") == [("unit", "Phường Phúc Xá")]


def test_an_empty_search_returns_nothing(signed_in: Callable[..., Client], tree: Tree) -> None:
    body = signed_in("national_admin").get("/api/v1/units", {"q": "  "}).json()
    assert (body["count"], body["results"]) == (0, [])


def test_the_search_count_is_the_total_over_all_pages(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("national_admin")
    everything = client.get("/api/v1/units", {"q": "a", "limit": "100"}).json()
    first_page = client.get("/api/v1/units", {"q": "a", "limit": "1"}).json()
    assert everything["count"] == len(everything["results"]) > 1
    assert first_page["count"] == everything["count"]
    assert len(first_page["results"]) == 1


# -- query counts -----------------------------------------------------------------------------


def _more_provinces(tree: Tree, count: int) -> None:
    for n in range(count):
        province = AdminUnit(
            code=f"9{n:02d}",
            name=f"Tỉnh Thử {n}",
            short_name=f"Thử {n}",
            kind=UnitKind.PROVINCE,
            parent=tree.vn,
            valid_from=tree.p1.valid_from,
        )
        province.save()
        for m in range(3):
            commune = AdminUnit(
                code=f"9{n:02d}{m:02d}",
                name=f"Xã Thử {n}-{m}",
                short_name=f"Thử {n}-{m}",
                kind=UnitKind.COMMUNE,
                parent=province,
                valid_from=tree.p1.valid_from,
            )
            commune.save()
            Village(commune=commune, name="Thôn 1").save()


def test_the_national_page_takes_a_fixed_number_of_queries(
    signed_in: Callable[..., Client], tree: Tree, django_assert_max_num_queries: Any
) -> None:
    _more_provinces(tree, 12)
    client = signed_in("national_admin")
    with django_assert_max_num_queries(9):  # +1: the unread-notices badge
        response = client.get(f"/don-vi/{tree.vn.pk}/")
    assert len(response.context["page"]) == 14


def test_a_province_page_takes_a_fixed_number_of_queries(
    signed_in: Callable[..., Client], tree: Tree, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        AdminUnit(
            code=f"8{n:04d}",
            name=f"Xã Thêm {n}",
            short_name=f"Thêm {n}",
            kind=UnitKind.COMMUNE,
            parent=tree.p1,
            valid_from=tree.p1.valid_from,
        ).save()
    client = signed_in("province_officer")
    with django_assert_max_num_queries(10):  # +1: the unread-notices badge
        response = client.get(f"/don-vi/{tree.p1.pk}/")
    assert len(response.context["page"]) == 22


def test_a_commune_page_takes_a_fixed_number_of_queries(
    signed_in: Callable[..., Client], tree: Tree, django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        Village(commune=tree.c1, name=f"Tổ {n}").save()
    client = signed_in("commune_officer")
    with django_assert_max_num_queries(10):  # +1: the unread-notices badge
        response = client.get(f"/don-vi/{tree.c1.pk}/")
    assert len(response.context["page"]) == 32


def test_search_takes_a_fixed_number_of_queries(
    signed_in: Callable[..., Client], tree: Tree, django_assert_max_num_queries: Any
) -> None:
    _more_provinces(tree, 5)
    client = signed_in("national_admin")
    with django_assert_max_num_queries(7):  # session, user, scope, units, villages, two totals
        hits = _search(client, "thu", limit=100)
    assert len(hits) == 20
    with django_assert_max_num_queries(7):  # +1: the unread-notices badge
        client.get("/don-vi/", {"q": "thu"})


def test_a_commune_page_links_to_the_household_import_only_for_who_may_use_it(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    officer = signed_in("commune_officer").get(f"/don-vi/{tree.c1.pk}/").content.decode()
    assert f"/nhap-du-lieu/ho/{tree.c1.pk}/" in officer
    assert f"/ho-gia-dinh/do-phu/{tree.c1.pk}/" in officer
    partner = signed_in("enterprise_partner").get(f"/don-vi/{tree.c1.pk}/").content.decode()
    assert f"/nhap-du-lieu/ho/{tree.c1.pk}/" not in partner
    assert f"/ho-gia-dinh/do-phu/{tree.c1.pk}/" in partner  # aggregates only
