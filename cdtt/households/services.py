"""Writes to the household register: households, residents, adoption ticks (with history).

Each checks the actor's scope, refuses a household whose processing has stopped, runs atomically,
raises the household's version (for offline sync), and leaves an audit event.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.core.text import nfc, normalize_phone
from cdtt.geo.models import Village
from cdtt.households import privacy as household_privacy
from cdtt.households.models import (
    AdoptionEvent,
    AdoptionItem,
    AdoptionStatus,
    AppliesTo,
    ConsentMethod,
    Household,
    Internet,
    Relationship,
    Resident,
)
from cdtt.privacy import auditing
from cdtt.progress import engine

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_MEMBERS = 60
_INTERNET = frozenset(Internet.values)  # built once: imports validate 100,000 rows


@dataclass(frozen=True)
class HouseholdIn:
    head_name: str
    address: str = ""
    phone: str = ""
    phone2: str = ""
    members_count: int | None = None
    adults_count: int | None = None
    smartphones: int | None = None
    internet: str = ""
    is_business: bool = False
    caretaker_id: int | None = None
    notes: str = ""
    # How the head of household agreed to give the phone numbers (a ConsentMethod value): required with a phone
    # when a household is registered, since the register of processing lists phones as processed on consent.
    consent: str = ""


@dataclass(frozen=True)
class ResidentIn:
    full_name: str
    birth_year: int | None = None
    gender: str = ""
    relationship: str = Relationship.OTHER
    phone: str = ""


def _phone(value: str, field: str) -> str:
    if not value.strip():
        return ""
    try:
        return normalize_phone(value)
    except DomainError as exc:
        raise DomainError(exc.message, field=field) from None


def clean_household(data: HouseholdIn, *, village: Village) -> dict[str, Any]:
    """Validate a household's fields; returns the values to store. Used by forms, the API and imports."""
    head = nfc(data.head_name)
    if not head:
        raise DomainError(_("Enter the head of household's name."), field="head_name")
    if len(head) > 150:
        raise DomainError(_("The name is too long (at most 150 characters)."), field="head_name")
    counts = {"members_count": data.members_count, "adults_count": data.adults_count, "smartphones": data.smartphones}
    for name, value in counts.items():
        if value is not None and not 0 <= value <= MAX_MEMBERS:
            raise DomainError(_("The number must be between 0 and %(max)d.") % {"max": MAX_MEMBERS}, field=name)
    if data.members_count is not None and data.adults_count is not None and data.adults_count > data.members_count:
        raise DomainError(_("There cannot be more adults than members."), field="adults_count")
    if data.internet not in _INTERNET:
        raise DomainError(_("Unknown internet connection."), field="internet")
    caretaker = None
    if data.caretaker_id is not None:
        from cdtt.teams.models import Member

        caretaker = Member.objects.filter(pk=data.caretaker_id, commune_id=village.commune_id).first()
        if caretaker is None:
            raise DomainError(_("The team member was not found in this commune."), field="caretaker_id")
    return {
        "head_name": head,
        "address": nfc(data.address)[:255],
        "phone": _phone(data.phone, "phone"),
        "phone2": _phone(data.phone2, "phone2"),
        "members_count": data.members_count,
        "adults_count": data.adults_count,
        "smartphones": data.smartphones,
        "internet": data.internet,
        "is_business": data.is_business,
        "caretaker": caretaker,
        "notes": nfc(data.notes)[:500],
    }


def clean_resident(data: ResidentIn) -> dict[str, Any]:
    name = nfc(data.full_name)
    if not name:
        raise DomainError(_("Enter the full name."), field="full_name")
    this_year = timezone.localdate().year
    if data.birth_year is not None and not this_year - 120 <= data.birth_year <= this_year:
        raise DomainError(
            _("The birth year must be between %(a)d and %(b)d.") % {"a": this_year - 120, "b": this_year},
            field="birth_year",
        )
    if data.relationship not in Relationship.values:
        raise DomainError(_("Unknown relationship."), field="relationship")
    if data.gender not in ("", "male", "female", "other"):
        raise DomainError(_("Unknown gender."), field="gender")
    return {
        "full_name": name[:150],
        "birth_year": data.birth_year,
        "gender": data.gender,
        "relationship": data.relationship,
        "phone": _phone(data.phone, "phone"),
    }


def require_village(actor: User, village: Village) -> None:
    """The actor may edit households of ``village`` (EDIT_HOUSEHOLDS there), else 403/404."""
    scope = scope_for(actor)
    scope.require(Perm.EDIT_HOUSEHOLDS)
    if not scope.villages(Perm.EDIT_HOUSEHOLDS).filter(pk=village.pk).exists():
        raise NotFound(_("The village was not found."))
    if not village.is_active:
        raise DomainError(_("The village is retired."))


def require_household(actor: User, household: Household) -> None:
    """The actor may edit this household, and its processing has not been stopped."""
    scope = scope_for(actor)
    scope.require(Perm.EDIT_HOUSEHOLDS)
    if not Household.objects.filter(scope.q(Perm.EDIT_HOUSEHOLDS), pk=household.pk).exists():
        raise NotFound(_("The household was not found."))
    require_household_usable(household)


