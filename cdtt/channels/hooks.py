"""The channel's side of notice delivery (registered with ``cdtt.notices.delivery`` in ``ChannelsConfig.ready``):
after a notice is made, its Zalo copy is sent once the caller's transaction commits (the caller's behaviour
does not change; a failure is recorded, never raised)."""

from __future__ import annotations

import logging

from django.db import transaction

from cdtt.channels.models import ZaloLink
from cdtt.channels.tasks import zalo_notices_send
from cdtt.channels.zalo.config import enabled

log = logging.getLogger(__name__)


# The notice kinds passed on to Zalo (cdtt.channels.zalo.services.FORWARDED).
FORWARDED = frozenset({"report_due", "report_returned", "report_approved", "difficulty_answered", "target_assigned"})


def notices_made(*, kind: str, recipient_ids: list[int]) -> None:
    """Queue a send of new notices after the current transaction commits: only for a kind passed on, to a
    linked member, when the channel is configured."""
    if kind not in FORWARDED or not enabled() or not ZaloLink.objects.filter(user_id__in=recipient_ids).exists():
        return

    def enqueue() -> None:
        try:
            zalo_notices_send.enqueue()
        except Exception:  # the notice is made; the worker's send_zalo_notices run picks it up later
            log.exception("zalo: could not queue the notices send")

    transaction.on_commit(enqueue)
