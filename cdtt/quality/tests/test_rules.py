"""Every data-quality rule: what raises a flag, what does not, and what a flag names."""

from __future__ import annotations

import datetime
import importlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from cdtt.activities.models import ActivityKind, Channel
from cdtt.activities.services import ActivityIn, BatchLookups, activity_check, activity_record, activity_record_many
from cdtt.catalog.models import Indicator, Outcome
from cdtt.catalog.services import catalog_load
from cdtt.geo.models import Village
from cdtt.households.models import Household
from cdtt.households.services import HouseholdIn, household_create
from cdtt.progress import engine
from cdtt.progress.models import Level
from cdtt.quality import checks
from cdtt.quality.checks import Eligible, eligible_population, eligible_source
from cdtt.quality.models import Flag, FlagStatus, QualityRule
from cdtt.quality.outliers import check_outliers, modified_z, months_back
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.services import calendar_period
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


def load_default_rules() -> None:
    """What the data migration loads (idempotent): a transactional test run before this one in the same
    process may have flushed the table."""
    migration = importlib.import_module("cdtt.quality.migrations.0002_default_rules")
    migration.forwards(django_apps, None)


@pytest.fixture
def catalogue(tree: Tree) -> None:
    catalog_load()
    load_default_rules()
    engine.forget_rules()


def households(users: Users, village: Village, n: int, members: int = 4) -> list[Household]:
    found = [
        household_create(
            actor=users.commune_officer, village=village, data=HouseholdIn(head_name=f"Hộ {k}", members_count=members)
        )
        for k in range(n)
    ]
    engine.forget_rules()  # the eligible population is kept per process beside the counting rules
    return found


def session(village: Village, people: int = 0, homes: int = 0, day: datetime.date | None = None) -> ActivityIn:
    return ActivityIn(
        kind=ActivityKind.PROPAGANDA,
        occurred_on=day or timezone.localdate(),
        channel=Channel.MEETING,
        village_id=village.pk,
        people_reached=people,
        households_reached=homes,
    )


def set_threshold(code: str, value: float) -> None:
    QualityRule.objects.filter(code=code).update(threshold=value)
    engine.forget_rules()


# -- capacity -----------------------------------------------------------------------------------------


def test_a_session_reaching_more_people_than_live_in_the_village_is_flagged(
    catalogue: None, tree: Tree, users: Users
) -> None:
    households(users, tree.v1, 3, members=4)
    activity, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=10_000))
    flag = Flag.objects.get(rule="capacity")
    assert (flag.unit_id, flag.village_id, flag.status) == (tree.c1.pk, tree.v1.pk, FlagStatus.OPEN)
    assert flag.numbers["reached"] == 10_000 and flag.numbers["eligible"] == 12
    assert flag.numbers["source"] == "register"
    assert list(flag.records.values_list("pk", flat=True)) == [activity.pk]
    assert flag.indicator is not None and flag.indicator.code in ("people_reached", "propaganda_people")
    # A second session of the same day in the same village joins the flag.
    second, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=500))
    assert Flag.objects.filter(rule="capacity").count() == 1
    assert set(flag.records.values_list("pk", flat=True)) == {activity.pk, second.pk}


def test_a_session_within_the_village_and_households_over_the_register_are_told_apart(
    catalogue: None, tree: Tree, users: Users
) -> None:
    households(users, tree.v1, 3, members=4)
    activity_record(actor=users.team_member, data=session(tree.v1, people=12))
    assert not Flag.objects.exists()
    activity_record(actor=users.team_member, data=session(tree.v1, homes=5))
    flag = Flag.objects.get(rule="capacity")
    assert (flag.numbers["measure"], flag.numbers["reached"], flag.numbers["eligible"]) == ("households", 5, 3)


def test_capacity_is_skipped_where_the_register_has_no_households(catalogue: None, tree: Tree, users: Users) -> None:
    activity_record(actor=users.team_member, data=session(tree.v1, people=10_000))
    assert not Flag.objects.exists()
    assert eligible_population(tree.v1) is None


def test_a_registered_source_of_official_population_is_used_where_the_register_is_partial(
    catalogue: None, tree: Tree, users: Users
) -> None:
    households(users, tree.v1, 2, members=3)

    def official(unit: Any, period: Any) -> Eligible | None:
        return Eligible(people=5000, households=1200, source="official") if unit.pk == tree.v1.pk else None

    eligible_source(official)
    try:
        assert eligible_population(tree.v1) == Eligible(5000, 1200, "official")
        activity_record(actor=users.team_member, data=session(tree.v1, people=900))
        assert not Flag.objects.exists()
    finally:
        checks._SOURCES.remove(official)


# -- rate ----------------------------------------------------------------------------------------------


