"""Read the first sheet of an XLSX file, or a CSV file, into rows of text cells.

Shared by the importers; knows nothing about what the columns mean. Every problem with the file
itself raises ``FileProblem`` with a message the user can act on.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError
from cdtt.core.text import fold, nfc

MAX_COLUMNS = 30
# Blank rows do not count as data, but a sheet of a million blank rows is still refused.
MAX_SCANNED_FACTOR = 10

# -- limits against hostile files (archive bombs, giant lines, garbage encodings) -----------------------
# Each is checked while the file is read, so that a crossed limit stops the read at once instead of after
# parsing: the request or the background worker is free again within seconds.
# A CSV row or an Excel row may not have more fields than this (the templates have at most 30 columns; a few
# stray columns to the right are ignored, thousands are a hostile file).
MAX_FIELDS = 200
# No cell we import is longer than an address (255); a long note is allowed, a megabyte cell is not.
MAX_CELL_CHARS = 2000
# A CSV physical line longer than this cannot be a row of our templates (30 cells of MAX_CELL_CHARS).
MAX_LINE_CHARS = MAX_FIELDS * MAX_CELL_CHARS
# An .xlsx is a zip of XML parts; what they unpack to is bounded by the rows allowed, with a floor for the
# styles, shared strings and small sheets, and a ceiling whatever the caller allows.
INFLATED_BYTES_PER_ROW = 1024
MIN_INFLATED_BYTES = 16 * 1024 * 1024
MAX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_ZIP_MEMBERS = 500
# Wall time spent reading and parsing (not checking) one file; a household file of 200,000 rows reads in
# well under a minute.
MAX_READ_SECONDS = 90

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
_CSV_DELIMITERS = ",;\t"
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


class FileProblem(DomainError):
    """The file as a whole cannot be read (format, encoding, size, headers, row count)."""


class ReadLimits:
    """The budget of one read: inflated bytes and wall time; raises ``FileProblem`` the moment one is spent."""

    def __init__(self, *, max_rows: int, seconds: float = MAX_READ_SECONDS) -> None:
        self.max_bytes = min(MAX_INFLATED_BYTES, max(MIN_INFLATED_BYTES, max_rows * INFLATED_BYTES_PER_ROW))
        self.seconds = seconds
        self.read_bytes = 0
        self.spent = 0.0
        self._started: float | None = None

    def start(self) -> None:
        self._started = time.monotonic()

    def pause(self) -> None:
        """Stop the clock while the caller checks the row it was given (only reading is timed)."""
        if self._started is not None:
            self.spent += time.monotonic() - self._started
            self._started = None

    def check_time(self) -> None:
        running = time.monotonic() - self._started if self._started is not None else 0.0
        if self.spent + running > self.seconds:
            raise FileProblem(
                _("Reading the file took more than %(seconds)s seconds and was stopped. Split it into smaller files.")
                % {"seconds": int(self.seconds)}
            )

    def count(self, size: int) -> None:
        self.read_bytes += size
        if self.read_bytes > self.max_bytes:
            raise inflated_too_large(self.max_bytes)
        self.check_time()


def inflated_too_large(max_bytes: int) -> FileProblem:
    return FileProblem(
        _(
            "The Excel file unpacks to more than %(mb)s MB, far more than an import file holds. "
            "Check that it is the right file, or split it into smaller files."
        )
        % {"mb": max_bytes // (1024 * 1024)}
    )


def _cell_too_long(line: int) -> FileProblem:
    return FileProblem(
        _("Line %(line)s has a cell longer than %(max)s characters.") % {"line": line, "max": f"{MAX_CELL_CHARS:,}"}
    )


def _too_many_fields(line: int) -> FileProblem:
    return FileProblem(
        _("Line %(line)s has more than %(max)s columns; the template has at most %(columns)s.")
        % {"line": line, "max": MAX_FIELDS, "columns": MAX_COLUMNS}
    )


def _check_cells(line: int, values: Sequence[str]) -> None:
    if len(values) > MAX_FIELDS:
        raise _too_many_fields(line)
    if any(len(value) > MAX_CELL_CHARS for value in values):
        raise _cell_too_long(line)


class TooManyRows(FileProblem):
    """More non-blank rows than the caller allows; the caller words the message."""

    def __init__(self) -> None:
        super().__init__("too many rows")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation: the header written in the template
    help: Any
    aliases: tuple[str, ...]  # label_key() forms accepted in a file, whatever the UI language


def too_many_rows(message: str, *, max_rows: int) -> FileProblem:
    """The problem for a file over an importer's row limit; ``message`` names the rows and holds ``%(max)s``.

    Each importer keeps its own sentence ("member rows", "village rows") so the translation reads naturally.
    """
    return FileProblem(message % {"max": f"{max_rows:,}"})


def missing_columns_message(
    missing: Sequence[str], *, columns: Sequence[Column], either: tuple[str, str] | None = None
) -> str:
    """The message for header columns not found, in the order given.

    ``either`` is a (code key, name key) pair where one of the two is enough: the code key in ``missing`` is
    then shown as "“code” or “name”".
    """
    labels = {column.key: str(column.label) for column in columns}
    names = [
        _("“%(code)s” or “%(name)s”") % {"code": labels[either[0]], "name": labels[either[1]]}
        if either is not None and key == either[0]
        else f"“{labels[key]}”"
        for key in missing
    ]
    return _(
        "The header row is missing the columns %(columns)s. Download the template to see the expected columns."
    ) % {"columns": ", ".join(names)}


def label_key(value: str) -> str:
    """Normalise a header or label cell for matching: "Tên thôn (bắt buộc) *" -> "ten thon"."""
    return _NOT_WORD.sub(" ", fold(_PARENTHESES.sub(" ", value))).strip()


def cell_text(value: Any) -> str:
    """A cell as NFC text; Excel numbers that are whole come back without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return nfc(str(value))


