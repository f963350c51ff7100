"""Unit browser (nation → provinces → communes → villages) and village management pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError
from cdtt.geo import selectors, services
from cdtt.geo.forms import RetireForm, VillageForm

PAGE_SIZE = 50


@requires(Perm.VIEW_UNITS)
def browse(request: SignedInRequest) -> HttpResponse:
    """The units the user's roles are held at, and a search box."""
    q = request.GET.get("q", "").strip()
    hits = selectors.unit_search(user=request.user, q=q, limit=PAGE_SIZE) if q else []
    return render(request, "geo/browse.html", {"roots": selectors.unit_roots(user=request.user), "q": q, "hits": hits})


@requires(Perm.VIEW_UNITS)
def unit_detail(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """A unit: its children with counts, or, for a commune, its villages."""
    scope = scope_for(request.user)
    unit = scope.unit(unit_id)
    context = {
        "unit": unit,
        "crumbs": selectors.unit_breadcrumbs(user=request.user, unit=unit),
        "can_manage": unit.is_current and unit.is_commune and scope.covers_unit(unit, Perm.MANAGE_VILLAGES),
        "can_manage_accounts": unit.is_current and scope.covers_unit(unit, Perm.MANAGE_ACCOUNTS),
        "can_import_households": unit.is_current and unit.is_commune and scope.covers_unit(unit, Perm.EDIT_HOUSEHOLDS),
        "can_see_figures": unit.is_current and unit.is_commune and scope.has(Perm.VIEW_FIGURES),
        # Official figures and the years before 2025 (cdtt.official): any unit, an old one through its successors.
        "can_see_official": unit.kind != "district" and scope.has(Perm.VIEW_FIGURES),
        "successors": unit.successor_links.select_related("new"),  # type: ignore[attr-defined]
        "predecessors": selectors.unit_predecessors(user=request.user, unit=unit),
    }
    if unit.is_commune:
        show_retired = request.GET.get("retired") == "1"
        villages = selectors.village_list(user=request.user, commune=unit, include_retired=show_retired)
        context.update(
            page=Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page")),
            show_retired=show_retired,
            form=VillageForm(),
        )
    else:
        children = selectors.unit_children(user=request.user, unit=unit)
        context["page"] = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "geo/unit.html", context)


@requires(Perm.MANAGE_VILLAGES)
def village_create(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Add a village to a commune (POST from the commune page)."""
    commune = scope_for(request.user).unit(unit_id, Perm.MANAGE_VILLAGES)
    form = VillageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            village = services.village_create(actor=request.user, commune=commune, request=request, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Village “%(name)s” was added.") % {"name": village.name})
            return redirect("geo:unit", unit_id=commune.pk)
    return render(
        request, "geo/village_form.html", {"form": form, "commune": commune}, status=400 if form.errors else 200
    )


@requires(Perm.VIEW_UNITS)
def village_detail(request: SignedInRequest, village_id: int) -> HttpResponse:
    """A village; officers of its commune may rename or retire it."""
    scope = scope_for(request.user)
    village = scope.village(village_id)
    can_manage = village.is_active and scope.covers_unit(village.commune, Perm.MANAGE_VILLAGES)
    form = VillageForm(initial={"name": village.name, "kind": village.kind, "code": village.code})
    retire_form = RetireForm(initial={"on": timezone.localdate()})
    return render(
        request,
        "geo/village.html",
        {"village": village, "can_manage": can_manage, "form": form, "retire_form": retire_form},
    )


@requires(Perm.MANAGE_VILLAGES)
def village_edit(request: SignedInRequest, village_id: int) -> HttpResponse:
    """Rename a village or change its type or code."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    form = VillageForm(request.POST or None, initial={"name": village.name, "kind": village.kind, "code": village.code})
    if request.method == "POST" and form.is_valid():
        try:
            services.village_update(actor=request.user, village=village, request=request, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The village was saved."))
            return redirect("geo:village", village_id=village.pk)
    return render(
        request,
        "geo/village_form.html",
        {"form": form, "commune": village.commune, "village": village},
        status=400 if form.errors else 200,
    )


@requires(Perm.MANAGE_VILLAGES)
def village_retire(request: SignedInRequest, village_id: int) -> HttpResponse:
    """Retire a village from a date (POST)."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    if request.method != "POST":
        return redirect("geo:village", village_id=village.pk)
    form = RetireForm(request.POST)
    if form.is_valid():
        try:
            services.village_retire(actor=request.user, village=village, on=form.cleaned_data["on"], request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The village was retired."))
    else:
        messages.error(request, _("Enter a valid date."))
    return redirect("geo:village", village_id=village.pk)
