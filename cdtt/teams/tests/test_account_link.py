"""Linking a team member to the account they sign in with."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from cdtt.accounts.models import Role
from cdtt.core.errors import DomainError
from cdtt.core.models import AuditEvent
from cdtt.teams import services
from cdtt.teams.models import Member, MemberRole, Membership, Team
from cdtt.teams.services import MemberIn
from conftest import Tree, Users, make_user


@pytest.fixture
def team(users: Users, tree: Tree) -> Team:
    return services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        members=[MemberIn(full_name="Nguyễn Văn An", role=MemberRole.LEADER), MemberIn(full_name="Trần Thị Bình")],
        joined_on=datetime.date(2026, 1, 5),
    )


def _url(team: Team, name: str) -> str:
    membership = Membership.objects.get(team=team, member__full_name=name)
    return f"/to-cong-nghe/{team.pk}/thanh-vien/{membership.pk}/tai-khoan/"


def test_an_officer_links_a_member_to_their_team_account(
    team: Team, users: Users, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("commune_officer")
    url = _url(team, "Nguyễn Văn An")
    assert client.get(url).status_code == 200
    response = client.post(url, {"account": str(users.team_leader.pk)})
    assert response.status_code == 302
    assert Member.objects.get(full_name="Nguyễn Văn An").user == users.team_leader
    assert AuditEvent.objects.filter(action="member.link").exists()
    assert signed_in("team_leader").get("/to-cong-nghe/cua-toi/").status_code == 200


def test_an_account_without_a_team_role_at_the_village_cannot_be_linked(
    team: Team, users: Users, signed_in: Callable[..., Client]
) -> None:
    response = signed_in("commune_officer").post(_url(team, "Nguyễn Văn An"), {"account": str(users.outsider.pk)})
    assert response.status_code == 400
    assert Member.objects.get(full_name="Nguyễn Văn An").user is None


def test_one_account_is_linked_to_one_member(team: Team, users: Users) -> None:
    first = Membership.objects.get(team=team, member__full_name="Nguyễn Văn An")
    second = Membership.objects.get(team=team, member__full_name="Trần Thị Bình")
    services.member_link_user(actor=users.commune_officer, membership=first, user=users.team_member)
    with pytest.raises(DomainError):
        services.member_link_user(actor=users.commune_officer, membership=second, user=users.team_member)
    assert Member.objects.get(full_name="Trần Thị Bình").user is None


def test_linking_is_scoped(team: Team, users: Users, tree: Tree, signed_in: Callable[..., Client]) -> None:
    url = _url(team, "Trần Thị Bình")
    assert Client().get(url).status_code == 302  # anonymous: to the sign-in page
    assert signed_in("team_leader").get(url).status_code == 403  # a team role does not change rosters
    assert signed_in("enterprise_partner").get(url).status_code == 403
    assert signed_in("outsider").get(url).status_code == 404  # another province's commune officer
    assert signed_in("outsider").post(url, {"account": str(users.team_member.pk)}).status_code == 404
    assert Member.objects.get(full_name="Trần Thị Bình").user is None
    newcomer = make_user("newcomer", role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v1)
    assert signed_in("province_officer").post(url, {"account": str(newcomer.pk)}).status_code == 302
    assert Member.objects.get(full_name="Trần Thị Bình").user == newcomer
