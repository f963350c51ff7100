"""The public team finder ("Tìm Tổ công nghệ số"): provinces → communes → villages, no sign-in.

Every page is the same for every visitor (rendered with the anonymous shell, never the signed-in
navigation or a CSRF token), so it may be cached publicly for a few minutes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from cdtt.access.decorators import public
from cdtt.core.errorpages import render_error
from cdtt.core.errors import NotFound
from cdtt.teams.qr import qr_svg
from cdtt.teams.selectors import public as selectors
from cdtt.teams.selectors.public import MAX_AGE, qr_url

PAGE_SIZE = 50
SEARCH_MAX = 100


def _cacheable(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # The shell is rendered as for an anonymous visitor: a publicly cached page must not carry one user's data.
    shell = {"user": AnonymousUser(), "nav_items": [], "messages": ()}
    return _cacheable(render(request, template, {**context, **shell}))


def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return render_error(request, 404, exc.message)  # not cached: the unit may be loaded later


@public("Lists current provinces and searches current communes by name: public administrative names only.")
def index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    context = {
        "q": q,
        "provinces": selectors.public_province_list(q=q),
        "communes": selectors.public_commune_search(q=q),
    }
    return _page(request, "finder/index.html", context)


@public("Lists a current province's communes with counts of villages and active teams; no personal data.")
def province(request: HttpRequest, province_id: int) -> HttpResponse:
    try:
        unit = selectors.public_province_get(province_id=province_id)
    except NotFound as exc:
        return _not_found(request, exc)
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    communes = selectors.public_commune_list(province=unit, q=q)
    page = Paginator(communes, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "finder/province.html", {"province": unit, "q": q, "page": page})


@public(
    "Shows a commune's active villages: whether each has an active team, the leader's name, the leader's phone "
    "only with their recorded consent, and the village's households chat group; no other personal data."
)
def commune(request: HttpRequest, commune_id: int) -> HttpResponse:
    try:
        unit = selectors.public_commune_get(commune_id=commune_id)
    except NotFound as exc:
        return _not_found(request, exc)
    villages = selectors.public_commune_villages(commune=unit, qr_url=qr_url)
    page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "finder/commune.html", {"commune": unit, "page": page})


@public("The QR code of a village's households chat group invite link, which the finder page already shows.")
def qr(request: HttpRequest, village_id: int) -> HttpResponse:
    try:
        link = selectors.public_group_link(village_id=village_id)
    except NotFound as exc:
        return _not_found(request, exc)
    return _cacheable(HttpResponse(qr_svg(link), content_type="image/svg+xml"))
