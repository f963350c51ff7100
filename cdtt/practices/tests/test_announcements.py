"""Announcements: who sends to whom, scope, read receipts (per unit and by name), pages and API."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.practices import announcements as service
from cdtt.practices.models import Announcement, Receipt
from conftest import Tree, Users, make_user

pytestmark = pytest.mark.django_db


@dataclass
class World:
    tree: Tree
    users: Users
    c2_officer: User  # commune officer of C2 (Hà Nội)
    v3_leader: User  # team leader in V3 of C2
    announcement: Announcement  # from P1 to C1 and C2: commune officers and team leaders


def _grant(username: str, role: str, unit: Any, village: Any = None) -> User:
    user = make_user(username, username.replace("_", " ").title())
    RoleAssignment.objects.create(user=user, role=role, unit=unit, village=village)
    return user


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    c2_officer = _grant("xa_soc_son", Role.COMMUNE_OFFICER, tree.c2)
    v3_leader = _grant("to_truong_dong_xuan", Role.TEAM_LEADER, tree.c2, tree.v3)
    announcement = service.announcement_send(
        actor=users.province_officer,
        sender=tree.p1,
        title="Tập huấn VNeID mức 2",
        body="Các xã cử Tổ trưởng dự tập huấn ngày 5/12.",
        unit_ids=[tree.c1.pk, tree.c2.pk],
        roles=[Role.COMMUNE_OFFICER, Role.TEAM_LEADER],
    )
    return World(tree, users, c2_officer, v3_leader, announcement)


def test_recipients_are_the_chosen_roles_of_the_chosen_units(world: World) -> None:
    users = world.users
    got = set(Receipt.objects.filter(announcement=world.announcement).values_list("user__username", flat=True))
    assert got == {users.commune_officer.username, users.team_leader.username, "xa_soc_son", "to_truong_dong_xuan"}
    assert world.announcement.recipients_count == 4
    assert AuditEvent.objects.filter(action="announcement.send", details__recipients=4).exists()


def test_a_user_with_two_matching_roles_gets_it_once(tree: Tree, users: Users) -> None:
    RoleAssignment.objects.create(user=users.team_leader, role=Role.TEAM_LEADER, unit=tree.c1, village=tree.v2)
    sent = service.announcement_send(
        actor=users.province_officer,
        sender=tree.p1,
        title="Họp",
        body="Họp giao ban.",
        unit_ids=[tree.p1.pk],
        roles=[Role.TEAM_LEADER],
    )
    assert list(Receipt.objects.filter(announcement=sent).values_list("user_id", flat=True)) == [users.team_leader.pk]


def test_the_ministry_sends_to_every_province(tree: Tree, users: Users) -> None:
    sent = service.announcement_send(
        actor=users.national_admin,
        sender=tree.vn,
        title="Công văn của Bộ",
        body="Nội dung.",
        unit_ids=[tree.vn.pk],
        roles=[Role.COMMUNE_OFFICER],
    )
    got = set(Receipt.objects.filter(announcement=sent).values_list("user__username", flat=True))
    assert got == {users.commune_officer.username, users.outsider.username}


@pytest.mark.parametrize(
    ("who", "sender", "units", "error"),
    [
        ("province_officer", "p1", ["c3"], DomainError),  # another province's commune
        ("province_officer", "p1", ["c1", "p2"], DomainError),
        ("province_officer", "p2", ["c3"], NotFound),  # not the officer's own unit
        ("province_officer", "vn", ["p1"], NotFound),
        ("commune_officer", "c1", ["c1"], Forbidden),
        ("team_leader", "c1", ["c1"], Forbidden),
        ("leader", "p1", ["c1"], Forbidden),
        ("enterprise_partner", "p1", ["c1"], Forbidden),
        ("nobody", "p1", ["c1"], Forbidden),
    ],
)
def test_sending_outside_ones_scope_is_refused_and_sends_nothing(
    tree: Tree, users: Users, who: str, sender: str, units: list[str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        service.announcement_send(
            actor=users.get(who),
            sender=getattr(tree, sender),
            title="Ngoài phạm vi",
            body="Không được gửi.",
            unit_ids=[getattr(tree, u).pk for u in units],
            roles=[Role.COMMUNE_OFFICER],
        )
    assert not Announcement.objects.exists() and not Receipt.objects.exists()


def test_outside_message_is_vietnamese(tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError, match="Bạn chỉ được gửi thông báo trong phạm vi Thành phố Hà Nội: Phường Sài Gòn"):
        service.announcement_send(
            actor=users.province_officer,
            sender=tree.p1,
            title="x",
            body="y",
            unit_ids=[tree.c3.pk],
            roles=[Role.TEAM_MEMBER],
        )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "Hãy nhập tiêu đề."),
        ("body", "", "Hãy nhập nội dung thông báo."),
        ("roles", [], "Hãy chọn ít nhất một vai trò"),
        ("roles", ["king"], "Hãy chọn vai trò trong danh sách."),
        ("unit_ids", [], "Hãy chọn ít nhất một đơn vị"),
    ],
)
def test_bad_input_is_refused_in_vietnamese(tree: Tree, users: Users, field: str, value: Any, message: str) -> None:
    data: dict[str, Any] = {
        "title": "Tiêu đề",
        "body": "Nội dung",
        "unit_ids": [tree.c1.pk],
        "roles": [Role.TEAM_LEADER],
    }
    data[field] = value
    with pytest.raises(DomainError, match=message):
        service.announcement_send(actor=users.province_officer, sender=tree.p1, **data)
    assert not Announcement.objects.exists()


# -- read receipts ----------------------------------------------------------------------------------------


def test_opening_marks_read_and_the_sender_sees_who_has_read(
    world: World, signed_in: Callable[..., Client], client: Client
) -> None:
    url = f"/thong-bao-chi-dao/{world.announcement.pk}/"
    home = signed_in("team_leader").get("/")
    assert "Tập huấn VNeID mức 2" in home.content.decode()  # on the home page while unread
    assert signed_in("team_leader").get(url).status_code == 200
    client.force_login(world.c2_officer)
    assert client.get(url).status_code == 200
    client.get(url)  # a second opening keeps the first reading time
    assert Receipt.objects.filter(read_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="announcement.read").count() == 2
    assert "Tập huấn VNeID mức 2" not in signed_in("team_leader").get("/").content.decode()

    counts = {c.unit.code: (c.total, c.read, c.unread) for c in service.receipt_counts(world.announcement)}
    assert counts == {world.tree.c1.code: (2, 1, 1), world.tree.c2.code: (2, 1, 1)}
    unread = [r.user.username for r in service.receipt_list(world.announcement, state="unread")]
    assert sorted(unread) == sorted([world.users.commune_officer.username, "to_truong_dong_xuan"])

    page = signed_in("province_officer").get(url + "?state=unread")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Đã đọc: 2 / 4 người nhận" in text
    assert "To Truong Dong Xuan" in text and "Cán bộ Xã" in text and "Xa Soc Son" not in text
    assert not Receipt.objects.filter(user=world.users.province_officer).exists()  # the sender is no recipient
    # The Ministry (above the sender) sees the receipts too.
    assert "Đã đọc: 2 / 4" in signed_in("national_admin").get(url).content.decode()


def test_a_recipient_does_not_see_the_receipts(world: World, signed_in: Callable[..., Client]) -> None:
    page = signed_in("commune_officer").get(f"/thong-bao-chi-dao/{world.announcement.pk}/")
    assert page.status_code == 200 and "Tình hình đọc" not in page.content.decode()


def test_the_receipts_are_paginated(tree: Tree, users: Users, signed_in: Callable[..., Client]) -> None:
    for n in range(60):
        _grant(f"to_vien_{n:02}", Role.TEAM_MEMBER, tree.c1, tree.v1 if n % 2 else tree.v2)
    sent = service.announcement_send(
        actor=users.province_officer,
        sender=tree.p1,
        title="Nhắc việc",
        body="Cập nhật hộ.",
        unit_ids=[tree.c1.pk],
        roles=[Role.TEAM_MEMBER],
    )
    assert sent.recipients_count == 61
    client = signed_in("province_officer")
    first = client.get(f"/thong-bao-chi-dao/{sent.pk}/")
    assert len(first.context["people"]) == 50
    assert len(client.get(f"/thong-bao-chi-dao/{sent.pk}/?page=2").context["people"]) == 11
    api = client.get(f"/api/v1/announcements/{sent.pk}/receipts?page=2").json()
    assert (api["recipients"], api["read"], api["pages"], len(api["people"])) == (61, 0, 2, 11)


# -- scope of the pages and endpoints -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "wrong", "right", "ok", "other"),
    [
        ("get", "/thong-bao-chi-dao/", None, "enterprise_partner", 200, None),
        ("get", "/thong-bao-chi-dao/da-gui/", "commune_officer", "province_officer", 200, None),
        ("get", "/thong-bao-chi-dao/moi/", "commune_officer", "province_officer", 200, None),
        ("get", "/thong-bao-chi-dao/{id}/", None, "team_leader", 200, "team_member"),  # not a chosen role
        ("get", "/thong-bao-chi-dao/{id}/", None, "province_officer", 200, "outsider"),
        ("post", "/thong-bao-chi-dao/{id}/da-doc/", None, "commune_officer", 302, "leader"),
    ],
)
def test_pages_scope(
    world: World,
    client: Client,
    signed_in: Callable[..., Client],
    method: str,
    url: str,
    wrong: str | None,
    right: str,
    ok: int,
    other: str | None,
) -> None:
    url = url.replace("{id}", str(world.announcement.pk))
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
    for name in ["nobody", *([wrong] if wrong else [])]:
        assert getattr(signed_in(name), method)(url).status_code == 403, name
    if other:
        assert getattr(signed_in(other), method)(url).status_code == 404
    assert getattr(signed_in(right), method)(url).status_code == ok


def test_sending_from_the_page(world: World, signed_in: Callable[..., Client]) -> None:
    tree = world.tree
    client = signed_in("province_officer")
    form = client.get("/thong-bao-chi-dao/moi/")
    assert "Phường Ba Đình" in form.content.decode() and "Phường Sài Gòn" not in form.content.decode()
    response = client.post(
        "/thong-bao-chi-dao/moi/",
        {"title": "Lịch trực", "body": "Trực cuối tuần.", "units": [str(tree.c1.pk)], "roles": ["team_member"]},
    )
    sent = Announcement.objects.get(title="Lịch trực")
    assert response.status_code == 302 and response["Location"] == f"/thong-bao-chi-dao/{sent.pk}/"
    assert list(sent.receipts.values_list("user__username", flat=True)) == [world.users.team_member.username]
    refused = client.post(
        "/thong-bao-chi-dao/moi/",
        {"title": "Sai", "body": "Sai.", "units": [str(tree.c3.pk)], "roles": ["team_member"]},
    )
    assert refused.status_code == 200 and not Announcement.objects.filter(title="Sai").exists()


def _api(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.generic(method.upper(), url, json.dumps(body or {}), content_type="application/json")


def test_the_api(world: World, client: Client, signed_in: Callable[..., Client]) -> None:
    tree, pk = world.tree, world.announcement.pk
    assert _api(client, "get", "/api/v1/announcements").status_code == 401
    assert _api(signed_in("nobody"), "get", "/api/v1/announcements").status_code == 403

    leader = signed_in("team_leader")
    listed = _api(leader, "get", "/api/v1/announcements?unread=true").json()
    assert [a["id"] for a in listed] == [pk] and listed[0]["read_at"] is None
    opened = _api(leader, "get", f"/api/v1/announcements/{pk}").json()
    assert opened["read_at"] is not None
    assert _api(leader, "get", "/api/v1/announcements?unread=true").json() == []
    assert _api(leader, "get", f"/api/v1/announcements/{pk}/receipts").status_code == 403
    assert _api(signed_in("team_member"), "get", f"/api/v1/announcements/{pk}").status_code == 404
    assert _api(signed_in("outsider"), "get", f"/api/v1/announcements/{pk}").status_code == 404

    receipts = _api(signed_in("province_officer"), "get", f"/api/v1/announcements/{pk}/receipts?state=read").json()
    assert (receipts["recipients"], receipts["read"]) == (4, 1)
    assert [p["user_id"] for p in receipts["people"]] == [world.users.team_leader.pk]

    body = {"title": "Qua API", "body": "Nội dung.", "units": [tree.c2.pk], "roles": ["team_leader"]}
    assert _api(signed_in("commune_officer"), "post", "/api/v1/announcements", body).status_code == 403
    sent = _api(signed_in("province_officer"), "post", "/api/v1/announcements", body).json()
    assert sent["recipients"] == 1
    outside = _api(signed_in("province_officer"), "post", "/api/v1/announcements", {**body, "units": [tree.c3.pk]})
    assert outside.status_code == 400 and "nằm ngoài phạm vi" in outside.json()["detail"]
    assert Announcement.objects.count() == 2


def test_recipients_get_a_notice_that_reading_clears(world: World, signed_in: Callable[..., Client]) -> None:
    from cdtt.notices.models import Notification

    notices = Notification.objects.filter(kind="announcement", url=f"/thong-bao-chi-dao/{world.announcement.pk}/")
    assert notices.count() == 4 and "Tập huấn VNeID mức 2" in notices.first().title  # type: ignore[union-attr]
    signed_in("team_leader").get(f"/thong-bao-chi-dao/{world.announcement.pk}/")
    assert notices.get(recipient=world.users.team_leader).read_at is not None
    assert notices.filter(read_at__isnull=True).count() == 3
