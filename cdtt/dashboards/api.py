"""The dashboards in the JSON API (/api/v1/dashboards/...): the same reads as the screens, as numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.dashboards.selectors import DEFAULT_SORT, Dashboard, dashboard_subject
from cdtt.geo.models import AdminUnit, Village
from cdtt.progress.api import FigureOut, figure_out
from cdtt.targets.api import period_or_current

router = Router(tags=["dashboards"])


class ProgressRowOut(FigureOut):
    pass  # the rows of progress/units/{unit_id}, under the name the OpenAPI document has published them


class TrendMonthOut(Schema):
    month: int
    in_month: Decimal | None  # None for a running total or a ratio
    so_far: Decimal


class TrendOut(Schema):
    indicator: str
    year: int
    target: Decimal | None
    months: list[TrendMonthOut]


class ChildOut(Schema):
    kind: str  # unit or village
    id: int
    code: str
    name: str
    achieved: Decimal
    target: Decimal | None
    percent: float | None
    score: float | None  # mean share of the targets, each counted up to 100%
    rank: int
    latitude: float | None
    longitude: float | None


class DashboardCoverageOut(Schema):
    villages: int
    villages_with_team: int
    teams: int
    members: int
    groups: int
    households_in_groups: int
    households_counted: int
    team_coverage: float | None
    group_coverage: float | None


class DashboardOut(Schema):
    level: str  # national, province, commune, village
    unit_id: int | None
    village_id: int | None
    name: str
    period_id: int
    period: str
    start: datetime.date
    end: datetime.date
    indicator: str | None  # the one the trend, ranking and map are about
    standing: list[int] | None  # [rank, of] among the siblings, by the mean share of the targets
    progress: list[ProgressRowOut]
    # With ``without_flagged=true``: how many records under open data-quality flags the progress rows leave
    # out (what they add to each activity indicator of the period); None when nothing was left out.
    flagged_left_out: int | None = None
    trend: TrendOut | None
    children: list[ChildOut]  # sorted as asked; with coordinates for the map
    coverage: DashboardCoverageOut


def _out(dashboard: Dashboard) -> dict[str, Any]:
    subject = dashboard.subject
    rows, _sort = dashboard.sorted_rows
    trend = dashboard.trend
    figures, taken = dashboard.progress_figures
    return {
        "level": dashboard.level,
        "unit_id": subject.pk if isinstance(subject, AdminUnit) else None,
        "village_id": subject.pk if isinstance(subject, Village) else None,
        "name": subject.name,
        "period_id": dashboard.period.pk,
        "period": dashboard.period.name,
        "start": dashboard.period.start,
        "end": dashboard.period.end,
        "indicator": dashboard.indicator.code if dashboard.indicator else None,
        "standing": list(dashboard.standing) if dashboard.standing else None,
        "progress": [figure_out(f) for f in figures],
        "flagged_left_out": taken.records if taken is not None else None,
        "trend": {
            "indicator": trend.indicator.code,
            "year": trend.year,
            "target": trend.target,
            "months": [{"month": p.month, "in_month": p.in_month, "so_far": p.so_far} for p in trend.points],
        }
        if trend
        else None,
        "children": [
            {
                "kind": "village" if isinstance(row.subject, Village) else "unit",
                "id": row.subject.pk,
                "code": row.subject.code,
                "name": row.subject.name,
                "achieved": row.achieved,
                "target": row.target,
                "percent": row.percent,
                "score": row.score,
                "rank": row.rank,
                "latitude": row.latitude,
                "longitude": row.longitude,
            }
            for row in rows
        ],
        "coverage": dashboard.coverage,  # DashboardCoverageOut reads the dataclass's fields and properties
    }


def _dashboard(request: HttpRequest, subject: AdminUnit | Village, period_id: int | None, **kwargs: Any) -> Any:
    dashboard = Dashboard(
        user=request.user,
        subject=subject,
        period=period_or_current(period_id),
        indicator_by="code",
        today=timezone.localdate(),
        **kwargs,
    )
    return _out(dashboard)


@router.get("/dashboards/units/{unit_id}", response={200: DashboardOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def unit_dashboard(
    request: SignedInRequest,
    unit_id: int,
    period_id: int | None = None,
    indicator: str | None = None,
    sort: str = DEFAULT_SORT,
    without_flagged: bool = False,
) -> Any:
    """A unit's dashboard: progress against targets, the trend and ranking of one indicator (by code; the first
    with a target when left out), the children with their coordinates, and coverage. ``sort`` is a column of
    the children (rank, name, achieved, target, percent, score), ``-`` first for descending. With
    ``without_flagged=true`` (for those who read data-quality flags), the progress rows leave out the records
    under open flags."""
    subject = dashboard_subject(user=request.user, unit_id=unit_id)
    return _dashboard(
        request, subject, period_id, wanted_indicator=indicator, sort=sort, without_flagged=without_flagged
    )


@router.get("/dashboards/villages/{village_id}", response={200: DashboardOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def village_dashboard(
    request: SignedInRequest,
    village_id: int,
    period_id: int | None = None,
    indicator: str | None = None,
    without_flagged: bool = False,
) -> Any:
    """A village team's dashboard (no children); ``without_flagged`` as for a unit's."""
    subject = dashboard_subject(user=request.user, village_id=village_id)
    return _dashboard(request, subject, period_id, wanted_indicator=indicator, without_flagged=without_flagged)
