"""Every demo login works on the real administrative tree, and a second run makes nothing new."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from cdtt.accounts.models import RoleAssignment, User
from cdtt.demo.accounts import ACCOUNTS, DEFAULT_PASSWORD
from cdtt.geo.models import Village
from cdtt.teams.models import Team, TeamStatus

pytestmark = [pytest.mark.realtree, pytest.mark.django_db(transaction=False)]


def test_every_demo_login_works_on_the_real_tree(real_demo: None, client: Client) -> None:
    team = Team.objects.get(village__name="Thôn Giang Cao")
    assert team.status == TeamStatus.ACTIVE
    assert team.memberships.filter(member__user__username="totruong", role="leader").exists()  # type: ignore[attr-defined]
    counts = (Village.objects.count(), User.objects.count(), RoleAssignment.objects.count(), Team.objects.count())
    call_command("load_demo", stdout=io.StringIO())  # a second run is safe and creates nothing new
    assert (
        Village.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        Team.objects.count(),
    ) == counts
    for username, *_rest in ACCOUNTS:
        client.logout()
        response = client.post("/dang-nhap/", {"username": username, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/").status_code == 200, username
        assert client.get("/don-vi/").status_code == 200, username
