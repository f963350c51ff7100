"""The network view as XLSX. Headers are document data for Vietnamese officers, so they are Vietnamese."""

from __future__ import annotations

from typing import IO, Any

from openpyxl.styles import Font

from cdtt.core.sheets import Workbook
from cdtt.training.selectors import ProvinceRow

NETWORK_HEADERS = [
    "Mã",
    "Tỉnh/thành phố",
    "Số Tổ",
    "Số thành viên",
    "Đã được tập huấn",
    "Tỷ lệ (%)",
    "Khóa tập huấn",
    "Cách làm hay đã đăng",
]


def write_network(rows: list[ProvinceRow], *, out: IO[bytes]) -> int:
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = "Mạng lưới"
    sheet.append(["Mạng lưới Tổ công nghệ số cộng đồng toàn quốc"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(NETWORK_HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (8, 30, 10, 14, 16, 10, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    for row in rows:
        sheet.append(
            [
                row.province.code,
                row.province.name,
                row.teams,
                row.members,
                row.trained,
                row.share,
                row.courses,
                row.practices,
            ]
        )
    sheet.freeze_panes = "C3"
    workbook.save(out)
    return len(rows)
