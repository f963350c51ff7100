"""The team establishment decision as a DOCX in the administrative format of Decree 30/2020/NĐ-CP.

The document's text is data, not interface: it is Vietnamese whatever language the user reads the site in.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cdtt.core.choices import vi_label
from cdtt.core.text import fold, mask_phone, nfc
from cdtt.geo.models import AdminUnit, UnitKind, Village, VillageKind
from cdtt.teams.models import Decision, DecisionStatus, Gender, MemberRole, Organisation, SignerTitle, Team

FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)
# A4 with the margins of Appendix I: top and bottom 20 mm, left 30 mm, right 15 mm.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH_MM = 210 - 30 - 15
FIRST_LINE_INDENT = Cm(1.27)
TWIPS_PER_MM = 1440 / 25.4
RULE_GAP = 7  # points between a line of text and the rule under it

ISSUER = "ỦY BAN NHÂN DÂN"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DRAFT_MARK = "DỰ THẢO"
TEAM_WORDS = "Tổ công nghệ số cộng đồng"
NUMBER_SUFFIX = "/QĐ-UBND"

COMMUNE_WORDS: dict[str, str] = {
    UnitKind.COMMUNE: "xã",
    UnitKind.WARD: "phường",
    UnitKind.SPECIAL_ZONE: "đặc khu",
    UnitKind.TOWNSHIP: "thị trấn",
}
VILLAGE_WORDS: dict[str, str] = {
    VillageKind.THON: "thôn",
    VillageKind.BAN: "bản",
    VillageKind.TO_DAN_PHO: "tổ dân phố",
    VillageKind.AP: "ấp",
    VillageKind.KHOM: "khóm",
    VillageKind.BUON: "buôn",
    VillageKind.XOM: "xóm",
    VillageKind.LANG: "làng",
    VillageKind.KHU_PHO: "khu phố",
    VillageKind.PLEI: "plei",
    VillageKind.SOC: "sóc",
}
# Type words a village name may start with, longest first so "Tổ dân phố" wins over "Tổ".
_LEADING_WORDS = sorted({*VILLAGE_WORDS.values(), "tổ", "khu", "đội", "cụm", "bon", "làng"}, key=len, reverse=True)

APPENDIX_COLUMNS = [
    # (heading, width in mm, alignment of the cells)
    ("TT", 10, WD_ALIGN_PARAGRAPH.CENTER),
    ("Họ và tên", 37, WD_ALIGN_PARAGRAPH.LEFT),
    ("Năm sinh", 15, WD_ALIGN_PARAGRAPH.CENTER),
    ("Giới tính", 14, WD_ALIGN_PARAGRAPH.CENTER),
    ("Chức danh trong Tổ", 24, WD_ALIGN_PARAGRAPH.CENTER),
    ("Tổ chức / nghề nghiệp", 38, WD_ALIGN_PARAGRAPH.LEFT),
    ("Số điện thoại", 27, WD_ALIGN_PARAGRAPH.CENTER),
]


# -- wording ----------------------------------------------------------------------------------------


def vn_date(day: datetime.date | None) -> str:
    """The date as a decision writes it, "ngày 05 tháng 01 năm 2026"; blanks to fill in on a draft.

    Decree 30/2020, Appendix I: a zero goes before days under 10 and before months 1 and 2 only
    (so that nobody can prepend a digit); March to December are written as they are.
    """
    if day is None:
        return "ngày ... tháng ... năm 20.."
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def commune_word(commune: AdminUnit) -> str:
    """The word for the commune's kind, lower case: "xã", "phường" or "đặc khu"."""
    return COMMUNE_WORDS.get(commune.kind, "xã")


def commune_short_name(commune: AdminUnit) -> str:
    if commune.short_name:
        return nfc(commune.short_name)
    name, word = nfc(commune.name), commune_word(commune)
    return name[len(word) :].strip() if fold(name).startswith(fold(word) + " ") else name


