"""What the audit trail may hold of personal values, and the audit of reads and refusals around personal data.

The audit trail is append-only (it is the controller's evidence), so erasure cannot reach it: a changed
personal field is recorded old -> new *masked* (phones as everywhere else, names, addresses and notes by
their initials), figures in clear. The officer sees that, and roughly how, a value changed; the person's data
itself stays where erasure reaches it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from cdtt.core.audit import audit_record
from cdtt.core.text import mask_phone

_PHONES = {"phone", "phone2"}
_TEXTS = {"head_name", "full_name", "address", "notes", "given_by", "requester", "contact"}


def masked(name: str, value: Any) -> Any:
    """The value as the audit trail records it."""
    if value in (None, ""):
        return value
    if hasattr(value, "pk"):  # a related row (the caretaker): its id
        return value.pk
    if name in _PHONES:
        return mask_phone(str(value))
    if name in _TEXTS:
        return " ".join(word[0] + "…" for word in str(value).split())
    return value


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} of the fields that changed, masked."""
    return {
        name: [masked(name, before.get(name)), masked(name, value)]
        for name, value in after.items()
        if before.get(name) != value
    }


def audit_refusals(what: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wrap an export view (outside its access decorator): a refused attempt (403, 404) is audited too."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code in (403, 404) and request.user.is_authenticated:
                audit_record(
                    actor=request.user,
                    action="export.refused",
                    request=request,
                    export=what,
                    path=request.path[:200],
                    status=response.status_code,
                )
            return response

        return wrapper

    return wrap
