"""The notice of a personal-data breach to the authority, as a DOCX in the format of administrative documents
(Decree 30/2020/NĐ-CP: issuing body and national title, number, place and date, document type and subject,
body, recipients and signature), built with the project's decision-document helpers.

Document text is data: Vietnamese whatever the reader's language.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from cdtt.core.text import nfc
from cdtt.privacy import datamap
from cdtt.privacy.models import Breach
from cdtt.teams.documents import (
    FIRST_LINE_INDENT,
    ISSUER,
    MOTTO,
    NATIONAL_TITLE,
    TEXT_WIDTH_MM,
    _fonts,
    _paragraph,
    _rule,
    _setup,
    _table,
    vn_date,
)

AUTHORITY = "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an"


def _moment(value: object) -> str:
    from django.utils import timezone

    if value is None:
        return "chưa xác định"
    local = timezone.localtime(value)  # type: ignore[arg-type]
    return f"{local:%H} giờ {local:%M} phút, {vn_date(local.date())}"


def breach_notice_docx(breach: Breach) -> bytes:
    """The notice to the authority (Law 91/2025/QH15: within 72 hours of discovery)."""
    unit = breach.unit
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title = "Thông báo vi phạm quy định về bảo vệ dữ liệu cá nhân"
    props.author = f"UBND {nfc(unit.name)}"
    props.language = "vi-VN"

    left_mm, right_mm = 62.0, 108.0
    head = _table(doc, [left_mm, right_mm], rows=2)
    body, nation = head.cell(0, 0), head.cell(0, 1)
    _paragraph(body, ISSUER, size=13, bold=True)
    _paragraph(body, nfc(unit.name).upper(), size=13, bold=True)
    _rule(body, width_mm=22, box_mm=left_mm - 3.8)
    _paragraph(nation, NATIONAL_TITLE, size=12, bold=True)
    _paragraph(nation, MOTTO, size=13, bold=True)
    _rule(nation, width_mm=58, box_mm=right_mm - 3.8)
    _paragraph(head.cell(1, 0), "Số:        /TB-UBND", size=13, before=6)
    _paragraph(head.cell(1, 1), f"{nfc(unit.short_name or unit.name)}, {vn_date(None)}", size=14, italic=True, before=6)

    _paragraph(doc, "THÔNG BÁO", size=14, bold=True, before=18, keep_with_next=True)
    _paragraph(doc, "Về việc vi phạm quy định về bảo vệ dữ liệu cá nhân", size=14, bold=True, keep_with_next=True)
    _rule(doc, width_mm=40, box_mm=TEXT_WIDTH_MM, after=12)
    _paragraph(doc, f"Kính gửi: {AUTHORITY}.", size=14, after=12)

    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    names = [datamap.dataset(code).name for code in breach.datasets if code in {d.code for d in datamap.DATASETS}]
    count = "chưa xác định" if breach.subjects_count is None else f"{breach.subjects_count} người"
    sections = [
        (
            "",
            "Thực hiện Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và Nghị định số 356/2025/NĐ-CP, "
            f"Ủy ban nhân dân {nfc(unit.name)} thông báo về sự cố vi phạm quy định về bảo vệ dữ liệu cá nhân như sau:",
        ),
        ("1. Mô tả sự cố: ", f"{nfc(breach.title)}. {nfc(breach.description)}"),
        (
            "2. Thời điểm xảy ra: ",
            f"{_moment(breach.occurred_at)}; thời điểm phát hiện: {_moment(breach.discovered_at)}.",
        ),
        ("3. Loại dữ liệu cá nhân bị ảnh hưởng: ", "; ".join(names) + "."),
        ("4. Chủ thể dữ liệu bị ảnh hưởng: ", f"{count}. {nfc(breach.subjects)}".strip()),
        ("5. Hậu quả, thiệt hại có thể xảy ra: ", nfc(breach.consequences) or "đang đánh giá."),
        ("6. Biện pháp đã và sẽ thực hiện: ", nfc(breach.measures) or "đang triển khai."),
        (
            "7. Đầu mối liên hệ: ",
            ", ".join(part for part in (nfc(breach.reporter_name), nfc(breach.reporter_contact)) if part)
            or f"Văn phòng HĐND và UBND {nfc(unit.name)}.",
        ),
    ]
    for label, text in sections:
        paragraph = _paragraph(doc, align=justify, indent=FIRST_LINE_INDENT, after=6)
        if label:
            _fonts(paragraph.add_run(label), 14, bold=True)
        _fonts(paragraph.add_run(text), 14)
    _paragraph(
        doc,
        f"Ủy ban nhân dân {nfc(unit.name)} trân trọng thông báo./.",
        align=justify,
        indent=FIRST_LINE_INDENT,
        after=6,
    )

    sign = _table(doc, [82.0, 83.0], rows=1)
    recipients, signer = sign.cell(0, 0), sign.cell(0, 1)
    _paragraph(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, before=12)
    for line in ("- Như trên;", "- Chủ tịch, các PCT UBND;", "- Lưu: VT."):
        _paragraph(recipients, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(signer, "TM. ỦY BAN NHÂN DÂN", size=14, bold=True, before=12)
    _paragraph(signer, "CHỦ TỊCH", size=14, bold=True)
    for _blank in range(4):
        _paragraph(signer, size=14)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