def commune_label(commune: AdminUnit) -> str:
    """The commune as named inside a sentence: "xã Bát Tràng"."""
    return f"{commune_word(commune)} {commune_short_name(commune)}"


def village_label(village: Village) -> str:
    """The village as named inside a sentence: only its leading type word lower-cased.

    "Thôn Giang Cao" → "thôn Giang Cao", "Tổ dân phố số 1" → "tổ dân phố số 1"; a bare name gets the
    type word of its kind: "Giang Cao" (a thôn) → "thôn Giang Cao".
    """
    name = nfc(village.name)
    for word in _LEADING_WORDS:
        head = name[: len(word)]
        if fold(head) == fold(word) and name[len(word) : len(word) + 1] in {" ", ""}:
            return head.lower() + name[len(word) :]
    kind_word = VILLAGE_WORDS.get(village.kind)
    return f"{kind_word} {name}" if kind_word else name


def team_place(team: Team) -> str:
    """What the team serves, inside a sentence: "thôn Giang Cao", or "xã Bát Tràng" for a commune-level team."""
    return village_label(team.village) if team.village is not None else commune_label(team.commune)


def village_head_title(village: Village | None) -> str:
    """The village head's title: "Trưởng thôn", "Tổ trưởng tổ dân phố", "Trưởng khu phố"."""
    if village is None:
        return ""
    word = VILLAGE_WORDS.get(village.kind, "thôn")
    return f"Tổ trưởng {word}" if word == "tổ dân phố" else f"Trưởng {word}"


def is_consolidation(decision: Decision) -> bool:
    """A decision that replaces an earlier one consolidates (kiện toàn) the team rather than founding it."""
    return decision.supersedes_id is not None


def subject_line(decision: Decision) -> str:
    verb = "kiện toàn" if is_consolidation(decision) else "thành lập"
    return f"Về việc {verb} {TEAM_WORDS} {team_place(decision.team)}"


def number_text(decision: Decision) -> str:
    """The number as printed: "15/QĐ-UBND", or room to write it in on a draft."""
    return nfc(decision.number) or f"{' ' * 8}{NUMBER_SUFFIX}"


def download_name(decision: Decision, extension: str = "docx", suffix: str = "") -> str:
    """An ASCII file name: "QD-15-UBND-thon-giang-cao.docx"."""
    number = _ascii(decision.number).upper()
    match = re.fullmatch(r"(\w+)/QD-?(\S*)", number.replace(" ", ""))
    if match:
        number = f"QD-{match.group(1)}" + (f"-{match.group(2)}" if match.group(2) else "")
    elif number:
        number = f"QD-{number}"
    else:
        number = "QD-du-thao"
    place = _ascii(team_place(decision.team)).lower()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", f"{number} {place} {suffix}").strip("-")
    return f"{stem[:120]}.{extension}"


def _ascii(text: str) -> str:
    text = nfc(text).replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if ord(ch) < 128)


def _duties(place: str, commune: str) -> list[str]:
    """Điều 2: the team's duties, summarising the ministry's guidance (793/BTTTT-THH)."""
    return [
        f"Điều 2.|{TEAM_WORDS} {place} có nhiệm vụ:",
        "a) Tuyên truyền, phổ biến đến từng hộ gia đình, từng người dân về chuyển đổi số, lợi ích của "
        "chuyển đổi số và các nền tảng số, dịch vụ số thiết yếu;",
        "b) Hướng dẫn, hỗ trợ người dân cài đặt và sử dụng các nền tảng số, dịch vụ số: dịch vụ công "
        "trực tuyến, ứng dụng định danh điện tử VNeID, thanh toán điện tử không dùng tiền mặt, "
        "thương mại điện tử, y tế số (sổ sức khỏe điện tử, khám chữa bệnh từ xa) và các kỹ năng số cơ bản;",
        f"c) Tiếp nhận và thực hiện các chỉ tiêu, nhiệm vụ chuyển đổi số do Ủy ban nhân dân {commune} giao;",
        f"d) Định kỳ báo cáo kết quả hoạt động về Ủy ban nhân dân {commune} (qua Phòng Văn hóa - Xã hội) "
        "và đột xuất khi được yêu cầu.",
        "Thành viên Tổ hoạt động theo chế độ kiêm nhiệm.",
    ]


