"""Village import: upload, preview, confirm; file problems; access for every kind of user."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from cdtt.accounts.models import User
from cdtt.core.models import AuditEvent
from cdtt.geo.models import LEGACY_END, REFORM_DATE, AdminUnit, UnitKind, Village, VillageKind
from cdtt.geo.services import village_create
from cdtt.transfers.importers import villages as village_importer
from cdtt.transfers.models import ImportJob, ImportStatus
from tests.builders import make_user

pytestmark = pytest.mark.django_db

XLSX_HEADER = ["Mã xã", "Tên xã", "Tên thôn", "Loại", "Mã thôn"]


# -- fixtures ------------------------------------------------------------------------------------


@dataclass
class Tree:
    nation: AdminUnit
    province_a: AdminUnit
    province_b: AdminUnit
    a1: AdminUnit
    a2: AdminUnit
    b1: AdminUnit
    b2: AdminUnit
    legacy: AdminUnit
    officer_a1: User
    officer_a2: User
    province_officer_a: User
    outsider: User  # commune officer in the other province
    team_member: User


def _unit(code: str, name: str, short: str, kind: str, parent: AdminUnit | None, **extra: Any) -> AdminUnit:
    defaults = {"valid_from": REFORM_DATE}
    defaults.update(extra)
    return AdminUnit.objects.create(code=code, name=name, short_name=short, kind=kind, parent=parent, **defaults)


@pytest.fixture
def tree() -> Tree:
    """This module's own tree (it overrides the shared one): two communes share a short name, one is legacy."""
    nation = _unit("VN", "Việt Nam", "Việt Nam", UnitKind.NATIONAL, None, valid_from=None)
    province_a = _unit("01", "Thành phố Hà Nội", "Hà Nội", UnitKind.PROVINCE, nation)
    province_b = _unit("02", "Tỉnh Tuyên Quang", "Tuyên Quang", UnitKind.PROVINCE, nation)
    a1 = _unit("00101", "Xã Tân Lập", "Tân Lập", UnitKind.COMMUNE, province_a)
    a2 = _unit("00102", "Phường Tân Lập", "Tân Lập", UnitKind.WARD, province_a)
    b1 = _unit("00201", "Xã Minh Xuân", "Minh Xuân", UnitKind.COMMUNE, province_b)
    b2 = _unit("00202", "Xã Yên Sơn", "Yên Sơn", UnitKind.COMMUNE, province_b)
    legacy = _unit("00109", "Xã Cũ", "Cũ", UnitKind.COMMUNE, province_a, valid_from=None, valid_to=LEGACY_END)
    village = Village.objects.create(commune=a1, name="Thôn Đoài", kind=VillageKind.THON)
    return Tree(
        nation=nation,
        province_a=province_a,
        province_b=province_b,
        a1=a1,
        a2=a2,
        b1=b1,
        b2=b2,
        legacy=legacy,
        officer_a1=make_user("officer_a1", role="commune_officer", unit=a1, password=None),
        officer_a2=make_user("officer_a2", role="commune_officer", unit=a2, password=None),
        province_officer_a=make_user("province_a", role="province_officer", unit=province_a, password=None),
        outsider=make_user("outsider", role="commune_officer", unit=b1, password=None),
        team_member=make_user("member", role="team_member", unit=a1, village=village, password=None),
    )


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def xlsx(rows: list[list[Any]], header: list[str] | None = None, name: str = "thon.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header if header is not None else XLSX_HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(text: str, encoding: str = "utf-8-sig", name: str = "thon.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def upload(client: Client, unit: AdminUnit, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("transfers:village_import", args=[unit.pk]), {"file": file})


def last_job() -> ImportJob:
    job = ImportJob.objects.order_by("-id").first()
    assert job is not None
    return job


def village_names(unit: AdminUnit) -> set[str]:
    return set(Village.objects.filter(commune=unit).values_list("name", flat=True))


# -- happy paths ---------------------------------------------------------------------------------


def test_an_xlsx_preview_writes_nothing_and_confirm_creates_every_village(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    file = xlsx([["", "", "Thôn Một", "Thôn", "T01"], ["", "", "Tổ dân phố 2", "to dan pho", None]])
    response = upload(client, tree.a1, file)

    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:job", args=[job.pk])
    assert job.status == ImportStatus.PREVIEW
    assert (job.row_count, job.error_count) == (2, 0)
    assert village_names(tree.a1) == {"Thôn Đoài"}

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Thôn Một" in page.content.decode()

    confirmed = client.post(reverse("transfers:job_confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.created_count == 2
    assert job.applied_at is not None
    created = {v.name: (v.kind, v.code) for v in Village.objects.filter(commune=tree.a1)}
    assert created["Thôn Một"] == (VillageKind.THON, "T01")
    assert created["Tổ dân phố 2"] == (VillageKind.TO_DAN_PHO, "")


def test_a_csv_with_bom_and_semicolons_is_imported(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    text = "Tên thôn;LOẠI;Mã thôn\r\nBản Phiêng;bản;\r\n\r\nẤp 3;Ấp;A3\r\n"
    upload(client, tree.a1, csv_file(text))

    job = last_job()
    assert (job.status, job.row_count, job.error_count) == (ImportStatus.PREVIEW, 2, 0)
    assert not Village.objects.filter(name="Bản Phiêng").exists()
    client.post(reverse("transfers:job_confirm", args=[job.pk]))
    assert village_names(tree.a1) == {"Thôn Đoài", "Bản Phiêng", "Ấp 3"}


def test_a_cp1258_csv_is_read(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    # cp1258 spells tones as combining marks: "ợ" is "ơ" + U+0323.
    upload(client, tree.a1, csv_file("Ten thon,Loai\nXóm Chơ\u0323,Xóm\n", encoding="cp1258"))

    job = last_job()
    assert job.error_count == 0
    assert job.rows[0]["name"] == "Xóm Chợ"  # NFC, whatever cp1258 decomposed


def test_a_province_officer_imports_by_commune_code_and_name(tree: Tree) -> None:
    client = _client(tree.province_officer_a)
    # Excel drops the leading zeros of a code typed as a number.
    rows: list[list[Any]] = [[101, "", "Thôn A", "Thôn", ""], ["", "Phường Tân Lập", "Tổ 1", "Tổ dân phố", ""]]
    upload(client, tree.province_a, xlsx(rows))

    job = last_job()
    assert job.error_count == 0, job.rows
    assert [row["commune_id"] for row in job.rows] == [tree.a1.pk, tree.a2.pk]
    client.post(reverse("transfers:job_confirm", args=[job.pk]))
    assert "Thôn A" in village_names(tree.a1)
    assert "Tổ 1" in village_names(tree.a2)


# -- row errors ----------------------------------------------------------------------------------


def test_a_file_with_one_bad_row_cannot_be_confirmed(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""], ["", "", "Thôn Hai", "Làng chài", ""]]))

    job = last_job()
    assert job.status == ImportStatus.INVALID
    assert job.error_count == 1
    assert job.rows[1]["errors"]
    response = client.post(reverse("transfers:job_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert village_names(tree.a1) == {"Thôn Đoài"}
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID


def test_a_name_repeated_in_the_file_is_an_error_whatever_the_accents(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""], ["", "", "THON  mot", "Thôn", ""]]))

    job = last_job()
    assert job.rows[0]["errors"] == []
    assert len(job.rows[1]["errors"]) == 1
    assert job.status == ImportStatus.INVALID


def test_a_name_the_commune_already_uses_is_an_error_whatever_the_accents(tree: Tree) -> None:
    village_create(actor=tree.officer_a1, commune=tree.a1, name="Thôn Một")
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "thon mot", "Thôn", ""]]))

    job = last_job()
    assert job.error_count == 1
    assert "Thôn Một" in job.rows[0]["errors"][0]


