"""The access matrix: anonymous refused, wrong role 403, other unit 404, right user works, for every endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from cdtt.access.decorators import ACCESS_ATTR
from cdtt.access.tests.urlwalk import fill, ninja_path_view, walk
from cdtt.accounts.models import ApiToken, Role, RoleAssignment
from cdtt.accounts.services import token_create
from cdtt.geo.models import Village
from conftest import PASSWORD, Tree, Users

# Access decisions: the decorators and access.scope settle them; the SQLite pass leaves them to PostgreSQL.
pytestmark = pytest.mark.dbneutral

ROUTES = list(walk(get_resolver().url_patterns))
HTML_ROUTES = [(route, getattr(cb, ACCESS_ATTR)[0]) for route, cb in ROUTES if hasattr(cb, ACCESS_ATTR)]
API_OPERATIONS = [
    (route, method, getattr(op.view_func, ACCESS_ATTR)[0])
    for route, cb in ROUTES
    if (view := ninja_path_view(cb)) is not None
    for op in view.operations
    for method in op.methods
]


def _values(tree: Tree, users: Users) -> dict[str, Any]:
    """Ids for every URL parameter: objects that exist, inside the commune officer's commune."""
    assignment = RoleAssignment.objects.get(user=users.team_member)
    token, _raw = token_create(user=users.team_member)
    return {
        "unit_id": tree.c1.pk,
        "village_id": tree.v1.pk,
        "user_id": users.team_member.pk,
        "assignment_id": assignment.pk,
        "token_id": token.pk,
    }


# -- every route, found by walking the URL map ---------------------------------------------------


