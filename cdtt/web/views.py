"""The shell: home page, health check, the redirects from the old English paths and the CSRF failure page."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST

from cdtt.access.decorators import public
from cdtt.access.operator import operator_allowed
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.models import Role
from cdtt.core.errorpages import render_error
from cdtt.core.health import readiness
from cdtt.geo.selectors import unit_roots, village_counts
from cdtt.practices.announcements import unread as unread_announcements
from cdtt.web.metrics import render_metrics
from cdtt.web.old_paths import new_path


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


@public("Reports only which dependencies answer (database, replica, queue, storage); no data is returned.")
def healthz(request: HttpRequest) -> JsonResponse:
    ready, report = readiness()
    return JsonResponse(report, status=200 if ready else 503)


@public(
    "Checks the operator itself: a bearer token equal to CDTT_METRICS_TOKEN, or a signed-in national administrator "
    "or staff member; anyone else gets 401 or 403. Returns counts and timings, no personal data."
)
def metrics(request: HttpRequest) -> HttpResponse:
    allowed = operator_allowed(request)
    if allowed is None:
        response = HttpResponse(_("Sign in or send the metrics token."), status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not allowed:
        return HttpResponse(_("Only the operator may read the metrics."), status=403, content_type="text/plain")
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)


class HttpResponsePermanentRedirectSameMethod(HttpResponseRedirectBase):
    status_code = 308


@public("Only answers with the new address of an old one; the page it points to checks access itself.")
def old_path_redirect(request: HttpRequest, old: str, rest: str = "") -> HttpResponse:
    """A page path from before the Vietnamese paths: redirect permanently to its new path, same query string."""
    target = new_path(old, rest)
    try:
        if target == "/":  # /channels/ itself was never a page
            raise Resolver404
        resolve(target)
    except Resolver404:
        raise Http404 from None
    location = quote(target) + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    # 301 for reading; a form sent to an old path (a phone app still holding the old script posts to /logout/)
    # gets 308, the permanent redirect that keeps the method and the body.
    if request.method in ("GET", "HEAD"):
        return redirect(location, permanent=True)
    return HttpResponsePermanentRedirectSameMethod(location)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render_error(
        request, 403, _("The form has expired or was not sent from this site. Reload the page and try again.")
    )
