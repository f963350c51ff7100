"""Activities in the JSON API: record (idempotent by UUID), read, edit (with the version last seen) and void."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.activities import selectors as activity_selectors
from cdtt.activities.models import Activity
from cdtt.activities.services import ActivityIn, activity_record, activity_update, activity_void
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.catalog import selectors as catalog_selectors
from cdtt.core.errors import DomainError, VersionConflict

# All of the core loop's endpoints (catalogue, periods, targets, activities, progress) share this tag: the
# OpenAPI document groups them under it since they were first published together.
router = Router(tags=["targets and progress"])


class ActivityBody(Schema):
    uuid: uuid.UUID
    kind: str  # guidance, propaganda, group
    occurred_on: datetime.date
    household_id: int | None = None
    resident_id: int | None = None
    village_id: int | None = None
    commune_id: int | None = None
    platform: str | None = None  # platform code
    outcome_id: int | None = None
    channel: str = ""
    people_reached: int = 0
    households_reached: int = 0
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


class ActivityPatch(Schema):
    version: int
    occurred_on: datetime.date
    platform: str | None = None
    outcome_id: int | None = None
    channel: str = ""
    people_reached: int = 0
    households_reached: int | None = None  # left out: unchanged
    note: str = ""


class VoidIn(Schema):
    reason: str = ""


class ActivityOut(Schema):
    id: int
    uuid: uuid.UUID
    kind: str
    occurred_on: datetime.date
    recorded_at: datetime.datetime
    household_id: int | None
    resident_id: int | None
    village_id: int | None
    commune_id: int
    platform_id: int | None
    outcome_id: int | None
    channel: str
    people_reached: int
    households_reached: int
    note: str
    version: int
    voided: bool


class ActivityConflictOut(Schema):
    detail: str


def _activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "uuid": activity.uuid,
        "kind": activity.kind,
        "occurred_on": activity.occurred_on,
        "recorded_at": activity.recorded_at,
        "household_id": activity.household_id,
        "resident_id": activity.resident_id,
        "village_id": activity.village_id,
        "commune_id": activity.commune_id,
        "platform_id": activity.platform_id,
        "outcome_id": activity.outcome_id,
        "channel": activity.channel,
        "people_reached": activity.people_reached,
        "households_reached": activity.households_reached,
        "note": activity.note,
        "version": activity.version,
        "voided": activity.voided_at is not None,
    }


def _platform_id(code: str | None) -> int | None:
    if not code:
        return None
    platform = catalog_selectors.platform_active_get(code=code)
    if platform is None:
        raise DomainError(_("Unknown platform."), field="platform")
    return platform.pk


@router.post("/activities", response={200: ActivityOut, 201: ActivityOut, 409: ActivityConflictOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_create(request: SignedInRequest, payload: ActivityBody) -> Any:
    """Record an activity. Sending the same UUID again returns the first record (200), never a second one;
    the same UUID with other content is 409."""
    # The body is the service's ActivityIn with the platform by its code.
    data = ActivityIn(**payload.model_dump(exclude={"platform"}), platform_id=_platform_id(payload.platform))
    try:
        activity, created = activity_record(actor=request.user, data=data, request=request)
    except VersionConflict as exc:
        return Status(409, {"detail": exc.message})
    return Status(201 if created else 200, _activity_out(activity))


def _activity(request: SignedInRequest, activity_id: int) -> Activity:
    return activity_selectors.activity_get(actor=request.user, activity_id=activity_id)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_get(request: SignedInRequest, activity_id: int) -> Any:
    """One activity of the caller's villages."""
    return _activity_out(_activity(request, activity_id))


@router.patch("/activities/{activity_id}", response={200: ActivityOut, 409: ActivityConflictOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_patch(request: SignedInRequest, activity_id: int, payload: ActivityPatch) -> Any:
    """Change what was recorded (with the version last seen: a stale one is 409); progress moves with it."""
    activity = _activity(request, activity_id)
    data = ActivityIn(
        kind=activity.kind,
        occurred_on=payload.occurred_on,
        platform_id=_platform_id(payload.platform),
        outcome_id=payload.outcome_id,
        channel=payload.channel,
        people_reached=payload.people_reached,
        households_reached=activity.households_reached
        if payload.households_reached is None
        else payload.households_reached,
        note=payload.note,
    )
    try:
        updated = activity_update(
            actor=request.user, activity=activity, data=data, expected_version=payload.version, request=request
        )
    except VersionConflict as exc:
        return Status(409, {"detail": exc.message})
    return _activity_out(updated)


@router.post("/activities/{activity_id}/void", response={200: ActivityOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_void_endpoint(request: SignedInRequest, activity_id: int, payload: VoidIn) -> Any:
    """Take a record out of every total (a second void is 400)."""
    return _activity_out(
        activity_void(
            actor=request.user, activity=_activity(request, activity_id), reason=payload.reason, request=request
        )
    )
