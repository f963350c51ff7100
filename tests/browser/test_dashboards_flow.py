"""Issue 6's dashboards in a real browser: a province officer opens the province dashboard and sees the bars,
the monthly trend, the ranking of communes (sorted by a click) and the map; a leader's scorecard prints
on one A4 page; on a phone the page does not scroll sideways. Screenshots and PDFs go to var/screenshots."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.models import Indicator, Outcome
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.targets.models import SplitMethod
from cdtt.targets.periods import calendar_period
from cdtt.targets.services import target_set, target_split
from tests.browser.world import PASSWORD, Tree, collect_console_errors, sign_in
from tests.builders import make_user


def _province(tree: Tree) -> AdminUnit:
    """Hà Nội with three communes (two with coordinates), households, a year's targets and months of work."""
    catalog_load()
    province = tree.commune.parent
    assert province is not None
    tree.commune.latitude, tree.commune.longitude = 20.975, 105.913
    tree.commune.save()
    ba_vi = AdminUnit.objects.create(
        code="09700",
        name="Xã Ba Vì",
        short_name="Ba Vì",
        kind=UnitKind.COMMUNE,
        parent=province,
        valid_from=REFORM_DATE,
        latitude=21.083,
        longitude=105.373,
    )
    AdminUnit.objects.create(
        code="00376",
        name="Xã Sóc Sơn",
        short_name="Sóc Sơn",
        kind=UnitKind.COMMUNE,
        parent=province,
        valid_from=REFORM_DATE,
    )
    yen_son = Village.objects.create(commune=ba_vi, name="Thôn Yên Sơn")
    admin = User.objects.create_user("admin", password=PASSWORD, full_name="Quản trị")
    nation = province.parent
    assert nation is not None
    RoleAssignment.objects.create(user=admin, role=Role.NATIONAL_ADMIN, unit=nation)
    tinh = make_user("tinh", "Cán bộ Sở", role=Role.PROVINCE_OFFICER, unit=province, password=PASSWORD)
    bavi = make_user("bavi", "Cán bộ xã Ba Vì", role=Role.COMMUNE_OFFICER, unit=ba_vi, password=PASSWORD)
    make_user("lanhdao", "Lãnh đạo", role=Role.LEADER, unit=province, password=PASSWORD)

    year = calendar_period("year", timezone.localdate().year)
    for code, per_commune in (("guidance_visits", 30), ("vneid_level2", 6)):
        indicator = Indicator.objects.get(code=code)
        parent = target_set(actor=admin, subject=province, indicator=indicator, period=year, value=per_commune * 3)
        target_split(actor=tinh, parent=parent, method=SplitMethod.EVEN)

    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    dossier = Outcome.objects.get(platform__code="dvc", code="dossier")
    today = timezone.localdate()
    for village, actor, pace in ((tree.village, User.objects.get(username="xa"), 3), (yen_son, bavi, 1)):
        for n in range(4):
            household = household_create(
                actor=actor,
                village=village,
                data=HouseholdIn(consent="verbal", head_name=f"Hộ {n}", members_count=4, adults_count=3),
            )
            head = resident_add(actor=actor, household=household, data=ResidentIn(full_name=f"Chủ hộ {n}"))
            for month in range(1, today.month + 1):
                for k in range(pace if n < 2 else 0):
                    day = min(today, datetime.date(today.year, month, 3 + 8 * k))
                    first = month == 1 and k == 0 and n < pace
                    activity_record(
                        actor=actor,
                        data=ActivityIn(
                            kind="guidance",
                            occurred_on=day,
                            household_id=household.pk,
                            resident_id=head.pk,
                            outcome_id=(level2 if first else dossier).pk,
                        ),
                    )
    return province


def test_issue_6_province_dashboard(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    province = _province(tree)
    errors = collect_console_errors(page)

    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "tinh")
    page.click("nav.tabs a:has-text('Bảng điều hành')")
    assert page.url.startswith(f"{base}/bang-dieu-khien/don-vi/{province.pk}/")

    # Bars with their share as text, the trend's line and target, the ranking, the map and its missing unit.
    bars = page.locator("#progress svg.bar")
    assert bars.count() == 2 and bars.first.is_visible()
    assert "%" in page.locator("#progress .bar-pct").first.inner_text()
    assert page.locator("#trend svg polyline").first.is_visible()
    assert page.locator("#trend svg circle").count() == timezone.localdate().month
    ranking = page.locator("#ranking table tbody tr")
    assert ranking.count() == 3
    assert ranking.first.locator("td.name").inner_text() == "Xã Bát Tràng"  # 3 visits a month against 1
    assert page.locator("#map svg.map-chart circle").count() == 2
    assert page.locator("#map svg.map-chart").is_visible()
    assert "Xã Sóc Sơn" in page.locator("#map table.missing-coordinates").inner_text()
    page.screenshot(path=str(screenshot_dir / "dashboard_province.png"), full_page=True)

    # Sorting is a link: the server sorts, no script needed.
    page.click("#ranking th a:has-text('Đơn vị')")
    assert "sort=name" in page.url
    names = page.locator("#ranking table tbody td.name").all_inner_texts()
    assert names == ["Xã Ba Vì", "Xã Bát Tràng", "Xã Sóc Sơn"]
    page.click("#ranking th a:has-text('Đơn vị')")
    assert page.locator("#ranking table tbody td.name").all_inner_texts() == list(reversed(names))

    # The numbers behind a chart are a click away.
    page.click("#trend details.numbers summary")
    assert page.locator("#trend details.numbers table").is_visible()

    # Printed (A4): the header and filters are left out.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.locator("form.dash-filters").is_visible()
    page.pdf(path=str(screenshot_dir / "dashboard_province.pdf"), format="A4", print_background=True)
    page.emulate_media(media="screen")

    # On a phone the page does not scroll sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "dashboard_province_phone.png"), full_page=True)
    # The table's headers are hidden on a phone (one card per row): a menu sorts instead.
    page.select_option("#sort", "-achieved")
    page.click("form.sort-pick button[type=submit]")
    page.wait_for_load_state()
    assert "sort=-achieved" in page.url
    assert page.locator("#ranking table tbody td.name").first.inner_text() == "Xã Bát Tràng"

    # The leader's scorecard: one page, the rank among siblings, no personal data.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "lanhdao")
    page.click("a.btn:has-text('Phiếu kết quả lãnh đạo')")
    assert page.locator("table.score-table:not(.flagged) tbody tr").count() == 2
    # Beside it, each commune's share of records flagged by the data-quality rules (issue 19).
    assert page.locator("table.score-table.flagged tbody tr").count() == 3
    page.screenshot(path=str(screenshot_dir / "dashboard_scorecard.png"), full_page=True)
    page.emulate_media(media="print")
    page.pdf(path=str(screenshot_dir / "dashboard_scorecard.pdf"), format="A4", print_background=True)

    assert not [e for e in errors if "Content Security Policy" in e or "Failed to load" in e or "attribute" in e]