def test_the_same_name_in_two_communes_is_fine(tree: Tree) -> None:
    client = _client(tree.province_officer_a)
    rows = [["00101", "", "Thôn Mới", "Thôn", ""], ["00102", "", "Thôn Mới", "Thôn", ""]]
    upload(client, tree.province_a, xlsx(rows))

    assert last_job().error_count == 0


@pytest.mark.parametrize(
    ("commune_code", "commune_name"),
    [
        ("99999", ""),  # unknown code
        ("00201", ""),  # a commune of the other province: not found, like an unknown one
        ("", "Xã Minh Xuân"),
        ("00109", ""),  # no longer current
        ("", "Tân Lập"),  # two communes share this short name: ambiguous
        ("00101", "Xã Yên Sơn"),  # code and name disagree
        ("", ""),  # a province-level import needs the commune
    ],
)
def test_a_row_whose_commune_cannot_be_used_is_an_error(tree: Tree, commune_code: str, commune_name: str) -> None:
    client = _client(tree.province_officer_a)
    upload(client, tree.province_a, xlsx([[commune_code, commune_name, "Thôn X", "Thôn", ""]]))

    job = last_job()
    assert job.error_count == 1
    assert job.rows[0]["commune_id"] is None


def test_a_commune_officer_cannot_import_into_a_neighbouring_commune(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["00102", "", "Thôn X", "Thôn", ""]]))

    assert last_job().error_count == 1
    assert village_names(tree.a2) == set()


