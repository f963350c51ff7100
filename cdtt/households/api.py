"""Household endpoints of the JSON API: the register, residents, adoption ticks with history, and figures.

Households come only through ``selectors.household_get``/``household_list`` and villages through the scope,
so anything outside the caller's scope is a 404; writes go through ``cdtt.households.services``, whose
DomainError becomes the API's 400 (a household whose processing stopped, or that was erased, included).
A ``PATCH`` carries the version the client last saw; a stale one gets 409 and changes nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import ValidationError

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.core.text import mask_phone
from cdtt.households import selectors, services
from cdtt.households.models import AdoptionStatus, Household, Resident
from cdtt.teams.selectors import sees_full_phones

router = Router(tags=["households"])

MAX_LIMIT = 100
EVENTS_SHOWN = 50


class ConflictOut(Schema):
    detail: str
    version: int  # the household's current version: fetch it again before retrying


# -- output ---------------------------------------------------------------------------------------


class HouseholdOut(Schema):
    id: int
    village_id: int
    head_name: str
    address: str
    phone: str  # masked for roles that do not see phones in full
    members_count: int | None
    adults_count: int | None
    smartphones: int | None
    internet: str
    is_business: bool
    caretaker_id: int | None
    version: int
    reached: list[str]  # codes of the items the household, or one of its residents, has reached


class HouseholdPageOut(Schema):
    count: int  # total over all pages
    limit: int
    offset: int
    results: list[HouseholdOut]


class ResidentOut(Schema):
    id: int
    household_id: int
    full_name: str
    birth_year: int | None
    gender: str
    relationship: str
    phone: str
    processing_stopped: bool
    erased: bool


class ResidentSavedOut(ResidentOut):
    household_version: int


class AdoptionStatusOut(Schema):
    item: str
    resident_id: int | None
    reached_on: datetime.date


class AdoptionSavedOut(AdoptionStatusOut):
    household_version: int


class AdoptionEventOut(Schema):
    id: int
    item: str
    action: str  # "set" or "unset"
    resident_id: int | None
    reached_on: datetime.date | None
    recorded_by: str
    recorded_at: datetime.datetime
    undoes_id: int | None  # for an "unset": the "set" it undid


class HouseholdDetailOut(HouseholdOut):
    commune_id: int
    phone2: str
    notes: str
    processing_stopped: bool
    erased: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    residents: list[ResidentOut]
    adoptions: list[AdoptionStatusOut]
    events: list[AdoptionEventOut]  # the latest first, at most 50


class AdoptionItemOut(Schema):
    code: str
    name: str
    applies_to: str  # "household", "resident" or "both"
    order: int


class ItemFiguresOut(Schema):
    households: int  # households where the household or one of its residents reached the item
    people: int  # residents who reached it


class AdoptionFiguresOut(Schema):
    unit_id: int
    unit: str
    households: int
    items: dict[str, ItemFiguresOut]  # every active item of the catalogue, by code


# -- input ----------------------------------------------------------------------------------------


# Required fields are checked after the role (a role without the permission gets 403 whatever it sends): they
# default to empty here, and a missing one gets the same 422 as a malformed one.


class HouseholdBody(Schema):
    village_id: int | None = None  # required
    head_name: str = ""
    address: str = ""
    phone: str = ""
    phone2: str = ""
    members_count: int | None = None
    adults_count: int | None = None
    smartphones: int | None = None
    internet: str = ""
    is_business: bool = False
    caretaker_id: int | None = None
    notes: str = ""
    consent: str = ""  # how the head agreed (paper, verbal, electronic): required with a phone


class HouseholdPatchIn(Schema):
    """Fields to change; fields left out keep their value. ``version`` is the one the client last read."""

    version: int | None = None  # required
    head_name: str | None = None
    address: str | None = None
    phone: str | None = None
    phone2: str | None = None
    members_count: int | None = None
    adults_count: int | None = None
    smartphones: int | None = None
    internet: str | None = None
    is_business: bool | None = None
    caretaker_id: int | None = None
    notes: str | None = None


class ResidentBody(Schema):
    full_name: str = ""
    birth_year: int | None = None
    gender: str = ""
    relationship: str = "other"
    phone: str = ""


class ResidentPatchIn(Schema):
    """Fields to change; fields left out keep their value. ``version``, when sent, is the household's."""

    version: int | None = None
    full_name: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    relationship: str | None = None
    phone: str | None = None


