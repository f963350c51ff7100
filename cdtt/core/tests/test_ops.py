"""The operator's view of a node: /metrics (operator only), /healthz (which dependency is down), request ids."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cdtt.core.requestlog import JsonFormatter, RequestIdFilter
from conftest import Users

TOKEN = "metrics-token-for-the-test-0123456789"


def test_metrics_refuse_an_anonymous_caller(client: Client, db: None) -> None:
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_refuse_a_wrong_token(client: Client, db: None, settings: Any) -> None:
    settings.CDTT_METRICS_TOKEN = TOKEN
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token").status_code == 401


def test_metrics_refuse_a_bearer_when_no_token_is_configured(client: Client, db: None, settings: Any) -> None:
    settings.CDTT_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 401


@pytest.mark.parametrize("role", ["province_officer", "commune_officer", "team_member"])
def test_metrics_are_forbidden_to_a_non_operator(signed_in: Callable[..., Client], role: str) -> None:
    assert signed_in(role).get("/metrics").status_code == 403


def test_metrics_answer_a_national_administrator(signed_in: Callable[..., Client]) -> None:
    client = signed_in("national_admin")
    client.get("/healthz")
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'cdtt_request_seconds_count{method="GET",status="2xx",view="healthz"}' in text
    for name in [
        "cdtt_task_queue_oldest_seconds",
        "cdtt_import_jobs_running",
        "cdtt_sync_records_5m",
        "cdtt_zalo_send_failures",
        "cdtt_sync_batches",
    ]:
        assert name in text


def test_metrics_answer_the_scraper_token(client: Client, db: None, settings: Any) -> None:
    settings.CDTT_METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_healthz_names_each_dependency(client: Client, db: None) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["replica"] == "not configured"
    assert body["queue"] == "ok"
    assert body["storage"] == "ok"
    assert body["down"] == []


def test_healthz_says_the_storage_is_down_and_the_node_not_ready(
    client: Client, db: None, settings: Any, tmp_path: Any
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"  # under a file: cannot be created
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "unreachable"
    assert response.json()["down"] == ["storage"]


def test_healthz_calls_a_queue_no_worker_takes_stale(client: Client, db: None, settings: Any) -> None:
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from cdtt.transfers.tasks import household_import_check

    household_import_check.using(backend="default").enqueue(0)
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
    body = client.get("/healthz").json()
    assert client.get("/healthz").status_code == 200  # a node still serves while the workers are away
    assert body["queue"] == "stale"
    assert body["status"] == "degraded"


def test_every_answer_carries_a_request_id(client: Client, db: None) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_the_balancer_request_id_is_kept_and_a_forged_one_replaced(client: Client, db: None) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.12")["X-Request-ID"] == "lb-7f3a.12"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="x\nINFO fake line")["X-Request-ID"]
    assert "\n" not in forged and len(forged) == 32


def test_log_lines_carry_the_request_id_as_json(client: Client, users: Users, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="cdtt.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="req-42")
    record = next(r for r in caplog.records if r.name == "cdtt.request")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert response.status_code == 200
    assert line["view"] == "healthz"
    assert line["status"] == 200
    assert line["path"] == "/healthz"


def test_any_log_line_written_during_a_request_gets_its_id() -> None:
    from cdtt.core.requestlog import request_id

    token = request_id.set("abc-1")
    try:
        record = logging.LogRecord("cdtt.x", logging.INFO, __file__, 1, "hello", None, None)
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    assert record.request_id == "abc-1"  # type: ignore[attr-defined]
