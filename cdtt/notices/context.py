"""The unread count in the site header: one indexed COUNT, only when a page shows it to a signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cdtt.notices.selectors import notice_unread_count


def unread_notices(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a page that never renders the header (a file, a JSON error) never runs the query.
    return {"unread_notices": SimpleLazyObject(lambda: notice_unread_count(user=user))}
