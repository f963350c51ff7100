"""Notice delivery: channels plug themselves in; notices hands them only what is new."""

from __future__ import annotations

import pytest

from cdtt.notices import delivery
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from conftest import Users


def test_new_notices_are_handed_to_every_registered_channel_once(users: Users, monkeypatch: pytest.MonkeyPatch) -> None:
    handed: list[tuple[str, list[int]]] = []

    def channel(*, kind: str, recipient_ids: list[int]) -> None:
        handed.append((kind, recipient_ids))

    monkeypatch.setitem(delivery._channels, "recorder", channel)
    recipients = [users.team_member, users.team_leader]
    notify(recipients=recipients, kind=NoticeKind.REPORT_DUE, title="Báo cáo đến hạn", url="/bao-cao/")
    notify(recipients=recipients, kind=NoticeKind.REPORT_DUE, title="Báo cáo đến hạn", url="/bao-cao/")  # a retry
    assert handed == [(NoticeKind.REPORT_DUE, sorted(user.pk for user in recipients))]
