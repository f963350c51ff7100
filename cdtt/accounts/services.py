"""Writes to accounts: users, role grants, API tokens. Each checks the actor's scope and is audited.

``actor=None`` means the operator at the command line (``manage.py add_user``), who is not scoped.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import ROLE_UNIT_KINDS, Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.models import TEAM_ROLES, ApiToken, Role, RoleAssignment, User
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden
from cdtt.core.text import nfc, normalize_phone
from cdtt.geo.models import AdminUnit, Village

TOKEN_PREFIX = "cdtt_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for


def _check_grant(actor: User | None, role: str, unit: AdminUnit, village: Village | None) -> None:
    if role not in Role.values:
        raise DomainError(_("Unknown role “%(role)s”.") % {"role": role}, field="role")
    if role in TEAM_ROLES:
        if village is None:
            raise DomainError(_("A team role is held at a village: choose the village."), field="village")
        if not village.is_active:
            raise DomainError(_("The village is retired."), field="village")
        if village.commune_id != unit.pk:
            raise DomainError(_("The village is not in the chosen commune."), field="village")
    elif village is not None:
        raise DomainError(_("Only team roles are held at a village."), field="village")
    kinds = ROLE_UNIT_KINDS[role]
    if "village" not in kinds and unit.kind not in kinds:
        raise DomainError(
            _("The role %(role)s cannot be held at %(unit)s.") % {"role": Role(role).label, "unit": unit.name},
            field="unit",
        )
    if not unit.is_current:
        raise DomainError(_("The unit no longer exists (it was merged in 2025)."), field="unit")
    if actor is not None:
        scope = scope_for(actor)
        scope.require(Perm.MANAGE_ACCOUNTS)
        if not scope.may_grant(role, unit, village):
            raise Forbidden(_("You may only grant roles below your own unit."))


def role_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    unit: AdminUnit,
    village: Village | None = None,
    request: HttpRequest | None = None,
) -> RoleAssignment:
    """Grant ``role`` at ``unit`` (and ``village`` for team roles); granting twice changes nothing."""
    _check_grant(actor, role, unit, village)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, unit=unit, village=village, defaults={"created_by": actor}
        )
        if created:
            audit_record(
                actor=actor,
                action="role.grant",
                target=user,
                unit=unit,
                request=request,
                role=role,
                village=village.pk if village else None,
                actor_name="manage.py",
            )
    return assignment


def role_revoke(*, actor: User | None, assignment: RoleAssignment, request: HttpRequest | None = None) -> None:
    """Take one role grant away."""
    if actor is not None:
        scope = scope_for(actor)
        scope.require(Perm.MANAGE_ACCOUNTS)
        if not scope.may_grant(assignment.role, assignment.unit, assignment.village):
            raise Forbidden(_("You may only change roles below your own unit."))
        if not RoleAssignment.objects.filter(user_id=assignment.user_id).exclude(pk=assignment.pk).exists():
            # Without a role no officer could see the account again: lock it instead.
            raise DomainError(_("An account keeps at least one role. Lock the account instead."))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="role.revoke",
            target=assignment.user,
            unit=assignment.unit,
            request=request,
            role=assignment.role,
            village=assignment.village_id,
            actor_name="manage.py",
        )
        assignment.delete()


def _clean_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from None


def user_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    password: str,
    role: str,
    unit: AdminUnit,
    village: Village | None = None,
    phone: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Create an account with its first role; refused as a whole when any part is wrong."""
    username = nfc(username or "").lower()
    if not username or not all(ch.isalnum() or ch in "._-@" for ch in username) or len(username) > 150:
        raise DomainError(
            _("The username may contain only letters, digits and . _ - @ (at most 150)."), field="username"
        )
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username “%(u)s” is already taken.") % {"u": username}, field="username")
    _check_grant(actor, role, unit, village)
    user = User(username=username, full_name=nfc(full_name or ""), created_by=actor)
    if phone:
        user.phone = normalize_phone(phone)
    _clean_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(
            actor=actor,
            action="user.create",
            target=user,
            unit=unit,
            request=request,
            username=username,
            actor_name="manage.py",
        )
        role_grant(actor=actor, user=user, role=role, unit=unit, village=village, request=request)
    return user


def _check_manages(actor: User, user: User) -> None:
    """The actor manages ``user`` only when every one of the user's grants lies below the actor."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_ACCOUNTS)
    grants = list(user.assignments.select_related("unit", "village"))  # type: ignore[attr-defined]
    if not grants or not all(scope.may_grant(g.role, g.unit, g.village) for g in grants):
        raise Forbidden(_("This account also holds roles outside your units; ask the level above."))


def user_set_active(*, actor: User, user: User, active: bool, request: HttpRequest | None = None) -> User:
    """Lock or unlock an account (never deleted, so history keeps its name)."""
    if user.pk == actor.pk:
        raise DomainError(_("You cannot lock your own account."))
    _check_manages(actor, user)
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
        if not active:
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="user.activate" if active else "user.deactivate", target=user, request=request)
    return user


def device_revoke(*, actor: User, user: User, token_id: Any, request: HttpRequest | None = None) -> ApiToken:
    """An officer cuts off one device (token) of an account they manage; its unsent records stay on it."""
    _check_manages(actor, user)
    token = ApiToken.objects.filter(user=user, pk=token_id if str(token_id).isdigit() else -1).first()
    if token is None:
        from cdtt.core.errors import NotFound

        raise NotFound(_("The token was not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        with transaction.atomic():
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor, action="token.revoke", target=token, request=request, prefix=token.prefix, of=user.pk
            )
    return token


def user_set_password(*, actor: User, user: User, password: str, request: HttpRequest | None = None) -> User:
    """An officer sets a new password for an account they manage."""
    _check_manages(actor, user)
    _clean_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        # A reset answers a lost or leaked password: tokens issued under the old one stop too.
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(actor=actor, action="user.password_reset", target=user, request=request)
    return user


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str = "", request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Issue an API token; the raw value is returned once and only its hash is kept."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=nfc(name or "")[:100], prefix=raw[:12], key_hash=_hash(raw))
        audit_record(actor=user, action="token.create", target=token, request=request, prefix=token.prefix)
    return token, raw


def token_revoke(*, user: User, token_id: Any, request: HttpRequest | None = None) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = ApiToken.objects.filter(user=user, pk=token_id if str(token_id).isdigit() else -1).first()
    if token is None:
        from cdtt.core.errors import NotFound

        raise NotFound(_("The token was not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        with transaction.atomic():
            token.save(update_fields=["revoked_at"])
            audit_record(actor=user, action="token.revoke", target=token, request=request, prefix=token.prefix)
    return token


def token_revoked(raw: str) -> bool:
    """Whether ``raw`` is a token that existed and was revoked (a device an officer cut off)."""
    if not raw.startswith(TOKEN_PREFIX):
        return False
    return ApiToken.objects.filter(key_hash=_hash(raw), revoked_at__isnull=False).exists()


def token_authenticate(raw: str) -> User | None:
    """Return the active user behind a bearer token, or None."""
    token = token_active(raw)
    return token.user if token is not None else None


def token_active(raw: str) -> ApiToken | None:
    """The live token ``raw`` names (its user active), with its user; marks it used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
