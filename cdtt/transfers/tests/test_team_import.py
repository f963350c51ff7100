"""Team and member import: messy real-world files, every row error, preview then confirm, access."""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from cdtt.core.models import AuditEvent
from cdtt.geo.models import AdminUnit
from cdtt.teams import services as team_services
from cdtt.teams.models import (
    Decision,
    DecisionStatus,
    Gender,
    Member,
    MemberRole,
    Membership,
    Organisation,
    Team,
    TeamStatus,
)
from cdtt.teams.services import MemberIn
from cdtt.transfers.importers import teams as team_importer
from cdtt.transfers.models import ImportJob, ImportKind, ImportStatus
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

HEADER = [
    "STT",
    "Thôn",
    "Chức danh",
    "Họ và tên",
    "Giới tính",
    "Năm sinh",
    "SĐT",
    "Tổ chức",
    "Nghề nghiệp",
    "Trưởng thôn",
    "Đồng ý công khai SĐT",
    "Ngày tham gia",
    "Ghi chú",
]
D = datetime.date


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def serial(day: datetime.date) -> int:
    """The number Excel stores for a date."""
    return (day - team_importer.EXCEL_EPOCH).days


def xlsx(rows: list[list[Any]], header: list[str] | None = None, name: str = "to-cnscd.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header if header is not None else HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def member_row(
    village: str = "Tổ dân phố số 1", role: str = "Thành viên", name: str = "Đỗ Thị Hoa", **cells: Any
) -> list:
    """One row under HEADER; unnamed cells are empty."""
    values = {"gender": "", "birth_year": "", "phone": "", "organisation": "", "occupation": "", "head": ""}
    values |= {"publish": "", "joined": "", **cells}
    return [
        1,
        village,
        role,
        name,
        values["gender"],
        values["birth_year"],
        values["phone"],
        values["organisation"],
        values["occupation"],
        values["head"],
        values["publish"],
        values["joined"],
        "",
    ]


def csv_file(text: str, encoding: str = "utf-8-sig", name: str = "to.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def upload(client: Client, unit: AdminUnit, file: SimpleUploadedFile) -> Any:
    return client.post(reverse("transfers:team_import", args=[unit.pk]), {"file": file})


def last_job() -> ImportJob:
    job = ImportJob.objects.order_by("-id").first()
    assert job is not None
    return job


def errors_of(job: ImportJob) -> list[list[str]]:
    return [row["errors"] for row in job.rows]


def confirm(client: Client, job: ImportJob) -> Any:
    return client.post(reverse("transfers:team_job_confirm", args=[job.pk]))


def existing_team(users: Users, tree: Tree) -> Team:
    """V1's open team, led by Nguyễn Văn An (phone 0912 345 678, born 1980)."""
    return team_services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        members=[
            MemberIn(full_name="Nguyễn Văn An", role=MemberRole.LEADER, phone="0912345678", birth_year=1980),
            MemberIn(full_name="Trần Văn Bảo", birth_year=1992),
        ],
        joined_on=D(2025, 1, 10),
    )


# -- happy paths ---------------------------------------------------------------------------------


