"""Household register pages: the list with gap filters, a household with its one-tap adoption checklist,
the household and person forms, and register coverage per village (aggregates only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import mask_phone
from cdtt.geo.models import AdminUnit
from cdtt.households import selectors, services
from cdtt.households.forms import AdoptionForm, HouseholdFilterForm, HouseholdForm, ResidentForm
from cdtt.households.models import AdoptionItem, AdoptionStatus, AppliesTo, Household, Resident
from cdtt.teams.selectors import sees_full_phones

PAGE_SIZE = 50
HISTORY_SIZE = 50


# -- helpers ---------------------------------------------------------------------------------------


def _phone(value: str, full: bool) -> str:
    if not value:
        return ""
    return value if full else mask_phone(value)


def _read_only_reason(household: Household) -> str:
    """Why the household cannot be changed (the services refuse it too), or "" when it can."""
    if household.erased_at is not None:
        return _("This household's personal data was erased.")
    if household.processing_stopped:
        return _("Processing of this household's data has stopped (consent withdrawn or restricted).")
    return ""


def _person_read_only(resident: Resident) -> bool:
    return resident.erased_at is not None or resident.processing_stopped


def _refuse_read_only(request: HttpRequest, household: Household) -> HttpResponse | None:
    """A form page of a stopped or erased household: back to the household with the reason, nothing written."""
    reason = _read_only_reason(household)
    if not reason:
        return None
    messages.error(request, reason + " " + _("It can no longer be changed."))
    return redirect("households:detail", household_id=household.pk)


def _form_error(form: Any, exc: DomainError) -> None:
    if isinstance(exc, NotFound | Forbidden):
        raise exc  # the access decorator turns these into 404 / 403
    field_name = {"caretaker_id": "caretaker"}.get(exc.field or "", exc.field)
    form.add_error(field_name if field_name in form.fields else None, exc.message)


def _resident(household: Household, resident_id: int) -> Resident:
    """One person of ``household`` (already scoped); 404 otherwise."""
    for resident in selectors.resident_list(household=household):
        if resident.pk == resident_id:
            resident.household = household
            return resident
    raise NotFound(_("The person was not found."))


def _shows(request: HttpRequest) -> bool:
    """Whether the request shows the household's details (a GET): a POST is audited by the service it calls."""
    return request.method == "GET"


def _detail_url(household: Household, anchor: str = "") -> str:
    url = reverse("households:detail", kwargs={"household_id": household.pk})
    return f"{url}#{anchor}" if anchor else url


# -- the list --------------------------------------------------------------------------------------


@dataclass
class ListRow:
    household: Household
    phone: str
    reached: int


