"""Team services: set-up, roster history that answers "who was on the team on date D", decisions."""

from __future__ import annotations

import datetime

import pytest

from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.teams import selectors, services
from cdtt.teams.models import DecisionStatus, Member, MemberRole, Membership, Team, TeamStatus
from cdtt.teams.services import MemberIn
from conftest import Tree, Users
from tests.builders import make_team, sign_decision

D = datetime.date


def _four() -> list[MemberIn]:
    return [
        MemberIn(full_name="Nguyễn Văn An", role=MemberRole.LEADER, phone="0912 345 678", is_village_head=True),
        MemberIn(full_name="Trần Thị Bình", role=MemberRole.DEPUTY, organisation="womens_union", gender="female"),
        MemberIn(full_name="Lê Văn Cường", organisation="youth_union", birth_year=2000),
        MemberIn(full_name="Phạm Thị Dung", organisation="youth_union", phone="+84 987.654.321"),
    ]


JAN_5 = D(2026, 1, 5)


def test_a_commune_officer_sets_up_a_team_with_a_draft_decision(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    assert team.status == TeamStatus.PROPOSED
    assert team.name == "Tổ công nghệ số cộng đồng " + tree.v1.name
    draft = team.decisions.get()
    assert draft.status == DecisionStatus.DRAFT
    assert draft.members[0]["full_name"] == "Nguyễn Văn An"  # leader first
    assert Member.objects.get(full_name="Phạm Thị Dung").phone == "0987654321"
    assert AuditEvent.objects.filter(action="team.propose").exists()


def test_signing_activates_the_team(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    sign_decision(actor=users.commune_officer, decision=team.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 10))
    team.refresh_from_db()
    assert (team.status, team.established_on) == (TeamStatus.ACTIVE, D(2026, 1, 10))


def test_a_village_has_one_open_team(users: Users, tree: Tree) -> None:
    make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    with pytest.raises(DomainError, match=r"đã có|already"):
        services.team_propose(
            actor=users.commune_officer, commune=tree.c1, village=tree.v1, members=[MemberIn(full_name="Ai Đó")]
        )
    assert Team.objects.count() == 1


def test_a_person_is_on_one_team_at_a_time(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    an = Member.objects.get(full_name="Nguyễn Văn An")
    with pytest.raises(DomainError):
        services.team_propose(
            actor=users.commune_officer,
            commune=tree.c1,
            village=tree.v2,
            members=[MemberIn(member_id=an.pk, role=MemberRole.LEADER)],
        )
    assert Team.objects.count() == 1
    assert Membership.objects.filter(team=team).count() == 4


def test_two_leaders_are_refused(users: Users, tree: Tree) -> None:
    with pytest.raises(DomainError):
        services.team_propose(
            actor=users.commune_officer,
            commune=tree.c1,
            village=tree.v1,
            members=[MemberIn(full_name="A", role="leader"), MemberIn(full_name="B", role="leader")],
        )
    assert not Team.objects.exists() and not Member.objects.exists()


def test_the_roster_on_a_date_follows_joins_and_leaves(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four(), joined_on=D(2026, 1, 5))
    cuong = Membership.objects.get(member__full_name="Lê Văn Cường")
    services.member_replace(
        actor=users.commune_officer,
        membership=cuong,
        on=D(2026, 3, 1),
        data=MemberIn(full_name="Vũ Thị Giang", organisation="youth_union"),
    )
    names = lambda day: {m.member.full_name for m in selectors.roster(team=team, day=day)}  # noqa: E731
    assert "Lê Văn Cường" in names(D(2026, 2, 28))
    assert "Vũ Thị Giang" not in names(D(2026, 2, 28))
    assert "Lê Văn Cường" not in names(D(2026, 3, 1))
    assert "Vũ Thị Giang" in names(D(2026, 3, 1))
    assert names(D(2026, 1, 4)) == set()  # before the team existed
    assert len(selectors.roster_history(team=team)) == 5


def test_a_roster_change_drafts_a_decision_that_supersedes_the_signed_one(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    first = sign_decision(
        actor=users.commune_officer, decision=team.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 10)
    )
    dung = Membership.objects.get(member__full_name="Phạm Thị Dung")
    services.member_replace(
        actor=users.commune_officer, membership=dung, on=D(2026, 3, 1), data=MemberIn(full_name="Đỗ Văn Hùng")
    )
    draft = team.decisions.get(status=DecisionStatus.DRAFT)
    assert draft.supersedes == first
    assert "Đỗ Văn Hùng" in [m["full_name"] for m in draft.members]
    assert "Phạm Thị Dung" not in [m["full_name"] for m in draft.members]
    sign_decision(actor=users.commune_officer, decision=draft, number="27/QĐ-UBND", on=D(2026, 3, 2))
    first.refresh_from_db()
    assert first.status == DecisionStatus.SUPERSEDED
    assert "Phạm Thị Dung" in [m["full_name"] for m in first.members]  # history keeps the old roster


def test_a_decision_number_is_used_once_per_commune(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    sign_decision(actor=users.commune_officer, decision=team.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 10))
    other = services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v2,
        members=[MemberIn(full_name="Ngô Văn Khải", role="leader")],
    )
    with pytest.raises(DomainError, match="15/QĐ-UBND"):
        sign_decision(
            actor=users.commune_officer, decision=other.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 11)
        )
    assert other.decisions.get().number == ""


