"""Issue 9's good-practice walk-through: a commune officer writes a post with a photo and submits it; the
province officer publishes it; an officer of another province searches without diacritics, finds it and
sees the photo (its EXIF and GPS gone). Then the province sends an announcement and sees who has read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdtt.accounts.models import Role
from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.practices.models import Announcement, Practice, PracticeStatus, Receipt
from cdtt.practices.tests.helpers import photo_bytes
from tests.browser.world import PASSWORD, Tree, sign_in
from tests.builders import make_user

TITLE = "Cách làm hay: “Chợ phiên số” đưa gốm Bát Tràng lên sàn thương mại điện tử"


def _officers(tree: Tree) -> None:
    hanoi, hcm = tree.commune.parent, tree.other_commune.parent
    assert hanoi is not None and hcm is not None
    make_user("tinh", "Cán bộ Sở Hà Nội", role=Role.PROVINCE_OFFICER, unit=hanoi, password=PASSWORD)
    make_user("tinhhcm", "Cán bộ Sở TP.HCM", role=Role.PROVINCE_OFFICER, unit=hcm, password=PASSWORD)


def test_issue_9_practice_walk_through(
    page: Any, live_server: Any, tree: Tree, screenshot_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    catalog_load()
    _officers(tree)
    photo = tmp_path / "cho-phien.jpg"
    photo.write_bytes(photo_bytes(size=(1200, 900)))
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # 1. The commune officer writes the post on a phone, with a photo, and sends it for review.
    sign_in(page, base, "xa")
    page.goto(f"{base}/cach-lam-hay/")
    page.click("a.btn:has-text('Viết bài')")
    page.fill("#id_title", TITLE)
    page.fill(
        "#id_body",
        "Mỗi sáng thứ Bảy, Tổ cùng bưu điện hướng dẫn hộ làm gốm mở gian hàng trên sàn thương mại điện tử.",
    )
    ecommerce = Platform.objects.get(code="ecommerce")
    page.check(f"input[name=platforms][value='{ecommerce.pk}']")
    page.fill("#id_tags", "làng nghề, chợ phiên")
    page.set_input_files("#id_images", str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "practice_write_phone.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    post = Practice.objects.get(title=TITLE)
    assert page.url.endswith(f"/cach-lam-hay/{post.pk}/")
    assert post.status == PracticeStatus.DRAFT and post.images.count() == 1
    page.click("button:has-text('Gửi duyệt')")
    page.wait_for_load_state()
    assert "Đã gửi bài để duyệt." in page.locator("main").inner_text()
    post.refresh_from_db()
    assert post.status == PracticeStatus.SUBMITTED and post.reviewer_id == tree.commune.parent_id

    # 2. The province officer finds it in the review queue and publishes it.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "tinh")
    page.goto(f"{base}/cach-lam-hay/cho-duyet/")
    page.click(f"a:has-text('{TITLE[:30]}')")
    page.screenshot(path=str(screenshot_dir / "practice_review.png"), full_page=True)
    page.click("#review button:has-text('Duyệt đăng')")
    page.wait_for_load_state()
    assert "Đã đăng bài cho toàn mạng lưới." in page.locator("main").inner_text()
    post.refresh_from_db()
    assert post.status == PracticeStatus.PUBLISHED

    # 3. An officer of Hồ Chí Minh searches without diacritics and finds it, with its photo.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, base, "tinhhcm")
    page.goto(f"{base}/cach-lam-hay/")
    page.fill("#q", "cho phien so gom bat trang")
    page.click("form[role=search] .search button[type=submit]")
    page.wait_for_load_state()
    results = page.locator("ul.post-list > li")
    assert results.count() == 1 and TITLE in results.first.inner_text()
    page.screenshot(path=str(screenshot_dir / "practice_search_other_province.png"), full_page=True)
    page.click(f"a:has-text('{TITLE[:30]}')")
    image = page.locator(".post-images img").first
    image.wait_for(state="visible")
    image.scroll_into_view_if_needed()  # the photos load lazily
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 1200
    page.screenshot(path=str(screenshot_dir / "practice_detail_other_province.png"), full_page=True)
    # The photo on disk has no EXIF and no GPS.
    stored = post.images.get().image.read()
    assert b"Exif" not in stored and b"Cheap Android" not in stored
    assert not [e for e in errors if "Content Security Policy" in e or "Failed to load" in e]


def test_issue_9_announcement_walk_through(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    _officers(tree)

    # The province sends an announcement to Bát Tràng's officers and team members.
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "tinh")
    page.goto(f"{base}/thong-bao-chi-dao/moi/")
    page.fill("#id_title", "Tập huấn thương mại điện tử cho các Tổ")
    page.fill("#id_body", "8 giờ sáng thứ Năm tại UBND xã. Đề nghị các Tổ cử đủ thành viên.")
    page.check(f"input[name=units][value='{tree.commune.pk}']")
    page.check("input[name=roles][value=commune_officer]")
    page.check("input[name=roles][value=team_member]")
    page.screenshot(path=str(screenshot_dir / "announcement_send.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    sent = Announcement.objects.get()
    assert sent.recipients_count == 2
    assert "Đã đọc: 0 / 2 người nhận" in page.locator("main").inner_text()

    # A team member sees it on the home page and opens it: it is marked read.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, base, "tovien")
    assert "Tập huấn thương mại điện tử cho các Tổ" in page.locator("#announcements").inner_text()
    page.screenshot(path=str(screenshot_dir / "announcement_home_phone.png"), full_page=True)
    page.click("#announcements a:has-text('Tập huấn thương mại điện tử')")
    page.wait_for_load_state()
    assert Receipt.objects.get(user__username="tovien").read_at is not None

    # The province sees who has read it and who has not.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "tinh")
    page.goto(f"{base}/thong-bao-chi-dao/{sent.pk}/")
    text = page.locator("#receipts").inner_text()
    assert "Đã đọc: 1 / 2 người nhận" in text and "Trần Thị Bình" in text and "Cán bộ xã Bát Tràng" in text
    page.screenshot(path=str(screenshot_dir / "announcement_receipts.png"), full_page=True)
