"""Test builders: one way to make a user with a role, a team, a signed decision, a household.

Importable from every app's tests (``from tests.builders import make_team``). Teams, decisions and households
are made through the services an officer uses, so a test starts from what the platform itself makes; the
test keeps the data it asserts on (names, phones, dates) visible at the call.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils import timezone

from cdtt.accounts.models import RoleAssignment, User
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn, household_create
from cdtt.teams import services as team_services
from cdtt.teams.models import Decision, Member, Membership, Team, TeamStatus
from cdtt.teams.services import MemberIn
from cdtt.training import services as training
from cdtt.training.models import Course, Session

PASSWORD = "mật-khẩu-thử-nghiệm-2025"
TEAM_JOINED = datetime.date(2026, 1, 5)
ROSTER_JOINED = datetime.date(2025, 9, 1)


def make_user(
    username: str,
    full_name: str = "",
    *,
    role: str | None = None,
    unit: AdminUnit | None = None,
    village: Village | None = None,
    password: str | None = PASSWORD,
    **extra: Any,
) -> User:
    """A user, with one role assignment when ``role`` is given (at ``unit``, and ``village`` for team roles)."""
    user = User.objects.create_user(username=username, password=password, full_name=full_name, **extra)
    if role is not None:
        assert unit is not None, "a role is held at a unit"
        RoleAssignment.objects.create(user=user, role=role, unit=unit, village=village)
    return user


def make_team(
    *, actor: User, village: Village, members: Sequence[MemberIn], joined_on: datetime.date = TEAM_JOINED
) -> Team:
    """A team proposed for ``village`` (in its commune) by ``actor``, its draft decision waiting for signature."""
    return team_services.team_propose(
        actor=actor, commune=village.commune, village=village, members=list(members), joined_on=joined_on
    )


def sign_decision(
    *,
    actor: User,
    decision: Decision,
    number: str,
    on: datetime.date,
    signer_name: str = "Hoàng Văn Em",
    signer_title: str = "chairman",
) -> Decision:
    """Fill a draft decision's number, date and signer (keeping its legal bases and recipients), then sign it."""
    team_services.decision_update(
        actor=actor,
        decision=decision,
        number=number,
        issued_on=on,
        signer_name=signer_name,
        signer_title=signer_title,
        legal_bases=decision.legal_bases,
        proposer=decision.proposer,
        recipients=decision.recipients,
    )
    return team_services.decision_sign(actor=actor, decision=decision)


def make_household(*, actor: User, village: Village, head_name: str, **fields: Any) -> Household:
    """A household registered in ``village`` through the service, as a team member or officer does."""
    return household_create(actor=actor, village=village, data=HouseholdIn(head_name=head_name, **fields))


def phone_numbers(prefix: str, width: int = 3) -> Iterator[str]:
    """Distinct phone numbers ``prefix`` + 001, 002, …: one generator shared by the teams of a test keeps them
    unique across teams."""
    return (f"{prefix}{n:0{width}d}" for n in itertools.count(1))


def make_active_team(
    *, village: Village, members: Sequence[str], phones: Iterator[str], joined_on: datetime.date = ROSTER_JOINED
) -> tuple[Team, list[Member]]:
    """An active team of ``village`` with these members on its roster, written directly: for tests that need a
    roster and not the proposal workflow (``make_team`` goes through that)."""
    team = Team.objects.create(
        commune=village.commune, village=village, name=f"Tổ {village.name}", status=TeamStatus.ACTIVE
    )
    roster = []
    for full_name in members:
        member = Member.objects.create(commune=village.commune, full_name=full_name, phone=next(phones))
        Membership.objects.create(team=team, member=member, joined_on=joined_on)
        roster.append(member)
    return team, roster


def at_hour(day: datetime.date, hour: int = 8) -> datetime.datetime:
    """``day`` at ``hour`` o'clock, local time (when a training session starts)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def make_course(
    *,
    actor: User,
    unit: AdminUnit,
    title: str,
    days: tuple[int, int],
    organiser: str,
    platform_ids: Sequence[int],
    **fields: Any,
) -> Course:
    """A course of ``unit`` created through the service, running from ``days[0]`` to ``days[1]`` days from today
    (negative: in the past)."""
    today = timezone.localdate()
    data = training.CourseIn(
        title=title,
        unit_id=unit.pk,
        organiser=organiser,
        starts_on=today + datetime.timedelta(days=days[0]),
        ends_on=today + datetime.timedelta(days=days[1]),
        platform_ids=list(platform_ids),
        **fields,
    )
    return training.course_create(actor=actor, data=data)


def make_session(*, actor: User, course: Course, day: int, **fields: Any) -> Session:
    """A session of ``course`` at 8 o'clock ``day`` days from today, created through the service."""
    starts_at = at_hour(timezone.localdate() + datetime.timedelta(days=day))
    return training.session_create(actor=actor, course=course, data=training.SessionIn(starts_at=starts_at, **fields))
