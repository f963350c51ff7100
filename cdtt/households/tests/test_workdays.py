"""Working days in Vietnam's calendar, and the deadlines of a data-subject request."""

from __future__ import annotations

import datetime

import pytest

from cdtt.households import workdays

D = datetime.date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2026, 3, 6), D(2026, 3, 10)),  # Friday -> Tuesday
        (D(2026, 3, 5), D(2026, 3, 9)),  # Thursday -> Monday
        (D(2026, 3, 7), D(2026, 3, 10)),  # Saturday -> Tuesday
        (D(2026, 3, 8), D(2026, 3, 10)),  # Sunday -> Tuesday
        (D(2026, 3, 9), D(2026, 3, 11)),  # Monday -> Wednesday
    ],
    ids=["friday", "thursday", "saturday", "sunday", "monday"],
)
def test_acknowledgement_is_due_two_working_days_later_skipping_the_weekend(
    received: datetime.date, due: datetime.date
) -> None:
    assert workdays.acknowledge_due(received) == due


def test_tet_2026_is_skipped() -> None:
    # Tết Bính Ngọ: Monday 16 to Friday 20 February 2026 are public holidays, then a weekend.
    assert workdays.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert workdays.add_working_days(D(2026, 2, 12), 2) == D(2026, 2, 23)
    assert not any(workdays.is_working_day(D(2026, 2, day)) for day in range(16, 21))


def test_tet_2025_is_skipped() -> None:
    # 27 January to 1 February 2025 (29 Tết to the fourth day) are holidays.
    assert workdays.acknowledge_due(D(2025, 1, 24)) == D(2025, 2, 4)


def test_new_year_across_the_year_end() -> None:
    assert workdays.acknowledge_due(D(2025, 12, 31)) == D(2026, 1, 5)


def test_a_saturday_worked_in_exchange_for_a_bridge_day_counts() -> None:
    # Saturday 26 April 2025 was worked so that Friday 2 May could be taken off.
    assert workdays.is_working_day(D(2025, 4, 26))
    assert not workdays.is_working_day(D(2025, 5, 2))
    assert workdays.add_working_days(D(2025, 4, 25), 2) == D(2025, 4, 28)
    assert workdays.add_working_days(D(2025, 4, 28), 2) == D(2025, 5, 5)  # 30/4, 1/5 and 2/5 are off


def test_completion_is_due_fifteen_calendar_days_later_and_extends_once_by_fifteen() -> None:
    assert workdays.complete_due(D(2026, 2, 13)) == D(2026, 2, 28)  # Tết does not move it
    assert workdays.complete_due(D(2026, 12, 25)) == D(2027, 1, 9)
    assert workdays.extended_due(D(2026, 2, 28)) == D(2026, 3, 15)
    assert workdays.add_days(D(2026, 3, 6), 0) == D(2026, 3, 6)


def test_zero_working_days_is_the_same_day_and_negative_is_refused() -> None:
    assert workdays.add_working_days(D(2026, 3, 7), 0) == D(2026, 3, 7)
    with pytest.raises(ValueError):
        workdays.add_working_days(D(2026, 3, 6), -1)
