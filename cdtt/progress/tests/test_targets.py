"""Targets: assigned from above, split across children at three levels, reconciled; pages and API scoped."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.activities.models import Activity
from cdtt.catalog.models import Indicator, Outcome
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.households.models import Household, Resident
from cdtt.households.services import HouseholdIn, ResidentIn, household_create, resident_add
from cdtt.targets import services as targets
from cdtt.targets.models import PeriodKind, SplitMethod, Target
from cdtt.targets.periods import calendar_period
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(tree: Tree) -> Any:
    catalog_load()
    return calendar_period(PeriodKind.YEAR, timezone.localdate().year)


@pytest.fixture
def level2() -> Indicator:
    return Indicator.objects.get(code="vneid_level2")


@pytest.fixture
def register(tree: Tree, users: Users, year: Any) -> list[Household]:
    """Households in C1 (v1: 3 adults each ×2, v2: 1 adult) and C2 (v3: 2 adults)."""
    made = []
    for village, adults, count in ((tree.v1, 3, 2), (tree.v2, 1, 1), (tree.v3, 2, 1)):
        actor = users.commune_officer if village.commune_id == tree.c1.pk else users.province_officer
        for n in range(count):
            if village.commune_id != tree.c1.pk:
                household = Household.objects.create(
                    commune=village.commune,
                    village=village,
                    head_name=f"Hộ {n}",
                    head_name_folded=f"ho {n}",
                    adults_count=adults,
                )
                from cdtt.progress import engine

                engine.household_moved(household, +1)
            else:
                household = household_create(
                    actor=actor,
                    village=village,
                    data=HouseholdIn(
                        consent="verbal",
                        head_name=f"Hộ {village.name} {n}",
                        adults_count=adults,
                        members_count=adults,
                    ),
                )
            made.append(household)
    return made


def test_three_levels_split_and_reconcile(
    tree: Tree, users: Users, year: Any, level2: Indicator, register: list[Household]
) -> None:
    nation = targets.target_set(actor=users.national_admin, subject=tree.vn, indicator=level2, period=year, value=1000)
    targets.target_split(actor=users.national_admin, parent=nation, method=SplitMethod.EVEN)
    province = Target.objects.get(unit=tree.p1, indicator=level2, period=year)
    assert province.value == 500
    assert targets.reconcile(nation).state == "exact"

    made = targets.target_split(actor=users.province_officer, parent=province, method=SplitMethod.ADULTS)

    by_unit = {t.unit_id: t.value for t in made}
    assert by_unit == {tree.c1.pk: Decimal(389), tree.c2.pk: Decimal(111)}  # 7 and 2 adults of 9 (largest remainder)
    commune = Target.objects.get(unit=tree.c1, indicator=level2, period=year)
    assert commune.parent_id == province.pk
    villages = targets.target_split(
        actor=users.commune_officer, parent=commune, method=SplitMethod.MANUAL, manual={tree.v1.pk: "300"}
    )
    assert [t.value for t in villages] == [Decimal(300)]
    state = targets.reconcile(commune)
    assert (state.state, state.remainder, state.missing) == ("under", Decimal(89), 1)
    assert targets.reconcile(province).state == "exact"
    assert AuditEvent.objects.filter(action="target.split").count() == 3


def test_the_level_below_cannot_change_what_it_was_given(
    tree: Tree, users: Users, year: Any, level2: Indicator
) -> None:
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=300)

    with pytest.raises(Forbidden):
        targets.target_set(actor=users.commune_officer, subject=tree.c1, indicator=level2, period=year, value=10)
    with pytest.raises(NotFound):
        targets.target_set(actor=users.commune_officer, subject=tree.p1, indicator=level2, period=year, value=10)
    with pytest.raises(NotFound):  # another province's commune
        targets.target_set(actor=users.province_officer, subject=tree.c3, indicator=level2, period=year, value=10)
    assert Target.objects.get(unit=tree.c1).value == 300
    own = targets.target_set(actor=users.commune_officer, subject=tree.v1, indicator=level2, period=year, value=40)
    assert own.value == 40


@pytest.mark.parametrize(
    ("value", "message"),
    [("-5", "A target cannot be negative."), ("abc", "Enter a number."), ("2.5", "Enter a whole number.")],
)
def test_bad_values_are_refused_and_change_nothing(
    tree: Tree, users: Users, year: Any, level2: Indicator, value: str, message: str
) -> None:
    with pytest.raises(DomainError) as caught:
        targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=value)
    assert caught.value.message == _(message)
    assert not Target.objects.exists()


def test_a_split_beyond_the_parent_is_refused(tree: Tree, users: Users, year: Any, level2: Indicator) -> None:
    parent = targets.target_set(actor=users.province_officer, subject=tree.p1, indicator=level2, period=year, value=100)

    with pytest.raises(DomainError):
        targets.target_split(
            actor=users.province_officer, parent=parent, method="manual", manual={tree.c1.pk: 80, tree.c2.pk: 30}
        )
    assert Target.objects.count() == 1


def test_a_percentage_cascades_unchanged(tree: Tree, users: Users, year: Any) -> None:
    rate = Indicator.objects.get(code="vneid_level2_rate")
    parent = targets.target_set(actor=users.province_officer, subject=tree.p1, indicator=rate, period=year, value="80")

    made = targets.target_split(actor=users.province_officer, parent=parent, method=SplitMethod.EVEN)

    assert {t.value for t in made} == {Decimal("80.0")}
    assert targets.reconcile(parent).state == "cascaded"


# -- pages --------------------------------------------------------------------------------------------


def test_the_province_board_sets_and_splits(
    tree: Tree, year: Any, level2: Indicator, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    response = officer.post(
        reverse("targets:set", args=[tree.p1.pk]) + f"?period={year.pk}",
        {"subject": f"u{tree.p1.pk}", "indicator": level2.pk, "value": "800"},
    )
    assert response.status_code == 302
    target = Target.objects.get(unit=tree.p1)

    page = officer.get(reverse("targets:split", args=[target.pk]))
    assert page.status_code == 200
    assert tree.c1.name in page.content.decode()
    officer.post(reverse("targets:split", args=[target.pk]), {"method": "adults"})
    board = officer.get(reverse("targets:unit", args=[tree.p1.pk]) + f"?period={year.pk}&indicator={level2.pk}")

    assert Target.objects.filter(parent=target).count() == 2
    html = board.content.decode()
    assert _("fully allocated") in html
    assert tree.c2.name in html


def test_boards_of_another_unit_are_404_and_setting_needs_the_role(
    tree: Tree, year: Any, signed_in: Callable[..., Client]
) -> None:
    assert signed_in("outsider").get(reverse("targets:unit", args=[tree.p1.pk])).status_code == 404
    assert signed_in("commune_officer").get(reverse("targets:unit", args=[tree.c3.pk])).status_code == 404
    assert signed_in("team_member").get(reverse("targets:village", args=[tree.v2.pk])).status_code == 404
    assert signed_in("team_member").get(reverse("targets:village", args=[tree.v1.pk])).status_code == 200
    assert signed_in("leader").get(reverse("targets:set", args=[tree.p1.pk])).status_code == 403
    assert signed_in("leader").get(reverse("targets:unit", args=[tree.p1.pk])).status_code == 200
    assert signed_in("commune_officer").get(reverse("targets:set", args=[tree.p1.pk])).status_code == 404


def test_my_targets_takes_a_member_to_their_village(tree: Tree, year: Any, signed_in: Callable[..., Client]) -> None:
    response = signed_in("team_member").get(reverse("targets:mine"))
    assert response["Location"] == reverse("targets:village", args=[tree.v1.pk])
    response = signed_in("province_officer").get(reverse("targets:mine"))
    assert response["Location"] == reverse("targets:unit", args=[tree.p1.pk])


def test_a_split_of_another_provinces_target_is_404(
    tree: Tree, users: Users, year: Any, level2: Indicator, signed_in: Callable[..., Client]
) -> None:
    target = targets.target_set(actor=users.national_admin, subject=tree.p2, indicator=level2, period=year, value=5)
    assert signed_in("province_officer").get(reverse("targets:split", args=[target.pk])).status_code == 404


# -- recording moves every level -------------------------------------------------------------------------


def test_a_member_records_guidance_and_every_level_moves(
    tree: Tree, users: Users, year: Any, level2: Indicator, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    household = register[0]
    head = resident_add(actor=users.commune_officer, household=household, data=ResidentIn(full_name="Chủ Hộ"))
    outcome = Outcome.objects.get(platform__code="vneid", code="level2")
    member = signed_in("team_member")
    form = member.get(reverse("activities:guidance", args=[household.pk]))
    assert form.status_code == 200

    response = member.post(
        reverse("activities:guidance", args=[household.pk]),
        {"choice": f"o{outcome.pk}", "resident": head.pk, "uuid": str(uuid.uuid4())},
    )

    assert response.status_code == 302
    for subject in (tree.v1, tree.c1, tree.p1, tree.vn):
        from cdtt.progress.selectors import indicator_figures

        figure = next(f for f in indicator_figures(subject, year) if f.indicator.pk == level2.pk)
        assert figure.achieved == 1, subject
    assert head.adoptions.filter(item__code="vneid_level2").exists()


def test_recording_for_a_household_of_another_village_is_404(
    tree: Tree, users: Users, year: Any, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    other = next(h for h in register if h.village_id == tree.v2.pk)
    assert signed_in("team_member").get(reverse("activities:guidance", args=[other.pk])).status_code == 404
    assert signed_in("leader").get(reverse("activities:guidance", args=[other.pk])).status_code == 403
    assert signed_in("team_member").get(reverse("activities:event", args=[tree.v2.pk])).status_code == 404


# -- API ------------------------------------------------------------------------------------------------


def _json(response: Any) -> Any:
    return json.loads(response.content)


def test_api_targets_progress_and_idempotent_activities(
    tree: Tree, users: Users, year: Any, level2: Indicator, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    put = officer.put(
        "/api/v1/targets",
        json.dumps({"unit_id": tree.p1.pk, "indicator": "vneid_level2", "period_id": year.pk, "value": 90}),
        content_type="application/json",
    )
    assert put.status_code == 200, put.content
    split = officer.post(
        f"/api/v1/targets/{_json(put)['id']}/split", json.dumps({"method": "even"}), content_type="application/json"
    )
    assert _json(split)["state"] == "exact"

    member = signed_in("team_member")
    household = register[0]
    resident = Resident.objects.create(household=household, full_name="Người A", name_folded="nguoi a")
    outcome = Outcome.objects.get(platform__code="vneid", code="level2")
    body = {
        "uuid": str(uuid.uuid4()),
        "kind": "guidance",
        "occurred_on": str(timezone.localdate()),
        "household_id": household.pk,
        "resident_id": resident.pk,
        "outcome_id": outcome.pk,
    }
    first = member.post("/api/v1/activities", json.dumps(body), content_type="application/json")
    again = member.post("/api/v1/activities", json.dumps(body), content_type="application/json")
    other = member.post("/api/v1/activities", json.dumps({**body, "note": "khác"}), content_type="application/json")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert Activity.objects.count() == 1
    progress = _json(officer.get(f"/api/v1/progress/units/{tree.p1.pk}?period_id={year.pk}"))
    figure = next(f for f in progress["figures"] if f["indicator"] == "vneid_level2")
    assert (Decimal(figure["achieved"]), Decimal(figure["target"])) == (1, 90)

    void = member.post(f"/api/v1/activities/{_json(first)['id']}/void", json.dumps({}), content_type="application/json")
    twice = member.post(
        f"/api/v1/activities/{_json(first)['id']}/void", json.dumps({}), content_type="application/json"
    )
    assert (void.status_code, twice.status_code) == (200, 400)


def test_api_scope(
    tree: Tree, users: Users, year: Any, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    assert signed_in("outsider").get(f"/api/v1/progress/units/{tree.p1.pk}").status_code == 404
    assert signed_in("team_member").get(f"/api/v1/progress/villages/{tree.v2.pk}").status_code == 404
    leader = signed_in("leader")
    body = {"unit_id": tree.c1.pk, "indicator": "vneid_level2", "period_id": year.pk, "value": 1}
    assert leader.put("/api/v1/targets", json.dumps(body), content_type="application/json").status_code == 403
    outsider = signed_in("outsider")
    assert outsider.put("/api/v1/targets", json.dumps(body), content_type="application/json").status_code == 404
    other = next(h for h in register if h.village_id == tree.v2.pk)
    activity = {
        "uuid": str(uuid.uuid4()),
        "kind": "guidance",
        "occurred_on": str(timezone.localdate()),
        "household_id": other.pk,
        "platform": "vneid",
    }
    member = signed_in("team_member")
    assert member.post("/api/v1/activities", json.dumps(activity), content_type="application/json").status_code == 404
    wrong = Outcome.objects.get(platform__code="dvc", code="dossier")
    mine = next(h for h in register if h.village_id == tree.v1.pk)
    bad = {**activity, "household_id": mine.pk, "outcome_id": wrong.pk}
    response = member.post("/api/v1/activities", json.dumps(bad), content_type="application/json")
    assert response.status_code == 400
    assert Activity.objects.count() == 0


# -- target sheets ---------------------------------------------------------------------------------------


def test_a_target_sheet_round_trips(
    tree: Tree, users: Users, year: Any, level2: Indicator, signed_in: Callable[..., Client]
) -> None:
    import io

    from openpyxl import load_workbook

    officer = signed_in("province_officer")
    targets.target_set(actor=users.province_officer, subject=tree.c1, indicator=level2, period=year, value=70)
    exported = officer.get(reverse("targets:sheet_export", args=[tree.p1.pk]) + f"?period={year.pk}")
    assert exported.status_code == 200
    workbook = load_workbook(io.BytesIO(exported.content))
    sheet = workbook.active
    assert sheet is not None
    header = [cell.value for cell in sheet[2]]
    column = header.index(f"{level2.name} [{level2.code}]") + 1
    rows = {sheet.cell(row=r, column=2).value: r for r in range(3, sheet.max_row + 1)}
    assert sheet.cell(row=rows[tree.c1.name], column=column).value == 70
    sheet.cell(row=rows[tree.c2.name], column=column).value = 55
    buffer = io.BytesIO()
    workbook.save(buffer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("targets:sheet", args=[tree.p1.pk]) + f"?period={year.pk}"
    preview = officer.post(url, {"file": SimpleUploadedFile("chi-tieu.xlsx", buffer.getvalue())})
    assert preview.status_code == 200
    assert not Target.objects.filter(unit=tree.c2).exists()  # checked, not written

    officer.post(url, {"action": "confirm"})

    assert Target.objects.get(unit=tree.c2, indicator=level2).value == 55
    assert Target.objects.get(unit=tree.c1, indicator=level2).value == 70


def test_a_sheet_with_a_bad_cell_writes_nothing(
    tree: Tree, users: Users, year: Any, level2: Indicator, signed_in: Callable[..., Client]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = [
        f"Mã;Đơn vị;{level2.name} [{level2.code}]",
        f"{tree.c1.code};{tree.c1.name};-3",
        f"{tree.c2.code};{tree.c2.name};40",
        "X;Xã Không Có;5",
    ]
    text = "\n".join(lines) + "\n"
    officer = signed_in("province_officer")
    url = reverse("targets:sheet", args=[tree.p1.pk]) + f"?period={year.pk}"
    page = officer.post(url, {"file": SimpleUploadedFile("chi-tieu.csv", text.encode())}).content.decode()
    officer.post(url, {"action": "confirm"})

    assert _("A target cannot be negative.") in page
    assert "Xã Không Có" in page
    assert not Target.objects.exists()
    assert signed_in("leader").get(url).status_code == 403
    assert signed_in("outsider").get(url).status_code == 404


def test_a_campaign_counts_the_records_already_in_its_dates(
    tree: Tree, users: Users, year: Any, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    import datetime

    from cdtt.activities.services import ActivityIn, activity_record
    from cdtt.progress.rebuild import check

    today = timezone.localdate()
    activity_record(
        actor=users.team_member,
        data=ActivityIn(
            kind="propaganda", occurred_on=today, village_id=tree.v1.pk, channel="meeting", people_reached=30
        ),
    )
    officer = signed_in("province_officer")
    response = officer.post(
        reverse("targets:campaign", args=[tree.p1.pk]),
        {"name": "Chiến dịch 30 ngày", "start": str(today - datetime.timedelta(days=3)), "end": str(today)},
    )
    assert response.status_code == 302
    campaign = targets.Period.objects.get(kind="campaign")
    sessions = Indicator.objects.get(code="propaganda_sessions")
    from cdtt.progress.selectors import unit_progress

    assert unit_progress([sessions], campaign, 3, [tree.v1.pk])[(sessions.pk, tree.v1.pk)] == 1
    activity_record(
        actor=users.team_member,
        data=ActivityIn(
            kind="propaganda", occurred_on=today, village_id=tree.v1.pk, channel="meeting", people_reached=5
        ),
    )
    assert unit_progress([sessions], campaign, 3, [tree.v1.pk])[(sessions.pk, tree.v1.pk)] == 2
    assert check() == []
    bad = officer.post(
        reverse("targets:campaign", args=[tree.p1.pk]), {"name": "Sai", "start": str(today), "end": "2000-01-01"}
    )
    assert bad.status_code == 200
    assert targets.Period.objects.filter(kind="campaign").count() == 1


def test_api_reads_of_another_unit_are_404(
    tree: Tree, users: Users, year: Any, level2: Indicator, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    from cdtt.activities.services import ActivityIn, activity_record

    target = targets.target_set(actor=users.province_officer, subject=tree.p1, indicator=level2, period=year, value=9)
    activity, _created = activity_record(
        actor=users.team_member,
        data=ActivityIn(
            kind="propaganda",
            occurred_on=timezone.localdate(),
            village_id=tree.v1.pk,
            channel="meeting",
            people_reached=3,
        ),
    )
    outsider = signed_in("outsider")
    assert outsider.get(f"/api/v1/targets?unit_id={tree.p1.pk}&period_id={year.pk}").status_code == 404
    assert outsider.get(f"/api/v1/targets/{target.pk}/reconciliation").status_code == 404
    assert (
        outsider.post(
            f"/api/v1/targets/{target.pk}/split", json.dumps({"method": "even"}), content_type="application/json"
        ).status_code
        == 404
    )
    assert outsider.get(f"/api/v1/activities/{activity.pk}").status_code == 404
    patch = {"version": 1, "occurred_on": str(timezone.localdate()), "channel": "meeting", "people_reached": 4}
    assert (
        outsider.patch(
            f"/api/v1/activities/{activity.pk}", json.dumps(patch), content_type="application/json"
        ).status_code
        == 404
    )
    assert signed_in("leader").get(f"/api/v1/activities/{activity.pk}").status_code == 403
    member = signed_in("team_member")
    assert member.get(f"/api/v1/activities/{activity.pk}").status_code == 200
    changed = member.patch(f"/api/v1/activities/{activity.pk}", json.dumps(patch), content_type="application/json")
    stale = member.patch(f"/api/v1/activities/{activity.pk}", json.dumps(patch), content_type="application/json")
    assert (changed.status_code, stale.status_code) == (200, 409)
    assert Activity.objects.get(pk=activity.pk).people_reached == 4
    assert signed_in("team_member").get("/api/v1/catalog/indicators").status_code == 200
    assert len(_json(signed_in("leader").get("/api/v1/catalog/platforms"))) >= 10


def test_a_record_is_corrected_and_voided_from_the_village_page(
    tree: Tree, users: Users, year: Any, register: list[Household], signed_in: Callable[..., Client]
) -> None:
    from cdtt.activities.models import ActivityChange
    from cdtt.activities.services import ActivityIn, activity_record

    activity, _created = activity_record(
        actor=users.team_member,
        data=ActivityIn(kind="group", occurred_on=timezone.localdate(), village_id=tree.v1.pk, people_reached=12),
    )
    member = signed_in("team_member")
    assert member.get(reverse("activities:village", args=[tree.v1.pk])).status_code == 200
    response = member.post(
        reverse("activities:edit", args=[activity.pk]),
        {"version": 1, "occurred_on": str(timezone.localdate()), "people_reached": "15", "note": "thêm 3 người"},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.people_reached, activity.version) == (15, 2)
    assert ActivityChange.objects.get(activity=activity).before["people_reached"] == 12
    member.post(reverse("activities:void", args=[activity.pk]), {"reason": "ghi trùng"})
    twice = member.post(reverse("activities:void", args=[activity.pk]), follow=True)
    activity.refresh_from_db()
    assert activity.voided_at is not None
    assert _("This record was already voided.") in twice.content.decode()
    assert signed_in("outsider").get(reverse("activities:edit", args=[activity.pk])).status_code == 404
    assert signed_in("leader").get(reverse("activities:edit", args=[activity.pk])).status_code == 403
