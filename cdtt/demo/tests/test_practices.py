"""The issue's "done when" on the demo data: a commune publishes a good practice through review and another
province's officer finds it by searching without diacritics; the province's announcement reaches the teams."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from cdtt.accounts.models import User
from cdtt.practices import announcements, selectors, services
from cdtt.practices.models import Announcement, Practice, PracticeStatus

pytestmark = [pytest.mark.realtree, pytest.mark.django_db]


def test_the_demo_shows_the_practice_loop(real_demo: None, client: Client) -> None:
    call_command("load_demo", stdout=io.StringIO())  # a second run adds nothing
    assert Practice.objects.filter(status=PracticeStatus.PUBLISHED).count() == 1
    assert Practice.objects.filter(status=PracticeStatus.SUBMITTED).count() == 1
    assert Announcement.objects.count() == 1

    xa, tinh, tinhhcm = (User.objects.get(username=name) for name in ("xa", "tinh", "tinhhcm"))
    waiting = selectors.practice_review_list(user=xa).get()
    assert waiting.village is not None and waiting.village.name == "Thôn Giang Cao"

    # The commune writes a post; the province publishes it; Hồ Chí Minh finds it without diacritics.
    post = services.practice_create(
        actor=xa,
        subject=selectors.author_subjects(xa)[0],
        data=services.PracticeIn(title="Cách làm hay: Zalo thôn nhắc lịch tiêm", body="Nhắc lịch qua nhóm Zalo."),
    )
    services.practice_submit(actor=xa, practice=post)
    assert selectors.practice_review_list(user=tinh).get().pk == post.pk
    services.practice_publish(actor=tinh, practice=post)
    found = selectors.practice_list(user=tinhhcm, filters=selectors.Filters(q="cach lam hay zalo thon"))
    assert [p.pk for p in found] == [post.pk]
    assert {p.pk for p in selectors.practice_list(user=tinhhcm, filters=selectors.Filters(q="cho phien so"))} == {
        Practice.objects.get(title__contains="Chợ phiên số").pk
    }

    tovien = User.objects.get(username="tovien")
    assert [r.announcement.title for r in announcements.unread(user=tovien)] == [
        "Tập huấn sử dụng nền tảng thương mại điện tử cho các Tổ"
    ]
    client.force_login(tinhhcm)
    page = client.get("/cach-lam-hay/?q=cho+phien+so+bat+trang")
    assert page.status_code == 200 and "Chợ phiên số" in page.content.decode()
