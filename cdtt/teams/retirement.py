"""A village with an open team may not retire (registered with ``cdtt.geo.retirement`` by TeamsConfig)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.geo.models import Village
from cdtt.teams.models import OPEN_STATUSES, Team


def refuse_with_open_team(village: Village) -> None:
    """Refuse while the village still has an active (or proposed) team: it must be dissolved first."""
    team = Team.objects.filter(village=village, status__in=OPEN_STATUSES).first()
    if team is not None:
        raise DomainError(
            _("%(village)s still has an active team (%(team)s). Dissolve the team first, then retire the village.")
            % {"village": village.name, "team": team.name}
        )