def _effect(decision: Decision, place: str, commune: str) -> list[str]:
    """Điều 3: when the decision takes effect, what it replaces, and who carries it out."""
    previous = decision.supersedes
    if previous is not None:
        what = "kiện toàn" if previous.supersedes_id is not None else "thành lập"
        effect = (
            "Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số "
            f"{number_text(previous)} {vn_date(previous.issued_on)} của Chủ tịch Ủy ban nhân dân {commune} "
            f"về việc {what} {TEAM_WORDS} {place}."
        )
    else:
        effect = "Quyết định này có hiệu lực kể từ ngày ký."
    word = commune_word(decision.team.commune)
    head = village_head_title(decision.team.village)
    who = [f"Văn phòng HĐND và UBND {word}", "Trưởng phòng Văn hóa - Xã hội"]
    if head:
        who.append(f"{head} {_without_type_word(decision.team.village)}")
    return [
        f"Điều 3.|{effect}",
        f"{', '.join(who)} và các ông (bà) có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    ]


def _without_type_word(village: Village | None) -> str:
    """The village name without its type word ("Giang Cao"), since the head's title already says "thôn"."""
    if village is None:
        return ""
    label, word = village_label(village), VILLAGE_WORDS.get(village.kind, "")
    return label[len(word) :].strip() if word and label.startswith(word + " ") else label


def member_organisation(row: dict[str, Any], village: Village | None) -> str:
    """The appendix's "organisation / occupation" cell, marking the village head."""
    parts: list[str] = []
    if row.get("is_village_head"):
        parts.append(village_head_title(village) or "Trưởng thôn")
    organisation = row.get("organisation") or ""
    if organisation and organisation != Organisation.OTHER:  # "Khác" says nothing in an appendix
        parts.append(vi_label(Organisation, organisation, ""))
    occupation = nfc(row.get("occupation") or "")
    if occupation and fold(occupation) not in {fold(p) for p in parts}:
        parts.append(occupation)
    return ", ".join(parts)


def _phone(phone: str, *, masked: bool) -> str:
    return mask_phone(phone) if phone and masked else phone


# -- DOCX building blocks ---------------------------------------------------------------------------


def _fonts(run: Any, size: float, *, bold: bool = False, italic: bool = False) -> None:
    """Times New Roman for every script (Vietnamese letters fall back to eastAsia/cs in some viewers)."""
    run.font.name = FONT
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), FONT)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = BLACK


def _paragraph(
    where: Any,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    before: float = 0,
    after: float = 0,
    indent: Length | None = None,
    keep_with_next: bool = False,
) -> Paragraph:
    """Add a paragraph; in a fresh table cell the cell's own empty paragraph is used first."""
    fresh = where.paragraphs[0] if isinstance(where, _Cell) and len(where.paragraphs) == 1 else None
    paragraph = fresh if fresh is not None and fresh._p.pPr is None and not fresh.runs else where.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = 1.0
    fmt.widow_control = True
    if indent is not None:
        fmt.first_line_indent = indent
    if keep_with_next:
        fmt.keep_with_next = True
    if text:
        _fonts(paragraph.add_run(text), size, bold=bold, italic=italic)
    _mark_size(paragraph, size)
    return paragraph


def _mark_size(paragraph: Paragraph, size: float) -> None:
    """Give the paragraph mark the same font, so empty lines and line heights match the text."""
    ppr = paragraph._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(size * 2)))
    rpr.append(fonts)
    rpr.append(sz)


