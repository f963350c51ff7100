"""Record, edit and void activities; progress moves in the same transaction (``cdtt.progress.engine``).

A record sent twice (same UUID, same content) is the first record, not a second; the same UUID with
other content is refused. An edit keeps the values before it; a void keeps the record, takes it out of
every total and takes back the adoption statuses it created.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.activities.models import Activity, ActivityChange, ActivityKind, Channel
from cdtt.catalog.models import Outcome, Platform
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Household, Resident
from cdtt.households.services import adoption_drop, adoption_reach, require_household
from cdtt.progress import engine

MAX_BACKDATE_DAYS = 366  # a record may be entered late (offline phones), not about last year's work
MAX_PEOPLE = 100_000
MAX_NOTE = 1000


@dataclass
class ActivityIn:
    kind: str
    occurred_on: datetime.date
    uuid: uuid_module.UUID | None = None
    household_id: int | None = None
    resident_id: int | None = None
    village_id: int | None = None  # propaganda or a group session in one village
    commune_id: int | None = None  # ... or across the commune
    platform_id: int | None = None
    outcome_id: int | None = None
    channel: str = ""
    people_reached: int = 0
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class _Place:
    commune: AdminUnit
    village: Village | None
    household: Household | None
    resident: Resident | None


# Fields an edit may change (a different household or kind is a void and a new record).
EDITABLE = ("occurred_on", "platform_id", "outcome_id", "channel", "people_reached", "note")


def _place(actor: Any, data: ActivityIn) -> _Place:
    scope = scope_for(actor)
    scope.require(Perm.RECORD_ACTIVITIES)
    if data.kind == ActivityKind.GUIDANCE:
        if data.household_id is None:
            raise DomainError(_("Choose the household that was guided."), field="household")
        household = Household.objects.filter(pk=data.household_id).select_related("village", "commune").first()
        if household is None or not scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=household.village_id).exists():
            raise NotFound(_("The household was not found."))
        if data.village_id is not None and data.village_id != household.village_id:
            raise DomainError(_("The household is not in this village."), field="household")
        require_household(actor, household)
        resident = None
        if data.resident_id is not None:
            resident = Resident.objects.filter(pk=data.resident_id, household=household, erased_at__isnull=True).first()
            if resident is None:
                raise NotFound(_("The person was not found."))
        return _Place(household.commune, household.village, household, resident)
    if data.household_id is not None or data.resident_id is not None:
        raise DomainError(_("Only guidance is recorded for one household."), field="household")
    if data.village_id is not None:
        village = scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=data.village_id).select_related("commune").first()
        if village is None:
            raise NotFound(_("The village was not found."))
        if not village.is_active:
            raise DomainError(_("The village is retired."))
        return _Place(village.commune, village, None, None)
    if data.commune_id is None:
        raise DomainError(_("Choose the village or commune where it took place."), field="village")
    commune = scope.units(Perm.RECORD_ACTIVITIES).filter(pk=data.commune_id).first()
    if commune is None or not commune.is_commune:
        raise NotFound(_("The unit was not found."))
    return _Place(commune, None, None, None)


def _clean(data: ActivityIn, place: _Place) -> dict[str, Any]:
    """The record's values, checked; a bad one raises DomainError naming its field."""
    if data.kind not in ActivityKind.values:
        raise DomainError(_("Unknown kind of activity."), field="kind")
    today = timezone.localdate()
    if data.occurred_on > today:
        raise DomainError(_("The date cannot be in the future."), field="occurred_on")
    if data.occurred_on < today - datetime.timedelta(days=MAX_BACKDATE_DAYS):
        raise DomainError(_("The date is more than a year ago."), field="occurred_on")
    platform = outcome = None
    if data.platform_id is not None:
        platform = Platform.objects.filter(pk=data.platform_id, is_active=True).first()
        if platform is None:
            raise DomainError(_("Unknown platform."), field="platform")
    if data.outcome_id is not None:
        outcome = Outcome.objects.filter(pk=data.outcome_id).select_related("adoption_item", "platform").first()
        if outcome is None:
            raise DomainError(_("Unknown outcome."), field="outcome")
        if platform is None:
            platform = outcome.platform
        elif outcome.platform_id != platform.pk:
            raise DomainError(
                _("“%(outcome)s” is not an outcome of %(platform)s.")
                % {"outcome": outcome.name, "platform": platform.name},
                field="outcome",
            )
    if data.kind == ActivityKind.GUIDANCE and platform is None:
        raise DomainError(_("Choose the platform the household was guided on."), field="platform")
    if data.channel and data.channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if data.kind == ActivityKind.PROPAGANDA and not data.channel:
        raise DomainError(_("Choose how the propaganda was done."), field="channel")
    if not 0 <= data.people_reached <= MAX_PEOPLE:
        raise DomainError(
            _("The number of people must be between 0 and %(max)s.") % {"max": MAX_PEOPLE}, field="people_reached"
        )
    if data.kind != ActivityKind.GUIDANCE and data.people_reached < 1:
        raise DomainError(_("Enter how many people were reached."), field="people_reached")
    for value, low, high, name in ((data.latitude, -90, 90, "latitude"), (data.longitude, -180, 180, "longitude")):
        if value is not None and not low <= value <= high:
            raise DomainError(_("The location is not valid."), field=name)
    if outcome is not None and outcome.adoption_item is not None and place.household is not None:
        applies = outcome.adoption_item.applies_to
        if applies == "resident" and place.resident is None:
            raise DomainError(
                _("Choose the person: “%(item)s” is recorded for a person.") % {"item": outcome.adoption_item.name},
                field="resident",
            )
    return {
        "kind": data.kind,
        "occurred_on": data.occurred_on,
        "platform_id": platform.pk if platform else None,
        "outcome_id": outcome.pk if outcome else None,
        "channel": data.channel if data.kind != ActivityKind.GUIDANCE else "",
        "people_reached": data.people_reached if data.kind != ActivityKind.GUIDANCE else 0,
        "note": nfc(data.note).strip()[:MAX_NOTE],
        "latitude": data.latitude,
        "longitude": data.longitude,
    }


