"""Reminders before the deadlines the law sets: a data-subject request's acknowledgement (2 working days) and
completion (15 days), and a breach's notice to the authority (72 hours). Sent once a day by a command."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import holders
from cdtt.households.models import DataSubjectRequest
from cdtt.households.privacy import OPEN_STATUSES
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from cdtt.privacy.models import Breach

ACK_AHEAD = datetime.timedelta(days=1)
DUE_AHEAD = datetime.timedelta(days=3)
BREACH_AHEAD = datetime.timedelta(hours=24)


def _day(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def send_reminders(*, now: datetime.datetime | None = None) -> int:
    """Notify the officers of every request or breach whose deadline is near or passed; returns notices made."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    made = 0
    near = Q(acknowledged_on__isnull=True, acknowledge_due__lte=today + ACK_AHEAD) | Q(due__lte=today + DUE_AHEAD)
    for item in DataSubjectRequest.objects.filter(near, status__in=OPEN_STATUSES).select_related("commune"):
        late = item.due < today or (item.acknowledged_on is None and item.acknowledge_due < today)
        if item.acknowledged_on is None:
            title = _("Acknowledge the data-subject request by %(day)s") % {"day": _day(item.acknowledge_due)}
        else:
            title = _("Complete the data-subject request by %(day)s") % {"day": _day(item.due)}
        if late:
            title = _("Overdue: %(title)s") % {"title": title}
        made += notify(
            recipients=holders(Perm.MANAGE_PRIVACY, unit_id=item.commune_id),
            kind=NoticeKind.PRIVACY_DEADLINE,
            title=title,
            url=reverse("households:request", args=[item.pk]),
            unit=item.commune,
            now=now,
        )
    for breach in Breach.objects.filter(notified_at__isnull=True, notify_due__lte=now + BREACH_AHEAD):
        due = timezone.localtime(breach.notify_due)
        title = _("Notify the authority of the breach by %(moment)s") % {"moment": f"{due:%H:%M %d/%m/%Y}"}
        if breach.notify_due < now:
            title = _("Overdue: %(title)s") % {"title": title}
        made += notify(
            recipients=holders(Perm.MANAGE_BREACHES, unit_id=breach.unit_id),
            kind=NoticeKind.BREACH_DEADLINE,
            title=title,
            url=reverse("privacy:breach", args=[breach.pk]),
            unit=breach.unit,
            now=now,
        )
    return made
