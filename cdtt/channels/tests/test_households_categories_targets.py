"""Through the webhook and the fake Zalo server: a report counted in households, a difficulty's category
guessed from its words, and a new target passed on to a linked member."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from cdtt.activities.models import Activity, ActivityKind
from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.channels.models import MessageStatus, ZaloLink, ZaloMessage
from cdtt.channels.tests.helpers import MEMBER_ZALO_ID
from cdtt.channels.zalo import services
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.difficulties.models import Category, Difficulty
from cdtt.progress.selectors import current_year_period, indicator_figures
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


def last(fake: FakeZalo) -> str:
    return fake.messages_to(MEMBER_ZALO_ID)[-1]


def achieved(tree: Tree, code: str) -> int:
    indicator = Indicator.objects.get(code=code)
    found = indicator_figures(tree.v1, current_year_period(), [indicator], rank=False)
    return int(found[0].achieved) if found else 0


def test_bc_thanh_toan_3_ho_counts_households_not_people_and_huy_undoes_it(
    linked: ZaloLink, fake: FakeZalo, users: Users, tree: Tree, say: Say
) -> None:
    homes = Indicator.objects.get(code="epayment_households_guided")
    target_set(actor=users.commune_officer, subject=tree.v1, indicator=homes, period=current_year_period(), value=12)
    say("bc thanh toán 3 hộ")
    activity = Activity.objects.get()
    assert (activity.kind, activity.people_reached, activity.households_reached) == (ActivityKind.GROUP, 0, 3)
    assert activity.platform_id == homes.platform_id
    assert (achieved(tree, "epayment_households_guided"), achieved(tree, "epayment_guided")) == (3, 0)
    reply = last(fake)
    assert "Đã ghi: Số hộ được hướng dẫn thanh toán điện tử — 3 hộ" in reply
    assert "3/12 (25,0%)" in reply

    say("huy")
    assert "Đã hủy" in last(fake)
    assert achieved(tree, "epayment_households_guided") == 0
    assert Activity.objects.get().voided_at is not None


def test_without_a_unit_word_the_member_is_asked_and_nothing_is_recorded(
    linked: ZaloLink, fake: FakeZalo, tree: Tree, say: Say
) -> None:
    say("bc thanh toan 3")
    assert "3 người hay 3 hộ? Gửi lại, ví dụ: bc thanh toan 3 nguoi" in last(fake)
    assert Activity.objects.count() == 0
    say("bc thanh toan 3 nguoi")
    assert Activity.objects.get().people_reached == 3
    assert (achieved(tree, "epayment_guided"), achieved(tree, "epayment_households_guided")) == (3, 0)
    say("tuyên truyền 25 hộ họp")
    assert Activity.objects.filter(kind=ActivityKind.PROPAGANDA, households_reached=25, people_reached=0).exists()
    assert "25 hộ" in last(fake)
    say("bc thanh toán 5000 hộ")
    assert "5000 hộ trong một báo cáo" in last(fake)
    assert Activity.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "category", "label"),
    [
        ("khó khăn: mất sóng", Category.CONNECTIVITY, "Hạ tầng mạng, kết nối"),
        ("kk: bà con không có điện thoại thông minh", Category.DEVICES, "Thiết bị"),
        ("khó khăn: mất sóng, không có điện thoại", Category.OTHER, "Khác"),
        ("khó khăn: cần thêm thời gian", Category.OTHER, "Khác"),
    ],
)
def test_a_chat_difficulty_gets_the_category_its_words_point_to(
    linked: ZaloLink, fake: FakeZalo, say: Say, text: str, category: str, label: str
) -> None:
    say(text)
    assert Difficulty.objects.get().category == category
    reply = last(fake)
    assert f"Phân loại: {label}" in reply
    assert "Phường Ba Đình có thể đổi" in reply


def test_a_new_target_reaches_a_linked_member_through_the_fake_server(
    linked: ZaloLink, fake: FakeZalo, users: Users, tree: Tree, django_capture_on_commit_callbacks: Any
) -> None:
    vneid = Indicator.objects.get(code="vneid_guided")
    users.commune_officer.full_name = "Nguyễn Thị Xã"
    users.commune_officer.save()
    with django_capture_on_commit_callbacks(execute=True):
        target_set(
            actor=users.commune_officer, subject=tree.v1, indicator=vneid, period=current_year_period(), value=40
        )
    message = ZaloMessage.objects.get(notification__kind="target_assigned")
    assert message.status == MessageStatus.SENT
    assert message.notification is not None and message.notification.recipient_id == users.team_member.pk
    text = last(fake)
    year = timezone.localdate().year
    assert text.startswith(f"Chỉ tiêu mới: Số người được hướng dẫn sử dụng VNeID, Năm {year}")
    assert "Tổ dân phố số 1 — Số người được hướng dẫn sử dụng VNeID: 40 người" in text
    assert "Nguyễn Thị Xã" in text
