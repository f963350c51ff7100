"""The decision as DOCX: every part Decree 30/2020/NĐ-CP asks for, in Vietnamese, on A4 in Times New Roman."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from cdtt.geo.models import Village, VillageKind
from cdtt.teams import services
from cdtt.teams.documents import (
    FONT,
    decision_docx,
    download_name,
    village_label,
    vn_date,
)
from cdtt.teams.models import Decision, DecisionStatus, Membership
from cdtt.teams.services import MemberIn
from conftest import Tree, Users
from tests.builders import make_team

D = datetime.date
JAN_5 = D(2026, 1, 5)
APPENDIX_HEADINGS = [
    "TT",
    "Họ và tên",
    "Năm sinh",
    "Giới tính",
    "Chức danh trong Tổ",
    "Tổ chức / nghề nghiệp",
    "Số điện thoại",
]


def _four() -> list[MemberIn]:
    # Not in roster order on purpose: the decision lists the leader first, then the deputy.
    return [
        MemberIn(full_name="Lê Văn Cường", organisation="youth_union", gender="male", birth_year=2000),
        MemberIn(
            full_name="Nguyễn Văn An",
            role="leader",
            gender="male",
            birth_year=1978,
            phone="0912 345 678",
            is_village_head=True,
        ),
        MemberIn(full_name="Trần Thị Bình", role="deputy", organisation="womens_union", gender="female"),
        MemberIn(full_name="Phạm Thị Dung", organisation="other", occupation="Giáo viên", phone="0987654321"),
    ]


def _fill(users: Users, decision: Decision, *, number: str = "15/QĐ-UBND", title: str = "chairman") -> Decision:
    return services.decision_update(
        actor=users.province_officer,
        decision=decision,
        number=number,
        issued_on=JAN_5,
        signer_name="Hoàng Văn Em",
        signer_title=title,
        legal_bases=decision.legal_bases,
        proposer=decision.proposer,
        recipients=decision.recipients,
    )


def _signed(users: Users, tree: Tree, *, title: str = "chairman") -> Decision:
    team = make_team(actor=users.province_officer, village=tree.v3, members=_four(), joined_on=D(2025, 12, 20))
    decision = _fill(users, team.decisions.get(), title=title)
    return services.decision_sign(actor=users.province_officer, decision=decision)


def _superseding(users: Users, tree: Tree) -> Decision:
    """The draft a roster change starts once the first decision is signed."""
    signed = _signed(users, tree)
    leaving = Membership.objects.get(member__full_name="Lê Văn Cường")
    services.member_replace(
        actor=users.province_officer,
        membership=leaving,
        data=MemberIn(full_name="Vũ Thị Giang", organisation="youth_union", gender="female"),
        on=D(2026, 3, 1),
    )
    return Decision.objects.get(supersedes=signed)


def _open(decision: Decision, **kwargs: Any) -> Any:
    return Document(io.BytesIO(decision_docx(decision, **kwargs)))


def _paragraphs(doc: Any) -> Iterator[Any]:
    """Every paragraph: the body's, then those inside table cells."""
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def _find(doc: Any, text: str) -> Any:
    hits = [p for p in _paragraphs(doc) if p.text == text]
    assert hits, f"no paragraph reads {text!r}"
    return hits[0]


def _starting(doc: Any, prefix: str) -> Any:
    hits = [p for p in doc.paragraphs if p.text.startswith(prefix)]
    assert hits, f"no paragraph starts with {prefix!r}"
    return hits[0]


def _bold(paragraph: Any) -> bool:
    return all(run.bold for run in paragraph.runs if run.text.strip())


def _italic(paragraph: Any) -> bool:
    return all(run.italic for run in paragraph.runs if run.text.strip())


def _size(paragraph: Any) -> float:
    sizes = {run.font.size.pt for run in paragraph.runs if run.text.strip()}
    assert len(sizes) == 1, sizes
    return sizes.pop()


def _all_text(doc: Any) -> str:
    parts = [p.text for p in _paragraphs(doc)]
    for section in doc.sections:
        for header in (section.header, section.first_page_header):
            parts += [p.text for p in header.paragraphs]
    return "\n".join(parts)