def _rule(where: Any, *, width_mm: float, box_mm: float, after: float = 0) -> Paragraph:
    """A short centred horizontal line under the text above it.

    It is the bottom border of an empty paragraph a few points high, indented to ``width_mm``: Word and
    LibreOffice both draw that the same way, unlike floating line shapes.
    """
    paragraph = _paragraph(where, size=1, after=after)
    fmt = paragraph.paragraph_format
    side = Mm(max((box_mm - width_mm) / 2, 0))
    fmt.left_indent = fmt.right_indent = side
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(RULE_GAP)
    _border(paragraph, ("bottom",), size=6, space=0)
    return paragraph


def _border(paragraph: Paragraph, sides: tuple[str, ...], *, size: int, space: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in sides:
        line = OxmlElement(f"w:{side}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), str(size))
        line.set(qn("w:space"), str(space))
        line.set(qn("w:color"), "000000")
        borders.append(line)
    # pBdr must come before spacing/ind/jc in CT_PPr's sequence.
    anchor = next((child for child in ppr if child.tag in _PPR_AFTER_BORDERS), None)
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


_PPR_AFTER_BORDERS = {
    qn(tag)
    for tag in (
        "w:shd",
        "w:tabs",
        "w:suppressAutoHyphens",
        "w:kinsoku",
        "w:wordWrap",
        "w:overflowPunct",
        "w:topLinePunct",
        "w:autoSpaceDE",
        "w:autoSpaceDN",
        "w:bidi",
        "w:adjustRightInd",
        "w:snapToGrid",
        "w:spacing",
        "w:ind",
        "w:contextualSpacing",
        "w:mirrorIndents",
        "w:suppressOverlap",
        "w:jc",
        "w:textDirection",
        "w:textAlignment",
        "w:textboxTightWrap",
        "w:outlineLvl",
        "w:divId",
        "w:cnfStyle",
        "w:rPr",
        "w:sectPr",
        "w:pPrChange",
    )
}


def _table(doc: Any, widths_mm: list[float], rows: int, *, grid: bool = False) -> Table:
    """A fixed-layout table with the given column widths (Word reads the cells, LibreOffice the grid)."""
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    if grid:
        table.style = doc.styles["Table Grid"]
        _cell_margins(table, mm=1.2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # also writes <w:tblLayout w:type="fixed"/>
    _tbl_property(table, "w:tblW", {"w:w": str(int(sum(widths_mm) * TWIPS_PER_MM)), "w:type": "dxa"})
    for col, mm in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(mm)
        for cell in col.cells:
            cell.width = Mm(mm)
    return table


# The order CT_TblPr requires: Word refuses a file whose table properties come in another order.
_TBL_PR_ORDER = [
    qn(f"w:{tag}")
    for tag in (
        "tblStyle",
        "tblpPr",
        "tblOverlap",
        "bidiVisual",
        "tblStyleRowBandSize",
        "tblStyleColBandSize",
        "tblW",
        "jc",
        "tblCellSpacing",
        "tblInd",
        "tblBorders",
        "shd",
        "tblLayout",
        "tblCellMar",
        "tblLook",
        "tblCaption",
        "tblDescription",
        "tblPrChange",
    )
]


def _tbl_property(table: Table, element: Any, attrs: dict[str, str] | None = None) -> None:
    """Set one table property (replacing any), in its schema position."""
    if isinstance(element, str):
        element = OxmlElement(element)
        for name, value in (attrs or {}).items():
            element.set(qn(name), value)
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(element.tag):
        tbl_pr.remove(old)
    rank = _TBL_PR_ORDER.index(element.tag)
    later = next((child for child in tbl_pr if child.tag in _TBL_PR_ORDER[rank + 1 :]), None)
    if later is not None:
        later.addprevious(element)
    else:
        tbl_pr.append(element)


def _cell_margins(table: Table, *, mm: float) -> None:
    """Narrower left and right cell padding, so short headings such as "TT" fit their column."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(int(mm * TWIPS_PER_MM)))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    _tbl_property(table, margins)


def _page_number_header(section: Any) -> None:
    """Page numbers at the top centre, size 13, not on the first page."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        run = paragraph.add_run()
        _fonts(run, 13)
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._element.append(instr)
        else:
            run.text = "2"


def _plain_defaults(doc: Any) -> None:
    """Document defaults: Times New Roman instead of the template's theme fonts, Vietnamese, no spacing."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    for rfonts in defaults.iter(qn("w:rFonts")):
        for attr in list(rfonts.attrib):
            del rfonts.attrib[attr]
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), FONT)
    for lang in defaults.iter(qn("w:lang")):
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
    for spacing in defaults.iter(qn("w:spacing")):
        spacing.set(qn("w:after"), "0")
        spacing.set(qn("w:line"), "240")


def _setup(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    _plain_defaults(doc)
    for name in ("Normal", "Header", "Footer"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(14)
        style.font.color.rgb = BLACK
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), FONT)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        rpr.append(lang)
    _page_number_header(section)


# -- the document -----------------------------------------------------------------------------------


def decision_docx(decision: Decision, *, mask_phones: bool = False) -> bytes:
    """The decision, ready to print and sign, as DOCX bytes.

    ``mask_phones`` hides the middle digits of the appendix's phones, for readers who see them masked on screen.
    """
    team = decision.team
    commune = team.commune
    place, where = team_place(team), commune_label(commune)
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title = f"Quyết định {subject_line(decision)[0].lower()}{subject_line(decision)[1:]}"
    props.author = props.last_modified_by = f"UBND {where}"
    props.language = "vi-VN"
    props.comments = ""

    if decision.status == DecisionStatus.DRAFT:
        mark = _paragraph(doc, DRAFT_MARK, size=13, bold=True, after=4)
        mark.paragraph_format.left_indent = Mm(TEXT_WIDTH_MM - 32)
        _border(mark, ("top", "left", "bottom", "right"), size=8, space=2)
    _heading(doc, decision)

    _paragraph(doc, "QUYẾT ĐỊNH", size=14, bold=True, before=18, keep_with_next=True)
    _paragraph(doc, subject_line(decision), size=14, bold=True, keep_with_next=True)
    _rule(doc, width_mm=40, box_mm=TEXT_WIDTH_MM, after=12)
    _paragraph(doc, f"CHỦ TỊCH ỦY BAN NHÂN DÂN {nfc(commune.name).upper()}", bold=True, after=12)

    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for line in [*decision.legal_bases, decision.proposer]:
        if nfc(line or ""):
            _paragraph(doc, nfc(line), italic=True, align=justify, indent=FIRST_LINE_INDENT, after=6)
    _paragraph(doc, "QUYẾT ĐỊNH:", bold=True, before=6, after=6, keep_with_next=True)

    verb = "Kiện toàn" if is_consolidation(decision) else "Thành lập"
    articles = [
        f"Điều 1.|{verb} {TEAM_WORDS} {place}, gồm các ông (bà) có tên tại Phụ lục kèm theo Quyết định này.",
        *_duties(place, where),
        *_effect(decision, place, where),
    ]
    for index, text in enumerate(articles):
        # The end of Điều 3 goes to the next page with the signature rather than leave it alone there.
        last = index >= len(articles) - 2
        paragraph = _paragraph(doc, align=justify, indent=FIRST_LINE_INDENT, after=6, keep_with_next=last)
        if "|" in text:
            label, text = text.split("|", 1)
            _fonts(paragraph.add_run(label + " "), 14, bold=True)
        _fonts(paragraph.add_run(text), 14)

    _signature(doc, decision)
    _appendix(doc, decision, mask_phones=mask_phones)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _heading(doc: Any, decision: Decision) -> None:
    """Issuing body and number on the left, national title, motto, place and date on the right."""
    commune = decision.team.commune
    left_mm, right_mm = 62.0, 108.0
    table = _table(doc, [left_mm, right_mm], rows=2)
    # Reach a little into the left margin, as the printed forms do, so the national title fits on one line.
    _tbl_property(table, "w:tblInd", {"w:w": str(int(-2.5 * TWIPS_PER_MM)), "w:type": "dxa"})
    body, nation = table.cell(0, 0), table.cell(0, 1)
    _paragraph(body, ISSUER, size=13, bold=True)
    _paragraph(body, nfc(commune.name).upper(), size=13, bold=True)
    _rule(body, width_mm=22, box_mm=left_mm - 3.8)
    _paragraph(nation, NATIONAL_TITLE, size=12, bold=True)
    _paragraph(nation, MOTTO, size=13, bold=True)
    _rule(nation, width_mm=58, box_mm=right_mm - 3.8)
    _paragraph(table.cell(1, 0), f"Số: {number_text(decision)}", size=13, before=6)
    dated = f"{commune_short_name(commune)}, {vn_date(decision.issued_on)}"
    _paragraph(table.cell(1, 1), dated, size=14, italic=True, before=6)


def _signature(doc: Any, decision: Decision) -> None:
    """Recipients on the left; the signer's title, room for the signature and seal, and name on the right."""
    table = _table(doc, [82.0, 83.0], rows=1)
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    _paragraph(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=12)
    for line in decision.recipients:
        if nfc(line):
            _paragraph(recipients, f"- {nfc(line).lstrip('-– ').strip()}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    vice = decision.signer_title == SignerTitle.VICE_CHAIRMAN
    titles = ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] if vice else ["CHỦ TỊCH"]
    for index, title in enumerate(titles):
        _paragraph(signer, title, size=14, bold=True, before=12 if index == 0 else 0)
    for _blank in range(4):
        _paragraph(signer, size=14)
    _paragraph(signer, nfc(decision.signer_name), size=14, bold=True, before=12)


def _appendix(doc: Any, decision: Decision, *, mask_phones: bool) -> None:
    """The roster the decision lists (its snapshot), on a page of its own."""
    team = decision.team
    title = _paragraph(doc, "PHỤ LỤC", bold=True)
    title.paragraph_format.page_break_before = True
    _paragraph(doc, f"DANH SÁCH THÀNH VIÊN {TEAM_WORDS.upper()} {team_place(team).upper()}", bold=True)
    number = nfc(decision.number) or f"{' ' * 6}{NUMBER_SUFFIX}"
    _paragraph(
        doc,
        f"(Kèm theo Quyết định số {number} {vn_date(decision.issued_on)} "
        f"của Chủ tịch UBND {commune_label(team.commune)})",
        italic=True,
    )
    _rule(doc, width_mm=40, box_mm=TEXT_WIDTH_MM, after=12)

    rows = list(decision.members)
    table = _table(doc, [width for _h, width, _a in APPENDIX_COLUMNS], rows=1 + len(rows), grid=True)
    header = table.rows[0]
    header_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header_pr.append(repeat)
    for cell, (heading, _width, _align) in zip(header.cells, APPENDIX_COLUMNS, strict=True):
        _paragraph(cell, heading, size=12, bold=True, before=3, after=3)
    for index, row in enumerate(rows, 1):
        values = [
            str(index),
            nfc(row.get("full_name") or ""),
            str(row.get("birth_year") or ""),
            vi_label(Gender, row.get("gender") or "", ""),
            vi_label(MemberRole, row.get("role") or "", "Thành viên"),
            member_organisation(row, team.village),
            _phone(row.get("phone") or "", masked=mask_phones),
        ]
        for cell, value, (_h, _w, align) in zip(table.rows[index].cells, values, APPENDIX_COLUMNS, strict=True):
            _paragraph(cell, value, size=12, align=align, before=3, after=3)