def test_one_members_records_of_a_day_above_the_ceiling_are_flagged_once(
    catalogue: None, tree: Tree, users: Users
) -> None:
    set_threshold("rate", 3)
    made = [activity_record(actor=users.team_member, data=session(tree.v1, people=5))[0] for _ in range(5)]
    flags = Flag.objects.filter(rule="rate")
    people = Indicator.objects.get(code="propaganda_people")
    flag = flags.get(indicator=people)
    assert flag.numbers["records"] == 5 and flag.numbers["ceiling"] == 3
    assert set(flag.records.values_list("pk", flat=True)) == {made[3].pk, made[4].pk}  # the ones over it
    # Another member's records are counted apart.
    activity_record(actor=users.team_leader, data=session(tree.v1, people=5))
    assert flags.filter(indicator=people).count() == 1


# -- duplicate effort ----------------------------------------------------------------------------------


def _guidance(household: Household, outcome: Outcome) -> ActivityIn:
    return ActivityIn(
        kind=ActivityKind.GUIDANCE,
        occurred_on=timezone.localdate(),
        household_id=household.pk,
        platform_id=outcome.platform_id,
        outcome_id=outcome.pk,
    )


def test_the_same_household_and_item_recorded_by_two_members_is_flagged(
    catalogue: None, tree: Tree, users: Users
) -> None:
    (home,) = households(users, tree.v1, 1)
    opened = Outcome.objects.get(platform__code="epayment", code="opened")
    first, _new = activity_record(actor=users.team_member, data=_guidance(home, opened))
    assert not Flag.objects.exists()  # the first record of the household's account
    second, _new = activity_record(actor=users.team_leader, data=_guidance(home, opened))
    flag = Flag.objects.get(rule="duplicate")
    assert set(flag.records.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert (flag.numbers["records"], flag.numbers["members"]) == (2, 2)
    # Recorded a third time by the same member: the same flag, one record more.
    activity_record(actor=users.team_member, data=_guidance(home, opened))
    flag.refresh_from_db()
    assert Flag.objects.filter(rule="duplicate").count() == 1
    assert flag.records.count() == 3 and flag.numbers["records"] == 3


def test_a_batch_from_a_phone_is_checked_like_single_records(catalogue: None, tree: Tree, users: Users) -> None:
    (home,) = households(users, tree.v1, 1)
    opened = Outcome.objects.get(platform__code="epayment", code="opened")
    batch = [_guidance(home, opened), _guidance(home, opened), session(tree.v1, people=50_000)]
    lookups = BatchLookups(users.team_member, batch)
    activity_record_many(
        actor=users.team_member, lookups=lookups, records=[activity_check(lookups=lookups, data=d) for d in batch]
    )
    assert sorted(Flag.objects.values_list("rule", flat=True)) == ["capacity", "duplicate"]
    # The rate rule counts the member's day once for a whole batch.
    set_threshold("rate", 2)
    more = [session(tree.v1, people=5) for _ in range(2)]
    lookups = BatchLookups(users.team_member, more)
    activity_record_many(
        actor=users.team_member, lookups=lookups, records=[activity_check(lookups=lookups, data=d) for d in more]
    )
    rate = Flag.objects.get(rule="rate", indicator__code="propaganda_sessions")
    assert rate.numbers["records"] == 3 and rate.records.count() == 2


# -- back-dating ---------------------------------------------------------------------------------------


def test_a_record_for_a_period_whose_report_was_approved_is_flagged(catalogue: None, tree: Tree, users: Users) -> None:
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    period = calendar_period("month", last.year, last.month)
    Report.objects.create(
        period=period, level=Level.VILLAGE, village=tree.v1, unit=None, reviewer=tree.c1,
        status=ReportStatus.APPROVED, due_on=today, decided_at=timezone.now(),
    )  # fmt: skip
    activity_record(actor=users.team_member, data=session(tree.v1, people=5))  # this month: fine
    activity_record(actor=users.commune_officer, data=session(tree.v2, people=5, day=last))  # another village
    assert not Flag.objects.exists()
    late, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=5, day=last))
    flag = Flag.objects.get(rule="backdating")
    assert flag.numbers["period"] == str(period) and list(flag.records.all()) == [late]


