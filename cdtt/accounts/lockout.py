"""Sign-in throttling on top of django-axes: per (username, IP), per IP across usernames, per username across IPs.

django-axes 8 checks every combination in AXES_LOCKOUT_PARAMETERS, but against one AXES_FAILURE_LIMIT: a per-IP
limit as low as the per-account one would lock a whole commune office behind one NAT address after five typos.
This handler gives each combination its own limit by scaling its count to the common one, and resets only the
(username, IP) pair on success, so that a sprayer's own good sign-in does not wipe the IP's count (axes deletes
every matching combination).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

# The order of settings.AXES_LOCKOUT_PARAMETERS: the pair, then the IP, then the username.
PAIR, BY_IP, BY_USERNAME = 0, 1, 2


def _limits() -> tuple[int, int, int]:
    return (
        settings.AXES_FAILURE_LIMIT,
        settings.CDTT_LOGIN_IP_FAILURE_LIMIT,
        settings.CDTT_LOGIN_USERNAME_FAILURE_LIMIT,
    )


class SprayLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per lockout combination."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Locked when any combination reaches its own limit: scale each count to the common limit (floor keeps
        # "count >= own limit" exactly equivalent to "scaled >= common limit").
        common = settings.AXES_FAILURE_LIMIT
        scaled = 0
        for attempts, limit in zip(self.get_user_attempts(request, credentials), _limits(), strict=False):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled = max(scaled, failures * common // limit)
        return scaled

    def reset_user_attempts(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[PAIR]
        count, _rows = pair.delete()
        return count


def wait_minutes() -> int:
    """How long a locked sign-in waits: the cool-off period, in minutes."""
    return round(settings.AXES_COOLOFF_TIME * 60)
