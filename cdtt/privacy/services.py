"""The breach register's writes: record an incident, record that the authority was notified, close it.

Law 91/2025/QH15 (and Decree 356/2025/NĐ-CP) require the controller to notify the authority (the Ministry of
Public Security, A05) within 72 hours of discovering a breach, and to tell the people affected. The officer of
the unit where it happened records it; the clock starts at discovery.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import clean_text
from cdtt.geo.models import AdminUnit
from cdtt.privacy import datamap
from cdtt.privacy.models import NOTIFY_WITHIN, Breach, BreachStatus

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_TEXT = 5000


@dataclass
class BreachIn:
    title: str
    description: str
    discovered_at: datetime.datetime | None
    occurred_at: datetime.datetime | None = None
    datasets: list[str] = field(default_factory=list)
    subjects: str = ""
    subjects_count: int | None = None
    consequences: str = ""
    measures: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""


def _aware(moment: datetime.datetime | None) -> datetime.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _clean(data: BreachIn) -> dict[str, Any]:
    now = timezone.now() + datetime.timedelta(minutes=5)
    discovered = _aware(data.discovered_at)
    occurred = _aware(data.occurred_at)
    if discovered is None:
        raise DomainError(_("Enter when the breach was discovered."), field="discovered_at")
    if discovered > now or (occurred is not None and occurred > now):
        raise DomainError(_("The date cannot be in the future."), field="discovered_at")
    if occurred is not None and occurred > discovered:
        raise DomainError(_("A breach cannot be discovered before it happened."), field="occurred_at")
    codes = {item.code for item in datamap.DATASETS}
    datasets = list(dict.fromkeys(data.datasets))
    if not datasets or not set(datasets) <= codes:
        raise DomainError(_("Choose the datasets the breach touched."), field="datasets")
    if data.subjects_count is not None and data.subjects_count < 0:
        raise DomainError(_("Enter a number of people, 0 or more."), field="subjects_count")
    return {
        "title": clean_text(data.title, field="title", limit=200, required=_("Say in a few words what happened.")),
        "description": clean_text(
            data.description, field="description", limit=MAX_TEXT, required=_("Describe the breach.")
        ),
        "discovered_at": discovered,
        "occurred_at": occurred,
        "datasets": datasets,
        "subjects": clean_text(data.subjects, field="subjects", limit=MAX_TEXT),
        "subjects_count": data.subjects_count,
        "consequences": clean_text(data.consequences, field="consequences", limit=MAX_TEXT),
        "measures": clean_text(data.measures, field="measures", limit=MAX_TEXT),
        "reporter_name": clean_text(data.reporter_name, field="reporter_name", limit=150),
        "reporter_contact": clean_text(data.reporter_contact, field="reporter_contact", limit=150),
    }


def _require_unit(actor: User, unit: AdminUnit) -> None:
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_BREACHES)
    if not scope.covers_unit(unit, Perm.MANAGE_BREACHES):
        raise NotFound(_("The unit was not found."))


def breach_record(*, actor: User, unit: AdminUnit, data: BreachIn, request: HttpRequest | None = None) -> Breach:
    """Record a breach; the authority must be notified within 72 hours of its discovery."""
    _require_unit(actor, unit)
    values = _clean(data)
    with transaction.atomic():
        breach = Breach.objects.create(
            unit=unit, created_by=actor, notify_due=values["discovered_at"] + NOTIFY_WITHIN, **values
        )
        audit_record(
            actor=actor,
            action="breach.record",
            target=breach,
            unit=unit,
            request=request,
            datasets=breach.datasets,
            subjects_count=breach.subjects_count,
        )
    return breach


def breach_notified(
    *, actor: User, breach: Breach, at: datetime.datetime | None = None, request: HttpRequest | None = None
) -> Breach:
    """Record that the notice was sent to the authority (late ones are marked late in the audit trail)."""
    _require_unit(actor, breach.unit)
    moment = _aware(at) or timezone.now()
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise DomainError(_("The date cannot be in the future."), field="at")
    with transaction.atomic():
        locked = Breach.objects.select_for_update().get(pk=breach.pk)
        if locked.notified_at is not None:
            raise DomainError(_("The authority was already notified of this breach."))
        if moment < locked.discovered_at:
            raise DomainError(_("The notice cannot be sent before the breach was discovered."), field="at")
        locked.notified_at = moment
        locked.status = BreachStatus.NOTIFIED
        locked.save(update_fields=["notified_at", "status"])
        audit_record(
            actor=actor,
            action="breach.notify",
            target=locked,
            unit=locked.unit,
            request=request,
            late=moment > locked.notify_due,
        )
    return locked


def breach_close(*, actor: User, breach: Breach, request: HttpRequest | None = None) -> Breach:
    """Close a breach once the authority was notified and the measures are recorded."""
    _require_unit(actor, breach.unit)
    with transaction.atomic():
        locked = Breach.objects.select_for_update().get(pk=breach.pk)
        if locked.status == BreachStatus.CLOSED:
            raise DomainError(_("This breach is already closed."))
        if locked.notified_at is None:
            raise DomainError(_("Notify the authority before closing the breach."))
        if not locked.measures:
            raise DomainError(_("Record the measures taken before closing the breach."))
        locked.status = BreachStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="breach.close", target=locked, unit=locked.unit, request=request)
    return locked
