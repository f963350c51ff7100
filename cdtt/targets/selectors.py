"""Reads for the target pages: the periods to choose from, a unit's own target, what may be set.

The subjects (units, villages) reaching these functions were already scoped by the page through
``access.scope``; the reads that depend on who asks take the user.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.activities.models import Activity
from cdtt.catalog.models import Indicator
from cdtt.core.errors import NotFound
from cdtt.geo.models import AdminUnit, Village
from cdtt.targets.models import Period, PeriodKind, Target
from cdtt.targets.periods import QUARTERS, calendar_period


def period_choices(today: Any = None) -> list[Period]:
    """This year, its quarters and months so far, last year, and the campaigns (newest first)."""
    today = today or timezone.localdate()
    wanted = [(PeriodKind.YEAR, today.year, 1)]
    wanted += [(PeriodKind.QUARTER, today.year, q) for q in range((today.month - 1) // 3 + 1, 0, -1)]
    wanted += [(PeriodKind.MONTH, today.year, m) for m in range(today.month, 0, -1)]
    wanted.append((PeriodKind.YEAR, today.year - 1, 1))
    # One query for the periods that exist; a missing one (a new month) is made once.
    calendar = Period.objects.filter(
        kind__in=[PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH], start__year__gte=today.year - 1
    )
    existing = {(p.kind, p.start): p for p in calendar}
    found = []
    for kind, year, number in wanted:
        if kind == PeriodKind.YEAR:
            month = 1
        elif kind == PeriodKind.QUARTER:
            month = QUARTERS[number][0]
        else:
            month = number
        period = existing.get((kind, datetime.date(year, month, 1)))
        found.append(period or calendar_period(kind, year, number))
    found += list(Period.objects.filter(kind=PeriodKind.CAMPAIGN).order_by("-start")[:20])
    return found


def period_chosen(*, wanted: str) -> tuple[Period, list[Period]]:
    """The period a page asked for (``?period=<id>``, this year when absent) and the periods to offer."""
    choices = period_choices()
    for period in choices:
        if str(period.pk) == wanted:
            return period, choices
    if wanted:
        other = Period.objects.filter(pk=as_id(wanted)).first()
        if other is not None:
            return other, [other, *choices]
    return choices[0], choices


def unit_target(*, unit: AdminUnit, indicator: Indicator, period: Period) -> Target | None:
    """The target the (already scoped) unit itself holds for one indicator and period."""
    return Target.objects.filter(period=period, indicator=indicator, unit=unit).first()


def target_for_split(*, user: Any, target_id: Any) -> Target:
    """A unit's target the user may split; the same 404 for missing and not theirs."""
    target = Target.objects.select_related("unit", "indicator", "period").filter(pk=as_id(target_id)).first()
    if target is None or target.unit is None or not scope_for(user).covers_unit(target.unit, Perm.ASSIGN_TARGETS):
        raise NotFound(_("The target was not found."))
    return target


def village_ids_with_figures(*, user: Any, ids: list[int]) -> set[int]:
    """Which of these villages the user may open a board of (a team member only their own)."""
    visible = scope_for(user).villages(Perm.VIEW_FIGURES).filter(pk__in=ids)
    return set(visible.values_list("pk", flat=True))


def may_record_in(*, user: Any, village: Village) -> bool:
    return scope_for(user).villages(Perm.RECORD_ACTIVITIES).filter(pk=village.pk).exists()


def activity_counts_mine(*, user: Any, village: Village, period: Period) -> dict[str, int]:
    """What the signed-in member recorded in the period (read from their own records)."""
    mine = Activity.objects.filter(
        recorded_by=user, village=village, voided_at__isnull=True, occurred_on__range=(period.start, period.end)
    )
    return {
        "guidance": mine.filter(kind="guidance").count(),
        "events": mine.exclude(kind="guidance").count(),
    }


def indicators_for(*, unit: AdminUnit, period: Period) -> Any:
    """The active indicators valid in the period's year that the unit may hold: national ones and its own
    province's."""
    year = period.start.year
    usable = Indicator.objects.filter(is_active=True).order_by("order", "code")
    ids = [i.pk for i in usable if i.valid_in(year) and (i.owner is None or unit.path.startswith(i.owner.path))]
    return Indicator.objects.filter(pk__in=ids).order_by("order", "code")


def period_get(*, period_id: Any) -> Period:
    """The period of that id; 404 when there is none (periods are the same for everyone: no scope)."""
    period = Period.objects.filter(pk=as_id(period_id)).first()
    if period is None:
        raise NotFound(_("The period was not found."))
    return period


def target_rows(*, subject: AdminUnit | Village, children: list[AdminUnit | Village], period: Period) -> Any:
    """The targets of an (already scoped) unit and of its children, or of a village, for a period."""
    if isinstance(subject, Village):
        rows = Target.objects.filter(period=period, village=subject)
    else:
        field = "village__in" if children and isinstance(children[0], Village) else "unit__in"
        rows = Target.objects.filter(period=period, unit=subject) | Target.objects.filter(
            period=period, **{field: children}
        )
    return rows.select_related("indicator").order_by("id")


def target_get(*, user: Any, target_id: Any) -> Target:
    """A target of a unit or village the user sees the figures of; the same 404 for missing and not theirs."""
    found = (
        Target.objects.select_related("unit", "village__commune", "indicator", "period")
        .filter(pk=as_id(target_id))
        .first()
    )
    if found is None:
        raise NotFound(_("The target was not found."))
    scope = scope_for(user)
    unit = found.unit or (found.village.commune if found.village else None)
    if unit is None or not (
        scope.covers_unit(unit, Perm.VIEW_FIGURES) or scope.units(Perm.VIEW_FIGURES).filter(pk=unit.pk).exists()
    ):
        raise NotFound(_("The target was not found."))
    return found
