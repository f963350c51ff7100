"""The national-shaped world has the shapes it promises (tests/world.py)."""

from __future__ import annotations

import pytest

from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.households.models import Household
from cdtt.reports.models import Report, ReportStatus
from cdtt.reports.selectors import optional_kinds
from cdtt.teams.models import Decision, DecisionStatus, Team, TeamStatus
from tests.world import World

pytestmark = [pytest.mark.world, pytest.mark.django_db]


def test_the_world_is_the_whole_nation_with_its_legacy_tree(world: World) -> None:
    current = AdminUnit.objects.current()
    assert current.filter(kind=UnitKind.PROVINCE).count() == 34
    assert current.filter(parent__kind=UnitKind.PROVINCE).count() == 3321
    assert AdminUnit.objects.filter(valid_to__isnull=False).count() > 10_000
    assert world.seconds < 150, f"the world took {world.seconds:.0f} s to build: {world.notes}"
    print("world:", world.notes)


def test_the_world_has_the_shapes_real_data_takes(world: World) -> None:
    empty = world.units["empty"]
    assert not Village.objects.filter(commune=empty).exists()
    sai_gon = world.units["sai_gon"]
    assert Village.objects.active().filter(commune=sai_gon).count() == 2
    assert not Team.objects.filter(commune=sai_gon).exists()
    assert world.villages["retired"].valid_to is not None
    assert world.teams["dissolved"].status == TeamStatus.DISSOLVED
    assert world.teams["no_records"].status == TeamStatus.PROPOSED
    assert Decision.objects.filter(team=world.teams["demo"], status=DecisionStatus.SUPERSEDED).exists()
    assert Report.objects.filter(status=ReportStatus.RETURNED, unit=world.units["bat_trang"]).exists()
    assert Report.objects.filter(status=ReportStatus.RETURNED, village=world.villages["demo"]).exists()
    assert "quarter" in optional_kinds(world.units["hcm"])
    households = Household.objects.filter(village=world.villages["no_team"])
    assert sorted(h.residents.count() for h in households) == [0, 1]
