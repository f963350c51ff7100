"""Write audit events; every service that changes something calls ``audit_record``."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from cdtt.core.bulk import insert_many
from cdtt.core.models import AuditEvent

if TYPE_CHECKING:
    from cdtt.accounts.models import User
    from cdtt.geo.models import AdminUnit


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or the configured trusted proxy's header when one is set.

    Only the header named in CDTT_TRUSTED_PROXY_HEADER is read, and only its right-most address (the one our
    own proxy appended; anything to its left was written by the client and can be forged). Off by default:
    without a proxy, a client could otherwise pick the address its failures are counted against. The audit
    trail and the sign-in throttling (AXES_CLIENT_IP_CALLABLE) both use it.
    """
    if request is None:
        return None
    meta_key = settings.TRUSTED_PROXY_META_KEY
    if meta_key:
        forwarded = str(request.META.get(meta_key, "")).split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


def audit_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    unit: AdminUnit | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """One audit event, not yet stored (``audit_record`` stores it; a batch stores many in one insert)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    fallback_name = str(details.pop("actor_name", ""))  # who acted when no user did (a command, a failed login)
    return AuditEvent(
        actor=actor if is_user else None,
        actor_name=getattr(actor, "username", "") if is_user else fallback_name,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        unit=unit,
        ip_address=client_ip(request),
        details=details,
    )


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    unit: AdminUnit | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one audit event."""
    event = audit_event(actor=actor, action=action, target=target, unit=unit, request=request, **details)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    """Append events made by ``audit_event``, in one insert (append-only: only new events)."""
    if any(event.pk is not None for event in events):
        raise RuntimeError("audit events are append-only")
    insert_many(events)
