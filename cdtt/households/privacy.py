"""Personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP): consent, data-subject requests, erasure, exports.

Services check the actor's scope, run atomically and leave an audit event; selectors are always given the user.
Consent and requests may be logged by whoever edits the household (the village team); handling requests,
erasing and exporting belong to the commune officer (MANAGE_PRIVACY), the controller's staff.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.core.text import clean_text
from cdtt.core.workflow import Transition, Workflow, transition_apply
from cdtt.geo.models import AdminUnit
from cdtt.households import workdays
from cdtt.households.models import (
    AdoptionEvent,
    AdoptionStatus,
    Consent,
    ConsentMethod,
    DataSubjectRequest,
    Household,
    ProcessingActivity,
    RequestKind,
    RequestStatus,
    Resident,
)
from cdtt.privacy import datamap, erasure

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# What an erased household's head is called from then on: data (Vietnamese), not interface text.
ERASED_NAME = "Đã xóa"
OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.ACKNOWLEDGED, RequestStatus.EXTENDED)
STOPPING_KINDS = (RequestKind.RESTRICT, RequestKind.OBJECT)
MAX_TEXT = 2000


# -- scope -------------------------------------------------------------------------------------------


def _require_household(actor: User, household: Household, *perms: Perm) -> None:
    """The actor holds one of ``perms`` over the household's village or commune; else 403 / 404."""
    scope = scope_for(actor)
    held = [perm for perm in perms if scope.has(perm)]
    if not held:
        raise Forbidden(_("Your role does not allow this action."))
    condition = Q(pk__in=[])
    for perm in held:
        condition |= scope.q(perm)
    if not Household.objects.filter(condition, pk=household.pk).exists():
        raise NotFound(_("The household was not found."))


def _requests_q(user: Any) -> Q:
    return scope_for(user).q(Perm.MANAGE_PRIVACY, commune="commune", village="household__village")


def _require_handler(actor: User, data_request: DataSubjectRequest) -> None:
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_PRIVACY)
    if not DataSubjectRequest.objects.filter(_requests_q(actor), pk=data_request.pk).exists():
        raise NotFound(_("The request was not found."))


def _resident_of(household: Household, resident: Resident | None) -> Resident | None:
    if resident is not None and resident.household_id != household.pk:
        raise NotFound(_("The person was not found."))
    return resident


def _bump(household: Household) -> None:
    """Raise the household's version, so offline copies learn of the change."""
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1, updated_at=timezone.now())
    household.refresh_from_db(fields=["version", "updated_at"])


# -- consent -----------------------------------------------------------------------------------------


def _restricted(household: Household, resident: Resident | None) -> bool:
    """A granted restriction or objection keeps processing stopped whatever consent is given later."""
    return DataSubjectRequest.objects.filter(
        household=household,
        resident=resident,
        kind__in=STOPPING_KINDS,
        status=RequestStatus.COMPLETED,
    ).exists()


def _own_stop(resident: Resident) -> bool:
    """The person stopped processing of their own data (withdrew every consent of theirs, or a restriction)."""
    own = Consent.objects.filter(resident=resident)
    withdrawn = own.exists() and not own.filter(withdrawn_at__isnull=True).exists()
    return withdrawn or _restricted(resident.household, resident)


def _set_stopped(household: Household, resident: Resident | None, stopped: bool) -> None:
    """Stop (or resume) processing of a person, or of a household and its people with it.

    The household's consent covers its people: when it stops, the people stop too (the guidance form, the
    phones and the API must not offer them); when it resumes, those who did not stop on their own resume.
    """
    if resident is not None:
        resident.processing_stopped = stopped
        resident.save(update_fields=["processing_stopped", "updated_at"])
        return
    household.processing_stopped = stopped
    household.save(update_fields=["processing_stopped", "updated_at"])
    people = Resident.objects.filter(household=household, erased_at__isnull=True)
    if stopped:
        people.update(processing_stopped=True, updated_at=timezone.now())
        return
    resumed = [r.pk for r in people.filter(processing_stopped=True) if not _own_stop(r)]
    Resident.objects.filter(pk__in=resumed).update(processing_stopped=False, updated_at=timezone.now())


