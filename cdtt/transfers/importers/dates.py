"""Dates in imported rows: one strict reader for every importer.

Communes' lists write dates the Vietnamese way (05/03/2025, 5/3/2025, 05.03.2025, 05-03-2025), as ISO
(2025-03-05), or leave them as Excel date cells (read as ISO by ``tabular.cell_text``, or as a serial
number when a CSV was saved from Excel). Anything else, an impossible day (31/02/2025, month 13), a
two-digit year or an absurd one is refused with a row-level message naming the column, so that a
garbled date never slips into the platform silently. Column-specific bounds (a joining date in the
future, a birth year too early) stay with the importer that knows the column.
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.tabular import label_key

# Excel counts days from 1899-12-30 (its 1900 leap-year bug is why it is not 12-31).
EXCEL_EPOCH = datetime.date(1899, 12, 30)
MIN_YEAR = 1900
# A date more than this many years ahead is a typing slip (2205 for 2025), whatever the column.
YEARS_AHEAD = 5

_DMY = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d+)$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# Excel serials of 1927 onwards (five digits): a four-digit number in a date column is a year, not a day.
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_YEAR = re.compile(r"^\d{4}$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{4})$")


class DateProblem(ValueError):
    """A cell that is not a real, plausible date; ``message`` is for the row's report."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _max_year() -> int:
    return timezone.localdate().year + YEARS_AHEAD


def _build(year: int, month: int, day: int, *, value: str, column: str) -> datetime.date:
    names = {"value": value, "column": column}
    if not MIN_YEAR <= year <= _max_year():
        raise DateProblem(
            _("“%(value)s” in the column “%(column)s”: the year %(year)s is not plausible (from %(min)s to %(max)s).")
            % {**names, "year": year, "min": MIN_YEAR, "max": _max_year()}
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise DateProblem(
            _(
                "“%(value)s” in the column “%(column)s” is not a real date: day %(day)s of month %(month)s "
                "does not exist in %(year)s."
            )
            % {**names, "day": day, "month": month, "year": year}
        ) from None


def parse_date(raw: str, *, column: str) -> datetime.date:
    """The date a cell holds, or ``DateProblem`` with a message naming the value and the column."""
    text = raw.strip()
    if match := _DMY.match(text):
        day, month, year_text = int(match.group(1)), int(match.group(3)), match.group(4)
        if len(year_text) != 4:
            raise DateProblem(
                _("“%(value)s” in the column “%(column)s”: write the year with four digits, e.g. 05/03/2025.")
                % {"value": text, "column": column}
            )
        return _build(int(year_text), month, day, value=text, column=column)
    if match := _ISO.match(text):
        year, month, day = (int(part) for part in match.groups())
        return _build(year, month, day, value=text, column=column)
    if _SERIAL.match(text):
        day_value = EXCEL_EPOCH + datetime.timedelta(days=int(float(text)))
        return _build(day_value.year, day_value.month, day_value.day, value=text, column=column)
    raise DateProblem(
        _("“%(value)s” in the column “%(column)s” is not a date; write it as day/month/year, e.g. 05/03/2025.")
        % {"value": text, "column": column}
    )


def read_date(raw: str, *, column: str, errors: list[str]) -> datetime.date | None:
    """The cell's date; None when it is empty, or when it is bad (the message is appended to ``errors``)."""
    if not raw.strip():
        return None
    try:
        return parse_date(raw, column=column)
    except DateProblem as problem:
        errors.append(problem.message)
        return None


def read_year(raw: str, *, column: str, errors: list[str]) -> int | None:
    """A year (1985), a month and year (03/1985) or a full date (05/03/1985); None if empty or bad."""
    text = raw.strip()
    if not text:
        return None
    year: int | None = None
    if _YEAR.match(text):
        year = int(text)
    elif match := _MONTH_YEAR.match(text):
        month, year = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            year = None
    elif any(ch.isdigit() for ch in text):  # a full date, or a wrong one (its message says why)
        day = read_date(text, column=column, errors=errors)
        return day.year if day else None
    if year is None:
        errors.append(
            _("“%(value)s” in the column “%(column)s” is not a year or a date.") % {"value": text, "column": column}
        )
        return None
    if not MIN_YEAR <= year <= _max_year():
        errors.append(
            _("“%(value)s” in the column “%(column)s”: the year %(year)s is not plausible (from %(min)s to %(max)s).")
            % {"value": text, "column": column, "year": year, "min": MIN_YEAR, "max": _max_year()}
        )
        return None
    return year


# Header words of a date column the importer does not read ("Ngày cập nhật", "Ngày khảo sát"): its cells are
# still checked, because a garbled date there says the row (or the whole file) was typed or exported wrongly.
_DATE_HEADER = re.compile(r"^(?:ngay|date|thoi diem)\b|\bngay thang\b")


def is_date_header(key: str) -> bool:
    """Whether a header, in ``tabular.label_key`` form, names a date column."""
    return bool(_DATE_HEADER.search(key))


OTHER_DATE = "other_date:"  # prefix of a row's keys for the cells of date columns the import does not read


def other_date_columns(header: list[str], known: dict[str, int]) -> dict[str, int]:
    """Date columns of a header row that no known column took: the header as written -> its position."""
    taken = set(known.values())
    return {
        cell.strip(): pos
        for pos, cell in enumerate(header)
        if pos not in taken and cell.strip() and is_date_header(label_key(cell))
    }


def other_date_cells(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    """A row's cells of those date columns, under ``OTHER_DATE + header``."""
    return {OTHER_DATE + header: (cells[pos] if pos < len(cells) else "") for header, pos in columns.items()}


def check_other_dates(row: dict[str, str], errors: list[str]) -> None:
    """Append an error for each bad cell of a date column the import does not read (31/02/2025 there too)."""
    for key, text in row.items():
        if key.startswith(OTHER_DATE):
            read_date(str(text), column=key.removeprefix(OTHER_DATE), errors=errors)
