"""Erasure reaches every place the map declares: the subject's name, phones and ID number are planted in every
declared field, the household is erased, and every text column of every table is searched afterwards."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, models
from django.utils import timezone

from cdtt.activities.models import Activity
from cdtt.core.models import AuditEvent
from cdtt.core.text import fold
from cdtt.households import privacy, services
from cdtt.households.models import Household, RequestKind
from cdtt.households.services import HouseholdIn, ResidentIn
from cdtt.privacy import datamap, erasure
from cdtt.privacy.tests.factory import Factory
from conftest import Tree, Users

HEAD = "Trần Văn Khải"
WIFE = "Lê Thị Duyên"
PHONE = "0912345671"
PHONE_TYPED = "0912 345 671"
WIFE_PHONE = "0987654329"
CCCD = "001090012345"
CCCD_TYPED = "001 090 012 345"
PLANTED = f"Ông {HEAD} (đt {PHONE_TYPED}), vợ là {WIFE.upper()} {WIFE_PHONE}, CCCD {CCCD_TYPED}"
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def _value(model_field: models.Field[Any, Any], text: str) -> Any:
    if isinstance(model_field, models.JSONField):
        return {"ghi_chu": text, "dong": [text, {"ten": HEAD, "sdt": PHONE}]}
    limit = getattr(model_field, "max_length", None)
    if limit and len(text) > limit:
        return f"{HEAD} {PHONE}"[:limit]
    return text


@pytest.fixture
def subject(tree: Tree, users: Users) -> Household:
    officer = users.commune_officer
    household = services.household_create(
        actor=officer,
        village=tree.v1,
        data=HouseholdIn(
            consent="verbal", head_name=HEAD, address="Số 9 ngõ Trúc", phone=PHONE, members_count=3, adults_count=2
        ),
    )
    services.resident_add(actor=officer, household=household, data=ResidentIn(full_name=HEAD, birth_year=1970))
    services.resident_add(
        actor=officer, household=household, data=ResidentIn(full_name=WIFE, birth_year=1975, phone=WIFE_PHONE)
    )
    Household.objects.filter(pk=household.pk).update(notes=f"CCCD {CCCD}")  # stored before masking existed
    return Household.objects.get(pk=household.pk)


def _plant(tree: Tree, users: Users, household: Household, factory: Factory | None = None) -> list[str]:
    """Put the subject's data in every declared place (with update(): as legacy rows hold it)."""
    factory = factory or Factory(tree, users, household)
    planted = []
    for item in erasure._targets():
        model = apps.get_model(item.model)
        model_field = model._meta.get_field(item.field)
        row = factory.get(model)
        model._base_manager.filter(pk=row.pk).update(**{model_field.attname: _value(model_field, PLANTED)})
        planted.append(f"{item.model}.{item.field}")
    return planted


# Uploaded files of the subject: named after them, or neutral but sent with a text that names them.
FILES = {
    "difficulties.DifficultyPhoto.file": "difficulties/1/anh-1.jpg",  # its difficulty names the subject
    "practices.PracticeImage.image": "practices/1/anh-2.jpg",  # its caption names the subject
    "transfers.ImportJob.file": f"imports/{fold(HEAD).replace(' ', '_')}.xlsx",  # named after them
    "teams.Decision.signed_scan": f"decisions/1/{PHONE}.pdf",  # their phone number
}


def _plant_files(factory: Factory) -> list[str]:
    """A stored file in every declared file field, each the subject's in one of the ways erasure must find."""
    names = []
    for item in datamap.fields_of(datamap.Kind.FILE):
        model = apps.get_model(item.model)
        row = factory.get(model)
        name = default_storage.save(FILES[f"{item.model}.{item.field}"], ContentFile(b"\x89PNG planted"))
        model._base_manager.filter(pk=row.pk).update(**{item.field: name})
        names.append(name)
    return names