def consent_record(
    *,
    actor: User,
    household: Household,
    activity_code: str,
    given_by: str,
    given_at: datetime.datetime,
    method: str,
    resident: Resident | None = None,
    notice_version: str = "",
    evidence: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Record a household's (or one person's) consent to one processing activity, with its evidence.

    A fresh consent lifts a stop that came from withdrawn consent, never one that came from a granted
    restriction or objection.
    """
    _require_household(actor, household, Perm.EDIT_HOUSEHOLDS)
    resident = _resident_of(household, resident)
    if household.erased_at is not None or (resident is not None and resident.erased_at is not None):
        raise DomainError(_("This household's personal data was erased."))
    activity = ProcessingActivity.objects.filter(code=activity_code).first()
    if activity is None:
        raise DomainError(_("Choose a processing activity from the register."), field="activity")
    given_by = clean_text(given_by, field="given_by", limit=150, required=_("Enter who gave the consent."), lines=False)
    if method not in ConsentMethod.values:
        raise DomainError(_("Choose how the consent was given."), field="method")
    if timezone.is_naive(given_at):
        given_at = timezone.make_aware(given_at)
    if given_at > timezone.now() + datetime.timedelta(minutes=5):
        raise DomainError(_("The date cannot be in the future."), field="given_at")
    notice = clean_text(notice_version, field="notice_version", limit=20, lines=False) or activity.notice_version
    evidence = clean_text(evidence, field="evidence", limit=255, lines=False)
    target: Household | Resident = resident if resident is not None else household
    with transaction.atomic():
        resumed = target.processing_stopped and not _restricted(household, resident)
        consent = _consent_create(
            actor,
            _consent_row(actor, household, activity, given_by, method, resident, notice, evidence, given_at),
            request,
            resumed=resumed,
        )
        if resumed:
            _set_stopped(household, resident, False)
        _bump(household)
    return consent


# Evidence of a consent recorded with the household itself, or with the import that brought it: data
# (Vietnamese), not interface text.
CONSENT_AT_REGISTRATION = "Ghi nhận khi đăng ký hộ"
CONSENT_AT_IMPORT = "Ghi nhận khi nhập tệp danh sách hộ (lần nhập số {job})"


def _consent_row(
    actor: User | None,
    household: Household,
    activity: ProcessingActivity,
    given_by: str,
    method: str,
    resident: Resident | None = None,
    notice_version: str = "",
    evidence: str = "",
    given_at: datetime.datetime | None = None,
) -> Consent:
    """One consent, not yet stored: the one shape every path (a form, registration, an import) records."""
    return Consent(
        household=household,
        resident=resident,
        activity=activity,
        given_by=given_by,
        given_at=given_at or timezone.now(),
        method=method,
        notice_version=notice_version or activity.notice_version,
        evidence=evidence,
        recorded_by=actor,
    )


def _consent_create(actor: User, consent: Consent, request: HttpRequest | None, **details: Any) -> Consent:
    consent.save()
    audit_record(
        actor=actor,
        action="consent.record",
        target=consent,
        unit=consent.household.commune,
        request=request,
        household=consent.household_id,
        resident=consent.resident_id,
        activity=consent.activity.code,
        method=consent.method,
        notice_version=consent.notice_version,
        **details,
    )
    return consent


def consent_at_registration(
    *, actor: User, household: Household, method: str, request: HttpRequest | None = None
) -> Consent:
    """The head's consent to the register (phones and members included), recorded with the household it comes
    with; the caller (``household_create``) checked the scope and the method and holds the transaction."""
    activity = ProcessingActivity.objects.get(code=REGISTER_ACTIVITY)
    row = _consent_row(actor, household, activity, household.head_name, method, evidence=CONSENT_AT_REGISTRATION)
    return _consent_create(actor, row, request)


def consents_at_import(*, actor: User | None, households: list[Household], method: str, job_id: int) -> int:
    """The heads' consent for households an import brings with phones or members: one row each, in one insert.

    The officer stated at confirmation how the heads agreed; one audit entry for the import names the count
    (an entry per household would double the write of a 100,000-row file).
    """
    activity = ProcessingActivity.objects.get(code=REGISTER_ACTIVITY)
    evidence = CONSENT_AT_IMPORT.format(job=job_id)
    rows = [_consent_row(actor, h, activity, h.head_name, method, evidence=evidence) for h in households]
    Consent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


REGISTER_ACTIVITY = "household_register"


def has_consent(household: Household) -> bool:
    """The household holds an active consent of its own (the basis for its phones and its people's data)."""
    return Consent.objects.filter(household=household, resident__isnull=True, withdrawn_at__isnull=True).exists()


def needs_consent(values: dict[str, Any]) -> bool:
    """Phones are processed on consent, as the register of processing says (``residents`` likewise)."""
    return bool(values.get("phone") or values.get("phone2"))


def consent_withdraw(*, actor: User, consent: Consent, request: HttpRequest | None = None) -> Consent:
    """Withdraw a consent in one step; with no active consent left, processing of that person stops.

    A second click changes nothing. Data the law requires to keep (the register's anonymous counts,
    the audit trail) stays; what stops is every further use.
    """
    household = consent.household
    _require_household(actor, household, Perm.EDIT_HOUSEHOLDS)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            return consent
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = actor
        consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
        resident = consent.resident
        still_active = Consent.objects.filter(
            household=household, resident=resident, withdrawn_at__isnull=True
        ).exists()
        target: Household | Resident = resident if resident is not None else household
        stopped = not still_active and not target.processing_stopped
        if stopped:
            _set_stopped(household, resident, True)
        _bump(household)
        audit_record(
            actor=actor,
            action="consent.withdraw",
            target=consent,
            unit=household.commune,
            request=request,
            household=household.pk,
            resident=resident.pk if resident else None,
            activity=consent.activity.code,
            processing_stopped=stopped,
        )
    return consent


# -- data-subject requests ---------------------------------------------------------------------------


def request_open(
    *,
    actor: User,
    kind: str,
    requester: str,
    received_on: datetime.date,
    household: Household | None = None,
    resident: Resident | None = None,
    commune: AdminUnit | None = None,
    contact: str = "",
    details: str = "",
    request: HttpRequest | None = None,
) -> DataSubjectRequest:
    """Log a person's request and compute its deadlines (acknowledge in 2 working days, complete in 15 days).

    The village team may log one for a household it keeps; a request about nobody in the register
    (``commune`` instead of ``household``) is logged by the commune officer.
    """
    if household is not None:
        _require_household(actor, household, Perm.EDIT_HOUSEHOLDS, Perm.MANAGE_PRIVACY)
        resident = _resident_of(household, resident)
        commune = household.commune
    else:
        scope = scope_for(actor)
        scope.require(Perm.MANAGE_PRIVACY)
        if commune is None or not scope.covers_unit(commune, Perm.MANAGE_PRIVACY):
            raise NotFound(_("The unit was not found."))
        resident = None
    if kind not in RequestKind.values:
        raise DomainError(_("Choose what the person asks for."), field="kind")
    requester = clean_text(
        requester, field="requester", limit=150, required=_("Enter who made the request."), lines=False
    )
    contact = clean_text(contact, field="contact", limit=150, lines=False)
    details = clean_text(details, field="details", limit=MAX_TEXT)
    if not isinstance(received_on, datetime.date):
        raise DomainError(_("Enter the date the request was received."), field="received_on")
    if received_on > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="received_on")
    with transaction.atomic():
        data_request = DataSubjectRequest.objects.create(
            commune=commune,
            household=household,
            resident=resident,
            kind=kind,
            requester=requester,
            contact=contact,
            details=details,
            received_on=received_on,
            acknowledge_due=workdays.acknowledge_due(received_on),
            due=workdays.complete_due(received_on),
        )
        audit_record(
            actor=actor,
            action="request.open",
            target=data_request,
            unit=commune,
            request=request,
            household=household.pk if household else None,
            resident=resident.pk if resident else None,
            kind=kind,
        )
    return data_request