def header_lookup(columns: Sequence[Column]) -> dict[str, str]:
    """label_key() form of every accepted header -> the column key; the template's labels included."""
    lookup: dict[str, str] = {}
    for column in columns:
        for alias in column.aliases:
            lookup[alias] = column.key
    for column in columns:  # the template's headers in the current language
        lookup.setdefault(label_key(str(column.label)), column.key)
    return lookup


def find_header(
    rows: list[tuple[int, list[str]]], *, columns: Sequence[Column], anchor: str
) -> tuple[int, dict[str, int]] | None:
    """The index of the first row naming the ``anchor`` column, and each known column's position."""
    lookup = header_lookup(columns)
    for index, (_line, cells) in enumerate(rows):
        positions: dict[str, int] = {}
        for pos, cell in enumerate(cells):
            key = lookup.get(label_key(cell))
            if key is None:
                continue
            if key in positions:
                raise FileProblem(_("The column “%(column)s” appears twice in the header row.") % {"column": cell})
            positions[key] = pos
        if anchor in positions:
            return index, positions
    return None


def check_format(*, head: bytes, filename: str) -> str:
    """ "xlsx" or "csv", decided by the file name and checked against the first bytes of the content."""
    if not head:
        raise FileProblem(_("The file is empty."))
    name = filename.lower()
    if head.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise FileProblem(_("The old Excel format (.xls) is not supported. Save the file as .xlsx and try again."))
    if name.endswith(".xlsx"):
        if not head.startswith(_ZIP_MAGIC):
            raise FileProblem(_("The file is not a valid Excel (.xlsx) file."))
        return "xlsx"
    if name.endswith(".csv"):
        if head.startswith(_ZIP_MAGIC):
            raise FileProblem(_("The file is an Excel file with a .csv name. Rename it to .xlsx and try again."))
        return "csv"
    raise FileProblem(_("Only Excel (.xlsx) and CSV (.csv) files can be imported."))


def read_rows(*, data: bytes, filename: str, max_rows: int) -> list[tuple[int, list[str]]]:
    """The non-blank rows of an .xlsx or .csv file as (line number, cells).

    The format is decided by the file name and checked against the content. More than
    ``max_rows`` non-blank rows raises ``TooManyRows``.
    """
    raw_rows: Iterable[tuple[int, list[str]]]
    limits = ReadLimits(max_rows=max_rows)
    limits.start()
    if check_format(head=data[:8], filename=filename) == "xlsx":
        raw_rows = _xlsx_rows(data, limits)
    else:
        raw_rows = _csv_rows(data, limits)
    rows: list[tuple[int, list[str]]] = []
    for scanned, (line, cells) in enumerate(raw_rows, start=1):
        if scanned > max_rows * MAX_SCANNED_FACTOR:
            raise TooManyRows()
        if any(cells):
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise TooManyRows()
    if not rows:
        raise FileProblem(_("The file is empty."))
    return rows