def test_scope_is_checked(users: Users, tree: Tree) -> None:
    with pytest.raises(NotFound):
        services.team_propose(actor=users.outsider, commune=tree.c1, village=tree.v1, members=_four())
    with pytest.raises(Forbidden):
        services.team_propose(actor=users.team_leader, commune=tree.c1, village=tree.v1, members=_four())
    assert not Team.objects.exists()


def test_a_chat_group_needs_an_active_village_of_a_current_commune(users: Users, tree: Tree) -> None:
    tree.v2.valid_to = D(2026, 1, 1)
    tree.v2.save()
    with pytest.raises(DomainError):
        services.chat_group_save(
            actor=users.commune_officer, commune=tree.c1, village=tree.v2, platform="zalo", name="Nhóm cũ"
        )
    with pytest.raises(DomainError):
        services.chat_group_save(
            actor=users.province_officer, commune=tree.p1, village=None, platform="zalo", name="Nhóm tỉnh"
        )
    from cdtt.teams.models import ChatGroup

    assert not ChatGroup.objects.exists()


def test_a_team_stops_at_the_member_limit(users: Users, tree: Tree) -> None:
    members = [MemberIn(full_name=f"Thành viên {n}") for n in range(services.MAX_MEMBERS)]
    team = services.team_propose(actor=users.commune_officer, commune=tree.c1, village=tree.v1, members=members)
    with pytest.raises(DomainError):
        services.member_join(actor=users.commune_officer, team=team, data=MemberIn(full_name="Người thứ 31"))
    assert team.memberships.current().count() == services.MAX_MEMBERS


def test_team_leaders_and_officers_see_phones_in_full_and_members_do_not(users: Users) -> None:
    assert selectors.sees_full_phones(users.commune_officer)
    assert selectors.sees_full_phones(users.team_leader)
    assert not selectors.sees_full_phones(users.team_member)
    assert not selectors.sees_full_phones(users.enterprise_partner)


def test_figures_are_keyed_by_stable_codes(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    sign_decision(actor=users.commune_officer, decision=team.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 10))
    figures = selectors.team_figures(user=users.province_officer, unit=tree.p1)
    assert figures.by_organisation == {"other": 1, "womens_union": 1, "youth_union": 2}
    assert figures.by_gender == {"unknown": 3, "female": 1}
    assert (figures.villages, figures.villages_with_team, figures.teams, figures.members) == (4, 1, 1, 4)
    assert figures.team_coverage == 25.0


def test_members_per_100_residents_come_from_the_household_register(users: Users, tree: Tree) -> None:
    from cdtt.households.models import Household

    team = make_team(actor=users.commune_officer, village=tree.v1, members=_four())
    sign_decision(actor=users.commune_officer, decision=team.decisions.get(), number="15/QĐ-UBND", on=D(2026, 1, 10))
    assert selectors.team_figures(user=users.province_officer, unit=tree.p1).population is None
    for n in range(50):
        Household.objects.create(commune=tree.c1, village=tree.v1, head_name=f"Hộ {n}", members_count=4)
    figures = selectors.team_figures(user=users.province_officer, unit=tree.p1)
    assert figures.population == 200
    assert figures.members_per_100_residents == 2.0  # 4 members for 200 residents
