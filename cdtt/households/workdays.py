"""Working-day arithmetic for legal deadlines (Vietnam's calendar) and the deadlines of data-subject requests.

Law 91/2025/QH15 and Decree 356/2025/NĐ-CP: the controller answers a request within **2 working days** of
receiving it and carries it out within **15 days**, extendable once by up to **15 days**. Only the first
period is written in working days; the others are read as calendar days, the stricter reading (a calendar
deadline never falls later than the working-day one), so the platform cannot make an officer late.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

ACKNOWLEDGE_WORKING_DAYS = 2
COMPLETE_DAYS = 15
EXTENSION_DAYS = 15


@lru_cache(maxsize=32)
def _calendar(year: int) -> holidays.HolidayBase:
    """Vietnam's public holidays of one year (Tết included), with the Saturdays officially worked in exchange."""
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: datetime.date) -> bool:
    """Monday to Friday except public holidays; a Saturday swapped for a bridge day off counts as worked."""
    return bool(_calendar(day.year).is_working_day(day))


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself never counts); ``n`` = 0 gives ``start``."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    left = n
    while left:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def add_days(start: datetime.date, n: int) -> datetime.date:
    """``start`` plus ``n`` calendar days."""
    return start + datetime.timedelta(days=n)


def acknowledge_due(received_on: datetime.date) -> datetime.date:
    """The last day to acknowledge a request: 2 working days after it was received."""
    return add_working_days(received_on, ACKNOWLEDGE_WORKING_DAYS)


def complete_due(received_on: datetime.date) -> datetime.date:
    """The last day to carry a request out: 15 calendar days after it was received."""
    return add_days(received_on, COMPLETE_DAYS)


def extended_due(due: datetime.date) -> datetime.date:
    """The deadline after the one extension the law allows: 15 calendar days more."""
    return add_days(due, EXTENSION_DAYS)
