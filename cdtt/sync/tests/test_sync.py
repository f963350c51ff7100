"""Sync push and pull: idempotent by UUID, explicit edits, kept conflicts, per-record answers, scope."""

from __future__ import annotations

import concurrent.futures
import datetime
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.accounts.services import token_create, token_revoke
from cdtt.activities.models import Activity
from cdtt.activities.services import activity_void
from cdtt.catalog.models import Outcome
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import NotFound
from cdtt.households.models import AdoptionStatus, Household, Resident
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.progress.rebuild import check
from cdtt.sync import selectors, services
from cdtt.sync.models import SyncConflict, SyncReceipt
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def homes(tree: Tree, users: Users) -> dict[str, Any]:
    catalog_load()
    mine = household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name="Lê Văn Nhà", phone="0912345678", members_count=3, adults_count=2),
    )
    head = resident_add(actor=users.commune_officer, household=mine, data=ResidentIn(full_name="Lê Văn Nhà"))
    other = household_create(actor=users.commune_officer, village=tree.v2, data=HouseholdIn(head_name="Hộ Thôn Khác"))
    return {"mine": mine, "head": head, "other": other}


def _batch(homes: dict[str, Any], tree: Tree) -> list[dict[str, Any]]:
    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    today = str(timezone.localdate())
    mine = homes["mine"]
    return [
        {
            "uuid": str(uuid.uuid4()),
            "type": "activity",
            "data": {
                "kind": "guidance",
                "occurred_on": today,
                "household_id": mine.pk,
                "resident_id": homes["head"].pk,
                "outcome_id": level2.pk,
            },
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "activity",
            "data": {
                "kind": "propaganda",
                "occurred_on": today,
                "village_id": tree.v1.pk,
                "channel": "loudspeaker",
                "people_reached": 50,
            },
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "adoption",
            "data": {"household_id": mine.pk, "item": "village_group", "action": "set"},
        },
    ]


def _push(client: Client, records: Any) -> Any:
    return client.post("/api/v1/sync/push", json.dumps({"records": records}), content_type="application/json")


