"""The breach register pages, and the erasure of staff (officers of a commune, province or the nation, for their
units)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError
from cdtt.privacy import datamap, selectors, services, staff
from cdtt.privacy.auditing import audit_refusals
from cdtt.privacy.documents import breach_notice_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _moment_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


_LONG = forms.Textarea(attrs={"rows": 3})


class BreachForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit"))
    title = forms.CharField(label=gettext_lazy("What happened (short)"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Description"), widget=_LONG, max_length=5000)
    occurred_at = forms.DateTimeField(label=gettext_lazy("When it happened"), required=False, widget=_moment_input())
    discovered_at = forms.DateTimeField(label=gettext_lazy("When it was discovered"), widget=_moment_input())
    datasets = forms.MultipleChoiceField(
        label=gettext_lazy("Datasets affected"), widget=forms.CheckboxSelectMultiple, required=False
    )
    subjects_count = forms.IntegerField(label=gettext_lazy("Number of people affected"), required=False)
    subjects = forms.CharField(label=gettext_lazy("People affected"), widget=_LONG, required=False, max_length=5000)
    consequences = forms.CharField(
        label=gettext_lazy("Likely consequences"), widget=_LONG, required=False, max_length=5000
    )
    measures = forms.CharField(label=gettext_lazy("Measures taken"), widget=_LONG, required=False, max_length=5000)
    reporter_name = forms.CharField(label=gettext_lazy("Contact person"), max_length=150, required=False)
    reporter_contact = forms.CharField(label=gettext_lazy("Contact phone or e-mail"), max_length=150, required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]  # type: ignore[attr-defined]
        self.fields["datasets"].choices = [(d.code, d.name) for d in datamap.DATASETS]  # type: ignore[attr-defined]


def _data(cleaned: dict[str, Any]) -> services.BreachIn:
    return services.BreachIn(
        title=cleaned["title"],
        description=cleaned["description"],
        occurred_at=cleaned["occurred_at"],
        discovered_at=cleaned["discovered_at"],
        datasets=list(cleaned["datasets"]),
        subjects=cleaned["subjects"],
        subjects_count=cleaned["subjects_count"],
        consequences=cleaned["consequences"],
        measures=cleaned["measures"],
        reporter_name=cleaned["reporter_name"],
        reporter_contact=cleaned["reporter_contact"],
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Perm.MANAGE_BREACHES)
def breach_list(request: SignedInRequest) -> HttpResponse:
    """The breaches of the officer's units, overdue ones (72 hours passed, authority not told) marked."""
    rows = list(selectors.breach_list(user=request.user)[:200])
    return _private(render(request, "privacy/breaches.html", {"rows": rows}))


@requires(Perm.MANAGE_BREACHES)
def breach_new(request: SignedInRequest) -> HttpResponse:
    """Record a breach: the 72-hour clock starts when it was discovered."""
    units = list(scope_for(request.user).units(Perm.MANAGE_BREACHES).order_by("path")[:500])
    initial = {"discovered_at": timezone.localtime().replace(second=0, microsecond=0)}
    form = BreachForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        try:
            breach = services.breach_record(
                actor=request.user, unit=unit, data=_data(form.cleaned_data), request=request
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The breach was recorded. Notify the authority within 72 hours."))
            return redirect("privacy:breach", breach_id=breach.pk)
    status = 400 if form.errors else 200
    return _private(render(request, "privacy/breach_new.html", {"form": form}, status=status))


@requires(Perm.MANAGE_BREACHES)
def breach_detail(request: SignedInRequest, breach_id: int) -> HttpResponse:
    """A breach with its deadline, the people to inform; record the notice sent, or close it (POST)."""
    breach = selectors.breach_get(user=request.user, breach_id=breach_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "notified":
                services.breach_notified(actor=request.user, breach=breach, request=request)
                messages.success(request, _("The notice to the authority was recorded."))
            elif action == "close":
                services.breach_close(actor=request.user, breach=breach, request=request)
                messages.success(request, _("The breach was closed."))
            else:
                messages.error(request, _("Choose an action."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("privacy:breach", breach_id=breach.pk)
    total, people = selectors.breach_subjects(user=request.user, breach=breach)
    context = {
        "breach": breach,
        "datasets": [datamap.dataset(code).name for code in breach.datasets],
        "subjects_total": total,
        "people": people,
    }
    return _private(render(request, "privacy/breach_detail.html", context))


@audit_refusals("breach_notice")
@requires(Perm.MANAGE_BREACHES)
def breach_notice(request: SignedInRequest, breach_id: int) -> HttpResponse:
    """The notice to the authority, as a Word document in the administrative format, to sign and send."""
    breach = selectors.breach_get(user=request.user, breach_id=breach_id)
    response = HttpResponse(breach_notice_docx(breach), content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="thong-bao-su-co-{breach.pk}.docx"'
    return _private(response)


# -- erasure of the platform's own people -------------------------------------------------------------


@requires(Perm.MANAGE_TEAMS)
def member_erase(request: SignedInRequest, member_id: int) -> HttpResponse:
    """Erase a team member who left, and their account (POST after the confirmation page)."""
    member = staff.member_get(user=request.user, member_id=member_id)
    if request.method == "POST":
        try:
            staff.member_erase(actor=request.user, member=member, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The person's personal data was erased; the team figures are kept."))
        return redirect("privacy:member_erase", member_id=member.pk)
    context = {"member": member, "erased": member.full_name == staff.ERASED_NAME}
    return _private(render(request, "privacy/member_erase.html", context))


class TrainerEraseForm(forms.Form):
    unit = forms.ChoiceField(label=gettext_lazy("Unit whose training records name the person"))
    name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    phone = forms.CharField(label=gettext_lazy("Phone (if it was written down)"), max_length=20, required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(str(u.pk), u.name) for u in units]  # type: ignore[attr-defined]


@requires(Perm.MANAGE_TRAINING)
def trainer_erase(request: SignedInRequest) -> HttpResponse:
    """Erase a trainer or an enterprise's contact person named in the training records of one's units."""
    units = list(scope_for(request.user).units(Perm.MANAGE_TRAINING).order_by("path")[:500])
    form = TrainerEraseForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        try:
            redacted = staff.trainer_erase(
                actor=request.user,
                unit=unit,
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            count = sum(redacted.values())
            messages.success(request, _("Erased from %(n)d records.") % {"n": count})
            return redirect("privacy:trainer_erase")
    status = 400 if form.errors else 200
    return _private(render(request, "privacy/trainer_erase.html", {"form": form}, status=status))
