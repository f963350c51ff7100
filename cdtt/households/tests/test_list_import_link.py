"""The household list offers the file import to those who may import the commune's households."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from conftest import Tree


def test_the_commune_officer_finds_the_import_on_the_household_list(
    tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    page = signed_in("commune_officer").get(reverse("households:list"))

    assert page.status_code == 200
    link = reverse("transfers:household_import", args=[tree.c1.pk])
    assert f'href="{link}"' in page.content.decode()
    assert "Nhập hộ gia đình từ Excel/CSV" in page.content.decode()


def test_a_team_member_who_cannot_import_is_not_offered_it(tree: Tree, signed_in: Callable[[str], Client]) -> None:
    page = signed_in("team_member").get(reverse("households:list"))

    assert page.status_code == 200
    assert reverse("transfers:household_import", args=[tree.c1.pk]) not in page.content.decode()
    assert signed_in("team_member").get(reverse("transfers:household_import", args=[tree.c1.pk])).status_code in (
        403,
        404,
    )