def test_the_daily_sweep_flags_what_another_node_let_through_in_the_seconds_after_an_approval(
    catalogue: None, tree: Tree, users: Users
) -> None:
    """Each process keeps a place's approved reports for ``RULES_TTL``: a node that read them just before the
    approval lets a back-dated record through. The daily job finds it: once, joining the report's flag."""
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    period = calendar_period("month", last.year, last.month)
    before, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=5, day=last))
    report = Report.objects.create(
        period=period, level=Level.VILLAGE, village=tree.v1, unit=None, reviewer=tree.c1,
        status=ReportStatus.APPROVED, due_on=today, decided_at=timezone.now(),
    )  # fmt: skip
    # This process read the village's approved reports before the approval (the first record's check).
    late, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=7, day=last))
    voided, _new = activity_record(actor=users.team_member, data=session(tree.v1, people=9, day=last))
    type(voided).objects.filter(pk=voided.pk).update(voided_at=timezone.now())
    elsewhere, _new = activity_record(actor=users.commune_officer, data=session(tree.v2, people=5, day=last))
    assert not Flag.objects.exists()  # the window: nothing was flagged on the way in

    out: list[str] = []
    assert checks.sweep_backdating(progress=out.append) == 1
    flag = Flag.objects.get(rule="backdating")
    assert list(flag.records.all()) == [late]  # not the one before the approval, the voided one, another village
    assert (flag.unit_id, flag.village_id, flag.key) == (tree.c1.pk, tree.v1.pk, f"backdating:rep{report.pk}")
    assert flag.numbers["period"] == str(period) and out
    assert checks.sweep_backdating() == 0  # run again: nothing more
    flag.status = FlagStatus.CORRECTED
    flag.save()
    assert checks.sweep_backdating() == 0 and Flag.objects.count() == 1  # a reviewed record is not raised again
    # The daily command runs it beside the outliers.
    printed = io.StringIO()
    call_command("check_quality", stdout=printed)
    assert "backdating: 0 record(s)" in printed.getvalue()
    assert Flag.objects.count() == 1
    del before, elsewhere


# -- outlier -------------------------------------------------------------------------------------------


def test_the_modified_z_score_resists_the_outliers_it_looks_for() -> None:
    history = [10, 12, 11, 9, 10, 11, 13, 10, 12, 11, 10, 500]  # one wild month in the history itself
    assert modified_z(11, history) == pytest.approx(0.0)
    assert (modified_z(300, history) or 0) > 100
    assert modified_z(10, [10, 10, 10, 10, 11]) == 0.0  # MAD 0: the mean absolute deviation is used
    assert (modified_z(50, [10, 10, 10, 10, 11]) or 0) > 3.5
    assert modified_z(50, [10, 10]) is None  # too few to say
    assert months_back(202602, 3) == [202511, 202512, 202601]


def test_the_daily_job_flags_a_month_far_from_the_villages_history_and_its_neighbours(
    catalogue: None, tree: Tree, users: Users
) -> None:
    for name in ("Thôn Ba", "Thôn Bốn", "Thôn Năm"):
        Village.objects.create(commune=tree.c1, name=name, kind="thon", valid_from=tree.v1.valid_from)
    people = Indicator.objects.get(code="propaganda_people")
    month = 202606
    cells = []
    villages = list(Village.objects.filter(commune=tree.c1).values_list("pk", flat=True))
    for village in villages:
        for bucket in months_back(month, 12):
            cells.append(((Level.VILLAGE.value, village, people.pk, bucket, 0), 40 + (village + bucket) % 7))
        cells.append(
            ((Level.VILLAGE.value, village, people.pk, month, 0), 900 if village == tree.v1.pk else 45 + village % 5)
        )
    engine.write_cells(sorted(cells))
    out: list[str] = []
    check_outliers(month=month, progress=out.append)
    flag = Flag.objects.get(rule="outlier")
    assert (flag.village_id, flag.unit_id, flag.indicator_id, flag.day) == (
        tree.v1.pk, tree.c1.pk, people.pk, datetime.date(2026, 6, 1),
    )  # fmt: skip
    assert flag.numbers["value"] == 900 and flag.numbers["own_z"] > 3.5 and flag.numbers["sibling_z"] > 3.5
    assert any(line.startswith("propaganda_people: 1 flag") for line in out)
    check_outliers(month=month)  # a second run joins the open flag
    assert Flag.objects.filter(rule="outlier").count() == 1


def test_the_command_prints_its_progress(catalogue: None, tree: Tree, capsys: Any) -> None:
    call_command("check_quality", "--month", "2026-06")
    printed = capsys.readouterr().out
    assert "propaganda_people: 0 flag(s)" in printed and "unit-months checked, 0 flag(s)" in printed
    assert printed.strip().endswith("backdating: 0 record(s) entered after their period's report was approved")


def test_a_rule_switched_off_raises_nothing(catalogue: None, tree: Tree, users: Users) -> None:
    households(users, tree.v1, 1)
    QualityRule.objects.filter(code="capacity").update(is_active=False)
    engine.forget_rules()
    activity_record(actor=users.team_member, data=session(tree.v1, people=10_000))
    assert not Flag.objects.exists()


def test_the_default_rules_are_loaded_by_the_migration(db: None) -> None:
    load_default_rules()
    assert list(QualityRule.objects.values_list("code", flat=True)) == [
        "capacity", "rate", "outlier", "duplicate", "backdating",
    ]  # fmt: skip


@pytest.fixture(autouse=True)
def _checks_on() -> Iterator[None]:
    checks.ENABLED = True
    yield
    checks.ENABLED = True
