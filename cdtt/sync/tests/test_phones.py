"""Issue 21: phones shared and lost in the field. A revoked token is told why before any CSRF check, records
carry their author, a member's own earlier record never makes their later one a conflict, repeated guidance
is flagged for the leader, devices are named, the catalogue is sent only when it changed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cdtt.accounts.services import device_revoke, token_create
from cdtt.activities.models import Activity
from cdtt.catalog.models import Outcome
from cdtt.catalog.services import catalog_load
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.sync import services
from cdtt.sync.models import Device, GuidanceRepeat, SyncConflict
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tree: Tree, users: Users) -> dict[str, Any]:
    catalog_load()
    household = household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name="Lê Văn Nhà", members_count=3),
    )
    head = resident_add(actor=users.commune_officer, household=household, data=ResidentIn(full_name="Lê Văn Nhà"))
    return {"household": household, "head": head, "level2": Outcome.objects.get(platform__code="vneid", code="level2")}


def _guide(home: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "type": "activity",
        "data": {
            "kind": "guidance",
            "occurred_on": str(timezone.localdate()),
            "household_id": home["household"].pk,
            "resident_id": home["head"].pk,
            "outcome_id": home["level2"].pk,
        },
        **extra,
    }


def _push(client: Client, records: list[Any], **headers: str) -> Any:
    return client.post(
        "/api/v1/sync/push", json.dumps({"records": records}), content_type="application/json", headers=headers
    )


def test_a_revoked_device_pushing_is_told_why_before_any_csrf_check(
    users: Users, home: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    token, raw = token_create(user=users.team_member, name="Điện thoại của Bình")
    device_revoke(actor=users.commune_officer, user=users.team_member, token_id=token.pk)
    # A phone's browser still holds the member's session cookie, and Django checks CSRF for real.
    phone = signed_in("team_member", enforce_csrf_checks=True)

    refused = _push(phone, [_guide(home)], Authorization=f"Bearer {raw}")
    pulled = phone.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {raw}"})

    assert refused.status_code == 401, refused.content
    assert refused.json()["revoked"] is True
    assert refused.json()["reason"] == "revoked"
    assert "Sign in" not in refused.json()["detail"]  # told in Vietnamese
    assert pulled.status_code == 401 and pulled.json()["revoked"] is True
    assert Activity.objects.count() == 0


def test_an_unknown_token_is_401_too_not_a_csrf_failure(home: dict[str, Any], signed_in: Callable[..., Client]) -> None:
    phone = signed_in("team_member", enforce_csrf_checks=True)

    refused = _push(phone, [_guide(home)], Authorization="Bearer cdtt_nothing-like-this")

    assert refused.status_code == 401
    assert refused.json()["revoked"] is False and refused.json()["reason"] == "invalid"


def test_a_record_made_by_another_user_is_refused_under_this_token(
    users: Users, home: dict[str, Any], client: Client
) -> None:
    _token, raw = token_create(user=users.team_member, name="phone")
    mine = _guide(home, author=users.team_member.pk)
    theirs = _guide(home, author=users.team_leader.pk)

    results = _push(client, [mine, theirs], Authorization=f"Bearer {raw}").json()["results"]

    assert [r["status"] for r in results] == ["accepted", "refused"]
    assert "người dùng khác" in results[1]["reason"]
    assert list(Activity.objects.values_list("recorded_by", flat=True)) == [users.team_member.pk]


def test_a_members_own_earlier_tick_never_makes_their_later_edit_a_conflict(users: Users, home: dict[str, Any]) -> None:
    household = home["household"]
    seen = household.version
    tick = {
        "uuid": str(uuid.uuid4()),
        "type": "adoption",
        "data": {"household_id": household.pk, "item": "village_group", "action": "set"},
    }
    edit = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": seen,  # the version the phone saw before its own tick
        "data": {"household_id": household.pk, "fields": {"smartphones": 3}},
    }

    answers = services.push(actor=users.team_member, records=[tick, edit])
    again = services.push(actor=users.team_member, records=[tick, edit])  # a resend is the same records

    assert [a.status for a in answers] == ["accepted", "accepted"]
    assert [a.status for a in again] == ["duplicate", "duplicate"]
    assert Household.objects.get(pk=household.pk).smartphones == 3
    assert not SyncConflict.objects.exists()


def test_someone_elses_change_still_makes_a_stale_edit_a_conflict(users: Users, home: dict[str, Any]) -> None:
    household = home["household"]
    seen = household.version
    services.push(
        actor=users.team_leader,
        records=[
            {
                "uuid": str(uuid.uuid4()),
                "type": "adoption",
                "data": {"household_id": household.pk, "item": "village_group"},
            }
        ],
    )
    edit = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": seen,
        "data": {"household_id": household.pk, "fields": {"smartphones": 3}},
    }

    assert services.push(actor=users.team_member, records=[edit])[0].status == "conflict"


def test_the_same_guidance_twice_the_same_day_is_kept_and_flagged_for_the_leader(
    users: Users, home: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    first = services.push(actor=users.team_member, records=[_guide(home)])[0]
    second = services.push(actor=users.team_leader, records=[_guide(home)])[0]

    assert first.status == second.status == "accepted"
    assert first.reason == ""
    assert "đã ghi" in second.reason
    repeat = GuidanceRepeat.objects.get()
    assert (repeat.first_id, repeat.activity_id) == (first.id, second.id)
    page = signed_in("team_leader").get("/dong-bo/").content.decode()
    assert "Lê Văn Nhà" in page and 'class="repeat"' in page


def test_the_leader_marks_a_repeat_seen_and_scope_holds(
    users: Users, home: dict[str, Any], signed_in: Callable[..., Client], client: Client
) -> None:
    services.push(actor=users.team_member, records=[_guide(home)])
    services.push(actor=users.team_member, records=[_guide(home)])
    repeat = GuidanceRepeat.objects.get()
    url = f"/dong-bo/lap-lai/{repeat.pk}/"

    assert client.post(url).status_code == 302 and not GuidanceRepeat.objects.filter(seen_at__isnull=False).exists()
    assert signed_in("team_member").post(url).status_code == 403
    assert signed_in("outsider").post(url).status_code == 404
    assert signed_in("team_leader").post(url).status_code == 302
    repeat.refresh_from_db()
    assert repeat.seen_by == users.team_leader
    assert 'class="repeat"' not in signed_in("team_leader").get("/dong-bo/").content.decode()


def test_the_conflict_page_names_fields_in_vietnamese(
    users: Users, home: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    stale = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": 0,
        "data": {"household_id": home["household"].pk, "fields": {"members_count": 5, "smartphones": 2}},
    }
    assert services.push(actor=users.team_member, records=[stale])[0].status == "conflict"

    page = signed_in("team_leader").get("/dong-bo/").content.decode()

    assert "members_count" not in page and "smartphones" not in page
    assert "Số nhân khẩu" in page


def test_a_phone_is_named_and_its_last_sync_shown_to_the_member_and_the_officer(
    users: Users, home: dict[str, Any], signed_in: Callable[..., Client], client: Client
) -> None:
    member = signed_in("team_member")
    registered = member.post(
        "/api/v1/sync/device",
        json.dumps({"name": "", "model": "Android 13 · SM-A515F"}),
        content_type="application/json",
    )
    raw = registered.json()["token"]
    bearer = {"Authorization": f"Bearer {raw}"}

    renamed = client.patch(
        "/api/v1/sync/device", json.dumps({"name": "Máy của Bình"}), content_type="application/json", headers=bearer
    )
    client.get("/api/v1/sync/pull", headers=bearer)

    assert registered.status_code == 201
    assert renamed.status_code == 200 and renamed.json() == {"name": "Máy của Bình", "model": "Android 13 · SM-A515F"}
    device = Device.objects.get()
    assert device.last_sync_at is not None and device.token.last_used_at is not None
    own = member.get("/ca-nhan/").content.decode()
    officer = signed_in("commune_officer").get(f"/tai-khoan/{users.team_member.pk}/").content.decode()
    for page in (own, officer):
        assert "Máy của Bình" in page and "SM-A515F" in page and "đồng bộ" in page


def test_renaming_a_phone_needs_its_own_token(users: Users, signed_in: Callable[..., Client], client: Client) -> None:
    body = json.dumps({"name": "Máy"})
    assert client.patch("/api/v1/sync/device", body, content_type="application/json").status_code == 401
    assert signed_in("leader").patch("/api/v1/sync/device", body, content_type="application/json").status_code == 403
    session_only = signed_in("team_member").patch("/api/v1/sync/device", body, content_type="application/json")
    assert session_only.status_code == 400
    _token, raw = token_create(user=users.team_member, name="x")
    blank = client.patch(
        "/api/v1/sync/device",
        json.dumps({"name": "  "}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert blank.status_code == 400 and "Nhập" in blank.json()["detail"]


def test_the_catalogue_is_sent_only_when_it_changed(signed_in: Callable[..., Client], home: dict[str, Any]) -> None:
    member = signed_in("team_member")
    for path in ("/api/v1/catalog/platforms", "/api/v1/catalog/adoption-items"):
        first = member.get(path)
        again = member.get(path, headers={"If-None-Match": first["ETag"]})
        assert first.status_code == 200 and first.json()
        assert again.status_code == 304 and again.content == b""
        assert member.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_app_asks_who_is_signed_in(
    users: Users, tree: Tree, signed_in: Callable[..., Client], client: Client
) -> None:
    assert client.get("/app/phien/").status_code == 302  # to the sign-in page
    assert signed_in("nobody").get("/app/phien/").status_code == 403
    me = signed_in("team_member").get("/app/phien/")
    data = me.json()
    assert data["user"] == users.team_member.pk and data["csrf"]
    assert [v["id"] for v in data["villages"]] == [tree.v1.pk]  # own village only
    assert "no-cache" in me["Cache-Control"] or "no-store" in me["Cache-Control"]
    shell = signed_in("team_member").get("/app/").content.decode()
    assert users.team_member.username not in shell and "csrf-token" not in shell  # the kept shell names nobody


def test_in_one_batch_the_record_made_later_is_the_repeat_whatever_its_uuid(users: Users, home: dict[str, Any]) -> None:
    made_first = {**_guide(home), "uuid": "ffffffff-ffff-4fff-bfff-ffffffffffff"}
    made_later = {**_guide(home), "uuid": "00000000-0000-4000-8000-000000000000"}

    first, later = services.push(actor=users.team_member, records=[made_first, made_later])

    assert first.reason == "" and later.reason != ""
    assert GuidanceRepeat.objects.get().activity.uuid == uuid.UUID(made_later["uuid"])
