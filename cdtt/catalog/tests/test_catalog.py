"""The catalogue pages: everyone reads; national admins edit the national catalogue; a province adds its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cdtt.catalog import selectors, services
from cdtt.catalog.models import Indicator, Platform
from cdtt.catalog.services import catalog_load
from cdtt.core.errors import Forbidden, NotFound
from cdtt.core.models import AuditEvent
from conftest import Tree, Users

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(tree: Tree) -> None:
    catalog_load()


def _new_indicator(client: Client, code: str) -> int:
    response = client.post(
        reverse("catalog:indicator_new"),
        {
            "code": code,
            "name": "Số hộ dùng ứng dụng công dân số của tỉnh",
            "measure": "households",
            "pillar": "society",
            "method": "activity_count",
            "activity_kinds": ["guidance"],
            "valid_from_year": "2026",
            "is_active": "on",
        },
    )
    return response.status_code


def test_load_catalog_is_idempotent(catalog: None) -> None:
    before = (Platform.objects.count(), Indicator.objects.count())
    catalog_load()
    assert (Platform.objects.count(), Indicator.objects.count()) == before


def test_everyone_reads_the_catalogue(catalog: None, signed_in: Callable[..., Client]) -> None:
    page = signed_in("team_member").get(reverse("catalog:home"))
    assert page.status_code == 200
    assert "Số người được kích hoạt định danh điện tử mức 2" in page.content.decode()
    assert signed_in("team_member").get(reverse("catalog:indicator_new")).status_code == 403


def test_a_province_adds_its_own_indicator_and_cannot_edit_national_ones(
    catalog: None, tree: Tree, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    assert _new_indicator(officer, "tinh_app") == 302
    own = Indicator.objects.get(code="tinh_app")
    assert own.owner_id == tree.p1.pk
    national = Indicator.objects.get(code="vneid_level2")
    assert officer.get(reverse("catalog:indicator_edit", args=[national.pk])).status_code == 403
    assert officer.get(reverse("catalog:indicator_edit", args=[own.pk])).status_code == 200
    assert AuditEvent.objects.filter(action="indicator.save").count() == 1
    # Another province's officer does not see it at all.
    assert signed_in("outsider").get(reverse("catalog:indicator_edit", args=[own.pk])).status_code in (403, 404)
    assert "tinh_app" not in signed_in("outsider").get(reverse("catalog:home")).content.decode()


def test_the_national_admin_edits_the_national_catalogue(catalog: None, signed_in: Callable[..., Client]) -> None:
    admin = signed_in("national_admin")
    assert _new_indicator(admin, "quoc_gia_moi") == 302
    assert Indicator.objects.get(code="quoc_gia_moi").owner_id is None


def test_a_bad_indicator_is_refused_with_a_message(catalog: None, signed_in: Callable[..., Client]) -> None:
    admin = signed_in("national_admin")
    response = admin.post(
        reverse("catalog:indicator_new"),
        {"code": "thieu", "name": "Thiếu cấu hình", "measure": "people", "pillar": "society", "method": "ratio"},
    )
    assert response.status_code == 200
    assert not Indicator.objects.filter(code="thieu").exists()


def test_the_households_indicators_share_the_chat_words_and_a_reload_updates_an_older_database(
    catalog: None,
) -> None:
    homes = Indicator.objects.get(code="epayment_households_guided")
    assert (homes.reach_measure, homes.method, homes.measure, homes.activity_kinds) == (
        "households",
        "activity_reach",
        "households",
        ["group"],
    )
    assert homes.platform is not None and homes.platform.code == "epayment"
    assert (
        homes.aliases
        == Indicator.objects.get(code="epayment_guided").aliases
        == [
            "thanh toan",
            "thanh toan dien tu",
            "vi dien tu",
        ]
    )
    propaganda = Indicator.objects.get(code="propaganda_households")
    assert (propaganda.reach_measure, propaganda.activity_kinds, propaganda.aliases) == (
        "households",
        ["propaganda"],
        ["tuyen truyen", "tt"],
    )
    # A database loaded before the households' indicators: the next load adds them and changes nothing else.
    Indicator.objects.filter(code__in=["epayment_households_guided", "propaganda_households"]).delete()
    Indicator.objects.filter(code="epayment_guided").update(aliases=[])
    created, _updated = catalog_load()
    assert created == 2
    assert Indicator.objects.get(code="epayment_guided").reach_measure == "people"
    assert Indicator.objects.get(code="epayment_guided").aliases == ["thanh toan", "thanh toan dien tu", "vi dien tu"]
    assert catalog_load()[0] == 0


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({"method": "activity_reach", "activity_kinds": ["group"], "reach_measure": "households"}, True),
        ({"method": "activity_reach", "activity_kinds": ["group"]}, True),  # left out: people
        ({"method": "activity_count", "activity_kinds": ["group"], "reach_measure": "households"}, False),
        ({"method": "activity_reach", "activity_kinds": ["guidance"], "reach_measure": "households"}, False),
        ({"method": "activity_reach", "activity_kinds": ["group"], "reach_measure": "dossiers"}, False),
    ],
)
def test_the_reach_measure_is_checked_in_the_catalogue_form(
    catalog: None, signed_in: Callable[..., Client], changes: dict[str, object], accepted: bool
) -> None:
    form = {
        "code": "tinh_ho",
        "name": "Số hộ được hướng dẫn ứng dụng của tỉnh",
        "measure": "households",
        "pillar": "society",
        "valid_from_year": "2026",
        "is_active": "on",
        **changes,
    }
    response = signed_in("province_officer").post(reverse("catalog:indicator_new"), form)
    assert (response.status_code == 302) is accepted
    found = Indicator.objects.filter(code="tinh_ho").first()
    if accepted:
        assert found is not None
        assert found.reach_measure == changes.get("reach_measure", "people")
        assert (
            'name="reach_measure"'
            in signed_in("province_officer").get(reverse("catalog:indicator_edit", args=[found.pk])).content.decode()
        )
    else:
        assert found is None


def test_the_catalogue_selectors_show_a_provinces_own_entries_only_to_it_and_let_only_its_level_edit(
    catalog: None, tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    assert _new_indicator(signed_in("province_officer"), "tinh_rieng") == 302
    own = Indicator.objects.get(code="tinh_rieng")
    national = Indicator.objects.get(code="vneid_level2")

    page = selectors.catalog_home_page(user=users.province_officer)
    assert page["can_edit"] and own.pk in page["editable_indicators"] and national.pk not in page["editable_indicators"]
    assert selectors.indicator_get_for_edit(user=users.province_officer, indicator_id=own.pk) == own
    with pytest.raises(Forbidden):
        selectors.indicator_get_for_edit(user=users.province_officer, indicator_id=national.pk)

    assert own not in selectors.indicator_list(user=users.outsider)  # C3's officer, in the other province
    assert national in selectors.indicator_list(user=users.outsider)
    with pytest.raises(NotFound):
        selectors.indicator_get_for_edit(user=users.outsider, indicator_id=own.pk)
    other = selectors.catalog_home_page(user=users.outsider)
    assert not other["can_edit"] and not other["editable_indicators"] and not other["editable_platforms"]
    parts = selectors.ratio_parts(user=users.province_officer, indicator=own)
    assert own not in parts and not parts.filter(method="ratio").exists()


def test_a_province_saves_a_platform_with_its_outcomes_and_the_save_is_audited(
    catalog: None, tree: Tree, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("province_officer")
    response = officer.post(
        reverse("catalog:platform_new"),
        {
            "code": "hanoi_smart",
            "name": "iHaNoi",
            "operator": "UBND Thành phố Hà Nội",
            "pillar": "society",
            "url": "ihanoi.hanoi.gov.vn",
            "install_guide": "",
            "in_use_from": "2026",
            "is_active": "on",
            "outcomes-TOTAL_FORMS": "2",
            "outcomes-INITIAL_FORMS": "0",
            "outcomes-MIN_NUM_FORMS": "0",
            "outcomes-MAX_NUM_FORMS": "1000",
            "outcomes-0-code": "installed",
            "outcomes-0-name": "Đã cài đặt",
            "outcomes-1-code": "",
            "outcomes-1-name": "",
        },
    )
    assert response.status_code == 302, response.context and (
        response.context["form"].errors,
        response.context["formset"].errors,
    )
    platform = Platform.objects.get(code="hanoi_smart")
    assert platform.owner_id == tree.p1.pk
    assert [o.code for o in platform.outcomes.all()] == ["installed"]
    event = AuditEvent.objects.get(action="platform.save")
    assert (event.unit_id, event.target_id) == (tree.p1.pk, str(platform.pk))


def test_the_indicator_service_sets_the_outcomes_refuses_other_roles_and_counts_again(
    catalog: None, users: Users, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    platform = Platform.objects.filter(outcomes__isnull=False).first()
    assert platform is not None
    outcome = platform.outcomes.first()
    assert outcome is not None
    fresh = Indicator(
        code="huong_dan_moi",
        name="Lượt hướng dẫn mới",
        measure="people",
        pillar="society",
        method="activity_count",
        activity_kinds=["guidance"],
        platform=platform,
        valid_from_year=2026,
    )
    with pytest.raises(Forbidden):
        services.indicator_save(actor=users.commune_officer, indicator=fresh, outcomes=[outcome], changed=[])
    assert not Indicator.objects.filter(code="huong_dan_moi").exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        saved = services.indicator_save(
            actor=users.province_officer, indicator=fresh, outcomes=[outcome], changed=["code"]
        )
    assert list(saved.outcomes.all()) == [outcome]
    assert saved.owner_id == users.province_officer.assignments.get().unit_id
    assert saved.created_by == users.province_officer
    assert len(callbacks) == 1  # the recount, queued once the save commits
    assert AuditEvent.objects.filter(action="indicator.save", target_id=str(saved.pk)).count() == 1
