"""Channels that pass new notices on (Zalo today): each registers itself from its ``AppConfig.ready()``.

``notices`` knows no channel: ``notify`` tells the registered channels which recipients got a new notice,
and each channel decides what to send and when (after the caller's transaction commits).
"""

from __future__ import annotations

from typing import Protocol


class Channel(Protocol):
    def __call__(self, *, kind: str, recipient_ids: list[int]) -> None: ...


_channels: dict[str, Channel] = {}


def register_channel(name: str, deliver: Channel) -> None:
    """Plug a channel in; registering the same name again replaces it (``ready()`` can run twice in tests)."""
    _channels[name] = deliver


def notices_made(*, kind: str, recipient_ids: list[int]) -> None:
    """Tell every registered channel about new notices of ``kind``; runs inside the caller's transaction."""
    for deliver in list(_channels.values()):
        deliver(kind=kind, recipient_ids=recipient_ids)
