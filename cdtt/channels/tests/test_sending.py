"""Outgoing messages and the OA token against the fake Zalo server: every error path of the contract."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cdtt.channels.models import MessageMode, MessageStatus, ZaloLink, ZaloMessage, ZaloToken
from cdtt.channels.tests.helpers import MEMBER_ZALO_ID
from cdtt.channels.zalo import client, services
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.notices.models import NoticeKind, Notification
from cdtt.notices.services import notify
from conftest import Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(fake: FakeZalo, users: Users) -> ZaloLink:
    users.team_member.phone = "0912345678"
    users.team_member.save()
    fake.interacted(MEMBER_ZALO_ID)
    return ZaloLink.objects.create(
        user=users.team_member,
        zalo_user_id=MEMBER_ZALO_ID,
        linked_at=timezone.now() - datetime.timedelta(hours=1),
        last_interaction_at=timezone.now() - datetime.timedelta(hours=1),
    )


def due_notice(users: Users, kind: str = NoticeKind.REPORT_DUE, url: str = "/bao-cao/") -> Notification:
    notify(recipients=[users.team_member], kind=kind, title="Báo cáo tháng 11 đến hạn ngày 05/12/2026", url=url)
    return Notification.objects.filter(kind=kind).latest("id")


def test_a_notice_goes_as_a_consultation_message_once(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    notice = due_notice(users)
    assert services.notices_send() == {"sent": 1}
    message = ZaloMessage.objects.get(notification=notice)
    assert (message.status, message.mode) == (MessageStatus.SENT, MessageMode.CONSULTATION)
    assert fake.messages_to(MEMBER_ZALO_ID) == ["Báo cáo tháng 11 đến hạn ngày 05/12/2026"]
    assert services.notices_send() == {}
    assert len(fake.sent) == 1


def test_only_the_listed_kinds_of_linked_members_after_the_link_are_passed_on(
    fake: FakeZalo, link: ZaloLink, users: Users
) -> None:
    notify(recipients=[users.team_member], kind=NoticeKind.DIFFICULTY_RAISED, title="x", url="/kho-khan/1/")
    notify(recipients=[users.team_leader], kind=NoticeKind.REPORT_DUE, title="x", url="/bao-cao/")
    old = due_notice(users, url="/bao-cao/old/")
    Notification.objects.filter(pk=old.pk).update(created_at=link.linked_at - datetime.timedelta(minutes=1))
    assert services.notices_send() == {}
    assert fake.sent == []


def test_a_notice_made_inside_a_service_is_sent_after_its_commit(
    fake: FakeZalo, link: ZaloLink, users: Users, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        due_notice(users)
    assert fake.messages_to(MEMBER_ZALO_ID) == ["Báo cáo tháng 11 đến hạn ngày 05/12/2026"]


def test_outside_the_window_a_template_goes_by_phone(
    fake: FakeZalo, link: ZaloLink, users: Users, settings: Any
) -> None:
    settings.ZALO = {**settings.ZALO, "TEMPLATE_ID": "tpl-notice"}
    ZaloLink.objects.filter(pk=link.pk).update(last_interaction_at=timezone.now() - datetime.timedelta(days=8))
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert (message.status, message.mode) == (MessageStatus.SENT, MessageMode.TEMPLATE)
    assert fake.sent[0]["phone"] == "84912345678"
    assert fake.sent[0]["template_data"]["title"].startswith("Báo cáo tháng 11")
    assert [path for path, _code in fake.calls if path.endswith("/cs")] == []  # no doomed consultation send


@pytest.mark.parametrize(("code", "setup"), [(-230, "stale"), (-213, "unfollowed")])
def test_window_errors_fall_back_to_the_template(
    fake: FakeZalo, link: ZaloLink, users: Users, settings: Any, code: int, setup: str
) -> None:
    settings.ZALO = {**settings.ZALO, "TEMPLATE_ID": "tpl-notice"}
    if setup == "stale":  # our record says 1 hour, Zalo's says 8 days
        fake.interacted(MEMBER_ZALO_ID, at_ms=int((timezone.now() - datetime.timedelta(days=8)).timestamp() * 1000))
    else:
        fake.followers.clear()
    due_notice(users)
    services.notices_send()
    assert ("/v3.0/oa/message/cs", code) in fake.calls
    message = ZaloMessage.objects.get()
    assert (message.status, message.mode) == (MessageStatus.SENT, MessageMode.TEMPLATE)


def test_without_a_template_it_is_left_in_the_platform(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    fake.followers.clear()
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert message.status == MessageStatus.LEFT
    assert Notification.objects.filter(kind=NoticeKind.REPORT_DUE).count() == 1  # still in the platform


def test_an_invalid_token_is_refreshed_and_the_send_retried_once(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    client.access_token()
    assert fake.refreshes == 1
    fake.access_tokens.clear()  # Zalo forgot it: -216
    due_notice(users)
    services.notices_send()
    assert ("/v3.0/oa/message/cs", -216) in fake.calls
    assert fake.refreshes == 2
    assert ZaloMessage.objects.get().status == MessageStatus.SENT


def test_an_expired_token_gives_220_and_is_refreshed(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    client.access_token()
    fake.expire_access_tokens()
    due_notice(users)
    services.notices_send()
    assert ("/v3.0/oa/message/cs", -220) in fake.calls
    assert fake.refreshes == 2
    assert ZaloMessage.objects.get().status == MessageStatus.SENT


def test_a_token_error_twice_is_recorded_not_retried_forever(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    fake.fail_next("/v3.0/oa/message/cs", -216, times=2)
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, -216)
    assert [c for c in fake.calls if c[0].endswith("/cs")] == [("/v3.0/oa/message/cs", -216)] * 2


def test_a_rate_limit_backs_off_and_the_next_run_sends(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    fake.fail_next("/v3.0/oa/message/cs", -32)
    due_notice(users)
    due_notice(users, kind=NoticeKind.REPORT_APPROVED, url="/bao-cao/2/")
    assert services.notices_send() == {"backoff": 1}
    waiting = ZaloMessage.objects.filter(status=MessageStatus.PENDING)
    assert waiting.count() == 2
    assert waiting.filter(error_code=-32, next_attempt_at__gt=timezone.now()).count() == 1
    assert services.notices_send() == {"sent": 1}  # the other one; the backed-off one waits
    later = timezone.now() + datetime.timedelta(minutes=6)
    assert services.notices_send(now=later) == {"sent": 1}


@pytest.mark.parametrize("code", [-201, -227, -240])
def test_other_errors_are_recorded_with_the_reason(fake: FakeZalo, link: ZaloLink, users: Users, code: int) -> None:
    fake.fail_next("/v3.0/oa/message/cs", code)
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, code)
    assert str(code) in message.error


@pytest.mark.parametrize(("phone", "template", "code"), [("12345", "tpl-notice", -108), ("0912345678", "nope", -109)])
def test_template_errors_are_recorded(
    fake: FakeZalo, link: ZaloLink, users: Users, settings: Any, phone: str, template: str, code: int
) -> None:
    settings.ZALO = {**settings.ZALO, "TEMPLATE_ID": template}
    users.team_member.phone = phone
    users.team_member.save()
    fake.followers.clear()
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert (message.status, message.error_code) == (MessageStatus.FAILED, code)


def test_zalo_unreachable_is_recorded(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    client.access_token()
    fake.stop()
    due_notice(users)
    services.notices_send()
    message = ZaloMessage.objects.get()
    assert message.status == MessageStatus.FAILED
    assert message.error_code is None and "could not be reached" in message.error


# -- the token -------------------------------------------------------------------------------------


def test_tokens_are_encrypted_at_rest_and_rotate(fake: FakeZalo) -> None:
    first_refresh = client.decrypt(ZaloToken.objects.get().refresh_token)
    access = client.access_token()
    row = ZaloToken.objects.get()
    assert access not in row.access_token and access.startswith("at-")
    assert client.decrypt(row.access_token) == access
    assert client.decrypt(row.refresh_token) != first_refresh
    assert first_refresh in fake.spent_refresh_tokens
    # A reused refresh token is refused by Zalo.
    with pytest.raises(client.ZaloError) as refused:
        client._oauth_refresh(first_refresh)
    assert refused.value.code == -14014


def test_the_token_is_refreshed_ahead_of_expiry_only(fake: FakeZalo) -> None:
    client.access_token()
    assert client.access_token() == client.access_token()
    assert fake.refreshes == 1
    ZaloToken.objects.update(expires_at=timezone.now() + datetime.timedelta(hours=4))
    client.access_token()
    assert fake.refreshes == 2


def test_a_worker_that_waited_for_the_lock_uses_the_pair_the_other_refreshed(fake: FakeZalo) -> None:
    """Worker A read the stale row; worker B refreshed; A, once it holds the lock, must not spend the old token."""
    stale = ZaloToken.objects.get()  # worker A's read
    from_b = client.access_token()  # worker B refreshes first
    assert fake.refreshes == 1
    from_a = client.refresh_locked(seen=stale.access_token, now=timezone.now())
    assert from_a == from_b
    assert fake.refreshes == 1
    assert [code for path, code in fake.calls if path == "/v4/oa/access_token"] == [0]


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # its flush must not recreate content types: a serialized test follows
def test_two_workers_at_once_spend_the_refresh_token_once(fake: FakeZalo) -> None:
    """Real threads, real row lock (PostgreSQL's SELECT ... FOR UPDATE; SQLite's write lock)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("threads sharing SQLite's in-memory test database are not a real concurrency test")
    import threading

    client.access_token()
    ZaloToken.objects.update(expires_at=timezone.now() + datetime.timedelta(hours=1))
    results: list[str] = []
    errors: list[Exception] = []

    def worker() -> None:
        try:
            results.append(client.access_token())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()  # the thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert fake.refreshes == 2  # the first setup refresh and one more, not two
    assert [code for path, code in fake.calls if path == "/v4/oa/access_token"] == [0, 0]


