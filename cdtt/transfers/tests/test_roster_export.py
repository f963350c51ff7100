"""Roster export: the XLSX workbook, scope by unit and role, masked phones, audit, bounded queries."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cdtt.core.models import AuditEvent
from cdtt.teams import services as team_services
from cdtt.teams.models import Membership, Team
from cdtt.teams.services import MemberIn
from cdtt.transfers.exporters.roster import COLUMNS
from cdtt.transfers.importers import teams as team_importer
from conftest import Tree, Users

pytestmark = pytest.mark.django_db

D = datetime.date
HEADERS = [
    "Tỉnh",
    "Xã",
    "Thôn",
    "Tổ",
    "Trạng thái tổ",
    "Chức danh",
    "Họ và tên",
    "Giới tính",
    "Năm sinh",
    "Tổ chức",
    "Nghề nghiệp",
    "Trưởng thôn",
    "SĐT",
    "Ngày tham gia",
]


def _propose(users: Users, commune: Any, village: Any, members: list[MemberIn], actor: Any = None) -> Team:
    return team_services.team_propose(
        actor=actor or users.national_admin, commune=commune, village=village, members=members, joined_on=D(2025, 3, 1)
    )


@pytest.fixture
def teams(tree: Tree, users: Users) -> dict[str, Team]:
    """V1 (four members, one of whom left), C1's commune-level team, V3 in C2, V5 in the other province."""
    v1 = _propose(
        users,
        tree.c1,
        tree.v1,
        [
            MemberIn(
                full_name="Trần Thị Bình",
                role="deputy",
                gender="female",
                birth_year=1990,
                phone="0987654321",
                organisation="womens_union",
            ),
            MemberIn(
                full_name="Nguyễn Văn An",
                role="leader",
                gender="male",
                birth_year=1980,
                phone="0912345678",
                organisation="youth_union",
                occupation="Giáo viên",
                is_village_head=True,
            ),
            MemberIn(full_name="Lê Văn Cường", birth_year=2000, organisation="veterans"),
            MemberIn(full_name="Người Đã Rời", phone="0868000111"),
        ],
    )
    gone = Membership.objects.get(member__full_name="Người Đã Rời")
    team_services.member_leave(actor=users.national_admin, membership=gone, on=D(2025, 5, 1))
    return {
        "v1": v1,
        "c1": _propose(users, tree.c1, None, [MemberIn(full_name="Phạm Thị Dung", role="leader")]),
        "v3": _propose(users, tree.c2, tree.v3, [MemberIn(full_name="Vũ Văn Giang", phone="0868111222")]),
        "v5": _propose(users, tree.c3, tree.v5, [MemberIn(full_name="Hồ Thị Xuân", phone="0868333444")]),
    }


def export_url(unit: Any, team: Team | None = None) -> str:
    url = reverse("transfers:roster_export", args=[unit.pk])
    return f"{url}?team={team.pk}" if team else url


def open_sheet(response: Any) -> Worksheet:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    assert isinstance(sheet, Worksheet)
    return sheet


def rows_of(sheet: Worksheet) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def names(sheet: Worksheet) -> list[str]:
    return [row["Họ và tên"] for row in rows_of(sheet)]


