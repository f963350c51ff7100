"""Dashboards, one screen per level (nation, province, commune, village team), and a leader's scorecard.

Aggregates only: every number is a count or a share, never a person. Filters are GET parameters, so a
dashboard works without JavaScript and every view of it has a link: ``period``, ``indicator`` (for the
trend, the ranking and the map) and ``sort`` (a ranking column, ``-`` first for descending).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.dashboards import panels as dashboard_panels
from cdtt.dashboards.selectors import DEFAULT_SORT, Dashboard, dashboard_subject, home_subject
from cdtt.geo.models import AdminUnit, Village
from cdtt.quality.selectors import flagged_shares, may_leave_out
from cdtt.targets.selectors import period_chosen


def _dashboard(request: HttpRequest, subject: AdminUnit | Village) -> tuple[Dashboard, dict[str, Any]]:
    period, periods = period_chosen(wanted=request.GET.get("period", ""))
    dashboard = Dashboard(
        user=request.user,
        subject=subject,
        period=period,
        wanted_indicator=request.GET.get("indicator", ""),
        sort=request.GET.get("sort", DEFAULT_SORT),
        today=timezone.localdate(),
        without_flagged=request.GET.get(dashboard_panels.WITHOUT_FLAGGED) == "1",
    )
    keep = {"period": period.pk}
    if dashboard.indicator is not None:
        keep["indicator"] = dashboard.indicator.pk
    context = {
        "dashboard": dashboard,
        "subject": subject,
        "period": period,
        "periods": periods,
        "query": urlencode(keep),
        "crumbs": _crumbs(request.user, subject),
        "elapsed": round(period.elapsed(timezone.localdate()) * 100),
    }
    return dashboard, context


def _crumbs(user: Any, subject: AdminUnit | Village) -> list[tuple[str, str]]:
    """The dashboards above this one that the user may open (nation › province › commune)."""
    path_ids = (subject.commune.path if isinstance(subject, Village) else subject.path).strip("/").split("/")
    ids = [int(part) for part in path_ids if part]
    if isinstance(subject, AdminUnit):
        ids = ids[:-1]
    visible = scope_for(user).units(Perm.VIEW_FIGURES).filter(pk__in=ids).only("pk", "name", "path")
    above = sorted(visible, key=lambda unit: unit.path.count("/"))
    return [(unit.name, reverse("dashboards:unit", args=[unit.pk])) for unit in above]


def _render(request: HttpRequest, subject: AdminUnit | Village) -> HttpResponse:
    dashboard, context = _dashboard(request, subject)
    context["panels"] = dashboard_panels.panels_for(dashboard)
    context["indicators"] = [f.indicator for f in dashboard.figures]
    return render(request, "dashboards/dashboard.html", context)


@requires(Perm.VIEW_FIGURES)
def dashboard_home(request: SignedInRequest) -> HttpResponse:
    """The dashboard of the user's own level: a team's village, else the highest unit of their roles."""
    subject = home_subject(user=request.user)
    name = "dashboards:village" if isinstance(subject, Village) else "dashboards:unit"
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return redirect(reverse(name, args=[subject.pk]) + query)


@requires(Perm.VIEW_FIGURES)
def unit_dashboard(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The nation's, a province's or a commune's dashboard."""
    return _render(request, dashboard_subject(user=request.user, unit_id=unit_id))


@requires(Perm.VIEW_FIGURES)
def village_dashboard(request: SignedInRequest, village_id: int) -> HttpResponse:
    """A village team's dashboard."""
    return _render(request, dashboard_subject(user=request.user, village_id=village_id))


@requires(Perm.VIEW_FIGURES)
def scorecard(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The leader's scorecard: one printable page of the unit's indicators against targets and its rank."""
    subject = dashboard_subject(user=request.user, unit_id=unit_id)
    context = _dashboard(request, subject)[1]
    context["printed"] = timezone.localtime()
    if isinstance(subject, AdminUnit):
        period = context["period"]
        context["flagged"] = flagged_shares(user=request.user, unit=subject, start=period.start, end=period.end)
    # The same switch as the dashboard's: the figures without the records of open (unreviewed) flags.
    context["left_out"] = context["dashboard"].progress_figures[1]
    context["can_leave_out"] = may_leave_out(request.user)
    context["without_flagged"] = dashboard_panels.WITHOUT_FLAGGED
    return render(request, "dashboards/scorecard.html", context)
