"""Withdrawal and restriction stop *use*, not only changes: every read path is walked after the stop, and a new
consent (after a withdrawal, not after a restriction) brings the household back."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from cdtt.activities.models import Activity
from cdtt.households import privacy, services
from cdtt.households.models import Consent, Household, RequestKind, Resident
from cdtt.households.services import HouseholdIn
from conftest import Tree, Users

HEAD = "Phạm Văn Quang"
WIFE = "Đỗ Thị Hạnh"


@pytest.fixture
def household(tree: Tree, users: Users) -> Household:
    officer = users.commune_officer
    household = services.household_create(
        actor=officer, village=tree.v1, data=HouseholdIn(head_name=HEAD, notes="Nhà gần chợ")
    )
    # Recorded before members needed the household's consent: each test gives (and withdraws) the consent itself.
    Resident.objects.create(household=household, full_name=WIFE, birth_year=1981)
    Activity.objects.create(
        kind="guidance",
        commune=tree.c1,
        village=tree.v1,
        household=household,
        occurred_on=timezone.localdate(),
        note="Đã cài VNeID",
    )
    return Household.objects.get(pk=household.pk)


def _consent(users: Users, household: Household) -> Consent:
    return privacy.consent_record(
        actor=users.team_member,
        household=household,
        activity_code="household_register",
        given_by=HEAD,
        given_at=timezone.now(),
        method="verbal",
    )


def _reads(household: Household) -> dict[str, str]:
    activity = Activity.objects.get(household=household)
    return {
        "list": "/ho-gia-dinh/",
        "search": f"/ho-gia-dinh/?q={HEAD.split()[-1]}",
        "detail": f"/ho-gia-dinh/{household.pk}/",
        "edit": f"/ho-gia-dinh/{household.pk}/sua/",
        "api list": "/api/v1/households",
        "api search": f"/api/v1/households?q={HEAD.split()[-1]}",
        "api detail": f"/api/v1/households/{household.pk}",
        "sync pull": "/api/v1/sync/pull",
        "guidance form": f"/hoat-dong/ho/{household.pk}/",
        "activity list": f"/hoat-dong/thon/{household.village_id}/",
        "activity edit": f"/hoat-dong/{activity.pk}/sua/",
    }


def _shown(client: Client, url: str) -> tuple[int, str]:
    response = client.get(url)
    body = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return response.status_code, body


def _assert_hidden(client: Client, household: Household) -> None:
    for name, url in _reads(household).items():
        status, body = _shown(client, url)
        assert HEAD not in body and WIFE not in body, name
        assert status in (200, 404), (name, status)


def _assert_shown(client: Client, household: Household) -> None:
    for name in ("list", "detail", "api detail", "guidance form"):
        status, body = _shown(client, _reads(household)[name])
        assert status == 200 and HEAD in body, name
    assert WIFE in _shown(client, _reads(household)["guidance form"])[1]


def test_the_read_paths_show_the_household_before_any_stop(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    _assert_shown(signed_in("team_member"), household)


def test_a_withdrawn_consent_hides_the_household_from_every_read_path_and_a_new_one_brings_it_back(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    consent = _consent(users, household)
    privacy.consent_withdraw(actor=users.team_member, consent=consent)
    assert Resident.objects.get(full_name=WIFE).processing_stopped  # the people stop with the household

    client = signed_in("team_member")
    _assert_hidden(client, household)
    # The page that handles the person's rights stays open, to record a new consent.
    assert client.get(f"/ho-gia-dinh/{household.pk}/dong-y/").status_code == 200

    _consent(users, Household.objects.get(pk=household.pk))
    assert not Resident.objects.get(full_name=WIFE).processing_stopped
    _assert_shown(client, household)


def test_a_granted_restriction_hides_the_household_and_consent_does_not_lift_it(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    officer = users.commune_officer
    data_request = privacy.request_open(
        actor=officer, household=household, kind=RequestKind.RESTRICT, requester=HEAD, received_on=timezone.localdate()
    )
    privacy.request_complete(actor=officer, data_request=data_request)
    _assert_hidden(signed_in("team_member"), household)
    _consent(users, Household.objects.get(pk=household.pk))
    assert Household.objects.get(pk=household.pk).processing_stopped
    _assert_hidden(signed_in("team_member"), household)


def test_a_person_who_withdrew_alone_is_hidden_while_the_household_stays(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    wife = Resident.objects.get(full_name=WIFE)
    consent = privacy.consent_record(
        actor=users.team_member,
        household=household,
        resident=wife,
        activity_code="residents",
        given_by=WIFE,
        given_at=timezone.now(),
        method="verbal",
    )
    privacy.consent_withdraw(actor=users.team_member, consent=consent)
    client = signed_in("team_member")
    for name in ("detail", "api detail", "guidance form", "sync pull"):
        status, body = _shown(client, _reads(household)[name])
        assert status == 200 and WIFE not in body, name
    assert HEAD in _shown(client, _reads(household)["detail"])[1]


def test_the_commune_officer_finds_stopped_households_to_record_a_new_consent(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    privacy.consent_withdraw(actor=users.team_member, consent=_consent(users, household))
    page = signed_in("commune_officer").get("/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/").content.decode()
    assert f"/ho-gia-dinh/{household.pk}/dong-y/" in page
