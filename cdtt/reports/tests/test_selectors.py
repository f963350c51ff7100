"""The report selectors: the pages' reads, given the user. Consolidation on a small tree with an empty commune,
what each user may do on a report's page, and scope (another unit's reports are the same 404 as missing ones)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from cdtt.accounts.models import Role, RoleAssignment
from cdtt.activities.services import ActivityIn, activity_record
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.geo.models import AdminUnit
from cdtt.reports import selectors, services
from cdtt.reports.models import Report, ReportDeadline, ReportStatus
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import Team, TeamStatus
from conftest import Tree, Users, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(tree: Tree) -> Period:
    catalog_load()
    for village in (tree.v1, tree.v2, tree.v3):
        Team.objects.create(
            commune=village.commune, village=village, name=f"Tổ {village.name}", status=TeamStatus.ACTIVE
        )
    today = timezone.localdate()
    return calendar_period(PeriodKind.MONTH, today.year, today.month)


@pytest.fixture
def empty(tree: Tree) -> AdminUnit:
    """A commune of P1 with no village and no record (as the real tree has before villages are entered)."""
    return AdminUnit.objects.create(
        code="00009",
        name="Phường Trống",
        short_name="Trống",
        kind="ward",
        parent=tree.p1,
        valid_from=tree.c1.valid_from,
    )


def people(actor: Any, n: int, *, village: Any = None, commune: Any = None) -> None:
    """One propaganda session reaching ``n`` people, in a village or the commune's own."""
    activity_record(
        actor=actor,
        data=ActivityIn(
            kind="propaganda",
            occurred_on=timezone.localdate(),
            village_id=village.pk if village else None,
            commune_id=commune.pk if commune else None,
            channel="meeting",
            people_reached=n,
        ),
    )


def sent_and_approved(subject: Any, reporter: Any, reviewer: Any, period: Period) -> Report:
    report = services.report_open(actor=reporter, subject=subject, period=period)
    report = services.report_submit(actor=reporter, report=report, version=report.version)
    return services.report_approve(actor=reviewer, report=report, version=report.version)


def people_row(rows: list[selectors.Row]) -> selectors.Row:
    return next(r for r in rows if r.code == "people_reached")


def test_the_province_page_consolidates_approved_communes_and_counts_the_empty_one(
    tree: Tree, users: Users, month: Period, empty: AdminUnit
) -> None:
    c2_officer = make_user("c2_officer")
    RoleAssignment.objects.create(user=c2_officer, role=Role.COMMUNE_OFFICER, unit=tree.c2)
    people(users.team_member, 30, village=tree.v1)  # in C1's approved report, through V1's
    people(users.commune_officer, 7, village=tree.v2)  # V2 never reports: pending at C1, then in C1's report
    people(users.commune_officer, 100, commune=tree.c1)  # C1's own
    people(c2_officer, 20, commune=tree.c2)  # C2 does not report: pending at the province
    sent_and_approved(tree.v1, users.team_member, users.commune_officer, month)
    c1 = sent_and_approved(tree.c1, users.commune_officer, users.province_officer, month)
    assert people_row(selectors.report_rows(c1)).in_period == 130  # V1's approved 30 + C1's own 100

    page = selectors.report_unit_page(user=users.province_officer, unit_id=tree.p1.pk, period=month)

    assert (page.info.children, page.info.approved, page.info.hidden) == (3, 1, 0)  # C1, C2 and the empty one
    assert page.info.approved_ids == [c1.pk]
    row = people_row(page.rows)
    # What C1 approved (V2's 7 was pending there and stays outside its frozen numbers) plus the province's own
    # (nothing); pending: C1's 7 recorded after nothing was frozen for it, and C2's 20.
    assert (row.in_period, row.pending) == (Decimal(130), Decimal(27))
    by_name = {node.subject.name: node for node in page.nodes}
    assert set(by_name) == {tree.c1.name, tree.c2.name, empty.name}
    assert by_name[tree.c1.name].state == ReportStatus.APPROVED
    assert by_name[empty.name].report is None and by_name[empty.name].counts["expected"] == 0
    assert by_name[tree.c1.name].counts["expected"] == 2  # V1 and V2 have teams
    assert page.nodes[0].state != ReportStatus.APPROVED  # what needs the reviewer comes first
    assert page.states[ReportStatus.APPROVED] == 1 and sum(page.states.values()) == 3
    assert page.can_settings and page.is_own and not page.hides  # the province writes its own report too

    empty_page = selectors.report_unit_page(user=users.province_officer, unit_id=empty.pk, period=month)
    assert empty_page.nodes == [] and empty_page.info.children == 0
    assert empty_page.rows and all(r.in_period == 0 and not r.pending for r in empty_page.rows)  # ratios: None


def test_a_hiding_commune_keeps_its_unapproved_numbers_from_the_province_page(
    tree: Tree, users: Users, month: Period
) -> None:
    people(users.commune_officer, 100, commune=tree.c1)
    services.policy_set(actor=users.commune_officer, unit=tree.c1, hide_unapproved=True)

    page = selectors.report_unit_page(user=users.province_officer, unit_id=tree.p1.pk, period=month)

    assert people_row(page.rows).pending == 0 and page.info.hidden == 1
    c1_page = selectors.report_unit_page(user=users.commune_officer, unit_id=tree.c1.pk, period=month)
    assert c1_page.hides and c1_page.is_own and people_row(c1_page.rows).in_period == 100