def test_a_failed_refresh_is_recorded_on_the_token(fake: FakeZalo) -> None:
    fake.refresh_tokens.clear()
    with pytest.raises(client.ZaloError):
        client.access_token()
    assert "Invalid refresh token" in ZaloToken.objects.get().last_error


def test_the_hook_and_the_sender_agree_on_the_kinds_passed_on() -> None:
    from cdtt.channels.hooks import FORWARDED

    assert set(FORWARDED) == set(services.FORWARDED)


def test_a_message_another_worker_claimed_is_not_sent_twice(fake: FakeZalo, link: ZaloLink, users: Users) -> None:
    due_notice(users)
    notice = Notification.objects.get()
    # Worker A made and claimed it (and is sending it now); worker B's run must leave it alone.
    ZaloMessage.objects.create(
        link=link,
        zalo_user_id=link.zalo_user_id,
        notification=notice,
        text=notice.title,
        next_attempt_at=timezone.now() + services.CLAIM,
    )
    assert services.notices_send() == {}
    assert fake.sent == []
    # A claim that lapsed (worker A died) is taken again.
    assert services.notices_send(now=timezone.now() + services.CLAIM + datetime.timedelta(seconds=1)) == {"sent": 1}
    assert len(fake.sent) == 1


def test_the_channel_plugs_itself_into_notice_delivery_at_startup() -> None:
    from cdtt.channels.hooks import notices_made
    from cdtt.notices.delivery import _channels

    assert _channels["zalo"] is notices_made