@pytest.mark.parametrize(("route", "kind"), [r for r in HTML_ROUTES if r[1] != "public"], ids=lambda v: str(v))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in_from_every_page(
    client: Client, tree: Tree, users: Users, route: str, kind: str, method: str
) -> None:
    url = fill(route, _values(tree, users))
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("route", [r for r, kind in HTML_ROUTES if kind == "scoped"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_without_a_role_is_refused_every_scoped_page(
    signed_in: Callable[..., Client], tree: Tree, users: Users, route: str, method: str
) -> None:
    url = fill(route, _values(tree, users))
    response = getattr(signed_in("nobody"), method)(url)
    assert response.status_code == 403
    assert "web/error.html" in [t.name for t in response.templates]


@pytest.mark.parametrize(("route", "method"), [(r, m) for r, m, kind in API_OPERATIONS if kind != "public"])
def test_anonymous_gets_401_from_every_api_endpoint(
    client: Client, tree: Tree, users: Users, route: str, method: str
) -> None:
    response = client.generic(method, fill(route, _values(tree, users)), "{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize(("route", "method"), [(r, m) for r, m, kind in API_OPERATIONS if kind != "public"])
def test_a_user_without_a_role_gets_403_from_every_api_endpoint(
    signed_in: Callable[..., Client], tree: Tree, users: Users, route: str, method: str
) -> None:
    # A body every endpoint's schema accepts, so that the role check (not validation) answers.
    body = json.dumps(
        {
            "commune_id": tree.c1.pk,
            "name": "Thôn Mới",
            "on": "2025-08-01",
            "kind": "year",
            "year": 2026,
            "indicator": "vneid_level2",
            "period_id": 1,
            "value": 1,
            "method": "even",
            "uuid": "8f1c6a52-3b7e-4a0e-9a51-2f6f4d1c9e10",
            "occurred_on": "2026-01-01",
            "version": 1,
            "title": "Tập huấn VNeID",
            "unit_id": tree.p1.pk,
            "organiser": "province",
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-31",
            "starts_at": "2026-01-05T08:00:00",
            "unit_ids": [tree.c1.pk],
            "rows": [],
        }
    )
    url = fill(route, _values(tree, users))
    response = signed_in("nobody").generic(method, url, body, content_type="application/json")
    assert response.status_code == 403


def test_the_walk_found_the_api_operations() -> None:
    assert {(r, m) for r, m, _ in API_OPERATIONS} >= {
        ("api/v1/auth/token", "POST"),
        ("api/v1/me", "GET"),
        ("api/v1/units", "GET"),
        ("api/v1/units/<unit_id>", "GET"),
        ("api/v1/villages/<village_id>", "GET"),
        ("api/v1/villages", "POST"),
        ("api/v1/villages/<village_id>", "PATCH"),
        ("api/v1/villages/<village_id>/retire", "POST"),
    }


@pytest.mark.parametrize("url", ["/", "/healthz", "/dang-nhap/"])
def test_public_pages_open_to_anonymous_visitors(client: Client, db: None, url: str) -> None:
    response = client.get(url)
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert response["Location"] == "/dang-nhap/"


# -- each endpoint: wrong role 403, other unit 404, right user works -----------------------------


@dataclass(frozen=True)
class Case:
    """One endpoint; ``url``/``other`` take (tree, users) and give a URL inside C1 / inside P2."""

    name: str
    method: str
    url: Callable[[Tree, Users], str]
    wrong_role: str | None
    right_user: str
    ok: int
    other: Callable[[Tree, Users], str] | None = None
    data: Callable[[Tree, Users], dict[str, Any]] = field(default=lambda t, u: {})
    api: bool = False
    check: Callable[[Tree, Users], bool] | None = None  # the write really happened


def _member_assignment(tree: Tree, users: Users) -> int:
    """The team member's grant at V2, a second role (the last role of an account cannot be removed)."""
    extra, _created = RoleAssignment.objects.get_or_create(
        user=users.team_member, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2
    )
    return extra.pk


def _outsider_assignment(tree: Tree, users: Users) -> int:
    return RoleAssignment.objects.get(user=users.outsider).pk


HTML_CASES = [
    Case("browse", "get", lambda t, u: "/don-vi/", "nobody", "team_member", 200),
    Case(
        "unit",
        "get",
        lambda t, u: f"/don-vi/{t.c1.pk}/",
        "nobody",
        "commune_officer",
        200,
        other=lambda t, u: f"/don-vi/{t.c3.pk}/",
    ),
    Case(
        "unit for a team member",
        "get",
        lambda t, u: f"/don-vi/{t.c1.pk}/",
        "nobody",
        "team_member",
        200,
        other=lambda t, u: f"/don-vi/{t.c2.pk}/",
    ),
    Case(
        "village create form",
        "get",
        lambda t, u: f"/don-vi/{t.c1.pk}/thon/moi/",
        "team_leader",
        "commune_officer",
        200,
        other=lambda t, u: f"/don-vi/{t.c3.pk}/thon/moi/",
    ),
    Case(
        "village create",
        "post",
        lambda t, u: f"/don-vi/{t.c1.pk}/thon/moi/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/don-vi/{t.c3.pk}/thon/moi/",
        data=lambda t, u: {"name": "Thôn Mới", "kind": "thon", "code": ""},
        check=lambda t, u: Village.objects.filter(commune=t.c1, name="Thôn Mới").exists(),
    ),
    Case(
        "village",
        "get",
        lambda t, u: f"/don-vi/thon/{t.v1.pk}/",
        "nobody",
        "team_member",
        200,
        other=lambda t, u: f"/don-vi/thon/{t.v2.pk}/",
    ),
    Case(
        "village edit form",
        "get",
        lambda t, u: f"/don-vi/thon/{t.v1.pk}/sua/",
        "team_leader",
        "commune_officer",
        200,
        other=lambda t, u: f"/don-vi/thon/{t.v5.pk}/sua/",
    ),
    Case(
        "village edit",
        "post",
        lambda t, u: f"/don-vi/thon/{t.v1.pk}/sua/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/don-vi/thon/{t.v5.pk}/sua/",
        data=lambda t, u: {"name": "Tổ dân phố số 1A", "kind": "to_dan_pho"},
        check=lambda t, u: Village.objects.get(pk=t.v1.pk).name == "Tổ dân phố số 1A",
    ),
    Case(
        "village retire",
        "post",
        lambda t, u: f"/don-vi/thon/{t.v2.pk}/ngung/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/don-vi/thon/{t.v5.pk}/ngung/",
        data=lambda t, u: {"on": "2025-08-01"},
        check=lambda t, u: Village.objects.get(pk=t.v2.pk).valid_to is not None,
    ),
    Case("account list", "get", lambda t, u: "/tai-khoan/", "team_leader", "commune_officer", 200),
    Case("account create form", "get", lambda t, u: "/tai-khoan/moi/", "team_leader", "commune_officer", 200),
    Case(
        "account create",
        "post",
        lambda t, u: "/tai-khoan/moi/",
        "team_leader",
        "commune_officer",
        302,
        data=lambda t, u: {
            "username": "to_truong_moi",
            "full_name": "Nguyễn Văn B",
            "phone": "",
            "password": PASSWORD,
            "role": Role.TEAM_LEADER,
            "unit": t.c1.pk,
            "village": t.v2.pk,
        },
        check=lambda t, u: RoleAssignment.objects.filter(user__username="to_truong_moi", village=t.v2).exists(),
    ),
    Case(
        "account",
        "get",
        lambda t, u: f"/tai-khoan/{u.team_member.pk}/",
        "team_leader",
        "commune_officer",
        200,
        other=lambda t, u: f"/tai-khoan/{u.outsider.pk}/",
    ),
    Case(
        "account grant",
        "post",
        lambda t, u: f"/tai-khoan/{u.team_member.pk}/cap-quyen/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/tai-khoan/{u.outsider.pk}/cap-quyen/",
        data=lambda t, u: {"role": Role.TEAM_LEADER, "unit": t.c1.pk, "village": t.v1.pk},
        check=lambda t, u: RoleAssignment.objects.filter(user=u.team_member, role=Role.TEAM_LEADER).exists(),
    ),
    Case(
        "account revoke",
        "post",
        lambda t, u: f"/tai-khoan/{u.team_member.pk}/vai-tro/{_member_assignment(t, u)}/thu-hoi/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/tai-khoan/{u.outsider.pk}/vai-tro/{_outsider_assignment(t, u)}/thu-hoi/",
        check=lambda t, u: not RoleAssignment.objects.filter(user=u.team_member, village=t.v2).exists(),
    ),
    Case(
        "account lock",
        "post",
        lambda t, u: f"/tai-khoan/{u.team_member.pk}/trang-thai/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/tai-khoan/{u.outsider.pk}/trang-thai/",
        data=lambda t, u: {"active": "0"},
        check=lambda t, u: not type(u.team_member).objects.get(pk=u.team_member.pk).is_active,
    ),
    Case(
        "account password",
        "post",
        lambda t, u: f"/tai-khoan/{u.team_member.pk}/mat-khau/",
        "team_leader",
        "commune_officer",
        302,
        other=lambda t, u: f"/tai-khoan/{u.outsider.pk}/mat-khau/",
        data=lambda t, u: {"password": "một-mật-khẩu-mới-dài"},
        check=lambda t, u: type(u.team_member).objects.get(pk=u.team_member.pk).check_password("một-mật-khẩu-mới-dài"),
    ),
    Case("audit", "get", lambda t, u: "/nhat-ky/", "team_member", "commune_officer", 200),
    Case("profile", "get", lambda t, u: "/ca-nhan/", None, "nobody", 200),
    Case("password change form", "get", lambda t, u: "/ca-nhan/mat-khau/", None, "team_member", 200),
    Case(
        "token create",
        "post",
        lambda t, u: "/ca-nhan/ma-truy-cap/",
        None,
        "team_member",
        302,
        data=lambda t, u: {"name": "Máy tính bảng"},
        check=lambda t, u: ApiToken.objects.filter(user=u.team_member, name="Máy tính bảng").exists(),
    ),
    Case(
        "token revoke",
        "post",
        lambda t, u: f"/ca-nhan/ma-truy-cap/{token_create(user=u.team_member)[0].pk}/thu-hoi/",
        None,
        "team_member",
        302,
        other=lambda t, u: f"/ca-nhan/ma-truy-cap/{token_create(user=u.outsider)[0].pk}/thu-hoi/",
        check=lambda t, u: not ApiToken.objects.filter(user=u.team_member, revoked_at__isnull=True).exists(),
    ),
]

API_CASES = [
    Case("api me", "get", lambda t, u: "/api/v1/me", "nobody", "team_member", 200, api=True),
    Case("api search", "get", lambda t, u: "/api/v1/units?q=ba", "nobody", "team_member", 200, api=True),
    Case(
        "api unit",
        "get",
        lambda t, u: f"/api/v1/units/{t.c1.pk}",
        "nobody",
        "commune_officer",
        200,
        other=lambda t, u: f"/api/v1/units/{t.c3.pk}",
        api=True,
    ),
    Case(
        "api village",
        "get",
        lambda t, u: f"/api/v1/villages/{t.v1.pk}",
        "nobody",
        "team_member",
        200,
        other=lambda t, u: f"/api/v1/villages/{t.v2.pk}",
        api=True,
    ),
    Case(
        "api village create",
        "post",
        lambda t, u: "/api/v1/villages",
        "team_leader",
        "commune_officer",
        201,
        data=lambda t, u: {"commune_id": t.c1.pk, "name": "Thôn Mới"},
        api=True,
        check=lambda t, u: Village.objects.filter(commune=t.c1, name="Thôn Mới").exists(),
    ),
    Case(
        "api village rename",
        "patch",
        lambda t, u: f"/api/v1/villages/{t.v1.pk}",
        "team_leader",
        "commune_officer",
        200,
        other=lambda t, u: f"/api/v1/villages/{t.v5.pk}",
        data=lambda t, u: {"name": "Tổ dân phố Mới"},
        api=True,
        check=lambda t, u: Village.objects.get(pk=t.v1.pk).name == "Tổ dân phố Mới",
    ),
    Case(
        "api village retire",
        "post",
        lambda t, u: f"/api/v1/villages/{t.v2.pk}/retire",
        "team_leader",
        "commune_officer",
        200,
        other=lambda t, u: f"/api/v1/villages/{t.v5.pk}/retire",
        data=lambda t, u: {"on": "2025-08-01"},
        api=True,
        check=lambda t, u: Village.objects.get(pk=t.v2.pk).valid_to is not None,
    ),
]
OTHER_UNIT_API_POSTS = [
    Case(
        "api village create elsewhere",
        "post",
        lambda t, u: "/api/v1/villages",
        "team_leader",
        "commune_officer",
        404,
        data=lambda t, u: {"commune_id": t.c3.pk, "name": "Thôn Mới"},
        api=True,
    ),
]

ALL_CASES = HTML_CASES + API_CASES + OTHER_UNIT_API_POSTS


def _send(client: Client, case: Case, url: str, tree: Tree, users: Users) -> Any:
    data = case.data(tree, users)
    if case.api:
        body = json.dumps(data) if case.method != "get" else ""
        return client.generic(case.method.upper(), url, body, content_type="application/json")
    return getattr(client, case.method)(url, data)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_anonymous_is_refused(client: Client, tree: Tree, users: Users, case: Case) -> None:
    response = _send(client, case, case.url(tree, users), tree, users)
    if case.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/dang-nhap/")
    if case.check is not None:
        assert not case.check(tree, users)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.wrong_role], ids=lambda c: c.name)
def test_a_role_without_the_permission_gets_403(
    signed_in: Callable[..., Client], tree: Tree, users: Users, case: Case
) -> None:
    assert case.wrong_role is not None
    response = _send(signed_in(case.wrong_role), case, case.url(tree, users), tree, users)
    assert response.status_code == 403
    if case.check is not None:
        assert not case.check(tree, users)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.other], ids=lambda c: c.name)