def test_a_messy_xlsx_is_previewed_without_writing_and_confirm_creates_teams_and_drafts(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("commune_officer")
    rows = [
        member_row(
            "Tổ dân phố số 1",
            "Tổ trưởng",
            nfd("Nguyễn Văn An"),  # decomposed accents, as some phones and Macs type them
            gender="Nam",
            birth_year=1980,
            phone="+84 912.345.678",
            organisation="Đoàn TN",
            occupation="Giáo viên",
            head="x",
            publish="có",
            joined="15/03/2025",
        ),
        member_row(
            "to dan pho so 1",
            "tổ phó",
            "Trần Thị Bình",
            gender="Nữ",
            birth_year="1990",
            phone="84 987 654 321",
            organisation="Hội PN",
            joined=serial(D(2025, 4, 2)),
        ),
        [None] * 13,  # a blank row in the middle
        member_row(
            "TỔ DÂN PHỐ SỐ 2",
            "Member",
            "Lê Văn Cường",
            gender="nam",
            birth_year=datetime.datetime(1995, 6, 1),  # a date of birth typed in a date cell
            phone="0868 111 222",
            organisation="CCB",
            joined=datetime.datetime(2025, 3, 20),  # an Excel date cell
        ),
        member_row("", "leader", "Phạm Thị Dung", gender="Nữ", phone="0987.111.222", organisation="Khác"),
    ]
    response = upload(client, tree.c1, xlsx(rows))

    job = last_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("transfers:team_job", args=[job.pk])
    assert errors_of(job) == [[], [], [], []], errors_of(job)
    assert (job.kind, job.status, job.row_count) == (ImportKind.TEAMS, ImportStatus.PREVIEW, 4)
    assert [row["action"] for row in job.rows] == ["new_team"] * 4
    assert [row["village_id"] for row in job.rows] == [tree.v1.pk, tree.v1.pk, tree.v2.pk, None]
    assert not Team.objects.exists() and not Member.objects.exists() and not Decision.objects.exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Trần Thị Bình" in page.content.decode()

    assert confirm(client, job).status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 4)
    assert Team.objects.filter(commune=tree.c1, status=TeamStatus.PROPOSED).count() == 3
    team_v1 = Team.objects.get(village=tree.v1)
    roster = {m.member.full_name: m for m in Membership.objects.filter(team=team_v1).select_related("member")}
    assert set(roster) == {"Nguyễn Văn An", "Trần Thị Bình"}
    an = roster["Nguyễn Văn An"]
    assert (an.role, an.joined_on) == (MemberRole.LEADER, D(2025, 3, 15))
    assert (an.member.phone, an.member.gender, an.member.birth_year) == ("0912345678", Gender.MALE, 1980)
    assert (an.member.organisation, an.member.occupation) == (Organisation.YOUTH_UNION, "Giáo viên")
    assert an.member.is_village_head and an.member.publish_phone
    binh = roster["Trần Thị Bình"]
    assert (binh.role, binh.joined_on, binh.member.phone) == (MemberRole.DEPUTY, D(2025, 4, 2), "0987654321")
    assert binh.member.organisation == Organisation.WOMENS_UNION
    cuong = Membership.objects.get(team__village=tree.v2)
    assert (cuong.member.birth_year, cuong.joined_on) == (1995, D(2025, 3, 20))
    assert cuong.member.organisation == Organisation.VETERANS
    commune_team = Membership.objects.get(team__commune=tree.c1, team__village=None)
    assert (commune_team.role, commune_team.joined_on) == (MemberRole.LEADER, timezone.localdate())
    # Each new team has one draft decision listing its whole roster, leader first.
    draft = Decision.objects.get(team=team_v1)
    assert draft.status == DecisionStatus.DRAFT
    assert [m["full_name"] for m in draft.members] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert Decision.objects.filter(status=DecisionStatus.DRAFT).count() == 3


def test_a_province_csv_without_accents_names_communes_by_code_and_name(
    tree: Tree, signed_in: Callable[..., Client]
) -> None:
    text = (
        "DANH SACH TO CONG NGHE SO CONG DONG\n"
        "Ma xa;Ten xa;Thon;Chuc vu trong to;Ho ten;Gioi tinh;Nam sinh;Dien thoai;Doan the;Ngay tham gia\n"
        "4930;;Dong Xuan;To truong;Vũ Văn Giang;Nam;1975;0912 000 111;Doan Thanh nien;01/02/2025\n"
        ";Xã Sóc Sơn;Thôn Tiên Dược;to truong;Hà Thị Lan;Nu;1988;;Hoi Lien hiep Phu nu;\n"
        ";;;;;;;;;\n"
        "00004;Ba Đình;Tổ dân phố số 2;Thanh vien;Mai Văn Long;khac;2001;;;2/3/2025\n"
    )
    client = signed_in("province_officer")
    upload(client, tree.p1, csv_file(text))

    job = last_job()
    assert errors_of(job) == [[], [], []], errors_of(job)
    assert [row["commune_id"] for row in job.rows] == [tree.c2.pk, tree.c2.pk, tree.c1.pk]
    assert [row["village_id"] for row in job.rows] == [tree.v3.pk, tree.v4.pk, tree.v2.pk]
    assert [row["line"] for row in job.rows] == [3, 4, 6]
    confirm(client, job)
    assert Team.objects.filter(commune=tree.c2).count() == 2
    long = Membership.objects.get(member__full_name="Mai Văn Long")
    assert (long.team.village, long.joined_on, long.member.gender) == (tree.v2, D(2025, 3, 2), Gender.OTHER)


