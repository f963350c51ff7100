"""Dashboards: the numbers are the progress selectors' and the targets' numbers, sorted and drawn, in scope."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.models import Indicator, Outcome
from cdtt.catalog.services import catalog_load
from cdtt.dashboards.charts import PALETTE, colour_class, map_chart
from cdtt.dashboards.selectors import Dashboard, map_of, sort_rows
from cdtt.geo.models import AdminUnit
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.progress import selectors as progress
from cdtt.progress.models import Level
from cdtt.targets import services as targets
from cdtt.targets.models import Period, PeriodKind, SplitMethod
from cdtt.targets.periods import calendar_period
from cdtt.teams.selectors import team_figures
from cdtt.teams.services import chat_group_save
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

CODES = ("guidance_visits", "vneid_level2", "propaganda_sessions")


@dataclass
class World:
    tree: Tree
    users: Users
    year: Period
    households: list[Household]


def _day(days_ago: int) -> datetime.date:
    """A day this many days back, kept inside this year when possible (so that the trend has it)."""
    today = timezone.localdate()
    return max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=days_ago))


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    """Households in C1 (v1, v2) and C3 (v5); guidance and propaganda over several months; targets set by the
    nation, split by the province to its communes and by the commune to its villages: all through the services."""
    catalog_load()
    year = calendar_period(PeriodKind.YEAR, timezone.localdate().year)
    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    dossier = Outcome.objects.get(platform__code="dvc", code="dossier")
    households = []
    for village, actor, count in (
        (tree.v1, users.commune_officer, 3),
        (tree.v2, users.commune_officer, 2),
        (tree.v5, users.outsider, 2),
    ):
        for n in range(count):
            household = household_create(
                actor=actor,
                village=village,
                data=HouseholdIn(consent="verbal", head_name=f"Hộ {village.name} {n}", members_count=4, adults_count=2),
            )
            head = resident_add(actor=actor, household=household, data=ResidentIn(full_name=f"Chủ hộ {n}"))
            households.append(household)
            # One person reaches VNeID level 2 a while ago, then two dossiers over the following months.
            for days_ago, outcome in ((95, level2), (50, dossier), (3, dossier)):
                activity_record(
                    actor=actor,
                    data=ActivityIn(
                        kind="guidance",
                        occurred_on=_day(days_ago + n),
                        household_id=household.pk,
                        resident_id=head.pk,
                        outcome_id=outcome.pk,
                    ),
                )
    activity_record(
        actor=users.commune_officer,
        data=ActivityIn(
            kind="propaganda", occurred_on=_day(20), village_id=tree.v1.pk, channel="loudspeaker", people_reached=80
        ),
    )
    for code, value in (("guidance_visits", 40), ("vneid_level2", 10), ("propaganda_sessions", 4)):
        indicator = Indicator.objects.get(code=code)
        nation = targets.target_set(
            actor=users.national_admin, subject=tree.vn, indicator=indicator, period=year, value=value * 4
        )
        targets.target_split(actor=users.national_admin, parent=nation, method=SplitMethod.EVEN)
        province = progress.targets_of(tree.p1, year)[indicator.pk]
        targets.target_split(actor=users.province_officer, parent=province, method=SplitMethod.EVEN)
        commune = progress.targets_of(tree.c1, year)[indicator.pk]
        targets.target_split(actor=users.commune_officer, parent=commune, method=SplitMethod.EVEN)
    chat_group_save(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        platform="zalo",
        name="Nhóm tổ 1",
        households_in_group=30,
        households_total=40,
    )
    chat_group_save(actor=users.commune_officer, commune=tree.c1, village=tree.v2, platform="zalo", name="Nhóm tổ 2")
    return World(tree, users, year, households)


def _url(name: str, pk: int, **query: Any) -> str:
    return reverse(f"dashboards:{name}", args=[pk]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


# -- the numbers ------------------------------------------------------------------------------------


def test_monthly_gives_for_each_month_what_values_gives_up_to_its_end(world: World) -> None:
    indicators = list(
        Indicator.objects.filter(
            code__in=["guidance_visits", "vneid_level2", "register_households", "vneid_level2_rate", "people_reached"]
        )
    )
    year = timezone.localdate().year
    units = [world.tree.c1.pk, world.tree.c2.pk, world.tree.c3.pk]
    series = progress.monthly(indicators, year, Level.COMMUNE, units)

    for month in range(1, 13):
        end = (datetime.date(year + (month == 12), month % 12 + 1, 1)) - datetime.timedelta(days=1)
        up_to = Period(kind=PeriodKind.MONTH, name="", start=datetime.date(year, 1, 1), end=end)
        expected = progress.unit_progress(indicators, up_to, Level.COMMUNE, units)
        for indicator in indicators:
            for unit in units:
                assert series[(indicator.pk, unit)][month - 1] == expected.get((indicator.pk, unit), Decimal(0)), (
                    indicator.code,
                    unit,
                    month,
                )
    guidance = next(i for i in indicators if i.code == "guidance_visits")
    assert series[(guidance.pk, world.tree.c1.pk)][timezone.localdate().month - 1] == 15  # 5 households x 3


def test_the_province_dashboard_shows_the_selectors_numbers(
    world: World, signed_in: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    tree, year = world.tree, world.year
    guidance = Indicator.objects.get(code="guidance_visits")
    tree.c1.latitude, tree.c1.longitude = 21.03, 105.82
    tree.c1.save()
    officer = signed_in("province_officer")
    officer.get(_url("unit", tree.p1.pk))  # the period menu's months and quarters are made on first use

    # The late-reports panel reads the children, the deadlines, the periods and the reports; the difficulties
    # panel one grouped read; the training panel eight: a fixed number, whatever the size of the province.
    with django_assert_max_num_queries(42):
        response = officer.get(_url("unit", tree.p1.pk, period=year.pk, indicator=guidance.pk))

    assert response.status_code == 200
    dashboard: Dashboard = response.context["dashboard"]
    expected = progress.indicator_figures(tree.p1, year)
    assert [(f.indicator.code, f.achieved, f.target, f.rank) for f in dashboard.figures] == [
        (f.indicator.code, f.achieved, f.target, f.rank) for f in expected
    ]
    shown = {f.indicator.code: (f.achieved, f.target) for f in dashboard.targeted}
    assert shown == {"guidance_visits": (15, 80), "vneid_level2": (5, 20), "propaganda_sessions": (1, 8)}
    # The children's row: the communes' values and targets as the selectors and the targets service give them.
    children = targets.children_of(tree.p1)
    achieved = progress.unit_progress([guidance], year, Level.COMMUNE, [c.pk for c in children])
    given = targets.children_targets(children, year, [guidance])
    assert {r.subject.pk: (r.achieved, r.target) for r in dashboard.rows} == {
        c.pk: (achieved.get((guidance.pk, c.pk), Decimal(0)), given.get((guidance.pk, c.pk))) for c in children
    }
    assert [(r.subject.pk, r.rank) for r in dashboard.rows] == [(tree.c1.pk, 1), (tree.c2.pk, 2)]
    # The trend is the monthly selector's series, with the year's target.
    series = progress.monthly([guidance], year.start.year, Level.PROVINCE, [tree.p1.pk])[(guidance.pk, tree.p1.pk)]
    assert dashboard.trend is not None
    assert [p.so_far for p in dashboard.trend.points] == series[: timezone.localdate().month]
    assert dashboard.trend.target == 80
    figures = team_figures(user=world.users.province_officer, unit=tree.p1)
    coverage = dashboard.coverage
    assert (coverage.villages, coverage.villages_with_team, coverage.members) == (
        figures.villages,
        figures.villages_with_team,
        figures.members,
    )
    assert (coverage.groups, coverage.households_in_groups, coverage.households_counted) == (2, 30, 40)
    html = response.content.decode()
    # Every chart is an SVG with a title, and its numbers are in a table beside it.
    for panel in ("progress", "trend", "map", "ranking", "coverage"):
        assert f'id="{panel}"' in html, panel
    assert html.count('role="img"') >= 5  # three bars, the trend, the map
    assert "<title" in html and "<polyline" in html and "<circle" in html
    assert html.count('<details class="numbers">') == 3
    assert "18,8%" in html  # 15 of 80, as text beside the bar (Vietnamese decimal comma)


def test_the_page_reads_as_many_rows_whatever_the_number_of_activities(
    world: World, signed_in: Callable[..., Client]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = signed_in("province_officer")
    url = _url("unit", world.tree.p1.pk, period=world.year.pk)
    officer.get(url)
    with CaptureQueriesContext(connection) as before:
        officer.get(url)
    for household in world.households[:2]:
        for n in range(5):
            activity_record(
                actor=world.users.commune_officer if household.commune_id == world.tree.c1.pk else world.users.outsider,
                data=ActivityIn(
                    kind="guidance",
                    occurred_on=_day(n * 20),
                    household_id=household.pk,
                    platform_id=None,
                    outcome_id=Outcome.objects.get(platform__code="dvc", code="dossier").pk,
                ),
            )
    with CaptureQueriesContext(connection) as after:
        officer.get(url)
    assert len(after) == len(before)
    assert not any("activities_activity" in q["sql"] for q in after.captured_queries)


def test_a_village_dashboard_has_no_ranking_or_map(world: World, signed_in: Callable[..., Client]) -> None:
    response = signed_in("team_member").get(_url("village", world.tree.v1.pk))

    assert response.status_code == 200
    keys = [panel.key for panel in response.context["panels"]]
    assert keys == ["progress", "trend", "coverage", "difficulties"]
    coverage = response.context["dashboard"].coverage
    assert (coverage.villages, coverage.groups, coverage.households_in_groups) == (1, 1, 30)


def test_the_commune_dashboard_ranks_villages_and_has_no_map(world: World, signed_in: Callable[..., Client]) -> None:
    response = signed_in("commune_officer").get(_url("unit", world.tree.c1.pk, period=world.year.pk))

    keys = [panel.key for panel in response.context["panels"]]
    assert keys == ["progress", "trend", "ranking", "coverage", "late-reports", "difficulties", "quality", "training"]
    rows = response.context["dashboard"].rows
    assert [r.subject.pk for r in sorted(rows, key=lambda r: r.rank)] == [world.tree.v1.pk, world.tree.v2.pk]


# -- sorting ----------------------------------------------------------------------------------------


def test_the_ranking_sorts_by_any_column_on_the_server(world: World, signed_in: Callable[..., Client]) -> None:
    officer = signed_in("national_admin")
    guidance = Indicator.objects.get(code="guidance_visits")

    def names(sort: str) -> list[str]:
        response = officer.get(_url("unit", world.tree.vn.pk, period=world.year.pk, indicator=guidance.pk, sort=sort))
        rows = response.context["dashboard"].sorted_rows[0]
        return [r.subject.short_name for r in rows]

    assert names("name") == ["Hà Nội", "Hồ Chí Minh"]
    assert names("-name") == ["Hồ Chí Minh", "Hà Nội"]
    assert names("-achieved") == ["Hà Nội", "Hồ Chí Minh"]  # 15 against 6
    assert names("achieved") == ["Hồ Chí Minh", "Hà Nội"]
    assert names("rank") == names("-percent") == names("nonsense")
    html = officer.get(_url("unit", world.tree.vn.pk, sort="-achieved")).content.decode()
    assert 'aria-sort="descending"' in html
    assert "sort=achieved#ranking" in html  # a second click turns the order round


def test_empty_values_sort_last_both_ways(world: World) -> None:
    dashboard = Dashboard(
        user=world.users.national_admin, subject=world.tree.p2, period=world.year, today=timezone.localdate()
    )
    rows = dashboard.rows
    rows[0].target = None
    for sort in ("percent", "-percent"):
        ordered, used = sort_rows(rows, sort)
        assert ordered[-1].target is None
        assert used == sort


# -- the map ----------------------------------------------------------------------------------------


def test_units_without_coordinates_are_listed_under_the_map(world: World, signed_in: Callable[..., Client]) -> None:
    tree = world.tree
    tree.c1.latitude, tree.c1.longitude = 21.03, 105.82
    tree.c1.save()

    response = signed_in("province_officer").get(_url("unit", tree.p1.pk))

    data = response.context["dashboard"].map
    assert [r.subject.pk for r in data.points] == [tree.c1.pk]
    assert [r.subject.pk for r in data.missing] == [tree.c2.pk]
    html = response.content.decode()
    assert 'class="missing-coordinates"' in html
    assert tree.c2.code in html


def test_map_points_are_coloured_by_share_of_target(world: World) -> None:
    dashboard = Dashboard(user=world.users.national_admin, subject=world.tree.vn, period=world.year)
    for row, (lat, lon) in zip(dashboard.rows, ((21.0, 105.8), (10.8, 106.7)), strict=True):
        assert isinstance(row.subject, AdminUnit)
        row.subject.latitude, row.subject.longitude = lat, lon
    chart = map_chart(map_of(dashboard.rows), indicator_name="x")

    assert len(chart.points) == 2
    north = min(chart.points, key=lambda p: p.y)
    assert north.row.subject.pk == world.tree.p1.pk  # Hà Nội is drawn above Hồ Chí Minh City
    for point in chart.points:
        assert point.fill == PALETTE[colour_class(point.row.percent) or 0]
        assert f"{point.row.percent_text}" in point.title
    assert colour_class(None) is None and colour_class(0) == 0 and colour_class(99.9) == 3 and colour_class(100) == 4


# -- the scorecard ----------------------------------------------------------------------------------


def test_the_leader_scorecard_shows_the_rank_among_siblings(world: World, signed_in: Callable[..., Client]) -> None:
    response = signed_in("leader").get(_url("scorecard", world.tree.p1.pk, period=world.year.pk))

    assert response.status_code == 200
    assert response.context["dashboard"].standing == (1, 2)
    html = response.content.decode()
    assert _("Rank %(r)s of %(n)s") % {"r": 1, "n": 2} in html
    home = signed_in("leader").get("/").content.decode()
    assert reverse("dashboards:scorecard", args=[world.tree.p1.pk]) in home


def test_the_dashboard_is_in_the_navigation_and_opens_at_the_users_level(
    world: World, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    assert reverse("dashboards:home") in officer.get("/").content.decode()
    assert officer.get(reverse("dashboards:home"))["Location"] == _url("unit", world.tree.p1.pk)
    member = signed_in("team_member")
    assert member.get(reverse("dashboards:home"))["Location"] == _url("village", world.tree.v1.pk)


# -- scope ------------------------------------------------------------------------------------------

PAGES: list[tuple[str, Callable[[Tree], str], str, Callable[[Tree], str]]] = [
    # (name, a URL the right user may open, the right user, a URL of another unit for that user)
    ("province", lambda t: _url("unit", t.p1.pk), "province_officer", lambda t: _url("unit", t.p2.pk)),
    ("commune", lambda t: _url("unit", t.c1.pk), "commune_officer", lambda t: _url("unit", t.c3.pk)),
    ("village", lambda t: _url("village", t.v1.pk), "team_member", lambda t: _url("village", t.v2.pk)),
    ("partner", lambda t: _url("unit", t.p1.pk), "enterprise_partner", lambda t: _url("unit", t.c3.pk)),
    ("scorecard", lambda t: _url("scorecard", t.p1.pk), "leader", lambda t: _url("scorecard", t.p2.pk)),
    (
        "api unit",
        lambda t: f"/api/v1/dashboards/units/{t.p1.pk}",
        "leader",
        lambda t: f"/api/v1/dashboards/units/{t.c3.pk}",
    ),
    (
        "api village",
        lambda t: f"/api/v1/dashboards/villages/{t.v1.pk}",
        "team_member",
        lambda t: f"/api/v1/dashboards/villages/{t.v2.pk}",
    ),
]


@pytest.mark.parametrize(("name", "url", "user", "other"), PAGES, ids=[p[0] for p in PAGES])
def test_scope(
    world: World,
    client: Client,
    signed_in: Callable[..., Client],
    name: str,
    url: Callable[[Tree], str],
    user: str,
    other: Callable[[Tree], str],
) -> None:
    api = url(world.tree).startswith("/api/")
    anonymous = client.get(url(world.tree))
    if api:
        assert anonymous.status_code == 401
    else:
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/dang-nhap/")
    assert signed_in("nobody").get(url(world.tree)).status_code == 403
    assert signed_in(user).get(other(world.tree)).status_code == 404
    assert signed_in(user).get(url(world.tree)).status_code == 200
    assert signed_in("outsider").get(url(world.tree)).status_code == 404


def test_a_bad_period_is_404_and_an_unknown_indicator_falls_back(
    world: World, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    assert officer.get(_url("unit", world.tree.p1.pk, period="abc")).status_code == 404
    response = officer.get(_url("unit", world.tree.p1.pk, indicator="999999"))
    assert response.status_code == 200
    assert response.context["dashboard"].indicator.code == "vneid_level2"  # the first with a target
    api = officer.get(f"/api/v1/dashboards/units/{world.tree.p1.pk}?period_id=999999")
    assert api.status_code == 404


# -- the API ----------------------------------------------------------------------------------------


def test_the_api_gives_the_pages_numbers(world: World, signed_in: Callable[..., Client]) -> None:
    officer = signed_in("province_officer")
    body = json.loads(
        officer.get(
            f"/api/v1/dashboards/units/{world.tree.p1.pk}?period_id={world.year.pk}&indicator=guidance_visits&sort=-name"
        ).content
    )
    page = officer.get(_url("unit", world.tree.p1.pk, period=world.year.pk, sort="-name")).context["dashboard"]

    assert body["level"] == "province" and body["indicator"] == "guidance_visits"
    figures = {f["indicator"]: (Decimal(f["achieved"]), Decimal(f["target"])) for f in body["progress"] if f["target"]}
    assert figures == {f.indicator.code: (f.achieved, f.target) for f in page.targeted}
    assert [c["name"] for c in body["children"]] == [world.tree.c2.name, world.tree.c1.name]
    assert [Decimal(m["so_far"]) for m in body["trend"]["months"]][-1] == 15
    assert body["standing"] == [1, 2]
    assert body["coverage"]["households_in_groups"] == 30
    schema = signed_in("province_officer").get("/api/v1/openapi.json").json()
    assert "/api/v1/dashboards/units/{unit_id}" in schema["paths"]
    assert "/api/v1/dashboards/villages/{village_id}" in schema["paths"]


def test_the_village_api(world: World, signed_in: Callable[..., Client]) -> None:
    body = json.loads(signed_in("team_member").get(f"/api/v1/dashboards/villages/{world.tree.v1.pk}").content)
    assert body["level"] == "village" and body["children"] == []
    guidance = next(f for f in body["progress"] if f["indicator"] == "guidance_visits")
    assert Decimal(guidance["achieved"]) == 9 and Decimal(guidance["target"]) == 20


def test_late_reports_and_open_difficulties_panels(world: World, signed_in: Callable[..., Client]) -> None:
    from cdtt.difficulties.services import DifficultyIn, difficulty_raise
    from cdtt.reports import selectors as reports_selectors
    from cdtt.reports import services as reports
    from cdtt.teams.models import Team, TeamStatus

    tree, users = world.tree, world.users
    Team.objects.create(commune=tree.c1, village=tree.v1, name="Tổ 1", status=TeamStatus.ACTIVE)
    Team.objects.create(commune=tree.c1, village=tree.v2, name="Tổ 2", status=TeamStatus.ACTIVE)
    today = timezone.localdate()
    due = reports_selectors.latest_due_periods(tree.c1, today)
    monthly = next(p for p in due if p.kind == "month")
    sent = reports.report_open(actor=users.team_member, subject=tree.v1, period=monthly)
    reports.report_submit(actor=users.team_member, report=sent, version=sent.version)
    difficulty_raise(
        actor=users.team_member,
        data=DifficultyIn(category="devices", title="Thiếu máy", description="Tổ chưa có máy tính bảng."),
    )

    response = signed_in("commune_officer").get(_url("unit", tree.c1.pk))
    panels = {panel.key: panel for panel in response.context["panels"]}
    late = {entry.period.pk: [n.subject.pk for n in entry.nodes] for entry in panels["late-reports"].context["late"]}
    assert late[monthly.pk] == [tree.v2.pk]  # v1 sent the month's report, v2 did not
    assert panels["difficulties"].context["counts"].open == 1
    page = response.content.decode()
    assert tree.v2.name in page and f"period={monthly.pk}" in page
    partner = signed_in("enterprise_partner").get(_url("unit", tree.p1.pk))
    assert {p.key for p in partner.context["panels"]}.isdisjoint({"late-reports", "difficulties"})
