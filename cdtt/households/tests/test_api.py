"""The households API: every endpoint refuses anonymous callers, wrong roles, other villages and other units,
and serves the right user; phones are masked for team members; stale versions get 409; ticks are idempotent;
bad input changes nothing."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.models import AuditEvent
from cdtt.households import services
from cdtt.households.models import AdoptionEvent, AdoptionItem, AdoptionStatus, Household, Resident
from cdtt.households.services import HouseholdIn, ResidentIn
from conftest import PASSWORD, Tree, Users

D = datetime.date
PERSONAL = ("province_officer", "enterprise_partner", "leader", "national_admin")
CONFLICT = "The change conflicts with another change made at the same time. Reload and try again."


def _send(client: Client, method: str, url: str, body: Any = None, **headers: str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return client.generic(method.upper(), url, data, content_type="application/json", headers=headers)


def _snapshot() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was (reads that were refused write no audit event either)."""
    return (
        list(
            Household.objects.values_list("id", "head_name", "phone", "members_count", "version", "processing_stopped")
        ),
        list(Resident.objects.values_list("id", "full_name", "phone", "birth_year")),
        list(AdoptionStatus.objects.values_list("id", "item__code", "resident_id", "reached_on")),
        list(AdoptionEvent.objects.values_list("id", "action")),
        AuditEvent.objects.count(),
    )


@dataclass
class World:
    tree: Tree
    users: Users
    household: Household  # in V1 of C1, with a resident and the smartphone ticked
    resident: Resident
    neighbour: Household  # in V2 of C1: outside the V1 team's village
    neighbour_resident: Resident


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    officer = users.commune_officer
    household = services.household_create(
        actor=officer,
        village=tree.v1,
        data=HouseholdIn(
            consent="verbal",
            head_name="Nguyễn Văn An",
            address="Số 5 ngõ Hòe",
            phone="0912 345 678",
            phone2="0903 111 222",
            members_count=4,
            adults_count=2,
            smartphones=2,
            internet="fibre",
        ),
    )
    resident = services.resident_add(
        actor=officer,
        household=household,
        data=ResidentIn(
            full_name="Trần Thị Bình", birth_year=1990, gender="female", relationship="spouse", phone="0977333444"
        ),
    )
    services.adoption_set(actor=officer, household=household, item_code="smartphone", reached_on=D(2025, 9, 1))
    neighbour = services.household_create(
        actor=officer, village=tree.v2, data=HouseholdIn(head_name="Lê Văn Cường", consent="verbal")
    )
    neighbour_resident = services.resident_add(
        actor=officer, household=neighbour, data=ResidentIn(full_name="Lê Thị Dịu")
    )
    return World(
        tree,
        users,
        Household.objects.get(pk=household.pk),
        resident,
        Household.objects.get(pk=neighbour.pk),
        neighbour_resident,
    )


# -- the access matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One endpoint: the request inside V1 (and the same one aimed at V2), who gets 403, who is served."""

    name: str
    method: str
    url: Callable[[World], str]
    wrong: tuple[str, ...]
    right: tuple[str, ...]
    ok: int = 200
    body: Callable[[World], Any] = field(default=lambda w: None)
    done: Callable[[World], bool] | None = None  # the write really happened
    elsewhere: Callable[[World], tuple[str, Any]] | None = None  # the request aimed at V2: (url, body)
    scoped: bool = True  # the outsider gets 404 (False: data without a unit, such as the catalogue)


