"""Progress in the JSON API: for any unit or village and period, the same figures as the boards."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress import selectors
from cdtt.targets.api import period_or_current
from cdtt.targets.models import Period

# All of the core loop's endpoints (catalogue, periods, targets, activities, progress) share this tag: the
# OpenAPI document groups them under it since they were first published together.
router = Router(tags=["targets and progress"])


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
        "figures": [figure_out(f) for f in figures],
    }


def figure_out(figure: selectors.Figure) -> dict[str, Any]:
    """One indicator's row of progress, as the API gives it here and on the dashboards."""
    return {
        "indicator": figure.indicator.code,
        "name": figure.indicator.name,
        "measure": figure.indicator.measure,
        "achieved": figure.achieved,
        "target": figure.target,
        "percent": figure.percent,
        "rank": figure.rank,
        "of": figure.of,
    }


@router.get("/progress/units/{unit_id}", response={200: ProgressOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def unit_progress(request: SignedInRequest, unit_id: int, period_id: int | None = None) -> Any:
    """Achieved, target, percentage and rank among siblings of every indicator, for a unit (0 = the nation's id)."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_FIGURES)
    return _progress(unit, period_or_current(period_id))


@router.get("/progress/villages/{village_id}", response={200: ProgressOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def village_progress(request: SignedInRequest, village_id: int, period_id: int | None = None) -> Any:
    """The same for a village (its team)."""
    village = scope_for(request.user).village(village_id, Perm.VIEW_FIGURES)
    return _progress(village, period_or_current(period_id))
