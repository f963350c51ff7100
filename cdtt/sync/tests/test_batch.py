"""The batch path of a push (new activities checked together and stored in one transaction) answers and
stores exactly what sending the records one by one (``services._one``, the path every record took before)
does, and the progress cells still equal a rebuild."""

from __future__ import annotations

import datetime
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdtt.activities.models import Activity
from cdtt.activities.services import activity_void
from cdtt.catalog.models import Outcome
from cdtt.catalog.services import catalog_load
from cdtt.core.models import AuditEvent
from cdtt.households.models import AdoptionEvent, AdoptionStatus, Household
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.progress.models import ProgressCell
from cdtt.progress.rebuild import check
from cdtt.quality.models import Flag
from cdtt.sync import services
from cdtt.sync.models import SyncConflict, SyncReceipt
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree: Tree, users: Users) -> dict[str, Any]:
    catalog_load()
    Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ Thôn 1", status=TeamStatus.ACTIVE)
    Team.objects.create(commune=tree.c1, name="Tổ Phường Ba Đình", status=TeamStatus.ACTIVE)
    mine = household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name="Lê Văn Nhà", members_count=3, adults_count=2),
    )
    head = resident_add(actor=users.commune_officer, household=mine, data=ResidentIn(full_name="Lê Văn Nhà"))
    neighbour = household_create(
        actor=users.commune_officer, village=tree.v1, data=HouseholdIn(consent="verbal", head_name="Hộ Bên")
    )
    stranger = resident_add(actor=users.commune_officer, household=neighbour, data=ResidentIn(full_name="Người Bên"))
    other = household_create(actor=users.commune_officer, village=tree.v2, data=HouseholdIn(head_name="Hộ Thôn Khác"))
    return {
        "tree": tree,
        "actor": users.team_member,
        "mine": mine,
        "head": head,
        "neighbour": neighbour,
        "stranger": stranger,
        "other": other,
        "level2": Outcome.objects.get(platform__code="vneid", code="level2"),
        "installed": Outcome.objects.get(platform__code="vneid", code="installed"),
    }


def _record(data: dict[str, Any], *, key: str | None = None, base_version: int | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"uuid": key or str(uuid.uuid4()), "type": "activity", "data": data}
    if base_version is not None:
        record["base_version"] = base_version
    return record


def _talk(world: dict[str, Any], people: int = 30, **extra: Any) -> dict[str, Any]:
    today = str(timezone.localdate())
    return {
        "kind": "propaganda",
        "occurred_on": today,
        "village_id": world["tree"].v1.pk,
        "channel": "loudspeaker",
        "people_reached": people,
        **extra,
    }


def _guide(world: dict[str, Any], outcome: Outcome | None = None, **extra: Any) -> dict[str, Any]:
    data = {
        "kind": "guidance",
        "occurred_on": str(timezone.localdate()),
        "household_id": world["mine"].pk,
        "resident_id": world["head"].pk,
        **extra,
    }
    if outcome is not None:
        data["outcome_id"] = outcome.pk
    else:
        data.setdefault("platform", "vssid")
    return data


def _state() -> dict[str, Any]:
    """What the server holds, without the ids and times that differ between two runs of the same records."""
    statuses = {s.pk: (s.household_id, s.resident_id, s.item_id) for s in AdoptionStatus.objects.all()}
    return {
        "activities": sorted(
            (
                str(a.uuid),
                a.kind,
                a.commune_id,
                a.village_id,
                a.household_id,
                a.resident_id,
                a.team_id,
                a.platform_id,
                a.outcome_id,
                a.channel,
                a.people_reached,
                a.note,
                a.occurred_on,
                a.version,
                a.voided_at is not None,
                tuple(statuses.get(pk, "gone") for pk in a.effects),
            )
            for a in Activity.objects.all()
        ),
        "statuses": sorted(statuses.values(), key=str),
        "events": Counter(AdoptionEvent.objects.values_list("household_id", "resident_id", "item_id", "action")),
        "households": sorted(Household.objects.values_list("pk", "version", "smartphones")),
        "cells": set(
            ProgressCell.objects.exclude(value=0).values_list("level", "unit", "indicator", "bucket", "value")
        ),
        "audit": Counter(
            (e.action, e.target_type, e.unit_id, json.dumps(e.details, sort_keys=True))
            for e in AuditEvent.objects.all()
        ),
        "receipts": sorted(SyncReceipt.objects.values_list("uuid", "kind", "digest")),
        "conflicts": sorted(SyncConflict.objects.values_list("uuid", "base_version", "found_version")),
    }


def _answers(records: list[Any], answers: list[services.Answer], known: dict[str, set[int]]) -> list[dict[str, Any]]:
    """The answers, with the id of a row made by this run (its number differs from run to run) as "new"."""
    out = []
    for record, answer in zip(records, answers, strict=True):
        row = answer.as_dict()
        kind = record.get("type") if isinstance(record, dict) else None
        if row["id"] is not None and row["id"] not in known.get(str(kind), set()):
            row["id"] = "new"
        out.append(row)
    return out