CASES = [
    Case(
        "list",
        "get",
        lambda w: f"/api/v1/households?village_id={w.tree.v1.pk}",
        PERSONAL,
        ("team_member", "team_leader", "commune_officer"),
        elsewhere=lambda w: (f"/api/v1/households?village_id={w.tree.v2.pk}", None),
    ),
    Case(
        "detail",
        "get",
        lambda w: f"/api/v1/households/{w.household.pk}",
        PERSONAL,
        ("team_member", "team_leader", "commune_officer"),
        elsewhere=lambda w: (f"/api/v1/households/{w.neighbour.pk}", None),
    ),
    Case(
        "create",
        "post",
        lambda w: "/api/v1/households",
        PERSONAL,
        ("team_member", "commune_officer"),
        ok=201,
        body=lambda w: {
            "village_id": w.tree.v1.pk,
            "head_name": "Phạm Thị Dung",
            "phone": "0904 555 666",
            "consent": "paper",
        },
        done=lambda w: Household.objects.filter(village=w.tree.v1, head_name="Phạm Thị Dung").exists(),
        elsewhere=lambda w: ("/api/v1/households", {"village_id": w.tree.v2.pk, "head_name": "Phạm Thị Dung"}),
    ),
    Case(
        "update",
        "patch",
        lambda w: f"/api/v1/households/{w.household.pk}",
        PERSONAL,
        ("team_member", "commune_officer"),
        body=lambda w: {"version": w.household.version, "members_count": 5},
        done=lambda w: Household.objects.get(pk=w.household.pk).members_count == 5,
        elsewhere=lambda w: (
            f"/api/v1/households/{w.neighbour.pk}",
            {"version": w.neighbour.version, "members_count": 5},
        ),
    ),
    Case(
        "resident add",
        "post",
        lambda w: f"/api/v1/households/{w.household.pk}/residents",
        PERSONAL,
        ("team_member", "commune_officer"),
        ok=201,
        body=lambda w: {"full_name": "Nguyễn Văn Cả", "relationship": "child", "birth_year": 2012},
        done=lambda w: Resident.objects.filter(household=w.household, full_name="Nguyễn Văn Cả").exists(),
        elsewhere=lambda w: (f"/api/v1/households/{w.neighbour.pk}/residents", {"full_name": "Nguyễn Văn Cả"}),
    ),
    Case(
        "resident update",
        "patch",
        lambda w: f"/api/v1/households/{w.household.pk}/residents/{w.resident.pk}",
        PERSONAL,
        ("team_member", "commune_officer"),
        body=lambda w: {"birth_year": 1991},
        done=lambda w: Resident.objects.get(pk=w.resident.pk).birth_year == 1991,
        elsewhere=lambda w: (
            f"/api/v1/households/{w.neighbour.pk}/residents/{w.neighbour_resident.pk}",
            {"birth_year": 1991},
        ),
    ),
    Case(
        "tick",
        "put",
        lambda w: f"/api/v1/households/{w.household.pk}/adoption/epayment",
        PERSONAL,
        ("team_member", "commune_officer"),
        body=lambda w: {"reached_on": "2025-10-01"},
        done=lambda w: AdoptionStatus.objects.filter(household=w.household, item__code="epayment").exists(),
        elsewhere=lambda w: (f"/api/v1/households/{w.neighbour.pk}/adoption/epayment", {}),
    ),
    Case(
        "untick",
        "delete",
        lambda w: f"/api/v1/households/{w.household.pk}/adoption/smartphone",
        PERSONAL,
        ("team_member", "commune_officer"),
        ok=204,
        done=lambda w: not AdoptionStatus.objects.filter(household=w.household, item__code="smartphone").exists(),
        elsewhere=lambda w: (f"/api/v1/households/{w.neighbour.pk}/adoption/smartphone", None),
    ),
    Case(
        "catalogue",
        "get",
        lambda w: "/api/v1/adoption-items",
        ("nobody",),
        ("team_member", "province_officer", "enterprise_partner", "leader"),
        scoped=False,
    ),
    Case(
        "figures",
        "get",
        lambda w: f"/api/v1/households/figures?unit_id={w.tree.c1.pk}",
        ("nobody",),
        ("province_officer", "enterprise_partner", "leader", "commune_officer", "team_member"),
    ),
]
IN_VILLAGE = [c for c in CASES if c.elsewhere is not None]