# -- wording ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (D(2026, 2, 9), "ngày 09 tháng 02 năm 2026"),
        (D(2025, 12, 25), "ngày 25 tháng 12 năm 2025"),
        # Decree 30/2020: the zero goes before months 1 and 2 only.
        (D(2026, 3, 10), "ngày 10 tháng 3 năm 2026"),
        (None, "ngày ... tháng ... năm 20.."),
    ],
)
def test_dates_are_written_out_with_leading_zeros(day: datetime.date | None, expected: str) -> None:
    assert vn_date(day) == expected


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("Thôn Giang Cao", VillageKind.THON, "thôn Giang Cao"),
        ("Tổ dân phố số 1", VillageKind.TO_DAN_PHO, "tổ dân phố số 1"),
        ("Khu phố 3", VillageKind.KHU_PHO, "khu phố 3"),
        ("Bản Lác", VillageKind.BAN, "bản Lác"),
        ("Giang Cao", VillageKind.THON, "thôn Giang Cao"),
        ("THÔN ĐÔNG XUÂN", VillageKind.THON, "thôn ĐÔNG XUÂN"),
    ],
)
def test_only_the_leading_type_word_of_a_village_is_lower_cased(name: str, kind: str, expected: str) -> None:
    assert village_label(Village(name=name, kind=kind)) == expected


# -- the parts of the decision ------------------------------------------------------------------------