REQUEST_FLOW = Workflow(
    name="request",
    queryset=lambda: DataSubjectRequest.objects.all(),
    unit=lambda data_request: data_request.commune,
    transitions={
        "acknowledge": Transition(OPEN_STATUSES, gettext_lazy("This request is already closed.")),
        "extend": Transition(OPEN_STATUSES, gettext_lazy("This request is already closed."), RequestStatus.EXTENDED),
        "complete": Transition(OPEN_STATUSES, gettext_lazy("This request is already closed."), RequestStatus.COMPLETED),
        "refuse": Transition(OPEN_STATUSES, gettext_lazy("This request is already closed."), RequestStatus.REFUSED),
    },
)


def _audit_request(actor: User, data_request: DataSubjectRequest, action: str, request: Any, **details: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=data_request,
        unit=data_request.commune,
        request=request,
        household=data_request.household_id,
        kind=data_request.kind,
        **details,
    )


def _handle(
    name: str,
    *,
    actor: User,
    data_request: DataSubjectRequest,
    request: HttpRequest | None,
    change: Any,
) -> DataSubjectRequest:
    """One step of a request (the caller checked the handler); the audit entry names the household and the kind."""
    return transition_apply(
        REQUEST_FLOW,
        name,
        actor=actor,
        obj=data_request,
        request=request,
        change=change,
        household=data_request.household_id,
        kind=data_request.kind,
    )


