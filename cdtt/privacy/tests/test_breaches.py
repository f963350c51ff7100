"""The breach register: record an incident, the 72-hour clock and its overdue flag, the notice to the authority
as a DOCX, the people to inform, and access to every page and endpoint."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from docx import Document

from cdtt.core.errors import DomainError
from cdtt.core.models import AuditEvent
from cdtt.households import services as household_services
from cdtt.households.services import HouseholdIn
from cdtt.privacy import selectors, services
from cdtt.privacy.models import Breach, BreachStatus
from conftest import Tree, Users


def _data(**changes: Any) -> services.BreachIn:
    values: dict[str, Any] = {
        "title": "Mất điện thoại của tổ viên",
        "description": "Điện thoại có ứng dụng đã đồng bộ danh sách hộ bị mất.",
        "discovered_at": timezone.now() - datetime.timedelta(hours=2),
        "datasets": ["household_register", "residents"],
        "subjects_count": 120,
        "measures": "Đã khóa tài khoản, thu hồi phiên đăng nhập.",
    }
    return services.BreachIn(**{**values, **changes})


@pytest.fixture
def breach(tree: Tree, users: Users) -> Breach:
    household_services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name="Ngô Văn Lợi", phone="0912345673"),
    )
    return services.breach_record(actor=users.commune_officer, unit=tree.c1, data=_data())


def test_a_breach_gets_a_72_hour_deadline_and_an_audit_entry(breach: Breach) -> None:
    assert breach.notify_due == breach.discovered_at + datetime.timedelta(hours=72)
    assert AuditEvent.objects.filter(action="breach.record", target_id=str(breach.pk)).exists()


def test_an_unnotified_breach_past_72_hours_is_overdue(users: Users, tree: Tree) -> None:
    old = services.breach_record(
        actor=users.commune_officer, unit=tree.c1, data=_data(discovered_at=timezone.now() - datetime.timedelta(days=4))
    )
    assert selectors.breach_get(user=users.commune_officer, breach_id=old.pk).overdue  # type: ignore[attr-defined]
    services.breach_notified(actor=users.commune_officer, breach=old)
    assert not selectors.breach_get(user=users.commune_officer, breach_id=old.pk).overdue  # type: ignore[attr-defined]
    assert AuditEvent.objects.get(action="breach.notify").details["late"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"datasets": []}, "datasets"),
        ({"datasets": ["marketing"]}, "datasets"),
        ({"discovered_at": timezone.now() + datetime.timedelta(days=1)}, "discovered_at"),
        ({"occurred_at": timezone.now() - datetime.timedelta(hours=1)}, "occurred_at"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    users: Users, tree: Tree, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        services.breach_record(actor=users.commune_officer, unit=tree.c1, data=_data(**changes))
    assert caught.value.field == field
    assert not Breach.objects.exists()


def test_a_breach_closes_only_after_the_authority_was_notified(users: Users, breach: Breach) -> None:
    with pytest.raises(DomainError):
        services.breach_close(actor=users.commune_officer, breach=breach)
    services.breach_notified(actor=users.commune_officer, breach=breach)
    assert services.breach_close(actor=users.commune_officer, breach=breach).status == BreachStatus.CLOSED


def test_the_notice_to_the_authority_is_an_administrative_document(
    signed_in: Callable[..., Client], breach: Breach
) -> None:
    response = signed_in("commune_officer").get(f"/du-lieu-ca-nhan/su-co/{breach.pk}/thong-bao.docx")
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells
    assert "THÔNG BÁO" in text and "Kính gửi" in text and "Mất điện thoại của tổ viên" in text
    assert "Nơi nhận:" in cells


def test_the_page_lists_the_people_to_inform(signed_in: Callable[..., Client], breach: Breach) -> None:
    page = signed_in("commune_officer").get(f"/du-lieu-ca-nhan/su-co/{breach.pk}/").content.decode()
    assert "Ngô Văn Lợi" in page and "0912345673" in page


def test_the_form_records_a_breach(signed_in: Callable[..., Client], tree: Tree) -> None:
    response = signed_in("commune_officer").post(
        "/du-lieu-ca-nhan/su-co/moi/",
        {
            "unit": str(tree.c1.pk),
            "title": "Gửi nhầm danh sách",
            "description": "Gửi nhầm danh sách hộ vào nhóm Zalo khác.",
            "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "datasets": ["household_register"],
        },
    )
    assert response.status_code == 302
    assert Breach.objects.get().title == "Gửi nhầm danh sách"


def test_the_api_records_and_lists_breaches(signed_in: Callable[..., Client], tree: Tree) -> None:
    client = signed_in("commune_officer")
    body = {
        "unit_id": tree.c1.pk,
        "title": "Lộ mật khẩu",
        "description": "Mật khẩu bị lộ",
        "discovered_at": timezone.now().isoformat(),
        "datasets": ["accounts"],
    }
    created = client.post("/api/v1/breaches", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["overdue"] is False
    assert [b["title"] for b in client.get("/api/v1/breaches").json()] == ["Lộ mật khẩu"]


# -- scope -------------------------------------------------------------------------------------------

PAGES = [
    lambda b: "/du-lieu-ca-nhan/su-co/",
    lambda b: "/du-lieu-ca-nhan/su-co/moi/",
    lambda b: f"/du-lieu-ca-nhan/su-co/{b.pk}/",
    lambda b: f"/du-lieu-ca-nhan/su-co/{b.pk}/thong-bao.docx",
    lambda b: "/api/v1/breaches",
    lambda b: f"/api/v1/breaches/{b.pk}",
]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.dbneutral
def test_anonymous_is_refused(client: Client, breach: Breach, url: Callable[[Breach], str]) -> None:
    assert client.get(url(breach)).status_code in (302, 401)


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("role", ["team_member", "enterprise_partner", "leader"])
@pytest.mark.dbneutral
def test_a_role_without_the_permission_gets_403(
    signed_in: Callable[..., Client], breach: Breach, url: Callable[[Breach], str], role: str
) -> None:
    assert signed_in(role).get(url(breach)).status_code == 403


@pytest.mark.parametrize("url", PAGES[2:4] + PAGES[5:])
@pytest.mark.dbneutral
def test_an_officer_of_another_province_gets_404(
    signed_in: Callable[..., Client], breach: Breach, url: Callable[[Breach], str]
) -> None:
    assert signed_in("outsider").get(url(breach)).status_code == 404


@pytest.mark.parametrize("role", ["commune_officer", "province_officer", "national_admin"])
def test_the_officers_of_the_unit_and_above_see_it(signed_in: Callable[..., Client], breach: Breach, role: str) -> None:
    assert signed_in(role).get(f"/du-lieu-ca-nhan/su-co/{breach.pk}/").status_code == 200


def test_an_officer_of_another_province_cannot_record_one_at_this_unit(
    signed_in: Callable[..., Client], tree: Tree
) -> None:
    body = {"unit_id": tree.c1.pk, "title": "x", "description": "y", "discovered_at": timezone.now().isoformat()}
    body["datasets"] = ["accounts"]  # type: ignore[assignment]
    response = signed_in("outsider").post("/api/v1/breaches", json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert not Breach.objects.exists()
