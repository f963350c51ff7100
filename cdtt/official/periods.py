"""The period of an imported figure: a whole year or a month, read strictly and stored as a progress bucket.

Provinces write a period as "2023", "06/2023", "T6/2023", "Tháng 6/2023", "Tháng 6 năm 2023", "2023-06", or
leave an Excel date cell (the month it falls in; a full date goes through the importers' one strict date
reader, so 31/02/2023 is refused here as everywhere). Anything else is refused with a message naming it.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.text import fold
from cdtt.geo.models import REFORM_DATE
from cdtt.transfers.importers import dates

_YEAR = re.compile(r"^(\d{4})$")
_MONTH_YEAR = re.compile(r"^(?:thang|t)?\s*(\d{1,2})\s*(?:[/.-]|nam)\s*(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_FULL_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[T ].*)?$|^\d{5}(?:\.0+)?$")
# The earliest year a province's kept figures are accepted for: the programme's first reports.
FIRST_YEAR = 2015


class PeriodProblem(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def bucket_of(year: int, month: int | None) -> int:
    return year * 100 + month if month else year


def split(bucket: int) -> tuple[int, int | None]:
    """(year, month or None) of a bucket."""
    return (bucket // 100, bucket % 100) if bucket >= 10000 else (bucket, None)


def label(bucket: int) -> str:
    """A bucket as people write it: "2023", "06/2023"."""
    year, month = split(bucket)
    return f"{month:02d}/{year}" if month else str(year)


def start_of(bucket: int) -> datetime.date:
    year, month = split(bucket)
    return datetime.date(year, month or 1, 1)


def end_of(bucket: int) -> datetime.date:
    year, month = split(bucket)
    if month is None:
        return datetime.date(year, 12, 31)
    following = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def parse(raw: str, *, column: str) -> int:
    """The bucket a period cell names; ``PeriodProblem`` with a Vietnamese message otherwise."""
    text = " ".join(raw.split())
    key = fold(text).replace("thang ", "thang").replace("thang", "thang ")
    key = " ".join(key.split())
    if match := _YEAR.match(key):
        return _checked(int(match.group(1)), None, text, column)
    if match := _MONTH_YEAR.match(key):
        return _checked(int(match.group(2)), int(match.group(1)), text, column)
    if match := _YEAR_MONTH.match(key):
        return _checked(int(match.group(1)), int(match.group(2)), text, column)
    if _FULL_DATE.match(key):
        try:
            day = dates.parse_date(text, column=column)
        except dates.DateProblem as problem:
            raise PeriodProblem(problem.message) from None
        return _checked(day.year, day.month, text, column)
    raise PeriodProblem(
        _("“%(value)s” in the column “%(column)s” is not a period; write a year (2023) or a month (06/2023).")
        % {"value": text, "column": column}
    )


def _checked(year: int, month: int | None, text: str, column: str) -> int:
    if month is not None and not 1 <= month <= 12:
        raise PeriodProblem(
            _("“%(value)s” in the column “%(column)s”: there is no month %(month)s.")
            % {"value": text, "column": column, "month": month}
        )
    if year > timezone.localdate().year + dates.YEARS_AHEAD:
        raise PeriodProblem(
            _("“%(value)s” in the column “%(column)s”: the year %(year)s is not plausible.")
            % {"value": text, "column": column, "year": year}
        )
    if year < FIRST_YEAR:
        raise PeriodProblem(
            _("“%(value)s” in the column “%(column)s”: figures from before %(year)s are not imported.")
            % {"value": text, "column": column, "year": FIRST_YEAR}
        )
    return bucket_of(year, month)


def check_future(bucket: int, *, today: datetime.date, text: str) -> str | None:
    """A message when the period has not begun yet (a figure cannot be official before its period)."""
    if start_of(bucket) > today:
        return _("The period “%(value)s” has not begun yet.") % {"value": text}
    return None


def check_before_reform(bucket: int, *, text: str) -> str | None:
    """A message unless the period ended before 1 July 2025, when the old units ended."""
    if end_of(bucket) >= REFORM_DATE:
        return _(
            "The period “%(value)s” does not end before %(date)s: the old communes ended then. Write the months "
            "up to 06/2025, and import later figures under today's communes."
        ) % {"value": text, "date": REFORM_DATE.strftime("%d/%m/%Y")}
    return None


def check_after_reform(bucket: int, *, text: str) -> str | None:
    """A message when the period ended before today's communes existed (1 July 2025)."""
    if end_of(bucket) < REFORM_DATE:
        return _(
            "The period “%(value)s” is before %(date)s, when today's communes did not exist yet; import it "
            "with the figures before 2025 under the old communes."
        ) % {"value": text, "date": REFORM_DATE.strftime("%d/%m/%Y")}
    return None