def request_acknowledge(
    *,
    actor: User,
    data_request: DataSubjectRequest,
    on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> DataSubjectRequest:
    """Record that the person was told the request was received and how it will be handled."""
    _require_handler(actor, data_request)
    day = on or timezone.localdate()

    def acknowledge(locked: DataSubjectRequest) -> dict[str, Any]:
        if locked.acknowledged_on is not None:
            raise DomainError(_("This request was already acknowledged."))
        if day > timezone.localdate():
            raise DomainError(_("The date cannot be in the future."), field="on")
        if day < locked.received_on:
            raise DomainError(_("The date cannot be before the request was received."), field="on")
        locked.acknowledged_on = day
        if locked.status == RequestStatus.RECEIVED:
            locked.status = RequestStatus.ACKNOWLEDGED
        locked.handled_by = actor
        return {"on": day.isoformat(), "late": day > locked.acknowledge_due}

    return _handle("acknowledge", actor=actor, data_request=data_request, request=request, change=acknowledge)


def request_extend(
    *, actor: User, data_request: DataSubjectRequest, reason: str, request: HttpRequest | None = None
) -> DataSubjectRequest:
    """Extend the deadline once by 15 days, with the reason (kept in the audit trail); a second is refused."""
    _require_handler(actor, data_request)
    reason = clean_text(reason, field="reason", limit=MAX_TEXT, required=_("Give the reason for the extension."))

    def extend(locked: DataSubjectRequest) -> dict[str, Any]:
        if locked.extended_on is not None:
            raise DomainError(_("The deadline can be extended only once."))
        today = timezone.localdate()
        if today > locked.due:
            raise DomainError(_("The deadline has already passed; it can no longer be extended."))
        previous = locked.due
        locked.due = workdays.extended_due(locked.due)
        locked.extended_on = today
        locked.handled_by = actor
        return {"reason": reason, "previous_due": previous.isoformat(), "due": locked.due.isoformat()}

    return _handle("extend", actor=actor, data_request=data_request, request=request, change=extend)


def _complete(actor: User, locked: DataSubjectRequest, request: Any) -> tuple[str, dict[str, int]]:
    """What completing the request does: a deletion erases, a restriction or objection stops, an access exports."""
    household, resident = locked.household, locked.resident
    effect = ""
    redacted: dict[str, int] = {}
    if household is not None and locked.kind == RequestKind.DELETE:
        if resident is not None:
            if resident.erased_at is None:
                redacted = _erase_resident(resident)
                _bump(household)
                effect = "resident_erased"
        elif household.erased_at is None:
            _erase_household(actor, household, request, reason=f"request:{locked.pk}")
            effect = "household_erased"
    elif household is not None and locked.kind in STOPPING_KINDS:
        target: Household | Resident = resident if resident is not None else household
        if not target.processing_stopped:
            _set_stopped(household, resident, True)
            _bump(household)
        effect = "processing_stopped"
    elif household is not None and locked.kind == RequestKind.ACCESS:
        # What the person receives is kept with the request: the proof of what was handed over.
        with translation.override("vi"):
            locked.export = _collect(
                Household.objects.select_related("commune", "village", "caretaker").get(pk=household.pk)
            )
        effect = "export_attached"
    return effect, redacted


def request_complete(
    *, actor: User, data_request: DataSubjectRequest, outcome: str = "", request: HttpRequest | None = None
) -> DataSubjectRequest:
    """Close the request as done. A deletion erases the person's data; a restriction or objection stops processing."""
    _require_handler(actor, data_request)
    outcome = clean_text(outcome, field="outcome", limit=MAX_TEXT)

    def complete(locked: DataSubjectRequest) -> dict[str, Any]:
        effect, redacted = _complete(actor, locked, request)
        locked.completed_on = timezone.localdate()
        locked.outcome = outcome
        locked.handled_by = actor
        late = locked.completed_on > locked.due
        return {"effect": effect, "late": late, **({"redacted": redacted} if redacted else {})}

    return _handle("complete", actor=actor, data_request=data_request, request=request, change=complete)


def request_refuse(
    *, actor: User, data_request: DataSubjectRequest, outcome: str, request: HttpRequest | None = None
) -> DataSubjectRequest:
    """Close the request as refused; the reasons are required (the person must be told why)."""
    _require_handler(actor, data_request)
    outcome = clean_text(outcome, field="outcome", limit=MAX_TEXT, required=_("Give the reasons for the refusal."))

    def refuse(locked: DataSubjectRequest) -> None:
        locked.completed_on = timezone.localdate()
        locked.outcome = outcome
        locked.handled_by = actor

    return _handle("refuse", actor=actor, data_request=data_request, request=request, change=refuse)


# -- erasure -----------------------------------------------------------------------------------------


def _subject(household: Household, residents: list[Resident]) -> erasure.Subject:
    """What identifies these people in free text: names, phones, and ID numbers written in their own records."""
    subject = erasure.Subject(commune_path=AdminUnit.objects.get(pk=household.commune_id).path)
    for resident in residents:
        subject.add_name(resident.full_name)
        subject.add_phone(resident.phone)
    return subject


def _whole_household(household: Household) -> erasure.Subject:
    from cdtt.activities.models import Activity

    subject = _subject(household, list(Resident.objects.filter(household=household)))
    if household.head_name != ERASED_NAME:
        subject.add_name(household.head_name)
    for phone in (household.phone, household.phone2):
        subject.add_phone(phone)
    texts = [household.notes, household.address]
    texts += Activity.objects.filter(household=household).values_list("note", flat=True)
    texts += DataSubjectRequest.objects.filter(household=household).values_list("details", flat=True)
    texts += Consent.objects.filter(household=household).values_list("evidence", flat=True)
    for text in texts:
        subject.add_text(text)
    return subject


def _erase_resident(resident: Resident) -> dict[str, int]:
    subject = _subject(resident.household, [resident])
    resident.full_name = ""
    resident.phone = ""
    resident.birth_year = None
    resident.processing_stopped = True
    resident.erased_at = timezone.now()
    resident.save(update_fields=["full_name", "phone", "birth_year", "processing_stopped", "erased_at", "updated_at"])
    Consent.objects.filter(resident=resident).update(given_by="", evidence="")
    return erasure.redact(subject)


def _erase_household(actor: User | None, household: Household, request: Any, **details: Any) -> None:
    subject = _whole_household(household)
    now = timezone.now()
    household.head_name = ERASED_NAME
    household.address = household.phone = household.phone2 = household.notes = ""
    household.processing_stopped = True
    household.erased_at = now
    household.save(
        update_fields=[
            "head_name",
            "address",
            "phone",
            "phone2",
            "notes",
            "processing_stopped",
            "erased_at",
            "updated_at",
        ]
    )
    residents = Resident.objects.filter(household=household)
    erased = residents.count()
    residents.update(
        full_name="", name_folded="", phone="", birth_year=None, processing_stopped=True, erased_at=now, updated_at=now
    )
    Consent.objects.filter(household=household).update(given_by="", evidence="")
    # Free text elsewhere (notes, titles, import rows, ...): where the map of personal data points.
    redacted = erasure.redact(subject)
    _bump(household)
    audit_record(
        actor=actor,
        action="household.erase",
        target=household,
        unit=household.commune,
        request=request,
        residents=erased,
        redacted=redacted,
        **details,
    )


def household_erase(*, actor: User, household: Household, request: HttpRequest | None = None) -> Household:
    """Remove the personal fields of a household and its people, keeping the row and its anonymous figures.

    Village, member counts, smartphones, internet, business flag and every adoption status (and its history)
    stay, so coverage and adoption figures do not move. Consents keep their dates but lose who gave them and
    the evidence. The requests themselves stay: they are the controller's record that the request was handled.
    """
    _require_household(actor, household, Perm.MANAGE_PRIVACY)
    if household.erased_at is not None:
        raise DomainError(_("This household's personal data was erased."))
    with transaction.atomic():
        _erase_household(actor, household, request)
    return household


# -- selectors ---------------------------------------------------------------------------------------


def processing_register(*, user: Any) -> QuerySet[ProcessingActivity]:
    """The register of processing: each dataset with its purpose, legal basis, categories and retention."""
    scope = scope_for(user)
    if not (scope.has(Perm.VIEW_HOUSEHOLDS) or scope.has(Perm.MANAGE_PRIVACY)):
        raise Forbidden(_("Your role does not allow this action."))
    return ProcessingActivity.objects.order_by("code")


def consent_list(*, user: Any, household: Household) -> list[Consent]:
    """The household's consents, newest first (the caller has already fetched the household in scope)."""
    _require_household(user, household, Perm.VIEW_HOUSEHOLDS)
    return list(
        Consent.objects.filter(household=household)
        .select_related("activity", "resident", "recorded_by", "withdrawn_by")
        .order_by("-given_at", "-id")
    )


def consent_get(*, user: Any, household: Household, consent_id: Any) -> Consent:
    _require_household(user, household, Perm.EDIT_HOUSEHOLDS)
    try:
        pk = int(consent_id)
    except (TypeError, ValueError):
        raise NotFound(_("The consent was not found.")) from None
    consent = (
        Consent.objects.filter(household=household, pk=pk).select_related("household__commune", "activity").first()
    )
    if consent is None:
        raise NotFound(_("The consent was not found."))
    return consent


def _overdue_q(today: datetime.date) -> Q:
    late_ack = Q(acknowledged_on__isnull=True, acknowledge_due__lt=today)
    return Q(status__in=OPEN_STATUSES) & (late_ack | Q(due__lt=today))


def request_list(
    *, user: Any, overdue_only: bool = False, today: datetime.date | None = None
) -> QuerySet[DataSubjectRequest]:
    """Requests of the user's communes, soonest deadline first, each marked ``overdue``."""
    scope = scope_for(user)
    scope.require(Perm.MANAGE_PRIVACY)
    today = today or timezone.localdate()
    overdue = _overdue_q(today)
    rows = DataSubjectRequest.objects.filter(_requests_q(user))
    if overdue_only:
        rows = rows.filter(overdue)
    return (
        rows.annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
        .select_related("commune", "household__village")
        .order_by(F("completed_on").asc(nulls_first=True), "due", "id")
    )


def request_get(*, user: Any, request_id: Any) -> DataSubjectRequest:
    """One request of the user's communes (404 otherwise), marked ``overdue``."""
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise NotFound(_("The request was not found.")) from None
    found = request_list(user=user).select_related("resident", "handled_by").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("The request was not found."))
    return found


