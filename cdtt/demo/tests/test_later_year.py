"""The demo loads in any year: the dates it means as recent move with today (it was written in 2026 with the
dates of 2025 fixed in it, which would have aged a year with every year the demo is loaded in)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command

from cdtt.demo.places import DEMO_VILLAGE, OTHER_PROVINCE, PROVINCE
from cdtt.geo import loader, sources
from cdtt.reports.models import Report
from cdtt.teams.models import Decision, Membership
from cdtt.training.models import Material

# Not ``realtree``: it loads two provinces of its own in the test's transaction, so it must run before a process
# keeps the whole tree and the demo (conftest's ``real_demo``), not after.
pytestmark = pytest.mark.django_db

# Early January: the demo's "last month" is December of the year before, its year of work one month long.
LATER = datetime.datetime(2029, 1, 3, 9, 0, tzinfo=datetime.UTC)


def _in_demo_provinces(records: Any) -> Iterator[Any]:
    """Only the units of the demo's two provinces (and everything beneath them): the tree in a few seconds."""
    rows = list(records)
    by_code = {r.code: r for r in rows}

    def province_of(rec: Any) -> str:
        while rec.parent_code and rec.parent_code in by_code:
            rec = by_code[rec.parent_code]
        return rec.code

    return (r for r in rows if province_of(r) in {PROVINCE, OTHER_PROVINCE})


def test_the_demo_loaded_in_a_later_year_dates_its_history_from_the_year_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current, legacy = sources.current_units, sources.legacy_units
    monkeypatch.setattr(sources, "current_units", lambda: _in_demo_provinces(current()))
    monkeypatch.setattr(sources, "legacy_units", lambda: _in_demo_provinces(legacy()))
    loader.admin_units_load()

    # Every "today" of the platform (services, checks, defaults) is read through django.utils.timezone.now.
    with mock.patch("django.utils.timezone.now", return_value=LATER):
        call_command("load_demo", stdout=io.StringIO())

    joined = set(Membership.objects.filter(team__village__name=DEMO_VILLAGE).values_list("joined_on", flat=True))
    assert joined == {datetime.date(2028, 9, 1)}
    assert Decision.objects.get(team__village__name=DEMO_VILLAGE).issued_on == datetime.date(2028, 9, 5)
    assert {m.issued_on.year for m in Material.objects.all()} == {2028}
    assert {(r.period.start, r.status) for r in Report.objects.all()} == {
        (datetime.date(2028, 12, 1), "approved"),
        (datetime.date(2028, 12, 1), "submitted"),
    }
