"""A village with households in the register may not retire (registered with ``cdtt.geo.retirement`` by
HouseholdsConfig)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.geo.models import Village
from cdtt.households.models import Household


def refuse_with_households(village: Village) -> None:
    """Refuse while households not erased still live in the village: they must move (or be erased) first."""
    households = Household.objects.filter(village=village, erased_at__isnull=True).count()
    if households:
        raise DomainError(
            _(
                "%(village)s still has %(n)s households in the register. Move them to the village that takes "
                "them over (or erase them) first, then retire the village."
            )
            % {"village": village.name, "n": households}
        )
