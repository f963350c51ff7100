"""With the real queue (the database backend), the webhook only keeps and queues; the worker does the work."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from cdtt.channels.models import EventStatus, ZaloEvent
from cdtt.channels.tests.helpers import WEBHOOK, fixture_bytes
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.channels.zalo.signature import sign

pytestmark = pytest.mark.django_db


def test_the_webhook_answers_at_once_and_leaves_the_work_to_the_worker(
    fake: FakeZalo, client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    raw = fixture_bytes("user_send_text")
    stamp = json.loads(raw)["timestamp"]
    signature = sign(app_id="2553928453557884079", raw_body=raw, timestamp=stamp, secret=fake.oa_secret)
    fake.interacted("6142494823xxxxxxxx")
    assert client.post(WEBHOOK, data=b"{}", content_type="application/json").status_code == 400  # warm: URLs loaded
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(WEBHOOK, data=raw, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 2.0  # Zalo retries after 2 seconds
    assert ZaloEvent.objects.get().status == EventStatus.RECEIVED  # not handled in the request
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "cdtt.channels.tasks.zalo_event_handle"
    assert fake.sent == []  # no reply before the worker runs
