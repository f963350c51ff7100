"""Guides on the member's phone: what ``/api/v1/sync/pull`` sends (the guides the member sees, of active
platforms, nothing about people), when (whole, after they changed since the token; ``null`` otherwise), and
the app's own address for guide files (inline, scoped, gone once the guide is withdrawn)."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cdtt.accounts.services import token_create, token_revoke
from cdtt.catalog.models import Platform
from cdtt.catalog.services import catalog_load
from cdtt.mobile.views import GUIDE_CACHE_MAX_BYTES, GUIDE_FILE_MAX_BYTES
from cdtt.training import services
from cdtt.training.models import Material
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 so tay huong dan"


@pytest.fixture
def guides(tree: Tree, users: Users, settings: Any, tmp_path: Any) -> dict[str, Material]:
    settings.MEDIA_ROOT = tmp_path
    catalog_load()
    vneid = Platform.objects.get(code="vneid")
    other = Platform.objects.exclude(pk=vneid.pk).filter(owner__isnull=True, is_active=True).first()
    assert other is not None
    today = timezone.localdate()
    national = services.material_create(
        actor=users.national_admin,
        data=services.MaterialIn(vneid.pk, "Hướng dẫn cài VNeID", tree.vn.pk, today, url="https://vneid.gov.vn/hd"),
    )
    province = services.material_create(
        actor=users.province_officer,
        data=services.MaterialIn(
            other.pk, "Sổ tay Hà Nội", tree.p1.pk, today - datetime.timedelta(days=3), version="1.2"
        ),
        upload=SimpleUploadedFile("so-tay.pdf", PDF),
    )
    elsewhere = services.material_create(
        actor=users.outsider,
        data=services.MaterialIn(vneid.pk, "Tài liệu Sài Gòn", tree.c3.pk, today, url="https://example.vn/sg"),
    )
    return {"national": national, "province": province, "elsewhere": elsewhere}


def _pull(client: Client, since: str = "", headers: dict[str, str] | None = None) -> Any:
    response = client.get(f"/api/v1/sync/pull?since={since}", headers=headers or {})
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_a_device_receives_the_guides_it_needs_and_nothing_about_people(
    guides: dict[str, Material], signed_in: Callable[..., Client]
) -> None:
    first = _pull(signed_in("team_member"))
    by_title = {g["title"]: g for g in first["guides"]}
    assert set(by_title) == {"Hướng dẫn cài VNeID", "Sổ tay Hà Nội"}  # not another province's
    link, book = by_title["Hướng dẫn cài VNeID"], by_title["Sổ tay Hà Nội"]
    assert link == {
        "id": guides["national"].pk,
        "platform": "vneid",
        "platform_name": guides["national"].platform.name,
        "title": "Hướng dẫn cài VNeID",
        "kind": "link",
        "version": "",
        "issued_on": timezone.localdate().isoformat(),
        "url": "https://vneid.gov.vn/hd",
        "size": None,
    }
    assert book["kind"] == "file" and book["version"] == "1.2" and book["size"] == len(PDF)
    assert book["url"].startswith(f"/app/huong-dan/{guides['province'].pk}/tep/?v=")
    body = json.dumps(first["guides"], ensure_ascii=False)
    for private in ("province_officer", "Cán bộ", "national_admin", "created_by", "owner", "Thành phố"):
        assert private not in body


def test_guides_come_again_only_after_they_changed(
    guides: dict[str, Material], signed_in: Callable[..., Client], users: Users
) -> None:
    member = signed_in("team_member")
    first = _pull(member)
    again = _pull(member, first["next"])
    assert again["guides"] is None  # nothing changed: the phone keeps what it has

    # An edited guide changes on the next pull; its file's address changes with a new file.
    book = guides["province"]
    old_url = next(g["url"] for g in first["guides"] if g["id"] == book.pk)
    services.material_update(
        actor=users.province_officer,
        material=book,
        data=services.MaterialIn(book.platform_id, "Sổ tay Hà Nội 2026", book.owner_id, book.issued_on, version="2.0"),
        upload=SimpleUploadedFile("so-tay.pdf", PDF + b" moi"),
    )
    changed = _pull(member, again["next"])
    book_out = next(g for g in changed["guides"] if g["id"] == book.pk)
    assert (book_out["title"], book_out["version"], book_out["size"]) == ("Sổ tay Hà Nội 2026", "2.0", len(PDF) + 4)
    assert book_out["url"] != old_url
    assert _pull(member, changed["next"])["guides"] is None

    # A withdrawn guide disappears from the list the phone replaces its own with.
    services.material_retire(actor=users.province_officer, material=book)
    retired = _pull(member, changed["next"])
    assert [g["id"] for g in retired["guides"]] == [guides["national"].pk]

    # So does the guide of a platform taken out of service.
    Platform.objects.filter(pk=guides["national"].platform_id).update(is_active=False)
    assert _pull(member, retired["next"])["guides"] == []


def test_guides_ride_along_with_household_pages_and_old_tokens(
    guides: dict[str, Material], signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    from cdtt.households.services import HouseholdIn, household_create

    for n in range(3):
        household_create(actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name=f"Hộ {n}"))
    member = signed_in("team_member")
    first = member.get("/api/v1/sync/pull?limit=2").json()
    second = member.get(f"/api/v1/sync/pull?limit=2&since={first['next']}").json()
    assert first["more"] and len(first["guides"]) == 2
    assert second["guides"] is None and len(second["households"]) == 1
    # A token from before guides reached phones (moment|id) is still good: the guides come whole.
    moment, pk, _digest = base64.urlsafe_b64decode(second["next"]).decode().split("|")
    old = base64.urlsafe_b64encode(f"{moment}|{pk}".encode()).decode()
    from_old = _pull(member, old)
    assert from_old["households"] == [] and len(from_old["guides"]) == 2


def test_pulling_guides_is_refused_without_a_member_or_with_a_revoked_device(
    guides: dict[str, Material], users: Users, signed_in: Callable[..., Client], client: Client
) -> None:
    assert client.get("/api/v1/sync/pull").status_code == 401
    assert signed_in("leader").get("/api/v1/sync/pull").status_code == 403
    token, raw = token_create(user=users.team_member, name="Điện thoại của Viên")
    assert len(_pull(client, headers={"Authorization": f"Bearer {raw}"})["guides"]) == 2
    token_revoke(user=users.team_member, token_id=token.pk)
    refused = client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status_code == 401 and refused.json()["revoked"] is True
    assert "guides" not in refused.json()
    # Another province's member gets that province's guides, never these.
    outsider = _pull(signed_in("outsider"))
    assert {g["title"] for g in outsider["guides"]} == {"Hướng dẫn cài VNeID", "Tài liệu Sài Gòn"}


def test_the_apps_guide_file_opens_in_place_for_those_who_see_the_guide(
    guides: dict[str, Material], signed_in: Callable[..., Client], users: Users, client: Client
) -> None:
    book = guides["province"]
    url = f"/app/huong-dan/{book.pk}/tep/"
    response = signed_in("team_member").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert client.get(url)["Location"].startswith("/dang-nhap/")
    assert signed_in("leader").get(url).status_code == 403
    assert signed_in("outsider").get(url).status_code == 404
    assert signed_in("team_member").get(f"/app/huong-dan/{guides['national'].pk}/tep/").status_code == 404  # a link
    services.material_retire(actor=users.province_officer, material=book)
    assert signed_in("team_member").get(url).status_code == 404


def test_the_service_worker_keeps_small_guide_files_apart_from_the_apps_own(client: Client) -> None:
    script = client.get("/app/sw.js").content.decode()
    assert 'const GUIDES = "cdtt-guides"' in script
    assert f"const FILE_MAX = {GUIDE_FILE_MAX_BYTES};" in script
    assert f"const TOTAL_MAX = {GUIDE_CACHE_MAX_BYTES};" in script
    assert GUIDE_FILE_MAX_BYTES == 5 * 1024 * 1024


def test_the_app_has_a_guides_screen_in_vietnamese(tree: Tree, signed_in: Callable[..., Client]) -> None:
    html = signed_in("team_member").get("/app/").content.decode()
    assert 'data-tab="guides"' in html and "Hướng dẫn" in html
    strings = json.loads(html.split('<script id="strings" type="application/json">')[1].split("</script>")[0])
    assert strings["needs_network"] == "Cần mạng để mở"