def _ids(value: Any) -> str:
    return value.name if isinstance(value, Case) else str(value)


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.dbneutral
def test_anonymous_gets_401(client: Client, world: World, case: Case) -> None:
    before = _snapshot()
    response = _send(client, case.method, case.url(world), case.body(world))
    assert response.status_code == 401
    assert response.json()["detail"]
    assert _snapshot() == before


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in c.wrong], ids=_ids)
@pytest.mark.dbneutral
def test_a_role_without_the_permission_gets_403(
    signed_in: Callable[..., Client], world: World, case: Case, role: str
) -> None:
    caller = signed_in(role)
    before = _snapshot()
    response = _send(caller, case.method, case.url(world), case.body(world))
    assert response.status_code == 403, response.content
    assert response.json()["detail"] == _("Your role does not allow this action.")
    assert _snapshot() == before


@pytest.mark.parametrize("case", [c for c in CASES if c.scoped], ids=_ids)
@pytest.mark.dbneutral
def test_an_officer_of_another_province_gets_404(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    caller = signed_in("outsider")
    before = _snapshot()
    response = _send(caller, case.method, case.url(world), case.body(world))
    assert response.status_code == 404, response.content
    assert _snapshot() == before


@pytest.mark.parametrize("case", IN_VILLAGE, ids=_ids)
@pytest.mark.dbneutral
def test_a_team_member_of_another_village_gets_404(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    assert case.elsewhere is not None
    url, body = case.elsewhere(world)
    caller = signed_in("team_member")
    before = _snapshot()
    response = _send(caller, case.method, url, body)
    assert response.status_code == 404, response.content
    assert _snapshot() == before
    # The commune officer reaches the same household: the 404 came from the village, not from the request.
    assert _send(signed_in("commune_officer"), case.method, url, body).status_code == case.ok


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in c.right], ids=_ids)
def test_the_right_user_is_served(signed_in: Callable[..., Client], world: World, case: Case, role: str) -> None:
    response = _send(signed_in(role), case.method, case.url(world), case.body(world))
    assert response.status_code == case.ok, response.content
    if case.done is not None:
        assert case.done(world)