def test_the_heading_has_the_issuing_body_the_national_title_the_number_and_the_date(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree))
    heading = doc.tables[0]
    body, nation = heading.cell(0, 0), heading.cell(0, 1)
    assert [p.text for p in body.paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "XÃ SÓC SƠN"]
    assert [p.text for p in nation.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    for paragraph in [p for p in [*body.paragraphs, *nation.paragraphs] if p.text]:
        assert _bold(paragraph)
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _size(_find(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == 12
    assert _size(_find(doc, "Độc lập - Tự do - Hạnh phúc")) == 13
    assert 12 <= _size(_find(doc, "XÃ SÓC SƠN")) <= 13
    # A rule (a bordered empty paragraph) under the body name and under the motto.
    for cell in (body, nation):
        assert any(p._p.find(".//" + qn("w:pBdr")) is not None and not p.text for p in cell.paragraphs)
    number = heading.cell(1, 0).paragraphs[0]
    assert number.text == "Số: 15/QĐ-UBND"
    assert _size(number) == 13
    dated = heading.cell(1, 1).paragraphs[0]
    assert dated.text == "Sóc Sơn, ngày 05 tháng 01 năm 2026"
    assert _italic(dated)
    # The heading table draws no borders.
    assert heading._tbl.tblPr.find(qn("w:tblBorders")) is None
    assert heading.style is None or heading.style.name != "Table Grid"


def test_the_title_subject_and_authority_line(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree))
    title = _find(doc, "QUYẾT ĐỊNH")
    subject = _find(doc, "Về việc thành lập Tổ công nghệ số cộng đồng thôn Đông Xuân")
    authority = _find(doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ SÓC SƠN")
    for paragraph in (title, subject, authority):
        assert _bold(paragraph)
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _size(title) == _size(subject) == 14
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("QUYẾT ĐỊNH") < texts.index(subject.text) < texts.index(authority.text)


def test_the_legal_bases_and_the_proposer_are_italic_and_indented(users: Users, tree: Tree) -> None:
    decision = _signed(users, tree)
    doc = _open(decision)
    assert decision.legal_bases and all(line.startswith("Căn cứ") for line in decision.legal_bases)
    for line in [*decision.legal_bases, decision.proposer]:
        paragraph = _find(doc, line)
        assert _italic(paragraph)
        assert _size(paragraph) == 14
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert abs(paragraph.paragraph_format.first_line_indent - Cm(1.27)) < Mm(0.1)
    decides = _find(doc, "QUYẾT ĐỊNH:")
    assert _bold(decides)
    assert decides.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_the_three_articles(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree))
    article_1 = _starting(doc, "Điều 1.")
    assert article_1.runs[0].bold and article_1.runs[0].text.strip() == "Điều 1."
    assert not article_1.runs[1].bold
    assert article_1.text == (
        "Điều 1. Thành lập Tổ công nghệ số cộng đồng thôn Đông Xuân, "
        "gồm các ông (bà) có tên tại Phụ lục kèm theo Quyết định này."
    )
    article_2 = _starting(doc, "Điều 2.")
    assert article_2.runs[0].bold
    duties = _all_text(doc)
    for words in ["từng hộ gia đình", "dịch vụ công trực tuyến", "VNeID", "thanh toán", "thương mại điện tử"]:
        assert words in duties
    assert "y tế số" in duties
    assert "chỉ tiêu" in duties
    assert "Định kỳ báo cáo kết quả hoạt động về Ủy ban nhân dân xã Sóc Sơn" in duties
    assert "kiêm nhiệm" in duties
    article_3 = _starting(doc, "Điều 3.")
    assert article_3.runs[0].bold
    assert article_3.text == "Điều 3. Quyết định này có hiệu lực kể từ ngày ký."
    assert _starting(doc, "Văn phòng HĐND và UBND xã").text == (
        "Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa - Xã hội, Trưởng thôn Đông Xuân và các ông (bà) "
        "có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."
    )
    assert "thay thế" not in duties and "kiện toàn" not in duties
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("QUYẾT ĐỊNH:") < texts.index(article_1.text) < texts.index(article_2.text)
    assert texts.index(article_2.text) < texts.index(article_3.text)


def test_the_recipients_and_a_chairman_signing(users: Users, tree: Tree) -> None:
    decision = _signed(users, tree)
    doc = _open(decision)
    bottom = doc.tables[1]
    recipients, signer = bottom.cell(0, 0), bottom.cell(0, 1)
    label = recipients.paragraphs[0]
    assert label.text == "Nơi nhận:"
    assert _bold(label) and _italic(label) and _size(label) == 12
    lines = [p for p in recipients.paragraphs[1:] if p.text]
    assert [p.text for p in lines] == [f"- {line}" for line in decision.recipients]
    assert {_size(p) for p in lines} == {11}
    assert lines[-1].text.startswith("- Lưu: VT")
    signed = [p for p in signer.paragraphs if p.text]
    assert [p.text for p in signed] == ["CHỦ TỊCH", "Hoàng Văn Em"]
    assert all(_bold(p) for p in signed)
    blank = [p for p in signer.paragraphs if not p.text]
    assert len(blank) >= 3  # room for the signature and the seal
    assert "KT." not in _all_text(doc)


def test_a_vice_chairman_signs_for_the_chairman(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree, title="vice_chairman"))
    signer = doc.tables[1].cell(0, 1)
    signed = [p for p in signer.paragraphs if p.text]
    assert [p.text for p in signed] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Hoàng Văn Em"]
    assert all(_bold(p) for p in signed)


def test_the_appendix_lists_the_snapshot_leader_first_on_a_new_page(users: Users, tree: Tree) -> None:
    decision = _signed(users, tree)
    doc = _open(decision)
    appendix = _find(doc, "PHỤ LỤC")
    assert appendix.paragraph_format.page_break_before
    assert _bold(appendix) and appendix.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _bold(_find(doc, "DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG THÔN ĐÔNG XUÂN"))
    attached = _find(doc, "(Kèm theo Quyết định số 15/QĐ-UBND ngày 05 tháng 01 năm 2026 của Chủ tịch UBND xã Sóc Sơn)")
    assert _italic(attached)
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("PHỤ LỤC") > texts.index(_starting(doc, "Điều 3.").text)

    table = doc.tables[2]
    assert table.style.name == "Table Grid"  # a table with borders
    assert [cell.text for cell in table.rows[0].cells] == APPENDIX_HEADINGS
    rows = [[cell.text for cell in row.cells] for row in table.rows[1:]]
    assert rows == [
        ["1", "Nguyễn Văn An", "1978", "Nam", "Tổ trưởng", "Trưởng thôn", "0912345678"],
        ["2", "Trần Thị Bình", "", "Nữ", "Tổ phó", "Hội Liên hiệp Phụ nữ", ""],
        ["3", "Lê Văn Cường", "2000", "Nam", "Thành viên", "Đoàn Thanh niên", ""],
        ["4", "Phạm Thị Dung", "", "", "Thành viên", "Giáo viên", "0987654321"],
    ]
    assert [row[1] for row in rows] == [m["full_name"] for m in decision.members]


def test_phones_can_be_masked_for_readers_who_see_them_masked(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree), mask_phones=True)
    phones = [row.cells[6].text for row in doc.tables[2].rows[1:]]
    assert phones == ["0912***678", "", "", "0987***321"]


def test_page_a4_margins_and_page_numbers_from_page_two(users: Users, tree: Tree) -> None:
    doc = _open(_signed(users, tree))
    section = doc.sections[0]

    def close(length: Any, mm: float) -> bool:
        return abs(length - Mm(mm)) < Mm(0.1)

    assert close(section.page_width, 210) and close(section.page_height, 297)
    assert close(section.top_margin, 20) and close(section.bottom_margin, 20)
    assert close(section.left_margin, 30) and close(section.right_margin, 15)
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    number = section.header.paragraphs[0]
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" in "".join(t.text for t in number._p.iter(qn("w:instrText")))
    assert {run.font.size for run in number.runs} == {Pt(13)}