def test_a_batch_is_answered_per_record_and_a_resend_changes_nothing(
    tree: Tree, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    batch = _batch(homes, tree)

    first = _push(member, batch).json()["results"]
    for _n in range(9):
        again = _push(member, batch).json()["results"]

    assert [r["status"] for r in first] == ["accepted", "accepted", "accepted"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate", "duplicate"]
    assert Activity.objects.count() == 2
    assert AdoptionStatus.objects.filter(item__code="village_group").count() == 1
    assert check() == []


def test_other_content_under_a_known_uuid_is_a_conflict_unless_it_is_an_explicit_edit(
    tree: Tree, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    record = _batch(homes, tree)[1]
    _push(member, [record])
    changed = {**record, "data": {**record["data"], "people_reached": 80}}

    conflict = _push(member, [changed]).json()["results"][0]
    edited = _push(member, [{**changed, "base_version": 1}]).json()["results"][0]
    stale = _push(member, [{**changed, "base_version": 1}]).json()["results"][0]

    assert conflict["status"] == "conflict"
    assert (edited["status"], edited["version"]) == ("edited", 2)
    assert stale["status"] == "conflict"
    assert Activity.objects.get().people_reached == 80


def test_a_stale_household_change_is_kept_for_the_leader(
    tree: Tree, users: Users, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    mine = homes["mine"]
    version = Household.objects.get(pk=mine.pk).version
    change = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": version,
        "data": {"household_id": mine.pk, "fields": {"smartphones": 2}},
    }
    accepted = _push(member, [change]).json()["results"][0]
    late = {**change, "uuid": str(uuid.uuid4()), "data": {"household_id": mine.pk, "fields": {"smartphones": 5}}}

    answer = _push(member, [late]).json()["results"][0]

    assert accepted["status"] == "accepted"
    assert answer["status"] == "conflict"
    assert Household.objects.get(pk=mine.pk).smartphones == 2
    kept = SyncConflict.objects.get()
    assert kept.changes == {"smartphones": 5}
    services.conflict_resolve(actor=users.team_leader, conflict=kept, apply=True)
    assert Household.objects.get(pk=mine.pk).smartphones == 5


def test_bad_records_are_refused_with_a_reason_and_stored_nowhere(
    tree: Tree, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=2))
    records = [
        {
            "uuid": str(uuid.uuid4()),
            "type": "adoption",
            "data": {"household_id": homes["other"].pk, "item": "village_group"},
        },
        {
            "uuid": str(uuid.uuid4()),
            "type": "activity",
            "data": {
                "kind": "propaganda",
                "occurred_on": tomorrow,
                "village_id": tree.v1.pk,
                "channel": "meeting",
                "people_reached": 3,
            },
        },
        {"uuid": "not-a-uuid", "type": "activity", "data": {}},
        {"uuid": str(uuid.uuid4()), "type": "photo", "data": {}},
        "junk",
    ]

    results = _push(member, records).json()["results"]

    assert [r["status"] for r in results] == ["refused"] * 5
    assert results[0]["reason"] == _("The household was not found.")
    assert results[1]["reason"] == _("The date cannot be in the future.")
    assert not Activity.objects.exists() and not AdoptionStatus.objects.exists() and not SyncReceipt.objects.exists()
    assert member.post("/api/v1/sync/push", "{oops", content_type="application/json").status_code == 400
    too_many = _push(member, [{"uuid": str(uuid.uuid4())}] * (services.MAX_BATCH + 1))
    assert too_many.status_code == 413


def test_a_replay_after_a_void_does_not_bring_the_record_back(
    tree: Tree, users: Users, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    member = signed_in("team_member")
    batch = _batch(homes, tree)[:2]
    _push(member, batch)
    activity_void(actor=users.team_member, activity=Activity.objects.get(uuid=batch[1]["uuid"]))

    replay = _push(member, batch).json()["results"]

    assert [r["status"] for r in replay] == ["duplicate", "duplicate"]
    assert Activity.objects.count() == 2
    assert Activity.objects.filter(voided_at__isnull=False).count() == 1
    assert check() == []


def test_a_server_stopped_mid_batch_keeps_what_it_stored_and_stores_the_rest_once(
    tree: Tree, homes: dict[str, Any], users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _batch(homes, tree)  # two new activities (stored together), then an adoption tick on its own
    real = services._one

    def killed(actor: Any, record: Any, content: str | None = None) -> Any:
        raise KeyboardInterrupt  # the process is killed: nothing after this runs

    monkeypatch.setattr(services, "_one", killed)
    with pytest.raises(KeyboardInterrupt):
        services.push(actor=users.team_member, records=batch)
    assert Activity.objects.count() == 2  # the two activities were committed before the tick's turn
    assert not AdoptionStatus.objects.filter(item__code="village_group").exists()
    monkeypatch.setattr(services, "_one", real)

    results = services.push(actor=users.team_member, records=batch)

    assert [r.status for r in results] == ["duplicate", "duplicate", "accepted"]
    assert Activity.objects.count() == 2
    assert AdoptionStatus.objects.filter(item__code="village_group").count() == 1
    assert check() == []


def test_a_server_stopped_inside_the_batchs_transaction_stores_nothing_of_it_and_a_resend_stores_it_once(
    tree: Tree, homes: dict[str, Any], users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _batch(homes, tree)[:2]
    real = services.activity_record_many

    def killed_before_commit(**kwargs: Any) -> Any:
        real(**kwargs)  # every row written, the commit not reached
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "activity_record_many", killed_before_commit)
    with pytest.raises(KeyboardInterrupt):
        services.push(actor=users.team_member, records=batch)
    assert not Activity.objects.exists()  # nothing was answered, nothing was kept
    assert not AdoptionStatus.objects.exists()
    monkeypatch.setattr(services, "activity_record_many", real)

    results = services.push(actor=users.team_member, records=batch)
    again = services.push(actor=users.team_member, records=batch)

    assert [r.status for r in results] == ["accepted", "accepted"]
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert Activity.objects.count() == 2
    assert AdoptionStatus.objects.count() == 1  # the guidance's outcome, once
    assert check() == []


def test_pull_gives_only_the_members_village_in_pages(
    tree: Tree, users: Users, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    for n in range(3):
        household_create(actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name=f"Hộ {n}"))
    member = signed_in("team_member")

    first = member.get("/api/v1/sync/pull?limit=2").json()
    rest = member.get(f"/api/v1/sync/pull?limit=2&since={first['next']}").json()
    later = member.get(f"/api/v1/sync/pull?since={rest['next']}").json()

    ids = [h["id"] for h in first["households"] + rest["households"]]
    assert len(ids) == 4 == len(set(ids))
    assert homes["other"].pk not in ids
    assert first["more"] and not rest["more"]
    assert later["households"] == []
    mine = next(h for h in first["households"] + rest["households"] if h["id"] == homes["mine"].pk)
    assert mine["phone"] != "0912345678"  # masked for a member
    assert mine["people"][0]["full_name"] == "Lê Văn Nhà"
    assert member.get("/api/v1/sync/pull?since=garbage").status_code == 400


def test_a_revoked_device_is_told_why_and_nothing_is_received(
    tree: Tree, users: Users, homes: dict[str, Any], client: Client
) -> None:
    token, raw = token_create(user=users.team_member, name="Điện thoại của Bình")
    headers = {"Authorization": f"Bearer {raw}"}
    batch = _batch(homes, tree)[1:2]
    ok = client.post(
        "/api/v1/sync/push", json.dumps({"records": batch}), content_type="application/json", headers=headers
    )
    token_revoke(user=users.team_member, token_id=token.pk)

    refused = client.post(
        "/api/v1/sync/push",
        json.dumps({"records": _batch(homes, tree)[1:2]}),
        content_type="application/json",
        headers=headers,
    )

    assert ok.status_code == 200
    assert refused.status_code == 401
    assert refused.json()["revoked"] is True
    assert Activity.objects.count() == 1


def test_roles_and_scope(tree: Tree, homes: dict[str, Any], signed_in: Callable[..., Client]) -> None:
    assert signed_in("leader").get("/api/v1/sync/pull").status_code == 403
    assert signed_in("leader").post("/api/v1/sync/push", "{}", content_type="application/json").status_code == 403
    outsider = signed_in("outsider")
    assert homes["mine"].pk not in [h["id"] for h in outsider.get("/api/v1/sync/pull").json()["households"]]
    record = _batch(homes, tree)[2]
    assert _push(outsider, [record]).json()["results"][0]["status"] == "refused"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # with the data migrations' rows
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL")
def test_the_same_batch_sent_ten_times_at_once_has_one_effect(tree: Tree, users: Users, homes: dict[str, Any]) -> None:
    batch = _batch(homes, tree)

    def send(_n: int) -> list[str]:
        try:
            return [answer.status for answer in services.push(actor=users.team_member, records=batch)]
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(send, range(10)))

    assert sum(statuses.count("accepted") for statuses in outcomes) == 3
    assert Activity.objects.count() == 2
    assert AdoptionStatus.objects.filter(item__code="village_group").count() == 1
    assert check() == []
    assert Resident.objects.count() == 1


def test_the_leader_decides_a_kept_change_on_a_page(
    tree: Tree, users: Users, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    mine = homes["mine"]
    stale = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": 1,
        "data": {"household_id": mine.pk, "fields": {"smartphones": 4}},
    }
    assert _push(signed_in("team_member"), [stale]).json()["results"][0]["status"] == "conflict"
    conflict = SyncConflict.objects.get()
    leader = signed_in("team_leader")

    page = leader.get("/dong-bo/")
    leader.post(f"/dong-bo/{conflict.pk}/", {"apply": "1"})

    assert "Lê Văn Nhà" in page.content.decode()
    assert Household.objects.get(pk=mine.pk).smartphones == 4
    conflict.refresh_from_db()
    assert conflict.resolution == "applied"
    assert signed_in("team_member").get("/dong-bo/").status_code == 403
    assert signed_in("outsider").post(f"/dong-bo/{conflict.pk}/", {"apply": "0"}).status_code == 404


def test_the_conflicts_page_shows_both_sides_to_the_leader_and_nothing_of_it_to_another_unit(
    tree: Tree, users: Users, homes: dict[str, Any], signed_in: Callable[..., Client]
) -> None:
    mine = homes["mine"]
    stale = {
        "uuid": str(uuid.uuid4()),
        "type": "household",
        "base_version": 1,
        "data": {"household_id": mine.pk, "fields": {"smartphones": 4}},
    }
    assert _push(signed_in("team_member"), [stale]).json()["results"][0]["status"] == "conflict"
    conflict = SyncConflict.objects.get()

    page = selectors.conflicts_page(user=users.team_leader)

    assert [row["conflict"] for row in page["rows"]] == [conflict]
    ((label, now, sent),) = page["rows"][0]["changes"]
    assert label != "smartphones" and (now, sent) == (Household.objects.get(pk=mine.pk).smartphones, 4)
    assert selectors.conflict_get(user=users.team_leader, conflict_id=conflict.pk) == conflict
    assert selectors.conflicts_page(user=users.outsider) == {"rows": [], "repeats": []}
    with pytest.raises(NotFound):
        selectors.conflict_get(user=users.outsider, conflict_id=conflict.pk)
    with pytest.raises(NotFound):
        selectors.repeat_get(user=users.team_leader, repeat_id=999999)
