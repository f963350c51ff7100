"""Household services: validation, version on every change, adoption ticks with history, scope, stopped processing,
and the audit trail."""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.households import selectors, services
from cdtt.households.models import AdoptionEvent, AdoptionStatus, Consent, Household, ProcessingActivity, Resident
from cdtt.households.services import HouseholdIn, ResidentIn
from conftest import Tree, Users

D = datetime.date


@dataclass
class World:
    tree: Tree
    users: Users
    household: Household  # in V1 of C1
    resident: Resident


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    household = services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(
            consent="verbal", head_name="Nguyễn Văn An", phone="0912 345 678", members_count=4, adults_count=2
        ),
    )
    resident = services.resident_add(
        actor=users.commune_officer,
        household=household,
        data=ResidentIn(full_name="Nguyễn Thị Bình", birth_year=1990, gender="female", relationship="spouse"),
    )
    return World(tree, users, Household.objects.get(pk=household.pk), resident)


def _version(household: Household) -> int:
    return Household.objects.get(pk=household.pk).version


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# -- create and update ----------------------------------------------------------------------------


def test_a_new_household_is_stored_in_nfc_with_a_normal_phone(tree: Tree, users: Users) -> None:
    decomposed = unicodedata.normalize("NFD", "  Trần   Thị Hoa ")
    household = services.household_create(
        actor=users.team_member,
        village=tree.v1,
        data=HouseholdIn(
            consent="verbal",
            head_name=decomposed,
            address=unicodedata.normalize("NFD", "Số 5 ngõ Hòe"),
            phone="+84 912.345.678",
            phone2="84-903-111-222",
            internet="fibre",
        ),
    )
    stored = Household.objects.get(pk=household.pk)
    assert stored.head_name == "Trần Thị Hoa"
    assert unicodedata.is_normalized("NFC", stored.head_name)
    assert stored.address == "Số 5 ngõ Hòe"
    assert (stored.phone, stored.phone2) == ("0912345678", "0903111222")
    assert (stored.commune_id, stored.version, stored.created_by_id) == (tree.c1.pk, 1, users.team_member.pk)
    assert stored.head_name_folded == "tran thi hoa"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (HouseholdIn(head_name="  "), "head_name", "Enter the head of household's name."),
        (HouseholdIn(head_name="A", members_count=3, adults_count=4), "adults_count", None),
        (HouseholdIn(head_name="A", internet="satellite"), "internet", "Unknown internet connection."),
        (HouseholdIn(consent="verbal", head_name="A", phone="12345"), "phone", None),
        (HouseholdIn(consent="verbal", head_name="A", phone2="0912"), "phone2", None),
        (HouseholdIn(head_name="A", members_count=61), "members_count", None),
        (HouseholdIn(consent="verbal", head_name="A", smartphones=-1), "smartphones", None),
    ],
    ids=["no name", "adults over members", "unknown internet", "bad phone", "bad phone2", "too many", "negative"],
)
def test_a_household_with_bad_fields_is_refused(
    tree: Tree, users: Users, data: HouseholdIn, field: str, message: str | None
) -> None:
    with pytest.raises(DomainError) as caught:
        services.household_create(actor=users.commune_officer, village=tree.v1, data=data)
    assert caught.value.field == field
    if message is not None:
        assert caught.value.message == _(message)
    if field == "adults_count":
        assert caught.value.message == _("There cannot be more adults than members.")
    assert not Household.objects.exists()
    assert not AuditEvent.objects.filter(action="household.create").exists()


def test_a_caretaker_must_be_a_member_of_the_commune(tree: Tree, users: Users) -> None:
    from cdtt.teams.models import Member

    far = Member.objects.create(commune=tree.c3, full_name="Lý Văn Xa")
    with pytest.raises(DomainError) as caught:
        services.household_create(
            actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name="A", caretaker_id=far.pk)
        )
    assert caught.value.field == "caretaker_id"
    near = Member.objects.create(commune=tree.c1, full_name="Lê Văn Gần")
    household = services.household_create(
        actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name="A", caretaker_id=near.pk)
    )
    assert household.caretaker_id == near.pk


