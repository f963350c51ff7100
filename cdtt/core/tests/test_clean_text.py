"""Text that enters the platform is cleaned in one place: NFC, no NUL or other control characters, for query
strings, form fields and JSON bodies (CleanTextMiddleware). The NUL cases answered 500 on PostgreSQL."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable

import pytest
from django.test import Client

from cdtt.core.text import clean, nfc
from cdtt.geo.models import Village
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

NFD_THON_MOI = unicodedata.normalize("NFD", "Thôn Mới")


def test_clean_puts_text_in_nfc_and_removes_control_characters_but_keeps_line_breaks() -> None:
    assert clean("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean("a\ud800b\udfffc") == "abc"  # lone surrogates, as JSON's "\\ud800" gives them
    assert clean("dòng 1\r\ndòng\t2\n") == "dòng 1\r\ndòng\t2\n"
    assert clean(NFD_THON_MOI) == "Thôn Mới" != NFD_THON_MOI
    assert clean("plain ascii") == "plain ascii"
    assert nfc("  Thôn\x00  Mới ") == "Thôn Mới"


# Every search box of the platform, page and API, with the user who can use it (issue 15, defect 2).
SEARCHES = [
    ("national_admin", "/api/v1/units"),
    ("national_admin", "/don-vi/"),
    ("province_officer", "/api/v1/training/courses"),
    ("province_officer", "/dao-tao/"),
    ("commune_officer", "/api/v1/households"),
    ("commune_officer", "/ho-gia-dinh/"),
    ("commune_officer", "/api/v1/practices"),
    ("commune_officer", "/cach-lam-hay/"),
    ("commune_officer", "/to-cong-nghe/"),
    ("province_officer", "/to-cong-nghe/"),
    (None, "/tim-to/"),
]


@pytest.mark.parametrize(("who", "url"), SEARCHES)
@pytest.mark.parametrize("q", ["a%00b", "%00", "S%C3%A0i%01%1F%7F", "%ff%fe", "x" * 10_000])
def test_every_search_answers_with_nul_control_characters_and_broken_utf8(
    signed_in: Callable[[str], Client], client: Client, users: Users, who: str | None, url: str, q: str
) -> None:
    response = (signed_in(who) if who else client).get(f"{url}?q={q}")
    # 302: a commune officer's empty search (only a NUL) goes straight to the commune, as without one
    assert response.status_code in {200, 302}


def test_a_search_with_a_nul_finds_what_the_search_without_it_finds(
    signed_in: Callable[[str], Client], tree: Tree, users: Users
) -> None:
    client = signed_in("national_admin")
    names = [u["name"] for u in client.get("/api/v1/units?q=S%00%C3%A0i").json()["results"]]
    assert "Phường Sài Gòn" in names
    nfd = unicodedata.normalize("NFD", "Sài")
    assert "Phường Sài Gòn" in [u["name"] for u in client.get("/api/v1/units", {"q": nfd}).json()["results"]]


def test_a_form_field_is_stored_in_nfc_without_control_characters(
    signed_in: Callable[[str], Client], tree: Tree, users: Users
) -> None:
    response = signed_in("commune_officer").post(
        f"/don-vi/{tree.c1.pk}/thon/moi/", {"name": "\x00" + NFD_THON_MOI + "\x07", "kind": "thon"}
    )
    assert response.status_code == 302
    assert Village.objects.filter(commune=tree.c1, name="Thôn Mới").exists()


def test_a_json_body_is_stored_in_nfc_without_control_characters(
    signed_in: Callable[[str], Client], tree: Tree, users: Users
) -> None:
    body = json.dumps({"commune_id": tree.c1.pk, "name": NFD_THON_MOI + "\u0000", "kind": "thon"})
    response = signed_in("commune_officer").post("/api/v1/villages", body, content_type="application/json")
    assert response.status_code in {200, 201}, response.content
    assert Village.objects.filter(commune=tree.c1, name="Thôn Mới").exists()


def test_a_json_body_with_lone_surrogates_is_stored_without_them(
    signed_in: Callable[[str], Client], tree: Tree, users: Users
) -> None:
    name = '"Th\\u00f4n \\ud800M\\u1edbi\\udc00"'  # JSON escapes, two of them lone surrogates
    body = f'{{"commune_id": {tree.c1.pk}, "name": {name}, "kind": "thon"}}'
    response = signed_in("commune_officer").post("/api/v1/villages", body, content_type="application/json")
    assert response.status_code in {200, 201}, response.content
    assert Village.objects.filter(commune=tree.c1, name="Thôn Mới").exists()


def test_a_body_that_is_not_json_is_left_for_the_endpoint_to_refuse(
    signed_in: Callable[[str], Client], tree: Tree, users: Users
) -> None:
    response = signed_in("commune_officer").post("/api/v1/villages", b"{\x00", content_type="application/json")
    assert response.status_code in {400, 422}
