"""Periodic reports in the JSON API: the reports of a unit's children for a period (the status tree), one
report with its numbers, and the transitions (open, save, submit, approve, return, reopen) with the same
rules and Vietnamese reasons as the pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import NotFound
from cdtt.geo.models import AdminUnit, Village
from cdtt.reports import selectors, services
from cdtt.reports.models import Report
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.targets.selectors import period_get

router = Router(tags=["reports"])


class RowOut(Schema):
    indicator: int
    code: str
    name: str
    measure: str
    target: str | None
    target_of: str  # "period", "year" or "" (no target)
    in_period: str
    cumulative: str
    pending: str | None  # consolidated reports: recorded below, in no approved report yet
    percent: float | None
    note: str


class ReportOut(Schema):
    id: int
    period_id: int
    period: str
    level: int
    unit_id: int | None
    village_id: int | None
    reviewer_id: int
    status: str
    due_on: datetime.date
    version: int
    assessment: str
    plan: str
    proposals: str
    figures_at: datetime.datetime | None
    submitted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    rows: list[RowOut]
    organisation: dict[str, Any]
    live_changed: bool


class NodeOut(Schema):
    unit_id: int | None
    village_id: int | None
    name: str
    state: str  # approved, submitted, returned, draft, late, missing
    due_on: datetime.date
    report_id: int | None
    counts: dict[str, int]


class OpenIn(Schema):
    period_id: int
    unit_id: int | None = None
    village_id: int | None = None


class SaveIn(Schema):
    version: int
    assessment: str | None = None
    plan: str | None = None
    proposals: str | None = None
    notes: dict[str, str] | None = None


class VersionIn(Schema):
    version: int


class CommentIn(Schema):
    version: int
    comment: str = ""


def _report_out(report: Report) -> dict[str, Any]:
    rows = selectors.report_rows(report)
    org = report.organisation if report.is_sent else selectors.organisation(report.subject, report.period)  # type: ignore[arg-type]
    return {
        "id": report.pk,
        "period_id": report.period_id,
        "period": report.period.name,
        "level": report.level,
        "unit_id": report.unit_id,
        "village_id": report.village_id,
        "reviewer_id": report.reviewer_id,
        "status": report.status,
        "due_on": report.due_on,
        "version": report.version,
        "assessment": report.assessment,
        "plan": report.plan,
        "proposals": report.proposals,
        "figures_at": report.figures_at,
        "submitted_at": report.submitted_at,
        "decided_at": report.decided_at,
        "rows": [{**row.as_json(), "note": row.note} for row in rows],
        "organisation": org,
        "live_changed": bool(selectors.live_changes(report)),
    }


def _period(period_id: int) -> Period:
    return period_get(period_id=period_id)


@router.get("/reports/units/{unit_id}", response={200: list[NodeOut], **ERRORS})
@api_requires(Perm.VIEW_REPORTS)
def report_tree(request: SignedInRequest, unit_id: int, period_id: int | None = None) -> Any:
    """Who reports to the unit for the period (this month by default), and in what state (with each unit
    child's own counts)."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_REPORTS)
    if period_id is None:
        today = timezone.localdate()
        period = calendar_period(PeriodKind.MONTH, today.year, today.month)
    else:
        period = _period(period_id)
    return [
        {
            "unit_id": n.subject.pk if isinstance(n.subject, AdminUnit) else None,
            "village_id": n.subject.pk if isinstance(n.subject, Village) else None,
            "name": n.subject.name,
            "state": n.state,
            "due_on": n.due_on,
            "report_id": n.report.pk if n.report else None,
            "counts": n.counts,
        }
        for n in selectors.status_tree(unit, period)
    ]


@router.get("/reports/{report_id}", response={200: ReportOut, **ERRORS})
@api_requires(Perm.VIEW_REPORTS)
def report_detail(request: SignedInRequest, report_id: int) -> Any:
    return _report_out(selectors.report_get(request.user, report_id))


@router.post("/reports", response={200: ReportOut, **ERRORS})
@api_requires(Perm.SUBMIT_REPORTS)
def report_open(request: SignedInRequest, payload: OpenIn) -> Any:
    """Open (or return) the report of one's own village team or unit for a period, pre-filled."""
    scope = scope_for(request.user)
    if payload.village_id is not None:
        subject: selectors.Subject = scope.village(payload.village_id, Perm.SUBMIT_REPORTS)
    elif payload.unit_id is not None:
        subject = scope.unit(payload.unit_id, Perm.SUBMIT_REPORTS)
    else:
        raise NotFound(_("The unit was not found."))
    report = services.report_open(actor=request.user, subject=subject, period=_period(payload.period_id))
    return _report_out(report)


@router.post("/reports/{report_id}/save", response={200: ReportOut, **ERRORS})
@api_requires(Perm.SUBMIT_REPORTS)
def report_save(request: SignedInRequest, report_id: int, payload: SaveIn) -> Any:
    report = selectors.report_get(request.user, report_id)
    saved = services.report_save(
        actor=request.user,
        report=report,
        version=payload.version,
        assessment=payload.assessment,
        plan=payload.plan,
        proposals=payload.proposals,
        notes=payload.notes,
    )
    return _report_out(selectors.report_get(request.user, saved.pk))


def _step(request: SignedInRequest, report_id: int, step: Callable[..., object], **arguments: Any) -> Any:
    """One step of a report's workflow through its service, answered with the report as it now is."""
    step(actor=request.user, report=selectors.report_get(request.user, report_id), **arguments)
    return _report_out(selectors.report_get(request.user, report_id))


@router.post("/reports/{report_id}/submit", response={200: ReportOut, **ERRORS})
@api_requires(Perm.SUBMIT_REPORTS)
def report_submit(request: SignedInRequest, report_id: int, payload: VersionIn) -> Any:
    return _step(request, report_id, services.report_submit, version=payload.version)


@router.post("/reports/{report_id}/approve", response={200: ReportOut, **ERRORS})
@api_requires(Perm.REVIEW_REPORTS)
def report_approve(request: SignedInRequest, report_id: int, payload: VersionIn) -> Any:
    return _step(request, report_id, services.report_approve, version=payload.version)


@router.post("/reports/{report_id}/return", response={200: ReportOut, **ERRORS})
@api_requires(Perm.REVIEW_REPORTS)
def report_return(request: SignedInRequest, report_id: int, payload: CommentIn) -> Any:
    return _step(request, report_id, services.report_return, version=payload.version, comment=payload.comment)


@router.post("/reports/{report_id}/reopen", response={200: ReportOut, **ERRORS})
@api_requires(Perm.REVIEW_REPORTS)
def report_reopen(request: SignedInRequest, report_id: int, payload: CommentIn) -> Any:
    return _step(request, report_id, services.report_reopen, version=payload.version, reason=payload.comment)
