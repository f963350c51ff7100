"""ID numbers typed into free text are stored masked, on every free-text field of the map and every write path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from cdtt.activities.models import Activity
from cdtt.core.bulk import insert_many
from cdtt.households import services
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn
from cdtt.privacy import datamap, idnumbers
from cdtt.privacy.tests.factory import Factory
from conftest import Tree, Users

CCCD = "001090012345"
CMND = "012345678"
TEXT = f"CCCD {CCCD}, CMND cũ {CMND}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f"số {CCCD}", [CCCD]),
        ("số 001 090 012 345", [CCCD]),
        ("0010.9001.2345", [CCCD]),
        (f"CMND {CMND}", [CMND]),
        ("gọi 0912345678 hoặc +84912345678", []),  # phones are not ID numbers
        ("hỗ trợ 150000000đ, 150.000.000 đồng, 200000000 VND", []),  # nor amounts
        ("mã 123456789012", []),  # 12 digits that are no province code
    ],
)
def test_it_tells_id_numbers_from_phones_and_money(text: str, found: list[str]) -> None:
    assert idnumbers.find(text) == found


def test_a_masked_number_keeps_only_its_last_three_digits() -> None:
    assert idnumbers.mask(TEXT) == "CCCD *********345, CMND cũ ******678"
    assert idnumbers.find(idnumbers.mask(TEXT)) == []


def test_every_free_text_field_of_the_map_stores_id_numbers_masked(tree: Tree, users: Users) -> None:
    officer = users.commune_officer
    household = services.household_create(actor=officer, village=tree.v1, data=HouseholdIn(head_name="A B"))
    factory = Factory(tree, users, Household.objects.get(pk=household.pk))
    fields = datamap.fields_of(datamap.Kind.FREE_TEXT)
    assert len(fields) > 30
    for item in fields:
        model = apps.get_model(item.model)
        model_field = model._meta.get_field(item.field)
        row = factory.get(model)
        limit = getattr(model_field, "max_length", None) or 1000
        setattr(row, model_field.attname, TEXT[:limit])
        row.save()
        stored = model._base_manager.values_list(model_field.attname, flat=True).get(pk=row.pk)
        assert CCCD not in stored and CMND not in stored, f"{item.model}.{item.field}"


def test_the_bulk_path_of_the_phones_masks_too(tree: Tree) -> None:
    activity = Activity(kind="guidance", commune=tree.c1, village=tree.v1, occurred_on=timezone.localdate(), note=TEXT)
    insert_many([activity])
    assert Activity.objects.get(pk=activity.pk).note == "CCCD *********345, CMND cũ ******678"


def test_a_note_typed_in_the_household_form_is_stored_masked(
    signed_in: Callable[..., Client], tree: Tree, users: Users
) -> None:
    household = services.household_create(
        actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name="Hà Văn Bốn", notes=TEXT)
    )
    assert Household.objects.get(pk=household.pk).notes == "CCCD *********345, CMND cũ ******678"
