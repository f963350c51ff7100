"""Accounts: who may create whom where, lockout after failed sign-ins, password change, the sign-in audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from cdtt.accounts import selectors, services
from cdtt.accounts.models import ApiToken, Role, RoleAssignment, User
from cdtt.core.errors import DomainError, Forbidden
from cdtt.core.models import AuditEvent
from conftest import PASSWORD, Tree, Users, make_user

NEW_PASSWORD = "một-mật-khẩu-mới-đủ-dài"
# django-axes keeps its failed attempts in the database, which every test rolls back: no reset needed.


def _create_form(tree: Tree, **fields: Any) -> dict[str, Any]:
    data = {
        "username": "can_bo_moi",
        "full_name": "Nguyễn Văn B",
        "phone": "",
        "password": PASSWORD,
        "role": Role.COMMUNE_OFFICER,
        "unit": tree.c2.pk,
        "village": "",
    }
    data.update(fields)
    return data


# -- creating accounts through the pages ----------------------------------------------------


def test_a_province_officer_creates_a_commune_officer_in_their_province(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    response = signed_in("province_officer").post("/tai-khoan/moi/", _create_form(tree, phone="+84 912.345.678"))
    assert response.status_code == 302
    created = User.objects.get(username="can_bo_moi")
    assert (created.full_name, created.phone, created.created_by) == (
        "Nguyễn Văn B",
        "0912345678",
        users.province_officer,
    )
    assert created.check_password(PASSWORD)
    assignment = RoleAssignment.objects.get(user=created)
    assert (assignment.role, assignment.unit, assignment.created_by) == (
        Role.COMMUNE_OFFICER,
        tree.c2,
        users.province_officer,
    )
    assert set(AuditEvent.objects.filter(target_id=str(created.pk)).values_list("action", flat=True)) == {
        "user.create",
        "role.grant",
    }


def test_a_province_officer_cannot_create_an_account_in_the_other_province(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    response = signed_in("province_officer").post("/tai-khoan/moi/", _create_form(tree, unit=tree.c3.pk))
    assert response.status_code in {400, 404}
    assert not User.objects.filter(username="can_bo_moi").exists()


def test_a_province_officer_cannot_create_an_officer_at_their_own_province(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    response = signed_in("province_officer").post(
        "/tai-khoan/moi/", _create_form(tree, role=Role.COMMUNE_OFFICER, unit=tree.p1.pk)
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="can_bo_moi").exists()
    response = signed_in("province_officer").post(
        "/tai-khoan/moi/", _create_form(tree, role=Role.PROVINCE_OFFICER, unit=tree.p1.pk)
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="can_bo_moi").exists()


def test_a_commune_officer_creates_a_team_leader_at_a_village_of_their_commune(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    response = signed_in("commune_officer").post(
        "/tai-khoan/moi/", _create_form(tree, role=Role.TEAM_LEADER, unit=tree.c1.pk, village=tree.v2.pk)
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="can_bo_moi")
    assert (assignment.role, assignment.unit, assignment.village) == (Role.TEAM_LEADER, tree.c1, tree.v2)


@pytest.mark.parametrize(
    ("role", "unit", "village"),
    [
        (Role.COMMUNE_OFFICER, "c1", None),  # not grantable by a commune officer
        (Role.TEAM_LEADER, "c1", None),  # a team role needs a village
        (Role.TEAM_LEADER, "c1", "v3"),  # a village of another commune
        (Role.TEAM_LEADER, "c2", "v3"),  # another commune
        (Role.PROVINCE_OFFICER, "p1", None),
    ],
)
def test_a_commune_officer_cannot_grant_above_or_beside_their_commune(
    signed_in: Callable[..., Client], tree: Tree, role: str, unit: str, village: str | None
) -> None:
    data = _create_form(
        tree, role=role, unit=getattr(tree, unit).pk, village=getattr(tree, village).pk if village else ""
    )
    response = signed_in("commune_officer").post("/tai-khoan/moi/", data)
    assert response.status_code in {400, 403, 404}
    assert not User.objects.filter(username="can_bo_moi").exists()


def test_the_form_offers_only_grantable_roles_and_units(signed_in: Callable[..., Client], tree: Tree) -> None:
    form = signed_in("commune_officer").get("/tai-khoan/moi/").context["form"]
    assert {value for value, _label in form.fields["role"].choices} == {Role.TEAM_LEADER, Role.TEAM_MEMBER, Role.LEADER}
    assert [int(value) for value, _label in form.fields["unit"].choices] == [tree.c1.pk]
    assert [value for value, _label in form.fields["village"].choices] == ["", str(tree.v1.pk), str(tree.v2.pk)]


@pytest.mark.parametrize("name", ["team_member", "team_leader", "enterprise_partner", "leader", "nobody"])
def test_roles_without_account_management_cannot_open_the_account_pages(
    signed_in: Callable[..., Client], tree: Tree, name: str
) -> None:
    client = signed_in(name)
    assert client.get("/tai-khoan/").status_code == 403
    assert client.get("/tai-khoan/moi/").status_code == 403


def test_a_duplicate_username_is_refused_whatever_the_case(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("province_officer").post("/tai-khoan/moi/", _create_form(tree, username="Commune_Officer"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"]


def test_a_weak_password_is_refused(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("province_officer").post("/tai-khoan/moi/", _create_form(tree, password="12345678"))
    assert response.status_code == 400
    assert not User.objects.filter(username="can_bo_moi").exists()


def test_a_bad_phone_number_is_refused(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("province_officer").post("/tai-khoan/moi/", _create_form(tree, phone="12345"))
    assert response.status_code == 400
    assert not User.objects.filter(username="can_bo_moi").exists()


# -- the services without any page ----------------------------------------------------------


def test_the_command_line_operator_creates_any_account(tree: Tree) -> None:
    user = services.user_create(
        actor=None, username="Admin2", full_name="Quản Trị", password=PASSWORD, role=Role.NATIONAL_ADMIN, unit=tree.vn
    )
    assert user.username == "admin2"
    event = AuditEvent.objects.get(action="user.create")
    assert (event.actor, event.actor_name) == (None, "manage.py")


@pytest.mark.parametrize(
    ("role", "unit", "village", "field"),
    [
        ("mayor", "c1", None, "role"),
        (Role.TEAM_MEMBER, "c1", None, "village"),
        (Role.TEAM_MEMBER, "c2", "v1", "village"),
        (Role.COMMUNE_OFFICER, "c1", "v1", "village"),
        (Role.COMMUNE_OFFICER, "p1", None, "unit"),
        (Role.PROVINCE_OFFICER, "c1", None, "unit"),
        (Role.NATIONAL_ADMIN, "p1", None, "unit"),
    ],
)
def test_a_role_is_held_only_at_its_kind_of_unit(
    tree: Tree, role: str, unit: str, village: str | None, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        services.user_create(
            actor=None,
            username="x",
            full_name="",
            password=PASSWORD,
            role=role,
            unit=getattr(tree, unit),
            village=getattr(tree, village) if village else None,
        )
    assert refused.value.field == field
    assert not User.objects.filter(username="x").exists()


def test_a_role_cannot_be_granted_at_a_legacy_unit(tree: Tree) -> None:
    from cdtt.geo.models import AdminUnit, UnitKind

    legacy = AdminUnit(
        code="00001",
        name="Phường Phúc Xá",
        short_name="Phúc Xá",
        kind=UnitKind.WARD,
        parent=tree.vn,
        valid_to="2025-06-30",
    )
    legacy.save()
    with pytest.raises(DomainError):
        services.role_grant(actor=None, user=make_user("x"), role=Role.COMMUNE_OFFICER, unit=legacy)


def test_a_commune_officer_may_not_grant_commune_officer(tree: Tree, users: Users) -> None:
    with pytest.raises(Forbidden):
        services.role_grant(actor=users.commune_officer, user=users.nobody, role=Role.COMMUNE_OFFICER, unit=tree.c1)
    assert not RoleAssignment.objects.filter(user=users.nobody).exists()


def test_granting_twice_changes_nothing(tree: Tree, users: Users) -> None:
    first = services.role_grant(
        actor=users.commune_officer, user=users.nobody, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2
    )
    second = services.role_grant(
        actor=users.commune_officer, user=users.nobody, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2
    )
    assert first.pk == second.pk
    assert AuditEvent.objects.filter(action="role.grant").count() == 1


def test_a_team_role_cannot_be_granted_at_a_retired_village(tree: Tree, users: Users) -> None:
    tree.v2.valid_to = tree.v2.valid_from
    tree.v2.save()
    with pytest.raises(DomainError):
        services.role_grant(
            actor=users.commune_officer, user=users.nobody, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2
        )


def test_an_officer_cannot_manage_an_account_that_also_holds_a_role_elsewhere(tree: Tree, users: Users) -> None:
    RoleAssignment.objects.create(user=users.team_member, role=Role.TEAM_MEMBER, unit=tree.c3, village=tree.v5)
    with pytest.raises(Forbidden):
        services.user_set_active(actor=users.commune_officer, user=users.team_member, active=False)
    users.team_member.refresh_from_db()
    assert users.team_member.is_active


def test_an_officer_cannot_lock_themselves(users: Users) -> None:
    with pytest.raises(DomainError):
        services.user_set_active(actor=users.commune_officer, user=users.commune_officer, active=False)


def test_locking_an_account_revokes_its_tokens(users: Users) -> None:
    services.token_create(user=users.team_member)
    services.user_set_active(actor=users.commune_officer, user=users.team_member, active=False)
    assert not ApiToken.objects.filter(user=users.team_member, revoked_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="user.deactivate", target_id=str(users.team_member.pk)).exists()


def test_an_officer_sets_a_new_password_and_it_is_audited(users: Users) -> None:
    services.user_set_password(actor=users.commune_officer, user=users.team_member, password=NEW_PASSWORD)
    assert User.objects.get(pk=users.team_member.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="user.password_reset", actor=users.commune_officer).exists()


def test_revoking_a_role_is_audited(users: Users, tree: Tree) -> None:
    RoleAssignment.objects.create(user=users.team_member, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2)
    assignment = RoleAssignment.objects.get(user=users.team_member, village=tree.v1)
    services.role_revoke(actor=users.commune_officer, assignment=assignment)
    assert list(RoleAssignment.objects.filter(user=users.team_member).values_list("village", flat=True)) == [tree.v2.pk]
    assert AuditEvent.objects.filter(action="role.revoke", target_id=str(users.team_member.pk)).exists()


def test_the_last_role_of_an_account_cannot_be_removed(users: Users) -> None:
    assignment = RoleAssignment.objects.get(user=users.team_member)
    with pytest.raises(DomainError):
        services.role_revoke(actor=users.commune_officer, assignment=assignment)
    assert RoleAssignment.objects.filter(user=users.team_member).exists()
    assert not AuditEvent.objects.filter(action="role.revoke").exists()


def test_the_grant_form_offers_one_unit_and_the_level_below(signed_in: Any, tree: Tree) -> None:
    client = signed_in("province_officer")
    form = client.get("/tai-khoan/moi/").context["form"]
    units = {int(pk) for pk, _label in form.fields["unit"].choices}
    assert units == {tree.p1.pk, tree.c1.pk, tree.c2.pk}
    assert form.fields["village"].choices == [("", "—")]  # villages appear once a commune is chosen

    form = client.get("/tai-khoan/moi/", {"unit": tree.c1.pk}).context["form"]
    assert {int(pk) for pk, _label in form.fields["unit"].choices} == {tree.c1.pk}
    assert {int(pk) for pk, _label in form.fields["village"].choices if pk} == {tree.v1.pk, tree.v2.pk}
    assert client.get("/tai-khoan/moi/", {"unit": tree.c3.pk}).status_code == 404
    assert client.get("/tai-khoan/", {"unit": tree.c3.pk}).status_code == 404


def test_the_account_list_narrows_to_a_unit(signed_in: Any, users: Users, tree: Tree) -> None:
    page = signed_in("province_officer").get("/tai-khoan/", {"unit": tree.c1.pk}).context["page"]
    names = {user.username for user in page}
    assert users.commune_officer.username in names
    assert users.team_member.username in names
    assert users.enterprise_partner.username not in names  # held at the province, not inside the commune


def test_a_commune_officer_cannot_revoke_the_role_of_a_peer(users: Users, tree: Tree) -> None:
    peer = make_user("peer")
    assignment = RoleAssignment.objects.create(user=peer, role=Role.COMMUNE_OFFICER, unit=tree.c1)
    with pytest.raises(Forbidden):
        services.role_revoke(actor=users.commune_officer, assignment=assignment)


# -- the account list -----------------------------------------------------------------------


def test_the_account_list_shows_the_accounts_of_the_officers_units(users: Users) -> None:
    listed = {u.username for u in selectors.user_list(user=users.commune_officer)}
    assert listed == {"commune_officer", "team_leader", "team_member"}
    listed = {u.username for u in selectors.user_list(user=users.province_officer)}
    assert listed == {
        "province_officer",
        "commune_officer",
        "team_leader",
        "team_member",
        "enterprise_partner",
        "leader",
    }


@pytest.mark.parametrize("q", ["nguyen van a", "NGUYỄN VĂN A", "Nguyễn", "van a"])
def test_the_account_search_ignores_diacritics(
    signed_in: Callable[..., Client], tree: Tree, users: Users, q: str
) -> None:
    services.user_create(
        actor=users.commune_officer,
        username="nva",
        full_name="Nguyễn Văn A",
        password=PASSWORD,
        role=Role.TEAM_MEMBER,
        unit=tree.c1,
        village=tree.v2,
    )
    response = signed_in("commune_officer").get("/tai-khoan/", {"q": q})
    assert [u.username for u in response.context["page"]] == ["nva"]


def test_the_account_list_takes_a_fixed_number_of_queries(
    signed_in: Callable[..., Client], tree: Tree, users: Users, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        user = make_user(f"to_vien_{n:02d}", f"Tổ Viên {n}")
        RoleAssignment.objects.create(user=user, role=Role.TEAM_MEMBER, unit=tree.c1, village=tree.v2)
        RoleAssignment.objects.create(user=user, role=Role.LEADER, unit=tree.c1)
    client = signed_in("province_officer")
    with django_assert_max_num_queries(7):  # +1: the unread-notices badge
        response = client.get("/tai-khoan/")
    assert len(response.context["page"]) == 26


def test_the_audit_page_shows_the_events_of_the_officers_units(
    signed_in: Callable[..., Client], tree: Tree, users: Users, django_assert_max_num_queries: Any
) -> None:
    from cdtt.geo import services as geo_services

    geo_services.village_create(actor=users.commune_officer, commune=tree.c1, name="Thôn Một")
    geo_services.village_create(actor=users.outsider, commune=tree.c3, name="Thôn Hai")
    client = signed_in("commune_officer")
    with django_assert_max_num_queries(7):  # +1: the unread-notices badge
        response = client.get("/nhat-ky/")
    actions = [(e.action, e.details.get("name")) for e in response.context["page"]]
    assert ("village.create", "Thôn Một") in actions
    assert ("village.create", "Thôn Hai") not in actions


# -- signing in -------------------------------------------------------------------------------


def _sign_in(client: Client, username: str, password: str) -> Any:
    return client.post("/dang-nhap/", {"username": username, "password": password})


def test_signing_in_and_out_is_audited(client: Client, users: Users) -> None:
    response = _sign_in(client, "Commune_Officer", PASSWORD)
    assert response.status_code == 302
    assert client.get("/ca-nhan/").status_code == 200
    client.post("/dang-xuat/")
    actions = list(AuditEvent.objects.filter(actor=users.commune_officer).values_list("action", flat=True))
    assert actions == ["auth.logout", "auth.login"]
    assert AuditEvent.objects.get(action="auth.login").ip_address == "127.0.0.1"


def test_a_failed_sign_in_is_audited_with_the_name_tried(client: Client, users: Users) -> None:
    response = _sign_in(client, "commune_officer", "sai-mật-khẩu")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert (event.actor, event.actor_name, event.ip_address) == (None, "commune_officer", "127.0.0.1")


def test_five_failed_sign_ins_lock_the_account_even_with_the_right_password(client: Client, users: Users) -> None:
    for _attempt in range(5):
        assert _sign_in(client, "commune_officer", "sai-mật-khẩu").status_code in {200, 429}
    response = _sign_in(client, "commune_officer", PASSWORD)
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    assert '<html lang="vi">' in response.content.decode()
    assert _("Sign-in temporarily locked") in response.content.decode()
    assert client.get("/ca-nhan/").status_code == 302  # still signed out
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_the_lockout_is_per_account(client: Client, users: Users) -> None:
    for _attempt in range(5):
        _sign_in(client, "commune_officer", "sai-mật-khẩu")
    assert _sign_in(client, "province_officer", PASSWORD).status_code == 302


def test_a_locked_account_cannot_sign_in(client: Client, users: Users) -> None:
    users.team_member.is_active = False
    users.team_member.save()
    assert _sign_in(client, "team_member", PASSWORD).status_code == 200
    assert client.get("/ca-nhan/").status_code == 302


# -- own account ------------------------------------------------------------------------------


def test_a_user_changes_their_password_and_it_is_audited(signed_in: Callable[..., Client], users: Users) -> None:
    client = signed_in("team_member")
    response = client.post(
        "/ca-nhan/mat-khau/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=users.team_member.pk).check_password(NEW_PASSWORD)
    assert client.get("/ca-nhan/").status_code == 200  # the session survives the change
    assert AuditEvent.objects.filter(action="user.password_change", actor=users.team_member).count() == 1


def test_a_wrong_old_password_changes_nothing(signed_in: Callable[..., Client], users: Users) -> None:
    response = signed_in("team_member").post(
        "/ca-nhan/mat-khau/", {"old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert User.objects.get(pk=users.team_member.pk).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="user.password_change").exists()


def test_the_profile_shows_a_new_token_once(signed_in: Callable[..., Client], users: Users) -> None:
    client = signed_in("team_member")
    client.post("/ca-nhan/ma-truy-cap/", {"name": "Điện thoại"})
    first = client.get("/ca-nhan/")
    assert first.context["new_token"].startswith("cdtt_")
    assert client.get("/ca-nhan/").context["new_token"] is None
