"""The core loop in the JSON API: catalogue, periods, targets (set, split, reconcile), activities (record,
edit, void; idempotent by UUID) and progress for any unit or village (the same figures as the boards).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.activities import services as activity_services
from cdtt.activities.models import Activity
from cdtt.activities.services import ActivityIn, activity_record, activity_update, activity_void
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.catalog.models import Indicator, Platform
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import selectors
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind, Target
from cdtt.targets.periods import calendar_period

router = Router(tags=["targets and progress"])


# -- catalogue ----------------------------------------------------------------------------------------


class OutcomeOut(Schema):
    id: int
    code: str
    name: str
    adoption_item: str | None


class PlatformOut(Schema):
    id: int
    code: str
    name: str
    operator: str
    pillar: str
    url: str
    install_guide: str
    outcomes: list[OutcomeOut]


class CatalogAdoptionItemOut(Schema):
    code: str
    name: str
    applies_to: str  # household, resident or both


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    measure: str
    pillar: str
    method: str
    reach_measure: str  # activity_reach: "people" or "households" reached
    valid_from_year: int | None
    valid_to_year: int | None


def _etagged(request: HttpRequest, data: Any) -> HttpResponse:
    """``data`` with an ETag of its content; 304 and no body when the caller already holds it (a phone asks
    for the catalogue at every sync, and it rarely changes)."""
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    held = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
    response = HttpResponse(status=304) if etag in held else HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@router.get("/catalog/platforms", response={200: list[PlatformOut], 304: None, **ERRORS}, tags=["catalogue"])
@api_requires(Perm.VIEW_UNITS)
def platform_list(request: HttpRequest) -> Any:
    """The platforms teams deploy, with the outcomes guidance can record (ETag: 304 when unchanged)."""
    platforms = Platform.objects.filter(is_active=True).prefetch_related("outcomes__adoption_item")
    return _etagged(request, _platforms(platforms))


def _platforms(platforms: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": p.pk,
            "code": p.code,
            "name": p.name,
            "operator": p.operator,
            "pillar": p.pillar,
            "url": p.url,
            "install_guide": p.install_guide,
            "outcomes": [
                {
                    "id": o.pk,
                    "code": o.code,
                    "name": o.name,
                    "adoption_item": o.adoption_item.code if o.adoption_item else None,
                }
                for o in p.outcomes.all()
            ],
        }
        for p in platforms
    ]


@router.get(
    "/catalog/adoption-items", response={200: list[CatalogAdoptionItemOut], 304: None, **ERRORS}, tags=["catalogue"]
)
@api_requires(Perm.VIEW_UNITS)
def adoption_item_list(request: HttpRequest) -> Any:
    """What a household or person can be marked as having reached (the checklist; ETag: 304 when unchanged)."""
    from cdtt.households.models import AdoptionItem

    items = AdoptionItem.objects.filter(is_active=True).order_by("order", "code")
    return _etagged(request, [{"code": i.code, "name": i.name, "applies_to": i.applies_to} for i in items])


@router.get("/catalog/indicators", response={200: list[IndicatorOut], **ERRORS}, tags=["catalogue"])
@api_requires(Perm.VIEW_UNITS)
def indicator_list(request: HttpRequest) -> Any:
    """The indicators targets are set for."""
    return list(Indicator.objects.filter(is_active=True).order_by("order", "code"))


# -- progress ---------------------------------------------------------------------------------------


class FigureOut(Schema):
    indicator: str
    name: str
    measure: str
    achieved: Decimal
    target: Decimal | None
    percent: float | None
    rank: int | None
    of: int | None


class ProgressOut(Schema):
    unit_id: int | None
    village_id: int | None
    name: str
    period_id: int
    period: str
    start: datetime.date
    end: datetime.date
    figures: list[FigureOut]


def _period(period_id: int | None) -> Period:
    if period_id is None:
        return selectors.current_year_period()
    period = Period.objects.filter(pk=as_id(period_id)).first()
    if period is None:
        raise NotFound(_("The period was not found."))
    return period


def _progress(subject: AdminUnit | Village, period: Period) -> dict[str, Any]:
    figures = selectors.indicator_figures(subject, period)
    return {
        "unit_id": subject.pk if isinstance(subject, AdminUnit) else None,
        "village_id": subject.pk if isinstance(subject, Village) else None,
        "name": subject.name,
        "period_id": period.pk,
        "period": period.name,
        "start": period.start,
        "end": period.end,
        "figures": [
            {
                "indicator": f.indicator.code,
                "name": f.indicator.name,
                "measure": f.indicator.measure,
                "achieved": f.achieved,
                "target": f.target,
                "percent": f.percent,
                "rank": f.rank,
                "of": f.of,
            }
            for f in figures
        ],
    }


@router.get("/progress/units/{unit_id}", response={200: ProgressOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def unit_progress(request: HttpRequest, unit_id: int, period_id: int | None = None) -> Any:
    """Achieved, target, percentage and rank among siblings of every indicator, for a unit (0 = the nation's id)."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_FIGURES)
    return _progress(unit, _period(period_id))


@router.get("/progress/villages/{village_id}", response={200: ProgressOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def village_progress(request: HttpRequest, village_id: int, period_id: int | None = None) -> Any:
    """The same for a village (its team)."""
    village = scope_for(request.user).village(village_id, Perm.VIEW_FIGURES)
    return _progress(village, _period(period_id))


# -- periods and targets ------------------------------------------------------------------------------


class PeriodOut(Schema):
    id: int
    kind: str
    name: str
    start: datetime.date
    end: datetime.date


class PeriodIn(Schema):
    kind: str  # year, quarter, month
    year: int
    number: int = 1  # the half-year (1-2), quarter (1-4) or month (1-12)


@router.post("/periods", response={200: PeriodOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def period_get(request: HttpRequest, payload: PeriodIn) -> Any:
    """The calendar period (made on first use) whose id targets and progress take."""
    calendar_kinds = (PeriodKind.YEAR, PeriodKind.HALF, PeriodKind.QUARTER, PeriodKind.MONTH)
    if payload.kind not in calendar_kinds or not 2000 <= payload.year <= 2100:
        raise DomainError(_("Unknown period."), field="kind")
    limit = {PeriodKind.HALF: 2, PeriodKind.QUARTER: 4, PeriodKind.MONTH: 12}.get(payload.kind, 1)  # type: ignore[call-overload]
    if not 1 <= payload.number <= limit:
        raise DomainError(_("Unknown period."), field="number")
    return calendar_period(payload.kind, payload.year, payload.number)


class TargetOut(Schema):
    id: int
    unit_id: int | None
    village_id: int | None
    indicator: str
    period_id: int
    value: Decimal
    parent_id: int | None
    split_method: str


class TargetIn(Schema):
    unit_id: int | None = None
    village_id: int | None = None
    indicator: str
    period_id: int
    value: Decimal


def _target_out(target: Target) -> dict[str, Any]:
    return {
        "id": target.pk,
        "unit_id": target.unit_id,
        "village_id": target.village_id,
        "indicator": target.indicator.code,
        "period_id": target.period_id,
        "value": target.value,
        "parent_id": target.parent_id,
        "split_method": target.split_method,
    }


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code, is_active=True).first()
    if indicator is None:
        raise DomainError(_("Unknown indicator “%(code)s”.") % {"code": code}, field="indicator")
    return indicator


def _subject(request: HttpRequest, unit_id: int | None, village_id: int | None, perm: Perm) -> AdminUnit | Village:
    scope = scope_for(request.user)
    if (unit_id is None) == (village_id is None):
        raise DomainError(_("Give either a unit or a village."), field="unit_id")
    if village_id is not None:
        return scope.village(village_id, perm)
    return scope.unit(unit_id, perm)


@router.get("/targets", response={200: list[TargetOut], **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def target_list(
    request: HttpRequest, period_id: int | None = None, unit_id: int | None = None, village_id: int | None = None
) -> Any:
    """The targets of a unit (and of its children, to reconcile) or of a village, for a period."""
    subject = _subject(request, unit_id, village_id, Perm.VIEW_FIGURES)
    period = _period(period_id)
    if isinstance(subject, Village):
        rows = Target.objects.filter(period=period, village=subject)
    else:
        children = targets.children_of(subject)
        field = "village__in" if children and isinstance(children[0], Village) else "unit__in"
        rows = Target.objects.filter(period=period, unit=subject) | Target.objects.filter(
            period=period, **{field: children}
        )
    return [_target_out(t) for t in rows.select_related("indicator").order_by("id")]


@router.put("/targets", response={200: TargetOut, **ERRORS})
@api_requires(Perm.ASSIGN_TARGETS)
def target_put(request: HttpRequest, payload: TargetIn) -> Any:
    """Set the target of a unit or village (a target given by a higher level is 403: split it instead)."""
    subject = _subject(request, payload.unit_id, payload.village_id, Perm.VIEW_UNITS)
    target = targets.target_set(
        actor=request.user,
        subject=subject,
        indicator=_indicator(payload.indicator),
        period=_period(payload.period_id),
        value=payload.value,
        request=request,
    )
    return _target_out(target)


class SplitIn(Schema):
    method: str  # manual, households, adults, even
    shares: dict[int, Decimal] = {}  # child unit (or village) id -> share, for "manual"


class ReconciliationOut(Schema):
    target: TargetOut
    children_sum: Decimal
    children: int
    missing: int
    remainder: Decimal
    state: str  # exact, under, over, cascaded (a percentage)


def _visible_target(request: HttpRequest, target_id: int) -> Target:
    target = Target.objects.select_related("unit", "village__commune", "indicator", "period").filter(
        pk=as_id(target_id)
    )
    found = target.first()
    scope = scope_for(request.user)
    if found is None:
        raise NotFound(_("The target was not found."))
    unit = found.unit or (found.village.commune if found.village else None)
    if unit is None or not (
        scope.covers_unit(unit, Perm.VIEW_FIGURES) or scope.units(Perm.VIEW_FIGURES).filter(pk=unit.pk).exists()
    ):
        raise NotFound(_("The target was not found."))
    return found


def _reconciliation_out(target: Target) -> dict[str, Any]:
    r = targets.reconcile(target)
    return {
        "target": _target_out(target),
        "children_sum": r.children_sum,
        "children": r.children,
        "missing": r.missing,
        "remainder": r.remainder,
        "state": r.state,
    }


@router.get("/targets/{target_id}/reconciliation", response={200: ReconciliationOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def target_reconciliation(request: HttpRequest, target_id: int) -> Any:
    """The children's sum against the target: over- or under-allocated, and the remainder."""
    return _reconciliation_out(_visible_target(request, target_id))


@router.post("/targets/{target_id}/split", response={200: ReconciliationOut, **ERRORS})
@api_requires(Perm.ASSIGN_TARGETS)
def target_split(request: HttpRequest, target_id: int, payload: SplitIn) -> Any:
    """Split a unit's target across its children (by hand, by households, by adults or evenly)."""
    target = _visible_target(request, target_id)
    targets.target_split(
        actor=request.user, parent=target, method=payload.method, manual=payload.shares, request=request
    )
    target.refresh_from_db()
    return _reconciliation_out(target)


# -- activities ---------------------------------------------------------------------------------------


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
    platform = Platform.objects.filter(code=code, is_active=True).first()
    if platform is None:
        raise DomainError(_("Unknown platform."), field="platform")
    return platform.pk


@router.post("/activities", response={200: ActivityOut, 201: ActivityOut, 409: ActivityConflictOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_create(request: HttpRequest, payload: ActivityBody) -> Any:
    """Record an activity. Sending the same UUID again returns the first record (200), never a second one;
    the same UUID with other content is 409."""
    data = ActivityIn(
        kind=payload.kind,
        occurred_on=payload.occurred_on,
        uuid=payload.uuid,
        household_id=payload.household_id,
        resident_id=payload.resident_id,
        village_id=payload.village_id,
        commune_id=payload.commune_id,
        platform_id=_platform_id(payload.platform),
        outcome_id=payload.outcome_id,
        channel=payload.channel,
        people_reached=payload.people_reached,
        households_reached=payload.households_reached,
        note=payload.note,
        latitude=payload.latitude,
        longitude=payload.longitude,
    )
    try:
        activity, created = activity_record(actor=request.user, data=data, request=request)
    except VersionConflict as exc:
        return Status(409, {"detail": exc.message})
    return Status(201 if created else 200, _activity_out(activity))


def _activity(request: HttpRequest, activity_id: int) -> Activity:
    return activity_services.activity_get(actor=request.user, activity_id=activity_id)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_get(request: HttpRequest, activity_id: int) -> Any:
    """One activity of the caller's villages."""
    return _activity_out(_activity(request, activity_id))


@router.patch("/activities/{activity_id}", response={200: ActivityOut, 409: ActivityConflictOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def activity_patch(request: HttpRequest, activity_id: int, payload: ActivityPatch) -> Any:
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
def activity_void_endpoint(request: HttpRequest, activity_id: int, payload: VoidIn) -> Any:
    """Take a record out of every total (a second void is 400)."""
    return _activity_out(
        activity_void(
            actor=request.user, activity=_activity(request, activity_id), reason=payload.reason, request=request
        )
    )
