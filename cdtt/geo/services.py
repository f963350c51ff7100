"""Writes to villages. Each checks scope, runs atomically and leaves an audit event."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import fold, nfc
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, Village, VillageKind
from cdtt.geo.retirement import retirement_refusals

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_NAME = 200
MAX_CODE = 32


def _clean_name(name: str) -> str:
    cleaned = nfc(name or "")
    if not cleaned:
        raise DomainError(_("Enter the village name."), field="name")
    if len(cleaned) > MAX_NAME:
        raise DomainError(_("The village name is too long (at most 200 characters)."), field="name")
    return cleaned


def _clean_code(code: str) -> str:
    cleaned = nfc(code or "")
    if len(cleaned) > MAX_CODE:
        raise DomainError(_("The village code is too long (at most 32 characters)."), field="code")
    return cleaned


def _clean_kind(kind: str) -> str:
    if kind not in VillageKind.values:
        raise DomainError(_("Unknown village type “%(kind)s”.") % {"kind": kind}, field="kind")
    return kind


def _check_commune(actor: User, commune: AdminUnit) -> None:
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_VILLAGES)
    if not scope.covers_unit(commune, Perm.MANAGE_VILLAGES):
        raise NotFound(_("The unit was not found."))
    if commune.kind not in COMMUNE_KINDS or not commune.is_current:
        raise DomainError(_("Villages belong to a current commune, ward or special zone."), field="commune")


def _name_taken(name: str) -> DomainError:
    return DomainError(_("The commune already has a village named “%(name)s”.") % {"name": name}, field="name")


def _check_unique(commune: AdminUnit, name: str, *, exclude_id: int | None = None) -> None:
    clash = Village.objects.active().filter(commune=commune, name_folded=fold(name))
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    existing = clash.first()
    if existing is not None:
        raise _name_taken(existing.name)


def village_create(
    *,
    actor: User,
    commune: AdminUnit,
    name: str,
    kind: str = VillageKind.THON,
    code: str = "",
    valid_from: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Village:
    """Create a village in a commune the actor manages; a name used in the commune is refused."""
    _check_commune(actor, commune)
    cleaned = _clean_name(name)
    _check_unique(commune, cleaned)
    try:
        with transaction.atomic():
            village = Village.objects.create(
                commune=commune,
                name=cleaned,
                kind=_clean_kind(kind),
                code=_clean_code(code),
                valid_from=valid_from or timezone.localdate(),
            )
            audit_record(
                actor=actor,
                action="village.create",
                target=village,
                unit=commune,
                request=request,
                name=village.name,
                kind=village.kind,
            )
    except IntegrityError:  # a concurrent create of the same name won the race
        raise _name_taken(cleaned) from None
    return village


def village_update(
    *,
    actor: User,
    village: Village,
    name: str,
    kind: str,
    code: str = "",
    request: HttpRequest | None = None,
) -> Village:
    """Rename a village or change its type or code."""
    _check_commune(actor, village.commune)
    if not village.is_active:
        raise DomainError(_("A retired village cannot be changed."))
    cleaned = _clean_name(name)
    _check_unique(village.commune, cleaned, exclude_id=village.pk)
    before = {"name": village.name, "kind": village.kind, "code": village.code}
    village.name, village.kind, village.code = cleaned, _clean_kind(kind), _clean_code(code)
    try:
        with transaction.atomic():
            village.save()
            audit_record(
                actor=actor,
                action="village.update",
                target=village,
                unit=village.commune,
                request=request,
                before=before,
                after={"name": village.name, "kind": village.kind, "code": village.code},
            )
    except IntegrityError:  # a concurrent rename to the same name won the race
        raise _name_taken(cleaned) from None
    return village


def village_retire(
    *, actor: User, village: Village, on: datetime.date | None = None, request: HttpRequest | None = None
) -> Village:
    """Retire a village from a date; it stays in history and its name becomes free again."""
    _check_commune(actor, village.commune)
    if not village.is_active:
        raise DomainError(_("The village is already retired."))
    day = on or timezone.localdate()
    if day > timezone.localdate():
        # A retired village leaves every list at once and frees its name: a date ahead would do that early.
        raise DomainError(_("The retirement date cannot be in the future."))
    if village.valid_from and day < village.valid_from:
        raise DomainError(_("The retirement date is before the village was created."))
    # A retired village refuses every sync of its members: refused while it still has live work.
    retirement_refusals(village)
    village.valid_to = day
    with transaction.atomic():
        village.save(update_fields=["valid_to", "updated_at"])
        audit_record(
            actor=actor,
            action="village.retire",
            target=village,
            unit=village.commune,
            request=request,
            on=day.isoformat(),
        )
    return village
