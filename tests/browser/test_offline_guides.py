"""Guides in the phone app (issues 7 and 9): after one online visit the guides screen opens without a network,
a small guide file kept by the service worker opens offline, and a big file or a link says it needs the
network. On a 390 px phone."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from cdtt.accounts.models import User
from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.mobile.views import GUIDE_FILE_MAX_BYTES
from cdtt.training import services
from tests.browser.world import Tree, sign_in

# A 1×1 red PNG: an image the phone's browser shows by itself.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 390, "height": 844}, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


def _guides(tree: Tree) -> dict[str, Any]:
    catalog_load()
    officer = User.objects.get(username="xa")
    vneid = Platform.objects.get(code="vneid")
    today = timezone.localdate()
    small = services.material_create(
        actor=officer,
        data=services.MaterialIn(vneid.pk, "Ảnh hướng dẫn cài VNeID", tree.commune.pk, today, version="1.0"),
        upload=SimpleUploadedFile("cai-vneid.png", PNG),
    )
    big = services.material_create(
        actor=officer,
        data=services.MaterialIn(vneid.pk, "Video tập huấn VNeID", tree.commune.pk, today),
        upload=SimpleUploadedFile("video.zip", b"PK" + bytes(GUIDE_FILE_MAX_BYTES + 1024)),
    )
    link = services.material_create(
        actor=officer,
        data=services.MaterialIn(
            vneid.pk, "Trang hướng dẫn của Bộ Công an", tree.commune.pk, today, url="https://vneid.gov.vn/"
        ),
    )
    return {"small": small, "big": big, "link": link}


def _row(page: Any, title: str) -> Any:
    return page.locator("#guides li.guide", has_text=title)


def test_guides_open_offline_in_the_phone_app(
    page: Any, live_server: Any, tree: Tree, screenshot_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    guides = _guides(tree)
    base = live_server.url
    sign_in(page, base, "tovien")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Online once: the app pulls the guides, and the service worker keeps the small file.
    page.goto(f"{base}/app/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.click(".pwa-tabs button[data-tab=guides]")
    expect(_row(page, "Ảnh hướng dẫn cài VNeID")).to_have_attribute("data-kept", "true", timeout=20_000)
    expect(_row(page, "Video tập huấn VNeID")).to_have_attribute("data-kept", "false")

    # Offline, after a reload: the screen lists every guide; only the kept file opens.
    page.context.set_offline(True)
    page.reload()
    page.click(".pwa-tabs button[data-tab=guides]")
    expect(page.locator("#guides h2")).to_have_text([Platform.objects.get(code="vneid").name])
    small, big, link = (_row(page, t) for t in ("Ảnh hướng dẫn", "Video tập huấn", "Trang hướng dẫn"))
    expect(small).to_contain_text("Đã lưu trên máy")
    expect(small).to_contain_text("phiên bản 1.0")
    expect(big).to_contain_text("Cần mạng để mở")
    expect(link).to_contain_text("Cần mạng để mở")
    assert big.locator("a").count() == 0 and link.locator("a").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "offline_guides.png"), full_page=True)

    small.locator("a").click()
    page.wait_for_url(f"**/app/huong-dan/{guides['small'].pk}/tep/**")
    assert page.evaluate("document.images.length === 1 && document.images[0].naturalWidth === 1")
    page.go_back()
    page.click(".pwa-tabs button[data-tab=guides]")
    expect(_row(page, "Ảnh hướng dẫn")).to_have_attribute("data-kept", "true")
    assert errors == []
