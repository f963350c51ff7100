"""Demo difficulties: one in each state, and one overdue so that a run of
``escalate_difficulties`` (``make demo`` runs it right after) shows it moving up to the province."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.catalog.models import Platform
from cdtt.difficulties.models import Difficulty
from cdtt.difficulties.services import (
    DifficultyIn,
    difficulty_answer,
    difficulty_assign,
    difficulty_raise,
    difficulty_resolve,
)


def difficulties_seed() -> int:
    """Raise the demo difficulties through the services, back-dated (once); returns how many were made."""
    member = User.objects.filter(username="tovien").first()
    leader = User.objects.filter(username="totruong").first()
    officer = User.objects.filter(username="xa").first()
    if member is None or leader is None or officer is None or Difficulty.objects.exists():
        return 0
    now = timezone.now()
    vneid = Platform.objects.filter(code="vneid").first()

    def ago(days: int) -> datetime.datetime:
        return now - datetime.timedelta(days=days)

    def make(user: User, days: int, category: str, title: str, text: str, platform: bool = False) -> Difficulty:
        data = DifficultyIn(
            category=category, title=title, description=text, platform_id=vneid.pk if platform and vneid else None
        )
        difficulty = difficulty_raise(actor=user, data=data, now=ago(days))
        Difficulty.objects.filter(pk=difficulty.pk).update(created_at=ago(days))
        return difficulty

    done = make(
        member,
        20,
        "devices",
        "Tổ chưa có máy tính bảng để hướng dẫn người dân",
        "Tổ chỉ dùng điện thoại cá nhân; cần 2 máy tính bảng để hướng dẫn tại nhà văn hóa thôn.",
    )
    difficulty_answer(
        actor=officer, difficulty=done, text="UBND xã đã cấp 2 máy tính bảng, nhận tại văn phòng xã.", now=ago(18)
    )
    difficulty_resolve(actor=member, difficulty=done, text="Tổ đã nhận máy. Cảm ơn xã.", now=ago(17))

    answered = make(
        leader,
        6,
        "reluctance",
        "Người cao tuổi ngại kích hoạt định danh điện tử",
        "Nhiều cụ trên 70 tuổi sợ lộ thông tin nên chưa đồng ý kích hoạt VNeID mức 2.",
        platform=True,
    )
    difficulty_answer(
        actor=officer,
        difficulty=answered,
        text="Xã sẽ mời công an xã cùng tổ đến từng hộ giải thích vào tối thứ Sáu.",
        now=ago(4),
    )

    make(
        member,
        10,
        "platform_fault",
        "Ứng dụng báo lỗi khi xác thực khuôn mặt",
        "Khi kích hoạt mức 2, ứng dụng báo lỗi xác thực khuôn mặt với nhiều điện thoại Android đời cũ.",
        platform=True,
    )  # raised 10 days ago, due 3 days ago: escalate_difficulties moves it to the province

    waiting = make(
        leader,
        1,
        "training",
        "Cần tập huấn về Cổng Dịch vụ công",
        "Thành viên mới chưa nắm cách hướng dẫn nộp hồ sơ trực tuyến; đề nghị xã tổ chức buổi tập huấn.",
    )
    difficulty_assign(actor=officer, difficulty=waiting, assignee_id=officer.pk, now=ago(1))

    make(
        officer,
        2,
        "funding",
        "Thiếu kinh phí hỗ trợ sóng di động ở thôn xa",
        "Thôn Văn Đức chưa có trạm phát sóng; xã đề nghị thành phố làm việc với nhà mạng.",
    )
    return 5
