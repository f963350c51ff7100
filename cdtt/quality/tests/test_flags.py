"""Flags reviewed through the API and the pages: scope of every view and endpoint, and the issue's
"Done when": a team member posts a propaganda session reaching 10,000 people in a village of a few
households, and the commune's officer finds the flag and confirms or voids it."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cdtt.accounts.services import token_create
from cdtt.activities.models import Activity
from cdtt.catalog.services import catalog_load
from cdtt.core.models import AuditEvent
from cdtt.households.services import HouseholdIn, household_create
from cdtt.progress import engine
from cdtt.progress.models import Level, ProgressCell
from cdtt.quality.models import Flag, FlagStatus
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _token, raw = token_create(user=user, name="API")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def village_of_four(tree: Tree, users: Users) -> None:
    """The catalogue and four households of three people in V1 (the team member's village)."""
    catalog_load()
    for k in range(4):
        household_create(
            actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name=f"Hộ {k}", members_count=3)
        )
    engine.forget_rules()


def post_session(user: Any, village_id: int, people: int, days_ago: int = 0) -> Any:
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "propaganda",
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat(),
        "channel": "meeting",
        "village_id": village_id,
        "people_reached": people,
    }
    return Client().post("/api/v1/activities", json.dumps(body), content_type="application/json", headers=bearer(user))


def people_reached_cell(tree: Tree) -> int:
    row = ProgressCell.objects.filter(
        indicator__code="propaganda_people", level=Level.VILLAGE, unit=tree.v1.pk, bucket=timezone.localdate().year
    ).first()
    return row.value if row else 0


@pytest.fixture
def flag(village_of_four: None, tree: Tree, users: Users) -> Flag:
    assert post_session(users.team_member, tree.v1.pk, 10_000).status_code == 201
    return Flag.objects.get(rule="capacity")


# -- the "Done when" ----------------------------------------------------------------------------


