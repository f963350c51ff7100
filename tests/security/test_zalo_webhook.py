"""Issue 16.4: the Zalo webhook refuses a correctly signed event for another app, or outside the time window,
and still refuses a replayed msg_id. Saved real-format payloads, signed as Zalo signs them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from cdtt.channels.models import ZaloEvent
from cdtt.channels.tests.helpers import Poster, fixture_bytes
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.channels.zalo.services import EVENT_MAX_AGE, EVENT_MAX_AHEAD

pytestmark = pytest.mark.django_db

NAMES = ["user_send_text", "follow", "user_send_image", "user_submit_info", "user_received_message"]
MINUTE_MS = 60_000


def _now_ms() -> int:
    return int(time.time() * 1000)


def _with(raw: bytes, **changes: Any) -> bytes:
    """The same event with some top-level fields changed, re-serialised compactly (the signature covers it)."""
    payload = json.loads(raw)
    payload.update(changes)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


# (label, how to turn today's event into a hostile one, expected status)
HOSTILE: list[tuple[str, Callable[[bytes], bytes], int]] = [
    ("foreign app id", lambda raw: _with(raw, app_id="3608465248940903967"), 403),
    ("empty app id", lambda raw: _with(raw, app_id=""), 403),
    ("three days old", lambda raw: _with(raw, timestamp=str(_now_ms() - 3 * 24 * 60 * MINUTE_MS)), 400),
    ("just past the window", lambda raw: _with(raw, timestamp=str(_now_ms() - 16 * MINUTE_MS)), 400),
    ("ten minutes ahead", lambda raw: _with(raw, timestamp=str(_now_ms() + 10 * MINUTE_MS)), 400),
    ("timestamp in seconds", lambda raw: _with(raw, timestamp=str(_now_ms() // 1000)), 400),
    ("timestamp not a number", lambda raw: _with(raw, timestamp="hôm qua"), 400),
    ("timestamp absurdly long", lambda raw: _with(raw, timestamp="9" * 40), 400),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("label", "change", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_signed_hostile_event_is_refused_and_nothing_kept(
    fake: FakeZalo, post: Poster, name: str, label: str, change: Callable[[bytes], bytes], status: int
) -> None:
    response = post(change(fixture_bytes(name)))
    assert response.status_code == status, label
    assert ZaloEvent.objects.count() == 0
    assert fake.sent == []


@pytest.mark.parametrize("name", NAMES)
def test_the_saved_payload_as_recorded_is_refused(fake: FakeZalo, post: Poster, name: str) -> None:
    # Years old and addressed to the documentation's apps: refused though correctly signed.
    assert post(fixture_bytes(name, as_saved=True)).status_code in {400, 403}
    assert ZaloEvent.objects.count() == 0


@pytest.mark.parametrize(
    "offset_ms", [0, -(EVENT_MAX_AGE // 2).total_seconds() * 1000, (EVENT_MAX_AHEAD // 2).total_seconds() * 1000]
)
def test_an_event_inside_the_window_is_taken(fake: FakeZalo, post: Poster, offset_ms: float) -> None:
    raw = _with(fixture_bytes("user_send_image"), timestamp=str(int(_now_ms() + offset_ms)))
    assert post(raw).status_code == 200
    assert ZaloEvent.objects.count() == 1


def test_a_replayed_msg_id_inside_the_window_is_still_handled_once(fake: FakeZalo, post: Poster) -> None:
    raw = fixture_bytes("user_send_text")
    fake.interacted(json.loads(raw)["sender"]["id"])
    assert post(raw).json() == {"status": "queued"}
    restamped = _with(raw, timestamp=str(_now_ms() + 1000))  # same msg_id, new stamp and signature
    assert post(restamped).json() == {"status": "duplicate"}
    assert ZaloEvent.objects.count() == 1
