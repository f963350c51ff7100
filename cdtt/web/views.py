"""The shell: home page, health check and the Vietnamese CSRF failure page."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cdtt.access.decorators import public
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.models import Role
from cdtt.geo.selectors import unit_roots, village_counts
from cdtt.practices.announcements import unread as unread_announcements


@public("Sends anonymous visitors to the login page and shows a signed-in user only their own scope.")
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    scope = scope_for(request.user)
    context = {
        "counts": village_counts(user=request.user),
        "roots": unit_roots(user=request.user),
        "grants": scope.grants,
        "assignments": request.user.assignments.select_related("unit", "village"),  # type: ignore[union-attr]
        "can_record": scope.has(Perm.RECORD_ACTIVITIES) and any(g.village_id for g in scope.grants),
        "can_see_targets": scope.has(Perm.VIEW_FIGURES),
        "announcements": unread_announcements(user=request.user),
        # A leader's way to the one-page scorecard of the unit they answer for.
        "scorecard_unit": next((g.unit_id for g in scope.grants if g.role == Role.LEADER), None),
    }
    return render(request, "web/home.html", context)


@public("Reports only whether the database answers; no data is returned.")
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means the database is unreachable
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    from cdtt.web.errors import render_error

    return render_error(
        request, 403, _("The form has expired or was not sent from this site. Reload the page and try again.")
    )