def test_an_update_raises_the_version_and_logs_the_changed_fields(world: World) -> None:
    before = _version(world.household)
    household = services.household_update(
        actor=world.users.team_member,
        household=world.household,
        data=HouseholdIn(
            consent="verbal", head_name="Nguyễn Văn An", phone="0912345678", members_count=5, adults_count=3
        ),
    )
    assert household.version == _version(world.household) == before + 1
    event = AuditEvent.objects.filter(action="household.update").get()
    assert sorted(event.details["fields"]) == ["adults_count", "members_count"]
    assert (event.target_id, event.unit_id, event.actor_id) == (
        str(world.household.pk),
        world.tree.c1.pk,
        world.users.team_member.pk,
    )


def test_every_change_raises_the_version(world: World) -> None:
    officer, household = world.users.commune_officer, world.household
    seen = [_version(household)]

    def step() -> None:
        seen.append(_version(household))

    services.household_update(actor=officer, household=household, data=HouseholdIn(head_name="Nguyễn Văn Ân"))
    step()
    resident = services.resident_add(actor=officer, household=household, data=ResidentIn(full_name="Nguyễn Văn Cả"))
    step()
    services.resident_update(actor=officer, resident=resident, data=ResidentIn(full_name="Nguyễn Văn Cả", phone=""))
    step()
    services.adoption_set(actor=officer, household=household, item_code="epayment")
    step()
    services.adoption_unset(actor=officer, household=household, item_code="epayment")
    step()
    assert seen == list(range(seen[0], seen[0] + 6))


def test_an_update_from_a_stale_copy_keeps_the_newer_version_and_flags(world: World) -> None:
    stale = Household.objects.get(pk=world.household.pk)
    services.adoption_set(actor=world.users.commune_officer, household=world.household, item_code="epayment")
    fresh = _version(world.household)
    # Meanwhile consent was withdrawn elsewhere: the stale copy must not switch processing back on.
    Household.objects.filter(pk=stale.pk).update(processing_stopped=True)
    services.household_update(actor=world.users.commune_officer, household=stale, data=HouseholdIn(head_name="An"))
    stored = Household.objects.get(pk=stale.pk)
    assert stored.version == fresh + 1
    assert stored.processing_stopped is True
    assert stored.head_name == "An"


def test_a_resident_is_validated(world: World) -> None:
    officer = world.users.commune_officer
    cases = [
        (ResidentIn(full_name=" "), "full_name"),
        (ResidentIn(full_name="A", birth_year=timezone.localdate().year + 1), "birth_year"),
        (ResidentIn(full_name="A", birth_year=1850), "birth_year"),
        (ResidentIn(full_name="A", relationship="cousin"), "relationship"),
        (ResidentIn(full_name="A", gender="x"), "gender"),
        (ResidentIn(full_name="A", phone="999"), "phone"),
    ]
    for data, field in cases:
        with pytest.raises(DomainError) as caught:
            services.resident_add(actor=officer, household=world.household, data=data)
        assert caught.value.field == field, data
    assert list(Resident.objects.values_list("pk", flat=True)) == [world.resident.pk]
    resident = services.resident_add(
        actor=officer,
        household=world.household,
        data=ResidentIn(full_name=unicodedata.normalize("NFD", "Đỗ  Thị Lụa"), phone="+84 977 333 444"),
    )
    assert (resident.full_name, resident.phone, resident.name_folded) == ("Đỗ Thị Lụa", "0977333444", "do thi lua")


# -- adoption -------------------------------------------------------------------------------------


