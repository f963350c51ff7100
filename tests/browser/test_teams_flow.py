"""Issue 3's walk-through in Chromium: a commune officer sets up a team, signs and downloads its decision,
uploads the signed scan, replaces a member, records the Zalo group; the public finder then shows the team."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import docx
from django.utils import timezone

from cdtt.teams.models import Decision, DecisionStatus, Membership, Team, TeamStatus
from tests.browser.world import Tree, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_commune_officer_sets_up_a_team_end_to_end(
    page: Any, live_server: Any, tree: Tree, tmp_path: Path, screenshot_dir: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, base, "xa")

    # 1. The commune's teams page lists the village without a team; set one up with 4 members.
    page.goto(f"{base}/to-cong-nghe/xa/{tree.commune.pk}/")
    page.click(f"a[href*='moi/?village={tree.village.pk}']")
    people = [("Nguyễn Văn An", "0912 345 678"), ("Trần Thị Bình", ""), ("Lê Văn Cường", ""), ("Phạm Thị Dung", "")]
    for index, (name, phone) in enumerate(people):
        page.fill(f"#id_m-{index}-full_name", name)
        if phone:
            page.fill(f"#id_m-{index}-phone", phone)
    page.check("#id_m-0-publish_phone")
    page.fill("#id_joined_on", (timezone.localdate() - datetime.timedelta(days=30)).isoformat())
    page.screenshot(path=str(screenshot_dir / "team_new.png"), full_page=True)
    page.click("main form button[type=submit]:not([name=more])")
    page.wait_for_load_state()
    team = Team.objects.get(village=tree.village)
    assert page.url.rstrip("/").endswith(f"/to-cong-nghe/{team.pk}")
    assert team.memberships.current().count() == 4  # type: ignore[attr-defined]

    # 2. Fill in and sign the draft decision, then download it as DOCX.
    draft = team.decisions.get()  # type: ignore[attr-defined]
    page.goto(f"{base}/to-cong-nghe/quyet-dinh/{draft.pk}/sua/")
    page.fill("#id_number", "15/QĐ-UBND")
    page.fill("#id_issued_on", timezone.localdate().isoformat())
    page.fill("#id_signer_name", "Hoàng Văn Em")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.locator("form[action$='/ky/'] button[type=submit]").click()
    page.wait_for_load_state()
    team.refresh_from_db()
    assert team.status == TeamStatus.ACTIVE
    with page.expect_download() as download_info:
        page.click(f"a[href='/to-cong-nghe/quyet-dinh/{draft.pk}/docx/']")
    document = docx.Document(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "QUYẾT ĐỊNH" in text and "Thôn Giang Cao".lower() in text.lower()

    # 3. Upload the signed scan.
    scan = tmp_path / "qd-15-da-ky.pdf"
    scan.write_bytes(PDF)
    page.set_input_files("input[type=file]", str(scan))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_load_state()
    assert Decision.objects.get(pk=draft.pk).signed_scan

    # 4. Replace a member: a new draft supersedes the signed decision; history keeps both people.
    cuong = Membership.objects.get(team=team, member__full_name="Lê Văn Cường")
    page.goto(f"{base}/to-cong-nghe/{team.pk}/thanh-vien/{cuong.pk}/thay-the/")
    page.fill("#id_full_name", "Vũ Thị Giang")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    new_draft = team.decisions.get(status=DecisionStatus.DRAFT)  # type: ignore[attr-defined]
    assert new_draft.supersedes_id == draft.pk
    history = page.locator("main").inner_text()
    assert "Lê Văn Cường" in history and "Vũ Thị Giang" in history

    # 5. Record the village's Zalo group.
    page.goto(f"{base}/to-cong-nghe/thon/{tree.village.pk}/nhom/")
    page.fill("#id_name", "Thôn Giang Cao - Chuyển đổi số")
    page.fill("#id_invite_link", "https://zalo.me/g/giangcao")
    page.fill("#id_households_in_group", "120")
    page.fill("#id_households_total", "200")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}/to-cong-nghe/{team.pk}/")
    page.screenshot(path=str(screenshot_dir / "team.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # 6. Anyone, signed out, finds the team: leader's name, the published phone, the group link and QR.
    page.context.clear_cookies()
    page.goto(f"{base}/tim-to/xa/{tree.commune.pk}/")
    finder = page.locator("main").inner_text()
    assert "Nguyễn Văn An" in finder and "0912345678" in finder
    assert "Trần Thị Bình" not in finder  # only the leader is named publicly
    assert page.locator("a[href='https://zalo.me/g/giangcao']").count() == 1
    assert page.locator("img[src*='/tim-to/qr/']").count() == 1
    page.screenshot(path=str(screenshot_dir / "finder.png"), full_page=True)
    assert errors == []
