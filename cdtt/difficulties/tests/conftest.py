"""Difficulties raised by the fixed tree's users, and a media folder of the test's own."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cdtt.difficulties.models import Difficulty
from cdtt.difficulties.services import DifficultyIn, difficulty_raise
from conftest import Users

FIXTURES = Path(__file__).parent / "fixtures"
# A fixed clock: raised on Monday 2 March 2026, 09:00 in Hà Nội; due a week later.
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def raise_one(user: Any, *, now: datetime.datetime = NOW, **extra: Any) -> Difficulty:
    data = DifficultyIn(category="connectivity", description="Thôn mất sóng 4G từ tuần trước.", **extra)
    return difficulty_raise(actor=user, data=data, now=now)


@pytest.fixture
def team_difficulty(users: Users) -> Difficulty:
    """Raised by the team member of V1: handled by commune C1."""
    return raise_one(users.team_member, title="Mất sóng ở thôn")


@pytest.fixture
def commune_difficulty(users: Users) -> Difficulty:
    """Raised by the commune officer of C1: handled by province P1."""
    return raise_one(users.commune_officer, title="Thiếu máy tính bảng")
