"""A new course starts from the officer's own unit; a unit that does not fit the organiser is refused with a
message that names the field to change."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from cdtt.catalog.services import catalog_load
from cdtt.training.models import Course
from conftest import Tree


def test_a_province_officers_new_course_defaults_to_the_province_by_the_department(
    tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    form = signed_in("province_officer").get(reverse("training:course_new")).context["form"]

    assert form["unit"].value() == tree.p1.pk
    assert form["organiser"].value() == "province"
    assert next(pk for pk, _label in form.fields["unit"].choices) == tree.p1.pk


def test_a_commune_officers_new_course_defaults_to_the_commune_by_the_commune(
    tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    form = signed_in("commune_officer").get(reverse("training:course_new")).context["form"]

    assert form["unit"].value() == tree.c1.pk
    assert form["organiser"].value() == "commune"


def test_a_department_course_in_a_commune_is_refused_naming_the_unit_field(
    tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    catalog_load()
    today = datetime.date.today()
    answer = signed_in("province_officer").post(
        reverse("training:course_new"),
        {
            "title": "Tập huấn VNeID",
            "organiser": "province",
            "unit": tree.c2.pk,
            "covers_policy": "on",
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        },
    )

    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "unit" in errors
    assert "“Đơn vị”" in errors["unit"][0]
    assert not Course.objects.exists()