def test_done_when_the_officer_confirms_a_flag_raised_through_the_api(
    village_of_four: None, tree: Tree, users: Users
) -> None:
    created = post_session(users.team_member, tree.v1.pk, 10_000)
    assert created.status_code == 201
    officer = bearer(users.commune_officer)
    listed = Client().get("/api/v1/quality/flags", headers=officer).json()
    assert listed["count"] == 1
    (row,) = listed["results"]
    assert (row["rule"], row["status"], row["village_id"], row["unit_id"]) == (
        "capacity",
        "open",
        tree.v1.pk,
        tree.c1.pk,
    )
    assert row["numbers"]["reached"] == 10_000 and row["numbers"]["eligible"] == 12
    assert row["record_ids"] == [created.json()["id"]]
    assert "10000" in row["summary"] and "12" in row["summary"]

    refused = Client().post(
        f"/api/v1/quality/flags/{row['id']}/confirm", json.dumps({"note": " "}), content_type="application/json",
        headers=officer,
    )  # fmt: skip
    assert refused.status_code == 400 and refused.json()["field"] == "note"
    done = Client().post(
        f"/api/v1/quality/flags/{row['id']}/confirm",
        json.dumps({"note": "Buổi họp toàn xã tổ chức tại thôn"}),
        content_type="application/json",
        headers=officer,
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    assert people_reached_cell(tree) == 10_000  # confirmed: the record stays counted
    event = AuditEvent.objects.get(action="quality.flag.confirmed")
    assert event.actor == users.commune_officer and event.details["note"] == "Buổi họp toàn xã tổ chức tại thôn"
    assert AuditEvent.objects.filter(action="quality.flag.raise", target_id=str(row["id"])).exists()
    again = Client().post(
        f"/api/v1/quality/flags/{row['id']}/void", json.dumps({}), content_type="application/json", headers=officer
    )
    assert again.status_code == 400  # already reviewed


def test_done_when_the_officer_voids_the_records_through_the_page(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    assert people_reached_cell(tree) == 10_000
    officer = signed_in("commune_officer")
    listing = officer.get(reverse("quality:unit", args=[tree.c1.pk]))
    assert listing.status_code == 200
    assert reverse("quality:detail", args=[flag.pk]) in listing.content.decode()
    page = officer.get(reverse("quality:detail", args=[flag.pk]))
    assert page.status_code == 200 and 'value="void"' in page.content.decode()
    done = officer.post(
        reverse("quality:action", args=[flag.pk]), {"action": "void", "note": "Nhập nhầm số"}, follow=True
    )
    assert done.status_code == 200
    flag.refresh_from_db()
    assert flag.status == FlagStatus.VOIDED and flag.reviewed_by == users.commune_officer
    activity = Activity.objects.get()
    assert activity.voided_at is not None and activity.void_reason == "Nhập nhầm số"
    assert people_reached_cell(tree) == 0  # out of every total
    assert AuditEvent.objects.filter(action="quality.flag.voided").exists()
    assert AuditEvent.objects.filter(action="activity.void").exists()


def test_the_officer_confirms_through_the_page_and_a_blank_note_is_refused(
    flag: Flag, signed_in: Callable[[str], Client]
) -> None:
    officer = signed_in("commune_officer")
    url = reverse("quality:action", args=[flag.pk])
    officer.post(url, {"action": "confirm", "note": ""})
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    officer.post(url, {"action": "confirm", "note": "Đúng, họp toàn xã"})
    flag.refresh_from_db()
    assert (flag.status, flag.note) == (FlagStatus.CONFIRMED, "Đúng, họp toàn xã")


def test_correct_closes_the_flag_and_the_list_filters(flag: Flag, tree: Tree, users: Users) -> None:
    officer = bearer(users.commune_officer)
    done = Client().post(
        f"/api/v1/quality/flags/{flag.pk}/correct", json.dumps({"note": "Đã sửa"}), content_type="application/json",
        headers=officer,
    )  # fmt: skip
    assert done.status_code == 200 and done.json()["status"] == "corrected"
    client = Client()
    assert client.get("/api/v1/quality/flags?status=open", headers=officer).json()["count"] == 0
    assert client.get("/api/v1/quality/flags?rule=capacity", headers=officer).json()["count"] == 1
    assert client.get(f"/api/v1/quality/flags?unit_id={tree.c2.pk}", headers=officer).json()["count"] == 0
    assert client.get("/api/v1/quality/flags?rule=nonsense", headers=officer).status_code == 400


# -- scope ------------------------------------------------------------------------------------------------


def test_the_api_refuses_anonymous_wrong_roles_and_other_units(flag: Flag, users: Users) -> None:
    anonymous = Client()
    assert anonymous.get("/api/v1/quality/flags").status_code == 401
    assert anonymous.post(
        f"/api/v1/quality/flags/{flag.pk}/confirm", "{}", content_type="application/json"
    ).status_code in (
        401,
        403,
    )
    member = bearer(users.team_member)
    assert Client().get("/api/v1/quality/flags", headers=member).status_code == 403
    assert Client().get(f"/api/v1/quality/flags/{flag.pk}", headers=member).status_code == 403
    assert Client().get("/api/v1/quality/rules", headers=member).status_code == 403
    province = bearer(users.province_officer)  # reads its communes' flags, does not decide them
    assert Client().get(f"/api/v1/quality/flags/{flag.pk}", headers=province).status_code == 200
    body = json.dumps({"note": "x"})
    for step in ("confirm", "void", "correct"):
        url = f"/api/v1/quality/flags/{flag.pk}/{step}"
        assert Client().post(url, body, content_type="application/json", headers=member).status_code == 403
        assert Client().post(url, body, content_type="application/json", headers=province).status_code == 403
    outsider = bearer(users.outsider)  # the commune officer of another province
    assert Client().get("/api/v1/quality/flags", headers=outsider).json()["count"] == 0
    assert Client().get(f"/api/v1/quality/flags/{flag.pk}", headers=outsider).status_code == 404
    for step in ("confirm", "void", "correct"):
        url = f"/api/v1/quality/flags/{flag.pk}/{step}"
        assert Client().post(url, body, content_type="application/json", headers=outsider).status_code == 404
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    officer = bearer(users.commune_officer)
    assert (
        Client().get(f"/api/v1/quality/flags/{flag.pk}", headers=officer).json()["records"][0]["people_reached"]
        == 10_000
    )
    assert len(Client().get("/api/v1/quality/rules", headers=officer).json()) == 5


def test_the_pages_refuse_anonymous_wrong_roles_and_other_units(
    flag: Flag, tree: Tree, signed_in: Callable[[str], Client]
) -> None:
    pages = [
        reverse("quality:home"),
        reverse("quality:rules"),
        reverse("quality:unit", args=[tree.c1.pk]),
        reverse("quality:detail", args=[flag.pk]),
    ]
    action = reverse("quality:action", args=[flag.pk])
    for url in [*pages, action]:
        response = Client().get(url) if url != action else Client().post(url, {"action": "confirm", "note": "x"})
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    member = signed_in("team_member")
    for url in pages:
        assert member.get(url).status_code == 403
    assert member.post(action, {"action": "confirm", "note": "x"}).status_code == 403
    province = signed_in("province_officer")
    assert province.get(reverse("quality:detail", args=[flag.pk])).status_code == 200
    assert 'value="confirm"' not in province.get(reverse("quality:detail", args=[flag.pk])).content.decode()
    assert province.post(action, {"action": "confirm", "note": "x"}).status_code == 403
    outsider = signed_in("outsider")
    assert outsider.get(reverse("quality:unit", args=[tree.c1.pk])).status_code == 404
    assert outsider.get(reverse("quality:detail", args=[flag.pk])).status_code == 404
    assert outsider.post(action, {"action": "confirm", "note": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    officer = signed_in("commune_officer")
    for url in pages:
        assert officer.get(url, follow=True).status_code == 200
    assert "Vượt quá số người" in officer.get(reverse("quality:rules")).content.decode()


def test_the_flag_list_reads_a_fixed_number_of_queries(
    village_of_four: None, tree: Tree, users: Users, django_assert_max_num_queries: Any
) -> None:
    for days_ago in range(3):  # one flag a day (a second session of the same day would join it)
        post_session(users.team_member, tree.v1.pk, 10_000, days_ago)
    officer = bearer(users.commune_officer)
    client = Client()
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/quality/flags", headers=officer).json()["count"] == 3


# -- beside the figures --------------------------------------------------------------------------------


def test_dashboards_reports_and_the_scorecard_show_the_flags(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    from cdtt.reports.models import Report
    from cdtt.targets.services import calendar_period

    today = timezone.localdate()
    year = calendar_period("year", today.year)
    officer = signed_in("commune_officer")
    dashboard = officer.get(reverse("dashboards:unit", args=[tree.c1.pk]) + f"?period={year.pk}")
    panels = {panel.key: panel for panel in dashboard.context["panels"]}
    assert panels["quality"].context["flags"].total == 1
    assert reverse("quality:unit", args=[tree.c1.pk]) in dashboard.content.decode()
    village = officer.get(reverse("dashboards:village", args=[tree.v1.pk]) + f"?period={year.pk}")
    assert {p.key: p for p in village.context["panels"]}["quality"].context["flags"].total == 1
    # Those who may not read flags see no panel.
    member = signed_in("team_member").get(reverse("dashboards:village", args=[tree.v1.pk]))
    assert "quality" not in {p.key for p in member.context["panels"]}

    report = Report.objects.create(period=year, level=Level.COMMUNE, unit=tree.c1, reviewer=tree.p1, due_on=today)
    page = officer.get(reverse("reports:detail", args=[report.pk]))
    assert page.status_code == 200 and page.context["flags"].total == 1

    scorecard = signed_in("leader").get(reverse("dashboards:scorecard", args=[tree.p1.pk]) + f"?period={year.pk}")
    shares = {row.unit.pk: (row.records, row.flagged, row.percent) for row in scorecard.context["flagged"]}
    assert shares[tree.c1.pk] == (1, 1, 100.0) and shares[tree.c2.pk] == (0, 0, None)


def _propaganda_people(response: Any, code: str = "propaganda_people") -> Any:
    """The progress panel's figure of people reached by propaganda (or another), and what it says it left out."""
    panel = {p.key: p for p in response.context["panels"]}["progress"]
    rows = [*panel.context["targeted"], *panel.context["untargeted"]]
    (row,) = [r for r in rows if r["figure"].indicator.code == code]
    return row["figure"].achieved, panel.context["left_out"]


def test_the_dashboard_shows_the_figures_without_the_records_under_open_flags(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    from cdtt.quality.services import flag_confirm
    from cdtt.targets.services import calendar_period

    assert post_session(users.team_member, tree.v1.pk, 5).status_code == 201  # within the village: not flagged
    year = calendar_period("year", timezone.localdate().year)
    url = reverse("dashboards:unit", args=[tree.c1.pk]) + f"?period={year.pk}"
    officer = signed_in("commune_officer")

    full = officer.get(url)
    assert _propaganda_people(full) == (10_005, None)
    assert "Xem số liệu không tính bản ghi đang bị cảnh báo" in full.content.decode()

    with CaptureQueriesContext(connection) as full_reads:
        officer.get(url)
    with CaptureQueriesContext(connection) as reads:
        without = officer.get(url + "&bo_co=1")
    assert len(reads) - len(full_reads) <= 2  # one grouped read (and the counting rules, when not yet kept)
    achieved, left_out = _propaganda_people(without)
    assert achieved == 5 and left_out.records == 1  # the 10,000-people session is taken off, the other stays
    assert _propaganda_people(without, "propaganda_sessions")[0] == 1  # a count: one session of two
    assert "không tính 1 bản ghi đang bị cảnh báo" in without.content.decode()
    # The province's dashboard and the village's take it off too; so does one of the flag's days' months.
    province = signed_in("province_officer").get(reverse("dashboards:unit", args=[tree.p1.pk]) + "?bo_co=1")
    assert _propaganda_people(province)[0] == 5
    village = officer.get(reverse("dashboards:village", args=[tree.v1.pk]) + f"?period={year.pk}&bo_co=1")
    assert _propaganda_people(village)[0] == 5

    # The dashboard API leaves them out the same way when asked.
    api = f"/api/v1/dashboards/units/{tree.c1.pk}?period_id={year.pk}"
    officer_api = bearer(users.commune_officer)
    rows = Client().get(api + "&without_flagged=true", headers=officer_api).json()
    assert rows["flagged_left_out"] == 1
    assert {r["indicator"]: r["achieved"] for r in rows["progress"]}["propaganda_people"] in (5, "5")
    assert Client().get(api, headers=officer_api).json()["flagged_left_out"] is None

    # Confirmed, the records are counted again: nothing is under an open flag.
    flag_confirm(actor=users.commune_officer, flag=flag, note="Buổi họp toàn xã")
    achieved, left_out = _propaganda_people(officer.get(url + "&bo_co=1"))
    assert achieved == 10_005 and left_out.records == 0


def test_the_dashboard_without_flagged_records_keeps_its_scope(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    url = reverse("dashboards:unit", args=[tree.c1.pk]) + "?bo_co=1"
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
    assert signed_in("nobody").get(url).status_code == 403
    assert signed_in("outsider").get(url).status_code == 404
    # A team member reads the figures but not the flags: the toggle is no use to them, the figures stay whole.
    member = signed_in("team_member").get(reverse("dashboards:village", args=[tree.v1.pk]) + "?bo_co=1")
    assert member.status_code == 200 and _propaganda_people(member) == (10_000, None)
    assert "bo_co=1" not in member.content.decode()
    assert signed_in("commune_officer").get(url).status_code == 200
    api = f"/api/v1/dashboards/units/{tree.c1.pk}?without_flagged=true"
    assert Client().get(api).status_code == 401
    assert Client().get(api, headers=bearer(users.nobody)).status_code == 403
    assert Client().get(api, headers=bearer(users.outsider)).status_code == 404
    member_api = f"/api/v1/dashboards/villages/{tree.v1.pk}?without_flagged=true"
    assert Client().get(member_api, headers=bearer(users.team_member)).json()["flagged_left_out"] is None


def test_the_unit_page_counts_each_flags_records_without_grouping_the_whole_list(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    """The list shows each flag's record count; the paginator's COUNT stays a plain count (an aggregate over
    the records would group every flag under a province by its records, on every page view)."""
    assert post_session(users.team_member, tree.v1.pk, 20_000).status_code == 201
    assert flag.records.count() == 2  # the second session joined the open flag of the same village
    officer = signed_in("commune_officer")
    with CaptureQueriesContext(connection) as queries:
        listing = officer.get(reverse("quality:unit", args=[tree.c1.pk]))
    assert listing.status_code == 200
    (row,) = [flag for flag, _summary in listing.context["rows"]]
    assert row.record_count == 2
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "quality_flag"')
    ]
    assert len(counts) == 1 and "GROUP BY" not in counts[0] and "quality_flag_records" not in counts[0]


def test_the_scorecard_prints_the_figures_without_the_records_under_open_flags(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    """The leader's scorecard has the dashboard's switch: its targets table without the records of open flags,
    saying how many it left out. The leader, who reads aggregates only (never a flag's records), may ask for it."""
    from cdtt.catalog.models import Indicator
    from cdtt.targets.models import Target
    from cdtt.targets.periods import calendar_period

    assert post_session(users.team_member, tree.v1.pk, 5).status_code == 201  # within the village: not flagged
    year = calendar_period("year", timezone.localdate().year)
    people = Indicator.objects.get(code="propaganda_people")
    Target.objects.create(unit=tree.c1, indicator=people, period=year, value=20_000)
    url = reverse("dashboards:scorecard", args=[tree.c1.pk]) + f"?period={year.pk}"

    def achieved(response: Any) -> Any:
        (figure,) = [f for f in response.context["dashboard"].targeted_shown if f.indicator == people]
        return figure.achieved

    leader = signed_in("leader")
    full = leader.get(url)
    assert full.status_code == 200 and achieved(full) == 10_005 and full.context["left_out"] is None
    assert 'name="bo_co"' in full.content.decode()
    without = leader.get(url + "&bo_co=1")
    assert achieved(without) == 5 and without.context["left_out"].records == 1
    page = without.content.decode()
    assert "không tính 1 bản ghi đang bị cảnh báo" in page and 'name="bo_co" value="1" checked' in page
    # Scope is the dashboard's: anonymous to the sign-in page, no role 403, another unit 404.
    assert Client().get(url + "&bo_co=1").status_code == 302
    assert signed_in("nobody").get(url + "&bo_co=1").status_code == 403
    assert signed_in("outsider").get(url + "&bo_co=1").status_code == 404
    # The leader still cannot open the flags themselves (their records name households).
    assert leader.get(reverse("quality:unit", args=[tree.c1.pk])).status_code == 403
    # A team member reads the village's figures whole: no switch for them.
    member = signed_in("team_member").get(reverse("dashboards:village", args=[tree.v1.pk]) + "?bo_co=1")
    assert "bo_co=1" not in member.content.decode()


def test_a_report_shows_its_numbers_without_the_records_under_open_flags(
    flag: Flag, tree: Tree, users: Users, signed_in: Callable[[str], Client]
) -> None:
    """A village's report page has the same switch: each activity indicator less what the open flags' records
    add, in the period and in the year to date, saying how many records it left out. A commune's report
    (consolidated from the approved reports below) links to the commune's dashboard, which leaves them out."""
    from cdtt.reports.models import Report
    from cdtt.targets.periods import calendar_period

    assert post_session(users.team_member, tree.v1.pk, 5).status_code == 201  # within the village: not flagged
    today = timezone.localdate()
    year = calendar_period("year", today.year)
    report = Report.objects.create(
        period=year, level=Level.VILLAGE, village=tree.v1, unit=None, reviewer=tree.c1, due_on=today
    )
    url = reverse("reports:detail", args=[report.pk])

    def people(response: Any) -> tuple[Any, Any]:
        (row,) = [row for row in response.context["rows"] if row.code == "propaganda_people"]
        return row.in_period, row.cumulative

    officer = signed_in("commune_officer")
    full = officer.get(url)
    assert people(full) == (10_005, 10_005) and full.context["left_out"] is None
    assert "?bo_co=1" in full.content.decode()
    without = officer.get(url + "?bo_co=1")
    assert people(without) == (5, 5) and without.context["left_out"].records == 1
    assert "không tính 1 bản ghi đang bị cảnh báo" in without.content.decode()
    assert without.context["flags"].total == 1  # the flags are still shown beside the figure
    # Scope stays the report's: anonymous to the sign-in page, no role 403, another unit 404.
    assert Client().get(url + "?bo_co=1").status_code == 302
    assert signed_in("nobody").get(url + "?bo_co=1").status_code == 403
    assert signed_in("outsider").get(url + "?bo_co=1").status_code == 404

    commune = Report.objects.create(period=year, level=Level.COMMUNE, unit=tree.c1, reviewer=tree.p1, due_on=today)
    page = officer.get(reverse("reports:detail", args=[commune.pk]) + "?bo_co=1")
    assert page.context["left_out"] is None  # its numbers are the approved reports' below
    dashboard = reverse("dashboards:unit", args=[tree.c1.pk]) + f"?period={year.pk}&amp;bo_co=1"
    assert dashboard in page.content.decode()
