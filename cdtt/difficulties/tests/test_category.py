"""A difficulty's category: guessed from its words (conservatively), corrected by the handling unit."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from cdtt.core.models import AuditEvent
from cdtt.difficulties.categories import category_guess
from cdtt.difficulties.models import Category, Difficulty
from conftest import Users

pytestmark = pytest.mark.django_db

HANDLERS = {"commune_officer", "province_officer", "national_admin"}
ROLES = ["national_admin", "province_officer", "commune_officer", "team_leader", "team_member", "leader"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("mất sóng", Category.CONNECTIVITY),
        ("Sóng yếu, không vào được mạng 4G", Category.OTHER),  # "không vào được" also reads as a platform fault
        ("Thôn không có sóng", Category.CONNECTIVITY),
        ("Wi-Fi nhà văn hóa hỏng", Category.CONNECTIVITY),
        ("Bà con không có tín hiệu điện thoại", Category.OTHER),  # connectivity and devices
        ("Người già không có điện thoại thông minh", Category.DEVICES),
        ("Thiếu máy tính ở nhà văn hóa", Category.DEVICES),
        ("Ứng dụng bị treo, không nhận được OTP", Category.PLATFORM_FAULT),
        ("VNeID báo lỗi khi đăng ký", Category.PLATFORM_FAULT),
        ("Dân sợ lừa đảo nên từ chối cài", Category.RELUCTANCE),
        ("Chưa có kinh phí in tờ rơi", Category.FUNDING),
        ("Tổ viên chưa được tập huấn", Category.TRAINING),
        ("Bà con chưa biết dùng ví", Category.TRAINING),
        ("Chờ trả lời của xã", Category.OTHER),  # "trả lời" is not a fault
        ("Tiến độ chậm", Category.OTHER),  # "tiến độ" is not money
        ("Mang theo căn cước khi đi", Category.OTHER),  # "mang theo" is not the network
        ("Mất sóng và thiếu kinh phí", Category.OTHER),  # two categories: the handler decides
        ("", Category.OTHER),
    ],
)
def test_the_guess_names_one_category_or_other(text: str, category: str) -> None:
    assert category_guess(text) == category


@pytest.mark.parametrize("role", ROLES)
def test_the_handling_side_changes_the_category_and_it_is_audited(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty, role: str
) -> None:
    url = f"/kho-khan/{team_difficulty.pk}/thao-tac/"
    response = signed_in(role).post(url, {"action": "category", "category": Category.DEVICES})
    after = Difficulty.objects.get(pk=team_difficulty.pk)
    if role in HANDLERS:
        assert response.status_code == 302
        assert after.category == Category.DEVICES
        audit = AuditEvent.objects.get(action="difficulty.category")
        assert audit.actor_id == users.get(role).pk
        event = after.messages.get(event="category")  # type: ignore[attr-defined]
        assert "Thiết bị" in event.body
    else:
        assert response.status_code == 403
        assert after.category == Category.CONNECTIVITY
        assert not AuditEvent.objects.filter(action="difficulty.category").exists()


def test_another_province_gets_404_and_a_bad_category_changes_nothing(
    signed_in: Callable[..., Client], users: Users, team_difficulty: Difficulty
) -> None:
    url = f"/kho-khan/{team_difficulty.pk}/thao-tac/"
    assert signed_in("outsider").post(url, {"action": "category", "category": "devices"}).status_code == 404
    assert signed_in("enterprise_partner").post(url, {"action": "category", "category": "devices"}).status_code == 403
    refused = signed_in("commune_officer").post(url, {"action": "category", "category": "weather"}, follow=True)
    assert _("Choose the kind of difficulty.") in refused.content.decode()
    assert Difficulty.objects.get(pk=team_difficulty.pk).category == Category.CONNECTIVITY
    assert not AuditEvent.objects.filter(action="difficulty.category").exists()


def test_the_page_offers_the_change_to_the_handler_only_and_the_api_takes_it(
    signed_in: Callable[..., Client], team_difficulty: Difficulty
) -> None:
    page = f"/kho-khan/{team_difficulty.pk}/"
    assert 'value="category"' in signed_in("commune_officer").get(page).content.decode()
    assert 'value="category"' not in signed_in("team_member").get(page).content.decode()
    api = f"/api/v1/difficulties/{team_difficulty.pk}/actions"
    body = json.dumps({"action": "category", "category": "reluctance"})
    assert signed_in("team_member").post(api, body, content_type="application/json").status_code == 403
    changed = signed_in("commune_officer").post(api, body, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["category"] == "reluctance"
