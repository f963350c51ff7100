"""Security at the edges: CSRF, the Content-Security-Policy, oversized requests, error pages in Vietnamese."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.translation import gettext as _

from cdtt.core.middleware import FORM_OVERHEAD_BYTES
from cdtt.core.models import AuditEvent
from cdtt.geo.models import Village
from conftest import Tree, Users

LIMIT = 2048


@pytest.fixture
def small_uploads(settings: Any) -> int:
    settings.UPLOAD_MAX_BYTES = LIMIT
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    return LIMIT


def _too_large_message(settings: Any) -> str:
    return _("The file is larger than %(size)s MB.") % {"size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}


# -- CSRF -------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(tree: Tree, users: Users) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.commune_officer)
    events = AuditEvent.objects.count()
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "Thôn Mới", "kind": "thon"})
    assert response.status_code == 403
    assert "web/error.html" in [t.name for t in response.templates]
    assert response.context["message"] == _(
        "The form has expired or was not sent from this site. Reload the page and try again."
    )
    assert '<html lang="vi">' in response.content.decode()
    assert not Village.objects.filter(name="Thôn Mới").exists()
    assert AuditEvent.objects.count() == events


def test_a_post_with_the_csrf_token_goes_through(tree: Tree, users: Users) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.commune_officer)
    page = client.get(f"/don-vi/{tree.c1.pk}/")
    token = page.context["csrf_token"]
    response = client.post(
        f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "Thôn Mới", "kind": "thon", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert Village.objects.filter(name="Thôn Mới").exists()


def test_the_sign_in_form_needs_the_csrf_token(users: Users) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/dang-nhap/", {"username": "commune_officer", "password": "x"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="auth.").exists()


# -- headers ----------------------------------------------------------------------------------


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("url", ["/dang-nhap/", "/healthz", "/api/v1/openapi.json", "/no-such-page/"])
def test_every_response_carries_a_strict_content_security_policy(client: Client, db: None, url: str) -> None:
    response = client.get(url)
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources
        assert "'unsafe-eval'" not in sources
        assert "*" not in sources
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_use_no_inline_script_and_no_outside_host(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("national_admin")
    for url in ["/", "/don-vi/", f"/don-vi/{tree.c1.pk}/", "/tai-khoan/", "/ca-nhan/", "/nhat-ky/"]:
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert " onclick=" not in html
        assert "http://" not in html
        assert "https://" not in html


def test_the_session_cookie_is_http_only_and_same_site(client: Client, users: Users) -> None:
    client.post("/dang-nhap/", {"username": "commune_officer", "password": "mật-khẩu-thử-nghiệm-2025"})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


# -- oversized requests -------------------------------------------------------------------------


def test_an_oversized_upload_to_a_form_is_refused_with_413(
    signed_in: Callable[..., Client], tree: Tree, small_uploads: int, settings: Any
) -> None:
    client = signed_in("commune_officer")
    big = SimpleUploadedFile("thon.csv", b"x" * (small_uploads + FORM_OVERHEAD_BYTES + 1))
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "Thôn Mới", "kind": "thon", "file": big})
    assert response.status_code == 413
    assert "web/error.html" in [t.name for t in response.templates]
    assert response.context["message"] == _too_large_message(settings)
    assert not Village.objects.filter(name="Thôn Mới").exists()


def test_an_oversized_form_field_is_refused_with_413(
    signed_in: Callable[..., Client], tree: Tree, small_uploads: int, settings: Any
) -> None:
    client = signed_in("commune_officer")
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "x" * (small_uploads + 10), "kind": "thon"})
    assert response.status_code == 413
    assert response.context["message"] == _too_large_message(settings)
    assert Village.objects.filter(commune=tree.c1).count() == 2


def test_an_oversized_form_is_refused_before_the_csrf_check_reads_it(
    tree: Tree, users: Users, small_uploads: int
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.commune_officer)
    token = client.get(f"/don-vi/{tree.c1.pk}/").context["csrf_token"]  # sets the cookie: the check reads the form
    data = {"name": "x" * (small_uploads + 10), "kind": "thon", "csrfmiddlewaretoken": token}
    response = client.post(f"/don-vi/{tree.c1.pk}/thon/moi/", data)
    assert response.status_code == 413


def test_an_oversized_api_body_gets_413_json(
    signed_in: Callable[..., Client], tree: Tree, small_uploads: int, settings: Any
) -> None:
    client = signed_in("commune_officer")
    for size in (small_uploads + 10, small_uploads + FORM_OVERHEAD_BYTES + 10):
        body = json.dumps({"commune_id": tree.c1.pk, "name": "x" * size})
        response = client.post("/api/v1/villages", body, content_type="application/json")
        assert response.status_code == 413
        assert response.json() == {"detail": _too_large_message(settings)}


def test_a_form_under_the_limit_is_accepted(signed_in: Callable[..., Client], tree: Tree, small_uploads: int) -> None:
    response = signed_in("commune_officer").post(
        f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "Thôn Mới", "kind": "thon"}
    )
    assert response.status_code == 302


# -- error pages ------------------------------------------------------------------------------


def test_an_unknown_page_gets_the_vietnamese_404_page(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("team_member").get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "web/error.html" in [t.name for t in response.templates]
    assert '<html lang="vi">' in response.content.decode()


def test_the_500_page_is_static_vietnamese(db: None) -> None:
    from cdtt.web.handlers import server_error

    response = server_error(None)  # type: ignore[arg-type]
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()


def test_the_navigation_follows_the_roles(signed_in: Callable[..., Client], tree: Tree) -> None:
    def labels(name: str) -> list[str]:
        return [item["url"] for item in signed_in(name).get("/").context["nav_items"]]

    assert labels("commune_officer") == [
        "/",
        "/don-vi/",
        "/to-cong-nghe/",
        "/ho-gia-dinh/",
        "/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/",
        "/chi-tieu/",
        "/bang-dieu-khien/",
        "/bao-cao/",
        "/kho-khan/",
        "/chat-luong-so-lieu/",
        "/dao-tao/",
        "/cach-lam-hay/",
        "/thong-bao-chi-dao/",
        "/tai-khoan/",
        "/nhat-ky/",
        "/ca-nhan/",
    ]
    assert labels("team_member") == [
        "/",
        "/don-vi/",
        "/to-cong-nghe/",
        "/ho-gia-dinh/",
        "/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/",
        "/chi-tieu/",
        "/bang-dieu-khien/",
        "/bao-cao/",
        "/kho-khan/",
        "/dao-tao/cua-toi/",
        "/cach-lam-hay/",
        "/thong-bao-chi-dao/",
        "/ca-nhan/",
    ]
    assert labels("province_officer") == [
        "/",
        "/don-vi/",
        "/to-cong-nghe/",
        "/du-lieu-ca-nhan/su-co/",
        "/chi-tieu/",
        "/bang-dieu-khien/",
        "/bao-cao/",
        "/kho-khan/",
        "/chat-luong-so-lieu/",
        "/dao-tao/",
        "/cach-lam-hay/",
        "/thong-bao-chi-dao/",
        "/danh-muc/",
        "/tai-khoan/",
        "/nhat-ky/",
        "/ca-nhan/",
    ]
    assert labels("leader") == [
        "/",
        "/don-vi/",
        "/chi-tieu/",
        "/bang-dieu-khien/",
        "/bao-cao/",
        "/kho-khan/",
        "/cach-lam-hay/",
        "/thong-bao-chi-dao/",
        "/ca-nhan/",
    ]
    assert labels("enterprise_partner") == [
        "/",
        "/don-vi/",
        "/chi-tieu/",
        "/bang-dieu-khien/",
        "/dao-tao/",
        "/cach-lam-hay/",
        "/thong-bao-chi-dao/",
        "/ca-nhan/",
    ]
    assert labels("nobody") == ["/", "/ca-nhan/"]


def test_the_home_page_counts_only_what_the_user_sees(signed_in: Callable[..., Client], tree: Tree) -> None:
    assert signed_in("province_officer").get("/").context["counts"] == {"provinces": 1, "communes": 2, "villages": 4}
    assert signed_in("team_member").get("/").context["counts"] == {"provinces": 0, "communes": 1, "villages": 1}
    assert signed_in("nobody").get("/").context["counts"] == {"provinces": 0, "communes": 0, "villages": 0}


def test_the_home_page_leads_members_to_the_app_and_their_targets(signed_in: Callable[..., Client], tree: Tree) -> None:
    member = signed_in("team_member").get("/").content.decode()
    leader = signed_in("leader").get("/").content.decode()
    assert "/app/" in member and "/chi-tieu/" in member
    assert "/app/" not in leader and "/chi-tieu/" in leader


# -- compressed pages ---------------------------------------------------------------------------


def test_pages_are_gzipped_for_a_browser_that_accepts_it_and_files_are_not(tree: Tree, users: Users) -> None:
    import gzip

    from django.urls import reverse

    client = Client()
    client.force_login(users.commune_officer)
    url = reverse("dashboards:unit", args=[tree.c1.pk])
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert "<html" in page and tree.c1.name in page
    assert len(packed.content) * 3 < len(plain.content)  # a page is several times smaller
    # The security headers are still on the compressed page.
    assert "Content-Security-Policy" in packed.headers

    sheet = client.get(reverse("transfers:roster_export", args=[tree.c1.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "Content-Encoding" not in sheet.headers  # an XLSX is a zip already
