"""The map of personal data stays complete: every text-like field of every model is declared one way or the other."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from cdtt.households.models import ProcessingActivity
from cdtt.privacy import datamap

TEXT_LIKE = (models.CharField, models.TextField, models.JSONField, models.GenericIPAddressField, models.FileField)


def _text_fields() -> set[tuple[str, str]]:
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, TEXT_LIKE)
    }


def test_every_text_field_is_declared_personal_or_not():
    personal = {(item.model, item.field) for item in datamap.FIELDS}
    not_personal = {(label, name) for label, names in datamap.NOT_PERSONAL.items() for name in names}
    missing = sorted(_text_fields() - personal - not_personal)
    assert not missing, f"declare these in cdtt/privacy/datamap.py (FIELDS or NOT_PERSONAL): {missing}"


def test_no_field_is_declared_both_ways_or_twice():
    personal = [(item.model, item.field) for item in datamap.FIELDS]
    assert len(personal) == len(set(personal))
    not_personal = {(label, name) for label, names in datamap.NOT_PERSONAL.items() for name in names}
    assert not set(personal) & not_personal


def test_every_declared_field_exists():
    existing = {(model._meta.label, field.name) for model in apps.get_models() for field in model._meta.concrete_fields}
    declared = {(item.model, item.field) for item in datamap.FIELDS}
    declared |= {(label, name) for label, names in datamap.NOT_PERSONAL.items() for name in names}
    assert declared <= existing, sorted(declared - existing)


def test_every_field_belongs_to_a_dataset_and_every_unit_path_resolves():
    codes = {item.code for item in datamap.DATASETS}
    for item in datamap.FIELDS:
        assert item.dataset in codes, item
        if item.unit_path:
            apps.get_model(item.model).objects.values(f"{item.unit_path}__path").query.get_compiler("default")


def test_every_consent_dataset_has_its_processing_activity(db):
    consent = {item.code for item in datamap.DATASETS if item.consent}
    assert consent <= set(ProcessingActivity.objects.values_list("code", flat=True))


def test_the_register_page_lists_every_dataset_of_the_map(signed_in):
    page = signed_in("team_member").get("/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/").content.decode()
    for item in datamap.DATASETS:
        assert item.name in page, item.code
    assert "activities.Activity.note" in page  # where it is stored


def test_the_register_is_linked_from_the_navigation(signed_in):
    page = signed_in("team_member").get("/ho-gia-dinh/").content.decode()
    assert 'href="/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/"' in page
