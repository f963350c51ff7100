"""Decision pages: read a decision, edit and sign a draft, download it as DOCX, keep and serve the signed scan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.files import user_file_response
from cdtt.core.text import mask_phone
from cdtt.teams import documents, selectors, services
from cdtt.teams.models import Decision, DecisionStatus, Gender, MemberRole, Organisation, SignerTitle

R = TypeVar("R", bound=HttpResponseBase)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DecisionForm(forms.Form):
    """A draft decision's particulars; the rules (number unique in the commune, drafts only) live in services."""

    number = forms.CharField(
        label=gettext_lazy("Number"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("For example 15/QĐ-UBND. Leave empty until the office gives the number."),
    )
    issued_on = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        # A type=date input only understands ISO dates.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    signer_name = forms.CharField(label=gettext_lazy("Signer's full name"), max_length=150, required=False)
    signer_title = forms.ChoiceField(label=gettext_lazy("Signer's title"), choices=SignerTitle.choices)
    legal_bases = forms.CharField(
        label=gettext_lazy("Legal bases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("One per line."),
    )
    proposer = forms.CharField(label=gettext_lazy("At the proposal of"), max_length=255, required=False)
    recipients = forms.CharField(
        label=gettext_lazy("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("One per line."),
    )

    @staticmethod
    def initial_for(decision: Decision) -> dict[str, Any]:
        return {
            "number": decision.number,
            "issued_on": decision.issued_on,
            "signer_name": decision.signer_name,
            "signer_title": decision.signer_title,
            "legal_bases": "\n".join(decision.legal_bases),
            "proposer": decision.proposer,
            "recipients": "\n".join(decision.recipients),
        }

    def clean_legal_bases(self) -> list[str]:
        return _lines(self.cleaned_data["legal_bases"])

    def clean_recipients(self) -> list[str]:
        return _lines(self.cleaned_data["recipients"])


class ScanForm(forms.Form):
    scan = forms.FileField(
        label=gettext_lazy("Signed scan (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class MemberRow:
    """One person as the decision lists them, with the interface's labels."""

    full_name: str
    role: str
    gender: str
    birth_year: int | None
    organisation: str
    occupation: str
    is_village_head: bool
    phone: str


def _member_rows(decision: Decision, *, full_phones: bool) -> list[MemberRow]:
    roles, genders = dict(MemberRole.choices), dict(Gender.choices)
    # "Other" tells the reader nothing: the occupation stands alone then.
    orgs = {value: label for value, label in Organisation.choices if value != Organisation.OTHER}
    rows = []
    for row in decision.members:
        phone = row.get("phone") or ""
        rows.append(
            MemberRow(
                full_name=row.get("full_name") or "",
                role=str(roles.get(row.get("role") or "", "")),
                gender=str(genders.get(row.get("gender") or "", "")),
                birth_year=row.get("birth_year"),
                organisation=str(orgs.get(row.get("organisation") or "", "")),
                occupation=row.get("occupation") or "",
                is_village_head=bool(row.get("is_village_head")),
                phone=phone if full_phones or not phone else mask_phone(phone),
            )
        )
    return rows


def _sees_full_phones(user: Any) -> bool:
    return selectors.sees_full_phones(user)


def _may_manage(user: Any, decision: Decision) -> bool:
    return scope_for(user).covers_unit(decision.team.commune, Perm.MANAGE_TEAMS)


def _private(response: R) -> R:
    """Rosters carry names and phones: no shared cache may keep them."""
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Perm.VIEW_TEAMS)
def decision_detail(request: SignedInRequest, decision_id: int) -> HttpResponse:
    """A decision: number, date, signer, status, what it replaces or was replaced by, and its roster."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id)
    can_manage = _may_manage(request.user, decision)
    is_draft = decision.status == DecisionStatus.DRAFT
    context = {
        "decision": decision,
        "team": decision.team,
        "is_draft": is_draft,
        "successor": getattr(decision, "superseded_by", None),  # reverse one-to-one: absent on the newest
        "members": _member_rows(decision, full_phones=_sees_full_phones(request.user)),
        "can_manage": can_manage,
        "can_sign": can_manage and is_draft,
        "can_attach": can_manage and not is_draft,
        "scan_form": ScanForm(),
        "upload_limit_mb": _upload_limit_mb(),
    }
    return _private(render(request, "teams/decisions/detail.html", context))


@requires(Perm.MANAGE_TEAMS)
def decision_edit(request: SignedInRequest, decision_id: int) -> HttpResponse:
    """Edit a draft: number, date, signer, legal bases, proposer and recipients."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id, perm=Perm.MANAGE_TEAMS)
    if decision.status != DecisionStatus.DRAFT:
        messages.error(request, _("Only a draft decision can be changed."))
        return redirect("teams:decision", decision_id=decision.pk)
    form = DecisionForm(request.POST or None, initial=DecisionForm.initial_for(decision))
    if request.method == "POST" and form.is_valid():
        before = DecisionForm.initial_for(decision)
        try:
            services.decision_update(actor=request.user, decision=decision, request=request, **form.cleaned_data)
        except DomainError as exc:
            _restore(decision, before)  # the service may have set fields on the instance before refusing
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The draft decision was saved."))
            return redirect("teams:decision", decision_id=decision.pk)
    status = 400 if form.errors else 200
    return _private(render(request, "teams/decisions/edit.html", {"decision": decision, "form": form}, status=status))


def _restore(decision: Decision, values: dict[str, Any]) -> None:
    decision.number, decision.issued_on = values["number"], values["issued_on"]
    decision.signer_name, decision.signer_title = values["signer_name"], values["signer_title"]
    decision.legal_bases, decision.recipients = _lines(values["legal_bases"]), _lines(values["recipients"])
    decision.proposer = values["proposer"]


@requires(Perm.MANAGE_TEAMS)
def decision_sign(request: SignedInRequest, decision_id: int) -> HttpResponse:
    """Record that the chairman signed the draft (POST): it takes effect and replaces the previous decision."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id, perm=Perm.MANAGE_TEAMS)
    if request.method == "POST":
        try:
            services.decision_sign(actor=request.user, decision=decision, request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The decision was recorded as signed and is now in force."))
    return redirect("teams:decision", decision_id=decision.pk)


@requires(Perm.VIEW_TEAMS)
def decision_docx(request: SignedInRequest, decision_id: int) -> HttpResponse:
    """The decision as a Word file in the administrative format, ready to print and sign."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id)
    content = documents.decision_docx(decision, mask_phones=not _sees_full_phones(request.user))
    audit_record(
        actor=request.user,
        action="decision.export",
        target=decision,
        unit=decision.team.commune,
        request=request,
        format="docx",
        status=decision.status,
    )
    response = HttpResponse(content, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{documents.download_name(decision)}"'
    return _private(response)


@requires(Perm.MANAGE_TEAMS)
def decision_scan_upload(request: SignedInRequest, decision_id: int) -> HttpResponse:
    """Keep the signed scan (PDF) of a signed decision (POST, multipart)."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id, perm=Perm.MANAGE_TEAMS)
    if request.method == "POST":
        form = ScanForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _("Choose the signed scan, a PDF file."))
        else:
            try:
                services.decision_attach_scan(
                    actor=request.user, decision=decision, upload=form.cleaned_data["scan"], request=request
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The signed scan was saved."))
    return redirect("teams:decision", decision_id=decision.pk)


@requires(Perm.VIEW_TEAMS)
def decision_scan(request: SignedInRequest, decision_id: int) -> HttpResponseBase:
    """The signed scan, served only through this scoped view (it is never a public media URL)."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id)
    if not decision.signed_scan:
        raise NotFound(_("This decision has no signed scan yet."))
    try:
        handle = decision.signed_scan.open("rb")
    except FileNotFoundError:
        raise NotFound(_("This decision has no signed scan yet.")) from None
    audit_record(
        actor=request.user,
        action="decision.export",
        target=decision,
        unit=decision.team.commune,
        request=request,
        format="scan",
        status=decision.status,
    )
    response = user_file_response(
        handle, content_type="application/pdf", filename=documents.download_name(decision, "pdf", suffix="ban-ky")
    )
    return _private(response)


def _upload_limit_mb() -> int:
    return int(settings.UPLOAD_MAX_BYTES // (1024 * 1024))
