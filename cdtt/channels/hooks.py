"""The one place other apps reach the channel: after a notice is made, its Zalo copy is sent once the
caller's transaction commits (the caller's behaviour does not change; a failure is recorded, never raised)."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def notices_made() -> None:
    """Queue a send of new notices after the current transaction commits (nothing when the channel is off)."""
    from cdtt.channels.zalo.config import enabled

    if not enabled():
        return

    def enqueue() -> None:
        from cdtt.channels.tasks import zalo_notices_send

        try:
            zalo_notices_send.enqueue()
        except Exception:  # the notice is made; the worker's send_zalo_notices run picks it up later
            log.exception("zalo: could not queue the notices send")

    transaction.on_commit(enqueue)
