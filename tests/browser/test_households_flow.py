"""Issue 4's walk-through: a commune officer imports a messy 1,000-household file from a pre-2025
address book; a team member ticks adoption items at phone width; a data-access request is answered with
an export; the audit log shows who saw what."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from cdtt.core.models import AuditEvent
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor, Village
from cdtt.households.models import AdoptionStatus, Household
from tests.browser.world import Tree, sign_in

ROWS = 1000


def _old_address_book(tree: Tree) -> None:
    """The pre-2025 units the address book still names: Xã Bát Tràng, Huyện Gia Lâm, Thành phố Hà Nội."""
    root = tree.commune.parent.parent  # type: ignore[union-attr]
    province = AdminUnit.objects.create(
        code="01",
        name="Thành phố Hà Nội",
        short_name="Hà Nội",
        kind=UnitKind.PROVINCE,
        parent=root,
        valid_to=LEGACY_END,
    )
    district = AdminUnit.objects.create(
        code="018",
        name="Huyện Gia Lâm",
        short_name="Gia Lâm",
        kind=UnitKind.DISTRICT,
        parent=province,
        valid_to=LEGACY_END,
    )
    old = AdminUnit.objects.create(
        code="00583",
        name="Xã Bát Tràng",
        short_name="Bát Tràng",
        kind=UnitKind.COMMUNE,
        parent=district,
        valid_to=LEGACY_END,
    )
    UnitSuccessor.objects.create(old=old, new=tree.commune, is_default=True)


def _messy_file(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỘ GIA ĐÌNH XÃ BÁT TRÀNG (cũ)"])  # a title row above the header
    sheet.append(["Thôn", "ho ten chu ho", "Địa chỉ", "SĐT", "Số nhân khẩu"])
    for n in range(1, ROWS + 1):
        village = "Thôn Giang Cao" if n % 2 else "thon kim lan"
        name = f"Nguyễn Văn Hộ {n}"
        if n % 3 == 0:
            name = unicodedata.normalize("NFD", name)  # mixed Unicode forms, as pasted from old files
        digits = f"912{n:06d}"
        phone = [f"0{digits}", f"+84 {digits[:3]}.{digits[3:6]}.{digits[6:]}", f"84{digits}"][n % 3]
        address = f"Xóm {n % 7 + 1}, xã Bát Tràng, huyện Gia Lâm, Hà Nội"
        sheet.append([village, name, address, phone, n % 6 + 1])
        if n % 250 == 0:
            sheet.append([])  # blank rows in the middle
    book.save(path)


def test_issue_4_walk_through(
    page: Any, live_server: Any, tree: Tree, tmp_path: Path, settings: Any, screenshot_dir: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    _old_address_book(tree)
    kim_lan = Village.objects.create(commune=tree.commune, name="Thôn Kim Lan")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # 1. The officer imports the messy file: the check runs, then confirm writes every row.
    sign_in(page, base, "xa")
    messy = tmp_path / "so-ho-2024.xlsx"
    _messy_file(messy)
    page.goto(f"{base}/nhap-du-lieu/ho/{tree.commune.pk}/")
    page.set_input_files("input[type=file]", str(messy))
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_load_state()
    assert Household.objects.count() == 0  # the dry run writes nothing
    page.select_option("#import-consent", "paper")  # the file has phones: kept only on the heads' consent
    page.locator("form[action$='/xac-nhan/'] button[type=submit]").first.click()
    page.wait_for_load_state()
    assert Household.objects.count() == ROWS
    assert Household.objects.filter(village=tree.village).count() == ROWS // 2
    assert Household.objects.filter(village=kim_lan).count() == ROWS // 2
    sample = Household.objects.get(phone="0912000003")
    assert sample.head_name == unicodedata.normalize("NFC", "Nguyễn Văn Hộ 3")

    # A bad file is reported row by row, with reasons, and writes nothing.
    bad = tmp_path / "loi.csv"
    bad.write_text(
        "Thôn,Họ và tên chủ hộ,Số điện thoại\nThôn Không Có,Lê Văn A,0912345678\nThôn Giang Cao,Lê Văn B,12345\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/nhap-du-lieu/ho/{tree.commune.pk}/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_load_state()
    report = page.locator("main").inner_text()
    assert "Thôn Không Có" in report and "12345" in report
    assert page.locator("form[action$='/xac-nhan/']").count() == 0
    assert Household.objects.count() == ROWS

    # 2. A team member ticks an adoption item on a phone.
    page.context.clear_cookies()
    sign_in(page, base, "tovien")
    household = Household.objects.filter(village=tree.village).order_by("id").first()
    assert household is not None
    page.goto(f"{base}/ho-gia-dinh/{household.pk}/")
    page.locator("button.tick-btn").first.click()
    page.wait_for_load_state()
    assert AdoptionStatus.objects.filter(household=household).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(screenshot_dir / "household_checklist.png"), full_page=True)

    # 3. The head of household asks for their data: the officer logs the request and exports everything.
    page.context.clear_cookies()
    sign_in(page, base, "xa")
    page.goto(f"{base}/ho-gia-dinh/{household.pk}/yeu-cau/moi/")
    page.select_option("#id_kind", "access")
    page.fill("#id_requester", household.head_name)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    export = page.request.get(f"{base}/ho-gia-dinh/{household.pk}/xuat.json")
    assert export.status == 200
    assert household.head_name in json.dumps(json.loads(export.body()), ensure_ascii=False)

    # 4. The audit log shows who saw what.
    seen = AuditEvent.objects.filter(target_id=str(household.pk))
    assert seen.filter(action="household.view", actor_name="tovien").exists()
    assert seen.filter(action="household.export", actor_name="xa").exists()
    page.goto(f"{base}/nhat-ky/")
    assert "tovien" in page.locator("main").inner_text()
    assert errors == []
