"""Household import: messy real-world files, the background check and write, duplicates, failures, access."""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cdtt.core.models import AuditEvent
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitKind, UnitSuccessor
from cdtt.households.models import Household, Relationship, Resident
from cdtt.transfers.importers import households as importer
from cdtt.transfers.importers.places import address_units
from cdtt.transfers.models import ImportJob, ImportRow, ImportStatus, RowOutcome
from cdtt.transfers.services import households as household_services
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

HEADER = [
    "STT",
    "Thôn/Tổ dân phố",
    "Họ và tên chủ hộ (*)",
    "Địa chỉ",
    "SĐT",
    "Số nhân khẩu",
    "Internet",
    "Hộ kinh doanh",
]


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    """Uploads are stored under a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def legacy(tree: Tree) -> dict[str, AdminUnit]:
    """Pre-2025 units of Hà Nội and their successors: two wards now in C1 (one split), a commune now in C2.

    The codes are the package's (the platform's legacy tree is loaded from it): old addresses are read by its parser.
    """

    def unit(code: str, name: str, short: str, kind: str, parent: AdminUnit) -> AdminUnit:
        return AdminUnit.objects.create(
            code=code, name=name, short_name=short, kind=kind, parent=parent, valid_from=None, valid_to=LEGACY_END
        )

    hanoi = unit("01", "Thành phố Hà Nội", "Hà Nội", UnitKind.PROVINCE, tree.vn)
    ba_dinh = unit("001", "Quận Ba Đình", "Ba Đình", UnitKind.DISTRICT, hanoi)
    soc_son = unit("016", "Huyện Sóc Sơn", "Sóc Sơn", UnitKind.DISTRICT, hanoi)
    dien_bien = unit("00019", "Phường Điện Biên", "Điện Biên", UnitKind.WARD, ba_dinh)
    kim_ma = unit("00028", "Phường Kim Mã", "Kim Mã", UnitKind.WARD, ba_dinh)
    phu_linh = unit("00400", "Xã Phù Linh", "Phù Linh", UnitKind.COMMUNE, soc_son)
    UnitSuccessor.objects.create(old=dien_bien, new=tree.c1, is_default=True)
    UnitSuccessor.objects.create(old=kim_ma, new=tree.c2, is_default=True)  # split: part went to C1
    UnitSuccessor.objects.create(old=kim_ma, new=tree.c1, is_default=False)
    UnitSuccessor.objects.create(old=phu_linh, new=tree.c2, is_default=True)
    return {"dien_bien": dien_bien, "kim_ma": kim_ma, "phu_linh": phu_linh}


# -- building files ---------------------------------------------------------------------------------


def xlsx(
    rows: list[list[Any]],
    header: list[str] | None = None,
    *,
    title: str = "",
    name: str = "ho.xlsx",
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
        sheet.append([])
    sheet.append(header if header is not None else HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(text: str, *, encoding: str = "utf-8-sig", name: str = "ho.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def upload(client: Client, unit: AdminUnit, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("transfers:household_import", args=[unit.pk]), {"file": file})


def last_job() -> ImportJob:
    job = ImportJob.objects.order_by("-id").first()
    assert job is not None
    return job


def rows_of(job: ImportJob) -> list[ImportRow]:
    return list(ImportRow.objects.filter(job=job).order_by("line"))


def confirm(client: Client, job: ImportJob) -> ImportJob:
    client.post(reverse("transfers:household_job_confirm", args=[job.pk]), {"consent": "paper"})
    job.refresh_from_db()
    return job


@pytest.fixture
def officer(signed_in: Callable[..., Client]) -> Client:
    return signed_in("commune_officer")


# -- a household file --------------------------------------------------------------------------------


def test_a_messy_household_file_is_previewed_then_written_whole(
    tree: Tree, users: Users, legacy: dict[str, AdminUnit], officer: Client, _media: Path
) -> None:
    rows: list[list[Any]] = [
        [
            1,
            "TDP số 1",
            nfd("Nguyễn Văn An"),
            "Số 5 ngõ 3, Phường Điện Biên, Quận Ba Đình, Hà Nội",
            "+84 912 345 678",
            4,
            "Cáp quang",
            "x",
        ],
        [],
        [
            2,
            "tổ dân phố số 2",
            "Trần Thị Bình",
            "12 Kim Mã, phường Kim Mã, quận Ba Đình",
            "84912.345.679",
            "3",
            "4G",
            "",
        ],
        [
            3,
            nfd("Tổ dân phố số 1"),
            "Lê Văn Cường",
            "Số 7, P. Ba Đình, TP Hà Nội",
            "0912 345 680 / 0987.654.321",
            None,
            "",
            "có",
        ],
        [4, "1", "Phạm Thị Dung", "", 912345681, 2, "không", None],
    ]
    response = upload(officer, tree.c1, xlsx(rows, title="DANH SÁCH HỘ GIA ĐÌNH TỔ DÂN PHỐ"))

    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:household_job", args=[job.pk])
    assert job.status == ImportStatus.PREVIEW, [r.errors for r in rows_of(job)]
    assert (job.row_count, job.error_count, job.summary["households"]) == (4, 0, 4)
    assert [r.line for r in rows_of(job)] == [4, 6, 7, 8]  # Excel row numbers, past the title and blank rows
    assert {r.outcome for r in rows_of(job)} == {RowOutcome.NEW}
    assert not Household.objects.exists()  # the preview writes nothing
    assert not job.file and not list((_media / "imports").iterdir())  # the upload is not kept once checked
    page = officer.get(response["Location"])
    assert page.status_code == 200
    assert "Nguyễn Văn An" in page.content.decode()

    job = confirm(officer, job)

    assert job.status == ImportStatus.DONE
    assert job.created_count == 4
    written = {h.head_name: h for h in Household.objects.all()}
    an = written["Nguyễn Văn An"]  # stored in NFC whatever the file used
    assert (an.phone, an.members_count, an.internet, an.is_business) == ("0912345678", 4, "fibre", True)
    assert an.head_name_folded == "nguyen van an"
    assert (an.village_id, an.commune_id, an.created_by) == (tree.v1.pk, tree.c1.pk, users.commune_officer)
    assert written["Trần Thị Bình"].phone == "0912345679"
    assert written["Trần Thị Bình"].village_id == tree.v2.pk
    assert written["Trần Thị Bình"].internet == "mobile"
    assert (written["Lê Văn Cường"].phone, written["Lê Văn Cường"].phone2) == ("0912345680", "0987654321")
    assert written["Phạm Thị Dung"].phone == "0912345681"  # Excel dropped the leading zero
    assert written["Phạm Thị Dung"].internet == "none"
    event = AuditEvent.objects.get(action="import.apply")
    assert event.details["households"] == 4
    assert event.details["residents"] == 0


def test_a_csv_with_semicolons_and_nfd_text_is_read_line_by_line(tree: Tree, officer: Client) -> None:
    text = nfd(
        "Thôn;Chủ hộ;Số điện thoại\r\nTổ dân phố số 1;Đỗ Thị Hoa;0912.345.678\r\n\r\nTổ dân phố số 2;Vũ Minh;\r\n"
    )
    upload(officer, tree.c1, csv_file(text))

    job = last_job()
    assert (job.status, job.row_count) == (ImportStatus.PREVIEW, 2)
    confirm(officer, job)
    assert set(Household.objects.values_list("head_name", flat=True)) == {"Đỗ Thị Hoa", "Vũ Minh"}


def test_a_row_of_column_numbers_under_the_header_is_skipped(tree: Tree, officer: Client) -> None:
    rows: list[list[Any]] = [["(1)", "(2)", "(3)", "(4)", "(5)"], [1, "Tổ dân phố số 1", "Ngô Văn Hải", "", ""]]
    upload(officer, tree.c1, xlsx(rows))

    job = last_job()
    assert (job.status, job.row_count) == (ImportStatus.PREVIEW, 1)


def test_a_long_preview_is_paginated(tree: Tree, officer: Client) -> None:
    rows: list[list[Any]] = [[n, "Tổ dân phố số 1", f"Người Số {n}", f"Số {n}", ""] for n in range(1, 251)]
    upload(officer, tree.c1, xlsx(rows))

    job = last_job()
    assert job.row_count == 250
    url = reverse("transfers:household_job", args=[job.pk])
    first, third = officer.get(url), officer.get(url + "?page=3")
    assert "Người Số 1<" in first.content.decode() and "Người Số 101<" not in first.content.decode()
    assert "Người Số 250<" in third.content.decode()


# -- a file with a row per person ----------------------------------------------------------------------


RESIDENT_HEADER = ["Thôn", "Chủ hộ", "Địa chỉ", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ", "SĐT"]


def test_residents_are_grouped_by_head_and_address_whatever_the_accents(tree: Tree, officer: Client) -> None:
    this_year = timezone.localdate().year
    rows: list[list[Any]] = [
        [
            "Tổ dân phố số 1",
            "Hoàng Văn Nam",
            "Số 1 ngõ 2",
            "Hoàng Văn Nam",
            "05/03/1970",
            "Nam",
            "Chủ hộ",
            "0912345678",
        ],
        ["Tổ dân phố số 1", nfd("hoàng văn nam"), "so 1 ngo 2", "Lý Thị Mai", 26299, "Nữ", "Vợ", ""],  # Excel serial
        ["", "HOANG VAN NAM", "Số 1, ngõ 2", "Hoàng Minh", datetime.date(this_year - 5, 1, 9), "nam", "con", ""],
        ["Tổ dân phố số 2", "Hoàng Văn Nam", "Số 9 ngõ 9", "Hoàng Văn Nam", "1980", "Nam", "", "0987654321"],
    ]
    upload(officer, tree.c1, xlsx(rows, RESIDENT_HEADER))

    job = last_job()
    stored = rows_of(job)
    assert job.status == ImportStatus.PREVIEW, [r.errors for r in stored]
    assert job.summary == {
        "shape": "resident",
        "households": 2,
        "residents": 4,
        "duplicates": 0,
        "undecided": 0,
        "with_phones": 2,
    }
    assert [(r.outcome, r.group) for r in stored] == [
        (RowOutcome.NEW, 2),
        (RowOutcome.JOINS, 2),
        (RowOutcome.JOINS, 2),
        (RowOutcome.NEW, 5),
    ]
    assert [r.data["r"]["y"] for r in stored] == [1970, 1972, this_year - 5, 1980]
    page = officer.get(reverse("transfers:household_job", args=[job.pk])).content.decode()
    assert _("Joins the household of row %(line)s").replace("%(line)s", "2") in page or "row 2" in page

    confirm(officer, job)

    nam = Household.objects.get(address="Số 1 ngõ 2")
    assert (nam.members_count, nam.adults_count, nam.phone) == (3, 2, "0912345678")
    people = {r.full_name: r for r in Resident.objects.filter(household=nam)}
    assert people["Hoàng Văn Nam"].relationship == Relationship.HEAD
    assert people["Lý Thị Mai"].relationship == Relationship.SPOUSE
    assert (people["Lý Thị Mai"].birth_year, people["Lý Thị Mai"].gender) == (1972, "female")
    assert people["Hoàng Minh"].relationship == Relationship.CHILD
    other = Household.objects.get(address="Số 9 ngõ 9")
    assert other.village_id == tree.v2.pk
    assert Resident.objects.get(household=other).relationship == Relationship.HEAD  # the head's own row
    assert AuditEvent.objects.get(action="import.apply").details["residents"] == 4


def test_a_register_without_a_head_column_takes_each_chu_ho_row_as_the_head_below(tree: Tree, officer: Client) -> None:
    header = ["Thôn", "Họ và tên", "Năm sinh", "Quan hệ với chủ hộ", "Địa chỉ"]
    rows: list[list[Any]] = [
        ["Tổ dân phố số 1", "Đặng Văn Tú", 1965, "Chủ hộ", "Số 3"],
        ["", "Đặng Thị Lan", 1990, "Con", ""],  # village and address merged down from the head's row
        ["Tổ dân phố số 2", "Bùi Văn Khoa", 1975, "Chủ hộ", "Số 4"],
    ]
    upload(officer, tree.c1, xlsx(rows, header))

    job = last_job()
    assert job.status == ImportStatus.PREVIEW, [r.errors for r in rows_of(job)]
    assert job.summary["households"] == 2
    confirm(officer, job)
    tu = Household.objects.get(head_name="Đặng Văn Tú")
    assert set(Resident.objects.filter(household=tu).values_list("full_name", flat=True)) == {
        "Đặng Văn Tú",
        "Đặng Thị Lan",
    }


# -- likely duplicates -------------------------------------------------------------------------------------


def test_likely_duplicates_wait_for_a_decision_and_are_never_merged(tree: Tree, users: Users, officer: Client) -> None:
    existing = Household.objects.create(
        commune=tree.c1, village=tree.v1, head_name="Trịnh Văn Sơn", address="Số 8 phố Huế", phone="0912000111"
    )
    rows: list[list[Any]] = [
        [1, "Tổ dân phố số 1", "Mai Thị Thu", "Số 1", "0912 000 222"],
        [2, "Tổ dân phố số 1", nfd("MAI THI THU"), "Số 2", "+84912000222"],  # same head and phone as row 2
        [3, "Tổ dân phố số 1", "trinh van son", "so 8, pho Hue", ""],  # same head and address as the register
        [4, "Tổ dân phố số 1", "Mai Thị Thu", "Số 1", ""],  # same head and address as row 2
    ]
    upload(officer, tree.c1, xlsx(rows, HEADER[:5]))

    job = last_job()
    stored = {r.line: r for r in rows_of(job)}
    assert job.status == ImportStatus.PREVIEW
    assert (job.summary["duplicates"], job.undecided_count) == (3, 3)
    assert (stored[3].outcome, stored[3].duplicate_line, stored[3].duplicate_reason) == ("duplicate", 2, "phone")
    assert (stored[4].outcome, stored[4].duplicate_household_id, stored[4].duplicate_reason) == (
        "duplicate",
        existing.pk,
        "address",
    )
    assert (stored[5].duplicate_line, stored[5].duplicate_reason) == (2, "address")

    refused = officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), follow=True)
    assert (
        _("Decide first on the %(n)s likely duplicates: import anyway or skip.") % {"n": 3} in refused.content.decode()
    )
    assert Household.objects.count() == 1

    decide = reverse("transfers:household_job_decide", args=[job.pk])
    officer.post(decide, {"row-3": "import", "row-4": "skip", "row-2": "skip"})  # row 2 is no duplicate: ignored
    job.refresh_from_db()
    assert job.undecided_count == 1
    officer.post(decide, {"all": "skip"})
    job = confirm(officer, job)

    assert job.status == ImportStatus.DONE
    assert job.created_count == 2
    assert Household.objects.filter(head_name_folded="mai thi thu").count() == 2
    assert Household.objects.filter(head_name_folded="trinh van son").count() == 1  # skipped, not merged
    assert job.summary["skipped"] == 2


# -- bad input: per row -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            [1, "Thôn Không Có", "Cao Văn Bá", "", ""],
            _("No village named “%(name)s” was found in %(commune)s.")
            % {"name": "Thôn Không Có", "commune": "Phường Ba Đình"},
            id="unknown-village",
        ),
        pytest.param(
            [1, "Thôn Đông Xuân", "Cao Văn Bá", "", ""],  # a village of C2
            _("No village named “%(name)s” was found in %(commune)s.")
            % {"name": "Thôn Đông Xuân", "commune": "Phường Ba Đình"},
            id="village-of-another-commune",
        ),
        pytest.param([1, "", "Cao Văn Bá", "", ""], _("Enter the village."), id="no-village"),
        pytest.param(
            [1, "Tổ dân phố số 1", "Cao Văn Bá", "", "0123 456"],
            _("The phone number “%(value)s” is not valid.") % {"value": "0123 456"},
            id="not-a-phone",
        ),
        pytest.param(
            [1, "Tổ dân phố số 1", "Cao Văn Bá", "", "0912345678 / 0912345679 / 0912345670"],
            _("At most two phone numbers can be kept for a household."),
            id="three-phones",
        ),
        pytest.param([1, "Tổ dân phố số 1", "", "Số 3", ""], _("Enter the head of household's name."), id="no-head"),
        pytest.param(
            [1, "Tổ dân phố số 1", "Cao Văn Bá", "Xã Phù Linh, huyện Sóc Sơn", ""],
            _("The address belongs to %(commune)s (%(province)s), not to %(unit)s.")
            % {"commune": "Xã Sóc Sơn", "province": "Thành phố Hà Nội", "unit": "Phường Ba Đình"},
            id="old-address-of-another-commune",
        ),
        pytest.param(
            [1, "Tổ dân phố số 1", "Cao Văn Bá", "Thôn 2, xã Sóc Sơn, Hà Nội", ""],
            _("The address belongs to %(commune)s (%(province)s), not to %(unit)s.")
            % {"commune": "Xã Sóc Sơn", "province": "Thành phố Hà Nội", "unit": "Phường Ba Đình"},
            id="address-of-another-commune",
        ),
        pytest.param(
            [1, "Tổ dân phố số 1", "Cao Văn Bá", "Số 3, xã Không Tồn Tại", ""],
            _("The address names “%(name)s”, which is not a commune or ward, before or after 2025.")
            % {"name": "xã Không Tồn Tại"},
            id="unknown-commune-in-address",
        ),
    ],
)
def test_a_bad_cell_is_a_vietnamese_message_on_its_row(
    tree: Tree, legacy: dict[str, AdminUnit], officer: Client, row: list[Any], message: str
) -> None:
    good: list[Any] = [2, "Tổ dân phố số 2", "Đinh Văn Tốt", "", ""]
    upload(officer, tree.c1, xlsx([good, row], HEADER[:5]))

    job = last_job()
    stored = rows_of(job)
    assert job.status == ImportStatus.INVALID
    assert (job.error_count, stored[0].errors) == (1, [])
    assert stored[1].outcome == RowOutcome.ERROR
    assert message in stored[1].errors
    page = officer.get(reverse("transfers:household_job", args=[job.pk]) + "?show=errors")
    assert escape(message) in page.content.decode()
    assert confirm(officer, job).status == ImportStatus.INVALID
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        pytest.param(
            {"Năm sinh": str(timezone.localdate().year + 3)},
            _("The birth year %(year)s is in the future.") % {"year": timezone.localdate().year + 3},
            id="future-birth-year",
        ),
        pytest.param(
            {"Năm sinh": "năm ngoái"},
            _("“%(value)s” in the column “%(column)s” is not a year or a date.")
            % {"value": "năm ngoái", "column": _("Birth year or date")},
            id="not-a-year",
        ),
        pytest.param(
            {"Giới tính": "trai"},
            _("Unknown gender “%(value)s”: use Nam, Nữ or Khác.") % {"value": "trai"},
            id="gender",
        ),
        pytest.param(
            {"Quan hệ": "hàng xóm"},
            _("Unknown relationship “%(value)s”: use Chủ hộ, Vợ/Chồng, Con, Bố/Mẹ, Cháu, Anh/Chị/Em or Khác.")
            % {"value": "hàng xóm"},
            id="relationship",
        ),
    ],
)
def test_a_bad_person_cell_is_a_message_on_its_row(
    tree: Tree, officer: Client, cells: dict[str, str], message: str
) -> None:
    header = ["Thôn", "Chủ hộ", "Họ và tên", "Năm sinh", "Giới tính", "Quan hệ"]
    row = {"Thôn": "Tổ dân phố số 1", "Chủ hộ": "Tạ Văn Bình", "Họ và tên": "Tạ Thị Hà", "Năm sinh": "1990"}
    row.update(cells)
    upload(officer, tree.c1, xlsx([[row.get(column, "") for column in header]], header))

    job = last_job()
    assert job.status == ImportStatus.INVALID
    assert message in rows_of(job)[0].errors


def test_an_old_address_is_resolved_to_todays_commune_split_or_not(tree: Tree, legacy: dict[str, AdminUnit]) -> None:
    from cdtt.transfers.importers.places import AddressResolver

    resolver = AddressResolver(user=None, commune=tree.c1)
    assert resolver.resolve("Số 5, Phường Điện Biên, Quận Ba Đình").unit == tree.c1
    assert resolver.resolve("phường Kim Mã, quận Ba Đình, Hà Nội").unit == tree.c1  # a split: C1 is a successor
    assert resolver.resolve("xã Phù Linh, huyện Sóc Sơn, Hà Nội").unit == tree.c2
    assert resolver.resolve("Số 5 ngõ 3").unit is None  # no commune named: nothing to check
    other = AddressResolver(user=None, commune=tree.c3)
    assert other.resolve("phường Kim Mã, quận Ba Đình, Hà Nội").unit == tree.c2  # the default successor
    assert address_units("Tổ 3, TT. Sóc Sơn, H. Sóc Sơn, TP.HCM").uppers == (
        ("district", "soc son"),
        ("either", "ho chi minh"),
    )


# -- bad input: the whole file -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "message"),
    [
        pytest.param(
            SimpleUploadedFile("ho.xlsx", b"\x13\x37" * (5 * 1024 * 1024 // 2)),  # 5 MB, the limit itself
            _("The file is not a valid Excel (.xlsx) file."),
            id="garbage-named-xlsx",
        ),
        pytest.param(
            SimpleUploadedFile("ho.xlsx", b"x" * (5 * 1024 * 1024 + 1)),
            _("The file is larger than %(size)s MB.") % {"size": 5},
            id="over-5-mb",
        ),
        pytest.param(
            SimpleUploadedFile("ho.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100),
            _("The old Excel format (.xls) is not supported. Save the file as .xlsx and try again."),
            id="xls",
        ),
        pytest.param(
            SimpleUploadedFile("ho.pdf", b"%PDF-1.4"),
            _("Only Excel (.xlsx) and CSV (.csv) files can be imported."),
            id="pdf",
        ),
        pytest.param(SimpleUploadedFile("ho.csv", b""), _("The file is empty."), id="empty"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_upload(
    tree: Tree, officer: Client, _media: Path, file: SimpleUploadedFile, message: str
) -> None:
    response = upload(officer, tree.c1, file)

    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not (_media / "imports").exists() or not list((_media / "imports").iterdir())


@pytest.mark.parametrize(
    ("file", "message"),
    [
        pytest.param(
            SimpleUploadedFile("ho.xlsx", b"PK\x03\x04" + bytes(range(256)) * 20000),
            _("The Excel file is damaged or is not a real .xlsx file."),
            id="garbage-zip-header",
        ),
        pytest.param(
            csv_file("Mã hộ,Tên\n1,An\n"),
            _("The header row is missing the columns %(columns)s. Download the template to see the expected columns.")
            % {"columns": f"“{importer._LABELS['village']}”, “{importer._LABELS['head_name']}”"},
            id="headers-it-cannot-map",
        ),
        pytest.param(
            csv_file("Chủ hộ,Địa chỉ\nAn,Số 1\n"),
            _("The header row is missing the columns %(columns)s. Download the template to see the expected columns.")
            % {"columns": f"“{importer._LABELS['village']}”"},
            id="no-village-column",
        ),
        pytest.param(
            csv_file("Thôn,Chủ hộ\n\n\n"), _("The file has a header row but no household rows."), id="no-rows"
        ),
        pytest.param(csv_file("\n\n"), _("The file is empty."), id="blank"),
    ],
)
def test_a_file_the_check_cannot_read_fails_with_a_message(
    tree: Tree, officer: Client, _media: Path, file: SimpleUploadedFile, message: str
) -> None:
    upload(officer, tree.c1, file)

    job = last_job()
    assert job.status == ImportStatus.FAILED
    assert job.failure == message
    assert not ImportRow.objects.filter(job=job).exists()
    assert not list((_media / "imports").iterdir())
    assert escape(message) in officer.get(reverse("transfers:household_job", args=[job.pk])).content.decode()


# -- all or nothing ---------------------------------------------------------------------------------------


def _residents_file(households: int) -> SimpleUploadedFile:
    rows: list[list[Any]] = []
    for n in range(households):
        rows.append(["Tổ dân phố số 1", f"Chủ Hộ {n}", f"Số {n}", f"Chủ Hộ {n}", 1970, "Nam", "Chủ hộ", ""])
        rows.append(["Tổ dân phố số 1", f"Chủ Hộ {n}", f"Số {n}", f"Con {n}", 2000, "Nữ", "Con", ""])
    return xlsx(rows, RESIDENT_HEADER)


def test_a_failure_in_the_second_batch_writes_nothing(
    tree: Tree, officer: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(household_services, "BATCH", 2)
    calls: list[int] = []
    real_insert = household_services._insert

    def failing_insert(model: Any, objects: list[Any]) -> list[Any]:
        calls.append(len(objects))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_insert(model, objects)

    monkeypatch.setattr(household_services, "_insert", failing_insert)
    upload(officer, tree.c1, _residents_file(3))
    job = last_job()
    assert job.status == ImportStatus.PREVIEW

    job = confirm(officer, job)

    assert len(calls) == 2
    assert job.status == ImportStatus.FAILED
    assert job.failure == _("Writing stopped because of an unexpected error. Nothing was imported.")
    assert not Household.objects.exists()
    assert not Resident.objects.exists()
    assert not AuditEvent.objects.filter(action="import.apply").exists()


def test_a_row_that_no_longer_fits_at_confirmation_fails_the_whole_import(tree: Tree, officer: Client) -> None:
    upload(
        officer,
        tree.c1,
        xlsx([[1, "Tổ dân phố số 1", "Lâm Văn A", "", ""], [2, "Tổ dân phố số 2", "Lâm Văn B", "", ""]]),
    )
    job = last_job()
    tree.v2.valid_to = timezone.localdate()
    tree.v2.save()

    job = confirm(officer, job)

    assert job.status == ImportStatus.FAILED
    assert job.failure.startswith(_("Row %(line)s: %(message)s") % {"line": 3, "message": ""})
    assert not Household.objects.exists()


def test_confirming_twice_writes_once(tree: Tree, officer: Client) -> None:
    upload(officer, tree.c1, _residents_file(2))
    job = last_job()

    job = confirm(officer, job)
    again = officer.post(reverse("transfers:household_job_confirm", args=[job.pk]), {"consent": "paper"}, follow=True)
    household_services.household_import_apply(job_id=job.pk)  # a task delivered twice

    assert job.status == ImportStatus.DONE
    assert _("This import has already been applied.") in again.content.decode()
    assert Household.objects.count() == 2
    assert Resident.objects.count() == 4
    assert AuditEvent.objects.filter(action="import.apply").count() == 1


def test_a_cancelled_import_keeps_no_rows(tree: Tree, officer: Client) -> None:
    upload(officer, tree.c1, xlsx([[1, "Tổ dân phố số 1", "Lâm Văn A", "", ""]]))
    job = last_job()

    officer.post(reverse("transfers:household_job_cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not ImportRow.objects.filter(job=job).exists()
    assert confirm(officer, job).status == ImportStatus.CANCELLED
    assert not Household.objects.exists()


# -- progress, template -------------------------------------------------------------------------------------


def test_a_running_job_shows_its_progress_and_refreshes(tree: Tree, users: Users, officer: Client) -> None:
    job = ImportJob.objects.create(
        kind="households",
        unit=tree.c1,
        created_by=users.commune_officer,
        status=ImportStatus.CHECKING,
        progress_done=4000,
        progress_total=10000,
    )

    page = officer.get(reverse("transfers:household_job", args=[job.pk])).content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'value="4000"' in page


def test_the_template_has_the_columns_the_importer_reads(tree: Tree, officer: Client) -> None:
    response = officer.get(reverse("transfers:household_import_template", args=[tree.c1.pk]))

    assert response.status_code == 200
    header = next(iter(load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0].values))
    layout = importer.find_layout([(1, [str(cell) for cell in header])])
    assert layout.shape == importer.HOUSEHOLD_SHAPE
    assert set(layout.positions) == set(importer.TEMPLATE_COLUMNS)


def test_the_upload_page_lists_the_columns(tree: Tree, officer: Client) -> None:
    page = officer.get(reverse("transfers:household_import", args=[tree.c1.pk]))

    assert page.status_code == 200
    assert str(importer._LABELS["head_name"]) in page.content.decode()


# -- access ----------------------------------------------------------------------------------------------


def _urls(tree: Tree, job: ImportJob) -> list[tuple[str, str]]:
    return [
        ("get", reverse("transfers:household_import", args=[tree.c1.pk])),
        ("post", reverse("transfers:household_import", args=[tree.c1.pk])),
        ("get", reverse("transfers:household_import_template", args=[tree.c1.pk])),
        ("get", reverse("transfers:household_job", args=[job.pk])),
        ("post", reverse("transfers:household_job_decide", args=[job.pk])),
        ("post", reverse("transfers:household_job_confirm", args=[job.pk])),
        ("post", reverse("transfers:household_job_cancel", args=[job.pk])),
    ]


@pytest.fixture
def job(tree: Tree, officer: Client) -> ImportJob:
    upload(officer, tree.c1, xlsx([[1, "Tổ dân phố số 1", "Lâm Văn A", "", ""]]))
    return last_job()


def test_anonymous_users_are_sent_to_the_login_page(tree: Tree, job: ImportJob, client: Client) -> None:
    for method, url in _urls(tree, job):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.parametrize("name", ["province_officer", "enterprise_partner", "leader", "nobody"])
@pytest.mark.dbneutral
def test_roles_without_the_household_permission_get_403(
    tree: Tree, job: ImportJob, signed_in: Callable[..., Client], name: str
) -> None:
    client = signed_in(name)
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 403, url


@pytest.mark.parametrize("name", ["outsider", "team_leader"])
def test_an_officer_of_another_commune_and_a_team_role_get_404(
    tree: Tree, job: ImportJob, signed_in: Callable[..., Client], name: str
) -> None:
    client = signed_in(name)
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 404, url
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.PREVIEW


def test_a_missing_job_is_the_same_404(job: ImportJob, officer: Client) -> None:
    assert officer.get(reverse("transfers:household_job", args=[job.pk + 1000])).status_code == 404


def test_households_are_imported_at_a_commune_only(tree: Tree, signed_in: Callable[..., Client]) -> None:
    # The commune officer's scope covers only C1; a province page is another unit (404), not a place to import.
    response = signed_in("commune_officer").get(reverse("transfers:household_import", args=[tree.p1.pk]))
    assert response.status_code == 404


def test_the_commune_officer_is_served(tree: Tree, job: ImportJob, officer: Client) -> None:
    for method, url in _urls(tree, job)[:4]:
        assert getattr(officer, method)(url).status_code in (200, 302, 400), url


def test_the_job_page_uses_a_bounded_number_of_queries(
    tree: Tree, officer: Client, django_assert_max_num_queries: Any
) -> None:
    rows: list[list[Any]] = [[n, "Tổ dân phố số 1", "Hà Văn Giống", "Số 1", ""] for n in range(1, 151)]
    upload(officer, tree.c1, xlsx(rows))  # every row after the first looks like it: 149 decisions on two pages
    job = last_job()
    url = reverse("transfers:household_job", args=[job.pk])

    with django_assert_max_num_queries(12):
        response = officer.get(url + "?show=duplicates")

    assert response.status_code == 200
    assert response.content.decode().count('value="skip"') == 100 + 1  # a choice per row, and "skip all"
