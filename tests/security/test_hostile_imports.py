"""Issue 16.2: archive bombs and hostile CSV files are refused by every import as soon as a limit is crossed,
with a Vietnamese message, nothing written, and the request or worker free within seconds."""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from cdtt.core import tabular
from cdtt.geo.models import Village
from cdtt.official.models import ApportionRule
from cdtt.transfers.models import ImportJob, ImportStatus
from conftest import Tree, Users
from tests.security.walk import upload_routes

# -- hostile files ------------------------------------------------------------------------------------------

HEADER = "Tên thôn,Loại\n"
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _xlsx(sheet_xml_chunks: Callable[[], Any], *, lie_about_size: bool = False) -> bytes:
    """A minimal real .xlsx whose first sheet's XML is streamed from ``sheet_xml_chunks`` (no <dimension>)."""
    from openpyxl import Workbook

    base = io.BytesIO()
    Workbook().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for item in src.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as sheet:
                    for chunk in sheet_xml_chunks():
                        sheet.write(chunk)
            else:
                dst.writestr(item, src.read(item.filename))
    data = out.getvalue()
    if lie_about_size:
        data = _declare_small(data, b"xl/worksheets/sheet1.xml")
    return data


def _declare_small(data: bytes, name: bytes) -> bytes:
    """Rewrite the central directory so that the member claims to unpack to 1,000 bytes (a lying bomb)."""
    buffer = bytearray(data)
    at = buffer.find(b"PK\x01\x02" + b"\x00" * 0, 0)
    while at != -1:
        name_len = struct.unpack_from("<H", buffer, at + 28)[0]
        if bytes(buffer[at + 46 : at + 46 + name_len]) == name:
            extra_len = struct.unpack_from("<H", buffer, at + 30)[0]
            extra = at + 46 + name_len
            # zip64: the real sizes live in the extra field (uncompressed first); make it small too.
            if struct.unpack_from("<I", buffer, at + 24)[0] == 0xFFFFFFFF and extra_len >= 12:
                struct.pack_into("<Q", buffer, extra + 4, 1000)
            else:
                struct.pack_into("<I", buffer, at + 24, 1000)
        at = buffer.find(b"PK\x01\x02", at + 4)
    return bytes(buffer)


