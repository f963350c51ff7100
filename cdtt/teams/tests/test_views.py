"""Team pages: every URL refuses anonymous, wrong-role and other-unit users; the forms drive the services."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cdtt.geo.models import REFORM_DATE, Village
from cdtt.teams import services
from cdtt.teams.models import ChatGroup, DecisionStatus, Member, MemberRole, Membership, Team, TeamStatus
from cdtt.teams.services import MemberIn
from conftest import Tree, Users
from tests.builders import make_team, sign_decision

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
JOINED = TODAY - 60 * DAY
AN_PHONE = "0912345678"


def _four() -> list[MemberIn]:
    return [
        MemberIn(full_name="Nguyễn Văn An", role=MemberRole.LEADER, phone="0912 345 678", is_village_head=True),
        MemberIn(full_name="Trần Thị Bình", role=MemberRole.DEPUTY, organisation="womens_union", phone="0987654321"),
        MemberIn(full_name="Lê Văn Cường", organisation="youth_union", birth_year=2000),
        MemberIn(full_name="Phạm Thị Dung", organisation="youth_union", phone="0977111222", publish_phone=True),
    ]


def _membership(name: str) -> Membership:
    return Membership.objects.get(member__full_name=name, left_on__isnull=True)


def _setup_data(rows: list[dict[str, str]], *, total: int = 4, joined_on: datetime.date = JOINED) -> dict[str, str]:
    """The POST body of the set-up form: the team fields, the formset's management form and ``total`` rows."""
    data = {
        "joined_on": joined_on.isoformat(),
        "m-TOTAL_FORMS": str(total),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "30",
    }
    for index in range(total):
        role = {0: "leader", 1: "deputy"}.get(index, "member")
        row = {"full_name": "", "role": role, "gender": "", "birth_year": "", "phone": "", "organisation": "other"}
        row |= {"occupation": ""} | (rows[index] if index < len(rows) else {})
        data |= {f"m-{index}-{key}": value for key, value in row.items()}
    return data


FOUR_ROWS = [
    {"full_name": "Ngô Văn Khải", "phone": "0903 111 222", "is_village_head": "on", "gender": "male"},
    {"full_name": "Đỗ Thị Lan", "organisation": "womens_union", "gender": "female", "birth_year": "1990"},
    {"full_name": "Vũ Văn Minh", "organisation": "youth_union", "occupation": "Giáo viên"},
    {"full_name": "Bùi Thị Ngọc", "organisation": "youth_union", "phone": "0903222333", "publish_phone": "on"},
]


def _names(response: Any, key: str) -> list[str]:
    return [row.membership.member.full_name for row in response.context[key]]


# -- every URL: anonymous, wrong role, other unit, right user --------------------------------------


@dataclass
class World:
    team: Team
    leader: Membership
    member: Membership


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four(), joined_on=JOINED)
    for village in (tree.v1, None):
        services.chat_group_save(
            actor=users.commune_officer,
            commune=tree.c1,
            village=village,
            platform="zalo",
            name="Nhóm Zalo",
            invite_link="https://zalo.me/g/abcdef",
            households_in_group=45,
            households_total=100,
        )
    return World(team=team, leader=_membership("Nguyễn Văn An"), member=_membership("Lê Văn Cường"))


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[Tree, World], str]
    wrong_role: str
    right_user: str
    ok: int = 200
    other_unit: bool = True  # the outsider (a commune officer in the other province) gets 404


