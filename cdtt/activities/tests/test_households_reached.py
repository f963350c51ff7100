"""Households reached: a propaganda or group session counts people, households or both, by every door
(the service, the web forms, the JSON API, sync push, the phone app); guidance counts neither."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.activities.models import Activity, ActivityChange, ActivityKind, Channel
from cdtt.activities.services import MAX_PEOPLE, ActivityIn, activity_record, activity_update
from cdtt.catalog.models import Outcome
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError
from cdtt.households.services import HouseholdIn, household_create
from cdtt.progress.models import Level, ProgressCell
from cdtt.progress.rebuild import check
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(tree: Tree) -> None:
    catalog_load()


def _households_cell(tree: Tree) -> int:
    row = ProgressCell.objects.filter(
        indicator__code="propaganda_households", level=Level.VILLAGE, unit=tree.v1.pk, bucket=timezone.localdate().year
    ).first()
    return row.value if row else 0


def _session(**changes: Any) -> ActivityIn:
    values: dict[str, Any] = {
        "kind": ActivityKind.PROPAGANDA,
        "occurred_on": timezone.localdate(),
        "channel": Channel.MEETING,
    }
    values.update(changes)
    return ActivityIn(**values)


def test_a_session_needs_people_or_households_within_bounds(catalogue: None, tree: Tree, users: Users) -> None:
    with pytest.raises(DomainError) as neither:
        activity_record(actor=users.team_member, data=_session(village_id=tree.v1.pk))
    assert neither.value.message == _("Enter how many people or households were reached.")
    with pytest.raises(DomainError) as too_many:
        activity_record(
            actor=users.team_member, data=_session(village_id=tree.v1.pk, households_reached=MAX_PEOPLE + 1)
        )
    assert too_many.value.field == "households_reached"
    with pytest.raises(DomainError):
        activity_record(actor=users.team_member, data=_session(village_id=tree.v1.pk, households_reached=-1))
    assert Activity.objects.count() == 0

    homes_only, _new = activity_record(
        actor=users.team_member, data=_session(village_id=tree.v1.pk, households_reached=4)
    )
    both, _new = activity_record(
        actor=users.team_member, data=_session(village_id=tree.v1.pk, people_reached=9, households_reached=3)
    )
    assert (homes_only.people_reached, homes_only.households_reached) == (0, 4)
    assert (both.people_reached, both.households_reached) == (9, 3)
    assert _households_cell(tree) == 7


def test_guidance_keeps_households_reached_at_zero(catalogue: None, tree: Tree, users: Users) -> None:
    household = household_create(actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name="Hộ Một"))
    outcome = Outcome.objects.get(platform__code="epayment", code="opened")
    activity, _new = activity_record(
        actor=users.team_member,
        data=ActivityIn(
            kind=ActivityKind.GUIDANCE,
            occurred_on=timezone.localdate(),
            household_id=household.pk,
            outcome_id=outcome.pk,
            households_reached=5,
        ),
    )
    assert (activity.people_reached, activity.households_reached) == (0, 0)


def test_an_edit_moves_households_progress_and_keeps_the_values_before(
    catalogue: None, tree: Tree, users: Users
) -> None:
    activity, _new = activity_record(
        actor=users.team_member, data=_session(village_id=tree.v1.pk, people_reached=10, households_reached=2)
    )
    assert _households_cell(tree) == 2
    with pytest.raises(DomainError):
        activity_update(
            actor=users.team_member, activity=activity, data=_session(people_reached=0, households_reached=0)
        )
    activity_update(actor=users.team_member, activity=activity, data=_session(people_reached=10, households_reached=6))
    assert _households_cell(tree) == 6
    change = ActivityChange.objects.get(activity=activity)
    assert (change.before["households_reached"], change.after["households_reached"]) == (2, 6)
    assert check() == []


def test_the_web_forms_record_and_correct_households(
    catalogue: None, tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    url = reverse("activities:event", args=[tree.v1.pk])
    form = member.get(url)
    assert 'name="households_reached"' in form.content.decode()
    today = str(timezone.localdate())
    refused = member.post(url, {"uuid": str(uuid.uuid4()), "kind": "group", "occurred_on": today})
    assert refused.status_code == 400
    assert _("Enter how many people or households were reached.") in refused.content.decode()
    bad = member.post(
        url, {"uuid": str(uuid.uuid4()), "kind": "group", "occurred_on": today, "households_reached": "ba"}
    )
    assert bad.status_code == 400 and Activity.objects.count() == 0
    assert (
        member.post(
            url, {"uuid": str(uuid.uuid4()), "kind": "group", "occurred_on": today, "households_reached": "3"}
        ).status_code
        == 302
    )
    activity = Activity.objects.get()
    assert (activity.people_reached, activity.households_reached) == (0, 3)
    listing = member.get(reverse("activities:village", args=[tree.v1.pk])).content.decode()
    assert "3 hộ" in listing

    edit = reverse("activities:edit", args=[activity.pk])
    assert 'name="households_reached"' in member.get(edit).content.decode()
    changed = member.post(edit, {"version": 1, "occurred_on": today, "people_reached": "", "households_reached": "8"})
    assert changed.status_code == 302
    activity.refresh_from_db()
    assert (activity.households_reached, activity.version) == (8, 2)
    assert signed_in("outsider").post(edit, {"version": 2, "households_reached": "1"}).status_code == 404


def test_the_api_takes_and_returns_households_and_a_patch_without_them_keeps_them(
    catalogue: None, tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "group",
        "occurred_on": str(timezone.localdate()),
        "village_id": tree.v1.pk,
        "platform": "epayment",
        "households_reached": 3,
    }
    created = member.post("/api/v1/activities", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["people_reached"], out["households_reached"]) == (0, 3)
    neither = member.post(
        "/api/v1/activities",
        json.dumps({**body, "uuid": str(uuid.uuid4()), "households_reached": 0}),
        content_type="application/json",
    )
    assert neither.status_code == 400
    assert neither.json()["detail"] == _("Enter how many people or households were reached.")

    url = f"/api/v1/activities/{out['id']}"
    patch = {"version": 1, "occurred_on": str(timezone.localdate()), "platform": "epayment", "people_reached": 4}
    kept = member.patch(url, json.dumps(patch), content_type="application/json")
    assert kept.status_code == 200
    assert (kept.json()["people_reached"], kept.json()["households_reached"]) == (4, 3)
    moved = member.patch(
        url, json.dumps({**patch, "version": 2, "households_reached": 5}), content_type="application/json"
    )
    assert moved.json()["households_reached"] == 5
    indicators = {i["code"]: i for i in signed_in("leader").get("/api/v1/catalog/indicators").json()}
    assert indicators["epayment_households_guided"]["reach_measure"] == "households"
    assert indicators["epayment_guided"]["reach_measure"] == "people"
    assert check() == []


def test_sync_push_carries_households_and_an_edit_from_an_older_phone_keeps_them(
    catalogue: None, tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    key = str(uuid.uuid4())
    data = {
        "kind": "propaganda",
        "occurred_on": str(timezone.localdate()),
        "village_id": tree.v1.pk,
        "channel": "loudspeaker",
        "households_reached": 6,
    }

    def push(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = member.post("/api/v1/sync/push", json.dumps({"records": records}), content_type="application/json")
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    refused = push([{"uuid": str(uuid.uuid4()), "type": "activity", "data": {**data, "households_reached": "sáu"}}])
    assert refused[0]["status"] == "refused"
    neither = push([{"uuid": str(uuid.uuid4()), "type": "activity", "data": {**data, "households_reached": 0}}])
    assert neither[0]["status"] == "refused"
    assert push([{"uuid": key, "type": "activity", "data": data}])[0]["status"] == "accepted"
    assert _households_cell(tree) == 6
    # An older phone edits the people only: the households stay.
    older = {k: v for k, v in data.items() if k != "households_reached"} | {"people_reached": 20}
    assert push([{"uuid": key, "type": "activity", "data": older, "base_version": 1}])[0]["status"] == "edited"
    activity = Activity.objects.get(uuid=key)
    assert (activity.people_reached, activity.households_reached) == (20, 6)
    newer = {**data, "households_reached": 2}
    assert push([{"uuid": key, "type": "activity", "data": newer, "base_version": 2}])[0]["status"] == "edited"
    assert _households_cell(tree) == 2
    assert check() == []


def test_the_phone_app_has_a_households_field(catalogue: None, tree: Tree, signed_in: Callable[..., Client]) -> None:
    page = signed_in("team_member").get(reverse("mobile:app")).content.decode()
    assert 'id="ev-households"' in page
    strings = json.loads(page.split('id="strings" type="application/json">')[1].split("</script>")[0])
    assert strings["reach_needed"] == _("Enter how many people or households were reached.")
