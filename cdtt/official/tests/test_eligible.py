"""The official population feeds the data-quality capacity rule where the household register is partial."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cdtt.households.services import HouseholdIn, household_create
from cdtt.official.eligible import official_eligible
from cdtt.official.models import FigureKind, OfficialFigure
from cdtt.official.periods import bucket_of
from cdtt.progress import engine
from cdtt.quality.checks import Eligible, eligible_population
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def test_a_communes_official_population_is_its_eligible_population(tree: Tree) -> None:
    OfficialFigure.objects.create(commune=tree.c1, kind=FigureKind.POPULATION, bucket=bucket_of(2026, None), value=9000)
    OfficialFigure.objects.create(commune=tree.c1, kind=FigureKind.HOUSEHOLDS, bucket=bucket_of(2026, 3), value=2100)
    day = datetime.date(2026, 6, 1)
    assert official_eligible(tree.c1, day) == Eligible(people=9000, households=2100, source="official")
    # Through the rule's own entry point: the app plugs the source in at start-up.
    assert eligible_population(tree.c1, day) == Eligible(people=9000, households=2100, source="official")


def test_no_official_figure_before_it_was_published_nor_for_other_communes(tree: Tree) -> None:
    OfficialFigure.objects.create(commune=tree.c1, kind=FigureKind.POPULATION, bucket=bucket_of(2026, 5), value=9000)
    assert official_eligible(tree.c1, datetime.date(2026, 4, 30)) is None  # the May figure was not out yet
    assert official_eligible(tree.c1, datetime.date(2026, 5, 2)) == Eligible(9000, 9000, "official")
    assert official_eligible(tree.c2, datetime.date(2026, 5, 2)) is None
    # A village has no official figure of its own: with nothing registered, its commune's is the bound.
    assert official_eligible(tree.v1, datetime.date(2026, 5, 2)) == Eligible(9000, 9000, "official_commune")


def test_a_village_of_a_commune_with_a_partial_register_is_judged_against_the_communes_official_figures(
    tree: Tree, users: Users
) -> None:
    # Three households of four registered, in a commune of 9,000 people: the register is partial.
    for k in range(3):
        household_create(
            actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name=f"Hộ {k}", members_count=4)
        )
    engine.forget_rules()  # the register's totals are kept per process beside the counting rules
    day = timezone.localdate()
    assert eligible_population(tree.v1, day) == Eligible(12, 3, "register")
    OfficialFigure.objects.create(commune=tree.c1, kind=FigureKind.POPULATION, bucket=bucket_of(2026, None), value=9000)
    assert eligible_population(tree.v1, day) == Eligible(12, 3, "register")  # kept per process like the register
    engine.forget_rules()  # ... until the counting rules are read again (RULES_TTL)
    assert eligible_population(tree.v1, day) == Eligible(9000, 9000, "official_commune")
    # A commune whose official population the register already reaches: the village's own register counts.
    OfficialFigure.objects.filter(commune=tree.c1).update(value=10)
    engine.forget_rules()
    assert eligible_population(tree.v1, day) == Eligible(12, 3, "register")
