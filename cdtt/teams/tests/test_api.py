"""The teams API: every endpoint refuses anonymous callers, wrong roles and other units, and serves the right user;
the whole flow from a new team to the public finder; bad input changes nothing."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from cdtt.core.models import AuditEvent
from cdtt.teams import services
from cdtt.teams.models import (
    ChatGroup,
    Decision,
    DecisionStatus,
    Member,
    Membership,
    Team,
    TeamStatus,
)
from cdtt.teams.services import MemberIn
from conftest import PASSWORD, Tree, Users

D = datetime.date
ZALO = "https://zalo.me/g/tdp1-ba-dinh"

FOUR: list[dict[str, Any]] = [
    {
        "full_name": "Nguyễn Văn An",
        "role": "leader",
        "gender": "male",
        "birth_year": 1971,
        "phone": "0912 345 678",
        "organisation": "other",
        "occupation": "Trưởng tổ dân phố",
        "is_village_head": True,
        "publish_phone": True,
    },
    {"full_name": "Trần Thị Bình", "role": "deputy", "gender": "female", "organisation": "womens_union"},
    {"full_name": "Lê Văn Cường", "birth_year": 1994, "phone": "0903 111 222", "organisation": "youth_union"},
    {"full_name": "Phạm Thị Dung", "phone": "+84 977.333.444", "organisation": "youth_union"},
]


def _send(client: Client, method: str, url: str, body: Any = None, **headers: str) -> Any:
    data = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return client.generic(method.upper(), url, data, content_type="application/json", headers=headers)


def _snapshot() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    return (
        list(Team.objects.values_list("id", "status", "established_on")),
        list(Member.objects.values_list("id", "full_name", "phone", "publish_phone")),
        list(Membership.objects.values_list("id", "left_on", "role")),
        list(Decision.objects.values_list("id", "number", "issued_on", "status", "signer_name")),
        list(ChatGroup.objects.values_list("id", "name", "invite_link")),
        AuditEvent.objects.count(),
    )


@dataclass
class World:
    tree: Tree
    users: Users
    team: Team
    decision: Decision  # the team's draft, filled in and ready to sign
    cuong: Membership  # a plain member


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    """A proposed team in V1 (commune C1) with four members and a filled-in draft decision."""
    team = services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        members=[MemberIn(**m) for m in FOUR],
        joined_on=D(2026, 8, 1),
    )
    decision = team.decisions.get()  # type: ignore[attr-defined]
    services.decision_update(
        actor=users.commune_officer,
        decision=decision,
        number="15/QĐ-UBND",
        issued_on=D(2026, 8, 10),
        signer_name="Hoàng Văn Em",
        signer_title="chairman",
        legal_bases=decision.legal_bases,
        proposer=decision.proposer,
        recipients=decision.recipients,
    )
    return World(tree, users, team, decision, Membership.objects.get(member__full_name="Lê Văn Cường"))


# -- the access matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One endpoint: the request (inside C1), who must get 403, who is served, and proof the write happened."""

    name: str
    method: str
    url: Callable[[World], str]
    wrong: tuple[str, ...]
    right: tuple[str, ...]
    ok: int = 200
    body: Callable[[World], Any] = field(default=lambda w: None)
    done: Callable[[World], bool] | None = None  # the write really happened


