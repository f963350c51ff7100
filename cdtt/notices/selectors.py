"""Read a user's own notices (nobody reads anyone else's)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from cdtt.notices.models import Notification


def notice_list(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notices, unread first, newest first."""
    notices = Notification.objects.filter(recipient=user)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")


def notice_unread_count(*, user: Any) -> int:
    """How many of the user's notices are unread (one indexed COUNT)."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