def test_ticking_twice_keeps_one_status_and_one_event(world: World) -> None:
    officer, household = world.users.team_member, world.household
    first = services.adoption_set(actor=officer, household=household, item_code="epayment", reached_on=D(2025, 9, 1))
    version = _version(household)
    second = services.adoption_set(actor=officer, household=household, item_code="epayment")
    assert second.pk == first.pk
    assert second.reached_on == D(2025, 9, 1)
    assert AdoptionStatus.objects.filter(household=household).count() == 1
    assert AdoptionEvent.objects.filter(household=household).count() == 1
    assert _version(household) == version
    assert AuditEvent.objects.filter(action="adoption.set").count() == 1


def test_undoing_keeps_the_tick_and_its_undo_in_the_history(world: World) -> None:
    officer, household = world.users.commune_officer, world.household
    services.adoption_set(actor=officer, household=household, item_code="vneid_level2", resident=world.resident)
    services.adoption_unset(actor=officer, household=household, item_code="vneid_level2", resident=world.resident)
    services.adoption_unset(actor=officer, household=household, item_code="vneid_level2", resident=world.resident)
    assert not AdoptionStatus.objects.exists()
    unset, tick = AdoptionEvent.objects.filter(household=household)  # newest first
    assert (tick.action, unset.action) == ("set", "unset")
    assert unset.undoes_id == tick.pk
    assert (unset.resident_id, unset.item_id) == (world.resident.pk, tick.item_id)
    assert tick.reached_on == timezone.localdate()
    assert unset.reached_on is None
    assert AuditEvent.objects.filter(action="adoption.unset").count() == 1


def test_an_undo_points_to_the_latest_tick(world: World) -> None:
    officer, household = world.users.commune_officer, world.household
    for _round in range(2):
        services.adoption_set(actor=officer, household=household, item_code="epayment")
        services.adoption_unset(actor=officer, household=household, item_code="epayment")
    events = list(AdoptionEvent.objects.filter(household=household))
    assert [e.action for e in events] == ["unset", "set", "unset", "set"]
    assert (events[0].undoes_id, events[2].undoes_id) == (events[1].pk, events[3].pk)


@pytest.mark.parametrize(
    ("code", "per_person", "message"),
    [
        ("vneid_level2", False, "“%(item)s” is recorded for a person, not a household."),
        ("ecommerce_stall", True, "“%(item)s” is recorded for the household."),
    ],
)
def test_an_item_is_ticked_only_where_it_applies(world: World, code: str, per_person: bool, message: str) -> None:
    from cdtt.households.models import AdoptionItem

    resident = world.resident if per_person else None
    with pytest.raises(DomainError) as caught:
        services.adoption_set(
            actor=world.users.commune_officer, household=world.household, item_code=code, resident=resident
        )
    assert caught.value.message == _(message) % {"item": AdoptionItem.objects.get(code=code).name}
    with pytest.raises(DomainError):
        services.adoption_unset(
            actor=world.users.commune_officer, household=world.household, item_code=code, resident=resident
        )
    assert not AdoptionStatus.objects.exists()
    assert not AdoptionEvent.objects.exists()


def test_an_item_for_both_is_ticked_for_the_household_and_each_person(world: World) -> None:
    officer, household = world.users.commune_officer, world.household
    services.adoption_set(actor=officer, household=household, item_code="smartphone")
    services.adoption_set(actor=officer, household=household, item_code="smartphone", resident=world.resident)
    assert AdoptionStatus.objects.filter(household=household).count() == 2


def test_unknown_or_inactive_items_are_refused(world: World) -> None:
    from cdtt.households.models import AdoptionItem

    AdoptionItem.objects.filter(code="epayment").update(is_active=False)
    for code in ["no_such_item", "epayment"]:
        with pytest.raises(DomainError) as caught:
            services.adoption_set(actor=world.users.commune_officer, household=world.household, item_code=code)
        assert caught.value.field == "item"
    assert not AdoptionStatus.objects.exists()


def test_a_date_in_the_future_is_refused(world: World) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        services.adoption_set(
            actor=world.users.commune_officer, household=world.household, item_code="epayment", reached_on=tomorrow
        )
    assert (caught.value.field, caught.value.message) == ("reached_on", _("The date cannot be in the future."))
    assert not AdoptionStatus.objects.exists()


