"""Notices: made once per recipient, kind and link a day; read and unread; one's own only; the header badge."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cdtt.core.errors import DomainError, NotFound
from cdtt.notices.models import NoticeKind, Notification
from cdtt.notices.selectors import notice_list, notice_unread_count
from cdtt.notices.services import notice_mark_read, notices_mark_all_read, notify
from conftest import Users

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _notify(users: Users, *, url: str = "/kho-khan/1/", now: datetime.datetime = NOW, **extra: object) -> int:
    return notify(
        recipients=[users.team_member, users.team_leader],
        kind=NoticeKind.DIFFICULTY_ANSWERED,
        title="Khó khăn đã được trả lời",
        url=url,
        now=now,
        **extra,  # type: ignore[arg-type]
    )


def test_a_retry_the_same_day_does_not_double_a_notice(users: Users) -> None:
    assert _notify(users) == 2
    assert _notify(users, now=NOW + datetime.timedelta(hours=5)) == 0
    assert Notification.objects.filter(recipient=users.team_member).count() == 1
    assert _notify(users, url="/kho-khan/2/") == 2  # another difficulty is another notice
    assert _notify(users, now=NOW + datetime.timedelta(days=1)) == 2  # the next day too


def test_it_is_safe_inside_the_callers_transaction(users: Users) -> None:
    with transaction.atomic():
        _notify(users)
        _notify(users)  # a duplicate must not break the transaction (PostgreSQL aborts on an error)
        assert Notification.objects.count() == 2
    assert Notification.objects.count() == 2


def test_bad_input_is_refused(users: Users) -> None:
    with pytest.raises(DomainError):
        notify(recipients=[users.team_member], kind="nonsense", title="x")
    with pytest.raises(DomainError):
        notify(recipients=[users.team_member], kind=NoticeKind.REPORT_DUE, title="x", url="https://evil.example/")
    assert notify(recipients=[], kind=NoticeKind.REPORT_DUE, title="x") == 0
    assert not Notification.objects.exists()


def test_read_and_unread_counts(users: Users) -> None:
    _notify(users)
    _notify(users, url="/kho-khan/2/", now=NOW + datetime.timedelta(minutes=1))
    _notify(users, url="/kho-khan/3/", now=NOW + datetime.timedelta(minutes=2))
    member = users.team_member
    assert notice_unread_count(user=member) == 3
    oldest = Notification.objects.get(recipient=member, url="/kho-khan/1/")
    newest = Notification.objects.get(recipient=member, url="/kho-khan/3/")
    notice_mark_read(actor=member, notice_id=newest.pk)
    notice_mark_read(actor=member, notice_id=newest.pk)  # twice keeps the first time
    assert notice_unread_count(user=member) == 2
    # Unread first, newest first.
    assert [n.url for n in notice_list(user=member)] == ["/kho-khan/2/", "/kho-khan/1/", "/kho-khan/3/"]
    with pytest.raises(NotFound):
        notice_mark_read(actor=users.team_leader, notice_id=oldest.pk)
    assert notices_mark_all_read(actor=member) == 2
    assert notice_unread_count(user=member) == 0
    assert notice_unread_count(user=users.team_leader) == 3


def test_the_pages_show_ones_own_notices_only(signed_in: Callable[..., Client], users: Users) -> None:
    _notify(users)
    mine = Notification.objects.get(recipient=users.team_member)
    theirs = Notification.objects.get(recipient=users.team_leader)
    client = signed_in("team_member")
    page = client.get("/thong-bao/")
    assert page.status_code == 200
    assert [n.pk for n in page.context["page"]] == [mine.pk]
    assert client.post(f"/thong-bao/{theirs.pk}/doc/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.get(f"/thong-bao/{mine.pk}/doc/").status_code == 405  # marking read is a POST
    opened = client.post(f"/thong-bao/{mine.pk}/doc/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == "/kho-khan/1/"
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    _notify(users, url="/kho-khan/9/")
    assert client.post("/thong-bao/doc-het/").status_code == 302
    assert notice_unread_count(user=users.team_member) == 0
    assert notice_unread_count(user=users.team_leader) == 2


def test_anonymous_and_roleless_users_are_refused(
    client: Client, signed_in: Callable[..., Client], users: Users
) -> None:
    for method, url in [("get", "/thong-bao/"), ("post", "/thong-bao/1/doc/"), ("post", "/thong-bao/doc-het/")]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
        assert getattr(signed_in("nobody"), method)(url).status_code == 403
    assert client.get("/api/v1/notices").status_code == 401
    assert client.get("/api/v1/notices/unread-count").status_code == 401


def test_the_api_lists_counts_and_marks_read(signed_in: Callable[..., Client], users: Users) -> None:
    _notify(users)
    _notify(users, url="/kho-khan/2/", now=NOW + datetime.timedelta(minutes=1))
    client = signed_in("team_member")
    body = client.get("/api/v1/notices").json()
    assert (body["count"], body["unread"]) == (2, 2)
    first = body["results"][0]
    assert (first["kind"], first["title"], first["url"]) == (
        "difficulty_answered",
        "Khó khăn đã được trả lời",
        "/kho-khan/2/",
    )
    assert client.post(f"/api/v1/notices/{first['id']}/read").json()["read_at"] is not None
    assert client.get("/api/v1/notices/unread-count").json() == {"unread": 1}
    assert client.get("/api/v1/notices?unread_only=true").json()["count"] == 1
    other = Notification.objects.get(recipient=users.team_leader, url="/kho-khan/1/")
    missing = client.post(f"/api/v1/notices/{other.pk}/read")
    assert missing.status_code == 404
    assert missing.json() == client.post("/api/v1/notices/999999/read").json()
    assert client.post("/api/v1/notices/read-all", json.dumps({}), content_type="application/json").json() == {
        "marked": 1
    }


def test_the_header_badge_costs_one_count_and_nothing_for_anonymous(
    client: Client, signed_in: Callable[..., Client], users: Users
) -> None:
    _notify(users)
    member = signed_in("team_member")
    with CaptureQueriesContext(connection) as queries:
        page = member.get("/ca-nhan/")
    notice_queries = [q["sql"] for q in queries if "notices_notification" in q["sql"]]
    assert len(notice_queries) == 1 and "COUNT(" in notice_queries[0].upper()
    html = page.content.decode()
    assert 'data-testid="unread-count">1<' in html
    with CaptureQueriesContext(connection) as queries:
        login = client.get("/dang-nhap/")
    assert login.status_code == 200
    assert not [q for q in queries if "notices_notification" in q["sql"]]
    assert "unread-count" not in login.content.decode()
    Notification.objects.update(read_at=NOW)
    assert "unread-count" not in member.get("/ca-nhan/").content.decode()
