"""Notices in the JSON API: the caller's own list, unread count, mark read. A chat channel reads these:
``kind``, ``title`` and ``url`` keep their meaning."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Router, Schema

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.notices.models import Notification
from cdtt.notices.selectors import notice_list, notice_unread_count
from cdtt.notices.services import notice_mark_read, notices_mark_all_read

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    unit_id: int | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NoticeListOut(Schema):
    count: int
    unread: int
    limit: int
    offset: int
    results: list[NoticeOut]


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


def _out(notice: Notification) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "title": notice.title,
        "body": notice.body,
        "url": notice.url,
        "unit_id": notice.unit_id,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
    }


@router.get("/notices", response={200: NoticeListOut, **ERRORS})
@api_requires(Perm.READ_NOTICES)
def notices_list(request: SignedInRequest, unread_only: bool = False, limit: int = 20, offset: int = 0) -> Any:
    """The caller's notices, unread first, newest first."""
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    notices = notice_list(user=request.user, unread_only=unread_only)
    return {
        "count": notices.count(),
        "unread": notice_unread_count(user=request.user),
        "limit": limit,
        "offset": offset,
        "results": [_out(n) for n in notices[offset : offset + limit]],
    }


@router.get("/notices/unread-count", response={200: UnreadOut, **ERRORS})
@api_requires(Perm.READ_NOTICES)
def notices_unread(request: SignedInRequest) -> Any:
    """How many of the caller's notices are unread."""
    return {"unread": notice_unread_count(user=request.user)}


@router.post("/notices/{notice_id}/read", response={200: NoticeOut, **ERRORS})
@api_requires(Perm.READ_NOTICES)
def notices_read(request: SignedInRequest, notice_id: int) -> Any:
    """Mark one of the caller's notices read (404 for anyone else's)."""
    return _out(notice_mark_read(actor=request.user, notice_id=notice_id))


@router.post("/notices/read-all", response={200: MarkedOut, **ERRORS})
@api_requires(Perm.READ_NOTICES)
def notices_read_all(request: SignedInRequest) -> Any:
    """Mark all the caller's notices read."""
    return {"marked": notices_mark_all_read(actor=request.user)}
