"""The fake Zalo server wired to the platform, and a webhook poster that signs as Zalo does."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from cdtt.channels.zalo.client import token_store
from cdtt.channels.zalo.config import conf
from cdtt.channels.zalo.fake import FakeZalo, settings_for
from cdtt.channels.zalo.signature import sign

FIXTURES = Path(__file__).resolve().parents[1] / "zalo" / "fixtures"
WEBHOOK = "/channels/zalo/webhook"
MEMBER_ZALO_ID = "8123456789012345678"  # over 2^53: must stay a string


def fixture_bytes(name: str, *, as_saved: bool = False) -> bytes:
    """The saved event's exact bytes, addressed to our app and stamped now, as Zalo would send it today.

    The saved payloads come from several apps' documentation and are years old; the webhook refuses a foreign
    app_id and a stale timestamp (``as_saved=True`` gives the bytes untouched, to prove it).
    """
    raw = (FIXTURES / f"{name}.json").read_bytes()
    if as_saved:
        return raw
    app_id = conf().get("APP_ID") or "2553928453557884079"
    raw = re.sub(rb'"app_id":"\d+"', b'"app_id":"%s"' % str(app_id).encode(), raw)
    return re.sub(rb'"timestamp":"\d+"', b'"timestamp":"%d"' % int(time.time() * 1000), raw)


def fixture(name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fixture_bytes(name))
    data.update(changes)
    return data


@pytest.fixture
def fake(settings: Any, db: None) -> Iterator[FakeZalo]:
    server = FakeZalo().start()
    settings.ZALO = settings_for(server)
    token_store(refresh_token=server.issue_refresh_token())
    yield server
    server.stop()


Poster = Callable[..., Any]


@pytest.fixture
def post(client: Client, fake: FakeZalo, django_capture_on_commit_callbacks: Any) -> Poster:
    """POST raw bytes to the webhook signed with the OA secret (or ``signature``); runs the queued work."""

    def send(raw: bytes, *, signature: str | None = None, **headers: Any) -> Any:
        if signature is None:
            payload = json.loads(raw)
            signature = sign(
                app_id=payload["app_id"], raw_body=raw, timestamp=payload["timestamp"], secret=fake.oa_secret
            )
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature, **headers
            )

    return send


@pytest.fixture
def say(fake: FakeZalo, post: Poster) -> Callable[..., Any]:
    """The member writes ``text`` to the OA (as Zalo delivers it); returns the webhook's response."""

    def send(text: str, *, user_id: str = MEMBER_ZALO_ID, msg_id: str | None = None) -> Any:
        fake.interacted(user_id)
        return post(fake.event("user_send_text", user_id, text, msg_id=msg_id))

    return send