@requires(Perm.VIEW_HOUSEHOLDS)
def household_list(request: SignedInRequest) -> HttpResponse:
    """The households of the user's villages, filtered by village, caretaker, name or phone, and adoption gaps."""
    user = request.user
    villages = selectors.household_villages(user=user)
    items = list(selectors.adoption_items())
    form = HouseholdFilterForm(
        request.GET or None, villages=villages, caretakers=selectors.caretaker_list(user=user), items=items
    )
    if form.is_bound:
        form.is_valid()
    filters = form.filters()
    counts = selectors.household_filter_counts(user=user, filters=filters)
    form.show_counts(counts)
    page = Paginator(selectors.household_list(user=user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    households = list(page)
    reached = selectors.adoption_counts(household_ids=[h.pk for h in households])
    full = sees_full_phones(user)
    rows = [ListRow(h, _phone(h.phone, full), reached.get(h.pk, 0)) for h in households]
    selectors.household_list_audit(user=user, households=households, filters=filters, request=request)
    new_village = filters.village_id or (villages[0].pk if len(villages) == 1 else None)
    communes = list({v.commune_id: v.commune for v in villages}.values())
    scope = scope_for(user)
    # The file import works per commune, for those who keep the whole commune's register (not a team):
    # offered here too, where people look for it, not only on the commune's page.
    importable = [c for c in communes if c.is_current and scope.covers_unit(c, Perm.EDIT_HOUSEHOLDS)]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "items_total": len(items),
        "active": form.active(),
        "can_edit": scope.has(Perm.EDIT_HOUSEHOLDS) and bool(villages),
        "new_village": new_village,
        "communes": communes,
        "importable": importable,
        "show_village": len(villages) > 1,
    }
    return render(request, "households/list.html", context)


# -- one household ---------------------------------------------------------------------------------


@dataclass
class Tick:
    """One button of the checklist: an item for the household or one person, ticked or not."""

    item: AdoptionItem
    status: AdoptionStatus | None
    anchor: str
    resident: Resident | None = None
    people: int = 0  # for a household item: how many of its people reached it on their own


@dataclass
class PersonRow:
    resident: Resident
    phone: str
    read_only: bool
    ticks: list[Tick] = field(default_factory=list)


@requires(Perm.VIEW_HOUSEHOLDS)
def household_detail(request: SignedInRequest, household_id: int) -> HttpResponse:
    """A household's details, its people, the one-tap adoption checklist and the history of ticks."""
    user = request.user
    household = selectors.household_get(user=user, household_id=household_id, request=request)
    residents = selectors.resident_list(household=household)
    statuses = {(s.resident_id, s.item_id): s for s in selectors.adoption_status_list(household=household)}
    items = list(selectors.adoption_items())
    full = sees_full_phones(user)
    people_per_item: dict[int, int] = {}
    for resident_id, item_id in statuses:
        if resident_id is not None:
            people_per_item[item_id] = people_per_item.get(item_id, 0) + 1
    household_ticks = [
        Tick(item, statuses.get((None, item.pk)), f"i-{item.code}", people=people_per_item.get(item.pk, 0))
        for item in items
        if item.applies_to != AppliesTo.RESIDENT
    ]
    people = [
        PersonRow(
            resident=r,
            phone=_phone(r.phone, full),
            read_only=_person_read_only(r),
            ticks=[
                Tick(item, statuses.get((r.pk, item.pk)), f"r{r.pk}-{item.code}", resident=r)
                for item in items
                if item.applies_to != AppliesTo.HOUSEHOLD
            ],
        )
        for r in residents
    ]
    reason = _read_only_reason(household)
    context = {
        "household": household,
        "phone": _phone(household.phone, full),
        "phone2": _phone(household.phone2, full),
        "ticks": household_ticks,
        "reached": len({item_id for _resident_id, item_id in statuses}),  # by the household or any person
        "items_total": len(items),
        "people": people,
        "history": selectors.adoption_history(household=household, limit=HISTORY_SIZE),
        "read_only_reason": reason,
        "can_edit": not reason and scope_for(user).has(Perm.EDIT_HOUSEHOLDS),
        "can_record": not reason and scope_for(user).has(Perm.RECORD_ACTIVITIES),
    }
    return render(request, "households/detail.html", context)


@requires(Perm.EDIT_HOUSEHOLDS)
def adoption(request: SignedInRequest, household_id: int) -> HttpResponse:
    """One tap of the checklist (POST): tick an item, or undo a tick; back to the same place on the page."""
    user = request.user
    household = selectors.household_get(
        user=user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, request=request, audit=False
    )
    if request.method != "POST":
        return redirect("households:detail", household_id=household.pk)
    form = AdoptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The tick was not understood; please try again."))
        return redirect("households:detail", household_id=household.pk)
    data = form.cleaned_data
    resident = _resident(household, data["resident"]) if data["resident"] else None
    try:
        if data["action"] == "set":
            services.adoption_set(
                actor=user, household=household, item_code=data["item"], resident=resident, request=request
            )
        else:
            services.adoption_unset(
                actor=user, household=household, item_code=data["item"], resident=resident, request=request
            )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("households:detail", household_id=household.pk)  # the top of the page, where the message is
    anchor = f"r{resident.pk}-{data['item']}" if resident else f"i-{data['item']}"
    return HttpResponseRedirect(_detail_url(household, anchor))


# -- forms -----------------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    submit: str,
    household: Household | None = None,
    cancel: str = "",
) -> HttpResponse:
    context = {"form": form, "title": title, "submit": submit, "household": household, "cancel": cancel}
    return render(request, "households/form.html", context, status=400 if form.errors else 200)


def _caretakers(user: Any, commune: AdminUnit | None = None) -> list[Any]:
    members = selectors.caretaker_list(user=user, perm=Perm.EDIT_HOUSEHOLDS)
    return [m for m in members if commune is None or m.commune_id == commune.pk]


