"""The public team finder: anyone browses province → commune → village and sees only what is safe to publish."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.test import Client

from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.geo.services import village_retire
from cdtt.teams import services
from cdtt.teams.models import Member, MemberRole, Team
from cdtt.teams.services import MemberIn
from conftest import Tree, Users
from tests.builders import make_team, sign_decision

D = datetime.date
ZALO = "https://zalo.me/g/tdp1-ba-dinh"


def _members(prefix: str = "", n: int = 0) -> list[MemberIn]:
    """Four people; ``n`` varies their phones, since a phone identifies a person within the commune."""
    return [
        MemberIn(
            full_name=f"{prefix}Nguyễn Văn An",
            role=MemberRole.LEADER,
            phone=f"0912 345 {678 + n}",
            birth_year=1971,
            is_village_head=True,
        ),
        MemberIn(
            full_name=f"{prefix}Trần Thị Bình", role=MemberRole.DEPUTY, phone=f"0987 654 {321 + n}", birth_year=1983
        ),
        MemberIn(full_name=f"{prefix}Lê Văn Cường", phone=f"0903 111 {222 + n}", birth_year=1994),
        MemberIn(full_name=f"{prefix}Phạm Thị Dung", phone=f"0977 333 {444 + n}", birth_year=2002),
    ]


def _public_team(users: Users, village: Village, *, sign: bool = True, number: str = "15/QĐ-UBND", **kw: Any) -> Team:
    """A team of ``village`` whose decision is signed (so it is public), unless ``sign`` is False."""
    team = make_team(
        actor=users.national_admin,
        village=village,
        members=kw.pop("members", None) or _members(),
        joined_on=D(2026, 8, 1),
    )
    if sign:
        decision = team.decisions.get()  # type: ignore[attr-defined]
        sign_decision(actor=users.national_admin, decision=decision, number=number, on=D(2026, 8, 10))
    team.refresh_from_db()
    return team


def _group(users: Users, village: Village | None, commune: AdminUnit, name: str, link: str = ZALO) -> None:
    services.chat_group_save(
        actor=users.national_admin,
        commune=commune,
        village=village,
        platform="zalo",
        name=name,
        invite_link=link,
        households_in_group=123,
        households_total=456,
    )


def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_anyone_browses_province_then_commune_then_village(client: Client, tree: Tree, users: Users) -> None:
    _public_team(users, tree.v1)
    _group(users, tree.v1, tree.c1, "Nhóm Zalo TDP số 1")
    home = client.get("/tim-to/")
    assert home.status_code == 200
    assert home["Cache-Control"].replace(" ", "") in {"public,max-age=300", "max-age=300,public"}
    assert f'href="/tim-to/{tree.p1.pk}/"' in home.content.decode()
    assert f'href="/tim-to/{tree.p2.pk}/"' in home.content.decode()
    province = _html(client, f"/tim-to/{tree.p1.pk}/")
    assert f'href="/tim-to/xa/{tree.c1.pk}/"' in province
    assert f'href="/tim-to/xa/{tree.c2.pk}/"' in province
    assert f"/tim-to/xa/{tree.c3.pk}/" not in province  # the other province's ward
    commune = _html(client, f"/tim-to/xa/{tree.c1.pk}/")
    assert tree.v1.name in commune and tree.v2.name in commune
    assert "Nguyễn Văn An" in commune
    assert "Nhóm Zalo TDP số 1" in commune
    assert f'href="{ZALO}"' in commune
    assert f'<img src="/tim-to/qr/{tree.v1.pk}.svg"' in commune


def test_the_search_ignores_diacritics_and_case(client: Client, tree: Tree) -> None:
    html = _html(client, "/tim-to/?q=BA dinh")
    assert f'href="/tim-to/xa/{tree.c1.pk}/"' in html
    assert f'href="/tim-to/xa/{tree.c3.pk}/"' not in html
    html = _html(client, "/tim-to/?q=ha noi")
    assert f'href="/tim-to/{tree.p1.pk}/"' in html
    assert f'href="/tim-to/{tree.p2.pk}/"' not in html
    html = _html(client, f"/tim-to/{tree.p1.pk}/?q=soc son")
    assert f'href="/tim-to/xa/{tree.c2.pk}/"' in html
    assert f'href="/tim-to/xa/{tree.c1.pk}/"' not in html


def test_only_current_provinces_are_listed(client: Client, tree: Tree) -> None:
    old = AdminUnit(code="02", name="Tỉnh Hà Giang", short_name="Hà Giang", kind=UnitKind.PROVINCE, parent=tree.vn)
    old.valid_to = D(2025, 6, 30)
    old.save()
    assert "Hà Giang" not in _html(client, "/tim-to/")


def test_the_leaders_phone_is_shown_only_with_consent(client: Client, tree: Tree, users: Users) -> None:
    _public_team(users, tree.v1)
    url = f"/tim-to/xa/{tree.c1.pk}/"
    assert "0912345678" not in _html(client, url)
    leader = Member.objects.get(full_name="Nguyễn Văn An")
    services.member_update(
        actor=users.commune_officer,
        member=leader,
        data=MemberIn(full_name=leader.full_name, phone=leader.phone, publish_phone=True),
    )
    html = _html(client, url)
    assert 'href="tel:0912345678"' in html
    assert client.get(f"/api/v1/public/finder/communes/{tree.c1.pk}").json()["villages"][0]["leader_phone"] == (
        "0912345678"
    )


def test_no_other_personal_data_appears(client: Client, tree: Tree, users: Users) -> None:
    members = _members()
    members[1] = MemberIn(**{**members[1].__dict__, "publish_phone": True})  # a deputy's consent is not asked for
    _public_team(users, tree.v1, members=members)
    _group(users, tree.v1, tree.c1, "Nhóm Zalo TDP số 1")
    _group(users, None, tree.c1, "Nhóm chung cán bộ phường Ba Đình", link="https://zalo.me/g/noi-bo")
    pages = [
        _html(client, "/tim-to/"),
        _html(client, f"/tim-to/{tree.p1.pk}/"),
        _html(client, f"/tim-to/xa/{tree.c1.pk}/"),
        client.get(f"/api/v1/public/finder/communes/{tree.c1.pk}").content.decode(),
    ]
    for text in pages:
        for secret in [
            "Trần Thị Bình",
            "Lê Văn Cường",
            "Phạm Thị Dung",
            "0912345678",  # the leader did not agree to publish
            "0987654321",
            "0903111222",
            "0977333444",
            "1971",
            "1983",
            "1994",
            "2002",
            "Nhóm chung cán bộ",  # the commune's common group is internal
            "noi-bo",
            "456",  # household counts
            "15/QĐ-UBND",
            "Hoàng Văn Em",
        ]:
            assert secret not in text


def test_proposed_and_dissolved_teams_are_not_shown_as_active(client: Client, tree: Tree, users: Users) -> None:
    _public_team(users, tree.v1, sign=False)
    dissolved = _public_team(users, tree.v2, members=_members("Cũ ", 1))
    services.team_dissolve(actor=users.national_admin, team=dissolved, on=D(2026, 9, 1))
    body = client.get(f"/api/v1/public/finder/communes/{tree.c1.pk}").json()
    assert [(v["name"], v["has_team"], v["leader_name"]) for v in body["villages"]] == [
        (tree.v1.name, False, None),
        (tree.v2.name, False, None),
    ]
    html = _html(client, f"/tim-to/xa/{tree.c1.pk}/")
    assert "Nguyễn Văn An" not in html
    assert "Cũ Nguyễn Văn An" not in html
    assert "badge ok" not in html


def test_a_leader_who_left_is_not_shown(client: Client, tree: Tree, users: Users) -> None:
    team = _public_team(users, tree.v1)
    leader = team.memberships.get(role=MemberRole.LEADER)  # type: ignore[attr-defined]
    # member_leave now refuses to end an open team's leader (issue 16.5); a team left leaderless by data from
    # before that rule must still not show the old leader.
    type(leader).objects.filter(pk=leader.pk).update(left_on=D(2026, 10, 1))
    village = client.get(f"/api/v1/public/finder/communes/{tree.c1.pk}").json()["villages"][0]
    assert (village["has_team"], village["leader_name"]) == (True, None)
    assert "Nguyễn Văn An" not in _html(client, f"/tim-to/xa/{tree.c1.pk}/")


def test_legacy_units_and_retired_villages_are_not_found(client: Client, tree: Tree, users: Users) -> None:
    old_province = AdminUnit(
        code="02", name="Tỉnh Hà Giang", short_name="Hà Giang", kind=UnitKind.PROVINCE, parent=tree.vn
    )
    old_province.valid_to = D(2025, 6, 30)
    old_province.save()
    old_commune = AdminUnit(code="00001", name="Phường Phúc Xá", short_name="Phúc Xá", kind=UnitKind.WARD)
    old_commune.parent, old_commune.valid_to = tree.p1, D(2025, 6, 30)
    old_commune.save()
    _group(users, tree.v2, tree.c1, "Nhóm TDP số 2")
    village_retire(actor=users.commune_officer, village=tree.v2, on=D(2026, 9, 1))
    for url in [
        f"/tim-to/{old_province.pk}/",
        f"/tim-to/xa/{old_commune.pk}/",
        f"/tim-to/{tree.c1.pk}/",  # a commune is not a province
        f"/tim-to/xa/{tree.p1.pk}/",  # nor a province a commune
        "/tim-to/xa/999999/",
        f"/tim-to/qr/{tree.v2.pk}.svg",
        f"/api/v1/public/finder/communes/{old_commune.pk}",
        f"/api/v1/public/finder/communes/{tree.p1.pk}",
    ]:
        assert client.get(url).status_code == 404, url
    assert tree.v2.name not in _html(client, f"/tim-to/xa/{tree.c1.pk}/")
    assert "Phúc Xá" not in _html(client, f"/tim-to/{tree.p1.pk}/")


def test_the_qr_code_is_a_small_standalone_svg(client: Client, tree: Tree, users: Users) -> None:
    _group(users, tree.v1, tree.c1, "Nhóm Zalo TDP số 1")
    response = client.get(f"/tim-to/qr/{tree.v1.pk}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    svg = response.content.decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')  # an <img> shows nothing without it
    assert "viewBox" in svg
    assert len(svg) < 5_000
    assert client.get(f"/tim-to/qr/{tree.v2.pk}.svg").status_code == 404  # no group
    _group(users, tree.v3, tree.c2, "Nhóm không có link", link="")
    assert client.get(f"/tim-to/qr/{tree.v3.pk}.svg").status_code == 404  # no invite link


def test_a_commune_page_stays_small(
    client: Client, tree: Tree, users: Users, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    villages = [tree.v1, tree.v2]
    for n in range(3, 9):
        village = Village(commune=tree.c1, name=f"Tổ dân phố số {n}", kind="to_dan_pho")
        village.save()
        villages.append(village)
    for index, village in enumerate(villages):
        _public_team(users, village, members=_members(f"{index} ", index), number=f"{index + 10}/QĐ-UBND")
        _group(users, village, tree.c1, f"Nhóm Zalo {village.name}", link=f"https://zalo.me/g/tdp-{index}")
    with django_assert_max_num_queries(12):
        response = client.get(f"/tim-to/xa/{tree.c1.pk}/")
    html = response.content.decode()
    assert html.count("<section") == 8
    assert len(response.content) < 30_000
    assert html.count("<img") == 9  # the eight QR codes and the shell's icon
    assert "<script" not in html and " style=" not in html and "<style" not in html


def test_provinces_paginate_communes_by_fifty(client: Client, tree: Tree) -> None:
    for n in range(55):
        AdminUnit(
            code=f"9{n:04d}", name=f"Xã Thử {n:02d}", short_name=f"Thử {n:02d}", kind="commune", parent=tree.p2
        ).save()
    first = _html(client, f"/tim-to/{tree.p2.pk}/")
    second = _html(client, f"/tim-to/{tree.p2.pk}/?page=2")
    assert first.count('href="/tim-to/xa/') == 50
    assert second.count('href="/tim-to/xa/') == 7  # 55 + Sài Gòn + Tân Định


def test_a_signed_in_visitor_gets_the_same_cacheable_page(
    signed_in: Callable[..., Client], client: Client, tree: Tree, users: Users
) -> None:
    _public_team(users, tree.v1)
    url = f"/tim-to/xa/{tree.c1.pk}/"
    officer = signed_in("commune_officer").get(url)
    anonymous = client.get(url)
    assert officer.content == anonymous.content  # no navigation, no CSRF token: nothing of the user's
    assert "csrfmiddlewaretoken" not in officer.content.decode()
    assert "public" in officer["Cache-Control"]


def test_the_json_endpoint_has_what_the_page_shows(client: Client, tree: Tree, users: Users) -> None:
    team = _public_team(users, tree.v1)
    leader = Member.objects.get(full_name="Nguyễn Văn An")
    services.member_update(
        actor=users.commune_officer,
        member=leader,
        data=MemberIn(full_name=leader.full_name, phone=leader.phone, publish_phone=True),
    )
    _group(users, tree.v1, tree.c1, "Nhóm Zalo TDP số 1")
    _group(users, tree.v2, tree.c1, "Nhóm TDP số 2", link="")
    response = client.get(f"/api/v1/public/finder/communes/{tree.c1.pk}")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]
    body = response.json()
    assert body == {
        "id": tree.c1.pk,
        "name": "Phường Ba Đình",
        "province_id": tree.p1.pk,
        "province": "Thành phố Hà Nội",
        "villages": [
            {
                "id": tree.v1.pk,
                "name": "Tổ dân phố số 1",
                "has_team": True,
                "leader_name": "Nguyễn Văn An",
                "leader_phone": "0912345678",
                "chat_group": {
                    "platform": "zalo",
                    "name": "Nhóm Zalo TDP số 1",
                    "invite_link": ZALO,
                    "qr_url": f"/tim-to/qr/{tree.v1.pk}.svg",
                },
            },
            {
                "id": tree.v2.pk,
                "name": "Tổ dân phố số 2",
                "has_team": False,
                "leader_name": None,
                "leader_phone": None,
                "chat_group": {"platform": "zalo", "name": "Nhóm TDP số 2", "invite_link": "", "qr_url": None},
            },
        ],
    }
    html = _html(client, f"/tim-to/xa/{tree.c1.pk}/")
    for village in body["villages"]:
        assert f'id="v{village["id"]}"' in html
        for value in [
            village["name"],
            village["leader_name"],
            village["leader_phone"],
            *village["chat_group"].values(),
        ]:
            if value:
                assert str(value) in html
    assert body["name"] in html and body["province"] in html
    assert team.status == "active"
