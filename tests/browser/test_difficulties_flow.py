"""Issue 6, difficulties and notices: a team member raises a difficulty from a phone with a photo, the
commune officer finds it through the header's notification badge and answers it, and the member sees the
answer and the badge; screenshots saved under var/screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdtt.difficulties.models import Difficulty, DifficultyPhoto, Status
from cdtt.difficulties.tests.conftest import FIXTURES
from cdtt.notices.models import Notification
from tests.browser.world import Tree, collect_console_errors, sign_in


def test_a_member_raises_a_difficulty_and_the_commune_answers(
    page: Any, live_server: Any, tree: Tree, screenshot_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    errors = collect_console_errors(page)

    # 1. The member raises a difficulty on a phone, with a photo.
    sign_in(page, base, "tovien")
    page.click("nav.tabs a:has-text('Khó khăn, vướng mắc'), details.menu summary")
    if "/kho-khan/" not in page.url:  # on a phone the sections are in the menu
        page.click("details.menu a:has-text('Khó khăn, vướng mắc')")
    page.click("a.btn:has-text('Nêu khó khăn, vướng mắc')")
    page.check("label.choice:has-text('Hạ tầng mạng, kết nối') input")
    page.fill("#title", "Mất sóng 4G ở xóm Bến")
    page.click("main form button[type=submit]")  # no description yet
    page.wait_for_load_state()
    assert "Hãy mô tả khó khăn" in page.locator("main").inner_text()
    assert not Difficulty.objects.exists()
    errors.clear()  # the refused form answered 400 on purpose
    page.fill("#description", "Từ tuần trước xóm Bến mất sóng 4G buổi tối, tổ không hướng dẫn người dân được.")
    page.set_input_files("#photos", str(FIXTURES / "python.jpg"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "difficulty_raise_phone.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    difficulty = Difficulty.objects.get()
    assert page.url == f"{base}/kho-khan/{difficulty.pk}/"
    assert (difficulty.village, difficulty.handler_unit) == (tree.village, tree.commune)
    photo = DifficultyPhoto.objects.get(difficulty=difficulty)
    # The page's load event does not wait for a lazily loaded picture: wait until the browser has decoded it.
    page.wait_for_function(
        "() => { const img = document.querySelector('.photos img');"
        " return img && img.complete && img.naturalWidth > 0 }",
        timeout=15_000,
    )
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") == photo.width  # the browser drew it

    # 2. The commune officer sees the badge, opens the notice, answers.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "xa")
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.click("a.bell")
    page.screenshot(path=str(screenshot_dir / "notices_officer.png"), full_page=True)
    page.click("button:has-text('Mở')")
    page.wait_for_url(f"{base}/kho-khan/{difficulty.pk}/")
    assert page.locator("[data-testid=unread-count]").count() == 0
    page.fill("#answer-text", "Xã đã báo nhà mạng; trạm mới sẽ chạy từ thứ Hai tuần sau.")
    page.click("form:has(#answer-text) button[type=submit]")
    page.wait_for_load_state()
    assert Difficulty.objects.get(pk=difficulty.pk).status == Status.ANSWERED
    page.screenshot(path=str(screenshot_dir / "difficulty_answered_officer.png"), full_page=True)

    # 3. The member sees the badge and the answer, and marks the difficulty resolved.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, base, "tovien")
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.screenshot(path=str(screenshot_dir / "member_badge_phone.png"), full_page=False)
    page.click("a.bell")
    assert "Khó khăn của bạn đã được trả lời" in page.locator("main").inner_text()
    page.click("button:has-text('Mở')")
    page.wait_for_url(f"{base}/kho-khan/{difficulty.pk}/")
    thread = page.locator(".thread").inner_text()
    assert "trạm mới sẽ chạy từ thứ Hai" in thread
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "difficulty_answer_member_phone.png"), full_page=True)
    page.click("form:has(#resolve-text) button[type=submit]")
    page.wait_for_load_state()
    assert Difficulty.objects.get(pk=difficulty.pk).status == Status.RESOLVED
    assert "Đã giải quyết" in page.locator("[data-testid=status]").inner_text()
    assert not Notification.objects.filter(recipient__username="tovien", read_at__isnull=True).exists()
    assert not [e for e in errors if "Content Security Policy" in e or "Failed to load" in e]
