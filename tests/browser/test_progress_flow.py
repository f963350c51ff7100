"""Issue 5's walk-through: a province officer sets a yearly VNeID-level-2 target and splits it across
communes by adults; the commune officer splits theirs across villages; a member records guidance on a
phone and every level's progress moves at once; check_aggregates finds no drift."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from cdtt.accounts.models import Role, User
from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village
from cdtt.households.models import Household, Relationship, Resident
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.progress import engine
from cdtt.progress.selectors import indicator_figures
from cdtt.targets.models import Target
from cdtt.targets.periods import calendar_period
from tests.browser.world import PASSWORD, Tree, sign_in
from tests.builders import make_user


def _register(tree: Tree) -> tuple[AdminUnit, Village, Household]:
    """Households with adults in two villages of Bát Tràng and one of a second Hà Nội commune."""
    catalog_load()
    province = tree.commune.parent
    assert province is not None
    ba_vi = AdminUnit.objects.create(
        code="09700",
        name="Xã Ba Vì",
        short_name="Ba Vì",
        kind=UnitKind.COMMUNE,
        parent=province,
        valid_from=REFORM_DATE,
    )
    yen_son = Village.objects.create(commune=ba_vi, name="Thôn Yên Sơn")
    kim_lan = Village.objects.create(commune=tree.commune, name="Thôn Kim Lan")
    officer = User.objects.get(username="xa")
    first = None
    for village, adults in ((tree.village, 3), (tree.village, 3), (kim_lan, 2)):
        household = household_create(
            actor=officer,
            village=village,
            data=HouseholdIn(
                consent="verbal",
                head_name=f"Hộ {village.name} {adults}",
                members_count=adults + 1,
                adults_count=adults,
            ),
        )
        resident_add(
            actor=officer,
            household=household,
            data=ResidentIn(full_name="Nguyễn Văn Chủ", relationship=Relationship.HEAD),
        )
        first = first or household
    far = Household.objects.create(
        commune=ba_vi, village=yen_son, head_name="Hộ Yên Sơn", head_name_folded="ho yen son", adults_count=4
    )
    engine.household_moved(far, +1)
    make_user("tinh", "Cán bộ Sở", role=Role.PROVINCE_OFFICER, unit=province, password=PASSWORD)
    assert first is not None
    return ba_vi, kim_lan, first


def test_issue_5_walk_through(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    base = live_server.url
    ba_vi, kim_lan, household = _register(tree)
    province = tree.commune.parent
    assert province is not None
    year = calendar_period("year", timezone.localdate().year)
    level2 = Indicator.objects.get(code="vneid_level2")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # 1. The province officer sets the province's yearly target, then splits it across communes by adults.
    page.set_viewport_size({"width": 1200, "height": 900})
    sign_in(page, base, "tinh")
    page.goto(f"{base}/chi-tieu/")
    assert page.url.startswith(f"{base}/chi-tieu/don-vi/{province.pk}/")
    page.click("a.btn:has-text('Giao chỉ tiêu')")
    page.select_option("#id_subject", f"u{province.pk}")
    page.select_option("#id_indicator", str(level2.pk))
    page.fill("#id_value", "1000")
    page.click("main form.card button[type=submit]")
    page.wait_for_load_state()
    assert Target.objects.get(unit=province, indicator=level2, period=year).value == 1000
    page.click("a.btn:has-text('Phân bổ cho cấp dưới')")
    page.screenshot(path=str(screenshot_dir / "target_split.png"), full_page=True)
    page.check("input[name=method][value=adults]")
    page.click("main form.card button[type=submit]")
    page.wait_for_load_state()
    shares = dict(Target.objects.filter(parent__unit=province).values_list("unit__code", "value"))
    assert shares == {"00583": Decimal(667), "09700": Decimal(333)}  # 8 and 4 of the 12 adults
    assert "đã giao đủ" in page.locator("main").inner_text()
    page.screenshot(path=str(screenshot_dir / "province_board.png"), full_page=True)

    # 2. The commune officer splits the commune's share across its villages, by adults.
    page.context.clear_cookies()
    sign_in(page, base, "xa")
    page.goto(f"{base}/chi-tieu/don-vi/{tree.commune.pk}/?period={year.pk}&indicator={level2.pk}")
    page.click("a.btn:has-text('Phân bổ cho cấp dưới')")
    page.check("input[name=method][value=adults]")
    page.click("main form.card button[type=submit]")
    page.wait_for_load_state()
    villages = dict(Target.objects.filter(parent__unit=tree.commune).values_list("village__name", "value"))
    assert villages == {"Thôn Giang Cao": Decimal(500), "Thôn Kim Lan": Decimal(167)}  # 6 and 2 of 8 adults

    # 3. A member records guidance on a phone: open the household, tap what was achieved, save.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, base, "tovien")
    page.goto(f"{base}/ho-gia-dinh/{household.pk}/")
    page.click("a.btn:has-text('Ghi nhận hướng dẫn')")  # tap 1
    page.click("label.choice:has-text('Đã kích hoạt định danh điện tử mức 2')")  # tap 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "guidance_phone.png"), full_page=True)
    page.click("main form button[type=submit]")  # tap 3
    page.wait_for_load_state()
    assert page.url.endswith(f"/ho-gia-dinh/{household.pk}/")
    assert Resident.objects.get(household=household).adoptions.filter(item__code="vneid_level2").exists()

    # Every level moved at once.
    for subject in (tree.village, tree.commune, province, province.parent):
        assert subject is not None
        figure = next(f for f in indicator_figures(subject, year) if f.indicator.pk == level2.pk)
        assert figure.achieved == 1, subject
    page.goto(f"{base}/chi-tieu/")
    text = page.locator("main").inner_text()
    assert "1 / 500" in text
    page.screenshot(path=str(screenshot_dir / "village_board.png"), full_page=True)

    out = StringIO()
    call_command("check_aggregates", stdout=out)
    assert "Không có sai lệch" in out.getvalue()
    assert not [e for e in errors if "Content Security Policy" in e or "Failed to load" in e]
    assert kim_lan.pk and ba_vi.pk