def _xlsx_rows(data: bytes, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    workbook = _open_workbook(io.BytesIO(data), limits)
    try:
        yield from _sheet_rows(workbook, limits)
    finally:
        workbook.close()


_BROKEN_XLSX = (
    # openpyxl surfaces a corrupt archive or sheet as any of these.
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    EOFError,
    SyntaxError,
)


def _broken() -> FileProblem:
    return FileProblem(_("The Excel file is damaged or is not a real .xlsx file."))


def check_archive(source: Any, limits: ReadLimits) -> None:
    """Refuse an archive bomb before anything is unpacked: too many parts, or parts declared to unpack to
    more than the budget. (A part that lies about its size is cut at the declared size by ``zipfile``, which
    then fails its CRC check; the sheet itself is also metered as it streams, see ``_MeteredArchive``.)"""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _broken() from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise _broken()
    if sum(member.file_size for member in members) > limits.max_bytes:
        raise inflated_too_large(limits.max_bytes)
    if isinstance(source, io.BytesIO):
        source.seek(0)


class _MeteredStream:
    """A zip member's stream that counts what it inflates and stops at the budget (bytes and time)."""

    def __init__(self, raw: Any, limits: ReadLimits) -> None:
        self._raw = raw
        self._limits = limits

    def read(self, size: int = -1) -> bytes:
        # Never hand the parser more than 1 MB at once: the budget is checked between chunks.
        data: bytes = self._raw.read(1 << 20 if size is None or size < 0 else min(size, 1 << 20))
        self._limits.count(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def __enter__(self) -> _MeteredStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._raw.close()


class _MeteredArchive:
    """The workbook's zip with every member opened through ``_MeteredStream`` (openpyxl's read-only sheets
    open their XML through ``workbook._archive`` while rows are iterated)."""

    def __init__(self, archive: zipfile.ZipFile, limits: ReadLimits) -> None:
        self._archive = archive
        self._limits = limits

    def open(self, name: Any, *args: Any, **kwargs: Any) -> _MeteredStream:
        return _MeteredStream(self._archive.open(name, *args, **kwargs), self._limits)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


def _open_workbook(source: Any, limits: ReadLimits) -> Any:
    """An .xlsx workbook opened for streaming: openpyxl's read-only mode parses a sheet as it is read,
    so memory holds the shared-strings table and one row, whatever the number of rows."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_archive(source, limits)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (*_BROKEN_XLSX, InvalidFileException):
        raise _broken() from None
    if not workbook.worksheets:
        workbook.close()
        raise FileProblem(_("The file is empty."))
    workbook._archive = _MeteredArchive(workbook._archive, limits)
    return workbook


def _sheet_rows(workbook: Any, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows from row 1 (blank rows included, so line numbers are Excel's)."""
    sheet = workbook.worksheets[0]
    try:
        for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            cells = _trim([cell_text(v) for v in values])
            _check_cells(line, cells)
            limits.check_time()
            limits.pause()
            yield line, cells
            limits.start()
    except _BROKEN_XLSX:
        raise _broken() from None


def not_utf8() -> FileProblem:
    return FileProblem(
        _(
            "The CSV file is not saved in UTF-8, so its Vietnamese letters cannot be read correctly. In Excel "
            "choose Save As → “CSV UTF-8 (Comma delimited) (*.csv)” and import that file."
        )
    )


def nul_byte() -> FileProblem:
    return FileProblem(
        _("The file contains NUL bytes: it is not a text CSV file. Save it from Excel as “CSV UTF-8” and try again.")
    )


# The non-ASCII letters Vietnamese is written with, decomposed: base letters and the marks (breve, circumflex,
# horn and the five tones). A legacy Windows-1258 file holds only these (and a few typographic signs).
_VI_BASES = set("aeiouyAEIOUYđĐ")
_VI_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"}
_VI_SIGNS = set("“”‘’–—…•₫€°·")


def looks_vietnamese(text: str) -> bool:
    """Whether every non-ASCII character is a Vietnamese letter or sign (a real Windows-1258 file), so that
    bytes of some other encoding are refused instead of decoded into garbled names."""
    for char in set(nfc(text)):
        if char.isascii():
            if unicodedata.category(char) == "Cc" and char not in "\t\r\n":
                return False
            continue
        if char in _VI_SIGNS:
            continue
        parts = unicodedata.normalize("NFD", char)
        if parts[0] not in _VI_BASES or any(mark not in _VI_MARKS for mark in parts[1:]):
            return False
    return True


def _utf16_without_bom(data: bytes) -> str | None:
    """Little-endian UTF-16 without a BOM (mostly ASCII, so every other byte is NUL), else None."""
    sample = data[:4096]
    if len(sample) < 16 or len(sample) % 2 or data.startswith(codecs.BOM_UTF8):
        return None
    if sample[1::2].count(0) * 2 < len(sample[1::2]) or sample[0::2].count(0):
        return None
    try:
        return data.decode("utf-16-le")
    except UnicodeDecodeError:
        return None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or a real Windows-1258 file; else refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode text" saved by Excel
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise not_utf8() from None
    else:
        text = _utf16_without_bom(data) or ""
    if not text:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError:
                raise not_utf8() from None
            if not looks_vietnamese(text):
                raise not_utf8() from None
    if "\x00" in text:
        raise nul_byte()
    return text


def _delimiter(text: str) -> str:
    """The separator of the first lines (Excel in Vietnamese locales often writes ";").

    Several lines are looked at because a title line above the header usually has no separator.
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()][:10]
    counts = dict.fromkeys(_CSV_DELIMITERS, 0)
    for line in lines:
        unquoted = re.sub(r'"[^"]*"', "", line)
        for sep in _CSV_DELIMITERS:
            counts[sep] = max(counts[sep], unquoted.count(sep))
    best = max(_CSV_DELIMITERS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _bounded_lines(lines: Iterable[str], limits: ReadLimits) -> Iterator[str]:
    """The physical lines of a CSV, refused at the first one too long to be a row (a 5 MB single line)."""
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise FileProblem(
                _("Line %(line)s is longer than %(max)s characters; it cannot be a row of the template.")
                % {"line": number, "max": f"{MAX_LINE_CHARS:,}"}
            )
        limits.check_time()
        yield line


def _csv_records(lines: Iterable[str], sample: str, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_bounded_lines(lines, limits), delimiter=_delimiter(sample))
    try:
        for values in reader:
            _check_cells(reader.line_num, values)
            cells = _trim([nfc(v) for v in values[:MAX_COLUMNS]])
            limits.pause()
            yield reader.line_num, cells
            limits.start()
    except csv.Error:
        raise FileProblem(_("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num}) from None


def _csv_rows(data: bytes, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    yield from _csv_records(io.StringIO(text, newline=""), text[: 1 << 16], limits)


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


# -- streaming ------------------------------------------------------------------------------------
#
# The large imports (households) read a stored file one row at a time, never the whole sheet at once:
# Excel through openpyxl's read-only (streaming) mode, CSV through the csv module line by line.


class SheetRows:
    """The rows of a stored .xlsx or .csv file as (line number, cells), read one at a time.

    ``total`` is the number of lines the file has (for progress); blank rows are yielded as empty lists
    so that line numbers match what the user sees in Excel.
    """

    def __init__(self, *, path: str, fmt: str, max_rows: int) -> None:
        self.path = path
        self.fmt = fmt
        self.total = 0
        self._workbook: Any = None
        self._encoding = ""
        self.limits = ReadLimits(max_rows=max_rows)
        if fmt == "xlsx":
            self._open_xlsx()
        else:
            self._open_csv()

    def __enter__(self) -> SheetRows:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        self.limits.start()
        return self._xlsx_iter() if self.fmt == "xlsx" else self._csv_iter()

    # -- xlsx
    def _open_xlsx(self) -> None:
        self._workbook = _open_workbook(self.path, self.limits)
        try:
            # The sheet's declared size (for progress); a sheet without one shows rows read.
            self.total = int(self._workbook.worksheets[0].max_row or 0)
        except _BROKEN_XLSX:
            self.close()
            raise _broken() from None

    def _xlsx_iter(self) -> Iterator[tuple[int, list[str]]]:
        return _sheet_rows(self._workbook, self.limits)

    # -- csv
    def _open_csv(self) -> None:
        with open(self.path, "rb") as handle:
            self._encoding = _stream_encoding(handle)
            handle.seek(0)
            self.total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b"")) + 1

    def _csv_iter(self) -> Iterator[tuple[int, list[str]]]:
        with open(self.path, encoding=self._encoding, newline="") as text:
            sample = text.read(1 << 16)
            text.seek(0)
            yield from _csv_records(text, sample, self.limits)


def _stream_encoding(handle: Any) -> str:
    """The encoding a stored CSV decodes with, checked in chunks: UTF-16 (BOM or NUL-spaced ASCII), UTF-8, a real
    Windows-1258 file; anything else (and a NUL byte in the text) is refused with what to save it as."""
    head = handle.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif _utf16_without_bom(head[: len(head) // 2 * 2]) is not None:
        candidates = ["utf-16-le"]
    else:
        candidates = ["utf-8-sig", "cp1258"]
    for encoding in candidates:
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                _check_decoded(decoder.decode(chunk), encoding)
            _check_decoded(decoder.decode(b"", final=True), encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise not_utf8()


def _check_decoded(text: str, encoding: str) -> None:
    if "\x00" in text:
        raise nul_byte()
    if encoding == "cp1258" and not looks_vietnamese(text):
        raise not_utf8()