def household_requests(*, user: Any, household: Household) -> list[DataSubjectRequest]:
    """Requests about one household, for its pages (anyone who may see the household)."""
    _require_household(user, household, Perm.VIEW_HOUSEHOLDS, Perm.MANAGE_PRIVACY)
    return list(DataSubjectRequest.objects.filter(household=household).order_by("-received_on", "-id"))


def request_history(*, user: Any, data_request: DataSubjectRequest) -> list[AuditEvent]:
    """What was done on a request, oldest first (the extension's reason lives here)."""
    _require_handler(user, data_request)
    return list(
        AuditEvent.objects.filter(target_type=DataSubjectRequest._meta.label_lower, target_id=str(data_request.pk))
        .select_related("actor")
        .order_by("at", "id")
    )


# -- export ------------------------------------------------------------------------------------------


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _username(user: Any) -> str:
    return getattr(user, "username", "") if user is not None else ""


def _audit_about(household: Household, residents: list[Resident], consents: list[Consent], requests: list[Any]) -> Q:
    condition = Q(target_type=Household._meta.label_lower, target_id=str(household.pk))
    for model, rows in ((Resident, residents), (Consent, consents), (DataSubjectRequest, requests)):
        ids = [str(row.pk) for row in rows]
        if ids:
            condition |= Q(target_type=model._meta.label_lower, target_id__in=ids)
    return condition


