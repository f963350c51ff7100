"""Issue 7's offline test: the phone app opens and records without a network, and sends each record once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from cdtt.accounts.models import ApiToken
from cdtt.activities.models import Activity
from cdtt.catalog.models import Indicator
from cdtt.households.models import AdoptionStatus
from cdtt.progress.rebuild import check
from cdtt.progress.selectors import indicator_figures
from cdtt.targets.periods import calendar_period
from tests.browser.world import Tree, sign_in, village_households

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung"]


def _households(tree: Tree) -> None:
    village_households(tree, NAMES)


def _waiting(page: Any) -> int:
    return page.locator("#queue li[data-state=waiting]").count()


def test_issue_7_offline_records_are_sent_once(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    _households(tree)
    sign_in(page, base, "tovien")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Online once: the app fetches the village's households and the catalogue, and its files are kept.
    page.goto(f"{base}/app/")
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker's control
    page.wait_for_selector(f"#households button:has-text('{NAMES[0]}')")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    assert (
        ApiToken.objects.filter(user__username="tovien", revoked_at__isnull=True).count() == 1
    )  # its own device token

    # Offline: four households guided and one propaganda session, all kept on the phone.
    page.context.set_offline(True)
    for name in NAMES:
        page.click(f"#households button:has-text('{name}')")
        page.click("#outcomes button:has-text('Đã kích hoạt định danh điện tử mức 2')")
        page.wait_for_selector("#saved:not([hidden])")
        page.click("#back")
    page.click(f"#households button:has-text('{NAMES[0]}')")
    page.click("#ticks button:has-text('Tham gia nhóm Zalo của thôn')")  # an adoption tick, offline too
    page.wait_for_selector("#saved:not([hidden])")
    page.click("#back")
    page.click(".pwa-tabs button[data-tab=event]")
    page.click("#event-form button[type=submit]")  # neither people nor households: told, nothing queued
    expect(page.locator("#ev-error")).to_be_visible()
    page.fill("#ev-people", "45")
    page.fill("#ev-households", "12")
    page.click("#event-form button[type=submit]")
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(6)
    assert Activity.objects.count() == 0

    # Reloading without a network: the app still opens and shows the five records queued.
    page.reload()
    page.click(".pwa-tabs button[data-tab=queue]")
    expect(page.locator("#queue li[data-state=waiting]")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "offline_queue.png"), full_page=True)

    # Back online: the queue goes out, each record once, and progress moves once.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#queue li[data-state=sent]")).to_have_count(6, timeout=20_000)
    page.screenshot(path=str(screenshot_dir / "offline_sent.png"), full_page=True)
    page.click("#sync")  # a second sync sends nothing again
    page.wait_for_timeout(500)
    assert Activity.objects.count() == 5
    assert Activity.objects.filter(kind="propaganda", people_reached=45, households_reached=12).count() == 1
    assert AdoptionStatus.objects.filter(item__code="village_group").count() == 1
    page.click(".pwa-tabs button[data-tab=progress]")
    expect(page.locator("#progress li").first).to_be_visible()
    assert _waiting(page) == 0
    year = calendar_period("year", timezone.localdate().year)
    level2 = Indicator.objects.get(code="vneid_level2")
    figure = next(f for f in indicator_figures(tree.village, year) if f.indicator.pk == level2.pk)
    assert figure.achieved == 4
    assert check() == []
    assert errors == []
