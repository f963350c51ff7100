"""Reads of the channel for its health page (deployment-wide: the OA serves every unit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.channels.models import EventStatus, MessageStatus, ZaloEvent, ZaloLink, ZaloMessage, ZaloToken
from cdtt.channels.zalo.config import enabled

RECENT = 20


@dataclass
class Health:
    enabled: bool
    links: int
    last_event: ZaloEvent | None
    last_sent: ZaloMessage | None
    failed_events: list[ZaloEvent] = field(default_factory=list)
    failed_messages: list[ZaloMessage] = field(default_factory=list)
    pending: int = 0
    left: int = 0
    token: ZaloToken | None = None


def channel_health(*, user: Any) -> Health:
    scope_for(user).require(Perm.MANAGE_CHANNELS)
    return Health(
        enabled=enabled(),
        links=ZaloLink.objects.count(),
        last_event=ZaloEvent.objects.order_by("-received_at", "-id").first(),
        last_sent=ZaloMessage.objects.filter(status=MessageStatus.SENT).order_by("-sent_at", "-id").first(),
        failed_events=list(ZaloEvent.objects.filter(status=EventStatus.FAILED).order_by("-received_at")[:RECENT]),
        failed_messages=list(
            ZaloMessage.objects.filter(status=MessageStatus.FAILED).exclude(error="").order_by("-created_at")[:RECENT]
        ),
        pending=ZaloMessage.objects.filter(status=MessageStatus.PENDING).count(),
        left=ZaloMessage.objects.filter(status=MessageStatus.LEFT).count(),
        token=ZaloToken.objects.filter(pk=1).first(),
    )