CASES = [
    Case(
        "list",
        "get",
        lambda w: f"/api/v1/teams?commune_id={w.tree.c1.pk}",
        ("enterprise_partner", "leader"),
        ("team_member", "commune_officer"),
    ),
    Case(
        "figures",
        "get",
        lambda w: f"/api/v1/teams/figures?unit_id={w.tree.c1.pk}",
        ("nobody",),
        ("enterprise_partner", "leader", "commune_officer"),
    ),
    Case(
        "team",
        "get",
        lambda w: f"/api/v1/teams/{w.team.pk}",
        ("enterprise_partner", "leader"),
        ("team_member", "commune_officer"),
    ),
    Case(
        "propose",
        "post",
        lambda w: "/api/v1/teams",
        ("team_member", "team_leader", "enterprise_partner"),
        ("commune_officer", "province_officer"),
        ok=201,
        body=lambda w: {
            "commune_id": w.tree.c1.pk,
            "village_id": w.tree.v2.pk,
            "members": [{"full_name": "Đỗ Văn Hải", "role": "leader"}],
        },
        done=lambda w: Team.objects.filter(village=w.tree.v2).exists(),
    ),
    Case(
        "join",
        "post",
        lambda w: f"/api/v1/teams/{w.team.pk}/members",
        ("team_member", "team_leader"),
        ("commune_officer",),
        body=lambda w: {"full_name": "Vũ Thị Giang", "organisation": "youth_union", "on": "2026-09-01"},
        done=lambda w: Membership.objects.filter(team=w.team, member__full_name="Vũ Thị Giang").exists(),
    ),
    Case(
        "leave",
        "post",
        lambda w: f"/api/v1/teams/{w.team.pk}/members/{w.cuong.pk}/leave",
        ("team_member", "team_leader"),
        ("commune_officer",),
        body=lambda w: {"on": "2026-09-01", "reason": "Chuyển công tác"},
        done=lambda w: Membership.objects.get(pk=w.cuong.pk).left_on == D(2026, 9, 1),
    ),
    Case(
        "replace",
        "post",
        lambda w: f"/api/v1/teams/{w.team.pk}/members/{w.cuong.pk}/replace",
        ("team_member", "team_leader"),
        ("commune_officer",),
        body=lambda w: {"on": "2026-09-01", "reason": "Chuyển công tác", "member": {"full_name": "Vũ Thị Giang"}},
        done=lambda w: Membership.objects.filter(team=w.team, member__full_name="Vũ Thị Giang", left_on=None).exists(),
    ),
    Case(
        "decision",
        "get",
        lambda w: f"/api/v1/decisions/{w.decision.pk}",
        ("enterprise_partner", "leader"),
        ("team_member", "commune_officer"),
    ),
    Case(
        "decision update",
        "patch",
        lambda w: f"/api/v1/decisions/{w.decision.pk}",
        ("team_member", "team_leader"),
        ("commune_officer",),
        body=lambda w: {"number": "16/QĐ-UBND"},
        done=lambda w: Decision.objects.get(pk=w.decision.pk).number == "16/QĐ-UBND",
    ),
    Case(
        "decision sign",
        "post",
        lambda w: f"/api/v1/decisions/{w.decision.pk}/sign",
        ("team_member", "team_leader"),
        ("commune_officer",),
        done=lambda w: Decision.objects.get(pk=w.decision.pk).status == DecisionStatus.SIGNED,
    ),
    Case(
        "village group",
        "put",
        lambda w: f"/api/v1/villages/{w.tree.v1.pk}/chat-group",
        ("team_member", "enterprise_partner"),
        ("commune_officer", "team_leader"),
        body=lambda w: {"platform": "zalo", "name": "Nhóm Zalo TDP số 1", "invite_link": ZALO},
        done=lambda w: ChatGroup.objects.filter(village=w.tree.v1, name="Nhóm Zalo TDP số 1").exists(),
    ),
    Case(
        "commune group",
        "put",
        lambda w: f"/api/v1/communes/{w.tree.c1.pk}/chat-group",
        ("team_member", "enterprise_partner"),
        ("commune_officer",),
        body=lambda w: {"name": "Nhóm chung phường Ba Đình"},
        done=lambda w: ChatGroup.objects.filter(commune=w.tree.c1, village=None).exists(),
    ),
]
WRITES = [c for c in CASES if c.done is not None]


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
    caller = signed_in(role)  # signing in writes its own audit event
    before = _snapshot()
    response = _send(caller, case.method, case.url(world), case.body(world))
    assert response.status_code == 403, response.content
    assert response.json()["detail"] == _("Your role does not allow this action.")
    assert _snapshot() == before


@pytest.mark.parametrize("case", CASES, ids=_ids)
@pytest.mark.dbneutral
def test_an_officer_of_another_province_gets_404(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    caller = signed_in("outsider")
    before = _snapshot()
    response = _send(caller, case.method, case.url(world), case.body(world))
    assert response.status_code == 404, response.content
    assert _snapshot() == before


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in c.right], ids=_ids)
def test_the_right_user_is_served(signed_in: Callable[..., Client], world: World, case: Case, role: str) -> None:
    response = _send(signed_in(role), case.method, case.url(world), case.body(world))
    assert response.status_code == case.ok, response.content
    if case.done is not None:
        assert case.done(world)