def _texts() -> list[tuple[str, str, str]]:
    """(table, column, text) of every text-like column of every table, JSON decoded to plain characters."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind not in ("CharField", "TextField", "JSONField"):
                    continue
                name = connection.ops.quote_name(column.name)
                cursor.execute(f"SELECT {name} FROM {connection.ops.quote_name(table)}")  # noqa: S608
                for (value,) in cursor.fetchall():
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    if text[:1] in '{["':
                        with contextlib.suppress(ValueError):
                            text = json.dumps(json.loads(text), ensure_ascii=False)
                    found.append((table, column.name, text))
    return found


def _leaks() -> list[tuple[str, str]]:
    needles = [HEAD, WIFE, fold(HEAD), fold(WIFE)]
    numbers = [PHONE[1:], WIFE_PHONE[1:], CCCD]
    leaks = []
    for table, column, text in _texts():
        digits = "".join(ch for ch in text if ch.isdigit() or ch == " ").replace(" ", "")
        low = text.casefold()
        if any(needle.casefold() in low for needle in needles) or any(number in digits for number in numbers):
            leaks.append((table, column))
    return leaks


def _erase_by_request(users: Users, household: Household) -> None:
    officer = users.commune_officer
    data_request = privacy.request_open(
        actor=officer,
        household=household,
        kind=RequestKind.DELETE,
        requester=HEAD,
        contact=PHONE,
        details=f"Xin xóa dữ liệu của {HEAD}, CCCD {CCCD}",
        received_on=timezone.localdate(),
    )
    privacy.request_complete(actor=officer, data_request=data_request)


@pytest.mark.django_db(transaction=False)
def test_erasure_leaves_the_subject_nowhere_in_the_database(
    tree: Tree, users: Users, subject: Household, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    factory = Factory(tree, users, subject)
    planted = _plant(tree, users, subject, factory)
    files = _plant_files(factory)
    assert len(planted) >= 40
    assert len(files) == len(FILES)
    assert _leaks(), "the planting found nothing to erase"

    _erase_by_request(users, subject)

    assert _leaks() == []
    assert [name for name in files if default_storage.exists(name)] == []
    for item in datamap.fields_of(datamap.Kind.FILE):  # no row points at a deleted file
        assert not apps.get_model(item.model)._base_manager.exclude(**{item.field: ""}).exists(), item.model
    event = AuditEvent.objects.get(action="household.erase", target_id=str(subject.pk))
    assert event.details["redacted"]["activities.Activity.note"] == 1


def test_erasure_keeps_the_counts(tree: Tree, users: Users, subject: Household) -> None:
    _plant(tree, users, subject)
    counts = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
    _erase_by_request(users, subject)
    after = {model._meta.label: model._base_manager.count() for model in apps.get_models()}
    changed = {label for label in counts if counts[label] != after[label]}
    assert changed <= {"core.AuditEvent", "households.DataSubjectRequest"}
    call_command("check_aggregates")


def test_a_namesake_elsewhere_keeps_his_name_but_not_the_subjects_numbers(
    tree: Tree, users: Users, subject: Household
) -> None:
    far = Activity.objects.create(
        kind="guidance", commune=tree.c3, occurred_on=timezone.localdate(), note=f"Gặp ông {HEAD} ở khu phố 1"
    )
    numbers = Activity.objects.create(
        kind="guidance", commune=tree.c3, occurred_on=timezone.localdate(), note=f"Gọi {PHONE_TYPED} hỏi thăm"
    )
    _erase_by_request(users, subject)
    far.refresh_from_db()
    numbers.refresh_from_db()
    assert HEAD in far.note
    assert numbers.note == f"Gọi {erasure.REDACTED} hỏi thăm"


def test_every_place_where_a_subject_can_appear_is_planted() -> None:
    kinds = {datamap.Kind.FREE_TEXT, datamap.Kind.COPY, datamap.Kind.SUBJECT}
    declared = {
        f"{item.model}.{item.field}"
        for item in datamap.FIELDS
        if item.kind in kinds and item.model not in erasure._ERASED_DIRECTLY
    }
    assert declared == {f"{item.model}.{item.field}" for item in erasure._targets()}
