"""Phones and household members are kept on consent, as the register of processing says, whatever path writes
them (a form, the API, an import); and free text copied into the audit trail is stored with ID numbers masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.core.models import AuditEvent
from cdtt.households import privacy, services
from cdtt.households.models import Consent, Household, RequestKind, Resident
from cdtt.households.services import HouseholdIn, ResidentIn
from cdtt.transfers.models import ImportJob, ImportStatus
from cdtt.transfers.tests.test_household_import import RESIDENT_HEADER, last_job, upload, xlsx
from conftest import Tree, Users

MEMBERS_NEED_CONSENT = _(
    "Members of a household are recorded only with its consent: record the head of household's "
    "consent on the household's consents page first."
)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _bare(tree: Tree, users: Users, name: str = "Đỗ Văn Trống") -> Household:
    """A household registered with no phone, hence no consent (the state task is its only basis)."""
    return services.household_create(actor=users.commune_officer, village=tree.v1, data=HouseholdIn(head_name=name))


# -- registration: one consent service for every path ---------------------------------------------


def test_registration_records_its_consent_through_the_consent_service(tree: Tree, users: Users) -> None:
    household = services.household_create(
        actor=users.team_member,
        village=tree.v1,
        data=HouseholdIn(consent="paper", head_name="Lò Văn Đăng", phone="0912345601"),
    )
    consent = Consent.objects.get(household=household)
    assert (consent.given_by, consent.method, consent.evidence) == (
        "Lò Văn Đăng",
        "paper",
        privacy.CONSENT_AT_REGISTRATION,
    )
    assert Household.objects.get(pk=household.pk).version == 1  # registering is one change, not two
    event = AuditEvent.objects.get(action="consent.record")
    assert (event.details["household"], event.details["method"]) == (household.pk, "paper")


# -- an import: households with phones or members carry a consent ----------------------------------


def _phone_file() -> Any:
    rows = [
        [1, "TDP số 1", "Nguyễn Văn Nhập", "Số 1", "0912345611", 3, "", ""],
        [2, "TDP số 1", "Trần Văn Không Số", "Số 2", "", 2, "", ""],
    ]
    return xlsx(rows)


def test_an_import_with_phones_is_not_confirmed_without_the_heads_consent(
    tree: Tree, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("commune_officer")
    upload(officer, tree.c1, _phone_file())
    job = last_job()
    assert job.status == ImportStatus.PREVIEW
    page = officer.get(reverse("transfers:household_job", args=[job.pk])).content.decode()
    assert 'name="consent"' in page

    refused = officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), follow=True)

    assert (
        _(
            "The file has phone numbers or household members, which are kept only with the households' "
            "consent: say how the heads of household agreed."
        )
        in refused.content.decode()
    )
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PREVIEW
    assert not Household.objects.exists()


def test_an_import_records_a_consent_for_each_household_with_a_phone_or_members(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    officer = signed_in("commune_officer")
    upload(officer, tree.c1, _phone_file())
    job = last_job()
    officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), {"consent": "paper"})
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE

    with_phone = Household.objects.get(head_name="Nguyễn Văn Nhập")
    consent = Consent.objects.get(household=with_phone)
    assert (consent.method, consent.given_by, consent.recorded_by) == (
        "paper",
        "Nguyễn Văn Nhập",
        users.commune_officer,
    )
    assert consent.evidence == privacy.CONSENT_AT_IMPORT.format(job=job.pk)
    assert not Consent.objects.filter(household__head_name="Trần Văn Không Số").exists()  # no phone: no consent
    assert AuditEvent.objects.get(action="import.apply").details["consents"] == 1


def test_a_resident_file_brings_members_only_with_consent(tree: Tree, signed_in: Callable[..., Client]) -> None:
    officer = signed_in("commune_officer")
    rows = [
        ["Tổ dân phố số 1", "Chủ Hộ Một", "Số 1", "Chủ Hộ Một", 1970, "Nam", "Chủ hộ", ""],
        ["Tổ dân phố số 1", "Chủ Hộ Một", "Số 1", "Con Hộ Một", 2000, "Nữ", "Con", ""],
    ]
    upload(officer, tree.c1, xlsx(rows, RESIDENT_HEADER))
    job = last_job()
    assert job.status == ImportStatus.PREVIEW, job.failure
    officer.post(reverse("transfers:household_job_confirm", args=[job.pk]))
    assert not Resident.objects.exists()

    officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), {"consent": "verbal"})

    household = Household.objects.get()
    assert Resident.objects.filter(household=household).count() == 2
    assert Consent.objects.filter(household=household, method="verbal", withdrawn_at__isnull=True).count() == 1


# -- adding a person or a phone needs the household's active consent ------------------------------


def test_a_person_is_not_added_to_a_household_without_consent(tree: Tree, users: Users) -> None:
    household = _bare(tree, users)
    with pytest.raises(DomainError) as refused:
        services.resident_add(actor=users.commune_officer, household=household, data=ResidentIn(full_name="Đỗ Thị Em"))
    assert (refused.value.message, refused.value.field) == (MEMBERS_NEED_CONSENT, "full_name")
    assert not Resident.objects.exists()
    assert Household.objects.get(pk=household.pk).version == 1
    assert not AuditEvent.objects.filter(action="resident.create").exists()


def test_a_phone_is_not_added_to_a_household_without_consent(tree: Tree, users: Users) -> None:
    household = _bare(tree, users)
    with pytest.raises(DomainError) as refused:
        services.household_update(
            actor=users.commune_officer,
            household=household,
            data=HouseholdIn(head_name=household.head_name, phone="0912345622"),
        )
    assert refused.value.field == "phone"
    assert Household.objects.get(pk=household.pk).phone == ""


def test_a_person_is_added_once_consent_is_recorded(tree: Tree, users: Users) -> None:
    household = _bare(tree, users)
    privacy.consent_record(
        actor=users.team_member,
        household=household,
        activity_code="household_register",
        given_by=household.head_name,
        given_at=timezone.now(),
        method="verbal",
    )
    services.resident_add(actor=users.team_member, household=household, data=ResidentIn(full_name="Đỗ Thị Em"))
    assert Resident.objects.filter(household=household).count() == 1


def _consented(tree: Tree, users: Users) -> Household:
    return services.household_create(
        actor=users.commune_officer,
        village=tree.v1,
        data=HouseholdIn(consent="verbal", head_name="Mạc Văn Rút", phone="0912345633"),
    )


def test_a_person_is_not_added_after_the_consent_was_withdrawn(tree: Tree, users: Users) -> None:
    household = _consented(tree, users)
    privacy.consent_withdraw(actor=users.team_member, consent=Consent.objects.get(household=household))
    household.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.resident_add(actor=users.team_member, household=household, data=ResidentIn(full_name="Mạc Thị Con"))
    assert refused.value.message == _(
        "Processing of this household's data has stopped (consent withdrawn or restricted)."
    )
    assert not Resident.objects.exists()


def test_a_person_is_not_added_to_a_restricted_household(tree: Tree, users: Users) -> None:
    household = _consented(tree, users)
    asked = privacy.request_open(
        actor=users.commune_officer,
        household=household,
        kind=RequestKind.RESTRICT,
        requester=household.head_name,
        received_on=timezone.localdate(),
    )
    privacy.request_complete(actor=users.commune_officer, data_request=asked)
    household.refresh_from_db()
    with pytest.raises(DomainError):
        services.resident_add(actor=users.team_member, household=household, data=ResidentIn(full_name="Mạc Thị Con"))
    assert not Resident.objects.exists()


def test_the_resident_form_refuses_a_household_without_consent_in_vietnamese(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    household = _bare(tree, users)
    response = signed_in("team_member").post(
        f"/ho-gia-dinh/{household.pk}/nhan-khau/moi/", {"full_name": "Đỗ Thị Em", "relationship": "child"}
    )
    assert "chỉ được ghi nhận khi có sự đồng ý" in response.content.decode()
    assert not Resident.objects.exists()


def test_the_api_refuses_a_person_for_a_household_without_consent(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    household = _bare(tree, users)
    response = signed_in("team_member").post(
        f"/api/v1/households/{household.pk}/residents",
        {"full_name": "Đỗ Thị Em"},
        content_type="application/json",
        headers={"Accept-Language": "vi"},
    )
    assert response.status_code in (400, 422)
    assert "chỉ được ghi nhận khi có sự đồng ý" in response.json()["detail"]
    assert not Resident.objects.exists()


# -- the audit trail stores ID numbers masked, whatever free text a service copies into it --------


def test_an_extension_reason_is_audited_with_the_id_number_masked(tree: Tree, users: Users) -> None:
    household = _consented(tree, users)
    asked = privacy.request_open(
        actor=users.commune_officer,
        household=household,
        kind=RequestKind.ACCESS,
        requester=household.head_name,
        received_on=timezone.localdate(),
    )
    privacy.request_extend(
        actor=users.commune_officer, data_request=asked, reason="Cần đối chiếu CCCD 001090012345 với hồ sơ"
    )
    reason = AuditEvent.objects.get(action="request.extend").details["reason"]
    assert reason == "Cần đối chiếu CCCD *********345 với hồ sơ"


def test_every_audit_payload_is_masked_on_the_way_in(tree: Tree, users: Users) -> None:
    from cdtt.core.audit import audit_event, audit_record, audit_record_many

    audit_record(actor=users.commune_officer, action="x.one", comment="CMND 012345678", nested={"a": ["001090012345"]})
    audit_record_many([audit_event(actor=users.commune_officer, action="x.many", comment="số 001 090 012 345")])
    stored = {e.action: e.details for e in AuditEvent.objects.filter(action__startswith="x.")}
    assert stored["x.one"] == {"comment": "CMND ******678", "nested": {"a": ["*********345"]}}
    assert stored["x.many"] == {"comment": "số *** *** *** 345"}
