"""The official population as a source of the data-quality capacity rule (issue 19: "the capacity rule uses
official population where the register is incomplete").

Plugged into ``cdtt.quality.checks`` from ``OfficialConfig.ready()``, so quality knows nothing of this app.
Official figures are per commune. A village has none: where its commune's register holds fewer people than the
commune's official population (the register is partial, as it is while teams are still registering), the
village is judged against the commune's official figures, the one bound no village can exceed; a partial
register would otherwise flag every ordinary session of a village whose households are not all registered yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from cdtt.geo.models import AdminUnit, Village
from cdtt.official.models import FigureKind
from cdtt.official.selectors import latest_populations
from cdtt.quality.checks import Eligible, register_eligible


def official_eligible(unit: Any, day: datetime.date | None) -> Eligible | None:
    """A commune's latest official population and households published by ``day`` (for a village: its
    commune's, when that commune's register is partial); None above the commune or without an official
    population (two indexed queries)."""
    if isinstance(unit, Village):
        commune_figures = official_eligible(unit.commune, day)
        registered = register_eligible(unit.commune)
        if commune_figures is None or (registered is not None and registered.people >= commune_figures.people):
            return None
        return Eligible(commune_figures.people, commune_figures.households, source="official_commune")
    if not isinstance(unit, AdminUnit) or not unit.is_commune:
        return None
    people = latest_populations([unit.pk], until=day).get(unit.pk)
    if people is None:
        return None
    # No official household count: no more households than people, so the rule still holds for households.
    households = latest_populations([unit.pk], kind=FigureKind.HOUSEHOLDS, until=day).get(unit.pk, people)
    return Eligible(people=people, households=households, source="official")
