"""The webhook: Zalo's real-format payloads, signed as Zalo signs them; everything else refused."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from cdtt.channels.models import EventStatus, MessageStatus, ZaloEvent, ZaloMessage
from cdtt.channels.tests.helpers import WEBHOOK, Poster, fixture, fixture_bytes
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.channels.zalo.signature import sign, verify

pytestmark = pytest.mark.django_db


def test_the_signature_is_sha256_of_app_id_body_timestamp_and_secret() -> None:
    raw = fixture_bytes("user_send_text")
    payload = json.loads(raw)
    expected = hashlib.sha256(
        (payload["app_id"] + raw.decode() + payload["timestamp"] + "oa-secret").encode()
    ).hexdigest()
    assert sign(app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret="oa-secret") == (
        f"mac={expected}"
    )
    assert verify(
        header=f"mac={expected}",
        app_id=payload["app_id"],
        raw_body=raw,
        timestamp=payload["timestamp"],
        secret="oa-secret",
    )
    assert not verify(
        header=expected, app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret="oa-secret"
    )
    assert not verify(
        header="", app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret="oa-secret"
    )


def test_the_saved_text_event_is_kept_with_string_ids_and_answered(fake: FakeZalo, post: Poster) -> None:
    raw = fixture_bytes("user_send_text")
    fake.interacted("6142494823xxxxxxxx")
    response = post(raw)
    assert response.status_code == 200
    assert response.json() == {"status": "queued"}
    event = ZaloEvent.objects.get()
    assert event.key == "msg:cb31dff1c39642cc1b83"
    assert event.sender_id == "6142494823xxxxxxxx"
    assert event.payload["app_id"] == "2553928453557884079"  # a string, never a number
    assert event.status == EventStatus.DONE
    # An unlinked sender gets the short explanation of how to link, nothing else.
    assert len(fake.messages_to("6142494823xxxxxxxx")) == 1
    assert "chưa được liên kết" in fake.messages_to("6142494823xxxxxxxx")[0]


def test_a_redelivered_message_is_handled_once(fake: FakeZalo, post: Poster) -> None:
    raw = fixture_bytes("user_send_text")
    fake.interacted("6142494823xxxxxxxx")
    post(raw)
    again = post(raw)
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert ZaloEvent.objects.count() == 1
    assert len(fake.messages_to("6142494823xxxxxxxx")) == 1


def test_a_bad_or_missing_signature_is_refused_and_nothing_kept(fake: FakeZalo, post: Poster) -> None:
    raw = fixture_bytes("user_send_text")
    payload = json.loads(raw)
    assert post(raw, signature="").status_code == 401
    assert post(raw, signature="mac=" + "0" * 64).status_code == 401
    signed_by_app_secret = sign(
        app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=fake.app_secret
    )
    assert post(raw, signature=signed_by_app_secret).status_code == 401
    # The signature covers the exact bytes: the same JSON re-spaced is another body.
    good = sign(app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=fake.oa_secret)
    assert post(json.dumps(payload).encode(), signature=good).status_code == 401
    assert ZaloEvent.objects.count() == 0


def test_the_secret_that_signs_is_configurable(fake: FakeZalo, post: Poster, settings: Any) -> None:
    settings.ZALO = {**settings.ZALO, "SIGNATURE_SECRET": "app"}
    raw = fixture_bytes("user_send_image")
    payload = json.loads(raw)
    assert post(raw).status_code == 401  # signed with the OA secret
    by_app = sign(app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=fake.app_secret)
    assert post(raw, signature=by_app).status_code == 200


def test_a_body_that_is_not_json_is_refused(fake: FakeZalo, post: Poster) -> None:
    for raw in (b"not json", b"\xff\xfe", b"[1, 2]", json.dumps({"app_id": 1, "timestamp": 2}).encode()):
        assert post(raw, signature="mac=x").status_code == 400
    assert ZaloEvent.objects.count() == 0


def test_a_one_megabyte_body_is_refused(fake: FakeZalo, post: Poster) -> None:
    payload = fixture("user_send_text")
    payload["message"]["text"] = "a" * (1024 * 1024)
    raw = json.dumps(payload).encode()
    response = post(raw)
    assert response.status_code == 413
    assert ZaloEvent.objects.count() == 0


def test_the_webhook_is_off_unless_configured(client: Any, settings: Any) -> None:
    settings.ZALO = {**settings.ZALO, "OA_SECRET": ""}
    response = client.post(WEBHOOK, data=fixture_bytes("user_send_text"), content_type="application/json")
    assert response.status_code == 404
    assert client.get(WEBHOOK).status_code == 405


@pytest.mark.parametrize("name", ["user_send_image", "user_submit_info", "user_received_message"])
def test_other_events_are_recorded_and_ignored(fake: FakeZalo, post: Poster, name: str) -> None:
    assert post(fixture_bytes(name)).status_code == 200
    event = ZaloEvent.objects.get()
    assert event.status == EventStatus.IGNORED
    assert fake.sent == []


def test_an_event_type_never_seen_is_recorded_and_ignored(fake: FakeZalo, post: Poster) -> None:
    raw = json.dumps({**fixture("user_send_text"), "event_name": "user_send_hologram"}).encode()
    assert post(raw).status_code == 200
    assert ZaloEvent.objects.get().status == EventStatus.IGNORED
    assert fake.sent == []


def test_a_follow_from_an_unlinked_user_gets_the_linking_explanation(fake: FakeZalo, post: Poster) -> None:
    raw = fixture_bytes("follow")
    fake.interacted("24684588352919792")
    assert post(raw).status_code == 200
    event = ZaloEvent.objects.get()
    assert event.sender_id == "24684588352919792"  # the follower, not a sender
    assert event.key.startswith("body:")
    assert "chưa được liên kết" in fake.messages_to("24684588352919792")[0]


def test_a_reply_zalo_refuses_is_recorded_with_its_reason(fake: FakeZalo, post: Poster) -> None:
    post(fixture_bytes("user_send_text"))  # the fake never saw this user follow: -213
    message = ZaloMessage.objects.get()
    assert message.status == MessageStatus.FAILED
    assert message.error_code == -213
    assert "followed" in message.error
