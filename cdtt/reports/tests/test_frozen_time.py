""" "Số liệu chốt lúc" on a report's page is the time of the freeze that stands: none while a returned report
is live again, the resubmission's once it is sent again."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.catalog.services import catalog_load
from cdtt.reports.models import Report
from cdtt.targets.models import PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree

pytestmark = pytest.mark.django_db


def _shown(page: str) -> str | None:
    marker = "Số liệu chốt lúc "
    return page.split(marker, 1)[1][:16] if marker in page else None


def test_the_frozen_time_is_the_latest_submissions(tree: Tree, signed_in: Callable[[str], Client]) -> None:
    catalog_load()
    Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ CNSCĐ", status=TeamStatus.ACTIVE)
    today = timezone.localdate()
    period = calendar_period(PeriodKind.MONTH, today.year, today.month)
    member, officer = signed_in("team_member"), signed_in("commune_officer")
    member.post(reverse("reports:open"), {"subject": f"v{tree.v1.pk}", "period": period.pk})
    report = Report.objects.get()
    url = reverse("reports:detail", args=[report.pk])

    member.post(url, {"action": "submit", "version": report.version, "assessment": "Tốt"})
    first = timezone.now() - datetime.timedelta(hours=3)  # submitted three hours ago
    Report.objects.filter(pk=report.pk).update(figures_at=first)
    report.refresh_from_db()
    assert _shown(member.get(url).content.decode()) == timezone.localtime(first).strftime("%H:%M %d/%m/%Y")

    officer.post(url, {"action": "return", "version": report.version, "comment": "Bổ sung"})
    assert _shown(member.get(url).content.decode()) is None  # live again: nothing is frozen

    report.refresh_from_db()
    member.post(url, {"action": "submit", "version": report.version, "assessment": "Đã bổ sung"})
    report.refresh_from_db()
    assert report.status == "submitted" and report.figures_at is not None and report.figures_at > first
    shown = timezone.localtime(report.figures_at).strftime("%H:%M %d/%m/%Y")
    assert _shown(member.get(url).content.decode()) == shown
    assert _shown(officer.get(url).content.decode()) == shown