def test_every_households_operation_is_in_the_matrix() -> None:
    from cdtt.households.api import router

    operations = {
        (method.lower(), route)
        for route, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    assert len(operations) == len(CASES)


def test_missing_and_foreign_households_give_the_same_404(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    foreign = client.get(f"/api/v1/households/{world.neighbour.pk}")
    missing = client.get("/api/v1/households/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_a_bearer_token_works_like_the_session(client: Client, world: World) -> None:
    raw = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "team_leader", "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    response = Client().get(f"/api/v1/households/{world.household.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["head_name"] == "Nguyễn Văn An"


# -- reads ----------------------------------------------------------------------------------------


def test_the_detail_lists_residents_ticks_and_history(signed_in: Callable[..., Client], world: World) -> None:
    services.adoption_set(
        actor=world.users.commune_officer,
        household=world.household,
        item_code="vneid_level2",
        resident=world.resident,
        reached_on=D(2025, 9, 15),
    )
    services.adoption_unset(actor=world.users.commune_officer, household=world.household, item_code="smartphone")
    response = signed_in("commune_officer").get(f"/api/v1/households/{world.household.pk}")
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k] for k in ("head_name", "phone", "phone2", "internet", "village_id", "commune_id", "version")
    } == {
        "head_name": "Nguyễn Văn An",
        "phone": "0912345678",
        "phone2": "0903111222",
        "internet": "fibre",
        "village_id": world.tree.v1.pk,
        "commune_id": world.tree.c1.pk,
        "version": Household.objects.get(pk=world.household.pk).version,
    }
    assert (body["processing_stopped"], body["erased"]) == (False, False)
    assert body["residents"] == [
        {
            "id": world.resident.pk,
            "household_id": world.household.pk,
            "full_name": "Trần Thị Bình",
            "birth_year": 1990,
            "gender": "female",
            "relationship": "spouse",
            "phone": "0977333444",
            "processing_stopped": False,
            "erased": False,
        }
    ]
    assert body["adoptions"] == [{"item": "vneid_level2", "resident_id": world.resident.pk, "reached_on": "2025-09-15"}]
    assert body["reached"] == ["vneid_level2"]
    unset, tick_vneid, tick_phone = body["events"]  # newest first
    assert (unset["action"], unset["item"], unset["undoes_id"]) == ("unset", "smartphone", tick_phone["id"])
    assert (tick_vneid["action"], tick_vneid["reached_on"], tick_vneid["resident_id"]) == (
        "set",
        "2025-09-15",
        world.resident.pk,
    )
    assert tick_phone["recorded_by"] == "Cán bộ Xã"
    assert datetime.datetime.fromisoformat(tick_phone["recorded_at"])


def test_reading_a_household_is_audited(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    before = AuditEvent.objects.filter(action="household.view").count()
    client.get(f"/api/v1/households/{world.household.pk}")
    event = AuditEvent.objects.filter(action="household.view").latest("id")
    assert AuditEvent.objects.filter(action="household.view").count() == before + 1
    assert (event.actor_id, event.target_id) == (world.users.team_member.pk, str(world.household.pk))


def test_the_history_shows_the_last_fifty_events(signed_in: Callable[..., Client], world: World) -> None:
    officer = world.users.commune_officer
    for _round in range(26):
        services.adoption_set(actor=officer, household=world.household, item_code="epayment")
        services.adoption_unset(actor=officer, household=world.household, item_code="epayment")
    events = signed_in("commune_officer").get(f"/api/v1/households/{world.household.pk}").json()["events"]
    assert len(events) == 50
    assert events[0]["action"] == "unset"
    assert events[0]["id"] == AdoptionEvent.objects.filter(household=world.household).first().pk  # type: ignore[union-attr]


def test_a_team_member_sees_phones_masked(signed_in: Callable[..., Client], world: World) -> None:
    member = signed_in("team_member")
    row = member.get("/api/v1/households").json()["results"][0]
    assert row["phone"] == "0912***678"
    detail = member.get(f"/api/v1/households/{world.household.pk}")
    body = detail.json()
    assert (body["phone"], body["phone2"], body["residents"][0]["phone"]) == (
        "0912***678",
        "0903***222",
        "0977***444",
    )
    for whole in ["0912345678", "0903111222", "0977333444"]:
        assert whole not in detail.content.decode()
    created = _send(
        member,
        "post",
        "/api/v1/households",
        {"village_id": world.tree.v1.pk, "head_name": "B", "phone": "0904555666", "consent": "paper"},
    )
    assert created.json()["phone"] == "0904***666"
    assert Household.objects.get(pk=created.json()["id"]).phone == "0904555666"
    # A team leader and the commune officer see them whole.
    for name in ["team_leader", "commune_officer"]:
        rows = signed_in(name).get(f"/api/v1/households?village_id={world.tree.v1.pk}").json()["results"]
        assert {r["phone"] for r in rows} == {"0912345678", "0904555666"}


def test_the_list_rows(signed_in: Callable[..., Client], world: World) -> None:
    services.adoption_set(
        actor=world.users.commune_officer, household=world.household, item_code="vneid_level2", resident=world.resident
    )
    rows = signed_in("commune_officer").get(f"/api/v1/households?village_id={world.tree.v1.pk}").json()["results"]
    assert rows == [
        {
            "id": world.household.pk,
            "village_id": world.tree.v1.pk,
            "head_name": "Nguyễn Văn An",
            "address": "Số 5 ngõ Hòe",
            "phone": "0912345678",
            "members_count": 4,
            "adults_count": 2,
            "smartphones": 2,
            "internet": "fibre",
            "is_business": False,
            "caretaker_id": None,
            "version": Household.objects.get(pk=world.household.pk).version,
            "reached": ["smartphone", "vneid_level2"],
        }
    ]


def test_the_list_filters_and_paginates(
    signed_in: Callable[..., Client], world: World, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    officer = world.users.commune_officer
    for name in ["Bùi Thị Hạnh", "Đỗ Văn Hải", "Vũ Văn Khoa"]:
        household = services.household_create(actor=officer, village=world.tree.v1, data=HouseholdIn(head_name=name))
        services.adoption_set(actor=officer, household=household, item_code="epayment")
    client = signed_in("commune_officer")
    with django_assert_max_num_queries(10):
        body = client.get("/api/v1/households").json()
    assert body["count"] == 5
    page = client.get("/api/v1/households?limit=2&offset=2").json()
    assert (page["count"], page["limit"], page["offset"], len(page["results"])) == (5, 2, 2, 2)
    assert client.get("/api/v1/households?limit=1000").json()["limit"] == 100

    def names(query: str) -> list[str]:
        response = client.get(f"/api/v1/households?{query}")
        assert response.status_code == 200, response.content
        return [r["head_name"] for r in response.json()["results"]]

    assert names(f"village_id={world.tree.v2.pk}") == ["Lê Văn Cường"]
    assert names("q=do van") == ["Đỗ Văn Hải"]
    assert names("q=0912 345") == ["Nguyễn Văn An"]
    assert names("has_item=smartphone") == ["Nguyễn Văn An"]
    assert set(names("missing_item=epayment")) == {"Nguyễn Văn An", "Lê Văn Cường"}
    assert names("missing_item=epayment&has_item=smartphone") == ["Nguyễn Văn An"]
    bad = client.get("/api/v1/households?has_item=no_such_item")
    assert (bad.status_code, bad.json()["field"]) == (400, "item")
    assert client.get("/api/v1/households?village_id=thon").status_code == 422
    assert client.get(f"/api/v1/households?village_id={world.tree.v5.pk}").status_code == 404


def test_the_list_logs_which_households_it_showed(signed_in: Callable[..., Client], world: World) -> None:
    signed_in("team_member").get("/api/v1/households")
    event = AuditEvent.objects.filter(action="household.list").get()
    assert (event.actor_id, event.unit_id) == (world.users.team_member.pk, world.tree.c1.pk)
    assert event.details["households"] == [world.household.pk]


def test_the_list_leaves_out_erased_households(signed_in: Callable[..., Client], world: World) -> None:
    Household.objects.filter(pk=world.household.pk).update(erased_at=timezone.now())
    rows = signed_in("commune_officer").get("/api/v1/households").json()["results"]
    assert [r["id"] for r in rows] == [world.neighbour.pk]


def test_the_catalogue(signed_in: Callable[..., Client], world: World) -> None:
    AdoptionItem.objects.filter(code="digital_signature").update(is_active=False)
    items = signed_in("leader").get("/api/v1/adoption-items").json()
    assert items[0] == {"code": "smartphone", "name": "Có điện thoại thông minh", "applies_to": "both", "order": 1}
    codes = [i["code"] for i in items]
    assert "digital_signature" not in codes
    assert codes == list(AdoptionItem.objects.filter(is_active=True).order_by("order").values_list("code", flat=True))


def test_figures_are_aggregates_only(signed_in: Callable[..., Client], world: World) -> None:
    services.adoption_set(
        actor=world.users.commune_officer, household=world.household, item_code="vneid_level2", resident=world.resident
    )
    response = signed_in("province_officer").get("/api/v1/households/figures")
    assert response.status_code == 200
    body = response.json()
    assert (body["unit_id"], body["unit"], body["households"]) == (world.tree.p1.pk, "Thành phố Hà Nội", 2)
    assert body["items"]["smartphone"] == {"households": 1, "people": 0}
    assert body["items"]["vneid_level2"] == {"households": 1, "people": 1}
    assert body["items"]["epayment"] == {"households": 0, "people": 0}
    assert set(body["items"]) == set(AdoptionItem.objects.filter(is_active=True).values_list("code", flat=True))
    text = response.content.decode()
    for personal in ["Nguyễn Văn An", "Trần Thị Bình", "0912345678", "Hòe"]:
        assert personal not in text
    other = signed_in("province_officer").get(f"/api/v1/households/figures?unit_id={world.tree.p2.pk}")
    assert other.status_code == 404
    c2 = signed_in("leader").get(f"/api/v1/households/figures?unit_id={world.tree.c2.pk}").json()
    assert c2["households"] == 0


# -- writes ---------------------------------------------------------------------------------------


def test_a_household_is_created_with_normal_values(signed_in: Callable[..., Client], world: World) -> None:
    response = _send(
        signed_in("commune_officer"),
        "post",
        "/api/v1/households",
        {
            "village_id": world.tree.v1.pk,
            "head_name": "  Phạm   Thị Dung ",
            "phone": "+84 904.555.666",
            "consent": "paper",
            "members_count": 3,
            "adults_count": 2,
            "internet": "mobile",
            "is_business": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["head_name"], body["phone"], body["version"], body["is_business"]) == (
        "Phạm Thị Dung",
        "0904555666",
        1,
        True,
    )
    assert (body["residents"], body["adoptions"], body["events"]) == ([], [], [])
    assert AuditEvent.objects.filter(action="household.create", target_id=str(body["id"])).exists()


def test_an_update_changes_only_the_fields_sent(signed_in: Callable[..., Client], world: World) -> None:
    version = world.household.version
    response = _send(
        signed_in("team_member"),
        "patch",
        f"/api/v1/households/{world.household.pk}",
        {"version": version, "address": "Số 7 ngõ Hòe", "members_count": None, "adults_count": None},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == version + 1
    stored = Household.objects.get(pk=world.household.pk)
    assert (stored.address, stored.members_count, stored.version) == ("Số 7 ngõ Hòe", None, version + 1)
    assert (stored.head_name, stored.phone, stored.phone2, stored.internet, stored.smartphones) == (
        "Nguyễn Văn An",
        "0912345678",  # the team member saw it masked, and it stays whole
        "0903111222",
        "fibre",
        2,
    )


def test_a_stale_version_gets_409_and_changes_nothing(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    url = f"/api/v1/households/{world.household.pk}"
    first = _send(client, "patch", url, {"version": world.household.version, "members_count": 5})
    assert first.status_code == 200
    before = _snapshot()
    stale = _send(client, "patch", url, {"version": world.household.version, "members_count": 6})
    assert stale.status_code == 409
    assert stale.json() == {"detail": _(CONFLICT), "version": world.household.version + 1}
    assert stale.json()["detail"] != CONFLICT  # said in Vietnamese
    assert _snapshot() == before
    resident = _send(
        client,
        "patch",
        f"{url}/residents/{world.resident.pk}",
        {"version": world.household.version, "birth_year": 1992},
    )
    assert resident.status_code == 409
    assert _snapshot() == before
    again = _send(client, "patch", url, {"version": first.json()["version"], "members_count": 6})
    assert again.status_code == 200


def test_a_version_is_required_to_update(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    before = _snapshot()
    response = _send(client, "patch", f"/api/v1/households/{world.household.pk}", {"members_count": 6})
    assert response.status_code == 422
    assert _snapshot() == before


def test_residents_are_added_and_changed(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    version = Household.objects.get(pk=world.household.pk).version
    added = _send(
        client,
        "post",
        f"/api/v1/households/{world.household.pk}/residents",
        {"full_name": "Nguyễn Văn Cả", "birth_year": 2012, "relationship": "child", "phone": "0904 555 666"},
    )
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["full_name"], body["phone"], body["household_version"]) == ("Nguyễn Văn Cả", "0904***666", version + 1)
    changed = _send(
        client,
        "patch",
        f"/api/v1/households/{world.household.pk}/residents/{body['id']}",
        {"version": version + 1, "gender": "male"},
    )
    assert changed.status_code == 200, changed.content
    resident = Resident.objects.get(pk=body["id"])
    assert (resident.gender, resident.birth_year, resident.phone, resident.relationship) == (
        "male",
        2012,
        "0904555666",
        "child",
    )
    assert changed.json()["household_version"] == version + 2


def test_a_resident_of_another_household_is_not_found(signed_in: Callable[..., Client], world: World) -> None:
    other = services.household_create(actor=world.users.commune_officer, village=world.tree.v1, data=HouseholdIn("B"))
    client = signed_in("commune_officer")
    before = _snapshot()
    patched = _send(client, "patch", f"/api/v1/households/{other.pk}/residents/{world.resident.pk}", {"gender": "male"})
    ticked = _send(
        client, "put", f"/api/v1/households/{other.pk}/adoption/vneid_level2", {"resident_id": world.resident.pk}
    )
    unticked = _send(
        client, "delete", f"/api/v1/households/{other.pk}/adoption/vneid_level2?resident_id={world.resident.pk}"
    )
    assert (patched.status_code, ticked.status_code, unticked.status_code) == (404, 404, 404)
    assert _snapshot() == before


def test_ticking_is_idempotent(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    url = f"/api/v1/households/{world.household.pk}/adoption/vneid_level2"
    body = {"resident_id": world.resident.pk, "reached_on": "2025-10-02"}
    first = _send(client, "put", url, body)
    assert first.status_code == 200, first.content
    second = _send(client, "put", url, body)
    assert second.status_code == 200
    assert first.json() == second.json()
    assert first.json() == {
        "item": "vneid_level2",
        "resident_id": world.resident.pk,
        "reached_on": "2025-10-02",
        "household_version": Household.objects.get(pk=world.household.pk).version,
    }
    assert AdoptionStatus.objects.filter(item__code="vneid_level2").count() == 1
    assert AdoptionEvent.objects.filter(item__code="vneid_level2").count() == 1


def test_unticking_is_idempotent(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    url = f"/api/v1/households/{world.household.pk}/adoption/smartphone"
    first = _send(client, "delete", url)
    version = Household.objects.get(pk=world.household.pk).version
    second = _send(client, "delete", url)
    assert (first.status_code, second.status_code) == (204, 204)
    assert not AdoptionStatus.objects.filter(household=world.household).exists()
    unset = AdoptionEvent.objects.filter(action="unset").get()
    assert unset.undoes == AdoptionEvent.objects.get(action="set", item__code="smartphone")
    assert Household.objects.get(pk=world.household.pk).version == version


def test_a_person_level_tick_is_undone_for_that_person(signed_in: Callable[..., Client], world: World) -> None:
    services.adoption_set(
        actor=world.users.commune_officer, household=world.household, item_code="vneid_level2", resident=world.resident
    )
    client = signed_in("team_member")
    url = f"/api/v1/households/{world.household.pk}/adoption/vneid_level2"
    without = _send(client, "delete", url)  # the household itself cannot hold a person-level item
    assert without.status_code == 400
    assert _send(client, "delete", f"{url}?resident_id={world.resident.pk}").status_code == 204
    assert not AdoptionStatus.objects.filter(item__code="vneid_level2").exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("vneid_level2", {}, None),  # a person's item, for the household
        ("ecommerce_stall", {"resident_id": 0}, None),  # the household's item, for a person
        ("no_such_item", {}, "item"),
        ("epayment", {"reached_on": "tomorrow"}, "reached_on"),
    ],
    ids=["person item", "household item", "unknown", "future"],
)
def test_a_tick_that_does_not_apply_gets_400(
    signed_in: Callable[..., Client], world: World, path: str, body: dict[str, Any], field: str | None
) -> None:
    if "resident_id" in body:
        body = {"resident_id": world.resident.pk}
    if body.get("reached_on") == "tomorrow":
        body = {"reached_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}
    client = signed_in("team_member")
    before = _snapshot()
    response = _send(client, "put", f"/api/v1/households/{world.household.pk}/adoption/{path}", body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("change", "message", "status"),
    [
        (  # no longer used at all: not found, with the reason
            {"processing_stopped": True},
            "Processing of this household's data has stopped (consent withdrawn or restricted).",
            404,
        ),
        (
            {"erased_at": datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)},
            "This household's personal data was erased.",
            400,
        ),
    ],
    ids=["stopped", "erased"],
)
def test_a_household_whose_processing_stopped_takes_no_write(
    signed_in: Callable[..., Client], world: World, change: dict[str, Any], message: str, status: int
) -> None:
    Household.objects.filter(pk=world.household.pk).update(**change)
    client = signed_in("commune_officer")
    base = f"/api/v1/households/{world.household.pk}"
    before = _snapshot()
    for method, url, body in [
        ("patch", base, {"version": world.household.version, "members_count": 5}),
        ("post", f"{base}/residents", {"full_name": "Nguyễn Văn Cả"}),
        ("patch", f"{base}/residents/{world.resident.pk}", {"birth_year": 1991}),
        ("put", f"{base}/adoption/epayment", {}),
        ("delete", f"{base}/adoption/smartphone", None),
    ]:
        response = _send(client, method, url, body)
        assert response.status_code == status, (method, url, response.content)
        assert response.json()["detail"] == _(message)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("method", "body", "statuses"),
    [
        ("post", '{"village_id": 1, "head_name": ', {400, 422}),  # not JSON
        ("post", "[]", {422}),
        ("post", {"head_name": "Phạm Thị Dung"}, {422}),  # no village
        ("post", {"village_id": "Tổ 1", "head_name": "A"}, {422}),
        ("post", {"village_id": 0, "head_name": "A", "members_count": "bốn"}, {422}),
        ("post", {"village_id": 0, "head_name": "A", "members_count": 3, "adults_count": 5}, {400}),
        ("post", {"village_id": 0, "head_name": "A", "internet": "vệ tinh"}, {400}),
        ("post", {"village_id": 0, "head_name": "A", "phone": "12345"}, {400}),
        ("patch", '{"version": 1, ', {400, 422}),
        ("patch", {"version": "mới nhất"}, {422}),
        ("patch", {"version": 0, "adults_count": 9}, {400}),
        ("put", '{"reached_on": ', {400, 422}),
        ("put", {"reached_on": "01/10/2025"}, {422}),
        ("put", {"resident_id": "Bình"}, {422}),
    ],
    ids=[
        "syntax",
        "array",
        "no village",
        "text village",
        "text count",
        "adults",
        "internet",
        "phone",
        "patch syntax",
        "text version",
        "patch adults",
        "put syntax",
        "date format",
        "text resident",
    ],
)
def test_malformed_input_is_refused(
    signed_in: Callable[..., Client], world: World, method: str, body: Any, statuses: set[int]
) -> None:
    client = signed_in("commune_officer")
    url = {
        "post": "/api/v1/households",
        "patch": f"/api/v1/households/{world.household.pk}",
        "put": f"/api/v1/households/{world.household.pk}/adoption/epayment",
    }[method]
    if isinstance(body, dict) and body.get("village_id") == 0:
        body = {**body, "village_id": world.tree.v1.pk}
    if isinstance(body, dict) and body.get("version") == 0:
        body = {**body, "version": world.household.version}
    before = _snapshot()
    response = _send(client, method, url, body)
    assert response.status_code in statuses, response.content
    assert response.json()["detail"]
    assert _snapshot() == before


def test_the_openapi_description_lists_the_household_endpoints(client: Client, db: None) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {
        "/api/v1/households",
        "/api/v1/households/figures",
        "/api/v1/households/{household_id}",
        "/api/v1/households/{household_id}/residents",
        "/api/v1/households/{household_id}/residents/{resident_id}",
        "/api/v1/households/{household_id}/adoption/{item_code}",
        "/api/v1/adoption-items",
        "/api/v1/teams",  # the other routers are still there
    }
    assert set(paths["/api/v1/households/{household_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/households/{household_id}/adoption/{item_code}"]) == {"put", "delete"}
    assert "requestBody" in paths["/api/v1/households"]["post"]
    assert "409" in paths["/api/v1/households/{household_id}"]["patch"]["responses"]
    assert paths["/api/v1/households/figures"]["get"]["security"]
