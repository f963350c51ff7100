"""Personal data: consent and its one-click withdrawal, data-subject requests with their deadlines, erasure that
keeps the anonymous figures, the export of everything held, and access to every page."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document

from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.models import AuditEvent
from cdtt.households import privacy, selectors, services
from cdtt.households.models import (
    AdoptionEvent,
    AdoptionStatus,
    Consent,
    DataSubjectRequest,
    Household,
    RequestKind,
    RequestStatus,
    Resident,
)
from cdtt.households.services import HouseholdIn
from conftest import Tree, Users

D = datetime.date
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class World:
    tree: Tree
    users: Users
    household: Household  # in V1 of C1: the team's village
    resident: Resident
    neighbour: Household  # in V2 of C1: the commune officer's, not the V1 team's
    far: Household  # in V5 of C3: the outsider's commune


def _household(actor: Any, village: Any, name: str) -> Household:
    """A household registered before phones needed a stated consent (its phone set afterwards)."""
    household = services.household_create(
        actor=actor,
        village=village,
        data=HouseholdIn(
            head_name=name,
            address="Số 5 ngõ Hòe",
            members_count=4,
            adults_count=3,
            smartphones=2,
            internet="fibre",
            notes="Hay đi làm xa",
        ),
    )
    Household.objects.filter(pk=household.pk).update(phone="0912345678")
    return Household.objects.get(pk=household.pk)


@pytest.fixture
def world(tree: Tree, users: Users) -> World:
    officer = users.commune_officer
    household = _household(officer, tree.v1, "Nguyễn Văn An")
    # Registered, like the phone, before members needed the household's consent (this file is about consent).
    resident = Resident.objects.create(
        household=household, full_name="Nguyễn Thị Bình", birth_year=1990, gender="female", phone="0987654321"
    )
    audit_record(actor=officer, action="resident.create", target=resident, unit=household.commune)  # as it was then
    services.adoption_set(actor=officer, household=household, item_code="epayment")
    services.adoption_set(actor=officer, household=household, item_code="vneid_level2", resident=resident)
    return World(
        tree=tree,
        users=users,
        household=Household.objects.get(pk=household.pk),
        resident=resident,
        neighbour=_household(officer, tree.v2, "Trần Văn Cường"),
        far=_household(users.outsider, tree.v5, "Lê Thị Dung"),
    )


def _consent(world: World, *, resident: Resident | None = None, actor: Any = None, **changes: Any) -> Consent:
    values: dict[str, Any] = {
        "activity_code": "residents" if resident else "household_register",
        "given_by": "Nguyễn Văn An",
        "given_at": timezone.now() - datetime.timedelta(days=1),
        "method": "paper",
        "evidence": "Phiếu số 12",
        **changes,
    }
    return privacy.consent_record(
        actor=actor or world.users.team_member, household=world.household, resident=resident, **values
    )


def _open(world: World, *, kind: str = "access", received_on: datetime.date | None = None, **changes: Any) -> Any:
    actor = changes.pop("actor", world.users.team_member)
    values: dict[str, Any] = {
        "household": world.household,
        "kind": kind,
        "requester": "Nguyễn Văn An",
        "contact": "0912345678",
        "details": "Xin xem toàn bộ dữ liệu.",
        "received_on": received_on or timezone.localdate(),
        **changes,
    }
    return privacy.request_open(actor=actor, **values)


def _fresh(household: Household) -> Household:
    return Household.objects.get(pk=household.pk)


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# -- consent -----------------------------------------------------------------------------------------


def test_a_consent_records_who_when_how_the_notice_and_the_evidence(world: World) -> None:
    consent = _consent(world)
    stored = Consent.objects.get(pk=consent.pk)
    assert (stored.given_by, stored.method, stored.evidence) == ("Nguyễn Văn An", "paper", "Phiếu số 12")
    assert stored.notice_version == "1.0"  # the activity's notice in force
    assert stored.activity.code == "household_register"
    assert stored.recorded_by == world.users.team_member
    assert stored.is_active
    event = AuditEvent.objects.get(action="consent.record")
    assert event.unit == world.tree.c1
    assert event.details["household"] == world.household.pk


def test_withdrawing_the_only_consent_stops_processing_of_the_household(world: World) -> None:
    consent = _consent(world)
    version = _fresh(world.household).version
    privacy.consent_withdraw(actor=world.users.team_member, consent=consent)
    household = _fresh(world.household)
    assert household.processing_stopped
    assert household.version == version + 1
    withdrawn = Consent.objects.get(pk=consent.pk)
    assert withdrawn.withdrawn_by == world.users.team_member and withdrawn.withdrawn_at is not None
    with pytest.raises(DomainError) as caught:
        services.adoption_set(actor=world.users.team_member, household=household, item_code="smartphone")
    assert caught.value.message == _(
        "Processing of this household's data has stopped (consent withdrawn or restricted)."
    )
    assert AuditEvent.objects.get(action="consent.withdraw").details["processing_stopped"] is True


def test_withdrawing_one_of_two_consents_keeps_processing(world: World) -> None:
    first = _consent(world)
    _consent(world, evidence="Tin nhắn Zalo")
    privacy.consent_withdraw(actor=world.users.team_member, consent=first)
    assert not _fresh(world.household).processing_stopped


def test_withdrawing_a_persons_consent_stops_that_person_only(world: World) -> None:
    consent = _consent(world, resident=world.resident, given_by="Nguyễn Thị Bình")
    privacy.consent_withdraw(actor=world.users.team_member, consent=consent)
    assert Resident.objects.get(pk=world.resident.pk).processing_stopped
    assert not _fresh(world.household).processing_stopped
    resident = Resident.objects.get(pk=world.resident.pk)
    with pytest.raises(NotFound):
        services.adoption_set(
            actor=world.users.team_member, household=world.household, item_code="ehealth_book", resident=resident
        )
    services.adoption_set(actor=world.users.team_member, household=world.household, item_code="smartphone")


def test_a_second_click_on_withdraw_changes_nothing(world: World) -> None:
    consent = _consent(world)
    privacy.consent_withdraw(actor=world.users.team_member, consent=consent)
    at = Consent.objects.get(pk=consent.pk).withdrawn_at
    privacy.consent_withdraw(actor=world.users.commune_officer, consent=consent)
    again = Consent.objects.get(pk=consent.pk)
    assert (again.withdrawn_at, again.withdrawn_by) == (at, world.users.team_member)
    assert _actions().count("consent.withdraw") == 1


def test_a_new_consent_resumes_processing_but_not_after_a_granted_restriction(world: World) -> None:
    privacy.consent_withdraw(actor=world.users.team_member, consent=_consent(world))
    _consent(world)
    assert not _fresh(world.household).processing_stopped
    restriction = _open(world, kind="restrict")
    privacy.request_complete(actor=world.users.commune_officer, data_request=restriction, outcome="Đã hạn chế.")
    assert _fresh(world.household).processing_stopped
    _consent(world)
    assert _fresh(world.household).processing_stopped


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"activity_code": "marketing"}, "activity", "Choose a processing activity from the register."),
        ({"given_by": "   "}, "given_by", "Enter who gave the consent."),
        ({"method": "telepathy"}, "method", "Choose how the consent was given."),
        ({"given_at": timezone.now() + datetime.timedelta(days=2)}, "given_at", "The date cannot be in the future."),
    ],
    ids=["unknown activity", "nobody", "unknown method", "future"],
)
def test_a_bad_consent_is_refused_in_vietnamese_and_nothing_is_written(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    before = _actions()
    with pytest.raises(DomainError) as caught:
        _consent(world, **changes)
    assert (caught.value.field, caught.value.message) == (field, _(message))
    assert not Consent.objects.exists()
    assert _actions() == before


def test_consent_is_recorded_only_inside_the_users_villages(world: World) -> None:
    with pytest.raises(NotFound):
        privacy.consent_record(
            actor=world.users.team_member,
            household=world.neighbour,
            activity_code="household_register",
            given_by="Trần Văn Cường",
            given_at=timezone.now(),
            method="verbal",
        )
    with pytest.raises(Forbidden):
        _consent(world, actor=world.users.province_officer)
    with pytest.raises(NotFound):
        _consent(world, actor=world.users.outsider)
    assert not Consent.objects.exists()


# -- requests and their deadlines --------------------------------------------------------------------


def test_a_request_received_on_a_friday_is_acknowledged_by_tuesday(world: World) -> None:
    data_request = _open(world, received_on=D(2026, 3, 6))
    assert (data_request.acknowledge_due, data_request.due) == (D(2026, 3, 10), D(2026, 3, 21))
    assert data_request.commune == world.tree.c1
    assert data_request.status == RequestStatus.RECEIVED
    assert AuditEvent.objects.get(action="request.open").details["kind"] == "access"


def test_a_request_received_before_tet_skips_the_holidays(world: World) -> None:
    data_request = _open(world, kind="delete", received_on=D(2026, 2, 13))
    assert data_request.acknowledge_due == D(2026, 2, 24)
    assert data_request.due == D(2026, 2, 28)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "forget_me"}, "kind", "Choose what the person asks for."),
        ({"received_on": "tomorrow"}, "received_on", "The date cannot be in the future."),
        ({"requester": " "}, "requester", "Enter who made the request."),
    ],
    ids=["unknown kind", "future", "nobody"],
)
def test_a_bad_request_is_refused_in_vietnamese_and_nothing_is_written(
    world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    if changes.get("received_on") == "tomorrow":
        changes["received_on"] = timezone.localdate() + datetime.timedelta(days=1)
    before = _actions()
    with pytest.raises(DomainError) as caught:
        _open(world, **changes)
    assert (caught.value.field, caught.value.message) == (field, _(message))
    assert not DataSubjectRequest.objects.exists()
    assert _actions() == before


def test_the_team_logs_a_request_but_only_the_commune_officer_handles_it(world: World) -> None:
    data_request = _open(world)
    with pytest.raises(Forbidden):
        privacy.request_acknowledge(actor=world.users.team_member, data_request=data_request)
    with pytest.raises(NotFound):
        privacy.request_acknowledge(actor=world.users.outsider, data_request=data_request)
    with pytest.raises(Forbidden):
        _open(world, actor=world.users.province_officer)
    with pytest.raises(NotFound):
        _open(world, actor=world.users.outsider)
    acknowledged = privacy.request_acknowledge(actor=world.users.commune_officer, data_request=data_request)
    assert (acknowledged.status, acknowledged.acknowledged_on) == (RequestStatus.ACKNOWLEDGED, timezone.localdate())
    with pytest.raises(DomainError):
        privacy.request_acknowledge(actor=world.users.commune_officer, data_request=data_request)


def test_the_deadline_is_extended_once_only(world: World) -> None:
    officer = world.users.commune_officer
    data_request = _open(world)
    with pytest.raises(DomainError) as caught:
        privacy.request_extend(actor=officer, data_request=data_request, reason="  ")
    assert caught.value.message == _("Give the reason for the extension.")
    extended = privacy.request_extend(actor=officer, data_request=data_request, reason="Cần xác minh tại thôn.")
    assert extended.due == data_request.due + datetime.timedelta(days=15)
    assert (extended.status, extended.extended_on) == (RequestStatus.EXTENDED, timezone.localdate())
    with pytest.raises(DomainError) as caught:
        privacy.request_extend(actor=officer, data_request=extended, reason="Lần nữa.")
    assert caught.value.message == _("The deadline can be extended only once.")
    assert DataSubjectRequest.objects.get(pk=data_request.pk).due == extended.due
    event = AuditEvent.objects.get(action="request.extend")
    assert event.details["reason"] == "Cần xác minh tại thôn."


def test_a_passed_deadline_cannot_be_extended(world: World) -> None:
    data_request = _open(world, received_on=D(2026, 2, 13))
    if timezone.localdate() <= data_request.due:
        pytest.skip("runs after 28/02/2026")
    with pytest.raises(DomainError):
        privacy.request_extend(actor=world.users.commune_officer, data_request=data_request, reason="Muộn.")


def test_the_overdue_list(world: World) -> None:
    officer = world.users.commune_officer
    late = _open(world, received_on=D(2026, 3, 6))  # acknowledge by 10/3, complete by 21/3
    fresh = _open(world)
    elsewhere = privacy.request_open(
        actor=world.users.outsider,
        household=world.far,
        kind="access",
        requester="Lê Thị Dung",
        received_on=D(2026, 3, 6),
    )

    def overdue(today: datetime.date) -> set[int]:
        return {r.pk for r in privacy.request_list(user=officer, overdue_only=True, today=today)}

    assert overdue(D(2026, 3, 10)) == set()
    assert overdue(D(2026, 3, 11)) == {late.pk}  # not acknowledged in time
    privacy.request_acknowledge(actor=officer, data_request=late, on=D(2026, 3, 9))
    assert overdue(D(2026, 3, 11)) == set()
    assert overdue(D(2026, 3, 22)) == {late.pk}  # not completed in time
    assert late.pk in overdue(timezone.localdate()) and fresh.pk not in overdue(timezone.localdate())
    rows = {r.pk: r.overdue for r in privacy.request_list(user=officer)}  # type: ignore[attr-defined]
    assert rows == {late.pk: True, fresh.pk: False}  # the outsider's commune is not listed
    privacy.request_refuse(actor=officer, data_request=late, outcome="Không đủ căn cứ xác minh người yêu cầu.")
    assert overdue(timezone.localdate()) == set()
    assert {r.pk for r in privacy.request_list(user=world.users.outsider)} == {elsewhere.pk}
    with pytest.raises(Forbidden):
        privacy.request_list(user=world.users.team_member)


def test_a_refusal_needs_its_reasons_and_a_closed_request_stays_closed(world: World) -> None:
    officer = world.users.commune_officer
    data_request = _open(world)
    with pytest.raises(DomainError) as caught:
        privacy.request_refuse(actor=officer, data_request=data_request, outcome="")
    assert caught.value.message == _("Give the reasons for the refusal.")
    privacy.request_complete(actor=officer, data_request=data_request, outcome="Đã gửi bản trích xuất.")
    for step in (
        lambda: privacy.request_refuse(actor=officer, data_request=data_request, outcome="Không."),
        lambda: privacy.request_extend(actor=officer, data_request=data_request, reason="Thêm thời gian."),
        lambda: privacy.request_complete(actor=officer, data_request=data_request),
    ):
        with pytest.raises(DomainError) as caught:
            step()
        assert caught.value.message == _("This request is already closed.")
    stored = DataSubjectRequest.objects.get(pk=data_request.pk)
    assert (stored.status, stored.outcome, stored.handled_by) == (
        RequestStatus.COMPLETED,
        "Đã gửi bản trích xuất.",
        officer,
    )


def test_completing_an_objection_for_one_person_stops_that_person(world: World) -> None:
    data_request = _open(world, kind="object", resident=world.resident)
    privacy.request_complete(actor=world.users.commune_officer, data_request=data_request)
    assert Resident.objects.get(pk=world.resident.pk).processing_stopped
    assert not _fresh(world.household).processing_stopped


# -- erasure -----------------------------------------------------------------------------------------


def test_completing_a_deletion_erases_personal_fields_but_keeps_the_figures(world: World) -> None:
    officer = world.users.commune_officer
    _consent(world)
    figures = selectors.adoption_figures(user=officer, unit=world.tree.c1)
    statuses, events = AdoptionStatus.objects.count(), AdoptionEvent.objects.count()
    data_request = _open(world, kind=RequestKind.DELETE)

    privacy.request_complete(actor=officer, data_request=data_request, outcome="Đã xóa.")

    household = _fresh(world.household)
    assert household.head_name == privacy.ERASED_NAME
    assert (household.address, household.phone, household.phone2, household.notes) == ("", "", "", "")
    assert household.erased_at is not None and household.processing_stopped
    counts = (household.members_count, household.adults_count, household.smartphones, household.internet)
    assert counts == (4, 3, 2, "fibre")
    assert household.village == world.tree.v1
    resident = Resident.objects.get(pk=world.resident.pk)
    assert (resident.full_name, resident.phone, resident.birth_year) == ("", "", None)
    assert resident.erased_at is not None
    consent = Consent.objects.get(household=household)
    assert (consent.given_by, consent.evidence) == ("", "")
    assert (AdoptionStatus.objects.count(), AdoptionEvent.objects.count()) == (statuses, events)
    assert selectors.adoption_figures(user=officer, unit=world.tree.c1) == figures
    assert _actions()[-2:] == ["household.erase", "request.complete"]
    assert "Nguyễn" not in json.dumps(privacy.person_export(actor=officer, household=household)["household"])
    assert DataSubjectRequest.objects.get(pk=data_request.pk).status == RequestStatus.COMPLETED


def test_a_deletion_for_one_person_erases_that_person_only(world: World) -> None:
    data_request = _open(world, kind="delete", resident=world.resident)
    privacy.request_complete(actor=world.users.commune_officer, data_request=data_request)
    assert Resident.objects.get(pk=world.resident.pk).full_name == ""
    assert _fresh(world.household).head_name == "Nguyễn Văn An"


def test_only_the_commune_officer_erases_and_only_once(world: World) -> None:
    with pytest.raises(Forbidden):
        privacy.household_erase(actor=world.users.team_leader, household=world.household)
    with pytest.raises(NotFound):
        privacy.household_erase(actor=world.users.outsider, household=world.household)
    privacy.household_erase(actor=world.users.commune_officer, household=world.household)
    with pytest.raises(DomainError):
        privacy.household_erase(actor=world.users.commune_officer, household=_fresh(world.household))
    with pytest.raises(DomainError):
        _consent(world)


# -- export ------------------------------------------------------------------------------------------


def test_the_export_holds_everything_and_is_audited(world: World) -> None:
    officer = world.users.commune_officer
    _consent(world)
    _open(world, received_on=D(2026, 3, 6))
    selectors.household_get(user=officer, household_id=world.household.pk)  # an audited read

    data = privacy.person_export(actor=officer, household=world.household)

    json.dumps(data)  # plain JSON values only
    assert data["household"]["head_name"] == "Nguyễn Văn An"
    assert data["household"]["phone"] == "0912345678"
    assert data["household"]["notes"] == "Hay đi làm xa"
    assert [r["full_name"] for r in data["residents"]] == ["Nguyễn Thị Bình"]
    assert {a["item"] for a in data["adoption"]} == {"epayment", "vneid_level2"}
    assert [e["action"] for e in data["adoption_history"]] == ["set", "set"]
    assert data["consents"][0]["evidence"] == "Phiếu số 12"
    assert data["requests"][0]["acknowledge_due"] == "2026-03-10"
    assert {"household_register", "residents", "activities", "audit_logs"} <= {p["code"] for p in data["processing"]}
    logged = {e["action"] for e in data["audit"]}
    assert {"household.create", "resident.create", "adoption.set", "household.view", "consent.record"} <= logged
    assert "request.open" in logged
    assert data["audit"][0]["actor"] == "commune_officer"
    event = AuditEvent.objects.filter(action="household.export").get()
    assert (event.actor, event.unit, event.details) == (officer, world.tree.c1, {"format": "json"})
    assert event.target_id == str(world.household.pk)


def test_the_docx_opens_and_reads_in_vietnamese(world: World) -> None:
    _consent(world)
    content = privacy.person_export_docx(actor=world.users.commune_officer, household=world.household)
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert "PHIẾU TRÍCH XUẤT DỮ LIỆU CÁ NHÂN" in text
    assert "Nguyễn Văn An" in cells and "Nguyễn Thị Bình" in cells and "Phiếu số 12" in cells
    assert "Mục đích" in text
    assert AuditEvent.objects.get(action="household.export").details == {"format": "docx"}


def test_only_the_commune_officer_exports(world: World) -> None:
    with pytest.raises(Forbidden):
        privacy.person_export(actor=world.users.team_member, household=world.household)
    with pytest.raises(NotFound):
        privacy.person_export_docx(actor=world.users.outsider, household=world.household)
    assert not AuditEvent.objects.filter(action="household.export").exists()


# -- pages: access for every URL ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    right: str
    wrong: tuple[str, ...]
    ok: int
    other: Callable[[World], str] | None = None  # the same page for a household the right user cannot see
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    done: Callable[[World], bool] | None = None


def _hid(world: World) -> int:
    return world.household.pk


def _request_of(world: World) -> DataSubjectRequest:
    found = DataSubjectRequest.objects.filter(household=world.household).first()
    return found or _open(world)


def _withdraw_url(world: World) -> str:
    consent = Consent.objects.filter(household=world.household).first() or _consent(world)
    return f"/ho-gia-dinh/{_hid(world)}/dong-y/{consent.pk}/rut/"


def _consent_data(world: World) -> dict[str, Any]:
    return {
        "subject": "",
        "activity": "household_register",
        "given_by": "Nguyễn Văn An",
        "given_at": "2026-03-01T09:30",
        "method": "verbal",
        "notice_version": "",
        "evidence": "Có mặt tổ viên Tổ Viên",
    }


def _request_data(world: World, **changes: str) -> dict[str, Any]:
    data = {
        "kind": "access",
        "subject": "",
        "requester": "Nguyễn Văn An",
        "contact": "0912345678",
        "details": "",
        "received_on": "2026-03-06",
    }
    return {**data, **changes}


PERSONAL = ("province_officer", "enterprise_partner")
CASES = [
    Case("register", "get", lambda w: "/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/", "team_member", PERSONAL, 200),
    Case(
        "register for the officer",
        "get",
        lambda w: "/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/",
        "commune_officer",
        (),
        200,
    ),
    Case(
        "consents",
        "get",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/dong-y/",
        "team_member",
        PERSONAL,
        200,
        other=lambda w: f"/ho-gia-dinh/{w.neighbour.pk}/dong-y/",
    ),
    Case(
        "consent record",
        "post",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/dong-y/",
        "team_member",
        PERSONAL,
        302,
        other=lambda w: f"/ho-gia-dinh/{w.neighbour.pk}/dong-y/",
        data=_consent_data,
        done=lambda w: Consent.objects.filter(household=w.household, method="verbal").exists(),
    ),
    Case(
        "consent withdraw",
        "post",
        _withdraw_url,
        "team_member",
        PERSONAL,
        302,
        done=lambda w: Consent.objects.get(household=w.household).withdrawn_at is not None,
    ),
    Case(
        "requests",
        "get",
        lambda w: "/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/",
        "commune_officer",
        ("team_member", *PERSONAL),
        200,
    ),
    Case(
        "request form",
        "get",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/yeu-cau/moi/",
        "team_member",
        PERSONAL,
        200,
        other=lambda w: f"/ho-gia-dinh/{w.neighbour.pk}/yeu-cau/moi/",
    ),
    Case(
        "request log",
        "post",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/yeu-cau/moi/",
        "team_member",
        PERSONAL,
        302,
        other=lambda w: f"/ho-gia-dinh/{w.far.pk}/yeu-cau/moi/",
        data=_request_data,
        done=lambda w: DataSubjectRequest.objects.filter(household=w.household).exists(),
    ),
    Case(
        "request",
        "get",
        lambda w: f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{_request_of(w).pk}/",
        "commune_officer",
        ("team_member", "team_leader", *PERSONAL),
        200,
        other=lambda w: f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{_open(w, household=w.far, actor=w.users.outsider).pk}/",
    ),
    Case(
        "request acknowledge",
        "post",
        lambda w: f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{_request_of(w).pk}/",
        "commune_officer",
        ("team_member", *PERSONAL),
        302,
        other=lambda w: f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{_open(w, household=w.far, actor=w.users.outsider).pk}/",
        data=lambda w: {"action": "acknowledge"},
        done=lambda w: _request_of(w).acknowledged_on is not None,
    ),
    Case(
        "export json",
        "get",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/xuat.json",
        "commune_officer",
        ("team_member", *PERSONAL),
        200,
        other=lambda w: f"/ho-gia-dinh/{w.far.pk}/xuat.json",
        done=lambda w: AuditEvent.objects.filter(action="household.export").exists(),
    ),
    Case(
        "export docx",
        "get",
        lambda w: f"/ho-gia-dinh/{_hid(w)}/xuat.docx",
        "commune_officer",
        ("team_leader", *PERSONAL),
        200,
        other=lambda w: f"/ho-gia-dinh/{w.far.pk}/xuat.docx",
        done=lambda w: AuditEvent.objects.filter(action="household.export").exists(),
    ),
]


def _send(client: Client, case: Case, world: World, url: str | None = None) -> Any:
    return getattr(client, case.method)(url or case.url(world), case.data(world))


def _written(world: World) -> tuple[int, int, int]:
    return (
        Consent.objects.exclude(withdrawn_at=None).count() + Consent.objects.count(),
        DataSubjectRequest.objects.exclude(acknowledged_on=None).count() + DataSubjectRequest.objects.count(),
        AuditEvent.objects.filter(action="household.export").count(),
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_anonymous_is_sent_to_sign_in(client: Client, world: World, case: Case) -> None:
    url = case.url(world)
    before = _written(world)
    response = _send(client, case, world, url)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")
    assert _written(world) == before


@pytest.mark.parametrize(
    ("case", "role"),
    [(case, role) for case in CASES for role in case.wrong],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
@pytest.mark.dbneutral
def test_a_role_without_the_permission_gets_403(
    signed_in: Callable[..., Client], world: World, case: Case, role: str
) -> None:
    url = case.url(world)
    before = _written(world)
    response = _send(signed_in(role), case, world, url)
    assert response.status_code == 403
    assert _written(world) == before


@pytest.mark.parametrize("case", [c for c in CASES if c.other is not None], ids=lambda c: c.name)
@pytest.mark.dbneutral
def test_a_household_outside_the_users_units_is_404(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    assert case.other is not None
    url = case.other(world)
    before = _written(world)
    response = _send(signed_in(case.right), case, world, url)
    assert response.status_code == 404
    assert _written(world) == before


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.name.startswith(("register", "requests"))], ids=lambda c: c.name
)
@pytest.mark.dbneutral
def test_the_outsider_gets_404_for_a_household_of_another_province(
    signed_in: Callable[..., Client], world: World, case: Case
) -> None:
    url = case.url(world)
    before = _written(world)
    assert _send(signed_in("outsider"), case, world, url).status_code == 404
    assert _written(world) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_right_user_works(signed_in: Callable[..., Client], world: World, case: Case) -> None:
    response = _send(signed_in(case.right), case, world)
    assert response.status_code == case.ok
    if case.ok == 200 and not case.name.startswith("register"):
        assert response["Cache-Control"] == "private, no-store"  # personal data
    if case.done is not None:
        assert case.done(world)


# -- pages: behaviour --------------------------------------------------------------------------------


def test_the_consents_page_is_an_audited_read(signed_in: Callable[..., Client], world: World) -> None:
    _consent(world)
    response = signed_in("team_member").get(f"/ho-gia-dinh/{_hid(world)}/dong-y/")
    assert "Phiếu số 12" in response.content.decode()
    event = AuditEvent.objects.filter(action="household.view").latest("id")
    assert (event.actor, event.target_id) == (world.users.team_member, str(_hid(world)))


def test_withdraw_is_one_click_and_stops_processing(signed_in: Callable[..., Client], world: World) -> None:
    consent = _consent(world)
    client = signed_in("team_member")
    page = client.get(f"/ho-gia-dinh/{_hid(world)}/dong-y/").content.decode()
    assert f"/ho-gia-dinh/{_hid(world)}/dong-y/{consent.pk}/rut/" in page
    response = client.post(f"/ho-gia-dinh/{_hid(world)}/dong-y/{consent.pk}/rut/", follow=True)
    assert _("The consent was withdrawn.") in [str(m) for m in response.context["messages"]]
    assert _fresh(world.household).processing_stopped


def test_a_consent_of_another_household_cannot_be_withdrawn_through_this_one(
    signed_in: Callable[..., Client], world: World
) -> None:
    other = privacy.consent_record(
        actor=world.users.commune_officer,
        household=world.neighbour,
        activity_code="household_register",
        given_by="Trần Văn Cường",
        given_at=timezone.now(),
        method="paper",
    )
    response = signed_in("commune_officer").post(f"/ho-gia-dinh/{_hid(world)}/dong-y/{other.pk}/rut/")
    assert response.status_code == 404
    assert Consent.objects.get(pk=other.pk).withdrawn_at is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"received_on": "2099-01-01"}, "The date cannot be in the future."),
        ({"requester": "   "}, None),
        ({"kind": "forget_me"}, None),
        ({"received_on": "hôm qua"}, None),
    ],
    ids=["future", "nobody", "unknown kind", "not a date"],
)
def test_a_bad_request_form_shows_the_error_and_writes_nothing(
    signed_in: Callable[..., Client], world: World, changes: dict[str, str], message: str | None
) -> None:
    response = signed_in("team_member").post(
        f"/ho-gia-dinh/{_hid(world)}/yeu-cau/moi/", _request_data(world, **changes)
    )
    assert response.status_code == 400
    if message:
        assert _(message) in response.content.decode()
    assert not DataSubjectRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="request.open").exists()


def test_a_bad_consent_form_shows_the_error_and_writes_nothing(signed_in: Callable[..., Client], world: World) -> None:
    data = {**_consent_data(world), "given_at": "2099-01-01T08:00"}
    response = signed_in("team_member").post(f"/ho-gia-dinh/{_hid(world)}/dong-y/", data)
    assert response.status_code == 400
    assert _("The date cannot be in the future.") in response.content.decode()
    assert not Consent.objects.exists()


def test_the_team_is_sent_back_to_the_household_and_the_officer_to_the_request(
    signed_in: Callable[..., Client], world: World
) -> None:
    response = signed_in("team_member").post(f"/ho-gia-dinh/{_hid(world)}/yeu-cau/moi/", _request_data(world))
    assert response["Location"] == f"/ho-gia-dinh/{_hid(world)}/dong-y/"
    response = signed_in("commune_officer").post(f"/ho-gia-dinh/{_hid(world)}/yeu-cau/moi/", _request_data(world))
    newest = DataSubjectRequest.objects.latest("id")
    assert response["Location"] == f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{newest.pk}/"
    assert (newest.acknowledge_due, newest.due) == (D(2026, 3, 10), D(2026, 3, 21))


def test_the_list_highlights_and_filters_overdue_requests(
    signed_in: Callable[..., Client], world: World, django_assert_max_num_queries: Any
) -> None:
    late = _open(world, received_on=D(2026, 3, 6), requester="Người Trễ Hạn")
    _open(world, requester="Người Mới Gửi")
    for _n in range(5):
        _open(world, household=world.neighbour, actor=world.users.commune_officer, requester="Hàng Xóm")
    client = signed_in("commune_officer")
    with django_assert_max_num_queries(12):
        page = client.get("/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/").content.decode()
    assert page.count('class="row-bad"') == 1
    assert "Người Trễ Hạn" in page and "Người Mới Gửi" in page
    only = client.get("/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/?overdue=1").content.decode()
    assert "Người Trễ Hạn" in only and "Người Mới Gửi" not in only
    assert f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{late.pk}/" in only


def test_handling_a_request_step_by_step(signed_in: Callable[..., Client], world: World) -> None:
    data_request = _open(world, kind="delete")
    client = signed_in("commune_officer")
    url = f"/ho-gia-dinh/du-lieu-ca-nhan/yeu-cau/{data_request.pk}/"

    def post(**data: str) -> list[str]:
        response = client.post(url, data, follow=True)
        return [str(m) for m in response.context["messages"]]

    assert post(action="acknowledge") == [_("The request was acknowledged.")]
    assert post(action="extend", text="Cần xác minh.") == [_("The deadline was extended by 15 days.")]
    assert post(action="extend", text="Lần nữa.") == [_("The deadline can be extended only once.")]
    assert post(action="launch") == [_("Choose an action.")]
    page = client.get(url).content.decode()
    assert "Cần xác minh." in page  # the extension's reason, from the history
    assert post(action="complete", text="Đã xóa theo yêu cầu.") == [_("The request was completed.")]
    assert _fresh(world.household).head_name == privacy.ERASED_NAME
    stored = DataSubjectRequest.objects.get(pk=data_request.pk)
    assert stored.due == data_request.due + datetime.timedelta(days=15)
    assert stored.status == RequestStatus.COMPLETED


def test_the_json_and_docx_downloads(signed_in: Callable[..., Client], world: World) -> None:
    client = signed_in("commune_officer")
    response = client.get(f"/ho-gia-dinh/{_hid(world)}/xuat.json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["household"]["head_name"] == "Nguyễn Văn An"
    response = client.get(f"/ho-gia-dinh/{_hid(world)}/xuat.docx")
    assert response["Content-Type"] == DOCX_TYPE
    Document(io.BytesIO(response.content))
    formats = [e.details["format"] for e in AuditEvent.objects.filter(action="household.export").order_by("id")]
    assert formats == ["json", "docx"]


def test_the_register_shows_purpose_and_legal_basis(signed_in: Callable[..., Client], world: World) -> None:
    page = signed_in("team_member").get("/ho-gia-dinh/du-lieu-ca-nhan/ho-so-xu-ly/").content.decode()
    assert "Sổ theo dõi hộ gia đình" in page
    assert "91/2025/QH15" in page
