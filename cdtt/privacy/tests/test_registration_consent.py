"""The register of processing lists phones as processed on consent: a household registered with a phone carries
its consent record, and one without a stated consent is refused with a Vietnamese message, nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from cdtt.core.errors import DomainError
from cdtt.households import services
from cdtt.households.models import Consent, Household
from cdtt.households.services import HouseholdIn
from conftest import Tree, Users


def test_a_phone_without_a_stated_consent_is_refused(tree: Tree, users: Users) -> None:
    with translation.override("vi"), pytest.raises(DomainError) as caught:
        services.household_create(
            actor=users.team_member, village=tree.v1, data=HouseholdIn(head_name="Kiều Văn A", phone="0912345675")
        )
    assert caught.value.field == "consent"
    assert "đồng ý" in caught.value.message
    assert not Household.objects.exists()


def test_a_household_with_a_phone_carries_its_consent(tree: Tree, users: Users) -> None:
    household = services.household_create(
        actor=users.team_member,
        village=tree.v1,
        data=HouseholdIn(head_name="Kiều Văn B", phone="0912345676", consent="paper"),
    )
    consent = Consent.objects.get(household=household)
    assert (consent.activity.code, consent.method, consent.given_by) == ("household_register", "paper", "Kiều Văn B")


def test_the_form_asks_how_the_head_agreed(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("team_member")
    data = {"village": str(tree.v1.pk), "head_name": "Kiều Văn C", "phone": "0912345677", "internet": ""}
    refused = client.post("/ho-gia-dinh/moi/", data)
    assert refused.status_code == 400
    assert "consent" in refused.context["form"].errors
    assert client.post("/ho-gia-dinh/moi/", {**data, "consent": "verbal"}).status_code == 302
    assert Consent.objects.get().method == "verbal"