def test_empty_names_and_types_are_errors(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "", "Thôn", "X1"], ["", "", "Thôn Y", "", ""]]))

    job = last_job()
    assert job.error_count == 2


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("Thôn", VillageKind.THON),
        ("THÔN", VillageKind.THON),
        ("Tổ dân phố", VillageKind.TO_DAN_PHO),
        ("to_dan_pho", VillageKind.TO_DAN_PHO),
        ("bản", VillageKind.BAN),
        ("Ap", VillageKind.AP),
        ("Khóm", VillageKind.KHOM),
        ("buôn", VillageKind.BUON),
        ("Xóm", VillageKind.XOM),
        ("Làng", VillageKind.LANG),
        ("khu phố", VillageKind.KHU_PHO),
    ],
)
def test_village_types_are_read_from_labels_and_values(written: str, value: str) -> None:
    from cdtt.core.tabular import label_key

    assert village_importer.kind_lookup()[label_key(written)] == value


# -- file problems -------------------------------------------------------------------------------


def _broken_xlsx() -> SimpleUploadedFile:
    good = xlsx([["", "", "Thôn Một", "Thôn", ""]]).read()
    return SimpleUploadedFile("thon.xlsx", good[: len(good) // 2])


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(_broken_xlsx, id="truncated-xlsx"),
        pytest.param(lambda: SimpleUploadedFile("thon.xlsx", b"Ten thon,Loai\nA,Thon\n"), id="csv-named-xlsx"),
        pytest.param(lambda: SimpleUploadedFile("thon.txt", b"Ten thon,Loai\nA,Thon\n"), id="wrong-extension"),
        pytest.param(lambda: SimpleUploadedFile("thon.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), id="old-xls"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", b""), id="empty"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", b"\n\n ,\n"), id="blank"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", "Tên thôn;Loại\n".encode()), id="header-only"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", b"Name,Colour\nA,B\n"), id="wrong-headers"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", b"Ten thon,Ten thon,Loai\nA,B,Thon\n"), id="twice"),
        pytest.param(lambda: SimpleUploadedFile("thon.csv", b"\x89PNG\r\n\x1a\n\0\0\0"), id="binary"),
    ],
)
def test_a_file_that_cannot_be_read_creates_nothing(tree: Tree, make_file: Any) -> None:
    client = _client(tree.officer_a1)
    response = upload(client, tree.a1, make_file())

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0
    assert village_names(tree.a1) == {"Thôn Đoài"}


def test_a_province_file_without_commune_columns_is_refused(tree: Tree) -> None:
    response = upload(_client(tree.province_officer_a), tree.province_a, csv_file("Tên thôn,Loại\nA,Thôn\n"))

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(tree: Tree, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(_client(tree.officer_a1), tree.a1, csv_file("Tên thôn,Loại\n" + "Thôn A,Thôn\n" * 20))

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_row_limit_is_refused(tree: Tree) -> None:
    rows = "".join(f"Thôn {i},Thôn\n" for i in range(village_importer.MAX_ROWS + 1))
    response = upload(_client(tree.officer_a1), tree.a1, csv_file("Tên thôn,Loại\n" + rows))

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0


def test_a_title_above_the_header_row_is_skipped(tree: Tree) -> None:
    text = "DANH SÁCH THÔN XÃ TÂN LẬP\n\nSTT,Tên thôn (bắt buộc),Loại thôn\n1,Thôn Bắc,Thôn\n"
    upload(_client(tree.officer_a1), tree.a1, csv_file(text))

    job = last_job()
    assert job.error_count == 0
    assert job.rows[0]["line"] == 4


# -- confirm ---------------------------------------------------------------------------------------


def test_confirming_twice_creates_nothing_more(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""], ["", "", "Thôn Hai", "Thôn", ""]]))
    job = last_job()
    url = reverse("transfers:job_confirm", args=[job.pk])

    client.post(url)
    client.post(url)

    assert Village.objects.filter(commune=tree.a1).count() == 3
    assert AuditEvent.objects.filter(action="import.apply").count() == 1


def test_a_get_on_confirm_applies_nothing(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""]]))
    job = last_job()

    response = client.get(reverse("transfers:job_confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert village_names(tree.a1) == {"Thôn Đoài"}


def test_a_row_that_became_a_duplicate_after_the_preview_stops_the_whole_import(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""], ["", "", "Thôn Hai", "Thôn", ""]]))
    job = last_job()
    village_create(actor=tree.officer_a1, commune=tree.a1, name="Thôn Hai")

    client.post(reverse("transfers:job_confirm", args=[job.pk]))

    assert village_names(tree.a1) == {"Thôn Đoài", "Thôn Hai"}
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert job.rows[1]["errors"]