def test_rows_for_a_village_with_a_team_join_it_and_refresh_its_draft(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    team = existing_team(users, tree)
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row("Tổ dân phố số 1", "Thành viên", "Đỗ Thị Hoa", joined="01/06/2025")]))

    job = last_job()
    assert errors_of(job) == [[]]
    assert (job.rows[0]["action"], job.rows[0]["team_id"]) == ("join", team.pk)
    assert _("will join the existing team") in client.get(reverse("transfers:team_job", args=[job.pk])).content.decode()
    confirm(client, job)
    assert Team.objects.count() == 1
    hoa = Membership.objects.get(member__full_name="Đỗ Thị Hoa")
    assert (hoa.team, hoa.joined_on, hoa.role) == (team, D(2025, 6, 1), MemberRole.MEMBER)
    draft = Decision.objects.get(team=team, status=DecisionStatus.DRAFT)
    assert "Đỗ Thị Hoa" in [m["full_name"] for m in draft.members]
    assert AuditEvent.objects.filter(action="member.join", unit=tree.c1).count() == 1


def test_a_dissolved_team_does_not_stop_a_new_one(tree: Tree, users: Users, signed_in: Callable[..., Client]) -> None:
    old = existing_team(users, tree)
    team_services.team_dissolve(actor=users.commune_officer, team=old, on=D(2025, 2, 1))
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row(role="Tổ trưởng", name="Nguyễn Văn An", birth_year=1980)]))

    job = last_job()
    assert errors_of(job) == [[]]
    assert job.rows[0]["action"] == "new_team"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Tổ trưởng", MemberRole.LEADER),
        ("TO TRUONG", MemberRole.LEADER),
        (nfd("tổ trưởng"), MemberRole.LEADER),
        ("leader", MemberRole.LEADER),
        ("Tổ phó", MemberRole.DEPUTY),
        ("Deputy", MemberRole.DEPUTY),
        ("Thành viên", MemberRole.MEMBER),
        ("member", MemberRole.MEMBER),
        ("", MemberRole.MEMBER),
        ("Chủ tịch", None),
    ],
)
def test_roles_are_read_whatever_the_accents_and_case(written: str, expected: str | None) -> None:
    assert team_importer.read_role(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Đoàn Thanh niên", Organisation.YOUTH_UNION),
        ("Đoàn TN", Organisation.YOUTH_UNION),
        ("Hội Liên hiệp Phụ nữ", Organisation.WOMENS_UNION),
        ("Hội PN", Organisation.WOMENS_UNION),
        ("hoi lhpn", Organisation.WOMENS_UNION),
        ("Hội Cựu chiến binh", Organisation.VETERANS),
        ("CCB", Organisation.VETERANS),
        ("Khác", Organisation.OTHER),
        ("", Organisation.OTHER),
        ("Hội Nông dân", None),
    ],
)
def test_organisations_accept_the_common_short_forms(written: str, expected: str | None) -> None:
    assert team_importer.read_organisation(written) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("15/03/2025", D(2025, 3, 15)),
        ("5/3/2025", D(2025, 3, 5)),
        ("05-03-2025", D(2025, 3, 5)),
        ("05.03.2025", D(2025, 3, 5)),
        ("05.03.25", None),  # a two-digit year is refused: 1925 or 2025?
        ("2025-03-05T00:00:00", D(2025, 3, 5)),
        (str(serial(D(2025, 3, 5))), D(2025, 3, 5)),
        ("31/02/2025", None),
        ("tháng 3", None),
    ],
)
def test_dates_are_read_as_day_month_year_iso_or_excel_serial(written: str, expected: D | None) -> None:
    assert team_importer.read_date(written) == expected


