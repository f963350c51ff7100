"""Make notices and mark them read. ``notify`` is called by other apps' services, inside their transaction."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.scope import as_id
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit
from cdtt.notices.delivery import notices_made
from cdtt.notices.models import NoticeKind, Notification

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_TITLE = 200
MAX_URL = 300


def notice_key(*, recipient_id: int, kind: str, url: str, day: datetime.date) -> str:
    """The dedupe key: one notice per recipient, kind and link a day."""
    raw = f"{recipient_id}|{kind}|{url}|{day.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    unit: AdminUnit | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Leave a notice for each recipient (users or user ids); returns how many new ones were made.

    Safe inside the caller's transaction: rows that already exist (same recipient, kind and link that day)
    are skipped by the database (INSERT ... ON CONFLICT DO NOTHING), never raised, so a retried service
    call does not double a notice and does not break the caller's transaction.
    """
    if kind not in NoticeKind.values:
        raise DomainError(_("Unknown kind of notice."))
    if url and not url.startswith("/"):
        raise DomainError(_("A notice links to a page of the platform only."))
    now = now or timezone.now()
    day = timezone.localdate(now)
    title = nfc(title)[:MAX_TITLE]
    body = body.strip()
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients if r is not None})
    if not ids:
        return 0
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title,
            body=body,
            url=url[:MAX_URL],
            unit=unit,
            key=notice_key(recipient_id=pk, kind=kind, url=url, day=day),
            created_at=now,
        )
        for pk in ids
    ]
    keys = [row.key for row in rows]
    before = Notification.objects.filter(key__in=keys).count()
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    made = Notification.objects.filter(key__in=keys).count() - before
    if made:
        notices_made(kind=kind, recipient_ids=ids)  # chat channels pass them on after the caller's transaction commits
    return made


def notice_get(*, actor: User, notice_id: Any) -> Notification:
    """One of the actor's own notices; anybody else's is the same 404 as a missing one."""
    notice = Notification.objects.filter(pk=as_id(notice_id), recipient=actor).first()
    if notice is None:
        raise NotFound(_("The notice was not found."))
    return notice


def notice_mark_read(*, actor: User, notice_id: Any, now: datetime.datetime | None = None) -> Notification:
    """Mark one of the actor's notices read (reading it twice keeps the first time)."""
    notice = notice_get(actor=actor, notice_id=notice_id)
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


def notices_mark_all_read(*, actor: User, now: datetime.datetime | None = None) -> int:
    """Mark all the actor's unread notices read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=now or timezone.now())
