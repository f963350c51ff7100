"""The period calendar: the year, half-year, quarter and month periods, made on first use.

Its own module (not ``targets.services``) so the progress and report reads can name a calendar period
without depending on the target services, which themselves read progress.
"""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.targets.models import Period, PeriodKind

QUARTERS = {1: (1, 3), 2: (4, 6), 3: (7, 9), 4: (10, 12)}


def calendar_period(kind: str, year: int, number: int = 1) -> Period:
    """The year, half-year (1-2), quarter (1-4) or month (1-12) period, made on first use.

    Its name is stored, so it is always in the platform's language (Vietnamese), whoever makes it first.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _calendar_period(kind, year, number)


def calendar_bounds(kind: str, year: int, number: int = 1) -> tuple[datetime.date, datetime.date]:
    """First and last day of the year, half-year (1-2), quarter (1-4) or month (1-12) ``number`` of ``year``."""
    months: dict[str, tuple[int, int] | None] = {
        PeriodKind.YEAR: (1, 12),
        PeriodKind.HALF: {1: (1, 6), 2: (7, 12)}.get(number),
        PeriodKind.QUARTER: QUARTERS.get(number),
        PeriodKind.MONTH: (number, number) if 1 <= number <= 12 else None,
    }
    found = months.get(kind)
    if found is None:
        raise DomainError(_("Unknown period."))
    first, last = found
    return datetime.date(year, first, 1), datetime.date(year, last, calendar.monthrange(year, last)[1])


def _calendar_period(kind: str, year: int, number: int) -> Period:
    start, end = calendar_bounds(kind, year, number)
    name = {
        PeriodKind.YEAR: _("Year %(y)s"),
        PeriodKind.HALF: _("Half-year %(h)s/%(y)s"),
        PeriodKind.QUARTER: _("Quarter %(q)s/%(y)s"),
        PeriodKind.MONTH: _("Month %(m)s/%(y)s"),
    }[PeriodKind(kind)] % {"h": number, "q": number, "m": number, "y": year}
    try:
        with transaction.atomic():
            period, _created = Period.objects.get_or_create(kind=kind, start=start, defaults={"end": end, "name": name})
    except IntegrityError:  # made at the same moment by another request
        period = Period.objects.get(kind=kind, start=start)
    return period
