"""Data-quality flags in the JSON API: the scoped list, one flag, and the review steps (confirm, correct,
void), and the rule catalogue."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import DomainError
from cdtt.quality import selectors, services
from cdtt.quality.models import Flag, FlagStatus, RuleCode
from cdtt.quality.selectors import FlagFilters, flag_list, flag_summary, rule_list

router = Router(tags=["quality"])


class FlagRecordOut(Schema):
    id: int
    kind: str
    occurred_on: datetime.date
    village_id: int | None
    people_reached: int
    households_reached: int
    recorded_by_id: int | None
    voided: bool


class FlagOut(Schema):
    id: int
    rule: str
    rule_label: str
    status: str
    status_label: str
    unit_id: int
    unit: str
    village_id: int | None
    village: str | None
    indicator_id: int | None
    indicator: str | None
    day: datetime.date
    numbers: dict[str, Any]
    summary: str
    record_ids: list[int]
    note: str
    created_at: datetime.datetime
    reviewed_at: datetime.datetime | None
    records: list[FlagRecordOut] | None = None


class FlagListOut(Schema):
    count: int
    limit: int
    offset: int
    results: list[FlagOut]


class RuleOut(Schema):
    code: str
    name: str
    description: str
    timing: str
    threshold: float
    threshold_label: str
    is_active: bool


def _out(flag: Flag, record_ids: list[int], *, records: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": flag.pk,
        "rule": flag.rule,
        "rule_label": flag.get_rule_display(),
        "status": flag.status,
        "status_label": flag.get_status_display(),
        "unit_id": flag.unit_id,
        "unit": flag.unit.name,
        "village_id": flag.village_id,
        "village": flag.village.name if flag.village else None,
        "indicator_id": flag.indicator_id,
        "indicator": flag.indicator.name if flag.indicator else None,
        "day": flag.day,
        "numbers": flag.numbers,
        "summary": flag_summary(flag),
        "record_ids": record_ids,
        "note": flag.note,
        "created_at": flag.created_at,
        "reviewed_at": flag.reviewed_at,
    }
    if records:
        data["records"] = [
            {
                "id": a.pk,
                "kind": a.kind,
                "occurred_on": a.occurred_on,
                "village_id": a.village_id,
                "people_reached": a.people_reached,
                "households_reached": a.households_reached,
                "recorded_by_id": a.recorded_by_id,
                "voided": a.voided_at is not None,
            }
            for a in flag.records.order_by("pk")
        ]
    return data


def _record_ids(flags: list[Flag]) -> dict[int, list[int]]:
    return selectors.flag_record_ids(flags=flags)


@router.get("/quality/flags", response={200: FlagListOut, **ERRORS})
@api_requires(Perm.VIEW_QUALITY)
def flags_list(
    request: SignedInRequest,
    unit_id: int | None = None,
    village_id: int | None = None,
    status: str = "",
    rule: str = "",
    limit: int = 20,
    offset: int = 0,
) -> Any:
    """Flags raised in the caller's units, open ones first; filter by unit (and what lies under it),
    village, status and rule."""
    if status and status not in FlagStatus.values:
        raise DomainError(_("Unknown status."), field="status")
    if rule and rule not in RuleCode.values:
        raise DomainError(_("Unknown rule."), field="rule")
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    rows = flag_list(
        user=request.user, filters=FlagFilters(unit_id=unit_id, village_id=village_id, status=status, rule=rule)
    )
    page = list(rows[offset : offset + limit])
    ids = _record_ids(page)
    return {
        "count": rows.count(),
        "limit": limit,
        "offset": offset,
        "results": [_out(flag, ids[flag.pk]) for flag in page],
    }


@router.get("/quality/flags/{flag_id}", response={200: FlagOut, **ERRORS})
@api_requires(Perm.VIEW_QUALITY)
def flags_get(request: SignedInRequest, flag_id: int) -> Any:
    """One flag with its records (404 outside the caller's units)."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    return _out(flag, _record_ids([flag])[flag.pk], records=True)


class ReviewIn(Schema):
    note: str = ""


def _reviewed(request: HttpRequest, flag: Flag) -> dict[str, Any]:
    fresh = services.flag_get(user=request.user, flag_id=flag.pk)
    return _out(fresh, _record_ids([fresh])[fresh.pk], records=True)


@router.post("/quality/flags/{flag_id}/confirm", response={200: FlagOut, **ERRORS})
@api_requires(Perm.REVIEW_QUALITY)
def flags_confirm(request: SignedInRequest, flag_id: int, payload: ReviewIn) -> Any:
    """The numbers are real: close the flag with a note (required). Only the commune's officers."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    return _reviewed(request, services.flag_confirm(actor=request.user, flag=flag, note=payload.note, request=request))


@router.post("/quality/flags/{flag_id}/correct", response={200: FlagOut, **ERRORS})
@api_requires(Perm.REVIEW_QUALITY)
def flags_correct(request: SignedInRequest, flag_id: int, payload: ReviewIn) -> Any:
    """The records were corrected on their own pages: close the flag."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    return _reviewed(request, services.flag_correct(actor=request.user, flag=flag, note=payload.note, request=request))


@router.post("/quality/flags/{flag_id}/void", response={200: FlagOut, **ERRORS})
@api_requires(Perm.REVIEW_QUALITY)
def flags_void(request: SignedInRequest, flag_id: int, payload: ReviewIn) -> Any:
    """Void the flag's records (out of every total) and close it."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    return _reviewed(request, services.flag_void(actor=request.user, flag=flag, note=payload.note, request=request))


@router.get("/quality/rules", response={200: list[RuleOut], **ERRORS})
@api_requires(Perm.VIEW_QUALITY)
def rules_list(request: SignedInRequest) -> Any:
    """The data-quality rule catalogue."""
    return [
        {
            "code": r.code,
            "name": r.name,
            "description": r.description,
            "timing": r.timing,
            "threshold": r.threshold,
            "threshold_label": r.threshold_label,
            "is_active": r.is_active,
        }
        for r in rule_list(user=request.user)
    ]
