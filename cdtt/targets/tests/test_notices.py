"""A new or changed target is told to the people of the unit or team that received it: once per person and
batch (a set, a split, a sheet), never for an unchanged value, never to anyone else."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cdtt.accounts.models import Role, RoleAssignment
from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError, Forbidden
from cdtt.notices.models import NoticeKind, Notification
from cdtt.targets import services as targets
from cdtt.targets.models import PeriodKind, SplitMethod, Target
from cdtt.targets.periods import calendar_period
from cdtt.targets.sheets import Change, Reading, apply_sheet
from cdtt.teams.models import Member, MemberRole, Membership, Team, TeamStatus
from conftest import Tree, Users, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(tree: Tree) -> Any:
    catalog_load()
    return calendar_period(PeriodKind.YEAR, timezone.localdate().year)


@pytest.fixture
def level2(year: Any) -> Indicator:
    return Indicator.objects.get(code="vneid_level2")


def told() -> dict[int, int]:
    """Target notices per recipient."""
    found: dict[int, int] = {}
    for recipient in Notification.objects.filter(kind=NoticeKind.TARGET_ASSIGNED).values_list(
        "recipient_id", flat=True
    ):
        found[recipient] = found.get(recipient, 0) + 1
    return found


def test_a_target_set_for_a_commune_tells_its_officers_only(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=70)
    assert told() == {users.commune_officer.pk: 1}
    notice = Notification.objects.get()
    assert notice.title == f"Chỉ tiêu mới: {level2.name}, {year.name}"
    assert f"{tree.c1.name} — {level2.name}: 70 người" in notice.body
    assert "Giao bởi Cán bộ Tỉnh, Thành phố Hà Nội." in notice.body
    assert notice.url == reverse("targets:unit", args=[tree.c1.pk]) + f"?period={year.pk}&indicator={level2.pk}"
    assert notice.unit_id == tree.c1.pk


def test_a_village_target_tells_the_team_roles_and_the_members_with_an_account(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    team = Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ số 1", status=TeamStatus.ACTIVE)
    account = make_user("member_account", "Thành Viên Có Tài Khoản")
    person = Member.objects.create(commune=tree.c1, full_name="Thành Viên Có Tài Khoản", user=account)
    Membership.objects.create(
        team=team, member=person, role=MemberRole.MEMBER, joined_on=timezone.localdate() - datetime.timedelta(days=9)
    )
    gone = make_user("former_member", "Đã Rời Tổ")
    Membership.objects.create(
        team=team,
        member=Member.objects.create(commune=tree.c1, full_name="Đã Rời Tổ", user=gone),
        joined_on=timezone.localdate() - datetime.timedelta(days=90),
        left_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    targets.target_set(actor=users.commune_officer, subject=tree.v1, indicator=level2, period=year, value=12)
    assert told() == {users.team_leader.pk: 1, users.team_member.pk: 1, account.pk: 1}
    assert (
        Notification.objects.filter(recipient=users.team_member)
        .get()
        .url.startswith(reverse("targets:village", args=[tree.v1.pk]))
    )


def test_an_unchanged_value_tells_nobody_and_a_changed_one_tells_again(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=70)
    Notification.objects.all().delete()  # (the same day's notice would be skipped anyway: prove it is not made)
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value="70")
    assert told() == {}
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=75)
    assert told() == {users.commune_officer.pk: 1}
    assert "75 người" in Notification.objects.get().body


def test_a_split_tells_each_childs_officers_once_and_nobody_else(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    c2_officer = make_user("c2_officer", "Cán bộ Sóc Sơn", role=Role.COMMUNE_OFFICER, unit=tree.c2)
    both = make_user("two_communes", "Cán bộ Hai Xã", role=Role.COMMUNE_OFFICER, unit=tree.c1)
    RoleAssignment.objects.create(user=both, role=Role.COMMUNE_OFFICER, unit=tree.c2)  # a second commune
    make_user("p_partner", "Đối tác", role=Role.ENTERPRISE_PARTNER, unit=tree.c2)
    parent = targets.target_set(actor=users.national_admin, subject=tree.p1, indicator=level2, period=year, value=100)
    # The province's officers and leader hear of the province's target (the enterprise partner does not).
    assert told() == {users.province_officer.pk: 1, users.leader.pk: 1}
    Notification.objects.all().delete()

    targets.target_split(actor=users.province_officer, parent=parent, method=SplitMethod.EVEN)

    # One notice per person for the whole split, even for someone who holds both communes.
    assert told() == {users.commune_officer.pk: 1, c2_officer.pk: 1, both.pk: 1}
    assert users.outsider.pk not in told() and users.team_member.pk not in told()
    mine = Notification.objects.get(recipient=c2_officer)
    assert f"{tree.c2.name} — {level2.name}: 50 người" in mine.body
    assert mine.body.count("—") == 1
    two = Notification.objects.get(recipient=both)
    assert two.title == f"Chỉ tiêu mới cho {year.name}"
    assert two.body.count("—") == 2
    assert two.url == reverse("targets:mine") + f"?period={year.pk}"

    Notification.objects.all().delete()
    targets.target_split(actor=users.province_officer, parent=parent, method=SplitMethod.EVEN)  # the same shares
    assert told() == {}
    targets.target_split(
        actor=users.province_officer, parent=parent, method=SplitMethod.MANUAL, manual={tree.c1.pk: 60, tree.c2.pk: 40}
    )
    assert told() == {users.commune_officer.pk: 1, c2_officer.pk: 1, both.pk: 1}


def test_a_retried_batch_does_not_double_a_notice(tree: Tree, users: Users, year: Any, level2: Indicator) -> None:
    parent = targets.target_set(actor=users.province_officer, subject=tree.p1, indicator=level2, period=year, value=90)
    targets.target_split(actor=users.province_officer, parent=parent, method=SplitMethod.EVEN)
    Target.objects.filter(parent=parent).delete()  # as if the first try's targets were lost, not its notices
    targets.target_split(actor=users.province_officer, parent=parent, method=SplitMethod.EVEN)
    assert told() == {users.leader.pk: 1, users.commune_officer.pk: 1}


def test_a_sheet_of_several_indicators_makes_one_notice_per_person(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    people = Indicator.objects.get(code="people_reached")
    reading = Reading(
        changes=[
            Change(3, tree.c1, level2, None, Decimal(70)),
            Change(3, tree.c1, people, None, Decimal(900)),
            Change(4, tree.c2, level2, None, Decimal(30)),
        ]
    )
    assert apply_sheet(actor=users.province_officer, reading=reading, period=year) == 3
    assert told() == {users.commune_officer.pk: 1}
    notice = Notification.objects.get()
    assert notice.title == f"Chỉ tiêu mới cho {year.name}"
    assert f"{level2.name}: 70 người" in notice.body and f"{people.name}: 900 lượt" in notice.body
    assert notice.url == reverse("targets:unit", args=[tree.c1.pk]) + f"?period={year.pk}"


def test_a_refused_assignment_leaves_no_notice(tree: Tree, users: Users, year: Any, level2: Indicator) -> None:
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=70)
    Notification.objects.all().delete()
    with pytest.raises(Forbidden):
        targets.target_set(actor=users.commune_officer, subject=tree.c1, indicator=level2, period=year, value=80)
    reading = Reading(
        changes=[Change(3, tree.c2, level2, None, Decimal(5)), Change(4, tree.c1, level2, None, Decimal(-1))]
    )
    with pytest.raises(DomainError):
        apply_sheet(actor=users.province_officer, reading=reading, period=year)
    assert told() == {}
