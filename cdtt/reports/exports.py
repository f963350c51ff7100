"""Reports as documents: DOCX in the administrative format of Decree 30/2020/NĐ-CP, XLSX for the numbers,
and the consolidated XLSX of a province or the nation (every child unit × indicator).

The documents' text is data, not interface: it is Vietnamese whatever language the reader uses.
"""

from __future__ import annotations

import io
import re
from copy import copy
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.shared import Mm
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from cdtt.core.audit import audit_record
from cdtt.core.sheets import Number, Workbook, style_id, text_cell
from cdtt.core.text import fold, nfc
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.reports import selectors
from cdtt.reports.consolidated import Consolidated, Part, consolidated, is_percent
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.models import Period, PeriodKind
from cdtt.teams.documents import (
    FIRST_LINE_INDENT,
    ISSUER,
    MOTTO,
    NATIONAL_TITLE,
    TEAM_WORDS,
    TEXT_WIDTH_MM,
    TWIPS_PER_MM,
    _paragraph,
    _rule,
    _setup,
    _table,
    _tbl_property,
    commune_short_name,
    village_label,
    vn_date,
)

if TYPE_CHECKING:
    from cdtt.accounts.models import User

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Not the model's labels on purpose: a report's sheet speaks of its stage ("Đang soạn", "Đã gửi, chờ duyệt"),
# where the screens' short labels ("Dự thảo", "Đã gửi") are shared with other drafts and sendings.
STATUS_WORDS: dict[str, str] = {
    ReportStatus.DRAFT: "Đang soạn",
    ReportStatus.SUBMITTED: "Đã gửi, chờ duyệt",
    ReportStatus.RETURNED: "Bị trả lại",
    ReportStatus.APPROVED: "Đã duyệt",
}
RESULT_COLUMNS = [
    # (heading, width in mm, alignment)
    ("STT", 10, WD_ALIGN_PARAGRAPH.CENTER),
    ("Chỉ tiêu", 52, WD_ALIGN_PARAGRAPH.LEFT),
    ("ĐVT", 14, WD_ALIGN_PARAGRAPH.CENTER),
    ("Chỉ tiêu giao", 19, WD_ALIGN_PARAGRAPH.RIGHT),
    ("Kết quả trong kỳ", 19, WD_ALIGN_PARAGRAPH.RIGHT),
    ("Lũy kế", 17, WD_ALIGN_PARAGRAPH.RIGHT),
    ("Tỷ lệ %", 14, WD_ALIGN_PARAGRAPH.RIGHT),
    ("Ghi chú", 20, WD_ALIGN_PARAGRAPH.LEFT),
]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:60] or "bao-cao"


def file_name(report: Report, extension: str) -> str:
    return f"bao-cao-{slug(selectors.subject_label(report.subject))}-{slug(report.period.name)}.{extension}"  # type: ignore[arg-type]