class AdoptionIn(Schema):
    resident_id: int | None = None  # empty: the household itself
    reached_on: datetime.date | None = None  # today when left out


# -- helpers --------------------------------------------------------------------------------------

_HOUSEHOLD_FIELDS = services.HOUSEHOLD_FIELDS  # a change keeps the stored values of fields left out
_RESIDENT_FIELDS = services.ResidentIn.__dataclass_fields__


def _phone(value: str, mask: bool) -> str:
    return mask_phone(value) if mask and value else value


def _reached(statuses: list[AdoptionStatus]) -> list[str]:
    """Codes reached by the household or its residents, once each, in catalogue order."""
    ordered = sorted(statuses, key=lambda s: (s.item.order, s.item.code))
    return list(dict.fromkeys(status.item.code for status in ordered))


def _household_out(household: Household, mask: bool, statuses: list[AdoptionStatus]) -> dict[str, Any]:
    return {
        "id": household.pk,
        "village_id": household.village_id,
        "head_name": household.head_name,
        "address": household.address,
        "phone": _phone(household.phone, mask),
        "members_count": household.members_count,
        "adults_count": household.adults_count,
        "smartphones": household.smartphones,
        "internet": household.internet,
        "is_business": household.is_business,
        "caretaker_id": household.caretaker_id,
        "version": household.version,
        "reached": _reached(statuses),
    }


def _resident_out(resident: Resident, mask: bool) -> dict[str, Any]:
    return {
        "id": resident.pk,
        "household_id": resident.household_id,
        "full_name": resident.full_name,
        "birth_year": resident.birth_year,
        "gender": resident.gender,
        "relationship": resident.relationship,
        "phone": _phone(resident.phone, mask),
        "processing_stopped": resident.processing_stopped,
        "erased": resident.erased_at is not None,
    }


def _status_out(status: AdoptionStatus) -> dict[str, Any]:
    return {"item": status.item.code, "resident_id": status.resident_id, "reached_on": status.reached_on}


def _detail(request: HttpRequest, household: Household) -> dict[str, Any]:
    """The household with its residents, adoption statuses and latest adoption events."""
    mask = not sees_full_phones(request.user)
    statuses = sorted(
        selectors.adoption_status_list(household=household),
        key=lambda s: (s.item.order, s.item.code, s.resident_id or 0),
    )
    events = selectors.adoption_history(household=household, limit=EVENTS_SHOWN)
    return {
        **_household_out(household, mask, statuses),
        "commune_id": household.commune_id,
        "phone2": _phone(household.phone2, mask),
        "notes": household.notes,
        "processing_stopped": household.processing_stopped,
        "erased": household.erased_at is not None,
        "created_at": household.created_at,
        "updated_at": household.updated_at,
        "residents": [_resident_out(r, mask) for r in selectors.resident_list(household=household)],
        "adoptions": [_status_out(s) for s in statuses],
        "events": [
            {
                "id": e.pk,
                "item": e.item.code,
                "action": e.action,
                "resident_id": e.resident_id,
                "reached_on": e.reached_on,
                "recorded_by": (e.recorded_by.full_name or e.recorded_by.username) if e.recorded_by else "",
                "recorded_at": e.recorded_at,
                "undoes_id": e.undoes_id,
            }
            for e in events
        ],
    }


def _editable(request: HttpRequest, household_id: int) -> Household:
    """A household the caller may edit (404 outside their scope); not audited as a view, the write is."""
    return selectors.household_get(
        user=request.user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, request=request, audit=False
    )


def _resident(household: Household, resident_id: int) -> Resident:
    """One resident of a household already fetched in scope; 404 for a resident of another household."""
    resident = next((r for r in selectors.resident_list(household=household) if r.pk == resident_id), None)
    if resident is None:
        raise NotFound(_("The person was not found."))
    resident.household = household  # so the service's version bump shows on this object
    return resident


