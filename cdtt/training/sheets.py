"""Attendance sheets as XLSX: one row per invited member of a session's course. The export can be filled
in and read back; reading checks every row first and writes nothing unless all of them are right.

Headers and values are document data for Vietnamese officers, so they are Vietnamese literals.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from cdtt.core.errors import DomainError
from cdtt.core.sheets import Workbook
from cdtt.core.tabular import FileProblem, read_rows
from cdtt.core.text import fold
from cdtt.training.models import Attendance, Invitation, Presence, Session
from cdtt.training.services import AttendanceIn, attendance_check

CODE_HEADER = "Mã"
HEADERS = [CODE_HEADER, "Họ và tên", "Xã/phường", "Tổ", "Điểm danh", "Hoàn thành", "Điểm"]
PRESENCE_WORDS = {Presence.PRESENT: "Có mặt", Presence.ABSENT: "Vắng", Presence.EXCUSED: "Vắng có phép"}
_PRESENCE_BY_WORD = {fold(word): status for status, word in PRESENCE_WORDS.items()} | {
    fold(status): status for status in Presence.values
}
_YES = {"co", "x", "1", "yes", "dat"}
_NO = {"", "khong", "0", "no", "chua dat"}
MAX_ROWS = 2000


def member_code(member_id: int) -> str:
    return f"TV{member_id}"


def write_sheet(session: Session, invitations: list[Invitation], *, out: IO[bytes]) -> int:
    """The invited members with what is recorded for the session; the number of rows."""
    recorded = {a.invitation_id: a for a in Attendance.objects.filter(session=session)}
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = "Điểm danh"
    for column, width in zip("ABCDEFG", (10, 28, 24, 28, 16, 12, 8), strict=True):
        sheet.column_dimensions[column].width = width
    day = timezone.localtime(session.starts_at).strftime("%d/%m/%Y %H:%M")
    sheet.append([f"Điểm danh - {session.course.title} - {day}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for invitation in invitations:
        row = recorded.get(invitation.pk)
        sheet.append(
            [
                member_code(invitation.member_id),
                invitation.member.full_name,
                invitation.commune.name,
                invitation.team.name if invitation.team else "",
                PRESENCE_WORDS[row.status] if row else "",  # type: ignore[index]
                ("Có" if row.completed else "Không") if row else "",
                float(row.score) if row and row.score is not None else None,
            ]
        )
    choices = DataValidation(type="list", formula1='"Có mặt,Vắng,Vắng có phép"', allow_blank=True)
    sheet.add_data_validation(choices)
    choices.add(f"E3:E{max(3, len(invitations) + 2)}")
    sheet.freeze_panes = "C3"
    workbook.save(out)
    return len(invitations)


def read_sheet(data: bytes, filename: str, *, session: Session) -> tuple[list[AttendanceIn], list[str]]:
    """Every row read and checked; (rows, problems). A row with no attendance filled in is skipped."""
    rows = read_rows(data=data, filename=filename, max_rows=MAX_ROWS)
    header_at = next(
        (n for n, (_line, cells) in enumerate(rows) if cells and fold(cells[0]) == fold(CODE_HEADER)), None
    )
    if header_at is None:
        raise FileProblem(_("No header row starting with “Mã” was found: use the exported sheet."))
    found: list[AttendanceIn] = []
    errors: list[str] = []
    for line, cells in rows[header_at + 1 :]:
        cells = [*cells, *[""] * (len(HEADERS) - len(cells))]
        code, name, status_text, done_text, score_text = cells[0], cells[1], cells[4], cells[5], cells[6]
        if not status_text.strip() and not done_text.strip() and not score_text.strip():
            continue
        code = code.strip().upper()
        if not code.startswith("TV") or not code[2:].isdigit():
            errors.append(
                _("Row %(line)s: “%(code)s” is not a member code from the exported sheet.")
                % {"line": line, "code": code or name}
            )
            continue
        status = _PRESENCE_BY_WORD.get(fold(status_text))
        if status is None:
            errors.append(
                _("Row %(line)s: attendance “%(value)s” must be Có mặt, Vắng or Vắng có phép.")
                % {"line": line, "value": status_text}
            )
            continue
        done = fold(done_text)
        if done not in _YES | _NO:
            errors.append(
                _("Row %(line)s: completed “%(value)s” must be Có or Không.") % {"line": line, "value": done_text}
            )
            continue
        score = None
        if score_text.strip():
            try:
                score = Decimal(score_text.strip().replace(",", "."))
            except InvalidOperation:
                errors.append(
                    _("Row %(line)s: the score “%(value)s” is not a number.") % {"line": line, "value": score_text}
                )
                continue
        found.append(AttendanceIn(int(code[2:]), status, done in _YES, score, line=line))
    _invitations, problems = attendance_check(session=session, rows=found)
    return found, errors + problems


def check_rows(rows: list[AttendanceIn], errors: list[str]) -> None:
    if errors:
        raise DomainError(_("The sheet has errors; nothing was changed."))
    if not rows:
        raise DomainError(_("The sheet has no attendance filled in."))
