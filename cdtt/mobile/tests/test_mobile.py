"""The phone app's shell, service worker, manifest, device tokens and their revocation by officers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from cdtt.accounts.models import ApiToken
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def test_the_shell_is_for_members_and_holds_no_household_data(tree: Tree, signed_in: Callable[..., Client]) -> None:
    page = signed_in("team_member").get(reverse("mobile:app"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'rel="manifest"' in html and "app.js" in html
    assert signed_in("leader").get(reverse("mobile:app")).status_code == 403


def test_the_service_worker_and_manifest_are_public_and_plain(client: Client) -> None:
    worker = client.get(reverse("mobile:sw"))
    manifest = client.get(reverse("mobile:manifest"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("application/javascript")
    assert "no-cache" in worker["Cache-Control"] or "max-age=0" in worker["Cache-Control"]
    data = json.loads(manifest.content)
    assert data["start_url"] == "/app/" and data["display"] == "standalone"


def test_a_device_gets_its_own_token_and_an_officer_can_cut_it_off(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    response = member.post("/api/v1/sync/device", json.dumps({"name": "Redmi 9A"}), content_type="application/json")
    assert response.status_code == 201
    token = ApiToken.objects.get(user=users.team_member)
    assert "Redmi 9A" in token.name
    detail = signed_in("commune_officer").get(reverse("accounts:detail", args=[users.team_member.pk]))
    assert "Redmi 9A" in detail.content.decode()
    url = reverse("accounts:device_revoke", args=[users.team_member.pk, token.pk])
    assert signed_in("outsider").post(url).status_code == 404
    assert signed_in("team_member").post(url).status_code == 403
    signed_in("commune_officer").post(url)
    token.refresh_from_db()
    assert token.revoked_at is not None
    raw_refused = Client().get("/api/v1/sync/pull", headers={"Authorization": "Bearer cdtt_nothing"})
    assert raw_refused.status_code == 401