def _conflict(household: Household) -> Status[dict[str, Any]]:
    message = _("The change conflicts with another change made at the same time. Reload and try again.")
    return Status(409, {"detail": message, "version": household.version})


def _required(value: int | None, name: str) -> int:
    """The value of a required body field, or the 422 that schema validation gives for a missing one."""
    if value is None:
        raise ValidationError([{"type": "missing", "loc": ["body", "payload", name], "msg": "Field required"}])
    return value


def _check_item(code: str) -> None:
    if code and not selectors.adoption_items().filter(code=code).exists():
        raise DomainError(_("Unknown adoption item “%(code)s”.") % {"code": code}, field="item")


# -- the register ---------------------------------------------------------------------------------


@router.get("/households", response={200: HouseholdPageOut, **ERRORS})
@api_requires(Perm.VIEW_HOUSEHOLDS)
def household_list(
    request: SignedInRequest,
    village_id: int | None = None,
    caretaker_id: int | None = None,
    q: str = "",
    missing_item: str = "",
    has_item: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Any:
    """Households in the caller's villages, filtered: by village, caretaker, name or phone, items reached or not."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    if village_id is not None:
        scope_for(request.user).village(village_id, Perm.VIEW_HOUSEHOLDS)
    _check_item(missing_item)
    _check_item(has_item)
    filters = selectors.HouseholdFilters(
        village_id=village_id, caretaker_id=caretaker_id, q=q, missing_item=missing_item, has_item=has_item
    )
    households = selectors.household_list(user=request.user, filters=filters)
    mask = not sees_full_phones(request.user)
    page = selectors.household_page(households=households, offset=offset, limit=limit)
    # Names and phones are personal data: which households a page showed is logged, as on the register pages.
    selectors.household_list_audit(user=request.user, households=page, filters=filters, request=request)
    return {
        "count": households.count(),
        "limit": limit,
        "offset": offset,
        "results": [_household_out(h, mask, list(h.adoptions.all())) for h in page],
    }


@router.get("/households/figures", response={200: AdoptionFiguresOut, **ERRORS}, tags=["figures"])
@api_requires(Perm.VIEW_FIGURES)
def household_figures(request: SignedInRequest, unit_id: int | None = None) -> Any:
    """Aggregate counts (no personal data) for a unit's subtree; by default the unit the caller's role is held at."""
    scope = scope_for(request.user)
    if unit_id is None:
        top = scope.top_units(Perm.VIEW_FIGURES).order_by("depth", "code").first()
        unit_id = top.pk if top else 0
    unit = scope.unit(unit_id, Perm.VIEW_FIGURES)
    figures = selectors.adoption_figures(user=request.user, unit=unit)
    reached = figures["items"]
    return {
        "unit_id": unit.pk,
        "unit": unit.name,
        "households": figures["households"],
        "items": {
            item.code: reached.get(item.code, {"households": 0, "people": 0}) for item in selectors.adoption_items()
        },
    }


@router.get("/households/{household_id}", response={200: HouseholdDetailOut, **ERRORS})
@api_requires(Perm.VIEW_HOUSEHOLDS)
def household_get(request: SignedInRequest, household_id: int) -> Any:
    """One household with its residents, adoption statuses and latest adoption events (the read is audited)."""
    return _detail(request, selectors.household_get(user=request.user, household_id=household_id, request=request))


@router.post("/households", response={201: HouseholdDetailOut, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def household_create(request: SignedInRequest, payload: HouseholdBody) -> Any:
    """Add a household to a village of the caller."""
    village = scope_for(request.user).village(_required(payload.village_id, "village_id"), Perm.EDIT_HOUSEHOLDS)
    data = services.HouseholdIn(**payload.model_dump(exclude={"village_id"}))
    household = services.household_create(actor=request.user, village=village, data=data, request=request)
    return Status(201, _detail(request, household))


@router.patch("/households/{household_id}", response={200: HouseholdDetailOut, 409: ConflictOut, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def household_update(request: SignedInRequest, household_id: int, payload: HouseholdPatchIn) -> Any:
    """Change a household's fields; a ``version`` other than the current one gets 409 and changes nothing."""
    version = _required(payload.version, "version")
    household = _editable(request, household_id)
    if version != household.version:
        return _conflict(household)
    given = payload.model_fields_set
    values = {name: getattr(payload, name) if name in given else getattr(household, name) for name in _HOUSEHOLD_FIELDS}
    for name in ("head_name", "address", "phone", "phone2", "internet", "notes"):
        values[name] = values[name] or ""
    values["is_business"] = bool(values["is_business"])
    try:
        household = services.household_update(
            actor=request.user,
            household=household,
            data=services.HouseholdIn(**values),
            expected_version=version,
            request=request,
        )
    except VersionConflict:  # changed between the read above and the locked write
        household.refresh_from_db()
        return _conflict(household)
    return _detail(request, household)


# -- residents ------------------------------------------------------------------------------------


@router.post("/households/{household_id}/residents", response={201: ResidentSavedOut, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def resident_add(request: SignedInRequest, household_id: int, payload: ResidentBody) -> Any:
    """Add a person to a household."""
    household = _editable(request, household_id)
    resident = services.resident_add(
        actor=request.user, household=household, data=services.ResidentIn(**payload.model_dump()), request=request
    )
    mask = not sees_full_phones(request.user)
    return Status(201, {**_resident_out(resident, mask), "household_version": household.version})


@router.patch(
    "/households/{household_id}/residents/{resident_id}",
    response={200: ResidentSavedOut, 409: ConflictOut, **ERRORS},
)
@api_requires(Perm.EDIT_HOUSEHOLDS)
def resident_update(request: SignedInRequest, household_id: int, resident_id: int, payload: ResidentPatchIn) -> Any:
    """Change a person's fields; fields left out keep their value."""
    household = _editable(request, household_id)
    resident = _resident(household, resident_id)
    if payload.version is not None and payload.version != household.version:
        return _conflict(household)
    given = payload.model_fields_set
    values = {name: getattr(payload, name) if name in given else getattr(resident, name) for name in _RESIDENT_FIELDS}
    for name in ("full_name", "gender", "phone"):
        values[name] = values[name] or ""
    values["relationship"] = values["relationship"] or "other"
    resident = services.resident_update(
        actor=request.user, resident=resident, data=services.ResidentIn(**values), request=request
    )
    mask = not sees_full_phones(request.user)
    return {**_resident_out(resident, mask), "household_version": household.version}


# -- adoption -------------------------------------------------------------------------------------


@router.get("/adoption-items", response=list[AdoptionItemOut], tags=["figures"])
@api_requires(Perm.VIEW_FIGURES)
def adoption_item_list(request: SignedInRequest) -> Any:
    """The catalogue of items a household or person can reach (labels for the figures and the ticks)."""
    return [
        {"code": item.code, "name": item.name, "applies_to": item.applies_to, "order": item.order}
        for item in selectors.adoption_items()
    ]


@router.put("/households/{household_id}/adoption/{item_code}", response={200: AdoptionSavedOut, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def adoption_set(request: SignedInRequest, household_id: int, item_code: str, payload: AdoptionIn) -> Any:
    """Record that the household (or one resident) reached an item; repeating it changes nothing."""
    household = _editable(request, household_id)
    resident = _resident(household, payload.resident_id) if payload.resident_id is not None else None
    status = services.adoption_set(
        actor=request.user,
        household=household,
        item_code=item_code,
        resident=resident,
        reached_on=payload.reached_on,
        request=request,
    )
    return {**_status_out(status), "household_version": household.version}


@router.delete("/households/{household_id}/adoption/{item_code}", response={204: None, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def adoption_unset(request: SignedInRequest, household_id: int, item_code: str, resident_id: int | None = None) -> Any:
    """Undo a tick; the history keeps both. Undoing what is not ticked changes nothing."""
    household = _editable(request, household_id)
    resident = _resident(household, resident_id) if resident_id is not None else None
    services.adoption_unset(
        actor=request.user, household=household, item_code=item_code, resident=resident, request=request
    )
    return Status(204, None)
