"""Reads of the records of work, given the user: one record the user may change, a village's records, the
household a guidance is recorded for and the platforms to tap. The writes are in services.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.activities.models import Activity
from cdtt.catalog.models import Platform
from cdtt.core.errors import NotFound
from cdtt.geo.models import Village
from cdtt.households.models import Household, Resident

if TYPE_CHECKING:
    from cdtt.accounts.models import User


def _visible(scope: Any, activity: Activity) -> bool:
    """A village's record to those who record there; a commune-wide one to the commune's officers."""
    if activity.village_id is not None:
        return bool(scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=activity.village_id).exists())
    return bool(scope.units(Perm.RECORD_ACTIVITIES).filter(pk=activity.commune_id).exists())


def _require(actor: User, activity: Activity) -> None:
    scope = scope_for(actor)
    scope.require(Perm.RECORD_ACTIVITIES)
    if not _visible(scope, activity):
        raise NotFound(_("The activity was not found."))


def activity_get(*, actor: User, activity_id: Any) -> Activity:
    """One record the actor may change; any other is the same 404 as a missing one."""
    activity = Activity.objects.select_related("household", "village").filter(pk=as_id(activity_id)).first()
    if activity is None:
        raise NotFound(_("The activity was not found."))
    _require(actor, activity)
    return activity


def activity_list(*, user: Any, village_id: Any) -> tuple[Village, QuerySet[Activity]]:
    """A village the user records in (a 404 otherwise) and its records, newest first, voided ones included."""
    village = scope_for(user).village(village_id, Perm.RECORD_ACTIVITIES)
    records = (
        Activity.objects.filter(village=village)
        .select_related("household", "platform", "outcome", "recorded_by")
        .order_by("-occurred_on", "-id")
    )
    return village, records


def recording_village_get(*, user: Any, village_id: Any) -> Village:
    """A village the user records propaganda and group sessions in (a 404 otherwise)."""
    return scope_for(user).village(village_id, Perm.RECORD_ACTIVITIES)


def recording_household_get(*, user: Any, household_id: Any) -> Household:
    """A household the user records guidance for; one out of scope or whose processing stopped is a 404."""
    scope = scope_for(user)
    household = (
        Household.objects.filter(scope.q(Perm.RECORD_ACTIVITIES), pk=as_id(household_id))
        .select_related("village", "commune")
        .first()
    )
    if household is None:
        raise NotFound(_("The household was not found."))
    if household.processing_stopped:
        raise NotFound(_("Processing of this household's data has stopped (consent withdrawn or restricted)."))
    return household


def guidance_residents(household: Household) -> list[Resident]:
    """The residents a guidance can be for (not erased, processing not stopped)."""
    return list(household.residents.filter(erased_at__isnull=True, processing_stopped=False).order_by("id"))


def platform_choices() -> list[Platform]:
    """The active platforms with their outcomes, as the guidance form shows them to tap."""
    return list(Platform.objects.filter(is_active=True).prefetch_related("outcomes__adoption_item").order_by("order"))