@pytest.mark.parametrize(("written", "expected"), [("x", True), ("X", True), ("có", True), ("Yes", True), ("", False)])
def test_yes_columns_accept_x_co_and_yes(written: str, expected: bool) -> None:
    assert team_importer.read_flag(written) is expected


# -- row errors ----------------------------------------------------------------------------------


def _one_row_errors(client: Client, unit: AdminUnit, row: list[Any]) -> list[str]:
    upload(client, unit, xlsx([row]))
    job = last_job()
    assert job.status == ImportStatus.INVALID
    assert job.error_count == 1
    return job.rows[0]["errors"]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        pytest.param(member_row("Thôn Không Có"), "Thôn Không Có", id="unknown-village"),
        pytest.param(member_row("Khu phố 1"), "Khu phố 1", id="village-of-another-commune"),
        pytest.param(member_row(phone="12345"), "12345", id="bad-phone"),
        pytest.param(member_row(birth_year=1800), "1800", id="implausible-birth-year"),
        pytest.param(member_row(birth_year=2999), "2999", id="future-birth-year"),
        pytest.param(member_row(birth_year="năm 90"), "năm 90", id="birth-year-not-a-year"),
        pytest.param(member_row(role="Chủ tịch"), "Chủ tịch", id="unknown-role"),
        pytest.param(member_row(gender="Trai"), "Trai", id="unknown-gender"),
        pytest.param(member_row(organisation="Hội Nông dân"), "Hội Nông dân", id="unknown-organisation"),
        pytest.param(member_row(head="có lẽ"), "có lẽ", id="unknown-flag"),
        pytest.param(member_row(publish="x"), "", id="publish-without-phone"),
        pytest.param(member_row(joined="31/02/2025"), "31/02/2025", id="impossible-date"),
        pytest.param(member_row(joined="01/01/2999"), "2999", id="future-date"),
        pytest.param(member_row(name=""), "", id="no-name"),
    ],
)
def test_a_bad_cell_is_an_error_on_its_row(
    tree: Tree, signed_in: Callable[..., Client], row: list[Any], fragment: str
) -> None:
    errors = _one_row_errors(signed_in("commune_officer"), tree.c1, row)

    assert len(errors) == 1, errors
    assert fragment in errors[0]
    assert not Team.objects.exists()


@pytest.mark.parametrize(
    ("code", "name"),
    [("99999", ""), ("26740", ""), ("", "Phường Sài Gòn"), ("", "")],
    ids=["unknown-code", "other-province-code", "other-province-name", "missing-at-province"],
)
@pytest.mark.dbneutral
def test_a_commune_outside_the_scope_is_not_found(
    tree: Tree, signed_in: Callable[..., Client], code: str, name: str
) -> None:
    header = ["Mã xã", "Tên xã", "Thôn", "Chức danh", "Họ và tên"]
    upload(signed_in("province_officer"), tree.p1, xlsx([[code, name, "Khu phố 1", "", "Ai Đó"]], header=header))

    job = last_job()
    assert job.error_count == 1
    assert job.rows[0]["commune_id"] is None
    assert not Team.objects.exists()


def test_two_leaders_for_one_team_in_the_file(tree: Tree, signed_in: Callable[..., Client]) -> None:
    rows = [
        member_row(role="Tổ trưởng", name="Người Một"),
        member_row("to dan pho so 1", role="leader", name="Người Hai"),
        member_row("Tổ dân phố số 2", role="Tổ trưởng", name="Người Ba"),
    ]
    upload(signed_in("commune_officer"), tree.c1, xlsx(rows))

    job = last_job()
    assert job.rows[0]["errors"] == [] and job.rows[2]["errors"] == []
    assert len(job.rows[1]["errors"]) == 1
    assert str(job.rows[0]["line"]) in job.rows[1]["errors"][0]


def test_a_leader_for_a_team_that_has_one(tree: Tree, users: Users, signed_in: Callable[..., Client]) -> None:
    existing_team(users, tree)
    errors = _one_row_errors(signed_in("commune_officer"), tree.c1, member_row(role="Tổ trưởng", name="Người Mới"))

    assert len(errors) == 1
    assert "Tổ công nghệ số cộng đồng Tổ dân phố số 1" in errors[0]


