"""Issue 6's walk-through: a member submits a monthly report, the commune officer returns it with a comment,
the member fixes and resubmits, the commune approves, and the commune's consolidated report shows the numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone

from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.services import catalog_load
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from tests.browser.world import Tree, collect_console_errors, sign_in


def test_issue_6_report_walk_through(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    catalog_load()
    Team.objects.create(commune=tree.commune, village=tree.village, name="Tổ CNSCĐ Giang Cao", status=TeamStatus.ACTIVE)
    today = timezone.localdate()
    month = calendar_period("month", today.year, today.month)
    from cdtt.accounts.models import User

    member = User.objects.get(username="tovien")
    for people in (40, 25):
        activity_record(
            actor=member,
            data=ActivityIn(
                kind="propaganda",
                occurred_on=today,
                village_id=tree.village.pk,
                channel="meeting",
                people_reached=people,
            ),
        )
    errors = collect_console_errors(page)

    # 1. The member opens this month's report (pre-filled), writes the assessment and submits it.
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "tovien")
    page.goto(f"{base}/bao-cao/")
    page.locator("tr", has_text=month.name).locator("button:has-text('Lập báo cáo')").click()
    page.wait_for_load_state()
    report = Report.objects.get(village=tree.village, period=month)
    assert page.url.endswith(f"/bao-cao/{report.pk}/")
    people_row = page.locator("tr", has_text="Số lượt người được tuyên truyền")
    assert "65" in people_row.inner_text()
    page.fill("#assessment", "Đã tổ chức 2 buổi tuyên truyền.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "report_member_draft.png"), full_page=True)
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "Đã gửi báo cáo" in page.locator("main").inner_text()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    # 2. The commune officer returns it with a comment.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "xa")
    page.goto(f"{base}/bao-cao/don-vi/{tree.commune.pk}/?period={month.pk}")
    assert "chờ duyệt" in page.locator("#tree").inner_text().lower()
    page.screenshot(path=str(screenshot_dir / "report_commune_tree.png"), full_page=True)
    page.click(f"#tree a:has-text('{tree.village.name}')")
    page.fill("#comment", "Bổ sung kế hoạch tháng tới.")
    page.click("button[value=return]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED

    # 3. The member sees the comment, fixes the report and submits it again.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "tovien")
    page.goto(f"{base}/bao-cao/{report.pk}/")
    assert "Bổ sung kế hoạch tháng tới." in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "report_member_returned.png"), full_page=True)
    page.fill("#plan", "Tuyên truyền tại nhà văn hóa thôn.")
    page.click("button[value=submit]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert (report.status, report.plan) == (ReportStatus.SUBMITTED, "Tuyên truyền tại nhà văn hóa thôn.")

    # 4. The commune approves; its consolidated report shows the team's numbers.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "xa")
    page.goto(f"{base}/bao-cao/{report.pk}/")
    page.click("button[value=approve]")
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    page.goto(f"{base}/bao-cao/don-vi/{tree.commune.pk}/?period={month.pk}")
    consolidated = page.locator("#consolidated tr", has_text="Số lượt người được tuyên truyền").inner_text()
    assert "65" in consolidated
    page.click("button:has-text('Lập báo cáo của đơn vị')")
    page.wait_for_load_state()
    assert "65" in page.locator("tr", has_text="Số lượt người được tuyên truyền").inner_text()
    page.screenshot(path=str(screenshot_dir / "report_commune_consolidated.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a:has-text('Bản Word (DOCX)')")
    assert download.value.suggested_filename.endswith(".docx")
    assert not [e for e in errors if "Content Security Policy" in e or "Failed to load" in e]