def test_a_cancelled_job_cannot_be_confirmed(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""]]))
    job = last_job()

    client.post(reverse("transfers:job_cancel", args=[job.pk]))
    client.post(reverse("transfers:job_confirm", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert village_names(tree.a1) == {"Thôn Đoài"}


def test_creation_and_application_are_audited(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    upload(client, tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""]]))
    job = last_job()
    client.post(reverse("transfers:job_confirm", args=[job.pk]))

    events = AuditEvent.objects.filter(target_type="transfers.importjob", target_id=str(job.pk))
    assert sorted(events.values_list("action", flat=True)) == ["import.apply", "import.create"]
    assert all(e.actor_id == tree.officer_a1.pk and e.unit_id == tree.a1.pk for e in events)
    assert AuditEvent.objects.filter(action="village.create", unit=tree.a1).count() == 1


# -- template --------------------------------------------------------------------------------------


def test_the_template_is_an_xlsx_that_imports_once_filled(tree: Tree) -> None:
    client = _client(tree.officer_a1)
    response = client.get(reverse("transfers:village_import_template", args=[tree.a1.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    sheet.append(["", "", "Thôn Mẫu", "Thôn", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, tree.a1, SimpleUploadedFile("mau.xlsx", buffer.getvalue()))
    assert last_job().error_count == 0


def test_the_import_page_shows_the_columns(tree: Tree) -> None:
    response = _client(tree.officer_a1).get(reverse("transfers:village_import", args=[tree.a1.pk]))

    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    assert 'style="' not in response.content.decode()


# -- access ----------------------------------------------------------------------------------------


def _job_for(tree: Tree) -> ImportJob:
    upload(_client(tree.officer_a1), tree.a1, xlsx([["", "", "Thôn Một", "Thôn", ""]]))
    return last_job()


def _urls(tree: Tree, job: ImportJob) -> list[tuple[str, str]]:
    return [
        ("get", reverse("transfers:village_import", args=[tree.a1.pk])),
        ("post", reverse("transfers:village_import", args=[tree.a1.pk])),
        ("get", reverse("transfers:village_import_template", args=[tree.a1.pk])),
        ("get", reverse("transfers:job", args=[job.pk])),
        ("post", reverse("transfers:job_confirm", args=[job.pk])),
        ("post", reverse("transfers:job_cancel", args=[job.pk])),
    ]


def test_anonymous_users_are_sent_to_the_login_page(tree: Tree) -> None:
    job = _job_for(tree)
    client = _client(None)
    for method, url in _urls(tree, job):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_a_team_member_is_refused(tree: Tree) -> None:
    job = _job_for(tree)
    client = _client(tree.team_member)
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("who", ["officer_a2", "outsider"])
def test_an_officer_of_another_commune_gets_not_found(tree: Tree, who: str) -> None:
    job = _job_for(tree)
    client = _client(getattr(tree, who))
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 404, url
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert village_names(tree.a1) == {"Thôn Đoài"}


def test_a_missing_job_is_not_found(tree: Tree) -> None:
    response = _client(tree.officer_a1).get(reverse("transfers:job", args=[987654]))

    assert response.status_code == 404


def test_the_province_officer_sees_a_job_of_their_commune(tree: Tree) -> None:
    job = _job_for(tree)

    assert _client(tree.province_officer_a).get(reverse("transfers:job", args=[job.pk])).status_code == 200


def test_a_legacy_unit_offers_no_import(tree: Tree) -> None:
    client = _client(tree.province_officer_a)
    response = client.get(reverse("transfers:village_import", args=[tree.legacy.pk]))

    assert response.status_code == 200
    assert response.context["unavailable"]
    upload(client, tree.legacy, csv_file("Tên thôn,Loại\nA,Thôn\n"))
    assert ImportJob.objects.count() == 0


def test_the_pages_use_a_bounded_number_of_queries(tree: Tree, django_assert_max_num_queries: Any) -> None:
    client = _client(tree.officer_a1)
    for _ in range(3):
        upload(client, tree.a1, xlsx([["", "", f"Thôn {i}", "Thôn", ""] for i in range(150)]))
    job = last_job()

    with django_assert_max_num_queries(12):
        assert client.get(reverse("transfers:job", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("transfers:village_import", args=[tree.a1.pk])).status_code == 200


def test_a_post_without_a_file_asks_for_one(tree: Tree) -> None:
    response = _client(tree.officer_a1).post(reverse("transfers:village_import", args=[tree.a1.pk]))

    assert response.status_code == 400
    assert ImportJob.objects.count() == 0