def test_an_object_of_another_unit_gives_404(
    signed_in: Callable[..., Client], tree: Tree, users: Users, case: Case
) -> None:
    assert case.other is not None
    response = _send(signed_in(case.right_user), case, case.other(tree, users), tree, users)
    assert response.status_code == 404


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_the_right_user_is_served(signed_in: Callable[..., Client], tree: Tree, users: Users, case: Case) -> None:
    response = _send(signed_in(case.right_user), case, case.url(tree, users), tree, users)
    assert response.status_code == case.ok, response.content[:500]
    if case.check is not None:
        assert case.check(tree, users)


@pytest.mark.parametrize("name", ["province_officer", "national_admin"])
def test_officers_above_reach_the_commune_too(signed_in: Callable[..., Client], tree: Tree, name: str) -> None:
    client = signed_in(name)
    assert client.get(f"/don-vi/{tree.c1.pk}/").status_code == 200
    assert client.get(f"/don-vi/thon/{tree.v1.pk}/sua/").status_code == 200
    assert client.get(f"/api/v1/villages/{tree.v1.pk}").status_code == 200


def test_a_province_officer_gets_404_in_the_other_province(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("province_officer")
    assert client.get(f"/don-vi/{tree.p2.pk}/").status_code == 404
    assert client.get(f"/don-vi/thon/{tree.v7.pk}/sua/").status_code == 404
    assert client.get(f"/api/v1/units/{tree.c4.pk}").status_code == 404


def _main(response: Any) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_missing_and_foreign_objects_give_the_same_404(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("commune_officer")
    foreign = client.get(f"/don-vi/thon/{tree.v5.pk}/")
    missing = client.get("/don-vi/thon/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert _main(foreign) == _main(missing)
    foreign_api = client.get(f"/api/v1/villages/{tree.v5.pk}")
    missing_api = client.get("/api/v1/villages/999999")
    assert foreign_api.status_code == missing_api.status_code == 404
    assert foreign_api.json() == missing_api.json()
