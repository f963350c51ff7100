"""Erasure of the platform's own people: a team member (with their account) or a trainer named in sessions.

Driven by the map of personal data like the household erasure: the person's own row is blanked field by field,
and their name, phones (and Zalo id) are redacted wherever the map says free text, copies or staff fields can
hold them; their uploaded files go too. Rows stay, so every count stays: memberships (with their dates and
roles), attendance, decisions, the team figures by organisation and gender. The audit trail keeps the account's
sign-in name, as it keeps everything (append-only evidence, 5 years; see the register of processing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit
from cdtt.privacy import erasure

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# What an erased member is called from then on: data (Vietnamese), not interface text.
ERASED_NAME = "Đã xóa"


def _require_unit(actor: User, unit: AdminUnit, perm: Perm, missing: str) -> None:
    """403 without the permission; the same 404 for a unit outside the actor's subtree as for a missing one."""
    scope = scope_for(actor)
    scope.require(perm)
    if not scope.covers_unit(unit, perm):
        raise NotFound(missing)


def member_get(*, user: Any, member_id: int) -> Any:
    """A member of a commune the user manages teams of (403 without the role, 404 otherwise)."""
    from cdtt.teams.models import Member

    scope = scope_for(user)
    scope.require(Perm.MANAGE_TEAMS)
    member = Member.objects.select_related("commune", "user").filter(pk=member_id).first()
    if member is None or not scope.covers_unit(member.commune, Perm.MANAGE_TEAMS):
        raise NotFound(_("The team member was not found."))
    return member


def _account_subject(subject: erasure.Subject, user: Any) -> None:
    subject.add_name(user.full_name)
    subject.add_name(f"{user.first_name} {user.last_name}")
    subject.add_phone(user.phone)
    link = getattr(user, "zalo_link", None)
    if link is not None and link.zalo_user_id.isdigit():
        subject.ids.add(link.zalo_user_id)  # the chat id is a number that names them in Zalo's payloads


def _erase_account(user: Any) -> None:
    """Lock the account and blank who it was; the audit trail's rows keep pointing at it."""
    from cdtt.accounts.models import ApiToken
    from cdtt.channels.models import ZaloLink
    from cdtt.sync.models import Device

    user.username = f"da-xoa-{user.pk}"
    user.first_name = user.last_name = user.email = user.full_name = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    tokens = ApiToken.objects.filter(user=user)
    Device.objects.filter(token__in=tokens).update(label="", model="")
    tokens.update(name="")
    ZaloLink.objects.filter(user=user).delete()


def member_erase(*, actor: User, member: Any, request: HttpRequest | None = None) -> dict[str, int]:
    """Erase a team member who left (and their account): name, phone, birth year, occupation, and every text
    naming them; returns what was redacted per place. Gender and organisation stay (the team figures)."""
    from cdtt.teams.models import Membership

    member = member_get(user=actor, member_id=member.pk)
    if member.full_name == ERASED_NAME and not member.phone:
        raise DomainError(_("This person's personal data was already erased."))
    if Membership.objects.filter(member=member, left_on__isnull=True).exists():
        raise DomainError(_("This person is still on a team: record that they left first."))
    with transaction.atomic():
        return erase_member(actor, member, request)


def erase_member(actor: User | None, member: Any, request: HttpRequest | None = None, **details: Any) -> dict[str, int]:
    """The erasure itself, once the caller checked who may (``member_erase``, the retention job)."""
    from cdtt.teams.models import Member

    subject = erasure.Subject(commune_path=member.commune.path)
    subject.add_name(member.full_name)
    subject.add_phone(member.phone)
    if member.user is not None:
        _account_subject(subject, member.user)
    with transaction.atomic():
        redacted = erasure.redact(subject, staff=True)
        Member.objects.filter(pk=member.pk).update(
            full_name=ERASED_NAME,
            name_folded="",
            phone="",
            birth_year=None,
            occupation="",
            publish_phone=False,
            updated_at=timezone.now(),
        )
        if member.user is not None:
            _erase_account(member.user)
        audit_record(
            actor=actor,
            action="staff.erase",
            target=member,
            unit=member.commune,
            request=request,
            account=member.user_id,
            redacted=redacted,
            **details,
        )
    return redacted


def trainer_erase(
    *, actor: User, unit: AdminUnit, name: str, phone: str = "", request: HttpRequest | None = None
) -> dict[str, int]:
    """Erase a trainer (or an enterprise's contact person) known only by name in the training records of
    ``unit``'s courses: the name (two words at least) and phone are redacted wherever the map points."""
    _require_unit(actor, unit, Perm.MANAGE_TRAINING, _("The unit was not found."))
    name = nfc(name)
    if len(name.split()) < 2:
        raise DomainError(_("Enter the trainer's full name (at least two words)."), field="name")
    subject = erasure.Subject(commune_path=unit.path)
    subject.add_name(name)
    subject.add_phone(phone)
    with transaction.atomic():
        redacted = erasure.redact(subject, staff=True)
        # Only counts go to the audit: the name itself is what was erased.
        audit_record(
            actor=actor, action="staff.erase_trainer", target=unit, unit=unit, request=request, redacted=redacted
        )
    return redacted
