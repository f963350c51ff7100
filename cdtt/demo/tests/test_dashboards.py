"""The demo on the real tree: a province dashboard shows bars, a trend, a ranking and a map (slow)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.activities.models import Activity
from cdtt.geo.models import AdminUnit
from cdtt.notices.models import Notification

pytestmark = [pytest.mark.realtree, pytest.mark.django_db(transaction=False)]


def test_the_demo_province_dashboard_has_bars_a_trend_a_ranking_and_a_map(real_demo: None, client: Client) -> None:
    activities = Activity.objects.count()
    call_command("load_demo", stdout=io.StringIO())  # a second run adds no second year of work
    assert Activity.objects.count() == activities
    # The commune split its targets across its villages: the demo team member was told (once per split).
    told = Notification.objects.filter(recipient__username="tovien", kind="target_assigned")
    assert told.count() == 4 and all("Giao bởi Cán bộ UBND xã Bát Tràng" in n.body for n in told)

    province = AdminUnit.objects.current().get(code="01")
    client.force_login(User.objects.get(username="tinh"))
    response = client.get(reverse("dashboards:unit", args=[province.pk]))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert len(dashboard.targeted) == 4
    assert all(f.achieved > 0 for f in dashboard.targeted)
    assert dashboard.trend is not None and len(dashboard.trend.points) == timezone.localdate().month
    assert dashboard.trend.points[-1].so_far > dashboard.trend.points[0].so_far or timezone.localdate().month == 1
    assert len(dashboard.rows) == 126  # Hà Nội's communes
    ranked = sorted(dashboard.rows, key=lambda r: (r.rank, r.subject.code))
    assert {r.subject.code for r in ranked[:4]} == {"00583", "00004", "09700", "00376"}  # the demo communes
    assert not any(r.achieved for r in ranked[4:])
    assert len(dashboard.map.points) == 126 and not dashboard.map.missing  # every current unit has coordinates
    out = io.StringIO()
    call_command("check_aggregates", stdout=out)
    assert "Không có sai lệch" in out.getvalue()
