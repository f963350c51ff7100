"""Linking by a one-time code and chat commands: only what the member clearly meant is recorded."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.activities.models import Activity, ActivityKind
from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.channels.models import ChatCommand, ZaloLink, ZaloLinkCode
from cdtt.channels.tests.helpers import MEMBER_ZALO_ID
from cdtt.channels.zalo import services
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.difficulties.models import Difficulty
from cdtt.progress.selectors import current_year_period
from cdtt.targets.services import target_set
from conftest import Tree, Users

pytestmark = pytest.mark.django_db
Say = Callable[..., Any]


@pytest.fixture
def linked(fake: FakeZalo, users: Users, tree: Tree, say: Say) -> ZaloLink:
    catalog_load()
    code = services.link_code_create(actor=users.team_member)
    say(f"lk {code}")
    return ZaloLink.objects.get(user=users.team_member)


def last(fake: FakeZalo, user_id: str = MEMBER_ZALO_ID) -> str:
    return fake.messages_to(user_id)[-1]


def test_a_member_links_with_the_code_from_their_profile_page(
    fake: FakeZalo, users: Users, tree: Tree, say: Say, signed_in: Callable[..., Client]
) -> None:
    catalog_load()
    member = signed_in("team_member")
    assert member.post(reverse("channels:link_code")).status_code == 302
    page = member.get(reverse("channels:link"))
    code = page.context["code"]
    assert len(code) == 6 and code.isdigit()
    assert ZaloLinkCode.objects.get(user=users.team_member).code_hash != code  # only its hash is kept
    say(code)
    link = ZaloLink.objects.get(user=users.team_member)
    assert link.zalo_user_id == MEMBER_ZALO_ID
    assert "Đã liên kết" in last(fake)
    # The code works once.
    say(code, user_id="8123456789012345999")
    assert "không đúng hoặc đã hết hạn" in last(fake, "8123456789012345999")
    assert ZaloLink.objects.count() == 1


def test_an_expired_or_wrong_code_links_nobody(fake: FakeZalo, users: Users, say: Say) -> None:
    code = services.link_code_create(actor=users.team_member, now=timezone.now() - datetime.timedelta(minutes=16))
    say(code)
    say("000000" if code != "000000" else "111111")
    assert ZaloLink.objects.count() == 0
    assert all("không đúng hoặc đã hết hạn" in text for text in fake.messages_to(MEMBER_ZALO_ID))


def test_an_unlinked_sender_is_told_how_to_link_and_nothing_is_recorded(
    fake: FakeZalo, users: Users, tree: Tree, say: Say
) -> None:
    catalog_load()
    say("bc vneid 3")
    assert Activity.objects.count() == 0
    assert "chưa được liên kết" in last(fake)


def test_unlinking_from_the_platform_or_from_zalo(
    linked: ZaloLink, fake: FakeZalo, users: Users, say: Say, signed_in: Callable[..., Client]
) -> None:
    assert signed_in("team_member").post(reverse("channels:unlink")).status_code == 302
    assert not ZaloLink.objects.exists()
    code = services.link_code_create(actor=users.team_member)
    say(code)
    assert ZaloLink.objects.exists()
    say("Hủy liên kết")
    assert not ZaloLink.objects.exists()
    assert "Đã hủy liên kết" in last(fake)


def test_bc_vneid_records_one_group_session_and_shows_progress(
    linked: ZaloLink, fake: FakeZalo, users: Users, tree: Tree, say: Say
) -> None:
    indicator = Indicator.objects.get(code="vneid_guided")
    target_set(
        actor=users.commune_officer, subject=tree.v1, indicator=indicator, period=current_year_period(), value=10
    )
    say("BC VNeID 5 người", msg_id="aa11")
    activity = Activity.objects.get()
    assert (activity.kind, activity.people_reached, activity.village_id) == (ActivityKind.GROUP, 5, tree.v1.pk)
    assert activity.platform_id == indicator.platform_id
    assert activity.recorded_by_id == users.team_member.pk
    reply = last(fake)
    assert "Đã ghi" in reply and "5/10 (50,0%)" in reply
    # Zalo delivers the same message again: still one record.
    say("BC VNeID 5 người", msg_id="aa11")
    assert Activity.objects.count() == 1


def test_words_ignore_case_and_diacritics(linked: ZaloLink, fake: FakeZalo, say: Say) -> None:
    say("bc Thanh Toán 2 người")
    say("tuyên truyền 40 người loa")
    assert sorted(Activity.objects.values_list("kind", "people_reached", "channel")) == [
        (ActivityKind.GROUP, 2, ""),
        (ActivityKind.PROPAGANDA, 40, "loudspeaker"),
    ]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("bc vneid -3", "phải từ 1 trở lên"),
        ("bc vneid 0", "phải từ 1 trở lên"),
        ("bc vneid 100000", "quá nhiều"),
        ("bc vneid 3 4", "một con số"),
        ("bc xyz 3", "không biết từ báo cáo"),
        ("bc vneid 3 hộ", "bao nhiêu người"),
        ("bc thanh toán 3", "3 người hay 3 hộ"),
        ("tuyên truyền 40 loa", "40 người hay 40 hộ"),
        ("tuyên truyền 40 người", "hình thức nào"),
        ("bc vneid 3 người ở thôn Đông", "chưa hiểu"),
        ("vneid", "Bao nhiêu người"),
        ("chào anh", "chưa hiểu"),
        ("khó khăn:", "Khó khăn là gì"),
        ("x" * 2001, "quá dài"),
    ],
)
def test_unclear_or_absurd_commands_record_nothing_and_get_a_vietnamese_answer(
    linked: ZaloLink, fake: FakeZalo, say: Say, text: str, answer: str
) -> None:
    say(text)
    assert Activity.objects.count() == 0
    assert Difficulty.objects.count() == 0
    assert answer in last(fake)


def test_help_and_progress(linked: ZaloLink, fake: FakeZalo, say: Say) -> None:
    say("?")
    assert "vneid" in last(fake) and "tien do" in last(fake)
    say("HD")
    assert "Gửi báo cáo ngắn" in last(fake)
    say("bc dvc 4")
    say("Tiến độ")
    assert "Tiến độ của" in last(fake) and "4" in last(fake)


def test_huy_undoes_the_last_report_within_ten_minutes(linked: ZaloLink, fake: FakeZalo, say: Say) -> None:
    say("bc vneid 3")
    say("huy")
    activity = Activity.objects.get()
    assert activity.voided_at is not None
    assert "Đã hủy" in last(fake)
    say("huy")
    assert "Không có báo cáo" in last(fake)
    say("bc vneid 2")
    ChatCommand.objects.filter(undone_at__isnull=True).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    say("huy")
    assert Activity.objects.filter(voided_at__isnull=True).count() == 1
    assert "Không có báo cáo" in last(fake)


def test_a_difficulty_is_raised_to_the_commune_and_not_undone_by_chat(
    linked: ZaloLink, fake: FakeZalo, users: Users, tree: Tree, say: Say
) -> None:
    say("Khó khăn: mất sóng ở thôn")
    difficulty = Difficulty.objects.get()
    assert (difficulty.description, difficulty.village_id, difficulty.handler_unit_id) == (
        "mất sóng ở thôn",
        tree.v1.pk,
        tree.c1.pk,
    )
    assert difficulty.raised_by_id == users.team_member.pk
    assert "Đã gửi khó khăn lên" in last(fake)
    say("huy")
    assert "không thể rút lại" in last(fake)
    assert Difficulty.objects.count() == 1


def test_a_member_of_two_villages_is_asked_to_use_the_app(
    linked: ZaloLink, fake: FakeZalo, users: Users, tree: Tree, say: Say
) -> None:
    from cdtt.accounts.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=users.team_member, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2)
    say("bc vneid 3")
    assert Activity.objects.count() == 0
    assert "một tổ thôn" in last(fake)


def test_chat_words_set_in_the_catalogue_are_understood(
    linked: ZaloLink, fake: FakeZalo, say: Say, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    form = {
        "code": "tinh_app_people",
        "name": "Số người được hướng dẫn ứng dụng công dân số của tỉnh",
        "measure": "people",
        "pillar": "society",
        "method": "activity_reach",
        "activity_kinds": ["group"],
        "valid_from_year": "2025",
        "is_active": "on",
        "aliases": "App Tỉnh, công dân số",
    }
    refused = officer.post(reverse("catalog:indicator_new"), {**form, "aliases": "app 2"})
    assert "không có chữ số" in refused.content.decode()
    assert not Indicator.objects.filter(code="tinh_app_people").exists()
    assert officer.post(reverse("catalog:indicator_new"), form).status_code == 302
    assert Indicator.objects.get(code="tinh_app_people").aliases == ["app tinh", "cong dan so"]
    say("bc Công dân số 7")
    assert Activity.objects.get().people_reached == 7
    assert "Số người được hướng dẫn ứng dụng công dân số của tỉnh" in last(fake)


def test_an_unfollow_keeps_the_link_and_stops_replies(linked: ZaloLink, fake: FakeZalo, post: Any) -> None:
    before = len(fake.sent)
    post(fake.event("unfollow", MEMBER_ZALO_ID))
    linked.refresh_from_db()
    assert linked.following is False
    assert len(fake.sent) == before
    post(fake.event("follow", MEMBER_ZALO_ID))
    linked.refresh_from_db()
    assert linked.following is True
    assert "Gửi báo cáo ngắn" in last(fake)