def test_a_commune_officer_exports_the_communes_current_members(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    sheet = open_sheet(signed_in("commune_officer").get(export_url(tree.c1)))

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N5"
    assert sheet.column_dimensions["G"].width == dict(COLUMNS)["Họ và tên"]
    # Commune-level team first, then by village; leader, deputy, member within a team; the leaver is gone.
    assert names(sheet) == ["Phạm Thị Dung", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    an = rows_of(sheet)[1]
    assert an == {
        "Tỉnh": "Thành phố Hà Nội",
        "Xã": "Phường Ba Đình",
        "Thôn": "Tổ dân phố số 1",
        "Tổ": "Tổ công nghệ số cộng đồng Tổ dân phố số 1",
        "Trạng thái tổ": "Đề xuất",
        "Chức danh": "Tổ trưởng",
        "Họ và tên": "Nguyễn Văn An",
        "Giới tính": "Nam",
        "Năm sinh": 1980,
        "Tổ chức": "Đoàn Thanh niên",
        "Nghề nghiệp": "Giáo viên",
        "Trưởng thôn": "x",
        "SĐT": "0912345678",
        "Ngày tham gia": datetime.datetime(2025, 3, 1),
    }
    assert sheet["N3"].number_format == "DD/MM/YYYY"
    assert rows_of(sheet)[0]["Thôn"] is None  # the commune-level team has no village


def test_a_province_officer_exports_only_their_province(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    sheet = open_sheet(signed_in("province_officer").get(export_url(tree.p1)))

    assert sorted(names(sheet)) == sorted(
        ["Phạm Thị Dung", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Vũ Văn Giang"]
    )


def test_a_national_admin_exports_the_whole_country(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    sheet = open_sheet(signed_in("national_admin").get(export_url(tree.vn)))

    assert len(names(sheet)) == 6
    assert names(sheet)[-1] == "Hồ Thị Xuân"  # ordered by province code


def test_one_team_can_be_exported(tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]) -> None:
    sheet = open_sheet(signed_in("province_officer").get(export_url(tree.p1, teams["v3"])))

    assert names(sheet) == ["Vũ Văn Giang"]
    assert "-to-" in signed_in("province_officer").get(export_url(tree.p1, teams["v3"]))["Content-Disposition"]


@pytest.mark.parametrize("team_id", ["v5", "c1-in-c2", "missing", "junk"])
@pytest.mark.dbneutral
def test_a_team_outside_the_unit_or_scope_is_not_found(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client], team_id: str
) -> None:
    client = signed_in("province_officer")
    if team_id == "v5":
        url = export_url(tree.p1, teams["v5"])  # another province
    elif team_id == "c1-in-c2":
        url = export_url(tree.c2, teams["c1"])  # in scope, but not under the unit asked for
    elif team_id == "missing":
        url = export_url(tree.p1) + "?team=987654"
    else:
        url = export_url(tree.p1) + "?team=abc"

    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="roster.export").exists()


def test_a_team_member_sees_only_their_team_with_masked_phones(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    sheet = open_sheet(signed_in("team_member").get(export_url(tree.c1)))

    rows = rows_of(sheet)
    assert [row["Họ và tên"] for row in rows] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    assert [row["SĐT"] for row in rows] == ["0912***678", "0987***321", None]
    assert AuditEvent.objects.get(action="roster.export").details["masked"] is True


def test_a_team_leader_sees_full_phones(tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]) -> None:
    sheet = open_sheet(signed_in("team_leader").get(export_url(tree.c1)))

    assert rows_of(sheet)[0]["SĐT"] == "0912345678"
    assert len(rows_of(sheet)) == 3


def test_the_export_is_audited_with_its_row_count(
    tree: Tree, users: Users, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    open_sheet(signed_in("commune_officer").get(export_url(tree.c1)))

    event = AuditEvent.objects.get(action="roster.export")
    assert (event.actor, event.unit, event.details["rows"]) == (users.commune_officer, tree.c1, 4)


def test_an_empty_unit_exports_the_header_only(tree: Tree, signed_in: Callable[..., Client]) -> None:
    sheet = open_sheet(signed_in("commune_officer").get(export_url(tree.c1)))

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row == 1


def test_the_export_can_be_read_back_by_the_team_import(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client]
) -> None:
    response: Any = signed_in("commune_officer").get(export_url(tree.c1))
    data = b"".join(response.streaming_content)

    rows = team_importer.parse(data=data, filename="export.xlsx", commune_optional=False)
    assert [row["full_name"] for row in rows][:2] == ["Phạm Thị Dung", "Nguyễn Văn An"]
    assert (rows[1]["commune_name"], rows[1]["village"], rows[1]["role"]) == (
        "Phường Ba Đình",
        "Tổ dân phố số 1",
        "Tổ trưởng",
    )
    assert team_importer.read_date(rows[1]["joined_on"]) == D(2025, 3, 1)


# -- access ----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(tree: Tree, client: Client) -> None:
    response = client.get(export_url(tree.c1))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["nobody", "enterprise_partner", "leader"])
def test_roles_without_rosters_are_refused(tree: Tree, signed_in: Callable[..., Client], who: str) -> None:
    assert signed_in(who).get(export_url(tree.c1)).status_code == 403


@pytest.mark.parametrize(("who", "unit"), [("outsider", "c1"), ("commune_officer", "c2"), ("team_member", "c2")])
@pytest.mark.dbneutral
def test_another_units_roster_is_not_found(
    tree: Tree, teams: dict[str, Team], signed_in: Callable[..., Client], who: str, unit: str
) -> None:
    assert signed_in(who).get(export_url(getattr(tree, unit))).status_code == 404
    assert not AuditEvent.objects.filter(action="roster.export").exists()


def test_the_export_uses_a_bounded_number_of_queries(
    tree: Tree,
    users: Users,
    teams: dict[str, Team],
    signed_in: Callable[..., Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in("province_officer")
    for village in (tree.v2, tree.v4):
        _propose(users, village.commune, village, [MemberIn(full_name=f"Người {i}") for i in range(25)])

    with django_assert_max_num_queries(8):
        response = client.get(export_url(tree.p1))
        sheet = open_sheet(response)
    assert len(names(sheet)) == 55