@pytest.mark.parametrize(
    "cells",
    [
        {"phone": "+84 912 345 678"},  # same phone, written differently
        {"birth_year": 1980},  # same name (without accents, in capitals) and birth year
    ],
    ids=["same-phone", "same-name-and-birth-year"],
)
def test_a_person_already_on_another_team(
    tree: Tree, users: Users, signed_in: Callable[..., Client], cells: dict[str, Any]
) -> None:
    existing_team(users, tree)
    errors = _one_row_errors(
        signed_in("commune_officer"), tree.c1, member_row("Tổ dân phố số 2", name="NGUYEN VAN AN", **cells)
    )

    assert len(errors) == 1
    assert "Nguyễn Văn An" in errors[0] and "Tổ dân phố số 1" in errors[0]


def test_a_person_already_on_the_same_team(tree: Tree, users: Users, signed_in: Callable[..., Client]) -> None:
    existing_team(users, tree)
    errors = _one_row_errors(signed_in("commune_officer"), tree.c1, member_row(name="Trần Văn Bảo", birth_year="1992"))

    assert len(errors) == 1
    assert "Trần Văn Bảo" in errors[0]


def test_a_person_on_a_team_of_another_commune_of_the_province(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    existing_team(users, tree)
    header = ["Xã", "Thôn", "Họ tên", "Chức vụ", "Điện thoại"]
    upload(
        signed_in("province_officer"), tree.p1, xlsx([["Sóc Sơn", "Thôn Đông Xuân", "An", "", "0912345678"]], header)
    )

    assert last_job().error_count == 1


def test_one_person_listed_twice_in_the_file(tree: Tree, signed_in: Callable[..., Client]) -> None:
    rows = [
        member_row("Tổ dân phố số 1", name="Đinh Văn Khoa", phone="0912 888 999"),
        member_row("Tổ dân phố số 2", name="Đinh Văn Khoa", phone="+84912888999"),
        member_row("Tổ dân phố số 1", name=nfd("Lý Thị Mai"), birth_year=1990),
        member_row("Tổ dân phố số 1", name="ly thi mai", birth_year=1990),
    ]
    upload(signed_in("commune_officer"), tree.c1, xlsx(rows))

    job = last_job()
    assert [len(e) for e in errors_of(job)] == [0, 1, 0, 1]
    expected = _("The same person is already listed in row %(line)s for another team.") % {"line": 2}
    assert expected in job.rows[1]["errors"]


def test_more_than_the_team_size_limit(tree: Tree, signed_in: Callable[..., Client]) -> None:
    rows = [member_row(name=f"Thành Viên {i}") for i in range(team_services.MAX_MEMBERS + 1)]
    upload(signed_in("commune_officer"), tree.c1, xlsx(rows))

    job = last_job()
    assert job.error_count == 1
    assert job.rows[-1]["errors"]


def test_a_file_with_one_bad_row_cannot_be_confirmed(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row(name="Người Tốt"), member_row(phone="000")]))
    job = last_job()
    page = client.get(reverse("transfers:team_job", args=[job.pk]) + "?errors=1")
    assert page.status_code == 200
    assert "Người Tốt" not in page.content.decode() and "000" in page.content.decode()

    assert confirm(client, job).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert not Team.objects.exists() and not Member.objects.exists()


# -- file problems -------------------------------------------------------------------------------


def _broken_xlsx() -> SimpleUploadedFile:
    good = xlsx([member_row()]).read()
    return SimpleUploadedFile("to.xlsx", good[: len(good) // 2])


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(_broken_xlsx, id="corrupt-xlsx"),
        pytest.param(lambda: SimpleUploadedFile("to.pdf", b"%PDF-1.4"), id="not-xlsx-or-csv"),
        pytest.param(lambda: SimpleUploadedFile("to.xlsx", b"Thon,Ho ten\nA,B\n"), id="csv-named-xlsx"),
        pytest.param(lambda: SimpleUploadedFile("to.csv", b""), id="empty"),
        pytest.param(lambda: SimpleUploadedFile("to.csv", "Thôn;Chức danh;Họ và tên\n".encode()), id="header-only"),
        pytest.param(lambda: SimpleUploadedFile("to.csv", "Thôn;Họ và tên\nA;B\n".encode()), id="no-role-column"),
        pytest.param(lambda: SimpleUploadedFile("to.csv", b"Ten;Tuoi\nA;30\n"), id="wrong-headers"),
        pytest.param(lambda: SimpleUploadedFile("to.csv", "Thôn;Chức danh;Họ và tên\n;;\n;;\n".encode()), id="blank"),
    ],
)
def test_a_file_that_cannot_be_read_writes_nothing(
    tree: Tree, signed_in: Callable[..., Client], make_file: Callable[[], SimpleUploadedFile]
) -> None:
    response = upload(signed_in("commune_officer"), tree.c1, make_file())

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists() and not Team.objects.exists()