def require_household_usable(household: Household) -> None:
    """The household's data may still be processed (``require_household`` after its scope check)."""
    if household.erased_at is not None:
        raise DomainError(_("This household's personal data was erased."))
    if household.processing_stopped:
        raise DomainError(_("Processing of this household's data has stopped (consent withdrawn or restricted)."))


def _bump(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1, updated_at=timezone.now())
    household.refresh_from_db(fields=["version", "updated_at"])


# The household's own fields (``consent`` is given once, with the registration).
HOUSEHOLD_FIELDS = tuple(name for name in HouseholdIn.__dataclass_fields__ if name != "consent")


def household_create(
    *, actor: User, village: Village, data: HouseholdIn, request: HttpRequest | None = None
) -> Household:
    """Register a household; a phone number needs the head of household's consent, which is recorded with it."""
    require_village(actor, village)
    values = clean_household(data, village=village)
    if data.consent and data.consent not in ConsentMethod.values:
        raise DomainError(_("Choose how the consent was given."), field="consent")
    if household_privacy.needs_consent(values) and not data.consent:
        raise DomainError(
            _(
                "A phone number is kept only with the household's consent: say how the head of household agreed, "
                "or leave the phone empty."
            ),
            field="consent",
        )
    with transaction.atomic():
        household = Household.objects.create(village=village, commune_id=village.commune_id, created_by=actor, **values)
        engine.household_moved(household, +1)
        audit_record(actor=actor, action="household.create", target=household, unit=village.commune, request=request)
        if data.consent:
            household_privacy.consent_at_registration(
                actor=actor, household=household, method=data.consent, request=request
            )
    return household


def _require_consent_for(household: Household, values: dict[str, Any]) -> None:
    """A phone added to a household, or a person added to it, needs the household's active consent (the
    register of processing lists phones and members as processed on consent); refused before anything changes."""
    if not household_privacy.has_consent(household):
        if "full_name" in values:
            message = _(
                "Members of a household are recorded only with its consent: record the head of household's "
                "consent on the household's consents page first."
            )
            raise DomainError(message, field="full_name")
        raise DomainError(
            _(
                "A phone number is kept only with the household's consent: record the head of household's "
                "consent on the household's consents page first, or leave the phone empty."
            ),
            field="phone",
        )


def household_update(
    *,
    actor: User,
    household: Household,
    data: HouseholdIn,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Household:
    """Change a household; with ``expected_version``, a household changed meanwhile raises VersionConflict."""
    require_household(actor, household)
    values = clean_household(data, village=household.village)
    changed = [name for name, value in values.items() if getattr(household, name) != value]
    was = {name: getattr(household, name) for name in changed}
    new_phones: dict[str, Any] = {
        name: values[name] for name in ("phone", "phone2") if name in changed and values[name]
    }
    if new_phones:
        _require_consent_for(household, new_phones)
    counts_changed = bool({"members_count", "adults_count"} & set(changed))
    if counts_changed:
        before = Household(
            pk=household.pk,
            commune_id=household.commune_id,
            village_id=household.village_id,
            created_at=household.created_at,
            members_count=household.members_count,
            adults_count=household.adults_count,
        )
    for name, value in values.items():
        setattr(household, name, value)
    with transaction.atomic():
        if expected_version is not None:
            current = Household.objects.select_for_update().values_list("version", flat=True).get(pk=household.pk)
            if current != expected_version:
                raise VersionConflict(
                    _("The household was changed by someone else meanwhile. Reload it and try again.")
                )
        # Only the cleaned fields: a full save would write back a stale version or processing flags.
        household.save(update_fields=[*values, "updated_at"])
        if counts_changed:  # the register totals move from the old counts to the new
            engine.Deltas().household(before, -1).household(household, +1).write()
        _bump(household)
        audit_record(
            actor=actor,
            action="household.update",
            target=household,
            unit=household.commune,
            request=request,
            fields=changed,
            changes=auditing.changes(was, {name: values[name] for name in changed}),
        )
    return household


def resident_add(
    *, actor: User, household: Household, data: ResidentIn, request: HttpRequest | None = None
) -> Resident:
    require_household(actor, household)
    values = clean_resident(data)
    _require_consent_for(household, values)
    with transaction.atomic():
        resident = Resident.objects.create(household=household, **values)
        _bump(household)
        audit_record(
            actor=actor,
            action="resident.create",
            target=resident,
            unit=household.commune,
            request=request,
            household=household.pk,
        )
    return resident


def resident_update(
    *, actor: User, resident: Resident, data: ResidentIn, request: HttpRequest | None = None
) -> Resident:
    household = resident.household
    require_household(actor, household)
    if resident.erased_at is not None or resident.processing_stopped:
        raise DomainError(_("Processing of this person's data has stopped."))
    values = clean_resident(data)
    was = {name: getattr(resident, name) for name in values}
    for name, value in values.items():
        setattr(resident, name, value)
    with transaction.atomic():
        resident.save(update_fields=[*values, "updated_at"])  # never write back stale processing flags
        _bump(household)
        audit_record(
            actor=actor,
            action="resident.update",
            target=resident,
            unit=household.commune,
            request=request,
            changes=auditing.changes(was, values),
        )
    return resident


def _item(code: str, resident: Resident | None) -> AdoptionItem:
    item = AdoptionItem.objects.filter(code=code, is_active=True).first()
    if item is None:
        raise DomainError(_("Unknown adoption item “%(code)s”.") % {"code": code}, field="item")
    if resident is None and item.applies_to == AppliesTo.RESIDENT:
        raise DomainError(_("“%(item)s” is recorded for a person, not a household.") % {"item": item.name})
    if resident is not None and item.applies_to == AppliesTo.HOUSEHOLD:
        raise DomainError(_("“%(item)s” is recorded for the household.") % {"item": item.name})
    return item


def adoption_set(
    *,
    actor: User,
    household: Household,
    item_code: str,
    resident: Resident | None = None,
    reached_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> AdoptionStatus:
    """Record that the household (or one resident) reached an item; ticking twice changes nothing."""
    require_household(actor, household)
    if resident is not None and (resident.household_id != household.pk or resident.processing_stopped):
        raise NotFound(_("The person was not found."))
    item = _item(item_code, resident)
    day = reached_on or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), field="reached_on")
    try:
        return _adoption_create(actor, household, resident, item, day, request)[0]
    except IntegrityError:  # the same tick arrived twice at once: the first one stands
        return AdoptionStatus.objects.get(household=household, resident=resident, item=item)