def _collect(household: Household) -> dict[str, Any]:
    """Everything held on the household and its people, as plain JSON values."""
    residents = list(Resident.objects.filter(household=household).order_by("id"))
    statuses = list(
        AdoptionStatus.objects.filter(household=household).select_related("item").order_by("item__order", "id")
    )
    events = list(
        AdoptionEvent.objects.filter(household=household)
        .select_related("item", "recorded_by")
        .order_by("recorded_at", "id")
    )
    consents = list(
        Consent.objects.filter(household=household)
        .select_related("activity", "recorded_by", "withdrawn_by")
        .order_by("given_at", "id")
    )
    requests = list(DataSubjectRequest.objects.filter(household=household).select_related("handled_by").order_by("id"))
    audit = list(
        AuditEvent.objects.filter(_audit_about(household, residents, consents, requests))
        .select_related("actor", "unit")
        .order_by("at", "id")
    )
    audit = sorted([*audit, *_list_views(household)], key=lambda e: (e.at, e.pk))
    caretaker = household.caretaker
    return {
        "exported_at": _iso(timezone.now()),
        "controller": household.commune.name,
        "household": {
            "id": household.pk,
            "commune": household.commune.name,
            "village": household.village.name,
            "head_name": household.head_name,
            "address": household.address,
            "phone": household.phone,
            "phone2": household.phone2,
            "members_count": household.members_count,
            "adults_count": household.adults_count,
            "smartphones": household.smartphones,
            "internet": household.internet,
            "internet_label": str(household.get_internet_display()),
            "is_business": household.is_business,
            "caretaker": caretaker.full_name if caretaker is not None else None,
            "notes": household.notes,
            "processing_stopped": household.processing_stopped,
            "erased_at": _iso(household.erased_at),
            "created_at": _iso(household.created_at),
            "updated_at": _iso(household.updated_at),
        },
        "residents": [
            {
                "id": r.pk,
                "full_name": r.full_name,
                "birth_year": r.birth_year,
                "gender": r.gender,
                "relationship": r.relationship,
                "relationship_label": str(r.get_relationship_display()),
                "phone": r.phone,
                "processing_stopped": r.processing_stopped,
                "erased_at": _iso(r.erased_at),
                "created_at": _iso(r.created_at),
            }
            for r in residents
        ],
        "adoption": [
            {
                "item": s.item.code,
                "item_name": s.item.name,
                "resident": s.resident_id,
                "reached_on": _iso(s.reached_on),
                "recorded_at": _iso(s.recorded_at),
            }
            for s in statuses
        ],
        "adoption_history": [
            {
                "item": e.item.code,
                "item_name": e.item.name,
                "resident": e.resident_id,
                "action": e.action,
                "action_label": str(e.get_action_display()),
                "reached_on": _iso(e.reached_on),
                "recorded_at": _iso(e.recorded_at),
                "recorded_by": _username(e.recorded_by),
            }
            for e in events
        ],
        "consents": [
            {
                "id": c.pk,
                "activity": c.activity.code,
                "activity_name": c.activity.name,
                "resident": c.resident_id,
                "given_by": c.given_by,
                "given_at": _iso(c.given_at),
                "method": c.method,
                "method_label": str(c.get_method_display()),
                "notice_version": c.notice_version,
                "evidence": c.evidence,
                "recorded_by": _username(c.recorded_by),
                "withdrawn_at": _iso(c.withdrawn_at),
                "withdrawn_by": _username(c.withdrawn_by),
            }
            for c in consents
        ],
        "requests": [
            {
                "id": q.pk,
                "kind": q.kind,
                "kind_label": str(q.get_kind_display()),
                "resident": q.resident_id,
                "requester": q.requester,
                "contact": q.contact,
                "details": q.details,
                "received_on": _iso(q.received_on),
                "acknowledge_due": _iso(q.acknowledge_due),
                "acknowledged_on": _iso(q.acknowledged_on),
                "due": _iso(q.due),
                "extended_on": _iso(q.extended_on),
                "completed_on": _iso(q.completed_on),
                "status": q.status,
                "status_label": str(q.get_status_display()),
                "outcome": q.outcome,
                "handled_by": _username(q.handled_by),
            }
            for q in requests
        ],
        "activities": _activities(household),
        "mentions": _mentions(household),
        "processing": _processing(),
        "audit": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "action_label": e.action_label,
                "actor": e.actor_name or _username(e.actor),
                "target": f"{e.target_type}:{e.target_id}",
                "unit": e.unit.name if e.unit is not None else None,
                "details": e.details,
            }
            for e in audit
        ],
    }


def _list_views(household: Household) -> list[AuditEvent]:
    """List pages that showed the household (one event per page and commune names the households shown)."""
    events = AuditEvent.objects.filter(action="household.list", unit_id=household.commune_id).select_related(
        "actor", "unit"
    )
    return [e for e in events.order_by("at", "id") if household.pk in (e.details.get("households") or [])]


def _activities(household: Household) -> list[dict[str, Any]]:
    from cdtt.activities.models import Activity

    rows = Activity.objects.filter(household=household).select_related("platform", "outcome", "recorded_by")
    return [
        {
            "id": a.pk,
            "occurred_on": _iso(a.occurred_on),
            "kind": a.kind,
            "kind_label": str(a.get_kind_display()),
            "resident": a.resident_id,
            "platform": a.platform.name if a.platform else None,
            "outcome": a.outcome.name if a.outcome else None,
            "note": a.note,
            "voided": a.voided_at is not None,
            "recorded_by": _username(a.recorded_by),
        }
        for a in rows.order_by("occurred_on", "id")
    ]