def test_everything_is_times_new_roman_in_black(users: Users, tree: Tree) -> None:
    doc = _open(_superseding(users, tree))
    normal = doc.styles["Normal"].element.rPr.rFonts
    runs = [run for p in _paragraphs(doc) for run in p.runs]
    runs += [run for p in doc.sections[0].header.paragraphs for run in p.runs]
    assert len(runs) > 50
    for rfonts in [normal, *(run._element.rPr.rFonts for run in runs)]:
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            assert rfonts.get(qn(attr)) == FONT
    assert {str(run.font.color.rgb) for run in runs} == {"000000"}
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert not [k for f in defaults.iter(qn("w:rFonts")) for k in f.attrib if "Theme" in k or "theme" in k]


def test_only_a_draft_is_marked_as_such(users: Users, tree: Tree) -> None:
    team = make_team(actor=users.province_officer, village=tree.v3, members=_four(), joined_on=D(2025, 12, 20))
    draft = team.decisions.get()
    drafted = _open(draft)
    mark = drafted.paragraphs[0]
    assert mark.text == "DỰ THẢO" and _bold(mark)
    # An empty draft leaves room for the number and the date.
    assert drafted.tables[0].cell(1, 0).paragraphs[0].text.replace(" ", "") == "Số:/QĐ-UBND"
    assert drafted.tables[0].cell(1, 1).paragraphs[0].text == "Sóc Sơn, ngày ... tháng ... năm 20.."

    _fill(users, draft)
    signed = _open(services.decision_sign(actor=users.province_officer, decision=draft))
    assert "DỰ THẢO" not in _all_text(signed)
    assert draft.status == DecisionStatus.SIGNED


def test_a_roster_change_consolidates_the_team_and_replaces_the_signed_decision(users: Users, tree: Tree) -> None:
    draft = _superseding(users, tree)
    doc = _open(draft)
    assert doc.paragraphs[0].text == "DỰ THẢO"
    assert _find(doc, "Về việc kiện toàn Tổ công nghệ số cộng đồng thôn Đông Xuân")
    assert _starting(doc, "Điều 1.").text.startswith("Điều 1. Kiện toàn Tổ công nghệ số cộng đồng thôn Đông Xuân")
    assert _starting(doc, "Điều 3.").text == (
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 15/QĐ-UBND "
        "ngày 05 tháng 01 năm 2026 của Chủ tịch Ủy ban nhân dân xã Sóc Sơn về việc thành lập "
        "Tổ công nghệ số cộng đồng thôn Đông Xuân."
    )
    names = [row.cells[1].text for row in doc.tables[2].rows[1:]]
    assert names == ["Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung", "Vũ Thị Giang"]
    assert "Lê Văn Cường" not in _all_text(doc)


def test_a_ward_and_its_residential_group_are_named_as_such(users: Users, tree: Tree) -> None:
    team = services.team_propose(
        actor=users.commune_officer,
        commune=tree.c1,
        village=tree.v1,
        members=[MemberIn(full_name="Đặng Văn Hùng", role="leader", is_village_head=True)],
    )
    doc = _open(team.decisions.get())
    assert doc.tables[0].cell(0, 0).paragraphs[1].text == "PHƯỜNG BA ĐÌNH"
    assert _find(doc, "Về việc thành lập Tổ công nghệ số cộng đồng tổ dân phố số 1")
    assert _find(doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG BA ĐÌNH")
    assert _starting(doc, "Văn phòng HĐND và UBND phường, Trưởng phòng Văn hóa - Xã hội, Tổ trưởng tổ dân phố số 1")
    assert doc.tables[2].rows[1].cells[5].text == "Tổ trưởng tổ dân phố"


def test_the_file_name_is_ascii(users: Users, tree: Tree) -> None:
    decision = _signed(users, tree)
    assert download_name(decision) == "QD-15-UBND-thon-dong-xuan.docx"
    assert download_name(decision, "pdf", suffix="ban-ky") == "QD-15-UBND-thon-dong-xuan-ban-ky.pdf"
    team = services.team_propose(
        actor=users.commune_officer, commune=tree.c1, village=tree.v1, members=[MemberIn(full_name="Ai Đó")]
    )
    assert download_name(team.decisions.get()) == "QD-du-thao-to-dan-pho-so-1.docx"
