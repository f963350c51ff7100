"""Every practice page and endpoint: anonymous refused, wrong role 403, other unit 404 (unpublished posts),
the right user served, and the write really happened (or nothing changed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from cdtt.practices import selectors
from cdtt.practices.models import Practice, PracticeImage, PracticeStatus
from cdtt.practices.tests.helpers import draft, other_province_officer, photo_bytes, published, submitted, upload
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@dataclass
class World:
    tree: Tree
    users: Users
    team_draft: Practice  # V1's draft, with a photo
    team_sent: Practice  # V1's post awaiting the commune
    commune_sent: Practice  # C1's post awaiting the province
    live: Practice  # V1's published post, with a photo


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    return World(
        tree,
        users,
        draft(users.team_member, tree.v1, title="Bản nháp của Tổ", uploads=[upload()]),
        submitted(users.team_member, tree.v1, title="Bài Tổ gửi xã"),
        submitted(users.commune_officer, tree.c1, title="Bài xã gửi tỉnh"),
        published(users.team_member, tree.v1, users.commune_officer, title="Bài đã đăng", uploads=[upload()]),
    )


def _image(p: Practice) -> int:
    return p.images.get().pk


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    wrong_role: str | None
    right_user: str
    ok: int
    other: Callable[[World], str] | None = None  # the same request on a post the caller may not see
    other_user: str = "outsider"
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    check: Callable[[World], bool] | None = None


HTML = [
    Case("list", "get", lambda w: "/cach-lam-hay/", None, "enterprise_partner", 200),
    Case("list searched", "get", lambda w: "/cach-lam-hay/?q=bai+da+dang&page=1", None, "leader", 200),
    Case("our drafts", "get", lambda w: "/cach-lam-hay/cua-don-vi/", "leader", "team_member", 200),
    Case("to review", "get", lambda w: "/cach-lam-hay/cho-duyet/", "team_leader", "commune_officer", 200),
    Case("new form", "get", lambda w: "/cach-lam-hay/moi/", "enterprise_partner", "team_leader", 200),
    Case(
        "new",
        "post",
        lambda w: "/cach-lam-hay/moi/",
        "leader",
        "team_leader",
        302,
        data=lambda w: {"kind": "typical_case", "title": "Bài mới", "body": "Nội dung", "tags": "a, b"},
        check=lambda w: Practice.objects.filter(title="Bài mới", village=w.tree.v1, kind="typical_case").exists(),
    ),
    Case(
        "draft",
        "get",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/",
        None,
        "team_member",
        200,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/",
    ),
    Case(
        "sent post seen by its reviewer",
        "get",
        lambda w: f"/cach-lam-hay/{w.team_sent.pk}/",
        None,
        "commune_officer",
        200,
        other=lambda w: f"/cach-lam-hay/{w.team_sent.pk}/",
        other_user="province_officer",
    ),
    Case("published", "get", lambda w: f"/cach-lam-hay/{w.live.pk}/", None, "outsider", 200),
    Case(
        "edit form",
        "get",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/sua/",
        "leader",
        "team_member",
        200,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/sua/",
    ),
    Case(
        "edit",
        "post",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/sua/",
        "leader",
        "team_member",
        302,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/sua/",
        data=lambda w: {"kind": "good_practice", "title": "Tên đã sửa", "body": "Nội dung", "tags": ""},
        check=lambda w: Practice.objects.get(pk=w.team_draft.pk).title == "Tên đã sửa",
    ),
    Case(
        "submit",
        "post",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/gui/",
        "leader",
        "team_leader",
        302,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/gui/",
        check=lambda w: Practice.objects.get(pk=w.team_draft.pk).status == PracticeStatus.SUBMITTED,
    ),
    Case(
        "publish",
        "post",
        lambda w: f"/cach-lam-hay/{w.commune_sent.pk}/dang/",
        "team_member",
        "province_officer",
        302,
        other=lambda w: f"/cach-lam-hay/{w.commune_sent.pk}/dang/",
        other_user="national_admin",  # sees nothing of a commune's unpublished post
        check=lambda w: Practice.objects.get(pk=w.commune_sent.pk).status == PracticeStatus.PUBLISHED,
    ),
    Case(
        "return",
        "post",
        lambda w: f"/cach-lam-hay/{w.team_sent.pk}/tra-lai/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda w: f"/cach-lam-hay/{w.team_sent.pk}/tra-lai/",
        data=lambda w: {"comment": "Bổ sung số hộ"},
        check=lambda w: Practice.objects.get(pk=w.team_sent.pk).status == PracticeStatus.RETURNED,
    ),
    Case(
        "feature",
        "post",
        lambda w: f"/cach-lam-hay/{w.live.pk}/noi-bat/",
        "province_officer",
        "national_admin",
        302,
        data=lambda w: {"featured": "1"},
        check=lambda w: Practice.objects.get(pk=w.live.pk).featured_at is not None,
    ),
    Case(
        "photo of a draft",
        "get",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/anh/{_image(w.team_draft)}.jpg",
        None,
        "team_leader",
        200,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/anh/{_image(w.team_draft)}.jpg",
    ),
    Case(
        "photo of a published post",
        "get",
        lambda w: f"/cach-lam-hay/{w.live.pk}/anh/{_image(w.live)}.jpg",
        None,
        "outsider",
        200,
    ),
    Case(
        "remove a photo",
        "post",
        lambda w: f"/cach-lam-hay/{w.team_draft.pk}/anh/{_image(w.team_draft)}/xoa/",
        "leader",
        "team_member",
        302,
        other=lambda w: f"/cach-lam-hay/{w.team_draft.pk}/anh/{_image(w.team_draft)}/xoa/",
        check=lambda w: not PracticeImage.objects.filter(practice=w.team_draft).exists(),
    ),
]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Practice.objects.order_by("id").values_list("id", "status", "title", "featured_at")),
        PracticeImage.objects.count(),
    )


@pytest.mark.parametrize("case", HTML, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World, case: Case) -> None:
    response = getattr(client, case.method)(case.url(world), case.data(world))
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("case", HTML, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_a_role_without_the_permission_gets_403(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    for name in ["nobody", *([case.wrong_role] if case.wrong_role else [])]:
        before = _snapshot()
        response = getattr(signed_in(name), case.method)(case.url(world), case.data(world))
        assert response.status_code == 403, name
        assert _snapshot() == before


@pytest.mark.parametrize("case", [c for c in HTML if c.other], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_another_unit_gets_404_for_unpublished_posts(
    signed_in: Callable[..., Client], world: World, case: Case
) -> None:
    assert case.other is not None
    before = _snapshot()
    response = getattr(signed_in(case.other_user), case.method)(case.other(world), case.data(world))
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("case", HTML, ids=lambda c: c.name)
def test_the_right_user_is_served(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    response = getattr(signed_in(case.right_user), case.method)(case.url(world), case.data(world))
    assert response.status_code == case.ok, response.content[:500]
    if case.check is not None:
        assert case.check(world)


def test_a_photo_is_served_as_a_private_jpeg(signed_in: Callable[..., Client], world: World) -> None:
    response = signed_in("outsider").get(f"/cach-lam-hay/{world.live.pk}/anh/{_image(world.live)}.jpg")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response["Content-Type"] == "image/jpeg" and body[:3] == b"\xff\xd8\xff" and b"Exif" not in body
    assert response["Cache-Control"].startswith("private")


def test_a_text_file_named_jpg_is_refused_in_the_form(signed_in: Callable[..., Client], world: World) -> None:
    before = _snapshot()
    response = signed_in("team_member").post(
        "/cach-lam-hay/moi/",
        {
            "kind": "good_practice",
            "title": "Có tệp giả",
            "body": "Nội dung",
            "images": [upload("gia.jpg", b"khong phai anh", "image/jpeg")],
        },
    )
    assert response.status_code == 200
    assert "“gia.jpg” không phải là ảnh" in response.content.decode()
    assert _snapshot() == before


def test_the_other_province_reviewer_is_refused_on_the_page(
    client: Client, world: World, signed_in: Callable[..., Client]
) -> None:
    stranger = other_province_officer(world.tree)
    client.force_login(stranger)
    response = client.post(f"/cach-lam-hay/{world.commune_sent.pk}/dang/")
    assert response.status_code == 404  # not even visible
    assert Practice.objects.get(pk=world.commune_sent.pk).status == PracticeStatus.SUBMITTED
    # The commune's own officer sees it but is not its reviewer: refused with the reason.
    response = signed_in("commune_officer").post(f"/cach-lam-hay/{world.commune_sent.pk}/dang/")
    assert response.status_code == 403
    assert "Chỉ cán bộ của Thành phố Hà Nội duyệt bài này" in response.content.decode()


# -- the API ---------------------------------------------------------------------------------------------------


def _call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method.upper(), url, json.dumps(body or {}), content_type="application/json")


API = [
    Case("api list", "get", lambda w: "/api/v1/practices?q=bai%20da%20dang", None, "leader", 200),
    Case("api mine", "get", lambda w: "/api/v1/practices/mine", "leader", "team_member", 200),
    Case("api to review", "get", lambda w: "/api/v1/practices/to-review", "team_member", "commune_officer", 200),
    Case(
        "api create",
        "post",
        lambda w: "/api/v1/practices",
        "enterprise_partner",
        "team_leader",
        200,
        data=lambda w: {"title": "Qua API", "body": "Nội dung", "tags": ["api"], "village_id": w.tree.v1.pk},
        check=lambda w: Practice.objects.filter(title="Qua API", village=w.tree.v1).exists(),
    ),
    Case(
        "api detail",
        "get",
        lambda w: f"/api/v1/practices/{w.team_draft.pk}",
        None,
        "team_member",
        200,
        other=lambda w: f"/api/v1/practices/{w.team_draft.pk}",
    ),
    Case(
        "api update",
        "patch",
        lambda w: f"/api/v1/practices/{w.team_draft.pk}",
        "leader",
        "team_member",
        200,
        other=lambda w: f"/api/v1/practices/{w.team_draft.pk}",
        data=lambda w: {"title": "Sửa qua API", "body": "Nội dung"},
        check=lambda w: Practice.objects.get(pk=w.team_draft.pk).title == "Sửa qua API",
    ),
    Case(
        "api submit",
        "post",
        lambda w: f"/api/v1/practices/{w.team_draft.pk}/submit",
        "leader",
        "team_member",
        200,
        other=lambda w: f"/api/v1/practices/{w.team_draft.pk}/submit",
        check=lambda w: Practice.objects.get(pk=w.team_draft.pk).status == PracticeStatus.SUBMITTED,
    ),
    Case(
        "api publish",
        "post",
        lambda w: f"/api/v1/practices/{w.team_sent.pk}/publish",
        "team_leader",
        "commune_officer",
        200,
        other=lambda w: f"/api/v1/practices/{w.team_sent.pk}/publish",
        check=lambda w: Practice.objects.get(pk=w.team_sent.pk).status == PracticeStatus.PUBLISHED,
    ),
    Case(
        "api return",
        "post",
        lambda w: f"/api/v1/practices/{w.commune_sent.pk}/return",
        "commune_officer",  # a commune's post is returned by its province, not by itself
        "province_officer",
        200,
        other=lambda w: f"/api/v1/practices/{w.commune_sent.pk}/return",
        data=lambda w: {"comment": "Thiếu ảnh"},
        check=lambda w: Practice.objects.get(pk=w.commune_sent.pk).review_comment == "Thiếu ảnh",
    ),
    Case(
        "api feature",
        "post",
        lambda w: f"/api/v1/practices/{w.live.pk}/feature",
        "province_officer",
        "national_admin",
        200,
        data=lambda w: {"featured": True},
        check=lambda w: Practice.objects.get(pk=w.live.pk).featured_at is not None,
    ),
]


@pytest.mark.parametrize("case", API, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_api_anonymous_gets_401(client: Client, world: World, case: Case) -> None:
    assert _call(client, case.method, case.url(world), case.data(world)).status_code == 401


@pytest.mark.parametrize("case", API, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_api_wrong_role_gets_403(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    for name in ["nobody", *([case.wrong_role] if case.wrong_role else [])]:
        before = _snapshot()
        response = _call(signed_in(name), case.method, case.url(world), case.data(world))
        assert response.status_code == 403, (name, response.content)
        assert response.json()["detail"]
        assert _snapshot() == before


@pytest.mark.parametrize("case", [c for c in API if c.other], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_api_other_unit_gets_404(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    assert case.other is not None
    before = _snapshot()
    response = _call(signed_in(case.other_user), case.method, case.other(world), case.data(world))
    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize("case", API, ids=lambda c: c.name)
def test_api_right_user_is_served(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    response = _call(signed_in(case.right_user), case.method, case.url(world), case.data(world))
    assert response.status_code == case.ok, response.content[:500]
    if case.check is not None:
        assert case.check(world)


def test_api_search_without_diacritics_from_another_province(signed_in: Callable[..., Client], world: World) -> None:
    response = _call(signed_in("outsider"), "get", "/api/v1/practices?q=BAI%20DA%20DANG")
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == world.live.pk
    assert body["results"][0]["images"][0]["url"].endswith(".jpg")


def test_api_photo_upload_checks_the_file(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("team_member")
    url = f"/api/v1/practices/{world.team_draft.pk}/images"
    refused = client.post(url, {"image": upload("gia.jpg", b"van ban", "image/jpeg")})
    assert refused.status_code == 400 and "không phải là ảnh" in refused.json()["detail"]
    assert world.team_draft.images.count() == 1
    missing = client.post(url, {})
    assert missing.status_code == 400 and missing.json()["detail"] == "Hãy chọn một ảnh."
    ok = client.post(url, {"image": upload("that.jpg", photo_bytes(), "image/jpeg")})
    assert ok.status_code == 200 and len(ok.json()["images"]) == 2
    assert signed_in("leader").post(url, {"image": upload()}).status_code == 403
    assert signed_in("outsider").post(url, {"image": upload()}).status_code == 404


def test_api_refuses_bad_input_in_vietnamese(signed_in: Callable[..., Client], world: World) -> None:
    response = _call(signed_in("team_member"), "post", "/api/v1/practices", {"title": "", "body": "x"})
    assert response.status_code == 400 and response.json() == {"detail": "Hãy nhập tiêu đề.", "field": "title"}
    response = _call(signed_in("commune_officer"), "post", f"/api/v1/practices/{world.team_sent.pk}/return", {})
    assert response.status_code == 400 and response.json()["field"] == "comment"
    assert selectors.practice_get(world.users.commune_officer, world.team_sent.pk).status == PracticeStatus.SUBMITTED


def test_api_list_queries_do_not_grow_with_posts(
    signed_in: Callable[..., Client], world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(15):
        published(world.users.team_member, world.tree.v1, world.users.commune_officer, title=f"Bài {n}", tags="x, y")
    client = signed_in("outsider")
    with django_assert_max_num_queries(14):
        body = _call(client, "get", "/api/v1/practices").json()
    assert body["count"] == 16 and len(body["results"]) == 16
