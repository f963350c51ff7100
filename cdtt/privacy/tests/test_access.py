"""The access export is built from the map: activity notes, difficulties, notices, import rows and the list views
that showed the household are in it; completing an access request attaches the export to the request."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from cdtt.activities.models import Activity
from cdtt.core.models import AuditEvent
from cdtt.difficulties.models import Difficulty
from cdtt.households import privacy, services
from cdtt.households.models import Household, RequestKind
from cdtt.households.services import HouseholdIn
from cdtt.notices.models import Notification
from cdtt.privacy import datamap
from conftest import Tree, Users

HEAD = "Vũ Văn Thành"


@pytest.fixture
def household(tree: Tree, users: Users) -> Household:
    household = services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name=HEAD, phone="0912345672"),
    )
    Activity.objects.create(
        kind="guidance",
        commune=tree.c1,
        village=tree.v1,
        household=household,
        occurred_on=timezone.localdate(),
        note="Cài VNeID cho cả nhà",
    )
    Difficulty.objects.create(
        unit=tree.c1,
        handler_unit=tree.c1,
        category="other",
        title=f"Ông {HEAD} không nhận được mã OTP",
        description="Gọi 0912 345 672",
        due_on=timezone.localdate(),
    )
    Notification.objects.create(
        recipient=users.commune_officer, kind="difficulty", title=f"Khó khăn mới: ông {HEAD}", key="k1", unit=tree.c1
    )
    return Household.objects.get(pk=household.pk)


def test_the_export_holds_activities_mentions_list_views_and_every_dataset(
    signed_in: Callable[..., Client], household: Household
) -> None:
    signed_in("team_member").get("/ho-gia-dinh/")  # a list view that shows the household
    data = json.loads(signed_in("commune_officer").get(f"/ho-gia-dinh/{household.pk}/xuat.json").content)
    assert [a["note"] for a in data["activities"]] == ["Cài VNeID cho cả nhà"]
    places = {m["place"] for m in data["mentions"]}
    expected = {"difficulties.Difficulty.title", "difficulties.Difficulty.description", "notices.Notification.title"}
    assert expected <= places
    assert "household.list" in {e["action"] for e in data["audit"]}
    assert {p["code"] for p in data["processing"]} == {d.code for d in datamap.DATASETS}


def test_completing_an_access_request_attaches_the_export(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    officer = users.commune_officer
    data_request = privacy.request_open(
        actor=officer, household=household, kind=RequestKind.ACCESS, requester=HEAD, received_on=timezone.localdate()
    )
    privacy.request_complete(actor=officer, data_request=data_request)
    data_request.refresh_from_db()
    assert data_request.export is not None
    assert data_request.export["household"]["head_name"] == HEAD
    client = signed_in("commune_officer")
    page = client.get(f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{data_request.pk}/").content.decode()
    assert f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{data_request.pk}/xuat.docx" in page
    response = client.get(f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{data_request.pk}/xuat.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "Dữ liệu khác có nêu tên" in text
    assert AuditEvent.objects.filter(action="request.export", target_id=str(data_request.pk)).exists()


def test_the_attached_export_is_for_the_commune_officer_of_that_commune_only(
    signed_in: Callable[..., Client], users: Users, household: Household
) -> None:
    officer = users.commune_officer
    data_request = privacy.request_open(
        actor=officer, household=household, kind=RequestKind.ACCESS, requester=HEAD, received_on=timezone.localdate()
    )
    privacy.request_complete(actor=officer, data_request=data_request)
    url = f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{data_request.pk}/xuat.json"
    assert Client().get(url).status_code == 302
    assert signed_in("team_member").get(url).status_code == 403
    assert signed_in("outsider").get(url).status_code == 404
    assert signed_in("commune_officer").get(url).status_code == 200