@requires(Perm.EDIT_HOUSEHOLDS)
def household_create(request: SignedInRequest) -> HttpResponse:
    """Register a household in one of the user's villages (``?village=<id>`` preselects it)."""
    user = request.user
    villages = selectors.household_villages(user=user, perm=Perm.EDIT_HOUSEHOLDS)
    initial: dict[str, Any] = {}
    if request.GET.get("village"):
        chosen = next((v for v in villages if str(v.pk) == request.GET["village"]), None)
        if chosen is None:
            raise NotFound(_("The village was not found."))
        initial["village"] = str(chosen.pk)
    form = HouseholdForm(
        request.POST or None,
        villages=villages,
        caretakers=_caretakers(user),
        initial=initial,
        full_phones=True,  # a new household: the user is typing the numbers in
    )
    if request.method == "POST" and form.is_valid():
        village = next(v for v in villages if v.pk == form.village_id())
        try:
            household = services.household_create(
                actor=user, village=village, data=form.household_in(), request=request
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The household was registered."))
            return redirect("households:detail", household_id=household.pk)
    cancel = reverse("households:list") + (f"?village={initial['village']}" if initial else "")
    return _form_page(request, form, title=_("Register a household"), submit=_("Register"), cancel=cancel)


@requires(Perm.EDIT_HOUSEHOLDS)
def household_edit(request: SignedInRequest, household_id: int) -> HttpResponse:
    """Correct a household's details (not for a stopped or erased household)."""
    user = request.user
    household = selectors.household_get(
        user=user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, request=request, audit=_shows(request)
    )
    refused = _refuse_read_only(request, household)
    if refused is not None:
        return refused
    form = HouseholdForm(
        request.POST or None,
        villages=None,
        caretakers=_caretakers(user, household.commune),
        household=household,
        full_phones=sees_full_phones(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.household_update(actor=user, household=household, data=form.household_in(), request=request)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The household's details were saved."))
            return redirect("households:detail", household_id=household.pk)
    title = _("Details of %(name)s's household") % {"name": household.head_name}
    return _form_page(request, form, title=title, submit=_("Save"), household=household, cancel=_detail_url(household))


@requires(Perm.EDIT_HOUSEHOLDS)
def resident_add(request: SignedInRequest, household_id: int) -> HttpResponse:
    """Add a person to a household."""
    user = request.user
    household = selectors.household_get(
        user=user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, request=request, audit=_shows(request)
    )
    refused = _refuse_read_only(request, household)
    if refused is not None:
        return refused
    form = ResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_add(actor=user, household=household, data=form.resident_in(), request=request)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added to the household.") % {"name": resident.full_name})
            return HttpResponseRedirect(_detail_url(household, f"r{resident.pk}"))
    return _form_page(
        request,
        form,
        title=_("Add a person to %(name)s's household") % {"name": household.head_name},
        submit=_("Add"),
        household=household,
        cancel=_detail_url(household, "people"),
    )


@requires(Perm.EDIT_HOUSEHOLDS)
def resident_edit(request: SignedInRequest, household_id: int, resident_id: int) -> HttpResponse:
    """Correct a person's details."""
    user = request.user
    household = selectors.household_get(
        user=user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, request=request, audit=_shows(request)
    )
    resident = _resident(household, resident_id)
    refused = _refuse_read_only(request, household)
    if refused is not None:
        return refused
    if _person_read_only(resident):
        messages.error(
            request, _("Processing of this person's data has stopped.") + " " + _("It can no longer be changed.")
        )
        return redirect("households:detail", household_id=household.pk)
    form = ResidentForm(request.POST or None, resident=resident, full_phones=sees_full_phones(user))
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_update(actor=user, resident=resident, data=form.resident_in(), request=request)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The person's details were saved."))
            return HttpResponseRedirect(_detail_url(household, f"r{resident.pk}"))
    return _form_page(
        request,
        form,
        title=_("Details of %(name)s") % {"name": resident.full_name},
        submit=_("Save"),
        household=household,
        cancel=_detail_url(household, f"r{resident.pk}"),
    )


# -- coverage (aggregates only) --------------------------------------------------------------------


@dataclass
class ItemFigure:
    item: AdoptionItem
    households: int
    people: int
    share: float | None  # % of the commune's households


@requires(Perm.VIEW_FIGURES)
def coverage(request: SignedInRequest, commune_id: int) -> HttpResponse:
    """Households registered per village against the declared count, and how many reached each item."""
    user = request.user
    commune = scope_for(user).unit(commune_id, Perm.VIEW_FIGURES)
    if not commune.is_commune or not commune.is_current:
        raise NotFound(_("The unit was not found."))
    rows = selectors.register_coverage(user=user, commune=commune)
    figures = selectors.adoption_figures(user=user, unit=commune)
    total = figures["households"]
    item_rows = []
    for item in selectors.adoption_items():
        reached = figures["items"].get(item.code, {"households": 0, "people": 0})
        share = round(100 * reached["households"] / total, 1) if total else None
        item_rows.append(ItemFigure(item, reached["households"], reached["people"], share))
    registered = sum(row.registered for row in rows)
    declared = sum(row.declared for row in rows if row.declared)
    declared_registered = sum(row.registered for row in rows if row.declared)
    context = {
        "commune": commune,
        "rows": rows,
        "items": item_rows,
        "households": total,
        "registered": registered,
        "declared": declared,
        "coverage": round(100 * declared_registered / declared, 1) if declared else None,
        "undeclared": sum(1 for row in rows if not row.declared),
        "can_list": scope_for(user).has(Perm.VIEW_HOUSEHOLDS),
    }
    return render(request, "households/coverage.html", context)
