"""The whole demo, in the order its parts depend on one another, in one transaction (each part runs once)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cdtt.catalog.services import catalog_load
from cdtt.demo.accounts import accounts_seed
from cdtt.demo.difficulties import difficulties_seed
from cdtt.demo.households import households_seed
from cdtt.demo.places import DEMO_COMMUNE, PROVINCE, demo_communes, villages_seed
from cdtt.demo.practices import practices_seed
from cdtt.demo.reports import reports_seed
from cdtt.demo.teams import team_seed
from cdtt.demo.training import training_seed
from cdtt.demo.year import year_seed
from cdtt.geo.models import AdminUnit
from cdtt.progress.rebuild import rebuild


@dataclass(frozen=True)
class DemoLoaded:
    """What a run made (zero or False for the parts an earlier run had made)."""

    communes: dict[str, AdminUnit]
    villages: int
    households: int
    difficulties: int
    team: bool
    training: bool


def demo_load(*, root: AdminUnit, password: str) -> DemoLoaded:
    """Make whatever of the demo is missing under the national ``root``; the accounts get ``password``."""
    with transaction.atomic():
        communes = demo_communes()
        villages = villages_seed(root=root, communes=communes)
        accounts_seed(root=root, communes=communes, password=password)
        team = team_seed(commune=communes[DEMO_COMMUNE])
        catalog_load()
        households = households_seed(communes=communes)
        difficulties = difficulties_seed()
        year_seed(communes=communes)
        rebuild()  # the progress cells of everything above, whatever order it was made in
        reports_seed()
        training = training_seed(province_code=PROVINCE, first_commune_code=DEMO_COMMUNE)
        practices_seed()
    return DemoLoaded(communes, villages, households, difficulties, team, training)