def adoption_reach(
    *,
    actor: User,
    household: Household,
    resident: Resident | None,
    item: AdoptionItem,
    day: datetime.date,
    request: HttpRequest | None = None,
    deltas: engine.Deltas | None = None,
) -> AdoptionStatus | None:
    """Within the caller's transaction (an activity's outcome): the status, if this call created it.

    With ``deltas``, the status's progress is added to them (the caller writes them once, for a whole
    batch) instead of being written here."""
    status, created = _adoption_create(actor, household, resident, item, day, request, deltas)
    return status if created else None


def adoption_drop(*, actor: User, status_id: int, request: HttpRequest | None = None) -> None:
    """Undo a status an activity created, when the activity is voided or changed (if it still stands)."""
    status = AdoptionStatus.objects.select_related("household", "item", "resident").filter(pk=status_id).first()
    if status is None:
        return
    # The caller checked the actor's hold on the activity; a correction is allowed even once processing
    # stopped, since it only takes back what the platform itself recorded.
    _adoption_remove(actor, status.household, status.resident, status.item, request)


def _adoption_create(
    actor: User,
    household: Household,
    resident: Resident | None,
    item: AdoptionItem,
    day: datetime.date,
    request: HttpRequest | None,
    deltas: engine.Deltas | None = None,
) -> tuple[AdoptionStatus, bool]:
    with transaction.atomic():
        existing = (
            AdoptionStatus.objects.select_for_update().filter(household=household, resident=resident, item=item).first()
        )
        if existing is not None:
            return existing, False
        status = AdoptionStatus.objects.create(
            household=household, resident=resident, item=item, reached_on=day, recorded_by=actor
        )
        if deltas is None:
            engine.status_moved(status, household, +1)
        else:
            deltas.status(status, household, +1)
        AdoptionEvent.objects.create(
            household=household, resident=resident, item=item, action="set", reached_on=day, recorded_by=actor
        )
        _bump(household)
        audit_record(
            actor=actor,
            action="adoption.set",
            target=household,
            unit=household.commune,
            request=request,
            item=item.code,
            resident=resident.pk if resident else None,
        )
    return status, True


def adoption_unset(
    *,
    actor: User,
    household: Household,
    item_code: str,
    resident: Resident | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Undo a tick (a wrong one); the history keeps both the tick and its undo."""
    require_household(actor, household)
    if resident is not None and resident.household_id != household.pk:
        raise NotFound(_("The person was not found."))
    _adoption_remove(actor, household, resident, _item(item_code, resident), request)


def _adoption_remove(
    actor: User, household: Household, resident: Resident | None, item: AdoptionItem, request: HttpRequest | None
) -> None:
    with transaction.atomic():
        existing = (
            AdoptionStatus.objects.select_for_update().filter(household=household, resident=resident, item=item).first()
        )
        if existing is None:
            return
        last_set = AdoptionEvent.objects.filter(household=household, resident=resident, item=item, action="set").first()
        AdoptionEvent.objects.create(
            household=household, resident=resident, item=item, action="unset", recorded_by=actor, undoes=last_set
        )
        engine.status_moved(existing, household, -1)
        existing.delete()
        _bump(household)
        audit_record(
            actor=actor,
            action="adoption.unset",
            target=household,
            unit=household.commune,
            request=request,
            item=item.code,
            resident=resident.pk if resident else None,
        )
