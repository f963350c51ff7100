"""The roster workbook: one row per current member, written row by row (openpyxl write-only mode).

The headers and the words in the cells are document data for Vietnamese officers, so they are
Vietnamese literals, not interface strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cdtt.core.choices import vi_label
from cdtt.core.sheets import Workbook
from cdtt.core.text import mask_phone
from cdtt.teams.models import Gender, MemberRole, Membership, Organisation, TeamStatus

SHEET_TITLE = "Danh sách thành viên"
# (header, width): the headers match the team import's column names, so an export can be edited and re-read.
COLUMNS = (
    ("Tỉnh", 22),
    ("Xã", 24),
    ("Thôn", 24),
    ("Tổ", 40),
    ("Trạng thái tổ", 16),
    ("Chức danh", 12),
    ("Họ và tên", 26),
    ("Giới tính", 10),
    ("Năm sinh", 10),
    ("Tổ chức", 22),
    ("Nghề nghiệp", 20),
    ("Trưởng thôn", 12),
    ("SĐT", 14),
    ("Ngày tham gia", 14),
)
DATE_FORMAT = "DD/MM/YYYY"


def write_roster(memberships: Iterable[Membership], *, out: IO[bytes], mask_phones: bool) -> int:
    """Write the workbook to ``out``; return the number of member rows."""
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(SHEET_TITLE)
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(vertical="center", wrap_text=True)
    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    sheet.append(header)
    count = 0
    for membership in memberships:
        team, member = membership.team, membership.member
        commune = team.commune
        province = commune.parent
        joined = WriteOnlyCell(sheet, value=membership.joined_on)
        joined.number_format = DATE_FORMAT
        phone = mask_phone(member.phone) if mask_phones and member.phone else member.phone
        sheet.append(
            [
                province.name if province else "",
                commune.name,
                team.village.name if team.village else "",
                team.name,
                vi_label(TeamStatus, team.status),
                vi_label(MemberRole, membership.role),
                member.full_name,
                vi_label(Gender, member.gender, ""),
                member.birth_year,
                vi_label(Organisation, member.organisation),
                member.occupation,
                "x" if member.is_village_head else "",
                phone,
                joined,
            ]
        )
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.save(out)
    return count