def test_every_teams_operation_is_in_the_matrix() -> None:
    from cdtt.teams.api import router

    operations = {
        (method.lower(), route)
        for route, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    assert len(operations) == len(CASES) + 1  # and the public finder endpoint, tested below


def test_the_public_finder_endpoint_needs_no_sign_in(client: Client, world: World) -> None:
    response = client.get(f"/api/v1/public/finder/communes/{world.tree.c1.pk}")
    assert response.status_code == 200
    assert client.get("/api/v1/public/finder/communes/999999").status_code == 404


def test_a_bearer_token_works_like_the_session(client: Client, world: World) -> None:
    raw = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "team_member", "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    response = Client().get(f"/api/v1/teams/{world.team.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["name"] == world.team.name


# -- rosters --------------------------------------------------------------------------------------


def test_the_roster_lists_members_with_their_details(signed_in: Callable[..., Client], world: World) -> None:
    body = signed_in("commune_officer").get(f"/api/v1/teams/{world.team.pk}").json()
    assert (body["status"], body["member_count"], body["commune"], body["village"]) == (
        "proposed",
        4,
        "Phường Ba Đình",
        "Tổ dân phố số 1",
    )
    leader = body["members"][0]
    assert leader == {
        "membership_id": leader["membership_id"],
        "member_id": leader["member_id"],
        "role": "leader",
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "birth_year": 1971,
        "organisation": "other",
        "is_village_head": True,
        "joined_on": "2026-08-01",
        "left_on": None,
        "phone": "0912345678",
    }
    assert [m["role"] for m in body["members"]] == ["leader", "deputy", "member", "member"]
    assert body["decisions"] == [
        {
            "id": world.decision.pk,
            "number": "15/QĐ-UBND",
            "issued_on": "2026-08-10",
            "status": "draft",
            "supersedes_id": None,
        }
    ]


def test_a_team_member_sees_phones_masked(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    phones = [m["phone"] for m in client.get(f"/api/v1/teams/{world.team.pk}").json()["members"]]
    assert phones == ["0912***678", "", "0903***222", "0977***444"]
    snapshot = client.get(f"/api/v1/decisions/{world.decision.pk}").json()["members"]
    assert [m["phone"] for m in snapshot] == ["0912***678", "", "0903***222", "0977***444"]
    assert "0912345678" not in client.get(f"/api/v1/decisions/{world.decision.pk}").content.decode()
    # The team leader's role is more than team_member: phones whole.
    assert signed_in("team_leader").get(f"/api/v1/teams/{world.team.pk}").json()["members"][0]["phone"] == "0912345678"


def test_the_roster_on_a_past_date(signed_in: Callable[..., Client], world: World) -> None:
    services.member_leave(actor=world.users.commune_officer, membership=world.cuong, on=D(2026, 10, 1))
    client = signed_in("commune_officer")
    today = client.get(f"/api/v1/teams/{world.team.pk}").json()
    past = client.get(f"/api/v1/teams/{world.team.pk}?on=2026-09-15").json()
    before = client.get(f"/api/v1/teams/{world.team.pk}?on=2026-07-01").json()
    assert "Lê Văn Cường" not in [m["full_name"] for m in today["members"]]
    assert {m["full_name"]: m["left_on"] for m in past["members"]}["Lê Văn Cường"] == "2026-10-01"
    assert (past["on"], past["member_count"]) == ("2026-09-15", 4)
    assert before["members"] == []
    assert client.get(f"/api/v1/teams/{world.team.pk}?on=15/09/2026").status_code == 422


def test_the_list_filters_and_paginates(
    signed_in: Callable[..., Client], world: World, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    users, tree = world.users, world.tree
    other = services.team_propose(
        actor=users.province_officer,
        commune=tree.c2,
        village=tree.v3,
        members=[MemberIn(full_name="Đỗ Văn Hải")],
        joined_on=D(2026, 8, 1),
    )
    services.team_propose(
        actor=users.province_officer, commune=tree.c2, village=tree.v4, members=[MemberIn(full_name="Ngô Thị Lan")]
    )
    services.team_dissolve(actor=users.province_officer, team=other, on=D(2026, 9, 1))
    client = signed_in("province_officer")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/teams").json()
    assert body["count"] == 2  # dissolved teams only when asked for
    page = client.get("/api/v1/teams?limit=1&offset=1").json()
    assert (page["count"], page["limit"], page["offset"], len(page["results"])) == (2, 1, 1, 1)
    dissolved = client.get("/api/v1/teams?status=dissolved").json()["results"]
    assert [t["id"] for t in dissolved] == [other.pk]
    assert client.get("/api/v1/teams?status=gone").status_code == 422
    c1 = client.get(f"/api/v1/teams?commune_id={tree.c1.pk}").json()["results"]
    assert c1 == [
        {
            "id": world.team.pk,
            "name": "Tổ công nghệ số cộng đồng Tổ dân phố số 1",
            "commune_id": tree.c1.pk,
            "commune": "Phường Ba Đình",
            "village_id": tree.v1.pk,
            "village": "Tổ dân phố số 1",
            "status": "proposed",
            "established_on": None,
            "dissolved_on": None,
            "member_count": 4,
        }
    ]
    # A team member sees their own village's team only.
    assert [t["id"] for t in signed_in("team_member").get("/api/v1/teams").json()["results"]] == [world.team.pk]


def test_figures_are_aggregates_only(signed_in: Callable[..., Client], world: World) -> None:
    services.decision_sign(actor=world.users.commune_officer, decision=world.decision)
    response = signed_in("enterprise_partner").get("/api/v1/teams/figures")
    assert response.status_code == 200
    body = response.json()
    assert (body["unit_id"], body["villages"], body["villages_with_team"], body["teams"], body["members"]) == (
        world.tree.p1.pk,  # by default the unit the role is held at
        4,
        1,
        1,
        4,
    )
    assert sum(body["by_organisation"].values()) == 4
    text = response.content.decode()
    for personal in ["Nguyễn Văn An", "0912345678", "1971"]:
        assert personal not in text


def test_a_membership_of_another_team_is_not_found(signed_in: Callable[..., Client], world: World) -> None:
    other = services.team_propose(
        actor=world.users.commune_officer,
        commune=world.tree.c1,
        village=world.tree.v2,
        members=[MemberIn(full_name="Đỗ Văn Hải")],
    )
    foreign = Membership.objects.get(team=other)
    client = signed_in("commune_officer")
    before = _snapshot()
    response = client.post(
        f"/api/v1/teams/{world.team.pk}/members/{foreign.pk}/leave",
        {"on": "2026-12-01"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert _snapshot() == before


def test_a_team_leader_records_only_their_own_villages_group(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_leader")
    body = {"name": "Nhóm", "invite_link": ZALO}
    assert _send(client, "put", f"/api/v1/villages/{world.tree.v2.pk}/chat-group", body).status_code == 404
    assert _send(client, "put", f"/api/v1/communes/{world.tree.c1.pk}/chat-group", body).status_code == 404
    assert not ChatGroup.objects.exists()


def test_a_common_group_belongs_to_a_current_commune(signed_in: Callable[..., Client], world: World) -> None:
    response = _send(
        signed_in("national_admin"), "put", f"/api/v1/communes/{world.tree.p1.pk}/chat-group", {"name": "Nhóm"}
    )
    assert response.status_code == 404
    assert not ChatGroup.objects.exists()


# -- the full flow --------------------------------------------------------------------------------


def test_from_a_new_team_to_the_public_finder(client: Client, tree: Tree, users: Users) -> None:
    token = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "commune_officer", "password": PASSWORD}),
        content_type="application/json",
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    api = Client()

    created = _send(
        api,
        "post",
        "/api/v1/teams",
        {"commune_id": tree.c1.pk, "village_id": tree.v1.pk, "joined_on": "2026-08-01", "members": FOUR},
        **auth,
    )
    assert created.status_code == 201, created.content
    team = created.json()
    assert (team["status"], team["member_count"]) == ("proposed", 4)
    assert [d["status"] for d in team["decisions"]] == ["draft"]
    draft_id = team["decisions"][0]["id"]

    # The chairman signs: number, date and signer first, then sign.
    patched = _send(
        api,
        "patch",
        f"/api/v1/decisions/{draft_id}",
        {"number": "15/QĐ-UBND", "issued_on": "2026-08-10", "signer_name": "Hoàng Văn Em"},
        **auth,
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["number"], patched.json()["signer_title"]) == ("15/QĐ-UBND", "chairman")
    assert patched.json()["legal_bases"]  # untouched fields keep their defaults
    signed = _send(api, "post", f"/api/v1/decisions/{draft_id}/sign", **auth)
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed"
    team = _send(api, "get", f"/api/v1/teams/{team['id']}", **auth).json()
    assert (team["status"], team["established_on"]) == ("active", "2026-08-10")

    # A member is replaced: a new draft supersedes the signed decision.
    cuong = next(m for m in team["members"] if m["full_name"] == "Lê Văn Cường")
    replaced = _send(
        api,
        "post",
        f"/api/v1/teams/{team['id']}/members/{cuong['membership_id']}/replace",
        {
            "on": "2026-10-01",
            "reason": "Chuyển công tác",
            "member": {"full_name": "Vũ Thị Giang", "organisation": "youth_union"},
        },
        **auth,
    )
    assert replaced.status_code == 200, replaced.content
    team = replaced.json()
    names = [m["full_name"] for m in team["members"]]
    assert "Vũ Thị Giang" in names and "Lê Văn Cường" not in names
    new_draft = next(d for d in team["decisions"] if d["status"] == "draft")
    assert new_draft["supersedes_id"] == draft_id
    snapshot = _send(api, "get", f"/api/v1/decisions/{new_draft['id']}", **auth).json()
    assert {m["full_name"] for m in snapshot["members"]} == {
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Vũ Thị Giang",
        "Phạm Thị Dung",
    }
    assert snapshot["supersedes_id"] == draft_id

    # The village's Zalo group is recorded.
    group = _send(
        api,
        "put",
        f"/api/v1/villages/{tree.v1.pk}/chat-group",
        {
            "platform": "zalo",
            "name": "Nhóm Zalo TDP số 1",
            "invite_link": ZALO,
            "households_in_group": 80,
            "households_total": 100,
        },
        **auth,
    )
    assert group.status_code == 200, group.content
    assert (group.json()["coverage"], group.json()["village_id"]) == (80.0, tree.v1.pk)

    # The public finder shows it, with the leader's phone (they agreed to publish it).
    finder = Client().get(f"/api/v1/public/finder/communes/{tree.c1.pk}").json()
    village = next(v for v in finder["villages"] if v["id"] == tree.v1.pk)
    assert (village["has_team"], village["leader_name"], village["leader_phone"]) == (
        True,
        "Nguyễn Văn An",
        "0912345678",
    )
    assert village["chat_group"]["invite_link"] == ZALO
    html = Client().get(f"/tim-to/xa/{tree.c1.pk}/").content.decode()
    assert "Nguyễn Văn An" in html and "Nhóm Zalo TDP số 1" in html and "Vũ Thị Giang" not in html
    assert Client().get(village["chat_group"]["qr_url"]).status_code == 200


# -- bad input changes nothing --------------------------------------------------------------------


def _post_team(client: Client, tree: Tree, village_id: int, members: list[dict[str, Any]]) -> Any:
    return _send(
        client, "post", "/api/v1/teams", {"commune_id": tree.c1.pk, "village_id": village_id, "members": members}
    )


def test_a_second_team_for_a_village_is_refused(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    before = _snapshot()
    response = _post_team(client, world.tree, world.tree.v1.pk, [{"full_name": "Đỗ Văn Hải"}])
    assert response.status_code == 400
    assert response.json()["detail"] == _("The village already has a team.")
    assert _snapshot() == before


def test_a_person_on_another_team_is_refused(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    an = Member.objects.get(full_name="Nguyễn Văn An")
    before = _snapshot()
    response = _post_team(
        client, world.tree, world.tree.v2.pk, [{"member_id": an.pk, "role": "leader"}, {"full_name": "Đỗ Văn Hải"}]
    )
    assert response.status_code == 400
    assert "Nguyễn Văn An" in response.json()["detail"]
    assert _snapshot() == before
    other = services.team_propose(
        actor=world.users.commune_officer,
        commune=world.tree.c1,
        village=world.tree.v2,
        members=[MemberIn(full_name="Đỗ Văn Hải")],
    )
    before = _snapshot()
    response = _send(client, "post", f"/api/v1/teams/{other.pk}/members", {"member_id": an.pk})
    assert response.status_code == 400
    assert _snapshot() == before


def test_a_decision_number_is_used_once_per_commune(signed_in: Callable[..., Client], world: World) -> None:
    services.decision_sign(actor=world.users.commune_officer, decision=world.decision)
    other = services.team_propose(
        actor=world.users.commune_officer,
        commune=world.tree.c1,
        village=world.tree.v2,
        members=[MemberIn(full_name="Đỗ Văn Hải")],
    )
    draft = other.decisions.get()  # type: ignore[attr-defined]
    client = signed_in("commune_officer")
    before = _snapshot()
    response = _send(client, "patch", f"/api/v1/decisions/{draft.pk}", {"number": "15/QĐ-UBND"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": _("Decision number %(number)s is already used in this commune.") % {"number": "15/QĐ-UBND"},
        "field": "number",
    }
    assert _snapshot() == before


def test_a_signed_decision_cannot_be_changed_or_signed_again(signed_in: Callable[..., Client], world: World) -> None:
    services.decision_sign(actor=world.users.commune_officer, decision=world.decision)
    client = signed_in("commune_officer")
    before = _snapshot()
    assert _send(client, "patch", f"/api/v1/decisions/{world.decision.pk}", {"number": "99/QĐ-UBND"}).status_code == 400
    assert _send(client, "post", f"/api/v1/decisions/{world.decision.pk}/sign").status_code == 400
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("body", "statuses"),
    [
        ('{"commune_id": 1, "members": [', {400, 422}),  # not JSON
        ("[]", {422}),
        ({"village_id": 1, "members": []}, {422}),  # no commune
        ({"commune_id": "Ba Đình", "members": []}, {422}),
        ({"commune_id": 0, "members": [{"full_name": "A", "birth_year": "năm 1990"}]}, {422}),
        ({"commune_id": 0, "members": "Nguyễn Văn An"}, {422}),
    ],
    ids=["syntax", "array", "missing", "text id", "text year", "not a list"],
)
def test_malformed_input_is_refused(
    signed_in: Callable[..., Client], world: World, body: Any, statuses: set[int]
) -> None:
    client = signed_in("commune_officer")
    before = _snapshot()
    if isinstance(body, dict) and body.get("commune_id") == 0:
        body = {**body, "commune_id": world.tree.c1.pk, "village_id": world.tree.v2.pk}
    response = _send(client, "post", "/api/v1/teams", body)
    assert response.status_code in statuses, response.content
    assert response.json()["detail"]
    assert _snapshot() == before


def test_domain_rules_answer_400_with_the_field(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    before = _snapshot()
    no_members = _post_team(client, world.tree, world.tree.v2.pk, [])
    assert (no_members.status_code, no_members.json()["detail"]) == (400, _("Add at least one member."))
    bad_phone = _post_team(client, world.tree, world.tree.v2.pk, [{"full_name": "Đỗ Văn Hải", "phone": "12345"}])
    assert (bad_phone.status_code, bad_phone.json()["field"]) == (400, "phone")
    early = _send(client, "post", f"/api/v1/teams/{world.team.pk}/members/{world.cuong.pk}/leave", {"on": "2026-07-01"})
    assert (early.status_code, early.json()["field"]) == (400, "on")
    link = _send(
        client,
        "put",
        f"/api/v1/villages/{world.tree.v1.pk}/chat-group",
        {"name": "Nhóm", "invite_link": "http://zalo.me/g/x"},
    )
    assert (link.status_code, link.json()["field"]) == (400, "invite_link")
    assert _snapshot() == before


def test_a_dissolved_team_takes_no_new_member(signed_in: Callable[..., Client], world: World) -> None:
    services.team_dissolve(actor=world.users.commune_officer, team=world.team, on=D(2026, 9, 1))
    client = signed_in("commune_officer")
    before = _snapshot()
    response = _send(client, "post", f"/api/v1/teams/{world.team.pk}/members", {"full_name": "Vũ Thị Giang"})
    assert response.status_code == 400
    assert _snapshot() == before
    assert Team.objects.get(pk=world.team.pk).status == TeamStatus.DISSOLVED


def test_the_openapi_description_lists_the_team_endpoints(client: Client, db: None) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) >= {
        "/api/v1/teams",
        "/api/v1/teams/figures",
        "/api/v1/teams/{team_id}",
        "/api/v1/teams/{team_id}/members",
        "/api/v1/teams/{team_id}/members/{membership_id}/leave",
        "/api/v1/teams/{team_id}/members/{membership_id}/replace",
        "/api/v1/decisions/{decision_id}",
        "/api/v1/decisions/{decision_id}/sign",
        "/api/v1/villages/{village_id}/chat-group",
        "/api/v1/communes/{commune_id}/chat-group",
        "/api/v1/public/finder/communes/{commune_id}",
    }
    assert "requestBody" in paths["/api/v1/teams"]["post"]
    assert "security" not in paths["/api/v1/public/finder/communes/{commune_id}"]["get"]
    assert paths["/api/v1/teams/{team_id}"]["get"]["security"]