def test_a_person_of_another_household_is_not_found(world: World) -> None:
    other = services.household_create(actor=world.users.commune_officer, village=world.tree.v1, data=HouseholdIn("B"))
    with pytest.raises(NotFound):
        services.adoption_set(
            actor=world.users.commune_officer, household=other, item_code="vneid_level2", resident=world.resident
        )
    assert not AdoptionStatus.objects.exists()


# -- scope ----------------------------------------------------------------------------------------


def _writes(world: World, actor: Any) -> list[Any]:
    household, resident = world.household, world.resident
    return [
        lambda: services.household_create(actor=actor, village=world.tree.v1, data=HouseholdIn(head_name="B")),
        lambda: services.household_update(actor=actor, household=household, data=HouseholdIn(head_name="B")),
        lambda: services.resident_add(actor=actor, household=household, data=ResidentIn(full_name="B")),
        lambda: services.resident_update(actor=actor, resident=resident, data=ResidentIn(full_name="B")),
        lambda: services.adoption_set(actor=actor, household=household, item_code="epayment"),
        lambda: services.adoption_unset(actor=actor, household=household, item_code="epayment"),
    ]


def _register() -> tuple[Any, ...]:
    return (
        list(Household.objects.values_list("id", "head_name", "version", "processing_stopped")),
        list(Resident.objects.values_list("id", "full_name")),
        AdoptionStatus.objects.count(),
        AdoptionEvent.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("name", "error"), [("outsider", NotFound), ("province_officer", Forbidden)])
def test_writes_outside_the_scope_are_refused(world: World, name: str, error: type[Exception]) -> None:
    before = _register()
    for write in _writes(world, world.users.get(name)):
        with pytest.raises(error):
            write()
    assert _register() == before


def test_a_team_member_writes_only_in_their_own_village(world: World) -> None:
    other = services.household_create(actor=world.users.commune_officer, village=world.tree.v2, data=HouseholdIn("B"))
    member = world.users.team_member
    before = _register()
    with pytest.raises(NotFound):
        services.household_create(actor=member, village=world.tree.v2, data=HouseholdIn(head_name="C"))
    with pytest.raises(NotFound):
        services.adoption_set(actor=member, household=other, item_code="epayment")
    with pytest.raises(NotFound):
        selectors.household_get(user=member, household_id=other.pk)
    assert _register() == before


@pytest.mark.parametrize("name", ["outsider", "province_officer", "leader", "enterprise_partner"])
def test_reads_of_personal_details_stay_in_the_commune(world: World, name: str) -> None:
    user = world.users.get(name)
    error = NotFound if name == "outsider" else Forbidden
    with pytest.raises(error):
        selectors.household_get(user=user, household_id=world.household.pk)
    if name == "outsider":
        assert not selectors.household_list(user=user).exists()
    else:
        with pytest.raises(Forbidden):
            selectors.household_list(user=user)
    assert not AuditEvent.objects.filter(action="household.view").exists()


def test_a_retired_village_takes_no_new_household(world: World) -> None:
    from cdtt.geo.models import Village

    Village.objects.filter(pk=world.tree.v2.pk).update(valid_to=D(2025, 8, 1))
    village = Village.objects.get(pk=world.tree.v2.pk)
    with pytest.raises(DomainError):
        services.household_create(actor=world.users.commune_officer, village=village, data=HouseholdIn("B"))
    assert not Household.objects.filter(village=village).exists()


# -- stopped processing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"processing_stopped": True},
            "Processing of this household's data has stopped (consent withdrawn or restricted).",
        ),
        (
            {"erased_at": datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)},
            "This household's personal data was erased.",
        ),
    ],
    ids=["stopped", "erased"],
)
def test_a_household_whose_processing_stopped_takes_no_write(
    world: World, change: dict[str, Any], message: str
) -> None:
    Household.objects.filter(pk=world.household.pk).update(**change)
    world.household.refresh_from_db()
    world.resident.household = world.household
    before = _register()
    for write in _writes(world, world.users.commune_officer)[1:]:
        with pytest.raises(DomainError) as caught:
            write()
        assert caught.value.message == _(message)
    assert _register() == before


