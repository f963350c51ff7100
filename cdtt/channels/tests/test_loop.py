"""The whole loop with the fake server standing in for Zalo (issue 8, "done when")."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.channels.models import MessageStatus, ZaloLink, ZaloMessage, ZaloToken
from cdtt.channels.tests.helpers import MEMBER_ZALO_ID
from cdtt.channels.zalo.fake import FakeZalo
from cdtt.difficulties.selectors import difficulty_list
from cdtt.progress.selectors import current_year_period, indicator_figures
from cdtt.reports.services import remind_due
from cdtt.targets.services import target_set
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def test_link_report_difficulty_progress_and_a_reminder_with_one_token_refresh(
    fake: FakeZalo,
    users: Users,
    tree: Tree,
    say: Callable[..., Any],
    signed_in: Callable[..., Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    catalog_load()
    Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ Tổ dân phố số 1", status=TeamStatus.ACTIVE)
    vneid = Indicator.objects.get(code="vneid_guided")
    target_set(actor=users.commune_officer, subject=tree.v1, indicator=vneid, period=current_year_period(), value=20)

    # 1. The member asks for a code on their profile page and sends it to the OA.
    member = signed_in("team_member")
    member.post(reverse("channels:link_code"))
    code = member.get(reverse("channels:link")).context["code"]
    say(code)
    assert ZaloLink.objects.get().user == users.team_member

    # 2. A report: recorded, confirmed with progress against the target.
    before = indicator_figures(tree.v1, current_year_period(), [vneid], rank=False)[0].achieved
    say("bc vneid 3")
    after = indicator_figures(tree.v1, current_year_period(), [vneid], rank=False)[0].achieved
    assert (before, after) == (0, 3)
    reply = fake.messages_to(MEMBER_ZALO_ID)[-1]
    assert "Đã ghi: Số người được hướng dẫn sử dụng VNeID — 3 người" in reply
    assert "3/20 (15,0%)" in reply

    # 3. A difficulty the commune sees.
    say("khó khăn: mất sóng")
    seen = list(difficulty_list(user=users.commune_officer))
    assert [d.description for d in seen] == ["mất sóng"]
    assert "Đã gửi khó khăn lên Phường Ba Đình" in fake.messages_to(MEMBER_ZALO_ID)[-1]
    # ... and the commune's progress moved too.
    assert indicator_figures(tree.c1, current_year_period(), [vneid], rank=False)[0].achieved == 3

    # 4. The access token expires; the report-due reminder still reaches the member, after one refresh.
    refreshes = fake.refreshes
    fake.expire_access_tokens()
    ZaloToken.objects.update(expires_at=timezone.now() + datetime.timedelta(hours=20))  # we think it is valid
    with django_capture_on_commit_callbacks(execute=True):
        made = remind_due(days_ahead=40)
    assert made >= 1
    assert fake.refreshes == refreshes + 1
    reminder = ZaloMessage.objects.get(notification__kind="report_due", notification__recipient=users.team_member)
    assert reminder.status == MessageStatus.SENT
    notice = reminder.notification
    assert notice is not None
    assert fake.messages_to(MEMBER_ZALO_ID)[-1] == notice.title
    assert "báo cáo" in notice.title.lower()
