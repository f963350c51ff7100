"""The JSON API: tokens, the caller, the OpenAPI description and docs, the health check."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils.translation import gettext as _

from cdtt.accounts.models import ApiToken
from cdtt.core.models import AuditEvent
from conftest import PASSWORD, Tree, Users


def _token(client: Client, username: str = "team_member", password: str = PASSWORD, **extra: Any) -> Any:
    body = {"username": username, "password": password, **extra}
    return client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_good_credentials_return_a_token_that_works_as_bearer(client: Client, tree: Tree, users: Users) -> None:
    response = _token(client, name="Trung tâm điều hành")
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("cdtt_")
    assert (body["token_type"], body["name"]) == ("Bearer", "Trung tâm điều hành")
    token = ApiToken.objects.get(user=users.team_member)
    assert token.key_hash != body["token"]  # only the hash is kept
    assert body["token"] not in json.dumps(list(AuditEvent.objects.values("details")))
    me = Client().get("/api/v1/me", headers=_bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "team_member"
    assert me.json()["roles"] == [
        {
            "role": "team_member",
            "unit_id": tree.c1.pk,
            "unit": "Phường Ba Đình",
            "village_id": tree.v1.pk,
            "village": "Tổ dân phố số 1",
        }
    ]
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_bad_credentials_get_401_with_a_message(client: Client, users: Users) -> None:
    response = _token(client, password="sai-mật-khẩu")
    assert response.status_code == 401
    assert response.json() == {"detail": _("Wrong username or password.")}
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_name="team_member").exists()


def test_the_username_is_not_case_sensitive(client: Client, users: Users) -> None:
    assert _token(client, username=" Team_Member ").status_code == 200


def test_a_locked_account_gets_no_token(client: Client, users: Users) -> None:
    users.team_member.is_active = False
    users.team_member.save()
    assert _token(client).status_code == 401


def test_repeated_bad_credentials_lock_the_token_endpoint_too(client: Client, users: Users) -> None:
    for _attempt in range(5):
        _token(client, password="sai-mật-khẩu")
    response = _token(client)
    assert response.status_code == 429
    message = _("Too many failed sign-ins for this account or from this network. Wait %(minutes)s minutes.")
    assert response.json() == {"detail": message % {"minutes": 15}}
    assert not ApiToken.objects.exists()


def test_a_revoked_token_gets_401(signed_in: Callable[..., Client], users: Users) -> None:
    raw = _token(Client()).json()["token"]
    token = ApiToken.objects.get(user=users.team_member)
    profile = signed_in("team_member")
    assert profile.post(f"/ca-nhan/ma-truy-cap/{token.pk}/thu-hoi/").status_code == 302
    response = Client().get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 401
    assert response.json()["detail"]
    assert AuditEvent.objects.filter(action="token.revoke", target_id=str(token.pk)).exists()


def test_a_token_stops_working_when_the_account_is_locked(users: Users) -> None:
    raw = _token(Client()).json()["token"]
    users.team_member.is_active = False
    users.team_member.save()
    assert Client().get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_a_made_up_token_gets_401(db: None) -> None:
    for header in ["Bearer cdtt_made-up", "Bearer something", "Basic dGVzdDp0ZXN0"]:
        assert Client().get("/api/v1/me", headers={"Authorization": header}).status_code == 401


def test_a_bearer_token_needs_no_csrf_token_for_writes(tree: Tree, users: Users) -> None:
    raw = _token(Client(), username="commune_officer").json()["token"]
    client = Client(enforce_csrf_checks=True)
    body = json.dumps({"commune_id": tree.c1.pk, "name": "Thôn Mới"})
    response = client.post("/api/v1/villages", body, content_type="application/json", headers=_bearer(raw))
    assert response.status_code == 201


def test_a_session_write_to_the_api_needs_the_csrf_token(users: Users, tree: Tree) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.commune_officer)
    body = json.dumps({"commune_id": tree.c1.pk, "name": "Thôn Mới"})
    response = client.post("/api/v1/villages", body, content_type="application/json")
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="village.create").exists()


def test_the_openapi_description_lists_every_path(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert set(spec["paths"]) >= {
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/villages",
        "/api/v1/villages/{village_id}",
        "/api/v1/villages/{village_id}/retire",
    }
    create = spec["paths"]["/api/v1/villages"]["post"]
    assert "requestBody" in create  # the payload is a JSON body, not query parameters
    assert not [p for p in create.get("parameters", []) if p["in"] == "query"]
    assert "security" not in spec["paths"]["/api/v1/auth/token"]["post"]
    assert spec["paths"]["/api/v1/me"]["get"]["security"]


def test_the_docs_page_loads_without_a_cdn(db: None, signed_in: Callable[..., Client]) -> None:
    for client in [Client(), signed_in("team_member")]:
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        html = response.content.decode().lower()
        assert "cdn" not in html
        assert "/static/ninja/swagger-ui-bundle.js" in html


def test_the_health_check_answers_ok(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_every_api_schema_has_its_own_name_in_the_openapi_description() -> None:
    """The OpenAPI components are keyed by class name: two schemas of one name silently became one.

    Found by the fuzzer: the dashboard's coverage was described with training's CoverageOut (so every dashboard
    answer "violated" its schema), the catalogue's adoption items with the households' ones and a practice's
    return comment with a report's (which needs a version).
    """
    from ninja import Schema

    import config.urls  # noqa: F401 - imports every router, so every schema class exists

    def subclasses(cls: type) -> list[type]:
        found: list[type] = []
        direct: list[type] = cls.__subclasses__()
        for sub in direct:
            found += [sub, *subclasses(sub)]
        return found

    where: dict[str, set[str]] = {}
    for schema in subclasses(Schema):
        if schema.__module__.startswith("cdtt.") and ".tests." not in schema.__module__:
            where.setdefault(schema.__name__, set()).add(schema.__module__)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}