def test_a_person_whose_processing_stopped_takes_no_write(world: World) -> None:
    Resident.objects.filter(pk=world.resident.pk).update(processing_stopped=True)
    world.resident.refresh_from_db()
    officer = world.users.commune_officer
    before = _register()
    with pytest.raises(DomainError):
        services.resident_update(actor=officer, resident=world.resident, data=ResidentIn(full_name="B"))
    with pytest.raises(NotFound):
        services.adoption_set(
            actor=officer, household=world.household, item_code="vneid_level2", resident=world.resident
        )
    assert _register() == before


# -- the audit trail ------------------------------------------------------------------------------


def test_each_write_and_each_read_of_details_is_audited(tree: Tree, users: Users) -> None:
    actor = users.team_leader
    household = services.household_create(actor=actor, village=tree.v1, data=HouseholdIn(head_name="A"))
    Consent.objects.create(  # as given on the consents page (audited there): members are kept on consent
        household=household,
        activity=ProcessingActivity.objects.get(code="household_register"),
        given_by="A",
        given_at=timezone.now(),
        method="verbal",
    )
    services.household_update(actor=actor, household=household, data=HouseholdIn(head_name="B"))
    resident = services.resident_add(actor=actor, household=household, data=ResidentIn(full_name="C"))
    services.resident_update(actor=actor, resident=resident, data=ResidentIn(full_name="D"))
    services.adoption_set(actor=actor, household=household, item_code="epayment")
    services.adoption_unset(actor=actor, household=household, item_code="epayment")
    selectors.household_get(user=actor, household_id=household.pk)
    selectors.household_get(user=actor, household_id=household.pk, audit=False)
    assert _actions() == [
        "household.create",
        "household.update",
        "resident.create",
        "resident.update",
        "adoption.set",
        "adoption.unset",
        "household.view",
    ]
    events = AuditEvent.objects.all()
    assert {e.actor_id for e in events} == {actor.pk}
    assert {e.unit_id for e in events} == {tree.c1.pk}
    tick = events.get(action="adoption.set")
    assert (tick.target_id, tick.details) == (str(household.pk), {"item": "epayment", "resident": None})


# -- reads ----------------------------------------------------------------------------------------


def test_the_list_finds_gaps_in_person_level_items(world: World) -> None:
    officer = world.users.commune_officer
    other = services.household_create(actor=officer, village=world.tree.v1, data=HouseholdIn(head_name="Bùi Văn Cư"))
    services.adoption_set(actor=officer, household=world.household, item_code="vneid_level2", resident=world.resident)

    def names(**filters: Any) -> list[str]:
        households = selectors.household_list(user=officer, filters=selectors.HouseholdFilters(**filters))
        return [h.head_name for h in households]

    assert names(has_item="vneid_level2") == ["Nguyễn Văn An"]
    assert names(missing_item="vneid_level2") == [other.head_name]
    assert names(q="nguyen van") == ["Nguyễn Văn An"]
    assert names(q="345 678") == ["Nguyễn Văn An"]
    assert names(village_id=world.tree.v2.pk) == []


def test_figures_count_households_and_people(world: World) -> None:
    officer = world.users.commune_officer
    services.adoption_set(actor=officer, household=world.household, item_code="vneid_level2", resident=world.resident)
    services.adoption_set(actor=officer, household=world.household, item_code="epayment")
    figures = selectors.adoption_figures(user=world.users.province_officer, unit=world.tree.p1)
    assert figures == {
        "households": 1,
        "items": {"vneid_level2": {"households": 1, "people": 1}, "epayment": {"households": 1, "people": 0}},
    }
    with pytest.raises(NotFound):
        selectors.adoption_figures(user=world.users.outsider, unit=world.tree.c1)
