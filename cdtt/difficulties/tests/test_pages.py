"""Every page and endpoint: anonymous refused, wrong role 403, other unit 404, the right user served;
raising with a description (and photos) or being told, in Vietnamese, what is missing."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cdtt.difficulties.models import Difficulty, DifficultyPhoto, Status
from cdtt.difficulties.selectors import open_difficulties
from cdtt.difficulties.tests.conftest import FIXTURES, raise_one
from conftest import Tree, Users


def _pages(d: Difficulty) -> list[tuple[str, str]]:
    photo = d.photos.first()  # type: ignore[attr-defined]
    pages = [
        ("get", "/kho-khan/"),
        ("get", f"/kho-khan/{d.pk}/"),
        ("post", f"/kho-khan/{d.pk}/thao-tac/"),
    ]
    if photo is not None:
        pages.append(("get", f"/kho-khan/{d.pk}/anh/{photo.pk}/"))
    return pages


def _with_photo(users: Users) -> Difficulty:
    jpeg = SimpleUploadedFile("anh.jpg", (FIXTURES / "python.jpg").read_bytes(), content_type="image/jpeg")
    from cdtt.difficulties.services import DifficultyIn, difficulty_raise

    return difficulty_raise(
        actor=users.team_member,
        data=DifficultyIn(category="devices", description="Máy tính bảng của tổ bị hỏng màn hình."),
        photos=[jpeg],
    )


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, users: Users) -> None:
    d = _with_photo(users)
    for method, url in [*_pages(d), ("get", "/kho-khan/moi/"), ("post", "/kho-khan/moi/")]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/"), url
    for method, url in [
        ("GET", "/api/v1/difficulties"),
        ("POST", "/api/v1/difficulties"),
        ("GET", f"/api/v1/difficulties/{d.pk}"),
        ("POST", f"/api/v1/difficulties/{d.pk}/messages"),
        ("POST", f"/api/v1/difficulties/{d.pk}/actions"),
    ]:
        assert client.generic(method, url, "{}", content_type="application/json").status_code == 401, url


@pytest.mark.parametrize("role", ["enterprise_partner", "nobody"])
def test_enterprise_partners_and_users_without_a_role_see_nothing(
    signed_in: Callable[..., Client], users: Users, role: str
) -> None:
    d = _with_photo(users)
    client = signed_in(role)
    for method, url in [*_pages(d), ("get", "/kho-khan/moi/")]:
        assert getattr(client, method)(url).status_code == 403, url
    assert client.get(f"/api/v1/difficulties/{d.pk}").status_code == 403
    assert "/kho-khan/" not in client.get("/ca-nhan/").content.decode()


def test_the_other_province_gets_404_everywhere(signed_in: Callable[..., Client], users: Users) -> None:
    d = _with_photo(users)
    client = signed_in("outsider")
    for method, url in _pages(d)[1:]:
        assert getattr(client, method)(url, {"action": "comment", "text": "x"}).status_code == 404, url
    assert client.get(f"/api/v1/difficulties/{d.pk}").status_code == 404
    msg = client.post(f"/api/v1/difficulties/{d.pk}/messages", {"text": "x"}, content_type="application/json")
    assert msg.status_code == 404
    assert client.get("/api/v1/difficulties").json()["count"] == 0
    assert d.pk not in [row.pk for row in client.get("/kho-khan/").context["page"]]


def test_a_team_sees_its_village_only(signed_in: Callable[..., Client], users: Users, tree: Tree) -> None:
    mine = raise_one(users.team_member)
    other_village = raise_one(users.commune_officer)  # the commune's own difficulty, not the team's
    client = signed_in("team_leader")
    assert client.get(f"/kho-khan/{mine.pk}/").status_code == 200
    assert client.get(f"/kho-khan/{other_village.pk}/").status_code == 404
    ids = [row["id"] for row in client.get("/api/v1/difficulties").json()["results"]]
    assert ids == [mine.pk]


@pytest.mark.parametrize("role", ["team_member", "commune_officer", "province_officer", "national_admin", "leader"])
def test_everyone_involved_reads_the_thread(signed_in: Callable[..., Client], users: Users, role: str) -> None:
    d = _with_photo(users)
    client = signed_in(role)
    page = client.get(f"/kho-khan/{d.pk}/")
    assert page.status_code == 200
    assert "Máy tính bảng của tổ bị hỏng màn hình." in page.content.decode()
    photo = d.photos.get()  # type: ignore[attr-defined]
    image = client.get(f"/kho-khan/{d.pk}/anh/{photo.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client.get(f"/kho-khan/{d.pk}/anh/999999/").status_code == 404
    body = client.get(f"/api/v1/difficulties/{d.pk}").json()
    assert body["status"] == "open" and body["photos"] == 1 and body["messages"][0]["event"] == "raise"


def test_the_leader_reads_but_cannot_raise_or_write(signed_in: Callable[..., Client], users: Users) -> None:
    d = raise_one(users.team_member)
    client = signed_in("leader")
    assert client.get("/kho-khan/moi/").status_code == 403
    assert client.post(f"/kho-khan/{d.pk}/thao-tac/", {"action": "comment", "text": "Hỏi"}).status_code == 403
    response = client.post(f"/api/v1/difficulties/{d.pk}/messages", {"text": "Hỏi"}, content_type="application/json")
    assert response.status_code == 403
    assert (
        client.post(
            "/api/v1/difficulties", {"category": "other", "description": "x"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_a_member_raises_one_from_the_form(signed_in: Callable[..., Client], users: Users, tree: Tree) -> None:
    client = signed_in("team_member")
    assert client.get("/kho-khan/moi/").status_code == 200
    response = client.post(
        "/kho-khan/moi/", {"category": "reluctance", "description": "Nhiều hộ người cao tuổi ngại cài VNeID."}
    )
    d = Difficulty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/kho-khan/{d.pk}/"
    assert (d.unit, d.village, d.handler_unit, d.status) == (tree.c1, tree.v1, tree.c1, Status.OPEN)
    assert d.title == "Nhiều hộ người cao tuổi ngại cài VNeID."


@pytest.mark.parametrize("description", ["", "   \n  "])
def test_a_difficulty_without_a_description_is_refused_in_vietnamese(
    signed_in: Callable[..., Client], users: Users, description: str
) -> None:
    client = signed_in("team_member")
    response = client.post("/kho-khan/moi/", {"category": "devices", "title": "Máy hỏng", "description": description})
    assert response.status_code == 400
    assert "Hãy mô tả khó khăn" in response.content.decode()
    api = client.post(
        "/api/v1/difficulties",
        json.dumps({"category": "devices", "description": description}),
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["field"] == "description"
    assert "Hãy mô tả khó khăn" in api.json()["detail"]
    assert not Difficulty.objects.exists()


def test_the_api_raises_and_writes_in_the_thread(signed_in: Callable[..., Client], users: Users, tree: Tree) -> None:
    client = signed_in("commune_officer")
    response = client.post(
        "/api/v1/difficulties",
        {"category": "funding", "description": "Xã chưa có kinh phí mua thiết bị.", "title": "Kinh phí"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["handler_unit_id"] == tree.p1.pk and body["unit_id"] == tree.c1.pk and body["village_id"] is None
    message = signed_in("province_officer").post(
        f"/api/v1/difficulties/{body['id']}/messages", {"text": "Tỉnh đang tổng hợp."}, content_type="application/json"
    )
    assert message.status_code == 201 and message.json()["kind"] == "comment"
    listed = signed_in("province_officer").get("/api/v1/difficulties?status=open&to_me=true").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    bad = client.get("/api/v1/difficulties?status=nonsense")
    assert bad.status_code == 400


def test_a_national_admin_has_nowhere_to_raise_to(signed_in: Callable[..., Client], users: Users) -> None:
    assert signed_in("national_admin").get("/kho-khan/moi/").status_code == 403


def test_the_list_filters_and_pages(signed_in: Callable[..., Client], users: Users, tree: Tree) -> None:
    for n in range(23):
        raise_one(users.team_member, title=f"Khó khăn {n}")
    answered = raise_one(users.commune_officer, title="Đã trả lời")
    Difficulty.objects.filter(pk=answered.pk).update(status=Status.ANSWERED, category="funding")
    client = signed_in("province_officer")
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/kho-khan/")
    assert first.status_code == 200 and len(first.context["page"]) == 20
    assert len(queries) <= 12
    assert len(client.get("/kho-khan/?page=2").context["page"]) == 4
    assert [d.pk for d in client.get("/kho-khan/?status=answered").context["page"]] == [answered.pk]
    assert [d.pk for d in client.get("/kho-khan/?category=funding").context["page"]] == [answered.pk]
    assert client.get(f"/kho-khan/?unit={tree.c3.pk}").context["page"].paginator.count == 0
    assert client.get(f"/kho-khan/?unit={tree.c1.pk}").context["page"].paginator.count == 24


def test_dashboards_count_open_and_overdue_per_child(users: Users, tree: Tree) -> None:
    import datetime

    team = raise_one(users.team_member)
    commune = raise_one(users.commune_officer)
    done = raise_one(users.team_leader)
    Difficulty.objects.filter(pk=done.pk).update(status=Status.RESOLVED)
    Difficulty.objects.filter(pk=commune.pk).update(status=Status.ANSWERED)
    later = team.due_on + datetime.timedelta(days=1)
    province = open_difficulties(user=users.province_officer, unit=tree.p1, today=later)
    assert (province.total.open, province.total.waiting, province.total.overdue) == (2, 1, 1)
    assert set(province.by_child) == {tree.c1.pk}
    commune_view = open_difficulties(user=users.commune_officer, unit=tree.c1, today=later)
    assert commune_view.by_child[tree.v1.pk].overdue == 1 and commune_view.by_child[tree.c1.pk].open == 1
    assert open_difficulties(user=users.outsider, unit=tree.p1).total.open == 0
    assert open_difficulties(user=users.enterprise_partner, unit=tree.p1).total.open == 0
    assert DifficultyPhoto.objects.count() == 0