# The request and consent rows are exported whole above; mentions are the rest of the map.
_EXPORTED_WHOLE = {"households.Consent", "households.DataSubjectRequest"}


def _mentions(household: Household) -> list[dict[str, Any]]:
    """Every other row of the map whose text names the household's people (notes, difficulties, notices, ...)."""
    found = erasure.mentions(_whole_household(household))
    return [
        {
            "place": f"{item.model}.{item.field}",
            "dataset": datamap.dataset(item.dataset).name,
            "id": pk,
            "text": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False),
        }
        for item, pk, value in found
        if item.model not in _EXPORTED_WHOLE
    ]


def _processing() -> list[dict[str, Any]]:
    notices = dict(ProcessingActivity.objects.values_list("code", "notice_version"))
    return [
        {
            "code": d.code,
            "name": d.name,
            "purpose": d.purpose,
            "legal_basis": d.legal_basis,
            "data_categories": d.categories,
            "retention": d.retention,
            "recipients": d.recipients,
            "notice_version": notices.get(d.code, ""),
        }
        for d in datamap.DATASETS
    ]


def _export_household(actor: User, household: Household) -> Household:
    _require_household(actor, household, Perm.MANAGE_PRIVACY)
    return Household.objects.select_related("commune", "village", "caretaker").get(pk=household.pk)


def person_export(*, actor: User, household: Household, request: HttpRequest | None = None) -> dict[str, Any]:
    """Everything held on a household and its people (Law 91/2025: the right of access), as JSON; audited."""
    household = _export_household(actor, household)
    data = _collect(household)
    audit_record(
        actor=actor, action="household.export", target=household, unit=household.commune, request=request, format="json"
    )
    return data


def person_export_docx(*, actor: User, household: Household, request: HttpRequest | None = None) -> bytes:
    """The same as :func:`person_export`, as a Word document a person can read; audited."""
    household = _export_household(actor, household)
    with translation.override("vi"):
        data = _collect(household)
        content = _docx(data)
    audit_record(
        actor=actor, action="household.export", target=household, unit=household.commune, request=request, format="docx"
    )
    return content


