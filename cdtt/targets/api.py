"""Periods and targets in the JSON API: the calendar periods, setting a target, splitting it across the
children and reconciling the children's sum against it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.catalog import selectors as catalog_selectors
from cdtt.catalog.models import Indicator
from cdtt.core.errors import DomainError
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import selectors
from cdtt.targets import selectors as target_selectors
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind, Target
from cdtt.targets.periods import calendar_period

# All of the core loop's endpoints (catalogue, periods, targets, activities, progress) share this tag: the
# OpenAPI document groups them under it since they were first published together.
router = Router(tags=["targets and progress"])


def period_or_current(period_id: int | None) -> Period:
    """The period of that id (404 when there is none), or this calendar year's when none is given."""
    if period_id is None:
        return selectors.current_year_period()
    return target_selectors.period_get(period_id=period_id)


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
def period_get(request: SignedInRequest, payload: PeriodIn) -> Any:
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
    indicator = catalog_selectors.indicator_active_get(code=code)
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
    request: SignedInRequest, period_id: int | None = None, unit_id: int | None = None, village_id: int | None = None
) -> Any:
    """The targets of a unit (and of its children, to reconcile) or of a village, for a period."""
    subject = _subject(request, unit_id, village_id, Perm.VIEW_FIGURES)
    period = period_or_current(period_id)
    children = [] if isinstance(subject, Village) else targets.children_of(subject)
    rows = target_selectors.target_rows(subject=subject, children=children, period=period)
    return [_target_out(t) for t in rows]


@router.put("/targets", response={200: TargetOut, **ERRORS})
@api_requires(Perm.ASSIGN_TARGETS)
def target_put(request: SignedInRequest, payload: TargetIn) -> Any:
    """Set the target of a unit or village (a target given by a higher level is 403: split it instead)."""
    subject = _subject(request, payload.unit_id, payload.village_id, Perm.VIEW_UNITS)
    target = targets.target_set(
        actor=request.user,
        subject=subject,
        indicator=_indicator(payload.indicator),
        period=period_or_current(payload.period_id),
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
    return target_selectors.target_get(user=request.user, target_id=target_id)


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
def target_reconciliation(request: SignedInRequest, target_id: int) -> Any:
    """The children's sum against the target: over- or under-allocated, and the remainder."""
    return _reconciliation_out(_visible_target(request, target_id))


@router.post("/targets/{target_id}/split", response={200: ReconciliationOut, **ERRORS})
@api_requires(Perm.ASSIGN_TARGETS)
def target_split(request: SignedInRequest, target_id: int, payload: SplitIn) -> Any:
    """Split a unit's target across its children (by hand, by households, by adults or evenly)."""
    target = _visible_target(request, target_id)
    targets.target_split(
        actor=request.user, parent=target, method=payload.method, manual=payload.shares, request=request
    )
    target.refresh_from_db()
    return _reconciliation_out(target)