def test_a_province_file_without_a_commune_column_is_refused(tree: Tree, signed_in: Callable[..., Client]) -> None:
    response = upload(signed_in("province_officer"), tree.p1, xlsx([member_row()]))

    assert response.status_code == 400
    assert "Commune" in str(response.context["form"].errors["file"]) or "xã" in str(response.context["form"].errors)


def test_a_file_over_the_row_limit_is_refused(tree: Tree, signed_in: Callable[..., Client]) -> None:
    lines = "".join(f"Tổ dân phố số 1;;Người {i}\n" for i in range(team_importer.MAX_ROWS + 1))
    response = upload(signed_in("commune_officer"), tree.c1, csv_file("Thôn;Chức danh;Họ và tên\n" + lines))

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(tree: Tree, signed_in: Callable[..., Client], settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 200
    text = "Thôn;Chức danh;Họ và tên\n" + "Tổ dân phố số 1;;Người Nào Đó\n" * 20
    response = upload(signed_in("commune_officer"), tree.c1, csv_file(text))

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


# -- confirm ---------------------------------------------------------------------------------------


def test_confirming_twice_writes_nothing_more(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row(role="Tổ trưởng"), member_row("Tổ dân phố số 2", name="Lò Văn Sơn")]))
    job = last_job()

    confirm(client, job)
    confirm(client, job)

    assert Team.objects.count() == 2
    assert Membership.objects.count() == 2
    assert Decision.objects.count() == 2
    assert AuditEvent.objects.filter(action="import.apply").count() == 1


def test_a_get_on_confirm_writes_nothing(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row()]))

    client.get(reverse("transfers:team_job_confirm", args=[last_job().pk]))

    assert last_job().status == ImportStatus.PREVIEW
    assert not Team.objects.exists()


def test_a_change_after_the_preview_stops_the_whole_import(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    client = signed_in("commune_officer")
    rows = [member_row("Tổ dân phố số 2", name="Lò Văn Sơn"), member_row(role="Tổ trưởng", name="Người Mới")]
    upload(client, tree.c1, xlsx(rows))
    job = last_job()
    existing_team(users, tree)  # V1 now has a team with a leader

    confirm(client, job)

    job.refresh_from_db()
    assert job.status == ImportStatus.INVALID
    assert job.rows[1]["errors"] and not job.rows[0]["errors"]
    assert Team.objects.count() == 1
    assert not Member.objects.filter(full_name__in=["Lò Văn Sơn", "Người Mới"]).exists()


def test_a_failure_while_writing_rolls_everything_back(
    tree: Tree, signed_in: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in("commune_officer")
    rows = [
        member_row("Tổ dân phố số 2", role="Tổ trưởng", name="Lò Văn Sơn", joined="01/03/2025"),
        member_row(name="Người Một", joined="01/03/2025"),
        member_row(name="Người Hai", joined="02/03/2025"),  # joins the new team on a later date
    ]
    upload(client, tree.c1, xlsx(rows))
    job = last_job()

    def refuse(**kwargs: Any) -> None:
        raise team_services.DomainError("Lỗi thử nghiệm.")

    monkeypatch.setattr("cdtt.transfers.services.member_join", refuse)
    response = confirm(client, job)

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert not Team.objects.exists() and not Member.objects.exists() and not Decision.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["team.propose", "import.apply"]).exists()


def test_a_cancelled_job_cannot_be_confirmed(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row()]))
    job = last_job()

    client.post(reverse("transfers:team_job_cancel", args=[job.pk]))
    confirm(client, job)

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    assert not Team.objects.exists()