def _same(activity: Activity, values: dict[str, Any], place: _Place) -> bool:
    return (
        activity.household_id == (place.household.pk if place.household else None)
        and activity.resident_id == (place.resident.pk if place.resident else None)
        and activity.village_id == (place.village.pk if place.village else None)
        and all(getattr(activity, name) == value for name, value in values.items())
    )


def activity_record(*, actor: Any, data: ActivityIn, request: HttpRequest | None = None) -> tuple[Activity, bool]:
    """Record an activity; (the record, whether it is new). A retry of the same record returns the first."""
    place = _place(actor, data)
    values = _clean(data, place)
    key = data.uuid or uuid_module.uuid4()
    existing = Activity.objects.filter(uuid=key).first()
    if existing is not None:
        return _replayed(existing, values, place)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                uuid=key,
                commune=place.commune,
                village=place.village,
                household=place.household,
                resident=place.resident,
                team_id=_team_id(place),
                recorded_by=actor,
                **values,
            )
            engine.activity_moved(activity, +1)
            _reach(actor, activity, request)
            audit_record(
                actor=actor,
                action="activity.create",
                target=activity,
                unit=place.commune,
                request=request,
                kind=activity.kind,
                household=activity.household_id,
            )
    except IntegrityError:  # the same UUID arrived twice at once: the first one stands
        existing = Activity.objects.filter(uuid=key).first()
        if existing is None:
            raise
        return _replayed(existing, values, place)
    return activity, True


def _replayed(existing: Activity, values: dict[str, Any], place: _Place) -> tuple[Activity, bool]:
    if existing.voided_at is None and _same(existing, values, place):
        return existing, False
    raise VersionConflict(_("A different record was already sent with this identifier; nothing was changed."))


def _team_id(place: _Place) -> int | None:
    from cdtt.teams.models import Team, TeamStatus

    teams = Team.objects.exclude(status=TeamStatus.DISSOLVED)
    if place.village is not None:
        return teams.filter(village=place.village).values_list("pk", flat=True).first()
    return teams.filter(commune=place.commune, village__isnull=True).values_list("pk", flat=True).first()


def _reach(actor: Any, activity: Activity, request: HttpRequest | None) -> None:
    """Give the household (or person) the adoption status the outcome reaches; remember it if new."""
    if activity.outcome_id is None or activity.household_id is None:
        return
    outcome = Outcome.objects.select_related("adoption_item").get(pk=activity.outcome_id)
    item = outcome.adoption_item
    if item is None:
        return
    household = Household.objects.get(pk=activity.household_id)
    resident = activity.resident if item.applies_to != "household" else None
    status = adoption_reach(
        actor=actor, household=household, resident=resident, item=item, day=activity.occurred_on, request=request
    )
    if status is not None:
        activity.effects = [*activity.effects, status.pk]
        Activity.objects.filter(pk=activity.pk).update(effects=activity.effects)


