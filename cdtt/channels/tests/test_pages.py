"""The linking page and the channel health page: who may open them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from cdtt.channels.models import ZaloLink
from cdtt.channels.tests.helpers import Poster, fixture_bytes
from cdtt.channels.zalo.fake import FakeZalo
from conftest import Users

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["link", "health"])
@pytest.mark.dbneutral
def test_anonymous_is_sent_to_sign_in(client: Client, name: str) -> None:
    response = client.get(reverse(f"channels:{name}"))
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    assert client.post(reverse("channels:link_code")).status_code == 302
    assert not ZaloLink.objects.exists()


def test_a_user_without_a_role_cannot_link(users: Users, signed_in: Callable[..., Client]) -> None:
    assert signed_in("nobody").get(reverse("channels:link")).status_code == 403
    assert signed_in("nobody").post(reverse("channels:link_code")).status_code == 403


@pytest.mark.parametrize("name", ["team_member", "commune_officer", "leader", "nobody"])
def test_the_health_page_is_refused_below_the_province(
    users: Users, signed_in: Callable[..., Client], name: str
) -> None:
    assert signed_in(name).get(reverse("channels:health")).status_code == 403


def test_a_province_officer_sees_the_channel_health(
    fake: FakeZalo, post: Poster, users: Users, signed_in: Callable[..., Client]
) -> None:
    fake.interacted("6142494823xxxxxxxx")
    post(fixture_bytes("user_send_text"))
    fake.fail_next("/v3.0/oa/message/cs", -201)
    post(fixture_bytes("follow"))
    page = signed_in("province_officer").get(reverse("channels:health"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "follow" in text  # the last webhook
    assert "Tin tư vấn" in text  # the last send
    assert "Injected error -201" in text  # a recent error


def test_the_link_page_says_when_the_channel_is_off(users: Users, signed_in: Callable[..., Client]) -> None:
    page = signed_in("team_member").get(reverse("channels:link"))
    assert page.status_code == 200
    assert "chưa được cấu hình" in page.content.decode()
    assert signed_in("team_member").post(reverse("channels:link_code")).status_code == 302
