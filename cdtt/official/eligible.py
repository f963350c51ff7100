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
from cdtt.progress import engine
from cdtt.quality.checks import Eligible, register_eligible

# (village or commune, id, month) -> the official figures, kept per process as long as the progress engine's
# counting rules (RULES_TTL): this runs for every record written, and a figure imported now is seen within
# that delay, as the register's totals are.
_cache: dict[tuple[str, int, int], Eligible | None] = {}
_cache_owner: list[Any] = [None]


def official_eligible(unit: Any, day: datetime.date | None) -> Eligible | None:
    """A commune's latest official population and households published by ``day`` (for a village: its
    commune's, when that commune's register is partial); None above the commune or without an official
    population. Kept per process and month (see ``_cache``): a few queries per commune and month, not per record."""
    if isinstance(unit, Village):
        key = ("village", unit.pk, engine.month_bucket(day) if day else 0)
        compute: Any = lambda: _village_figures(unit, day)  # noqa: E731
    elif isinstance(unit, AdminUnit) and unit.is_commune:
        key = ("commune", unit.pk, engine.month_bucket(day) if day else 0)
        compute = lambda: _commune_figures(unit, day)  # noqa: E731
    else:
        return None
    rules = engine.rules()
    if _cache_owner[0] is not rules:
        _cache.clear()
        _cache_owner[0] = rules
    if key not in _cache:
        _cache[key] = compute()
    return _cache[key]


def _village_figures(village: Village, day: datetime.date | None) -> Eligible | None:
    commune_figures = official_eligible(village.commune, day)
    registered = register_eligible(village.commune)
    if commune_figures is None or (registered is not None and registered.people >= commune_figures.people):
        return None
    return Eligible(commune_figures.people, commune_figures.households, source="official_commune")


def _commune_figures(unit: AdminUnit, day: datetime.date | None) -> Eligible | None:
    people = latest_populations([unit.pk], until=day).get(unit.pk)
    if people is None:
        return None
    # No official household count: no more households than people, so the rule still holds for households.
    households = latest_populations([unit.pk], kind=FigureKind.HOUSEHOLDS, until=day).get(unit.pk, people)
    return Eligible(people=people, households=households, source="official")
