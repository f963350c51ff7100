"""The replica router: heavy read pages read the replica, writes and a writer's next reads stay on the primary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connections
from django.test import Client

from cdtt.core import dbrouter
from cdtt.core.dbrouter import PRIMARY, REPLICA, WROTE_COOKIE, ReplicaRouter, read_source
from cdtt.geo.models import AdminUnit
from conftest import PASSWORD, Tree, Users


@pytest.fixture
def replica(db: None, settings: Any) -> Iterator[None]:
    """A ``replica`` alias on the test database's own connection, as Django's TEST MIRROR does.

    Sharing the connection lets the replica see the test's uncommitted rows: what a synchronous standby shows
    once they are committed. Which alias a read went to is what the router tests check.
    """
    databases = connections.settings
    databases[REPLICA] = {**connections[PRIMARY].settings_dict, "TEST": {"MIRROR": PRIMARY}}
    assert databases is settings.DATABASES  # the handler reads settings.DATABASES itself
    connections[REPLICA] = connections[PRIMARY]
    dbrouter._replica_down_until = 0.0
    yield
    del connections[REPLICA]
    del databases[REPLICA]


def dashboard(tree: Tree) -> str:
    return f"/bang-dieu-khien/don-vi/{tree.p1.pk}/"


def test_without_a_replica_every_read_goes_to_the_primary(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("province_officer")
    response = client.get(dashboard(tree))
    assert response.status_code == 200
    assert "X-Data-Source" not in response
    assert b'data-testid="data-freshness"' not in response.content
    assert read_source(method="GET", view_name="dashboards:unit", wrote_at=None, now=time.time()) == PRIMARY


def test_without_a_replica_a_write_sets_no_cookie(client: Client, users: Users) -> None:
    response = client.post("/dang-nhap/", {"username": "province_officer", "password": PASSWORD})
    assert response.status_code == 302
    assert WROTE_COOKIE not in response.cookies


def test_a_dashboard_reads_the_replica_and_says_how_fresh_it_is(
    replica: None, signed_in: Callable[..., Client], tree: Tree
) -> None:
    client = signed_in("province_officer")
    client.cookies.pop(WROTE_COOKIE, None)  # signing in was a write; this reader has not written since
    response = client.get(dashboard(tree))
    assert response.status_code == 200
    assert response["X-Data-Source"] == REPLICA
    assert "X-Data-As-Of" in response
    assert b'data-testid="data-freshness"' in response.content
    assert "Số liệu tính đến".encode() in response.content


def test_the_dashboard_api_reads_the_replica(replica: None, signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("province_officer")
    client.cookies.pop(WROTE_COOKIE, None)
    response = client.get(f"/api/v1/dashboards/units/{tree.p1.pk}")
    assert response.status_code == 200
    assert response["X-Data-Source"] == REPLICA


def test_a_page_not_listed_reads_the_primary(replica: None, signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("province_officer")
    client.cookies.pop(WROTE_COOKIE, None)
    response = client.get("/")
    assert response["X-Data-Source"] == PRIMARY


def test_who_has_just_written_reads_the_primary(
    replica: None, client: Client, users: Users, tree: Tree, settings: Any
) -> None:
    settings.CDTT_READ_YOUR_WRITES_SECONDS = 30
    response = client.post("/dang-nhap/", {"username": "province_officer", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[WROTE_COOKIE]
    assert cookie["max-age"] == 30
    assert cookie["httponly"]
    assert client.get(dashboard(tree))["X-Data-Source"] == PRIMARY


def test_after_the_window_the_writer_reads_the_replica_again(
    replica: None, signed_in: Callable[..., Client], tree: Tree, settings: Any
) -> None:
    settings.CDTT_READ_YOUR_WRITES_SECONDS = 30
    client = signed_in("province_officer")
    client.cookies[WROTE_COOKIE] = str(int(time.time()) - 31)  # a browser that ignored the cookie's max-age
    assert client.get(dashboard(tree))["X-Data-Source"] == REPLICA
    client.cookies[WROTE_COOKIE] = str(int(time.time()) - 5)
    assert client.get(dashboard(tree))["X-Data-Source"] == PRIMARY


def test_a_refused_write_does_not_send_the_reader_to_the_primary(replica: None, client: Client, users: Users) -> None:
    response = client.post("/dang-nhap/", {"username": "province_officer", "password": "sai-mật-khẩu"})
    assert response.status_code in {200, 403}
    assert WROTE_COOKIE not in response.cookies


def test_writes_always_go_to_the_primary(replica: None, tree: Tree) -> None:
    router = ReplicaRouter()
    token = dbrouter._use_replica.set(True)
    try:
        assert router.db_for_read(AdminUnit) == REPLICA
        assert AdminUnit.objects.all().db == REPLICA
        assert router.db_for_write(AdminUnit) == PRIMARY
        assert AdminUnit.objects.select_for_update().db == PRIMARY
        unit = AdminUnit.objects.get(pk=tree.p1.pk)
        assert unit._state.db == REPLICA
        unit.name = "Thành phố Hà Nội (đổi)"
        unit.save()
        assert unit._state.db == PRIMARY
    finally:
        dbrouter._use_replica.reset(token)
    assert read_source(method="POST", view_name="dashboards:unit", wrote_at=None, now=time.time()) == PRIMARY


def test_sessions_and_accounts_are_always_read_on_the_primary(replica: None) -> None:
    token = dbrouter._use_replica.set(True)
    try:
        assert ReplicaRouter().db_for_read(Session) == PRIMARY
        from cdtt.accounts.models import User

        assert ReplicaRouter().db_for_read(User) == PRIMARY
    finally:
        dbrouter._use_replica.reset(token)


def test_the_replica_is_never_migrated() -> None:
    assert ReplicaRouter().allow_migrate(REPLICA, "geo") is False
    assert ReplicaRouter().allow_migrate(PRIMARY, "geo") is True


def test_a_replica_too_far_behind_is_not_used(
    replica: None, signed_in: Callable[..., Client], tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import timezone

    late = dbrouter.Freshness(as_of=timezone.now(), lag_seconds=10_000.0)
    monkeypatch.setattr(dbrouter, "replica_freshness", lambda alias=REPLICA: late)
    client = signed_in("province_officer")
    client.cookies.pop(WROTE_COOKIE, None)
    assert client.get(dashboard(tree))["X-Data-Source"] == PRIMARY


def test_healthz_and_metrics_report_the_replica(
    replica: None, client: Client, signed_in: Callable[..., Client]
) -> None:
    body = client.get("/healthz").json()
    assert body["replica"] == "ok"
    assert body["replica_lag_seconds"] == 0.0
    text = signed_in("national_admin").get("/metrics").content.decode()
    assert "cdtt_replica_up 1.0" in text
    assert "cdtt_replica_lag_seconds" in text


def test_a_replica_that_does_not_answer_sends_the_reads_to_the_primary(
    replica: None, signed_in: Callable[..., Client], tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def down(alias: str = REPLICA) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(dbrouter, "replica_freshness", down)
    monkeypatch.setattr(connections[REPLICA], "close", lambda: None)  # the shared test connection stays open
    client = signed_in("province_officer")
    client.cookies.pop(WROTE_COOKIE, None)
    response = client.get(dashboard(tree))
    assert response.status_code == 200
    assert response["X-Data-Source"] == PRIMARY
    assert b'data-testid="data-freshness"' not in response.content
