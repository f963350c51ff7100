"""The UI as a person meets it: Chromium at phone width, Vietnamese, scoped, strict CSP honoured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdtt.geo.models import Village
from tests.browser.world import Tree, collect_console_errors, sign_in


def test_the_login_page_is_in_vietnamese(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    errors = collect_console_errors(page)
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/dang-nhap/")
    assert page.get_attribute("html", "lang") == "vi"
    assert page.locator("h1").inner_text() == "Đăng nhập"
    assert page.locator("label[for=id_password]").inner_text().startswith("Mật khẩu")
    page.screenshot(path=str(screenshot_dir / "login.png"), full_page=True)
    assert errors == []


def test_a_wrong_password_gets_a_vietnamese_message(page: Any, live_server: Any, tree: Tree) -> None:
    page.goto(live_server.url + "/dang-nhap/")
    page.fill("#id_username", "xa")
    page.fill("#id_password", "sai-mat-khau")
    page.click("form button[type=submit]")
    assert "mật khẩu" in page.locator(".errorlist").first.inner_text().lower()


def test_a_commune_officer_adds_a_village_and_sees_it_listed(
    page: Any, live_server: Any, tree: Tree, screenshot_dir: Path
) -> None:
    errors = collect_console_errors(page)
    sign_in(page, live_server.url, "xa")
    page.goto(f"{live_server.url}/don-vi/{tree.commune.pk}/")
    page.fill("#id_name", "Thôn Kim Lan")
    page.click("form[action$='/thon/moi/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/don-vi/{tree.commune.pk}/")
    assert "Thôn Kim Lan" in page.locator("main").inner_text()
    assert Village.objects.filter(commune=tree.commune, name="Thôn Kim Lan").exists()
    page.screenshot(path=str(screenshot_dir / "commune.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []


def test_a_duplicate_village_name_is_refused_whatever_the_diacritics(page: Any, live_server: Any, tree: Tree) -> None:
    sign_in(page, live_server.url, "xa")
    page.goto(f"{live_server.url}/don-vi/{tree.commune.pk}/")
    page.fill("#id_name", "THON GIANG CAO")
    page.click("form[action$='/thon/moi/'] button[type=submit]")
    assert "đã có" in page.locator(".errorlist").first.inner_text()
    assert Village.objects.filter(commune=tree.commune).count() == 1


def test_a_village_of_another_commune_is_not_found(page: Any, live_server: Any, tree: Tree) -> None:
    sign_in(page, live_server.url, "xa")
    response = page.goto(f"{live_server.url}/don-vi/thon/{tree.other_village.pk}/")
    assert response is not None and response.status == 404
    assert "Khu phố 1" not in page.content()


def test_a_team_member_sees_no_account_pages(page: Any, live_server: Any, tree: Tree) -> None:
    sign_in(page, live_server.url, "tovien")
    assert page.locator("nav.tabs a[href='/tai-khoan/']").count() == 0
    response = page.goto(f"{live_server.url}/tai-khoan/")
    assert response is not None and response.status == 403


def test_every_page_fits_a_360px_phone(page: Any, live_server: Any, tree: Tree, screenshot_dir: Path) -> None:
    errors = collect_console_errors(page)
    sign_in(page, live_server.url, "xa")
    for path in [
        "/",
        "/don-vi/",
        f"/don-vi/{tree.commune.pk}/",
        f"/don-vi/thon/{tree.village.pk}/",
        "/tai-khoan/",
        "/tai-khoan/moi/",
        "/ca-nhan/",
        "/nhat-ky/",
    ]:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide"
        assert "Đăng xuất" in page.content(), f"{path} is not in Vietnamese"
    page.screenshot(path=str(screenshot_dir / "accounts_new.png"), full_page=True)
    assert errors == [], errors  # a CSP violation shows up as a console error


def test_a_commune_officer_imports_villages_after_checking_a_preview(
    page: Any, live_server: Any, tree: Tree, tmp_path: Path, screenshot_dir: Path
) -> None:
    errors = collect_console_errors(page)
    sign_in(page, live_server.url, "xa")
    bad = tmp_path / "thon-loi.csv"
    bad.write_text("Mã xã,Tên thôn,Loại\n00583,Thôn Kim Lan,Thôn\n00583,THON GIANG CAO,Thôn\n", encoding="utf-8")
    page.goto(f"{live_server.url}/don-vi/{tree.commune.pk}/")
    page.click(f"a[href='/nhap-du-lieu/thon/{tree.commune.pk}/']")
    page.set_input_files("input[type=file]", str(bad))
    page.click("main form[enctype] button[type=submit]")
    assert "đã có" in page.locator("table.import-rows").inner_text()
    assert page.locator("form[action$='/xac-nhan/']").count() == 0  # nothing to confirm while a row is wrong
    page.screenshot(path=str(screenshot_dir / "import_errors.png"), full_page=True)
    assert Village.objects.filter(commune=tree.commune).count() == 1

    good = tmp_path / "thon.csv"
    good.write_text("Mã xã,Tên thôn,Loại\n00583,Thôn Kim Lan,Thôn\n00583,Xóm Mới,Xóm\n", encoding="utf-8")
    page.goto(f"{live_server.url}/nhap-du-lieu/thon/{tree.commune.pk}/")
    page.set_input_files("input[type=file]", str(good))
    page.click("main form[enctype] button[type=submit]")
    assert Village.objects.filter(commune=tree.commune).count() == 1  # the preview writes nothing
    page.click("form[action$='/xac-nhan/'] button[type=submit]")
    page.wait_for_load_state()
    names = set(Village.objects.filter(commune=tree.commune).values_list("name", flat=True))
    assert names == {"Thôn Giang Cao", "Thôn Kim Lan", "Xóm Mới"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
