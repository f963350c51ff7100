"""Household pages: every URL refuses anonymous, wrong-role and other-unit users; the list masks phones and
filters by gaps; the checklist ticks and undoes with history and audit; stopped households are read-only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from cdtt.core.models import AuditEvent
from cdtt.households import services
from cdtt.households.models import AdoptionEvent, AdoptionStatus, Household, Resident
from cdtt.households.services import HouseholdIn, ResidentIn
from cdtt.teams import services as team_services
from cdtt.teams.models import Member
from cdtt.teams.services import MemberIn
from conftest import Tree, Users

AN_PHONE = "0912345678"
AN_MASKED = "0912***678"
PERSONAL_ROLES = ("province_officer", "enterprise_partner", "leader", "national_admin")


@dataclass
class World:
    an: Household  # V1 of C1, with a person and a caretaker
    hoa: Resident  # a person of ``an``
    binh: Household  # V2 of C1
    xa: Household  # V5 of C3 (the outsider's commune)
    caretaker: Member  # on V1's team


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    team = team_services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        members=[MemberIn(full_name="Phạm Thị Dung", role="leader"), MemberIn(full_name="Đỗ Văn Em")],
    )
    caretaker = Member.objects.get(memberships__team=team, full_name="Phạm Thị Dung")
    an = services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(
            consent="verbal",
            head_name="Nguyễn Văn An",
            phone=AN_PHONE,
            members_count=4,
            adults_count=2,
            caretaker_id=caretaker.pk,
        ),
    )
    hoa = services.resident_add(
        actor=users.commune_officer,
        household=an,
        data=ResidentIn(full_name="Nguyễn Thị Hoa", birth_year=1990, relationship="spouse", phone="0987 111 222"),
    )
    binh = services.household_create(
        actor=users.commune_officer,
        village=tree.v2,
        data=HouseholdIn(consent="verbal", head_name="Trần Thị Bình", phone="0903111222"),
    )
    xa = services.household_create(actor=users.outsider, village=tree.v5, data=HouseholdIn(head_name="Lê Văn Xa"))
    return World(an=Household.objects.get(pk=an.pk), hoa=hoa, binh=binh, xa=xa, caretaker=caretaker)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _vi(text: str) -> str:
    with translation.override("vi"):
        return _(text)


# -- every URL: anonymous, wrong role, other unit, right user --------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[Tree, World], str]
    wrong_roles: tuple[str, ...]
    right_user: str
    ok: int = 200
    other_unit: Callable[[Tree, World], str] | None = None  # the outsider gets 404 here
    data: Callable[[Tree, World], dict[str, Any]] | None = None  # a POST that works for the right user
    posted: int = 302


def _household_data(**extra: Any) -> dict[str, Any]:
    data = {
        "head_name": "Hoàng Văn Giang",
        "address": "Xóm Trên",
        "phone": "",
        "phone2": "",
        "members_count": "3",
        "adults_count": "2",
        "smartphones": "1",
        "internet": "mobile",
        "caretaker": "",
        "notes": "",
        "consent": "verbal",  # a phone is kept only with consent (ignored when editing)
    }
    return data | extra


CASES = [
    Case("list", lambda t, w: "/ho-gia-dinh/", PERSONAL_ROLES, "team_member"),
    Case(
        "create",
        lambda t, w: f"/ho-gia-dinh/moi/?village={t.v1.pk}",
        PERSONAL_ROLES,
        "team_member",
        other_unit=lambda t, w: f"/ho-gia-dinh/moi/?village={t.v1.pk}",
        data=lambda t, w: _household_data(village=str(t.v1.pk)),
    ),
    Case(
        "detail",
        lambda t, w: f"/ho-gia-dinh/{w.an.pk}/",
        PERSONAL_ROLES,
        "team_member",
        other_unit=lambda t, w: f"/ho-gia-dinh/{w.an.pk}/",
    ),
    Case(
        "edit",
        lambda t, w: f"/ho-gia-dinh/{w.an.pk}/sua/",
        PERSONAL_ROLES,
        "team_leader",
        other_unit=lambda t, w: f"/ho-gia-dinh/{w.an.pk}/sua/",
        data=lambda t, w: _household_data(head_name="Nguyễn Văn An"),
    ),
    Case(
        "adoption",
        lambda t, w: f"/ho-gia-dinh/{w.an.pk}/su-dung/",
        PERSONAL_ROLES,
        "team_member",
        ok=302,
        other_unit=lambda t, w: f"/ho-gia-dinh/{w.an.pk}/su-dung/",
        data=lambda t, w: {"item": "epayment", "action": "set"},
    ),
    Case(
        "resident add",
        lambda t, w: f"/ho-gia-dinh/{w.an.pk}/nhan-khau/moi/",
        PERSONAL_ROLES,
        "team_member",
        other_unit=lambda t, w: f"/ho-gia-dinh/{w.an.pk}/nhan-khau/moi/",
        data=lambda t, w: {"full_name": "Nguyễn Văn Khang", "relationship": "child", "birth_year": "2015"},
    ),
    Case(
        "resident edit",
        lambda t, w: f"/ho-gia-dinh/{w.an.pk}/nhan-khau/{w.hoa.pk}/sua/",
        PERSONAL_ROLES,
        "commune_officer",
        other_unit=lambda t, w: f"/ho-gia-dinh/{w.an.pk}/nhan-khau/{w.hoa.pk}/sua/",
        data=lambda t, w: {"full_name": "Nguyễn Thị Hoà", "relationship": "spouse", "phone": "0987111222"},
    ),
    Case(
        "coverage",
        lambda t, w: f"/ho-gia-dinh/do-phu/{t.c1.pk}/",
        ("nobody",),
        "province_officer",
        other_unit=lambda t, w: f"/ho-gia-dinh/do-phu/{t.c1.pk}/",
    ),
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
    for role in case.wrong_roles:
        for method in ("get", "post"):
            response = getattr(signed_in(role), method)(case.url(tree, world))
            assert response.status_code == 403, (role, method)
    assert AdoptionStatus.objects.count() == 0


@pytest.mark.parametrize("case", [c for c in CASES if c.other_unit], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_another_units_officer_gets_404(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    assert case.other_unit is not None
    before = Household.objects.count(), Resident.objects.count(), AdoptionStatus.objects.count()
    for method in ("get", "post"):
        data = case.data(tree, world) if case.data and method == "post" else {}
        response = getattr(signed_in("outsider"), method)(case.other_unit(tree, world), data)
        assert response.status_code == 404, method
    assert (Household.objects.count(), Resident.objects.count(), AdoptionStatus.objects.count()) == before
    assert Household.objects.get(pk=world.an.pk).version == world.an.version


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_right_user_gets_the_page(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    response = signed_in(case.right_user).get(case.url(tree, world))
    assert response.status_code == case.ok


@pytest.mark.parametrize("case", [c for c in CASES if c.data], ids=lambda c: c.name)
def test_the_right_user_can_post(signed_in: Callable[..., Client], tree: Tree, world: World, case: Case) -> None:
    assert case.data is not None
    response = signed_in(case.right_user).post(case.url(tree, world), case.data(tree, world))
    assert response.status_code == case.posted, response.content.decode()[:2000]
    assert response["Location"].startswith("/ho-gia-dinh/")


def test_the_outsiders_list_holds_only_their_own_households(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("outsider").get("/ho-gia-dinh/")
    assert [row.household for row in response.context["rows"]] == [world.xa]
    foreign = signed_in("outsider").get("/ho-gia-dinh/", {"village": tree.v1.pk})
    assert foreign.context["form"].errors["village"]
    assert [row.household for row in foreign.context["rows"]] == [world.xa]


def test_a_team_member_reaches_only_their_own_village(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("team_member")
    for url in (
        f"/ho-gia-dinh/{world.binh.pk}/",
        f"/ho-gia-dinh/{world.binh.pk}/sua/",
        f"/ho-gia-dinh/{world.binh.pk}/nhan-khau/moi/",
        f"/ho-gia-dinh/moi/?village={tree.v2.pk}",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/ho-gia-dinh/{world.binh.pk}/su-dung/", {"item": "epayment", "action": "set"})
    assert response.status_code == 404
    assert not AdoptionStatus.objects.exists()
    listed = client.get("/ho-gia-dinh/").context["rows"]
    assert [row.household for row in listed] == [world.an]


def test_a_person_of_another_household_gives_404(signed_in: Callable[..., Client], tree: Tree, world: World) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/ho-gia-dinh/{world.binh.pk}/nhan-khau/{world.hoa.pk}/sua/").status_code == 404
    response = client.post(
        f"/ho-gia-dinh/{world.binh.pk}/su-dung/", {"item": "vneid_level2", "resident": world.hoa.pk, "action": "set"}
    )
    assert response.status_code == 404
    assert not AdoptionStatus.objects.exists()


def test_team_roles_see_the_households_menu_and_province_roles_do_not(
    signed_in: Callable[..., Client], world: World
) -> None:
    def labels(name: str) -> list[str]:
        return [item["url"] for item in signed_in(name).get("/ho-gia-dinh/do-phu/1/").context["nav_items"]]

    assert "/ho-gia-dinh/" in labels("team_member")
    assert "/ho-gia-dinh/" in labels("commune_officer")
    assert "/ho-gia-dinh/" not in labels("province_officer")


# -- the list --------------------------------------------------------------------------------------


def test_the_list_masks_phones_for_a_team_member(signed_in: Callable[..., Client], world: World) -> None:
    response = signed_in("team_member").get("/ho-gia-dinh/")
    assert [row.phone for row in response.context["rows"]] == [AN_MASKED]
    html = response.content.decode()
    assert AN_MASKED in html
    assert AN_PHONE not in html


@pytest.mark.parametrize("name", ["team_leader", "commune_officer"])
def test_the_list_shows_full_phones_to_officers_and_team_leaders(
    signed_in: Callable[..., Client], world: World, name: str
) -> None:
    response = signed_in(name).get("/ho-gia-dinh/")
    assert AN_PHONE in [row.phone for row in response.context["rows"]]
    assert AN_PHONE in response.content.decode()


def test_the_gap_filter_counts_household_and_person_ticks(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    officer = users.commune_officer
    services.adoption_set(actor=officer, household=world.an, item_code="epayment")
    services.adoption_set(actor=officer, household=world.an, item_code="vneid_level2", resident=world.hoa)
    client = signed_in("commune_officer")

    def heads(adoption: str) -> list[str]:
        response = client.get("/ho-gia-dinh/", {"adoption": adoption})
        assert response.status_code == 200
        return [row.household.head_name for row in response.context["rows"]]

    assert heads("without:epayment") == ["Trần Thị Bình"]
    assert heads("with:epayment") == ["Nguyễn Văn An"]
    assert heads("without:vneid_level2") == ["Trần Thị Bình"]  # a person's tick counts for the household
    assert heads("with:vneid_level2") == ["Nguyễn Văn An"]
    assert heads("without:ecommerce_stall") == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert heads("with:ecommerce_stall") == []
    response = client.get("/ho-gia-dinh/", {"adoption": "without:epayment"})
    choices = {
        value: label
        for _group, options in response.context["form"].fields["adoption"].choices[1:]
        for value, label in options
    }
    assert choices["without:epayment"].endswith("(1)")
    assert choices["with:epayment"].endswith("(1)")
    assert choices["without:village_group"].endswith("(2)")
    rows = response.context["rows"]
    assert response.context["page"].paginator.count == 1
    assert [row.reached for row in rows] == [0]
    summary = {row.household.head_name: row.reached for row in client.get("/ho-gia-dinh/").context["rows"]}
    assert summary == {"Nguyễn Văn An": 2, "Trần Thị Bình": 0}


def test_the_list_searches_names_without_diacritics_and_phones(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    for q in ("nguyen van an", "NGUYỄN VĂN", "0912 345 678", "345678"):
        rows = client.get("/ho-gia-dinh/", {"q": q}).context["rows"]
        assert [row.household for row in rows] == [world.an], q
    assert client.get("/ho-gia-dinh/", {"q": "khong co ai"}).context["rows"] == []


def test_the_list_filters_by_village_and_caretaker_with_counts(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    client = signed_in("commune_officer")
    by_village = client.get("/ho-gia-dinh/", {"village": tree.v2.pk})
    assert [row.household for row in by_village.context["rows"]] == [world.binh]
    villages = dict(by_village.context["form"].fields["village"].choices)
    assert villages[str(tree.v1.pk)].endswith("(1)")
    assert villages[str(tree.v2.pk)].endswith("(1)")
    by_caretaker = client.get("/ho-gia-dinh/", {"caretaker": world.caretaker.pk})
    assert [row.household for row in by_caretaker.context["rows"]] == [world.an]
    assert "Phạm Thị Dung" in by_caretaker.content.decode()


def test_a_village_outside_the_users_scope_is_refused_as_a_filter(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    response = signed_in("team_member").get("/ho-gia-dinh/", {"village": tree.v2.pk})
    assert response.context["form"].errors["village"]
    assert [row.household for row in response.context["rows"]] == [world.an]  # never wider than the scope


def test_the_list_writes_which_households_were_shown_to_the_audit_log(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    signed_in("commune_officer").get("/ho-gia-dinh/", {"q": "nguyen"})
    event = AuditEvent.objects.get(action="household.list")
    assert event.actor == users.commune_officer
    assert event.unit_id == tree.c1.pk
    assert event.details == {"households": [world.an.pk], "filters": {"q": "nguyen"}}


def test_the_list_query_count_does_not_grow_with_households(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World, django_assert_max_num_queries: Any
) -> None:
    client = signed_in("commune_officer")
    client.get("/ho-gia-dinh/")  # warm the session
    for index in range(30):
        household = services.household_create(
            actor=users.commune_officer,
            village=tree.v1 if index % 2 else tree.v2,
            data=HouseholdIn(
                consent="verbal",
                head_name=f"Hộ số {index}",
                phone=f"09121110{index:02d}",
                caretaker_id=world.caretaker.pk,
            ),
        )
        services.adoption_set(actor=users.commune_officer, household=household, item_code="smartphone")
    with django_assert_max_num_queries(15):  # +1: the unread-notices badge
        response = client.get("/ho-gia-dinh/", {"adoption": "without:epayment", "q": "ho"})
    assert len(response.context["rows"]) == 30


def test_the_list_is_paginated_by_50_and_keeps_the_filters(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    for index in range(51):
        services.household_create(actor=users.commune_officer, village=tree.v2, data=HouseholdIn(f"Hộ {index:02d}"))
    client = signed_in("commune_officer")
    first = client.get("/ho-gia-dinh/", {"village": tree.v2.pk})
    assert len(first.context["rows"]) == 50
    assert f"village={tree.v2.pk}&amp;page=2" in first.content.decode()
    second = client.get("/ho-gia-dinh/", {"village": tree.v2.pk, "page": 2})
    assert len(second.context["rows"]) == 2


# -- one household ---------------------------------------------------------------------------------


def test_the_detail_page_writes_the_view_to_the_audit_log(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    signed_in("team_member").get(f"/ho-gia-dinh/{world.an.pk}/")
    event = AuditEvent.objects.get(action="household.view")
    assert (event.actor, event.target_id, event.unit_id) == (users.team_member, str(world.an.pk), world.an.commune_id)


def test_the_detail_page_masks_phones_for_a_team_member_only(signed_in: Callable[..., Client], world: World) -> None:
    member = signed_in("team_member").get(f"/ho-gia-dinh/{world.an.pk}/").content.decode()
    assert AN_MASKED in member
    assert AN_PHONE not in member
    assert "0987111222" not in member
    leader = signed_in("team_leader").get(f"/ho-gia-dinh/{world.an.pk}/").content.decode()
    assert AN_PHONE in leader
    assert "0987111222" in leader


def test_the_checklist_shows_household_items_and_person_items(signed_in: Callable[..., Client], world: World) -> None:
    response = signed_in("team_member").get(f"/ho-gia-dinh/{world.an.pk}/")
    codes = [tick.item.code for tick in response.context["ticks"]]
    assert "village_group" in codes
    assert "vneid_level2" not in codes  # a person's item
    person = response.context["people"][0]
    assert person.resident == world.hoa
    person_codes = [tick.item.code for tick in person.ticks]
    assert "vneid_level2" in person_codes
    assert "village_group" not in person_codes
    html = response.content.decode()
    assert html.count('name="action" value="set"') == len(codes) + len(person_codes)


def test_a_tick_records_the_status_the_history_and_the_audit(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    client = signed_in("team_member")
    response = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "epayment", "action": "set"})
    assert response.status_code == 302
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/#i-epayment"
    status = AdoptionStatus.objects.get(household=world.an, resident=None, item__code="epayment")
    assert (status.reached_on, status.recorded_by) == (timezone.localdate(), users.team_member)
    event = AdoptionEvent.objects.get()
    assert (event.action, event.recorded_by, event.resident) == ("set", users.team_member, None)
    assert AuditEvent.objects.filter(action="adoption.set", actor=users.team_member).count() == 1
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    tick = next(t for t in page.context["ticks"] if t.item.code == "epayment")
    assert tick.status == status
    html = page.content.decode()
    assert 'name="action" value="unset"' in html
    assert timezone.localdate().strftime("%d/%m/%Y") in html
    assert [e.action for e in page.context["history"]] == ["set"]


def test_ticking_twice_changes_nothing(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    for _round in range(2):
        client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "epayment", "action": "set"})
    assert AdoptionStatus.objects.count() == 1
    assert AdoptionEvent.objects.count() == 1


def test_undo_removes_the_tick_and_keeps_both_in_the_history(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    client = signed_in("team_member")
    client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "epayment", "action": "set"})
    response = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "epayment", "action": "unset"})
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/#i-epayment"
    assert not AdoptionStatus.objects.exists()
    unset, tick = AdoptionEvent.objects.order_by("-id")
    assert (unset.action, unset.undoes, unset.recorded_by) == ("unset", tick, users.team_member)
    assert AuditEvent.objects.filter(action="adoption.unset").count() == 1
    history = signed_in("team_member").get(f"/ho-gia-dinh/{world.an.pk}/").context["history"]
    assert [e.action for e in history] == ["unset", "set"]


def test_a_persons_tick_goes_back_to_the_persons_row(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    client = signed_in("team_member")
    data = {"item": "vneid_level2", "resident": world.hoa.pk, "action": "set"}
    response = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", data)
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/#r{world.hoa.pk}-vneid_level2"
    assert AdoptionStatus.objects.get().resident == world.hoa
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    person_tick = next(t for t in page.context["people"][0].ticks if t.item.code == "vneid_level2")
    assert person_tick.status is not None


def test_a_tick_at_the_wrong_level_is_refused_with_a_message(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    response = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "vneid_level2", "action": "set"})
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/"
    assert len(_messages(response)) == 1
    unknown = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "no_such_item", "action": "set"})
    assert unknown.status_code == 302
    garbled = client.post(f"/ho-gia-dinh/{world.an.pk}/su-dung/", {"item": "epayment", "action": "explode"})
    assert garbled.status_code == 302
    assert not AdoptionStatus.objects.exists()
    assert not AdoptionEvent.objects.exists()


def test_a_get_on_the_tick_url_goes_back_to_the_household(signed_in: Callable[..., Client], world: World) -> None:
    response = signed_in("team_member").get(f"/ho-gia-dinh/{world.an.pk}/su-dung/")
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/"
    assert not AdoptionStatus.objects.exists()


def test_the_detail_page_query_count_does_not_grow_with_people_and_ticks(
    signed_in: Callable[..., Client], users: Users, world: World, django_assert_max_num_queries: Any
) -> None:
    client = signed_in("team_member")
    client.get(f"/ho-gia-dinh/{world.an.pk}/")
    for index in range(6):
        person = services.resident_add(
            actor=users.commune_officer, household=world.an, data=ResidentIn(full_name=f"Người {index}")
        )
        services.adoption_set(
            actor=users.commune_officer, household=world.an, item_code="vneid_level2", resident=person
        )
        services.adoption_unset(
            actor=users.commune_officer, household=world.an, item_code="vneid_level2", resident=person
        )
        services.adoption_set(actor=users.commune_officer, household=world.an, item_code="smartphone", resident=person)
    with django_assert_max_num_queries(10):
        response = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    assert len(response.context["people"]) == 7
    assert len(response.context["history"]) == 18


# -- stopped and erased households are read-only ---------------------------------------------------


def test_a_stopped_household_is_not_shown_nor_changed(
    signed_in: Callable[..., Client], users: Users, world: World
) -> None:
    """Processing stopped (consent withdrawn, restriction): no page shows or changes it (Law 91/2025)."""
    Household.objects.filter(pk=world.an.pk).update(processing_stopped=True)
    before = Household.objects.get(pk=world.an.pk)
    client = signed_in("commune_officer")
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    assert page.status_code == 404
    reason = "Processing of this household's data has stopped (consent withdrawn or restricted)."
    assert escape(_vi(reason)) in page.content.decode()
    base = f"/ho-gia-dinh/{world.an.pk}"
    for url, data in [
        (f"{base}/su-dung/", {"item": "epayment", "action": "set"}),
        (f"{base}/sua/", _household_data(head_name="Đổi Tên")),
        (f"{base}/nhan-khau/moi/", {"full_name": "Người Mới", "relationship": "child"}),
    ]:
        assert client.post(url, data).status_code == 404, url
    after = Household.objects.get(pk=world.an.pk)
    assert (after.head_name, after.version) == (before.head_name, before.version)


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"erased_at": timezone.now()}, "This household's personal data was erased.")],
    ids=["erased"],
)
def test_a_stopped_or_erased_household_is_read_only(
    signed_in: Callable[..., Client], users: Users, world: World, change: dict[str, Any], reason: str
) -> None:
    services.adoption_set(actor=users.commune_officer, household=world.an, item_code="smartphone")
    Household.objects.filter(pk=world.an.pk).update(**change)
    before = Household.objects.get(pk=world.an.pk)
    client = signed_in("commune_officer")
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert escape(_vi(reason)) in html
    assert page.context["can_edit"] is False
    assert "/su-dung/" not in html
    assert f"/ho-gia-dinh/{world.an.pk}/sua/" not in html
    assert "/nhan-khau/moi/" not in html
    base = f"/ho-gia-dinh/{world.an.pk}"
    posts = [
        (f"{base}/su-dung/", {"item": "epayment", "action": "set"}),
        (f"{base}/su-dung/", {"item": "smartphone", "action": "unset"}),
        (f"{base}/sua/", _household_data(head_name="Đổi Tên")),
        (f"{base}/nhan-khau/moi/", {"full_name": "Người Mới", "relationship": "child"}),
        (f"{base}/nhan-khau/{world.hoa.pk}/sua/", {"full_name": "Đổi Tên", "relationship": "spouse"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"] == f"{base}/", url
        assert any(_vi(reason) in message for message in _messages(response)), url
    for url in (f"{base}/sua/", f"{base}/nhan-khau/moi/"):
        assert client.get(url)["Location"] == f"{base}/"
    after = Household.objects.get(pk=world.an.pk)
    assert (after.head_name, after.version) == (before.head_name, before.version)
    assert list(AdoptionStatus.objects.values_list("item__code", flat=True)) == ["smartphone"]
    assert Resident.objects.filter(household=world.an).count() == 1
    assert Resident.objects.get(pk=world.hoa.pk).full_name == "Nguyễn Thị Hoa"


def test_a_stopped_person_is_read_only_in_a_working_household(signed_in: Callable[..., Client], world: World) -> None:
    Resident.objects.filter(pk=world.hoa.pk).update(processing_stopped=True)
    client = signed_in("commune_officer")
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/")
    assert page.context["people"] == []  # no longer shown (name, birth year) nor offered
    assert "Nguyễn Thị Hoa" not in page.content.decode()
    response = client.post(
        f"/ho-gia-dinh/{world.an.pk}/nhan-khau/{world.hoa.pk}/sua/", {"full_name": "X", "relationship": "spouse"}
    )
    assert response.status_code == 404
    assert Resident.objects.get(pk=world.hoa.pk).full_name == "Nguyễn Thị Hoa"


# -- forms -----------------------------------------------------------------------------------------


def test_registering_a_household_goes_through_the_service(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    client = signed_in("team_member")
    form = client.get(f"/ho-gia-dinh/moi/?village={tree.v1.pk}")
    assert form.context["form"].initial["village"] == str(tree.v1.pk)
    assert [label for _pk, label in form.context["form"].fields["village"].choices[1:]] == [tree.v1.name]
    data = _household_data(village=str(tree.v1.pk), phone="+84 903 222 333", caretaker=str(world.caretaker.pk))
    response = client.post("/ho-gia-dinh/moi/", data)
    household = Household.objects.get(head_name="Hoàng Văn Giang")
    assert response["Location"] == f"/ho-gia-dinh/{household.pk}/"
    assert (household.village, household.phone, household.caretaker) == (tree.v1, "0903222333", world.caretaker)
    assert (household.members_count, household.internet, household.created_by) == (3, "mobile", users.team_member)
    assert AuditEvent.objects.filter(action="household.create", actor=users.team_member).exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"adults_count": "5", "members_count": "3"}, "adults_count"),
        ({"phone": "12345"}, "phone"),
        ({"members_count": "99"}, "members_count"),
        ({"head_name": "   "}, "head_name"),
    ],
    ids=["more adults than members", "bad phone", "too many members", "no name"],
)
def test_a_refused_household_shows_the_error_on_the_form_and_writes_nothing(
    signed_in: Callable[..., Client], tree: Tree, world: World, extra: dict[str, str], field: str
) -> None:
    before = Household.objects.count()
    response = signed_in("commune_officer").post("/ho-gia-dinh/moi/", _household_data(village=str(tree.v1.pk)) | extra)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Household.objects.count() == before
    assert (
        not AuditEvent.objects.filter(action="household.create", actor__username="commune_officer")
        .exclude(target_id__in=[str(world.an.pk), str(world.binh.pk)])
        .exists()
    )


def test_a_caretaker_from_another_commune_is_refused(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    team_services.team_propose(
        actor=users.commune_officer, commune=tree.c1, village=tree.v2, members=[MemberIn(full_name="Vũ Thị Lan")]
    )
    response = signed_in("commune_officer").post(
        "/ho-gia-dinh/moi/", _household_data(village=str(tree.v1.pk), caretaker="999999")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["caretaker"]


def test_editing_keeps_a_masked_phone_for_a_team_member(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    page = client.get(f"/ho-gia-dinh/{world.an.pk}/sua/")
    html = page.content.decode()
    assert AN_PHONE not in html
    assert AN_MASKED in html
    response = client.post(f"/ho-gia-dinh/{world.an.pk}/sua/", _household_data(head_name="Nguyễn Văn Ân"))
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/"
    stored = Household.objects.get(pk=world.an.pk)
    assert (stored.head_name, stored.phone, stored.version) == ("Nguyễn Văn Ân", AN_PHONE, world.an.version + 1)
    client.post(f"/ho-gia-dinh/{world.an.pk}/sua/", _household_data(phone="0903 999 888"))
    assert Household.objects.get(pk=world.an.pk).phone == "0903999888"


def test_an_officer_edits_the_full_phone(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    assert client.get(f"/ho-gia-dinh/{world.an.pk}/sua/").context["form"].initial["phone"] == AN_PHONE
    client.post(f"/ho-gia-dinh/{world.an.pk}/sua/", _household_data(head_name="Nguyễn Văn An", phone=""))
    assert Household.objects.get(pk=world.an.pk).phone == ""
    assert AuditEvent.objects.filter(action="household.update").count() == 1


def test_adding_and_editing_a_person(signed_in: Callable[..., Client], users: Users, world: World) -> None:
    client = signed_in("team_member")
    response = client.post(
        f"/ho-gia-dinh/{world.an.pk}/nhan-khau/moi/",
        {"full_name": "Nguyễn Văn Khang", "relationship": "child", "birth_year": "2015", "gender": "male"},
    )
    khang = Resident.objects.get(full_name="Nguyễn Văn Khang")
    assert response["Location"] == f"/ho-gia-dinh/{world.an.pk}/#r{khang.pk}"
    assert (khang.household, khang.birth_year, khang.gender) == (world.an, 2015, "male")
    bad = client.post(f"/ho-gia-dinh/{world.an.pk}/nhan-khau/moi/", {"full_name": "X", "birth_year": "1800"})
    assert bad.status_code == 400
    assert bad.context["form"].errors
    edit = client.get(f"/ho-gia-dinh/{world.an.pk}/nhan-khau/{world.hoa.pk}/sua/")
    assert "0987111222" not in edit.content.decode()  # masked for a team member
    client.post(
        f"/ho-gia-dinh/{world.an.pk}/nhan-khau/{world.hoa.pk}/sua/",
        {"full_name": "Nguyễn Thị Hoà", "relationship": "spouse", "birth_year": "1991"},
    )
    hoa = Resident.objects.get(pk=world.hoa.pk)
    assert (hoa.full_name, hoa.birth_year, hoa.phone) == ("Nguyễn Thị Hoà", 1991, "0987111222")
    assert Resident.objects.filter(household=world.an).count() == 2


# -- coverage (aggregates only) --------------------------------------------------------------------


def test_coverage_shows_registered_against_declared_and_adoption_without_names(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World
) -> None:
    team_services.chat_group_save(
        actor=users.commune_officer, commune=tree.c1, village=tree.v1, platform="zalo", name="Nhóm", households_total=4
    )
    services.adoption_set(actor=users.commune_officer, household=world.an, item_code="epayment")
    services.adoption_set(actor=users.commune_officer, household=world.an, item_code="vneid_level2", resident=world.hoa)
    for name in ("province_officer", "enterprise_partner", "leader", "team_member"):
        response = signed_in(name).get(f"/ho-gia-dinh/do-phu/{tree.c1.pk}/")
        assert response.status_code == 200, name
        rows = {row.village.name: (row.registered, row.declared, row.coverage) for row in response.context["rows"]}
        assert rows == {tree.v1.name: (1, 4, 25.0), tree.v2.name: (1, None, None)}
        assert (response.context["registered"], response.context["declared"], response.context["coverage"]) == (
            2,
            4,
            25.0,
        )
        items = {f.item.code: (f.households, f.people, f.share) for f in response.context["items"]}
        assert items["epayment"] == (1, 0, 50.0)
        assert items["vneid_level2"] == (1, 1, 50.0)
        assert items["village_group"] == (0, 0, 0.0)
        html = response.content.decode()
        for personal in ("Nguyễn Văn An", "Nguyễn Thị Hoa", "Trần Thị Bình", AN_PHONE):
            assert personal not in html
    assert not AuditEvent.objects.filter(action="household.view").exists()


def test_coverage_refuses_other_communes_and_non_communes(
    signed_in: Callable[..., Client], tree: Tree, world: World
) -> None:
    assert signed_in("team_member").get(f"/ho-gia-dinh/do-phu/{tree.c2.pk}/").status_code == 404
    assert signed_in("province_officer").get(f"/ho-gia-dinh/do-phu/{tree.p1.pk}/").status_code == 404
    assert signed_in("province_officer").get(f"/ho-gia-dinh/do-phu/{tree.c3.pk}/").status_code == 404
    assert signed_in("national_admin").get(f"/ho-gia-dinh/do-phu/{tree.c3.pk}/").status_code == 200


def test_coverage_query_count_does_not_grow_with_villages(
    signed_in: Callable[..., Client], tree: Tree, users: Users, world: World, django_assert_max_num_queries: Any
) -> None:
    from cdtt.geo.models import REFORM_DATE, Village

    client = signed_in("province_officer")
    client.get(f"/ho-gia-dinh/do-phu/{tree.c1.pk}/")
    for index in range(8):
        village = Village.objects.create(commune=tree.c1, name=f"Thôn Mới {index}", valid_from=REFORM_DATE)
        services.household_create(actor=users.commune_officer, village=village, data=HouseholdIn(f"Hộ {index}"))
    with django_assert_max_num_queries(11):  # +1: the unread-notices badge
        response = client.get(f"/ho-gia-dinh/do-phu/{tree.c1.pk}/")
    assert len(response.context["rows"]) == 10
