"""Reads of the personal-data map and the breach register, always given the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import Forbidden, NotFound
from cdtt.households.models import ProcessingActivity
from cdtt.privacy import datamap
from cdtt.privacy.models import Breach


@dataclass(frozen=True)
class RegisterEntry:
    dataset: datamap.Dataset
    locations: list[str]  # "app.Model.field" of every declared place, for the operator and the inspector
    notice_version: str  # of the consent notice, for datasets processed on consent


def may_read_register(user: Any) -> bool:
    scope = scope_for(user)
    return any(scope.has(perm) for perm in (Perm.VIEW_HOUSEHOLDS, Perm.MANAGE_PRIVACY))


def register_entries(*, user: Any) -> list[RegisterEntry]:
    """The register of processing, one entry per dataset of the map, with where its data is stored."""
    if not may_read_register(user):
        raise Forbidden(_("Your role does not allow this action."))
    notices = dict(ProcessingActivity.objects.values_list("code", "notice_version"))
    return [
        RegisterEntry(
            dataset=item,
            locations=[f"{field.model}.{field.field}" for field in datamap.dataset_fields(item.code)],
            notice_version=notices.get(item.code, "") if item.consent else "",
        )
        for item in datamap.DATASETS
    ]


# -- the breach register -------------------------------------------------------------------------------


def breach_list(*, user: Any, now: datetime.datetime | None = None) -> QuerySet[Breach]:
    """Breaches of the user's units, newest first, each marked ``overdue`` (72 hours passed, not notified)."""
    scope = scope_for(user)
    scope.require(Perm.MANAGE_BREACHES)
    now = now or timezone.now()
    overdue = Q(notified_at__isnull=True, notify_due__lt=now)
    return (
        Breach.objects.filter(unit__in=scope.units(Perm.MANAGE_BREACHES))
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
        .select_related("unit", "created_by")
        .order_by("-discovered_at", "-id")
    )


def breach_get(*, user: Any, breach_id: Any) -> Breach:
    """One breach of the user's units (404 otherwise), marked ``overdue``."""
    breach = breach_list(user=user).filter(pk=as_id(breach_id)).first()
    if breach is None:
        raise NotFound(_("The breach was not found."))
    return breach


@dataclass(frozen=True)
class SubjectToInform:
    name: str
    place: str
    phone: str


def breach_subjects(*, user: Any, breach: Breach, limit: int = 2000) -> tuple[int, list[SubjectToInform]]:
    """The people to inform: households (with a phone) of the breach's unit when a household dataset was
    touched, team members of the unit when theirs was. (count, first ``limit``); for the officer only."""
    from cdtt.households.models import Household
    from cdtt.teams.models import Member, Membership

    breach = breach_get(user=user, breach_id=breach.pk)
    people: list[SubjectToInform] = []
    total = 0
    if set(breach.datasets) & HOUSEHOLD_DATASETS:
        households = Household.objects.filter(
            commune__path__startswith=breach.unit.path, erased_at__isnull=True
        ).select_related("village")
        total += households.count()
        people += [
            SubjectToInform(h.head_name, h.village.name, h.phone)
            for h in households.order_by("village_id", "id")[:limit]
        ]
    if set(breach.datasets) & TEAM_DATASETS:
        current = Membership.objects.current().filter(team__commune__path__startswith=breach.unit.path)
        members = Member.objects.filter(memberships__in=current).distinct()
        total += members.count()
        people += [SubjectToInform(m.full_name, "", m.phone) for m in members.order_by("name_folded")[:limit]]
    return total, people[:limit]


HOUSEHOLD_DATASETS = {"household_register", "residents", "activities", "imports", "sync", "difficulties"}
TEAM_DATASETS = {"team_members", "accounts", "zalo", "training"}
