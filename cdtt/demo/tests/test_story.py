"""The demo tells the story the README walks through: on the loaded demo, the core loop moves every level's
board, and the figures a report shows beside the register agree with it (slow: the real tree)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cdtt.accounts.models import User
from cdtt.catalog.models import Outcome
from cdtt.core.text import fold
from cdtt.demo.places import DEMO_VILLAGE, VILLAGES
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.households.models import AdoptionItem, AdoptionStatus, Household, Resident
from cdtt.teams.models import ChatGroup

pytestmark = [pytest.mark.realtree, pytest.mark.django_db(transaction=False)]


def _signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _level2(client: Client, url: str) -> Decimal:
    """What a board shows for "people with VNeID level 2"."""
    response = client.get(url)
    assert response.status_code == 200
    figure = next(f for f in response.context["dashboard"].figures if f.indicator.code == "vneid_level2")
    return Decimal(figure.achieved)


def _boards(village: Village) -> dict[str, tuple[Client, str]]:
    """Each level's board, as the person who looks at it in the README."""
    nation = AdminUnit.objects.get(kind=UnitKind.NATIONAL)
    return {
        "village": (_signed_in("tovien"), reverse("dashboards:village", args=[village.pk])),
        "commune": (_signed_in("xa"), reverse("dashboards:unit", args=[village.commune_id])),
        "province": (_signed_in("tinh"), reverse("dashboards:unit", args=[village.commune.parent_id])),  # type: ignore[attr-defined]
        "nation": (_signed_in("admin"), reverse("dashboards:unit", args=[nation.pk])),
    }


def test_the_core_loop_on_the_demo_moves_every_levels_board(real_demo: None) -> None:
    village = Village.objects.get(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True)
    boards = _boards(village)
    before = {level: _level2(client, url) for level, (client, url) in boards.items()}
    assert all(value > 0 for value in before.values())  # the boards have a story already

    # As tovien: the household list, the first household, "Ghi nhận hướng dẫn", tap level 2, "Lưu".
    tovien = boards["village"][0]
    listing = tovien.get(reverse("households:list"))
    household = listing.context["rows"][0].household
    assert tovien.get(reverse("households:detail", args=[household.pk])).status_code == 200
    form = tovien.get(reverse("activities:guidance", args=[household.pk]))
    person = form.context["residents"][0]  # the one ticked by default: the head
    level2 = Outcome.objects.get(platform__code="vneid", code="level2")
    tapped = f"o{level2.pk}"
    assert tapped in form.content.decode()
    uuid = re.search(r'name="uuid" value="([^"]+)"', form.content.decode()).group(1)  # type: ignore[union-attr]
    saved = tovien.post(
        reverse("activities:guidance", args=[household.pk]),
        {"uuid": uuid, "resident": person.pk, "choice": tapped, "occurred_on": timezone.localdate().isoformat()},
    )
    assert saved.status_code == 302

    after = {level: _level2(client, url) for level, (client, url) in boards.items()}
    assert after == {level: value + 1 for level, value in before.items()}


def _register_holds_its_residents_and_leaves_every_item_to_do() -> None:
    households = Household.objects.filter(village__commune__code__in=VILLAGES)
    assert households.count() == 12 * sum(len(v) for v in VILLAGES.values())
    this_year = timezone.localdate().year
    for household in households.prefetch_related("residents"):
        residents = list(household.residents.all())
        assert household.members_count == len(residents) >= 2
        assert household.adults_count == sum(1 for r in residents if this_year - (r.birth_year or 0) >= 15)
    # The checklist's "has a smartphone" agrees with the register's count of smartphones.
    phones = AdoptionStatus.objects.filter(item__code="smartphone", household__in=households, resident__isnull=True)
    with_phones = households.filter(smartphones__gt=0).values_list("pk", flat=True)
    assert set(phones.values_list("household_id", flat=True)) == set(with_phones)
    # Some people (or households) are not yet reached on each item the demo records.
    people = Resident.objects.filter(household__in=households)
    for item in AdoptionItem.objects.filter(code__in=AdoptionStatus.objects.values("item__code")):
        reached = AdoptionStatus.objects.filter(item=item)
        # (Ticked for the household, or for people: NOT IN over a NULL column would match nothing.)
        for_households = reached.filter(resident__isnull=True).values("household_id")
        for_people = reached.filter(resident__isnull=False).values("resident_id")
        if for_households.exists():
            assert households.exclude(pk__in=for_households).exists(), item.code
        if for_people.exists():
            assert people.exclude(pk__in=for_people).exists(), item.code


def test_the_team_report_shows_figures_that_agree_with_the_register_beside_them(real_demo: None) -> None:
    _register_holds_its_residents_and_leaves_every_item_to_do()
    village = Village.objects.get(name_folded=fold(DEMO_VILLAGE), valid_to__isnull=True)
    tovien = _signed_in("tovien")
    opened = tovien.post(reverse("reports:open"), {"subject": f"v{village.pk}"})
    page = tovien.get(opened["Location"])
    assert page.status_code == 200
    org, rows = page.context["org"], {row.code: row for row in page.context["rows"]}

    households = Household.objects.filter(village=village)
    residents = Resident.objects.filter(household__village=village)
    joined = AdoptionStatus.objects.filter(household__village=village, item__code="village_group").count()
    group = ChatGroup.objects.get(village=village)
    assert (group.households_in_group, group.households_total) == (joined, households.count())
    assert (org["households_in_group"], org["households_total"]) == (joined, households.count())
    assert 0 < joined < households.count()
    this_year = timezone.localdate().year
    adults = sum(1 for r in residents if this_year - (r.birth_year or 0) >= 15)
    level2 = AdoptionStatus.objects.filter(household__village=village, item__code="vneid_level2").count()
    assert rows["register_households"].cumulative == households.count()
    assert rows["register_members"].cumulative == residents.count()
    assert rows["register_adults"].cumulative == adults
    assert rows["village_group_households"].cumulative == joined
    assert rows["village_group_rate"].cumulative == round(Decimal(100 * joined) / households.count(), 1)
    assert rows["vneid_level2"].cumulative == level2
    assert rows["vneid_level2_rate"].cumulative == round(Decimal(100 * level2) / adults, 1)
    text = page.content.decode()
    assert f"Hộ tham gia nhóm trao đổi: {joined}/{households.count()}" in text
    # The commune's report: its organisation section counts the groups of all its villages, out of the
    # register's households (the figures consolidated from its teams' approved reports are checked elsewhere).
    commune = village.commune
    xa = _signed_in("xa")
    opened = xa.post(reverse("reports:open"), {"subject": f"u{commune.pk}"})
    org = xa.get(opened["Location"]).context["org"]
    in_commune = Household.objects.filter(village__commune=commune)
    joined = AdoptionStatus.objects.filter(household__in=in_commune, item__code="village_group").count()
    assert (org["households_in_group"], org["households_total"]) == (joined, in_commune.count())