def _undo_effects(actor: Any, activity: Activity, request: HttpRequest | None) -> None:
    for status_id in activity.effects:
        adoption_drop(actor=actor, status_id=status_id, request=request)
    activity.effects = []
    Activity.objects.filter(pk=activity.pk).update(effects=[])


def _visible(scope: Any, activity: Activity) -> bool:
    """A village's record to those who record there; a commune-wide one to the commune's officers."""
    if activity.village_id is not None:
        return bool(scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=activity.village_id).exists())
    return bool(scope.units(Perm.RECORD_ACTIVITIES).filter(pk=activity.commune_id).exists())


def _require(actor: Any, activity: Activity) -> None:
    scope = scope_for(actor)
    scope.require(Perm.RECORD_ACTIVITIES)
    if not _visible(scope, activity):
        raise NotFound(_("The activity was not found."))


def activity_get(*, actor: Any, activity_id: Any) -> Activity:
    """One record the actor may change; any other is the same 404 as a missing one."""
    activity = Activity.objects.select_related("household", "village").filter(pk=as_id(activity_id)).first()
    if activity is None:
        raise NotFound(_("The activity was not found."))
    _require(actor, activity)
    return activity


def _snapshot(activity: Activity) -> dict[str, Any]:
    """The editable values as JSON."""
    values = {name: getattr(activity, name) for name in EDITABLE}
    return {name: value.isoformat() if isinstance(value, datetime.date) else value for name, value in values.items()}


def activity_update(
    *,
    actor: Any,
    activity: Activity,
    data: ActivityIn,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Activity:
    """Change what was recorded; progress moves from the old values to the new in one transaction."""
    _require(actor, activity)
    if activity.voided_at is not None:
        raise DomainError(_("A voided record cannot be changed."))
    data.kind = activity.kind
    data.household_id, data.resident_id = activity.household_id, activity.resident_id
    data.village_id, data.commune_id = activity.village_id, activity.commune_id
    place = (
        _place(actor, data)
        if activity.kind != ActivityKind.GUIDANCE
        else _Place(activity.commune, activity.village, activity.household, activity.resident)
    )
    values = _clean(data, place)
    with transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(_("The record was changed by someone else meanwhile. Reload it and try again."))
        if current.voided_at is not None:
            raise DomainError(_("A voided record cannot be changed."))
        before = _snapshot(current)
        reach_changed = (current.outcome_id, current.occurred_on) != (values["outcome_id"], values["occurred_on"])
        moved = engine.Deltas().activity(current, -1)
        for name in EDITABLE:
            setattr(current, name, values[name])
        moved.activity(current, +1).write()
        current.version = F("version") + 1
        current.save(update_fields=[*EDITABLE, "version", "updated_at"])
        current.refresh_from_db()
        if reach_changed:
            _undo_effects(actor, current, request)
            _reach(actor, current, request)
        ActivityChange.objects.create(
            activity=current,
            action=ActivityChange.Action.EDIT,
            before=before,
            after=_snapshot(current),
            changed_by=actor,
        )
        audit_record(actor=actor, action="activity.update", target=current, unit=current.commune, request=request)
    return current


def activity_void(*, actor: Any, activity: Activity, reason: str = "", request: HttpRequest | None = None) -> Activity:
    """Take a record out of every total (and back the statuses it created); voiding twice is refused."""
    _require(actor, activity)
    with transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if current.voided_at is not None:
            raise DomainError(_("This record was already voided."))
        engine.activity_moved(current, -1)
        _undo_effects(actor, current, request)
        current.voided_at = timezone.now()
        current.voided_by = actor
        current.void_reason = nfc(reason).strip()[:MAX_NOTE]
        current.version = F("version") + 1
        current.save(update_fields=["voided_at", "voided_by", "void_reason", "version", "updated_at"])
        current.refresh_from_db()
        ActivityChange.objects.create(
            activity=current,
            action=ActivityChange.Action.VOID,
            before=_snapshot(current),
            after={"void_reason": current.void_reason},
            changed_by=actor,
        )
        audit_record(actor=actor, action="activity.void", target=current, unit=current.commune, request=request)
    return current