def download(data: bytes, name: str, content_type: str, *, actor: User, **about: Any) -> HttpResponse:
    """Send a file and log the export (who took which report out of the platform)."""
    report = about.pop("report", None)
    unit = about.pop("unit", None)
    period = about.pop("period", None)
    audit_record(
        actor=actor,
        action="report.export",
        target=report,
        unit=unit or (report.reviewer if report else None),
        file=name,
        period=period.pk if period else (report.period_id if report else None),
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- wording ----------------------------------------------------------------------------------------------


def period_phrase(period: Period) -> str:
    """ "tháng 11 năm 2026", "quý IV năm 2026", "6 tháng đầu năm 2026", "năm 2026", or the campaign's name."""
    if period.kind == PeriodKind.MONTH:
        return f"tháng {period.start.month:02d} năm {period.start.year}"
    if period.kind == PeriodKind.QUARTER:
        roman = ["I", "II", "III", "IV"][(period.start.month - 1) // 3]
        return f"quý {roman} năm {period.start.year}"
    if period.kind == PeriodKind.HALF:
        half = "đầu" if period.start.month == 1 else "cuối"
        return f"6 tháng {half} năm {period.start.year}"
    if period.kind == PeriodKind.YEAR:
        return f"năm {period.start.year}"
    return f"đợt {nfc(period.name)} (từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y})"


def _issuer(report: Report) -> tuple[list[str], str, str]:
    """(the two heading lines of the issuing body, the place for the date line, the signer's title)."""
    subject = report.subject
    if isinstance(subject, Village):
        commune = subject.commune
        return (
            [f"UBND {nfc(commune.name).upper()}", f"TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG {nfc(subject.name).upper()}"],
            commune_short_name(commune),
            "TỔ TRƯỞNG",
        )
    assert isinstance(subject, AdminUnit)
    if subject.kind == UnitKind.NATIONAL:
        return (["BỘ KHOA HỌC VÀ CÔNG NGHỆ", "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA"], "Hà Nội", "CỤC TRƯỞNG")
    if subject.kind == UnitKind.PROVINCE:
        return (
            [f"UBND {nfc(subject.name).upper()}", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"],
            nfc(subject.name).replace("Tỉnh ", "").replace("Thành phố ", ""),
            "GIÁM ĐỐC",
        )
    return ([ISSUER, nfc(subject.name).upper()], commune_short_name(subject), "TM. ỦY BAN NHÂN DÂN")


def _number_suffix(report: Report) -> str:
    """The document type and issuer part of the number: BC (báo cáo) and the issuing body's abbreviation."""
    subject = report.subject
    if isinstance(subject, Village):
        return "BC-TCNSCĐ"
    suffixes: dict[str, str] = {UnitKind.NATIONAL: "BC-CĐSQG", UnitKind.PROVINCE: "BC-SKHCN"}
    return suffixes.get(str(getattr(subject, "kind", "")), "BC-UBND")


def _recipients(report: Report) -> list[str]:
    reviewer = report.reviewer
    if report.village_id:
        return [f"UBND {nfc(reviewer.name)}", "Các thành viên Tổ", "Lưu: Tổ CNSCĐ."]
    if reviewer.pk == report.unit_id:
        return ["Bộ Khoa học và Công nghệ", "Lưu: VT."]
    if reviewer.kind == UnitKind.NATIONAL:
        return ["Bộ Khoa học và Công nghệ (Cục Chuyển đổi số quốc gia)", "Lưu: VT."]
    return [f"UBND {nfc(reviewer.name)} (Sở Khoa học và Công nghệ)", "Lưu: VT."]


def _org_lines(report: Report, org: dict[str, Any]) -> list[str]:
    lines = []
    if report.village_id:
        lines.append(
            f"Tổ có {org.get('members', 0)} thành viên (tính đến ngày {_iso_vn(org.get('as_of'))}); "
            f"trong kỳ có {org.get('joined', 0)} người tham gia, {org.get('left', 0)} người thôi tham gia."
        )
    else:
        lines.append(
            f"Có {org.get('teams', 0)}/{org.get('villages', 0)} thôn, tổ dân phố đã thành lập "
            f"{TEAM_WORDS} với {org.get('members', 0)} thành viên; trong kỳ có {org.get('joined', 0)} người "
            f"tham gia, {org.get('left', 0)} người thôi tham gia."
        )
        if org.get("children"):
            lines.append(
                f"Số liệu tổng hợp từ {org.get('children_approved', 0)}/{org.get('children', 0)} báo cáo "
                "cấp dưới đã được duyệt và số liệu do đơn vị trực tiếp ghi nhận."
            )
    if org.get("members"):
        lines.append(
            f"Số thành viên đã được tập huấn: {org.get('trained', 0)}/{org.get('members', 0)}; "
            f"trong kỳ có {org.get('trained_in_period', 0)} thành viên tham gia tập huấn."
        )
    if org.get("households_total"):
        coverage = org.get("group_coverage")
        shown = f"{coverage:.1f}".replace(".", ",") if coverage is not None else ""
        lines.append(
            f"Nhóm trao đổi của hộ gia đình: {org.get('households_in_group', 0)}/{org.get('households_total', 0)} "
            f"hộ đã tham gia ({shown}%)."
        )
    return lines


def _iso_vn(raw: Any) -> str:
    text = str(raw or "")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text


# -- DOCX ---------------------------------------------------------------------------------------------------


def report_docx(report: Report) -> bytes:
    """The report ready to print and sign: heading, I. organisation, II. results table, III. assessment,
    IV. next period's tasks, V. proposals, recipients and signature."""
    rows = selectors.report_rows(report)
    org = report.organisation if report.is_sent else selectors.organisation(report.subject, report.period)  # type: ignore[arg-type]
    lines, place, signer = _issuer(report)
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title = f"Báo cáo kết quả {period_phrase(report.period)}"
    props.author = props.last_modified_by = lines[-1].title()
    props.language = "vi-VN"

    left_mm, right_mm = 72.0, 98.0
    table = _table(doc, [left_mm, right_mm], rows=2)
    _tbl_property(table, "w:tblInd", {"w:w": str(int(-2.5 * TWIPS_PER_MM)), "w:type": "dxa"})
    body, nation = table.cell(0, 0), table.cell(0, 1)
    _paragraph(body, lines[0], size=12)
    _paragraph(body, lines[1], size=12, bold=True)
    _rule(body, width_mm=22, box_mm=left_mm - 3.8)
    _paragraph(nation, NATIONAL_TITLE, size=12, bold=True)
    _paragraph(nation, MOTTO, size=13, bold=True)
    _rule(nation, width_mm=58, box_mm=right_mm - 3.8)
    _paragraph(table.cell(1, 0), f"Số:       /{_number_suffix(report)}", size=13, before=6)
    # The day in Vietnam (a report sent at 06:30 on the 7th is dated the 7th, not UTC's 6th).
    dated = timezone.localdate(report.submitted_at) if report.submitted_at else timezone.localdate()
    _paragraph(table.cell(1, 1), f"{place}, {vn_date(dated)}", size=14, italic=True, before=6)

    if not report.is_sent:
        _paragraph(doc, "(Dự thảo, chưa gửi)", size=12, italic=True, before=6)
    _paragraph(doc, "BÁO CÁO", size=14, bold=True, before=12, keep_with_next=True)
    subject = report.subject
    subject_words = (
        f"{TEAM_WORDS} {village_label(subject)}" if isinstance(subject, Village) else nfc(getattr(subject, "name", ""))
    )
    _paragraph(
        doc,
        f"Kết quả thực hiện nhiệm vụ chuyển đổi số cộng đồng {period_phrase(report.period)} của {subject_words}",
        size=14,
        bold=True,
        keep_with_next=True,
    )
    _rule(doc, width_mm=40, box_mm=TEXT_WIDTH_MM, after=12)
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    as_of = report.figures_at or timezone.now()
    _paragraph(
        doc,
        f"Số liệu tính đến {timezone.localtime(as_of):%H giờ %M} ngày {timezone.localtime(as_of):%d/%m/%Y}.",
        italic=True,
        align=justify,
        indent=FIRST_LINE_INDENT,
        after=6,
    )

    def heading(text: str) -> None:
        _paragraph(
            doc, text, bold=True, align=justify, indent=FIRST_LINE_INDENT, before=6, after=6, keep_with_next=True
        )

    def body_text(text: str) -> None:
        for line in [ln.strip() for ln in (text or "").splitlines() if ln.strip()] or ["Không có."]:
            _paragraph(doc, line, align=justify, indent=FIRST_LINE_INDENT, after=6)

    heading("I. CÔNG TÁC TỔ CHỨC")
    for line in _org_lines(report, org):
        _paragraph(doc, line, align=justify, indent=FIRST_LINE_INDENT, after=6)
    heading("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU")
    _results_table(doc, rows)
    heading("III. ĐÁNH GIÁ CHUNG")
    body_text(report.assessment)
    heading("IV. NHIỆM VỤ KỲ TỚI")
    body_text(report.plan)
    heading("V. ĐỀ XUẤT, KIẾN NGHỊ")
    body_text(report.proposals)
    _signature(doc, report, signer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _results_table(doc: Any, rows: list[selectors.Row]) -> None:
    widths = [float(width) for _h, width, _a in RESULT_COLUMNS]
    table = _table(doc, widths, rows=len(rows) + 1, grid=True)
    header = table.rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on every page
    for cell, (heading, _width, _align) in zip(header.cells, RESULT_COLUMNS, strict=True):
        _paragraph(cell, heading, size=11, bold=True)
    for index, row in enumerate(rows, start=1):
        shown = row.shown
        target = shown["target"] + (" (năm)" if row.target_of == "year" and shown["target"] else "")
        texts = [
            str(index),
            nfc(row.name),
            row.measure,
            target,
            shown["in_period"],
            shown["cumulative"],
            shown["percent"],
            nfc(row.note),
        ]
        for cell, text, (_h, _w, align) in zip(table.rows[index].cells, texts, RESULT_COLUMNS, strict=True):
            _paragraph(cell, text, size=11, align=align)


def _signature(doc: Any, report: Report, signer: str) -> None:
    table = _table(doc, [82.0, 83.0], rows=1)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    recipients, sign = table.cell(0, 0), table.cell(0, 1)
    _paragraph(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=12)
    for line in _recipients(report):
        _paragraph(recipients, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    titles = signer.split(". ", 1) if signer.startswith("TM.") else [signer]
    if signer.startswith("TM."):
        titles = [signer, "CHỦ TỊCH"]
    for index, title in enumerate(titles):
        _paragraph(sign, title, size=14, bold=True, before=12 if index == 0 else 0)
    for _blank in range(4):
        _paragraph(sign, size=14)
    name = ""
    if report.submitted_by is not None:
        name = nfc(str(report.submitted_by))
    _paragraph(sign, name, size=14, bold=True, before=12)
    for section in doc.sections:
        section.left_margin = Mm(30)


# -- XLSX ---------------------------------------------------------------------------------------------------

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def report_xlsx(report: Report) -> bytes:
    """One report's numbers and text on one sheet (what an officer pastes into a larger workbook)."""
    rows = selectors.report_rows(report)
    org = report.organisation if report.is_sent else selectors.organisation(report.subject, report.period)  # type: ignore[arg-type]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Báo cáo"
    label = selectors.subject_label(report.subject)  # type: ignore[arg-type]
    sheet.append([f"BÁO CÁO KẾT QUẢ {period_phrase(report.period).upper()}"])
    sheet.append([nfc(label)])
    sheet.append([f"Trạng thái: {STATUS_WORDS.get(report.status, report.status)}"])
    as_of = report.figures_at or timezone.now()
    sheet.append([f"Số liệu tính đến: {timezone.localtime(as_of):%d/%m/%Y %H:%M}"])
    sheet.append([])
    sheet.append(["I. CÔNG TÁC TỔ CHỨC"])
    for line in _org_lines(report, org):
        _text_row(sheet, line)
    sheet.append([])
    sheet.append(["II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"])
    sheet.append([heading for heading, _w, _a in RESULT_COLUMNS])
    head_row = sheet.max_row
    for cell in sheet[head_row]:
        cell.font, cell.fill, cell.alignment = BOLD, HEAD_FILL, WRAP
    for index, row in enumerate(rows, start=1):
        sheet.append(
            [
                index,
                nfc(row.name),
                row.measure,
                _number(row.target),
                _number(row.in_period),
                _number(row.cumulative),
                row.percent,
                nfc(row.note) or ("Chỉ tiêu năm" if row.target_of == "year" else None),
            ]
        )
        _number_formats(sheet[sheet.max_row])
    sheet.append([])
    for title, text in (
        ("III. ĐÁNH GIÁ CHUNG", report.assessment),
        ("IV. NHIỆM VỤ KỲ TỚI", report.plan),
        ("V. ĐỀ XUẤT, KIẾN NGHỊ", report.proposals),
    ):
        sheet.append([title])
        _text_row(sheet, nfc(text) or "Không có.")
    for line_number in (1, head_row - 1):
        sheet.cell(row=line_number, column=1).font = Font(bold=True, size=13 if line_number == 1 else 11)
    for column, width in zip("ABCDEFGH", (6, 48, 10, 14, 14, 14, 10, 28), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=head_row + 1, column=3)
    sheet.print_title_rows = f"{head_row}:{head_row}"
    _landscape(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TEXT_COLUMNS = 8  # a text paragraph spans the table's width
CHARS_PER_LINE = 150  # about what the merged width holds at 11 pt


def _text_row(sheet: Any, text: str) -> None:
    """A paragraph across the table's width, wrapped, with a row tall enough for its lines."""
    sheet.append([text])
    row = sheet.max_row
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=TEXT_COLUMNS)
    sheet.cell(row=row, column=1).alignment = WRAP
    lines = sum(max(1, -(-len(part) // CHARS_PER_LINE)) for part in text.splitlines() or [""])
    sheet.row_dimensions[row].height = 15 * lines


def _number_formats(cells: Any) -> None:
    """Thousands grouped, a decimal only where there is one, the share as a percentage with one decimal."""
    for cell in cells[3:6]:
        whole = not isinstance(cell.value, float)
        cell.number_format = INTEGER if whole else DECIMAL
    share = cells[6]
    if share.value is not None:
        share.value = share.value / 100
        share.number_format = PERCENT


def _landscape(sheet: Any) -> None:
    """Print on A4 landscape, all columns on one page's width, the table's head on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.right.text = "Trang &P/&N"
    sheet.oddFooter.right.size = 9


def consolidated_xlsx(unit: AdminUnit, period: Period) -> bytes:
    """Every child unit × indicator of a commune (its villages), a province (its communes) or the nation (its
    provinces, then all its communes), with the unit's own report as the total: see ``consolidated``.

    Written in openpyxl's write-only mode (rows streamed, one shared style per kind of cell) so the nation's
    3,321 communes stay under the 3-second goal; set up to print on A4 with the titles on every page.
    """
    found = consolidated(unit, period)
    book = Workbook(write_only=True)
    # The workbook's default cell format groups thousands ("#,##0", built-in format 3), so the figures go
    # into the rows as plain numbers: openpyxl then writes them through one shared cell instead of an
    # object per cell (370,000 of them for the nation, most of the time the export took). Text is not
    # affected by a number format; shares and decimals keep their own styles.
    book._cell_styles = IndexedList([StyleArray([0, 0, 0, 3, 0, 0, 0, 0, 0])])
    for part in found.parts:
        _part_sheet(book, found, part)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
INTEGER, DECIMAL, PERCENT = "#,##0", "#,##0.0", "0.0%"
FIGURES = ("Giao", "Trong kỳ", "Lũy kế", "%")
INDICATORS_PER_PAGE = 4  # printed across: four indicators (16 columns) beside the names on each A4 page


class _Cells:
    """Cells of one sheet sharing a few styles: each style is built once and copied (openpyxl registers a
    style on every assignment, which at 290,000 cells is most of the time the export takes)."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.styles: dict[str, Any] = {}
        self.ids: dict[str, int] = {}

    def style(self, name: str, **style: Any) -> None:
        self.styles[name] = text_cell(self.sheet, None, **style)._style
        self.ids[name] = style_id(self.sheet, **style)

    def number(self, name: str, value: int | float | None) -> Number | None:
        return None if value is None else Number(value, self.ids[name])

    def __call__(self, name: str, value: Any) -> Any:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(self.styles[name])
        return cell


def _figure(value: Decimal | float | None, percent: bool) -> float | int | None:
    """A number as the sheet stores it: percentages as fractions (shown "91,7%" by the cell's format)."""
    if value is None:
        return None
    if percent:
        return float(value) / 100
    return _number(Decimal(value))


def _part_sheet(book: Workbook, found: Consolidated, part: Part) -> None:
    sheet = book.create_sheet(part.title)
    fixed = ["STT", "Tên đơn vị"] + (["Tỉnh, thành phố"] if part.with_province else []) + ["Báo cáo"]
    widths = [5, 28] + ([20] if part.with_province else []) + [13]
    widths += [10, 10, 10, 7] * len(found.indicators)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    _print_setup(sheet, found, part, len(fixed), widths)
    cells = _Cells(sheet)
    cells.style("title", font=Font(bold=True, size=13))
    cells.style("note", font=Font(italic=True), alignment=Alignment(wrap_text=True, vertical="top"))
    cells.style("head", font=BOLD, fill=HEAD_FILL, alignment=CENTRE, border=BOX)
    cells.style("index", alignment=Alignment(horizontal="center", vertical="top"), number_format="0")
    cells.style("bold", border=BOX, font=BOLD, alignment=Alignment(vertical="top", wrap_text=True))
    for name, number_format in (("int", INTEGER), ("dec", DECIMAL), ("pct", PERCENT)):
        cells.style(name, number_format=number_format)
        cells.style(f"{name}-total", border=BOX, number_format=number_format, font=BOLD)

    unit_name = "cả nước" if found.unit.kind == UnitKind.NATIONAL else nfc(found.unit.name)
    now = timezone.localtime()
    # Write-only: a row's height is written with the row, so it is set before; the titles stand at the left
    # of the first page (a title centred over a hundred columns prints on no page).
    sheet.row_dimensions[3].height = 45
    sheet.row_dimensions[4].height = 80  # indicator titles wrap over their four columns
    sheet.append([cells("title", f"TỔNG HỢP KẾT QUẢ THỰC HIỆN CHỈ TIÊU {period_phrase(found.period).upper()}")])
    sheet.append([cells("title", f"{nfc(found.unit.name)} — {part.title}")])
    sheet.append(
        [
            cells(
                "note",
                f"Số liệu tính đến {now:%H giờ %M} ngày {now:%d/%m/%Y}. Đơn vị có báo cáo đã duyệt: số liệu theo "
                "báo cáo; đơn vị chưa có báo cáo được duyệt: số liệu đã ghi nhận đến nay. Dòng tổng cộng là số "
                f"liệu trong báo cáo của {unit_name}. Chỉ tiêu giao là của kỳ nếu có, nếu không là của năm "
                "(khi đó % tính trên lũy kế).",
            )
        ]
    )
    page_width = get_column_letter(min(len(widths), len(fixed) + (INDICATORS_PER_PAGE - 1) * len(FIGURES)))
    sheet.merged_cells.add(f"A3:{page_width}3")
    top = [cells("head", h) for h in fixed]
    second = [cells("head", None) for _h in fixed]
    for indicator in found.indicators:
        top += [cells("head", f"{nfc(indicator.name)} ({indicator.get_measure_display()})")]
        top += [cells("head", None) for _ in FIGURES[1:]]
        second += [cells("head", h) for h in FIGURES]
    sheet.append(top)
    sheet.append(second)
    for column in range(1, len(fixed) + 1):
        letter = get_column_letter(column)
        sheet.merged_cells.add(f"{letter}4:{letter}5")
    for index in range(len(found.indicators)):
        first = len(fixed) + 1 + index * len(FIGURES)
        sheet.merged_cells.add(f"{get_column_letter(first)}4:{get_column_letter(first + len(FIGURES) - 1)}4")

    percent = [is_percent(i) for i in found.indicators]
    for number, line in enumerate(part.lines, start=1):
        subject = line.subject
        out: list[Any] = [cells("index", number), nfc(subject.name)]
        if part.with_province:
            out.append(nfc(subject.parent.name) if subject.parent_id else "")
        out.append(STATUS_WORDS.get(line.status, "Chưa có"))
        for indicator, is_pct in zip(found.indicators, percent, strict=True):
            out += _figure_cells(cells, line.rows.get(indicator.pk), is_pct, "")
        sheet.append(out)
    total: list[Any] = [cells("bold", None), cells("bold", f"Tổng cộng ({unit_name})")]
    if part.with_province:
        total.append(cells("bold", None))
    total.append(cells("bold", STATUS_WORDS.get(found.total_status, "Chưa có")))
    for indicator, is_pct in zip(found.indicators, percent, strict=True):
        total += _figure_cells(cells, found.total.get(indicator.pk), is_pct, "-total")
    sheet.append(total)


def _figure_cells(cells: _Cells, row: selectors.Row | None, is_pct: bool, suffix: str) -> list[Any]:
    """Target, in the period, year to date and share of one indicator, formatted as Vietnamese readers expect:
    whole numbers plain (the default format groups thousands), the rest with a style of their own."""
    if row is None:
        return [cells(f"int{suffix}", None) for _ in FIGURES] if suffix else [None] * len(FIGURES)
    kind = "pct" if is_pct else ("int" if _whole(row.in_period, row.cumulative, row.target) else "dec")
    figures = (_figure(row.target, is_pct), _figure(row.in_period, is_pct), _figure(row.cumulative, is_pct))
    share = _figure(row.percent, True)
    if not suffix:  # a unit's row: numbers without cell objects (see cdtt.core.sheets.Number)
        if kind == "int":
            return [*figures, cells.number("pct", share)]
        return [*(cells.number(kind, value) for value in figures), cells.number("pct", share)]
    return [
        *(cells(f"{kind}{suffix}", value) for value in figures),
        cells(f"pct{suffix}", share),
    ]


def _whole(*numbers: Decimal | None) -> bool:
    return all(n is None or n == n.to_integral_value() for n in numbers)


PRINTABLE_WIDTH_MM = 297 - 2 * 10.2  # A4 landscape less the margins
MM_PER_WIDTH_UNIT = 2.3  # measured in LibreOffice, with a margin so a page never drops a column


def _print_setup(sheet: Any, found: Consolidated, part: Part, fixed: int, widths: list[int]) -> None:
    """A4, landscape, a few indicators per page's width; the titles and the names on every page; the page
    number and the unit at the foot."""
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.orientation = "landscape"
    # A fixed scale with a break after every fourth indicator: pages end between indicators (a "fit to N
    # pages wide" lets the spreadsheet cut an indicator's columns in two). The first page is the widest:
    # the names, the report's state and four indicators; a unit of column width prints about 2 mm.
    first_page = sum(widths[: fixed + INDICATORS_PER_PAGE * len(FIGURES)])
    sheet.page_setup.scale = max(40, min(100, int(100 * PRINTABLE_WIDTH_MM / (first_page * MM_PER_WIDTH_UNIT))))
    pages = max(1, -(-len(found.indicators) // INDICATORS_PER_PAGE))
    for page in range(1, pages):
        sheet.col_breaks.append(Break(id=fixed + page * INDICATORS_PER_PAGE * len(FIGURES)))
    sheet.print_options.gridLines = True  # the table's lines on paper (cheaper than a border on each cell)
    sheet.print_title_rows = "4:5"
    sheet.print_title_cols = f"A:{get_column_letter(fixed - 1)}"  # the number and the name (and province)
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    sheet.freeze_panes = f"{get_column_letter(fixed + 1)}6"
    title = f"Tổng hợp {period_phrase(found.period)} — {nfc(found.unit.name)} — {part.title}"
    sheet.oddHeader.center.text = title.replace("&", "&&")
    sheet.oddHeader.center.size = 9
    sheet.oddFooter.right.text = "Trang &P/&N"
    sheet.oddFooter.right.size = 9
