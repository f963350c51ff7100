"""Test builders: one way to make a user with a role, a team, a signed decision, a household.

Importable from every app's tests (``from tests.builders import make_team``). Teams, decisions and households
are made through the services an officer uses, so a test starts from what the platform itself makes; the
test keeps the data it asserts on (names, phones, dates) visible at the call.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from cdtt.accounts.models import RoleAssignment, User
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn, household_create
from cdtt.teams import services as team_services
from cdtt.teams.models import Decision, Team
from cdtt.teams.services import MemberIn

PASSWORD = "mật-khẩu-thử-nghiệm-2025"
TEAM_JOINED = datetime.date(2026, 1, 5)


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