def _known_ids() -> dict[str, set[int]]:
    """Ids that exist before a run, by the kind of record whose answer names them: a resend answers with the
    first record's id, which both runs share."""
    return {
        "activity": set(Activity.objects.values_list("pk", flat=True)),
        "adoption": set(AdoptionStatus.objects.values_list("pk", flat=True)),
        "household": set(Household.objects.values_list("pk", flat=True)),
    }


def _both_ways(actor: Any, records: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """(answers one by one, answers of the batch path, the state the batch left); the state one by one
    left is checked equal to the batch's."""
    known = _known_ids()
    with transaction.atomic():
        answers = [services._one(actor, record) for record in records]
        services._flag_repeats(answers)  # as push does once its records are stored
        one_by_one = _answers(records, answers, known)
        expected = _state()
        transaction.set_rollback(True)
    batched = _answers(records, services.push(actor=actor, records=records), known)
    state = _state()
    assert state == expected
    return one_by_one, batched, state


def test_a_mixed_batch_is_answered_and_stored_exactly_as_one_by_one(world: dict[str, Any], users: Users) -> None:
    actor, tree = world["actor"], world["tree"]
    # Records the server has already: resent the same, resent changed, voided since, and one to edit.
    same, changed, voided, edited = (_record(_talk(world, people=n)) for n in (11, 12, 13, 14))
    for record in (same, changed, voided, edited):
        assert services._one(actor, record).status == "accepted"
    activity_void(actor=actor, activity=Activity.objects.get(uuid=voided["uuid"]))
    version = Household.objects.get(pk=world["mine"].pk).version
    new_talk = _record(_talk(world))
    first_guide = _record(_guide(world, world["level2"]))
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=2))
    records: list[Any] = [
        new_talk,
        same,
        first_guide,
        {**changed, "data": {**changed["data"], "people_reached": 99}},
        _record(_guide(world, world["level2"], note="lần hai")),  # the status is there already: no effect
        _record(_talk(world, occurred_on=tomorrow)),
        _record(_talk(world, village_id=tree.v2.pk)),
        _record(_guide(world, world["level2"], household_id=world["other"].pk, resident_id=None)),
        voided,
        _record(_guide(world, platform="nope")),
        {
            "uuid": str(uuid.uuid4()),
            "type": "adoption",
            "data": {"household_id": world["mine"].pk, "item": "village_group"},
        },
        new_talk,  # the same record twice in one batch
        {**first_guide, "data": {**first_guide["data"], "note": "khác"}},
        {**edited, "data": {**edited["data"], "people_reached": 41}, "base_version": 1},
        {
            "uuid": str(uuid.uuid4()),
            "type": "household",
            "base_version": version + 2,  # after the guidance's status and the tick above: only in order
            "data": {"household_id": world["mine"].pk, "fields": {"smartphones": 2}},
        },
        _record(
            {"kind": "group", "occurred_on": str(timezone.localdate()), "commune_id": tree.c1.pk, "people_reached": 12}
        ),
        _record(
            {"kind": "group", "occurred_on": str(timezone.localdate()), "commune_id": tree.c3.pk, "people_reached": 5}
        ),
        "junk",
        {"uuid": "not-a-uuid", "type": "activity", "data": _talk(world)},
        {"uuid": str(uuid.uuid4()), "type": "photo", "data": {}},
        {"uuid": str(uuid.uuid4()), "type": "activity", "data": "nothing"},
        _record(_guide(world, world["level2"], household_id="abc")),
        _record(_guide(world, world["level2"], platform="dvc")),
        _record(_talk(world, channel="")),
        _record({"kind": "guidance", "occurred_on": str(timezone.localdate()), "platform": "vssid"}),
        _record(_guide(world, world["installed"], resident_id=world["stranger"].pk)),
        _record(_talk(world, people=0)),
        _record(_guide(world, world["installed"])),  # another status: an effect
        _record(_talk(world, people=7)),
    ]

    one_by_one, batched, _state_after = _both_ways(actor, records)

    assert batched == one_by_one
    assert [answer["status"] for answer in batched] == [
        "accepted", "duplicate", "accepted", "conflict", "accepted", "refused", "refused", "refused", "duplicate",
        "refused", "accepted", "duplicate", "conflict", "edited", "accepted", "accepted", "refused", "refused",
        "refused", "refused", "refused", "refused", "refused", "refused", "refused", "refused", "refused",
        "accepted", "accepted",
    ]  # fmt: skip
    assert check() == []
    new = Activity.objects.get(uuid=new_talk["uuid"])
    assert new.team_id == Team.objects.get(village=tree.v1).pk
    assert Activity.objects.get(uuid=records[15]["uuid"]).team_id == Team.objects.get(village=None).pk
    assert len(Activity.objects.get(uuid=first_guide["uuid"]).effects) == 1
    assert Activity.objects.get(uuid=records[4]["uuid"]).effects == []