def _bomb_chunks(inflated: int) -> Callable[[], Any]:
    row = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(20))
    one = f"<row>{row}</row>".encode()

    def chunks() -> Any:
        yield SHEET_HEAD.encode()
        block = one * ((1 << 20) // len(one) + 1)
        for _n in range(inflated // len(block) + 1):
            yield block
        yield SHEET_TAIL.encode()

    return chunks


def _long_cell_chunks() -> Any:
    yield (SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><t>Tên thôn</t></is></c></row>').encode()
    yield ('<row r="2"><c r="A2" t="inlineStr"><is><t>' + "A" * 1_000_000 + "</t></is></c></row>").encode()
    yield SHEET_TAIL.encode()


BOMB_INFLATED = tabular.MAX_INFLATED_BYTES + (8 << 20)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _xlsx(_bomb_chunks(BOMB_INFLATED))


@pytest.fixture(scope="module")
def lying_bomb() -> bytes:
    return _xlsx(_bomb_chunks(64 << 20), lie_about_size=True)


def _text(msgid: str) -> str:
    """The longest literal part of a translated message (the rest is filled with numbers)."""
    return max(re.split(r"%\(\w+\)s", _(msgid)), key=len).strip()


INFLATED = (
    "The Excel file unpacks to more than %(mb)s MB, far more than an import file holds. "
    "Check that it is the right file, or split it into smaller files."
)
DAMAGED = "The Excel file is damaged or is not a real .xlsx file."
CELL = "Line %(line)s has a cell longer than %(max)s characters."
LINE = "Line %(line)s is longer than %(max)s characters; it cannot be a row of the template."
FIELDS = "Line %(line)s has more than %(max)s columns; the template has at most %(columns)s."
NUL = "The file contains NUL bytes: it is not a text CSV file. Save it from Excel as “CSV UTF-8” and try again."
NOT_UTF8 = (
    "The CSV file is not saved in UTF-8, so its Vietnamese letters cannot be read correctly. In Excel "
    "choose Save As → “CSV UTF-8 (Comma delimited) (*.csv)” and import that file."
)

# (id, file name, content maker, the messages any one of which is the right refusal)
HOSTILE: list[tuple[str, str, Callable[[Any], bytes], tuple[str, ...]]] = [
    ("xlsx bomb", "bom.xlsx", lambda f: f["bomb"], (INFLATED,)),
    ("xlsx bomb lying about its size", "bom.xlsx", lambda f: f["lying_bomb"], (INFLATED, DAMAGED)),
    ("xlsx megabyte cell", "o.xlsx", lambda f: _xlsx(_long_cell_chunks), (CELL,)),
    ("csv 5 MB single line", "dai.csv", lambda f: (HEADER + "x," * 2_400_000).encode(), (LINE,)),
    ("csv megabyte cell", "o.csv", lambda f: (HEADER + "A" * 100_000 + ",Thôn\n").encode(), (CELL,)),
    ("csv thousands of columns", "cot.csv", lambda f: (HEADER + "a," * 5000 + "\n").encode(), (FIELDS,)),
    ("csv NUL byte", "nul.csv", lambda f: (HEADER + "Thôn\x00 Mới,Thôn\n").encode(), (NUL,)),
    ("csv invalid UTF-8", "sai.csv", lambda f: HEADER.encode() + b"\xff\xfe\xc3(Nguyen,Th\xf4n\n", (NOT_UTF8,)),
    (
        "csv Latin-1 not Vietnamese",
        "l1.csv",
        lambda f: "Ten thon,Loai\nMüller Straße,Thon\n".encode("latin-1"),
        (NOT_UTF8,),
    ),
]

# -- every import endpoint ----------------------------------------------------------------------------------


# url name -> (who uploads, the URL's argument)
IMPORTS: dict[str, tuple[str, Callable[[pytest.FixtureRequest, Tree], int]]] = {
    "transfers:village_import": ("commune_officer", lambda r, t: t.c1.pk),
    "transfers:team_import": ("commune_officer", lambda r, t: t.c1.pk),
    "transfers:household_import": ("commune_officer", lambda r, t: t.c1.pk),
    "targets:sheet": ("province_officer", lambda r, t: t.p1.pk),
    "training:attendance_import": ("province_officer", lambda r, t: r.getfixturevalue("world").s1.pk),
    "official:import": ("province_officer", lambda r, t: t.p1.pk),
    "official:legacy_import": ("province_officer", lambda r, t: t.p1.pk),
}
# What an import's upload form asks for besides the file.
FORM_FIELDS: dict[str, dict[str, str]] = {"official:legacy_import": {"rule": ApportionRule.DEFAULT}}
# The other upload pages take files that are kept, not read as tables (issue 16.7, test_uploaded_files).
KEPT_FILES = {
    "teams:decision_scan_upload",
    "training:material_new",
    "training:material_edit",
    "practices:create",
    "practices:edit",
    "difficulties:new",
}


def test_every_upload_page_is_an_import_here_or_a_kept_file() -> None:
    assert set(upload_routes()) == set(IMPORTS) | KEPT_FILES


@pytest.fixture
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("endpoint", IMPORTS)
@pytest.mark.parametrize(("label", "name", "make", "messages"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_file_is_refused_quickly_with_a_message_and_nothing_written(
    request: pytest.FixtureRequest,
    signed_in: Callable[..., Client],
    tree: Tree,
    users: Users,
    _media: None,
    bomb: bytes,
    lying_bomb: bytes,
    settings: Any,
    endpoint: str,
    label: str,
    name: str,
    make: Callable[[Any], bytes],
    messages: tuple[str, ...],
) -> None:
    settings.UPLOAD_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8 << 20
    data = make({"bomb": bomb, "lying_bomb": lying_bomb})
    who, arg = IMPORTS[endpoint]
    client = signed_in(who)
    url = reverse(endpoint, args=[arg(request, tree)])
    villages = Village.objects.count()
    started = time.monotonic()
    response = client.post(url, {"file": SimpleUploadedFile(name, data), **FORM_FIELDS.get(endpoint, {})}, follow=True)
    elapsed = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code in {200, 400}
    if endpoint == "targets:sheet" and len(data) > 1 << 20:
        assert escape(_("The file is larger than 1 MB; a target sheet is much smaller.")) in page
    else:
        assert any(escape(_text(message)) in page for message in messages), (label, endpoint)
    assert elapsed < 15, f"{label} on {endpoint} held the request {elapsed:.1f} s"
    assert Village.objects.count() == villages
    assert not ImportJob.objects.exclude(status=ImportStatus.FAILED).exclude(row_count=0).exists()


# -- the reader itself: limits stop the read as soon as they are crossed -----------------------------------


def test_a_bomb_is_refused_before_anything_is_unpacked(bomb: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(tabular.FileProblem) as refused:
        tabular.read_rows(data=bomb, filename="bom.xlsx", max_rows=200_000)
    assert time.monotonic() - started < 2
    assert _text(INFLATED) in refused.value.message


def test_a_lying_bomb_is_cut_at_the_budget_while_it_streams(lying_bomb: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(tabular.FileProblem):
        tabular.read_rows(data=lying_bomb, filename="bom.xlsx", max_rows=1000)
    assert time.monotonic() - started < 10


def test_a_sheet_that_declares_small_but_streams_big_is_metered() -> None:
    # Sizes in the directory are honest but small per part: the stream meter stops at the budget anyway.
    limits = tabular.ReadLimits(max_rows=100_000)
    data = _xlsx(_bomb_chunks(4 << 20))
    workbook = tabular._open_workbook(io.BytesIO(data), limits)  # passes the directory check
    limits.max_bytes = 1 << 20  # then the sheet streams through a 1 MB budget
    try:
        with pytest.raises(tabular.FileProblem) as refused:
            for _row in tabular._sheet_rows(workbook, limits):
                pass
    finally:
        workbook.close()
    assert _text(INFLATED) in refused.value.message


def test_the_wall_time_budget_stops_the_read() -> None:
    limits = tabular.ReadLimits(max_rows=1000, seconds=0.0)
    limits.start()
    time.sleep(0.01)
    with pytest.raises(tabular.FileProblem, match=r"giây|seconds"):
        list(tabular._csv_rows((HEADER + "Thôn A,Thôn\n").encode(), limits))


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", (HEADER + "Xóm Chợ,Xóm\n").encode()),
        ("utf-8 with BOM", (HEADER + "Xóm Chợ,Xóm\n").encode("utf-8-sig")),
        ("utf-16 with BOM", (HEADER + "Xóm Chợ,Xóm\n").encode("utf-16")),
        ("utf-16 without BOM", (HEADER + "Xóm Chợ,Xóm\n").encode("utf-16-le")),
        ("windows-1258", ("Ten thon,Loai\nXóm Chơ\u0323,Xóm\n").encode("cp1258")),
    ],
)
def test_real_vietnamese_files_in_every_encoding_excel_writes_are_read(encoding: str, data: bytes) -> None:
    rows = tabular.read_rows(data=data, filename="thon.csv", max_rows=10)
    assert rows[1][1] == ["Xóm Chợ", "Xóm"], encoding