# -- template and page ----------------------------------------------------------------------------


def test_the_template_imports_once_filled(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    response = client.get(reverse("transfers:team_import_template", args=[tree.c1.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    sheet.append(["", "", "Tổ dân phố số 1", "Tổ trưởng", "Hồ Văn Mẫu", "Nam", 1990, "0912000999"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, tree.c1, SimpleUploadedFile("mau.xlsx", buffer.getvalue()))
    assert errors_of(last_job()) == [[]]


def test_the_import_page_shows_the_columns_and_recent_jobs(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row()]))
    response = client.get(reverse("transfers:team_import", args=[tree.c1.pk]))

    assert response.status_code == 200
    assert len(response.context["jobs"]) == 1
    assert 'style="' not in response.content.decode()


def test_team_jobs_are_not_shown_as_village_jobs(tree: Tree, signed_in: Callable[..., Client]) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row()]))

    assert client.get(reverse("transfers:job", args=[last_job().pk])).status_code == 404
    assert client.get(reverse("transfers:village_import", args=[tree.c1.pk])).context["jobs"] == []


# -- access ----------------------------------------------------------------------------------------


def _job_for(tree: Tree, users: Users) -> ImportJob:
    client = Client()
    client.force_login(users.commune_officer)
    upload(client, tree.c1, xlsx([member_row()]))
    return last_job()


def _urls(tree: Tree, job: ImportJob) -> list[tuple[str, str]]:
    return [
        ("get", reverse("transfers:team_import", args=[tree.c1.pk])),
        ("post", reverse("transfers:team_import", args=[tree.c1.pk])),
        ("get", reverse("transfers:team_import_template", args=[tree.c1.pk])),
        ("get", reverse("transfers:team_job", args=[job.pk])),
        ("post", reverse("transfers:team_job_confirm", args=[job.pk])),
        ("post", reverse("transfers:team_job_cancel", args=[job.pk])),
    ]


def test_anonymous_users_are_sent_to_the_login_page(tree: Tree, users: Users, client: Client) -> None:
    job = _job_for(tree, users)
    for method, url in _urls(tree, job):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["team_member", "team_leader", "enterprise_partner", "nobody"])
def test_a_role_without_team_management_is_refused(
    tree: Tree, users: Users, signed_in: Callable[..., Client], who: str
) -> None:
    job = _job_for(tree, users)
    client = signed_in(who)
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 403, url


def test_an_officer_of_another_province_gets_not_found(
    tree: Tree, users: Users, signed_in: Callable[..., Client]
) -> None:
    job = _job_for(tree, users)
    client = signed_in("outsider")
    for method, url in _urls(tree, job):
        assert getattr(client, method)(url).status_code == 404, url
    job.refresh_from_db()
    assert job.status == ImportStatus.PREVIEW
    assert not Team.objects.exists()


@pytest.mark.parametrize("who", ["province_officer", "national_admin"])
def test_officers_above_the_commune_see_and_confirm_its_job(
    tree: Tree, users: Users, signed_in: Callable[..., Client], who: str
) -> None:
    job = _job_for(tree, users)
    client = signed_in(who)

    assert client.get(reverse("transfers:team_job", args=[job.pk])).status_code == 200
    assert confirm(client, job).status_code == 302
    assert Team.objects.filter(village=tree.v1).exists()


def test_a_missing_job_is_not_found(tree: Tree, signed_in: Callable[..., Client]) -> None:
    assert signed_in("commune_officer").get(reverse("transfers:team_job", args=[987654])).status_code == 404


def test_the_job_page_uses_a_bounded_number_of_queries(
    tree: Tree, signed_in: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    client = signed_in("commune_officer")
    upload(client, tree.c1, xlsx([member_row(name=f"Người Số {i}") for i in range(150)]))
    job = last_job()

    with django_assert_max_num_queries(12):
        assert client.get(reverse("transfers:team_job", args=[job.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("transfers:team_import", args=[tree.c1.pk])).status_code == 200
