"""Personal-data pages: the register of processing, a household's consents, data-subject requests, exports."""

from __future__ import annotations

import datetime
import json
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError
from cdtt.households import privacy
from cdtt.households.models import ConsentMethod, Household, RequestKind, Resident
from cdtt.households.selectors import household_get, stopped_households
from cdtt.privacy import selectors as privacy_selectors
from cdtt.privacy.auditing import audit_refusals

R = TypeVar("R", bound=HttpResponseBase)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE_SIZE = 50
WHOLE_HOUSEHOLD = ""


def _private(response: R) -> R:
    """Personal data: no shared cache may keep it."""
    response["Cache-Control"] = "private, no-store"
    return response


def _resident_choices(household: Household) -> list[tuple[str, str]]:
    people = [(str(r.pk), r.full_name) for r in household.residents.all() if r.erased_at is None]
    return [(WHOLE_HOUSEHOLD, str(_("The household (head of household)"))), *people]


def _resident(household: Household, value: str) -> Resident | None:
    return household.residents.filter(pk=int(value)).first() if value else None


class ConsentForm(forms.Form):
    """Who consented to what, when, how, to which notice, with which evidence; the rules live in the service."""

    subject = forms.ChoiceField(label=gettext_lazy("Whose data"), required=False)
    activity = forms.ChoiceField(label=gettext_lazy("Processing activity"))
    given_by = forms.CharField(
        label=gettext_lazy("Given by"),
        max_length=150,
        help_text=gettext_lazy("The person who gave the consent (the head of household or the person themselves)."),
    )
    given_at = forms.DateTimeField(
        label=gettext_lazy("Given at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    method = forms.ChoiceField(label=gettext_lazy("How"), choices=ConsentMethod.choices)
    notice_version = forms.CharField(
        label=gettext_lazy("Notice version"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Leave empty for the notice in force."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("For example the number of the signed form or the message it came in."),
    )

    def __init__(self, *args: Any, household: Household, activities: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = _resident_choices(household)  # type: ignore[attr-defined]
        self.fields["activity"].choices = [(a.code, a.name) for a in activities]  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The person asks for"), choices=RequestKind.choices)
    subject = forms.ChoiceField(label=gettext_lazy("Whose data"), required=False)
    requester = forms.CharField(label=gettext_lazy("Requester"), max_length=150)
    contact = forms.CharField(
        label=gettext_lazy("Contact"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("A phone number or address to answer to."),
    )
    details = forms.CharField(
        label=gettext_lazy("Details"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    received_on = forms.DateField(
        label=gettext_lazy("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = _resident_choices(household)  # type: ignore[attr-defined]


class HandleForm(forms.Form):
    """One step on a request; ``text`` is the extension's reason or the outcome."""

    ACTIONS = ("acknowledge", "extend", "complete", "refuse")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    text = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# -- the register of processing ----------------------------------------------------------------------


@requires(Perm.VIEW_HOUSEHOLDS)
def register(request: SignedInRequest) -> HttpResponse:
    """What the platform processes, why, on which legal basis and for how long."""
    entries = privacy_selectors.register_entries(user=request.user)
    scope = scope_for(request.user)
    context = {
        "entries": entries,
        "can_handle": scope.has(Perm.MANAGE_PRIVACY),
        "can_breach": scope.has(Perm.MANAGE_BREACHES),
    }
    return render(request, "households/privacy/register.html", context)


# -- consent -----------------------------------------------------------------------------------------


@requires(Perm.VIEW_HOUSEHOLDS)
def consents(request: SignedInRequest, household_id: int) -> HttpResponse:
    """A household's consents and requests; the village team records consent here (POST)."""
    user = request.user
    household = household_get(
        user=user, household_id=household_id, request=request, audit=request.method != "POST", allow_stopped=True
    )
    scope = scope_for(user)
    can_edit = scope.has(Perm.EDIT_HOUSEHOLDS) and household.erased_at is None
    activities = list(privacy.processing_register(user=user))
    default = "household_register" if any(a.code == "household_register" for a in activities) else None
    form = ConsentForm(
        request.POST or None,
        household=household,
        activities=activities,
        initial={"given_at": timezone.localtime().replace(second=0, microsecond=0), "activity": default},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            privacy.consent_record(
                actor=user,
                household=household,
                resident=_resident(household, data["subject"]),
                activity_code=data["activity"],
                given_by=data["given_by"],
                given_at=data["given_at"],
                method=data["method"],
                notice_version=data["notice_version"],
                evidence=data["evidence"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("households:consents", household_id=household.pk)
    context = {
        "household": household,
        "consents": privacy.consent_list(user=user, household=household),
        "requests": privacy.household_requests(user=user, household=household),
        "form": form,
        "can_edit": can_edit,
        "can_log": scope.has(Perm.EDIT_HOUSEHOLDS),
        "can_handle": scope.has(Perm.MANAGE_PRIVACY),
    }
    return _private(render(request, "households/privacy/consents.html", context, status=400 if form.errors else 200))


@requires(Perm.EDIT_HOUSEHOLDS)
def consent_withdraw(request: SignedInRequest, household_id: int, consent_id: int) -> HttpResponse:
    """Withdraw a consent in one click (POST); processing stops when none is left."""
    household = household_get(
        user=request.user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, audit=False, allow_stopped=True
    )
    if request.method == "POST":
        consent = privacy.consent_get(user=request.user, household=household, consent_id=consent_id)
        try:
            privacy.consent_withdraw(actor=request.user, consent=consent, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The consent was withdrawn."))
    return redirect("households:consents", household_id=household.pk)


# -- data-subject requests ---------------------------------------------------------------------------


@requires(Perm.MANAGE_PRIVACY)
def requests(request: SignedInRequest) -> HttpResponse:
    """Requests of the officer's communes, open ones first by deadline; overdue ones marked (or alone)."""
    overdue_only = request.GET.get("overdue") == "1"
    rows = privacy.request_list(user=request.user, overdue_only=overdue_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "overdue_only": overdue_only,
        "today": timezone.localdate(),
        "stopped": stopped_households(user=request.user),
    }
    return _private(render(request, "households/privacy/requests.html", context))


@requires(Perm.EDIT_HOUSEHOLDS)
def request_new(request: SignedInRequest, household_id: int) -> HttpResponse:
    """Log a person's request about their data; the deadlines are computed from the date received."""
    user = request.user
    household = household_get(
        user=user, household_id=household_id, perm=Perm.EDIT_HOUSEHOLDS, audit=False, allow_stopped=True
    )
    form = RequestForm(request.POST or None, household=household, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = privacy.request_open(
                actor=user,
                household=household,
                resident=_resident(household, data["subject"]),
                kind=data["kind"],
                requester=data["requester"],
                contact=data["contact"],
                details=data["details"],
                received_on=data["received_on"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("The request was logged. Acknowledge it by %(ack)s and complete it by %(due)s.")
                % {"ack": _date(created.acknowledge_due), "due": _date(created.due)},
            )
            if scope_for(user).has(Perm.MANAGE_PRIVACY):
                return redirect("households:request", request_id=created.pk)
            return redirect("households:consents", household_id=household.pk)
    context = {"household": household, "form": form}
    status = 400 if form.errors else 200
    return _private(render(request, "households/privacy/request_new.html", context, status=status))


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


_STEPS = {
    "acknowledge": (
        lambda user, dsr, text, req: privacy.request_acknowledge(actor=user, data_request=dsr, request=req),
        gettext_lazy("The request was acknowledged."),
    ),
    "extend": (
        lambda user, dsr, text, req: privacy.request_extend(actor=user, data_request=dsr, reason=text, request=req),
        gettext_lazy("The deadline was extended by 15 days."),
    ),
    "complete": (
        lambda user, dsr, text, req: privacy.request_complete(actor=user, data_request=dsr, outcome=text, request=req),
        gettext_lazy("The request was completed."),
    ),
    "refuse": (
        lambda user, dsr, text, req: privacy.request_refuse(actor=user, data_request=dsr, outcome=text, request=req),
        gettext_lazy("The request was refused; tell the person the reasons."),
    ),
}


@requires(Perm.MANAGE_PRIVACY)
def request_detail(request: SignedInRequest, request_id: int) -> HttpResponse:
    """A request with its deadlines and history; acknowledge, extend once, complete or refuse it (POST)."""
    user = request.user
    data_request = privacy.request_get(user=user, request_id=request_id)
    if request.method == "POST":
        form = HandleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose an action."))
        else:
            step, done = _STEPS[form.cleaned_data["action"]]
            try:
                step(user, data_request, form.cleaned_data["text"], request)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, str(done))
        return redirect("households:request", request_id=data_request.pk)
    context = {
        "item": data_request,
        "history": privacy.request_history(user=user, data_request=data_request),
        "is_delete": data_request.kind == RequestKind.DELETE,
        "stops": data_request.kind in privacy.STOPPING_KINDS,
    }
    return _private(render(request, "households/privacy/request_detail.html", context))


# -- exports -----------------------------------------------------------------------------------------


def _export_target(request: HttpRequest, household_id: int) -> Household:
    return household_get(
        user=request.user, household_id=household_id, perm=Perm.MANAGE_PRIVACY, audit=False, allow_stopped=True
    )


@audit_refusals("export_json")
@requires(Perm.MANAGE_PRIVACY)
def export_json(request: SignedInRequest, household_id: int) -> HttpResponse:
    """Everything held on a household and its people, as JSON (the right of access); audited."""
    household = _export_target(request, household_id)
    data = privacy.person_export(actor=request.user, household=household, request=request)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ho-{household.pk}.json"'
    return _private(response)


@audit_refusals("export_docx")
@requires(Perm.MANAGE_PRIVACY)
def export_docx(request: SignedInRequest, household_id: int) -> HttpResponse:
    """The same, as a Word document to hand to the person; audited."""
    household = _export_target(request, household_id)
    content = privacy.person_export_docx(actor=request.user, household=household, request=request)
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ho-{household.pk}.docx"'
    return _private(response)


@audit_refusals("request_export")
@requires(Perm.MANAGE_PRIVACY)
def request_export(request: SignedInRequest, request_id: int, fmt: str) -> HttpResponse:
    """The export handed to the person for a completed access request, as JSON or DOCX; audited."""
    data_request = privacy.request_get(user=request.user, request_id=request_id)
    data = privacy.request_export(actor=request.user, data_request=data_request, request=request)
    name = f"yeu-cau-{data_request.pk}-du-lieu"
    if fmt == "docx":
        response = HttpResponse(privacy.export_docx(data), content_type=DOCX_TYPE)
    else:
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return _private(response)