def request_export(
    *, actor: User, data_request: DataSubjectRequest, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The export attached to a completed access request (404 when there is none); the download is audited."""
    _require_handler(actor, data_request)
    if not data_request.export:
        raise NotFound(_("No export is attached to this request."))
    _audit_request(actor, data_request, "request.export", request)
    return dict(data_request.export)


def export_docx(data: dict[str, Any]) -> bytes:
    """An export (as :func:`person_export` returns it) as the Word document handed to the person."""
    return _docx(data)


# -- the DOCX (document text is data: Vietnamese whatever the reader's language) ----------------------

_FONT = "Times New Roman"
_GENDERS = {"male": "Nam", "female": "Nữ", "other": "Khác"}


def _vn(value: str | None) -> str:
    """An ISO date or date-time as dd/mm/yyyy (hh:mm)."""
    if not value:
        return ""
    if "T" in value:
        moment = datetime.datetime.fromisoformat(value)
        if timezone.is_aware(moment):  # stored in UTC: the person reads Vietnam's time
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")


def _yes(value: Any) -> str:
    return "Có" if value else "Không"


def _docx(data: dict[str, Any]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(12)
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), _FONT)
    doc.core_properties.title = "Trích xuất dữ liệu cá nhân"
    doc.core_properties.language = "vi-VN"

    def para(text: str, *, bold: bool = False, italic: bool = False, size: float = 12, center: bool = False) -> None:
        paragraph = doc.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(4)
        run = paragraph.add_run(text)
        run.bold, run.italic, run.font.size = bold, italic, Pt(size)

    def heading(text: str) -> None:
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(10)
        paragraph.paragraph_format.space_after = Pt(4)
        paragraph.paragraph_format.keep_with_next = True
        run = paragraph.add_run(text)
        run.bold, run.font.size = True, Pt(13)

    def table(headers: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            para("(Không có)", italic=True)
            return
        grid = doc.add_table(rows=1 + len(rows), cols=len(headers))
        grid.style = doc.styles["Table Grid"]
        for cell, text in zip(grid.rows[0].cells, headers, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            run.bold, run.font.size = True, Pt(11)
        for index, row in enumerate(rows, 1):
            for cell, value in zip(grid.rows[index].cells, row, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run("" if value is None else str(value)).font.size = Pt(11)

    h = data["household"]
    names = {r["id"]: r["full_name"] or "(đã xóa)" for r in data["residents"]}

    def who(resident_id: int | None) -> str:
        return "Cả hộ" if resident_id is None else names.get(resident_id, str(resident_id))

    para("PHIẾU TRÍCH XUẤT DỮ LIỆU CÁ NHÂN", bold=True, size=14, center=True)
    para(f"Bên kiểm soát dữ liệu: Ủy ban nhân dân {data['controller']}", center=True)
    para(f"Thời điểm trích xuất: {_vn(data['exported_at'])}", italic=True, center=True)
    para(
        "Theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và Nghị định 356/2025/NĐ-CP, đây là toàn bộ dữ liệu "
        "hệ thống đang lưu về hộ gia đình và các thành viên, cùng nhật ký truy cập và thay đổi dữ liệu này."
    )

    heading("1. Thông tin hộ gia đình")
    table(
        ["Mục", "Nội dung"],
        [
            ["Chủ hộ", h["head_name"]],
            ["Thôn / tổ dân phố", h["village"]],
            ["Xã / phường", h["commune"]],
            ["Địa chỉ", h["address"]],
            ["Số điện thoại", h["phone"]],
            ["Số điện thoại thứ hai", h["phone2"]],
            ["Số thành viên", h["members_count"]],
            ["Số người từ 15 tuổi", h["adults_count"]],
            ["Số điện thoại thông minh", h["smartphones"]],
            ["Kết nối Internet", h["internet_label"]],
            ["Hộ kinh doanh", _yes(h["is_business"])],
            ["Thành viên Tổ hỗ trợ", h["caretaker"] or ""],
            ["Ghi chú", h["notes"]],
            ["Đã dừng xử lý", _yes(h["processing_stopped"])],
            ["Đã xóa thông tin cá nhân", _vn(h["erased_at"])],
            ["Ngày tạo", _vn(h["created_at"])],
            ["Cập nhật lần cuối", _vn(h["updated_at"])],
        ],
    )

    heading("2. Thành viên hộ")
    table(
        ["Họ và tên", "Năm sinh", "Giới tính", "Quan hệ với chủ hộ", "Số điện thoại", "Dừng xử lý"],
        [
            [
                r["full_name"] or "(đã xóa)",
                r["birth_year"] or "",
                _GENDERS.get(r["gender"], ""),
                r["relationship_label"],
                r["phone"],
                _yes(r["processing_stopped"]),
            ]
            for r in data["residents"]
        ],
    )

    heading("3. Mức độ sử dụng nền tảng số hiện nay")
    table(
        ["Nội dung", "Người", "Ngày đạt"],
        [[s["item_name"], who(s["resident"]), _vn(s["reached_on"])] for s in data["adoption"]],
    )

    heading("4. Lịch sử ghi nhận")
    table(
        ["Thời điểm", "Nội dung", "Người", "Thao tác", "Người ghi"],
        [
            [_vn(e["recorded_at"]), e["item_name"], who(e["resident"]), e["action_label"], e["recorded_by"]]
            for e in data["adoption_history"]
        ],
    )

    heading("5. Sự đồng ý")
    table(
        [
            "Hoạt động xử lý",
            "Người",
            "Người đồng ý",
            "Thời điểm",
            "Hình thức",
            "Phiên bản thông báo",
            "Bằng chứng",
            "Rút lại",
        ],
        [
            [
                c["activity_name"],
                who(c["resident"]),
                c["given_by"],
                _vn(c["given_at"]),
                c["method_label"],
                c["notice_version"],
                c["evidence"],
                _vn(c["withdrawn_at"]),
            ]
            for c in data["consents"]
        ],
    )

    heading("6. Yêu cầu của chủ thể dữ liệu")
    table(
        ["Yêu cầu", "Người yêu cầu", "Ngày nhận", "Hạn phản hồi", "Hạn thực hiện", "Trạng thái", "Kết quả"],
        [
            [
                q["kind_label"],
                q["requester"],
                _vn(q["received_on"]),
                _vn(q["acknowledge_due"]),
                _vn(q["due"]),
                q["status_label"],
                q["outcome"],
            ]
            for q in data["requests"]
        ],
    )

    heading("7. Hoạt động hỗ trợ, hướng dẫn")
    table(
        ["Ngày", "Hoạt động", "Nền tảng", "Kết quả", "Ghi chú"],
        [
            [_vn(a["occurred_on"]), a["kind_label"], a["platform"] or "", a["outcome"] or "", a["note"]]
            for a in data["activities"]
        ],
    )

    heading("8. Dữ liệu khác có nêu tên, số điện thoại hoặc số định danh")
    table(
        ["Nhóm dữ liệu", "Vị trí", "Nội dung"],
        [[m["dataset"], f"{m['place']} #{m['id']}", m["text"]] for m in data["mentions"]],
    )

    heading("9. Mục đích và cơ sở pháp lý của việc xử lý")
    for activity in data["processing"]:
        para(activity["name"], bold=True)
        para(f"Mục đích: {activity['purpose']}")
        para(f"Cơ sở pháp lý: {activity['legal_basis']}")
        para(f"Loại dữ liệu: {activity['data_categories']}")
        para(f"Thời gian lưu trữ: {activity['retention']}")
        if activity["recipients"]:
            para(f"Bên nhận: {activity['recipients']}")

    heading("10. Nhật ký truy cập và thay đổi")
    table(
        ["Thời điểm", "Hoạt động", "Tài khoản", "Đơn vị"],
        [[_vn(e["at"]), e["action_label"], e["actor"], e["unit"] or ""] for e in data["audit"]],
    )

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
