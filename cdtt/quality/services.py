"""Raise flags (the checks and the daily job) and review them (the commune's officers), all audited.

An officer closes an open flag one of three ways: confirms it (the numbers are real; a note says why),
marks it corrected (the records were edited on their own pages), or voids its records (each voided
through ``activity_void``: out of every total, its adoption statuses taken back, audited as usual).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import nfc
from cdtt.quality.models import Flag, FlagStatus

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_NOTE = 1000


# -- review -------------------------------------------------------------------------------------------


def visible_q(user: Any) -> Any:
    """Flags of the user's units (and the villages of their communes)."""
    return scope_for(user).q(Perm.VIEW_QUALITY, commune="unit")


def flag_get(*, user: Any, flag_id: Any) -> Flag:
    """One flag the user may read; a missing one and another unit's give the same 404."""
    scope_for(user).require(Perm.VIEW_QUALITY)
    flag = (
        Flag.objects.filter(visible_q(user), pk=as_id(flag_id))
        .select_related("unit", "village", "indicator", "reviewed_by")
        .first()
    )
    if flag is None:
        raise NotFound(_("The flag was not found."))
    return flag


def may_review(user: Any, flag: Flag) -> bool:
    """The officers of the flag's own commune review it (a province reads it, but does not decide)."""
    return scope_for(user).holds_at(flag.unit_id, Perm.REVIEW_QUALITY)


def _require_open(actor: User, flag: Flag) -> Flag:
    scope_for(actor).require(Perm.REVIEW_QUALITY)
    current = flag_get(user=actor, flag_id=flag.pk)
    if not may_review(actor, current):
        raise Forbidden(_("Only the officers of the commune review its flags."))
    locked = Flag.objects.select_for_update().get(pk=current.pk)
    if locked.status != FlagStatus.OPEN:
        raise DomainError(_("This flag was already reviewed."))
    return locked


def _note(note: str, *, required: bool) -> str:
    text = nfc(note or "").strip()
    if required and not text:
        raise DomainError(_("Write a note: why the numbers are real."), field="note")
    if len(text) > MAX_NOTE:
        raise DomainError(_("The note is too long (at most %(max)s characters).") % {"max": MAX_NOTE}, field="note")
    return text


def _close(actor: User, flag: Flag, status: str, note: str, request: HttpRequest | None, **details: Any) -> Flag:
    flag.status = status
    flag.note = note
    flag.reviewed_by = actor
    flag.reviewed_at = timezone.now()
    flag.save(update_fields=["status", "note", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"quality.flag.{status}",
        target=flag,
        unit=flag.unit,
        request=request,
        rule=flag.rule,
        note=note,
        **details,
    )
    return flag


def flag_confirm(*, actor: User, flag: Flag, note: str, request: HttpRequest | None = None) -> Flag:
    """The numbers are real: close the flag with the officer's note (required); the records stay counted."""
    text = _note(note, required=True)
    with transaction.atomic():
        return _close(actor, _require_open(actor, flag), FlagStatus.CONFIRMED, text, request)


def flag_correct(*, actor: User, flag: Flag, note: str = "", request: HttpRequest | None = None) -> Flag:
    """The records were corrected (on their own pages, each edit kept): close the flag."""
    text = _note(note, required=False)
    with transaction.atomic():
        return _close(actor, _require_open(actor, flag), FlagStatus.CORRECTED, text, request)


def flag_void(*, actor: User, flag: Flag, note: str = "", request: HttpRequest | None = None) -> Flag:
    """Void every record of the flag still counted (out of every total), and close it."""
    from cdtt.activities.services import activity_void

    text = _note(note, required=False)
    with transaction.atomic():
        locked = _require_open(actor, flag)
        voided = []
        for activity in locked.records.filter(voided_at__isnull=True).order_by("pk"):
            activity_void(
                actor=actor,
                activity=activity,
                reason=text or _("Voided after a data-quality review."),
                request=request,
            )
            voided.append(activity.pk)
        return _close(actor, locked, FlagStatus.VOIDED, text, request, voided=voided)