def test_another_units_reports_are_the_same_404_as_missing_ones(tree: Tree, users: Users, month: Period) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)

    with pytest.raises(NotFound):  # C3's officer, in the other province
        selectors.report_detail_page(user=users.outsider, report_id=report.pk)
    with pytest.raises(NotFound):
        selectors.report_unit_page(user=users.outsider, unit_id=tree.c1.pk, period=month)
    with pytest.raises(Forbidden):  # no role at all: refused before anything is looked up
        selectors.report_detail_page(user=users.nobody, report_id=report.pk)
    with pytest.raises(NotFound):  # a commune officer does not see the sibling commune
        selectors.report_unit_page(user=users.commune_officer, unit_id=tree.c2.pk, period=month)
    with pytest.raises(NotFound):
        selectors.report_detail_page(user=users.commune_officer, report_id=report.pk + 1000)
    with pytest.raises(NotFound):
        selectors.report_settings_page(user=users.commune_officer, unit_id=tree.c3.pk)
    assert [r.pk for r in selectors.visible_reports(users.outsider)] == []
    assert [r.pk for r in selectors.visible_reports(users.province_officer)] == [report.pk]


def test_the_detail_page_says_what_each_user_may_do(tree: Tree, users: Users, month: Period) -> None:
    people(users.team_member, 12, village=tree.v1)
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)

    writer = selectors.report_detail_page(user=users.team_member, report_id=report.pk)
    assert (writer.can_write, writer.can_submit, writer.can_review, writer.can_reopen) == (True, True, False, False)
    assert writer.can_raise and writer.flags_unit == tree.c1.pk and not writer.consolidated
    assert people_row([r for _n, r in writer.rows_main]).in_period == 12  # a row with figures comes first
    assert all(not (r.in_period or r.target or r.note) for _n, r in writer.rows_rest)
    assert writer.org["teams"] == 1 and writer.changes == [] and writer.info is None

    services.report_submit(actor=users.team_member, report=report, version=report.version)
    people(users.team_member, 3, village=tree.v1)  # after the numbers were frozen

    reviewer = selectors.report_detail_page(user=users.commune_officer, report_id=report.pk)
    assert (reviewer.can_write, reviewer.can_review, reviewer.can_reopen) == (False, True, False)
    assert [(c.row.in_period, c.live.in_period) for c in reviewer.changes if c.row.code == "people_reached"] == [
        (12, 15)
    ]
    assert [e.action for e in reviewer.events] == ["submitted", "created"]  # newest first
    assert not reviewer.late
    province = selectors.report_detail_page(user=users.province_officer, report_id=report.pk)
    assert not (province.can_write or province.can_review or province.can_raise)


def test_the_index_page_lists_my_reports_and_what_awaits_my_review(tree: Tree, users: Users, month: Period) -> None:
    report = services.report_open(actor=users.team_member, subject=tree.v1, period=month)
    services.report_submit(actor=users.team_member, report=report, version=report.version)

    mine = selectors.report_index_page(user=users.team_member)
    assert [entry["key"] for entry in mine.mine] == [f"v{tree.v1.pk}"]
    by_period = {row["period"].pk: row for row in mine.mine[0]["rows"]}
    assert by_period[month.pk]["report"] == report and not by_period[month.pk]["late"]

    reviewer = selectors.report_index_page(user=users.commune_officer)
    assert [r.pk for r, _label in reviewer.awaiting] == [report.pk]
    assert reviewer.review_units == [tree.c1]
    assert selectors.report_index_page(user=users.outsider).awaiting == []


def test_saving_a_provinces_deadlines_is_all_or_nothing_and_audited(tree: Tree, users: Users) -> None:
    bad: dict[str, tuple[int, int, bool]] = {
        PeriodKind.MONTH: (0, 10, True),
        PeriodKind.QUARTER: (0, 40, True),
    }  # no 40th day
    with pytest.raises(DomainError):
        services.deadlines_set(actor=users.province_officer, province=tree.p1, rules=bad)
    assert not ReportDeadline.objects.exists()

    good: dict[str, tuple[int, int, bool]] = {
        PeriodKind.MONTH: (0, 10, True),
        PeriodKind.QUARTER: (0, 6, False),
        PeriodKind.YEAR: (-1, 25, True),
    }
    changed = services.deadlines_set(actor=users.province_officer, province=tree.p1, rules=good)

    assert changed == 2  # the year's rule is the default and still asked for: nothing to save
    assert selectors.deadline_rule(tree.p1, PeriodKind.MONTH) == (0, 10)
    assert selectors.optional_kinds(tree.p1) == {PeriodKind.QUARTER}
    assert AuditEvent.objects.filter(action="report.deadline").count() == 2
    page = selectors.report_settings_page(user=users.province_officer, unit_id=tree.p1.pk)
    assert [r["required"] for r in page.rules if r["kind"] == PeriodKind.QUARTER] == [False]
    with pytest.raises(NotFound):
        services.deadlines_set(actor=users.outsider, province=tree.p1, rules=good)