def test_a_batch_of_new_records_takes_a_few_queries_not_a_few_per_record(world: dict[str, Any]) -> None:
    actor = world["actor"]
    services.push(actor=actor, records=[_record(_talk(world))])  # the catalogue's rules, read once per process
    records = [_record(_talk(world, people=n + 1)) for n in range(50)]
    records += [_record(_guide(world, world["level2"] if n == 0 else None)) for n in range(10)]

    flags_before = Flag.objects.count()
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        answers = services.push(actor=actor, records=records)

    assert {answer.status for answer in answers} == {"accepted"}
    # Prefetch (existing UUIDs, platforms, households, their scope, villages, residents, outcomes, teams), the
    # one status the outcome reaches (lock, insert, its history, the household's version, its audit event),
    # one insert of the records, one of their audit events, one cell upsert; not ~9 queries a record as before.
    # The data-quality rules add one grouped count of the member's day, and (61 records in one day by one member
    # is over the rate rule's ceiling) a few queries per flag raised, each flag once for the whole batch.
    flags = Flag.objects.count() - flags_before
    assert 0 < flags <= 6
    budget = 25 + 1 + 2 + 9 * flags  # the count; the member's day read once; each flag
    assert len(queries.captured_queries) <= budget, [q["sql"][:80] for q in queries.captured_queries]
    assert check() == []


def test_a_batch_that_fails_to_store_falls_back_to_one_by_one(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same record stored meanwhile by a concurrent resend makes the batch's insert fail: every record
    is then sent on its own, and each gets its own answer."""
    actor = world["actor"]
    taken = _record(_talk(world, people=5))
    records = [_record(_talk(world, people=4)), taken, _record(_guide(world, world["level2"]))]
    real = services._Batch.__init__

    def a_resend_gets_there_first(batch: Any, *args: Any) -> None:
        real(batch, *args)  # the batch looked for known UUIDs: ``taken`` was not there yet
        assert services._one(actor, taken).status == "accepted"

    monkeypatch.setattr(services._Batch, "__init__", a_resend_gets_there_first)

    answers = services.push(actor=actor, records=records)

    assert [answer.status for answer in answers] == ["accepted", "duplicate", "accepted"]
    assert Activity.objects.count() == 3
    assert AdoptionStatus.objects.count() == 1
    assert check() == []


RECORD = st.tuples(
    st.integers(0, 7),  # which client UUID (a small pool: records are sent again, within and across batches)
    st.sampled_from(["talk", "guide_level2", "guide_installed", "guide", "group", "future", "elsewhere", "tick"]),
    st.integers(1, 3),  # people reached (another number under the same UUID is other content)
    st.integers(0, 40),  # days ago
    st.booleans(),  # with base_version 1 (an explicit edit when the UUID is known)
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(batches=st.lists(st.lists(RECORD, min_size=1, max_size=8), min_size=1, max_size=4))
def test_batches_are_answered_as_one_by_one_and_the_cells_equal_a_rebuild(
    world: dict[str, Any], batches: list[list[tuple[int, str, int, int, bool]]]
) -> None:
    actor, tree = world["actor"], world["tree"]
    pool = [str(uuid.UUID(int=n + 1)) for n in range(8)]
    with transaction.atomic():
        for batch in batches:
            records = []
            for key, what, people, days_ago, edit in batch:
                day = str(timezone.localdate() - datetime.timedelta(days=days_ago))
                data: dict[str, Any]
                if what == "talk":
                    data = _talk(world, people=people, occurred_on=day)
                elif what == "guide_level2":
                    data = _guide(world, world["level2"], occurred_on=day)
                elif what == "guide_installed":
                    data = _guide(world, world["installed"], occurred_on=day, note=str(people))
                elif what == "guide":
                    data = _guide(world, occurred_on=day, note=str(people))
                elif what == "group":
                    data = {"kind": "group", "occurred_on": day, "commune_id": tree.c1.pk, "people_reached": people}
                elif what == "future":
                    data = _talk(world, occurred_on=str(timezone.localdate() + datetime.timedelta(days=3)))
                elif what == "elsewhere":
                    data = _talk(world, village_id=tree.v2.pk)
                else:
                    records.append(
                        {
                            "uuid": pool[key],
                            "type": "adoption",
                            "data": {"household_id": world["mine"].pk, "item": "village_group", "action": "set"},
                        }
                    )
                    continue
                records.append(_record(data, key=pool[key], base_version=1 if edit else None))
            one_by_one, batched, _state_after = _both_ways(actor, records)
            assert batched == one_by_one
        assert check() == []
        transaction.set_rollback(True)
