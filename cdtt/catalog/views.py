"""The catalogue pages: platforms and indicators for everyone signed in; national admins edit the national
catalogue, a province officer adds and edits the province's own platforms and indicators."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import catalog_owner_for
from cdtt.catalog import selectors, services
from cdtt.catalog.forms import IndicatorForm, OutcomeFormSet, PlatformForm
from cdtt.catalog.models import Indicator, Platform
from cdtt.core.errors import Forbidden


@requires(Perm.VIEW_UNITS)
def catalog_home(request: SignedInRequest) -> HttpResponse:
    """Platforms with their outcomes, and indicators with how each is computed."""
    return render(request, "catalog/home.html", selectors.catalog_home_page(user=request.user))


# -- indicators -------------------------------------------------------------------------------------


@requires(Perm.MANAGE_CATALOG)
def indicator_edit(request: SignedInRequest, indicator_id: int | None = None) -> HttpResponse:
    """Add or change an indicator; a province officer's new indicator belongs to the province."""
    if not catalog_owner_for(request.user).edits_any:
        raise Forbidden(_("Your role does not allow this action."))
    instance = (
        selectors.indicator_get_for_edit(user=request.user, indicator_id=indicator_id)
        if indicator_id is not None
        else Indicator()
    )
    form = IndicatorForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        indicator = services.indicator_save(
            actor=request.user,
            indicator=form.save(commit=False),
            outcomes=form.cleaned_data.get("outcomes") or [],
            changed=form.changed_data,
            request=request,
        )
        messages.success(request, _("Saved. Its totals are being counted again from the records in the background."))
        return redirect(reverse("catalog:home") + f"#i{indicator.pk}")
    return render(request, "catalog/form.html", {"form": form, "title": instance.name or _("New indicator")})


# -- platforms --------------------------------------------------------------------------------------


@requires(Perm.MANAGE_CATALOG)
def platform_edit(request: SignedInRequest, platform_id: int | None = None) -> HttpResponse:
    """Add or change a platform and its outcomes."""
    if not catalog_owner_for(request.user).edits_any:
        raise Forbidden(_("Your role does not allow this action."))
    if platform_id is not None:
        instance = selectors.platform_get_for_edit(user=request.user, platform_id=platform_id)
    else:
        instance = Platform()
    form = PlatformForm(request.POST or None, instance=instance)
    outcomes = OutcomeFormSet(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid() and outcomes.is_valid():
        platform = services.platform_save(
            actor=request.user,
            platform=form.save(commit=False),
            outcomes=outcomes.save(commit=False),
            request=request,
        )
        messages.success(request, _("Saved."))
        return redirect(reverse("catalog:home") + f"#p{platform.pk}")
    context = {"form": form, "formset": outcomes, "title": instance.name or _("New platform")}
    return render(request, "catalog/form.html", context)