CASES = [
    Case("home", lambda t, w: "/to-cong-nghe/", "enterprise_partner", "province_officer"),
    Case("me", lambda t, w: "/to-cong-nghe/cua-toi/", "enterprise_partner", "team_member", other_unit=False),
    Case("commune", lambda t, w: f"/to-cong-nghe/xa/{t.c1.pk}/", "enterprise_partner", "team_member"),
    Case(
        "team new", lambda t, w: f"/to-cong-nghe/xa/{t.c1.pk}/moi/?village={t.v2.pk}", "team_leader", "commune_officer"
    ),
    Case("commune group", lambda t, w: f"/to-cong-nghe/xa/{t.c1.pk}/nhom/", "team_member", "commune_officer"),
    Case("commune group qr", lambda t, w: f"/to-cong-nghe/xa/{t.c1.pk}/nhom/qr.svg", "leader", "team_member"),
    Case("village group", lambda t, w: f"/to-cong-nghe/thon/{t.v1.pk}/nhom/", "team_member", "team_leader"),
    Case("village group qr", lambda t, w: f"/to-cong-nghe/thon/{t.v1.pk}/nhom/qr.svg", "leader", "team_member"),
    Case("team", lambda t, w: f"/to-cong-nghe/{w.team.pk}/", "enterprise_partner", "team_member"),
    Case("team for a leader", lambda t, w: f"/to-cong-nghe/{w.team.pk}/", "leader", "team_leader"),
    Case("member add", lambda t, w: f"/to-cong-nghe/{w.team.pk}/thanh-vien/them/", "team_member", "commune_officer"),
    Case(
        "member leave",
        lambda t, w: f"/to-cong-nghe/{w.team.pk}/thanh-vien/{w.member.pk}/roi-to/",
        "team_member",
        "commune_officer",
    ),
    Case(
        "member replace",
        lambda t, w: f"/to-cong-nghe/{w.team.pk}/thanh-vien/{w.member.pk}/thay-the/",
        "team_leader",
        "commune_officer",
    ),
    Case(
        "member edit",
        lambda t, w: f"/to-cong-nghe/{w.team.pk}/thanh-vien/{w.member.pk}/sua/",
        "team_member",
        "province_officer",
    ),
    Case("team dissolve", lambda t, w: f"/to-cong-nghe/{w.team.pk}/giai-the/", "team_member", "commune_officer"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, tree: Tree, world: World, case: Case) -> None:
    for method in ("get", "post"):
        response = getattr(client, method)(case.url(tree, world))
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_a_wrong_role_gets_403(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    for method in ("get", "post"):
        response = getattr(signed_in(case.wrong_role), method)(case.url(tree, world))
        assert response.status_code == 403


@pytest.mark.parametrize("case", [c for c in CASES if c.other_unit], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_another_units_officer_gets_404(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    if case.name == "home":  # the outsider's own list: none of C1's communes or teams
        response = signed_in("outsider").get("/to-cong-nghe/")
        assert response["Location"] == f"/to-cong-nghe/xa/{tree.c3.pk}/"
        return
    for method in ("get", "post"):
        response = getattr(signed_in("outsider"), method)(case.url(tree, world))
        assert response.status_code == 404


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_right_user_gets_the_page(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    response = signed_in(case.right_user).get(case.url(tree, world))
    assert response.status_code == case.ok


def test_a_team_leader_is_refused_other_villages_and_the_commune_group(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("team_leader")
    assert client.get(f"/to-cong-nghe/thon/{tree.v2.pk}/nhom/").status_code == 404
    assert client.get(f"/to-cong-nghe/xa/{tree.c1.pk}/nhom/").status_code == 404
    assert client.get(f"/to-cong-nghe/thon/{tree.v2.pk}/nhom/qr.svg").status_code == 404


def test_a_commune_officer_of_the_same_province_sees_only_their_commune(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/to-cong-nghe/xa/{tree.c2.pk}/").status_code == 404
    assert client.get(f"/to-cong-nghe/xa/{tree.c2.pk}/moi/").status_code == 404
    assert client.get(f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v3.pk}").status_code == 404


# -- home --------------------------------------------------------------------------------------------


def test_home_sends_a_commune_officer_to_their_commune_and_a_team_member_to_their_team(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    assert signed_in("commune_officer").get("/to-cong-nghe/")["Location"] == f"/to-cong-nghe/xa/{tree.c1.pk}/"
    assert signed_in("team_member").get("/to-cong-nghe/")["Location"] == f"/to-cong-nghe/{world.team.pk}/"
    assert signed_in("team_leader").get("/to-cong-nghe/")["Location"] == f"/to-cong-nghe/{world.team.pk}/"


def test_home_sends_a_team_member_without_a_team_to_the_commune_page(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    assert signed_in("team_member").get("/to-cong-nghe/")["Location"] == f"/to-cong-nghe/xa/{tree.c1.pk}/"


def test_home_lists_a_province_officers_communes_with_counts_and_searches_without_diacritics(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    sign_decision(actor=users.commune_officer, decision=world.team.decisions.get(), number="1/QĐ-UBND", on=TODAY - DAY)
    client = signed_in("province_officer")
    response = client.get("/to-cong-nghe/")
    rows = {row.commune.name: (row.villages, row.with_team) for row in response.context["rows"]}
    assert rows == {"Phường Ba Đình": (2, 1), "Xã Sóc Sơn": (2, 0)}
    found = client.get("/to-cong-nghe/", {"q": "soc son"})
    assert [row.commune.name for row in found.context["rows"]] == ["Xã Sóc Sơn"]


def test_a_national_admin_sees_both_provinces_paginated(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    response = signed_in("national_admin").get("/to-cong-nghe/")
    assert len(response.context["rows"]) == 4
    assert response.context["show_province"] is True
    assert signed_in("national_admin").get("/to-cong-nghe/", {"page": "99"}).status_code == 200


# -- the commune page --------------------------------------------------------------------------------


def test_the_commune_page_shows_each_village_with_its_team_status(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    response = signed_in("commune_officer").get(f"/to-cong-nghe/xa/{tree.c1.pk}/")
    html = response.content.decode()
    rows = {row.village.name: row for row in response.context["rows"]}
    assert rows["Tổ dân phố số 1"].team == world.team
    assert rows["Tổ dân phố số 1"].team.member_count == 4
    assert rows["Tổ dân phố số 2"].team is None
    assert response.context["counts"] == {"villages": 2, "active": 0, "proposed": 1, "without": 1}
    assert 'class="no-team"' in html  # villages without a team stand out
    assert f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v2.pk}" in html  # "Set up a team"
    assert f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v1.pk}" not in html
    assert "45%" in html  # the village group's coverage
    assert f"/to-cong-nghe/xa/{tree.c1.pk}/nhom/qr.svg" in html


def test_a_team_member_sees_only_their_village_and_no_officer_buttons(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("team_member").get(f"/to-cong-nghe/xa/{tree.c1.pk}/")
    assert [row.village for row in response.context["rows"]] == [tree.v1]
    html = response.content.decode()
    assert "/new/" not in html
    assert '/group/"' not in html


def test_member_search_ignores_diacritics_and_phone_spacing(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/"
    for q in ("nguyen van", "0912345678", "912 345 678", "NGUYỄN VĂN AN"):
        hits = client.get(url, {"q": q}).context["hits"]
        assert "Nguyễn Văn An" in [hit.member.full_name for hit in hits], q
    hits = client.get(url, {"q": "van"}).context["hits"]
    assert {hit.member.full_name for hit in hits} == {"Nguyễn Văn An", "Lê Văn Cường"}
    assert all(hit.team == world.team for hit in hits)
    an = next(hit for hit in hits if hit.member.full_name == "Nguyễn Văn An")
    assert an.phone == AN_PHONE
    assert client.get(url, {"q": "khong co ai"}).context["hits"] == []


def test_member_search_masks_phones_for_a_team_member(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("team_member").get(f"/to-cong-nghe/xa/{tree.c1.pk}/", {"q": "nguyen van an"})
    assert [hit.phone for hit in response.context["hits"]] == ["0912***678"]
    assert AN_PHONE not in response.content.decode()


def test_member_search_stays_in_scope(signed_in: Callable[..., Client], tree: Tree, users: Users, world: World) -> None:
    services.team_propose(
        actor=users.outsider, commune=tree.c3, village=tree.v5, members=[MemberIn(full_name="Nguyễn Văn Xa")]
    )
    hits = signed_in("province_officer").get(f"/to-cong-nghe/xa/{tree.c1.pk}/", {"q": "nguyen van"}).context["hits"]
    assert "Nguyễn Văn Xa" not in [hit.member.full_name for hit in hits]


def test_the_commune_page_query_count_does_not_grow_with_villages(
    signed_in: Callable[..., Client], tree: Tree, users: Users, django_assert_max_num_queries: Any
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/"
    client.get(url)  # warm the session
    for index in range(6):
        village = Village.objects.create(commune=tree.c1, name=f"Thôn Mới {index}", valid_from=REFORM_DATE)
        services.team_propose(
            actor=users.commune_officer,
            commune=tree.c1,
            village=village,
            members=[MemberIn(full_name=f"Người {index} {k}", role="leader" if k == 0 else "member") for k in range(3)],
        )
        services.chat_group_save(
            actor=users.commune_officer, commune=tree.c1, village=village, platform="zalo", name=f"Nhóm {index}"
        )
    with django_assert_max_num_queries(11):  # +1: the unread-notices badge
        response = client.get(url, {"q": "nguoi"})
    assert len(response.context["rows"]) == 8
    assert len(response.context["hits"]) == 18


def test_the_home_list_query_count_does_not_grow_with_communes(
    signed_in: Callable[..., Client], tree: Tree, users: Users, django_assert_max_num_queries: Any
) -> None:
    client = signed_in("national_admin")
    client.get("/to-cong-nghe/")
    for index in range(5):
        for commune in (tree.c2, tree.c4):
            village = Village.objects.create(commune=commune, name=f"Thôn {index}", valid_from=REFORM_DATE)
            team = services.team_propose(
                actor=users.national_admin, commune=commune, village=village, members=[MemberIn(full_name="A")]
            )
            if commune == tree.c2:
                sign_decision(
                    actor=users.national_admin, decision=team.decisions.get(), number=f"{index}/QĐ-UBND", on=TODAY
                )
    with django_assert_max_num_queries(8):  # +1: the unread-notices badge
        response = client.get("/to-cong-nghe/")
    rows = {row.commune: (row.villages, row.with_team) for row in response.context["rows"]}
    assert rows == {tree.c1: (2, 0), tree.c2: (7, 5), tree.c3: (2, 0), tree.c4: (7, 0)}


def test_the_team_page_query_count_does_not_grow_with_the_roster(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World, django_assert_max_num_queries: Any
) -> None:
    for index in range(8):
        joined = services.member_join(
            actor=users.commune_officer, team=world.team, data=MemberIn(full_name=f"Thành viên {index}"), on=JOINED
        )
        services.member_replace(
            actor=users.commune_officer, membership=joined, on=TODAY, data=MemberIn(full_name=f"Người thay {index}")
        )
    client = signed_in("team_member")
    url = f"/to-cong-nghe/{world.team.pk}/"
    client.get(url)
    with django_assert_max_num_queries(10):  # +1: the unread-notices badge
        response = client.get(url, {"on": (TODAY - DAY).isoformat()})
    assert len(response.context["roster"]) == 12 and len(response.context["on_day"]) == 12
    assert len(response.context["events"]) == 4 + 8 * 3


# -- setting up a team -------------------------------------------------------------------------------


def test_an_officer_sets_up_a_team_of_four_through_the_form(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v2.pk}"
    form = client.get(url)
    assert form.context["formset"].total_form_count() == 4
    response = client.post(url, _setup_data(FOUR_ROWS))
    team = Team.objects.get(village=tree.v2)
    assert response.status_code == 302 and response["Location"] == f"/to-cong-nghe/{team.pk}/"
    assert team.status == TeamStatus.PROPOSED
    page = client.get(f"/to-cong-nghe/{team.pk}/")
    assert _names(page, "roster") == ["Ngô Văn Khải", "Đỗ Thị Lan", "Bùi Thị Ngọc", "Vũ Văn Minh"]  # leader first
    assert page.context["roster"][0].membership.member.is_village_head
    assert page.context["draft"] is not None
    assert Member.objects.get(full_name="Ngô Văn Khải").phone == "0903111222"
    assert Member.objects.get(full_name="Bùi Thị Ngọc").publish_phone
    assert "msg success" in page.content.decode()


def test_the_commune_level_team_is_set_up_without_a_village(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    response = signed_in("commune_officer").post(f"/to-cong-nghe/xa/{tree.c1.pk}/moi/", _setup_data(FOUR_ROWS[:2]))
    team = Team.objects.get(commune=tree.c1, village=None)
    assert response["Location"] == f"/to-cong-nghe/{team.pk}/"
    assert team.memberships.count() == 2


def test_more_rows_by_link_or_button(signed_in: Callable[..., Client], tree: Tree, users: Users) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v2.pk}"
    assert client.get(url + "&rows=8").context["formset"].total_form_count() == 8
    assert client.get(url + "&rows=999").context["formset"].total_form_count() == services.MAX_MEMBERS
    assert f"village={tree.v2.pk}&amp;rows=8" in client.get(url).content.decode()
    kept = client.post(url, {**_setup_data(FOUR_ROWS[:1]), "more": "1"})
    assert kept.context["formset"].total_form_count() == 8
    assert kept.context["formset"].forms[0]["full_name"].value() == "Ngô Văn Khải"
    assert not Team.objects.exists()


def test_a_second_team_for_a_village_is_refused_and_nothing_is_written(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    members, memberships = Member.objects.count(), Membership.objects.count()
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v1.pk}"
    assert client.get(url).context["existing"] == world.team
    response = client.post(url, _setup_data(FOUR_ROWS))
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert errors and ("đã có" in errors[0] or "already" in errors[0])
    assert errors[0] in response.content.decode()
    assert Team.objects.count() == 1
    assert (Member.objects.count(), Membership.objects.count()) == (members, memberships)


def test_a_person_already_on_a_team_is_refused(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    members = Member.objects.count()
    rows = [FOUR_ROWS[0], {**FOUR_ROWS[1], "phone": "091 234 5678"}]  # Nguyễn Văn An's phone, typed another way
    response = signed_in("commune_officer").post(
        f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v2.pk}", _setup_data(rows)
    )
    assert response.status_code == 400
    message = response.context["form"].non_field_errors()[0]
    assert "Nguyễn Văn An" in message and world.team.name in message
    assert not Team.objects.filter(village=tree.v2).exists()
    assert Member.objects.count() == members


def test_form_errors_are_shown_and_nothing_is_written(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/xa/{tree.c1.pk}/moi/?village={tree.v2.pk}"
    empty = client.post(url, _setup_data([]))
    assert empty.status_code == 400 and empty.context["form"].non_field_errors()
    bad_phone = client.post(url, _setup_data([{"full_name": "A", "phone": "123"}]))
    assert bad_phone.status_code == 400 and "123" in bad_phone.context["form"].non_field_errors()[0]
    two_leaders = client.post(url, _setup_data([{"full_name": "A"}, {"full_name": "B", "role": "leader"}]))
    assert two_leaders.status_code == 400
    no_name = client.post(url, _setup_data([{"phone": "0903111222"}]))
    assert no_name.status_code == 400 and no_name.context["formset"].forms[0].errors
    assert not Team.objects.exists() and not Member.objects.exists()


# -- the team page and its actions -------------------------------------------------------------------


def test_the_team_page_shows_roster_history_decisions_and_group(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("commune_officer").get(f"/to-cong-nghe/{world.team.pk}/")
    assert _names(response, "roster")[:2] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert len(response.context["events"]) == 4
    assert [d.status for d in response.context["decisions"]] == [DecisionStatus.DRAFT]
    html = response.content.decode()
    assert 'class="current-draft"' in html
    assert f"/to-cong-nghe/thon/{tree.v1.pk}/nhom/qr.svg?v=" in html
    assert f"/to-cong-nghe/thon/{tree.v1.pk}/nhom/" in html  # the officer may edit the group
    assert f"/to-cong-nghe/{world.team.pk}/thanh-vien/{world.member.pk}/thay-the/" in html
    assert response.context["can_manage"] is True


def test_phones_are_masked_for_a_team_member_and_full_for_officers_and_leaders(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    url = f"/to-cong-nghe/{world.team.pk}/"
    masked = signed_in("team_member").get(url)
    html = masked.content.decode()
    assert "0912***678" in html and AN_PHONE not in html
    assert "0977111222" in html  # Phạm Thị Dung agreed to publish her phone
    assert masked.context["can_manage"] is False
    assert f"/members/{world.member.pk}/" not in html
    for name in ("commune_officer", "team_leader"):
        assert AN_PHONE in signed_in(name).get(url).content.decode()


def test_the_roster_on_a_past_date(signed_in: Callable[..., Client], tree: Tree, users: Users, world: World) -> None:
    change = TODAY - 10 * DAY
    services.member_replace(
        actor=users.commune_officer,
        membership=world.member,
        on=change,
        data=MemberIn(full_name="Vũ Thị Giang", organisation="youth_union"),
    )
    client = signed_in("team_member")
    url = f"/to-cong-nghe/{world.team.pk}/"
    before = client.get(url, {"on": (change - DAY).isoformat()})
    assert "Lê Văn Cường" in _names(before, "on_day") and "Vũ Thị Giang" not in _names(before, "on_day")
    after = client.get(url, {"on": change.isoformat()})
    assert "Vũ Thị Giang" in _names(after, "on_day") and "Lê Văn Cường" not in _names(after, "on_day")
    assert client.get(url, {"on": (JOINED - DAY).isoformat()}).context["on_day"] == []
    assert client.get(url, {"on": "not-a-date"}).status_code == 400


def test_replacing_a_member_keeps_both_in_the_history_and_drafts_a_new_decision(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    signed = sign_decision(
        actor=users.commune_officer, decision=world.team.decisions.get(), number="15/QĐ-UBND", on=TODAY - 30 * DAY
    )
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/{world.team.pk}/thanh-vien/{world.member.pk}/thay-the/"
    data = {"full_name": "Vũ Thị Giang", "organisation": "youth_union", "on": TODAY.isoformat(), "reason": "Đi học"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/to-cong-nghe/{world.team.pk}/"
    page = client.get(response["Location"])
    history = [(e.membership.member.full_name, e.joined) for e in page.context["events"]]
    assert ("Vũ Thị Giang", True) in history and ("Lê Văn Cường", False) in history
    assert "Đi học" in page.content.decode()
    draft = world.team.decisions.get(status=DecisionStatus.DRAFT)
    assert draft.supersedes == signed
    assert "Vũ Thị Giang" in [m["full_name"] for m in draft.members]
    assert page.context["draft"] == draft
    assert Membership.objects.get(member__full_name="Vũ Thị Giang").role == MemberRole.MEMBER


def test_a_replacement_already_on_a_team_is_refused_and_the_roster_is_unchanged(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    url = f"/to-cong-nghe/{world.team.pk}/thanh-vien/{world.member.pk}/thay-the/"
    data = {"full_name": "Ai Đó", "phone": AN_PHONE, "organisation": "other", "on": TODAY.isoformat()}
    response = signed_in("commune_officer").post(url, data)
    assert response.status_code == 400
    assert response.context["form"].errors["phone"]
    world.member.refresh_from_db()
    assert world.member.left_on is None


def test_an_officer_adds_a_member(signed_in: Callable[..., Client], tree: Tree, world: World) -> None:
    data = {"full_name": "Hà Văn Phúc", "role": "member", "organisation": "veterans", "joined_on": TODAY.isoformat()}
    response = signed_in("commune_officer").post(f"/to-cong-nghe/{world.team.pk}/thanh-vien/them/", data)
    assert response.status_code == 302
    assert Membership.objects.get(member__full_name="Hà Văn Phúc", team=world.team).joined_on == TODAY
    second_leader = {**data, "full_name": "Hà Văn Quang", "role": "leader"}
    refused = signed_in("commune_officer").post(f"/to-cong-nghe/{world.team.pk}/thanh-vien/them/", second_leader)
    assert refused.status_code == 400
    assert not Member.objects.filter(full_name="Hà Văn Quang").exists()


def test_a_member_leaves_from_a_date_with_a_reason(signed_in: Callable[..., Client], tree: Tree, world: World) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/{world.team.pk}/thanh-vien/{world.member.pk}/roi-to/"
    too_early = client.post(url, {"on": (JOINED - DAY).isoformat(), "reason": ""})
    assert too_early.status_code == 400 and too_early.context["form"].errors["on"]
    response = client.post(url, {"on": TODAY.isoformat(), "reason": "Chuyển nơi ở"})
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert (world.member.left_on, world.member.left_reason) == (TODAY, "Chuyển nơi ở")
    assert client.get(url).status_code == 404  # no longer a current member


def test_an_officer_edits_a_members_details_and_consent(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/{world.team.pk}/thanh-vien/{world.leader.pk}/sua/"
    assert client.get(url).context["form"].initial["phone"] == AN_PHONE
    data = {"full_name": "Nguyễn Văn Ân", "phone": AN_PHONE, "organisation": "other", "publish_phone": "on"}
    assert client.post(url, data).status_code == 302
    member = Member.objects.get(pk=world.leader.member_id)
    assert (member.full_name, member.publish_phone) == ("Nguyễn Văn Ân", True)
    assert member.publish_phone_at is not None
    assert client.post(url, {**data, "phone": "", "publish_phone": "on"}).status_code == 400


def test_an_officer_dissolves_the_team(signed_in: Callable[..., Client], tree: Tree, world: World) -> None:
    client = signed_in("commune_officer")
    response = client.post(
        f"/to-cong-nghe/{world.team.pk}/giai-the/", {"on": TODAY.isoformat(), "reason": "Sáp nhập thôn"}
    )
    assert response.status_code == 302
    world.team.refresh_from_db()
    assert world.team.status == TeamStatus.DISSOLVED
    page = client.get(f"/to-cong-nghe/{world.team.pk}/")
    assert page.context["roster"] == [] and page.context["can_manage"] is False
    assert client.get(f"/to-cong-nghe/xa/{tree.c1.pk}/").context["rows"][0].team is None
    again = client.post(f"/to-cong-nghe/{world.team.pk}/giai-the/", {"on": TODAY.isoformat()})
    assert again.status_code == 400


def test_writes_by_a_wrong_role_or_another_unit_change_nothing(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    data = {"on": TODAY.isoformat(), "reason": "x"}
    assert signed_in("team_member").post(f"/to-cong-nghe/{world.team.pk}/giai-the/", data).status_code == 403
    assert signed_in("outsider").post(f"/to-cong-nghe/{world.team.pk}/giai-the/", data).status_code == 404
    assert (
        signed_in("team_leader").post(f"/to-cong-nghe/xa/{tree.c1.pk}/moi/", _setup_data(FOUR_ROWS)).status_code == 403
    )
    assert signed_in("outsider").post(f"/to-cong-nghe/xa/{tree.c1.pk}/moi/", _setup_data(FOUR_ROWS)).status_code == 404
    world.team.refresh_from_db()
    assert world.team.status == TeamStatus.PROPOSED
    assert Team.objects.count() == 1


# -- chat groups and QR codes ------------------------------------------------------------------------


def test_a_team_leader_records_their_village_group_with_coverage(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four(), joined_on=JOINED)
    client = signed_in("team_leader")
    url = f"/to-cong-nghe/thon/{tree.v1.pk}/nhom/"
    assert client.get(url).context["form"].initial["platform"] == "zalo"
    data = {
        "platform": "zalo",
        "name": "Zalo TDP số 1",
        "invite_link": "https://zalo.me/g/xyz123",
        "households_in_group": "120",
        "households_total": "160",
        "counted_on": TODAY.isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == f"/to-cong-nghe/{team.pk}/"
    group = ChatGroup.objects.get(village=tree.v1)
    assert (group.coverage, group.counted_on) == (75.0, TODAY)
    assert "75%" in client.get(response["Location"]).content.decode()
    assert client.get(url).context["form"].initial["name"] == "Zalo TDP số 1"


def test_a_group_form_refuses_bad_input_and_writes_nothing(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    client = signed_in("commune_officer")
    url = f"/to-cong-nghe/thon/{tree.v2.pk}/nhom/"
    plain_http = client.post(url, {"platform": "zalo", "name": "Nhóm", "invite_link": "http://zalo.me/g/x"})
    assert plain_http.status_code == 400 and plain_http.context["form"].errors["invite_link"]
    too_many = client.post(
        url, {"platform": "zalo", "name": "Nhóm", "households_in_group": "9", "households_total": "5"}
    )
    assert too_many.status_code == 400 and too_many.context["form"].errors["households_in_group"]
    assert not ChatGroup.objects.exists()


def test_an_officer_records_the_communes_common_group(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    client = signed_in("commune_officer")
    data = {"platform": "mocha", "name": "Nhóm chung phường", "invite_link": "", "households_in_group": "300"}
    response = client.post(f"/to-cong-nghe/xa/{tree.c1.pk}/nhom/", data)
    assert response["Location"] == f"/to-cong-nghe/xa/{tree.c1.pk}/"
    group = ChatGroup.objects.get(commune=tree.c1, village=None)
    assert (group.platform, group.households_in_group) == ("mocha", 300)
    page = client.get(response["Location"])
    assert page.context["group"] == group and "Nhóm chung phường" in page.content.decode()
    assert client.get(f"/to-cong-nghe/xa/{tree.c1.pk}/nhom/qr.svg").status_code == 404  # no invite link, no QR


def test_the_qr_endpoint_returns_a_private_cacheable_svg(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("team_member").get(f"/to-cong-nghe/thon/{tree.v1.pk}/nhom/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, max-age=3600"
    body = response.content.decode()
    assert body.startswith("<svg") and "viewBox=" in body and "<?xml" not in body
    assert signed_in("commune_officer").get(f"/to-cong-nghe/thon/{tree.v2.pk}/nhom/qr.svg").status_code == 404


def test_qr_svg_draws_a_full_qr_code() -> None:
    from cdtt.teams.qr import qr_svg

    svg = qr_svg("https://zalo.me/g/a")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" width="') and 'stroke="#000"' in svg
    assert 'width="132"' in svg  # a version-2 QR code at scale 4 with its quiet zone, never a Micro QR


# -- the member's own page, navigation ---------------------------------------------------------------


def test_a_linked_member_sees_their_own_team_and_details(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    Member.objects.filter(pk=world.leader.member_id).update(user=users.team_member)
    response = signed_in("team_member").get("/to-cong-nghe/cua-toi/")
    assert response.context["current"] == world.leader
    html = response.content.decode()
    assert "Nguyễn Văn An" in html and AN_PHONE in html and world.team.name in html


def test_a_user_without_a_member_record_is_told_so(signed_in: Callable[..., Client], users: Users) -> None:
    response = signed_in("commune_officer").get("/to-cong-nghe/cua-toi/")
    assert response.status_code == 200 and response.context["member"] is None
    assert response.context["memberships"] == []


def test_teams_appear_in_the_navigation_and_on_the_commune_unit_page(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    page = signed_in("team_member").get(f"/don-vi/{tree.c1.pk}/")
    assert "/to-cong-nghe/" in [item["url"] for item in page.context["nav_items"]]
    assert f'href="/to-cong-nghe/xa/{tree.c1.pk}/"' in page.content.decode()
    partner = signed_in("enterprise_partner").get("/don-vi/")
    assert "/to-cong-nghe/" not in [item["url"] for item in partner.context["nav_items"]]
