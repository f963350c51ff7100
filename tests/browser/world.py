"""Shared data for browser tests: a small tree with a commune officer and a team member, and sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cdtt.accounts.models import Role, User
from cdtt.geo.models import REFORM_DATE, AdminUnit, UnitKind, Village
from tests.builders import make_user

PASSWORD = "Mat-khau-thu-2026"


@dataclass
class Tree:
    commune: AdminUnit
    other_commune: AdminUnit
    village: Village
    other_village: Village


def _standard_data() -> None:
    """The rows data migrations made (adoption checklist, register of processing): a transactional test
    before this one may have flushed them."""
    import importlib

    from django.apps import apps

    importlib.import_module("cdtt.households.migrations.0002_catalogue").forwards(apps, None)


@pytest.fixture
def tree(transactional_db: Any) -> Tree:
    _standard_data()
    root = AdminUnit.objects.create(code="VN", name="Việt Nam", short_name="Việt Nam", kind=UnitKind.NATIONAL)
    hn = AdminUnit.objects.create(
        code="01",
        name="Thành phố Hà Nội",
        short_name="Hà Nội",
        kind=UnitKind.PROVINCE,
        parent=root,
        valid_from=REFORM_DATE,
    )
    hcm = AdminUnit.objects.create(
        code="79",
        name="Thành phố Hồ Chí Minh",
        short_name="Hồ Chí Minh",
        kind=UnitKind.PROVINCE,
        parent=root,
        valid_from=REFORM_DATE,
    )
    commune = AdminUnit.objects.create(
        code="00583",
        name="Xã Bát Tràng",
        short_name="Bát Tràng",
        kind=UnitKind.COMMUNE,
        parent=hn,
        valid_from=REFORM_DATE,
    )
    other = AdminUnit.objects.create(
        code="26740",
        name="Phường Sài Gòn",
        short_name="Sài Gòn",
        kind=UnitKind.WARD,
        parent=hcm,
        valid_from=REFORM_DATE,
    )
    village = Village.objects.create(commune=commune, name="Thôn Giang Cao")
    other_village = Village.objects.create(commune=other, name="Khu phố 1", kind="khu_pho")
    make_user("xa", "Cán bộ xã Bát Tràng", role=Role.COMMUNE_OFFICER, unit=commune, password=PASSWORD)
    make_user("tovien", "Trần Thị Bình", role=Role.TEAM_MEMBER, unit=commune, village=village, password=PASSWORD)
    return Tree(commune, other, village, other_village)


def village_households(tree: Tree, names: list[str]) -> None:
    """One household per name in the tree's village, each with its head as a resident (recorded by ``xa``)."""
    from cdtt.catalog.services import catalog_load
    from cdtt.households.models import Relationship
    from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add

    catalog_load()
    officer = User.objects.get(username="xa")
    for name in names:
        household = household_create(
            actor=officer,
            village=tree.village,
            data=HouseholdIn(consent="verbal", head_name=name, members_count=3, adults_count=2),
        )
        resident_add(
            actor=officer, household=household, data=ResidentIn(full_name=name, relationship=Relationship.HEAD)
        )


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")


def collect_console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors
