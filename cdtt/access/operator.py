"""Who may read the operator's pages (metrics): a scraper with the token, or a national administrator or staff."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest

from cdtt.access.scope import scope_for
from cdtt.accounts.models import Role


def operator_allowed(request: HttpRequest) -> bool | None:
    """True for the operator, False for a signed-in non-operator, None for an unknown caller (ask to sign in)."""
    token = settings.CDTT_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        # A wrong or unset token is "unknown", never a pass: compare_digest keeps the token's value untimed.
        return True if token and hmac.compare_digest(header[7:].strip(), token) else None
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_staff or user.is_superuser:
        return True
    return any(grant.role == Role.NATIONAL_ADMIN for grant in scope_for(user).grants)
