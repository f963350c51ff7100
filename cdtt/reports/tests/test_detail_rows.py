"""A report's page shows first the indicators with a target or a result; the rest wait behind "show all".
The exports keep every indicator."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cdtt.accounts.models import User
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.models import Indicator
from cdtt.catalog.services import catalog_load
from cdtt.reports.models import Report
from cdtt.targets.models import PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree

pytestmark = pytest.mark.django_db


def test_the_indicators_with_figures_come_first_and_the_rest_is_collapsed(
    tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    catalog_load()
    Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ", status=TeamStatus.ACTIVE)
    today = timezone.localdate()
    period = calendar_period(PeriodKind.MONTH, today.year, today.month)
    activity_record(
        actor=User.objects.get(username="team_member"),
        data=ActivityIn(
            kind="propaganda", occurred_on=today, village_id=tree.v1.pk, channel="loudspeaker", people_reached=40
        ),
    )
    member = signed_in("team_member")
    member.post(reverse("reports:open"), {"subject": f"v{tree.v1.pk}", "period": period.pk})
    report = Report.objects.get()

    page = member.get(reverse("reports:detail", args=[report.pk]))

    main = [row.code for _n, row in page.context["rows_main"]]
    rest = [row.code for _n, row in page.context["rows_rest"]]
    assert set(main) == {"propaganda_sessions", "people_reached", "propaganda_people"}
    every = list(Indicator.objects.filter(is_active=True).values_list("code", flat=True))
    assert sorted(main + rest) == sorted(every) and len(every) >= 27
    # Numbered as in the full table (the exports' order), whichever part a row is shown in.
    assert sorted(n for n, _row in page.context["rows_main"] + page.context["rows_rest"]) == list(
        range(1, len(every) + 1)
    )
    html = page.content.decode()
    table, collapsed = html.split('<details class="more-filters more-rows">', 1)
    assert "Số buổi tuyên truyền" in table and "Số người có chữ ký số cá nhân" not in table
    assert f"Xem tất cả: thêm {len(rest)} chỉ tiêu chưa có chỉ tiêu giao và kết quả" in collapsed
    assert "Số người có chữ ký số cá nhân" in collapsed

    sheet = load_workbook(io.BytesIO(member.get(reverse("reports:xlsx", args=[report.pk])).content)).active
    cells = {str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None}
    names = Indicator.objects.filter(is_active=True).values_list("name", flat=True)
    assert all(name in cells for name in names)  # the export keeps every indicator
