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

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
_CSV_DELIMITERS = ",;\t"
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


class FileProblem(DomainError):
    """The file as a whole cannot be read (format, encoding, size, headers, row count)."""


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
    raw_rows = _xlsx_rows(data) if check_format(head=data[:8], filename=filename) == "xlsx" else _csv_rows(data)
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


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    workbook = _open_workbook(io.BytesIO(data))
    try:
        yield from _sheet_rows(workbook)
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


def _open_workbook(source: Any) -> Any:
    """An .xlsx workbook opened for streaming: openpyxl's read-only mode parses a sheet as it is read,
    so memory holds the shared-strings table and one row, whatever the number of rows."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (*_BROKEN_XLSX, InvalidFileException):
        raise _broken() from None
    if not workbook.worksheets:
        workbook.close()
        raise FileProblem(_("The file is empty."))
    return workbook


def _sheet_rows(workbook: Any) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows from row 1 (blank rows included, so line numbers are Excel's)."""
    sheet = workbook.worksheets[0]
    try:
        for line, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            yield line, _trim([cell_text(v) for v in values])
    except _BROKEN_XLSX:
        raise _broken() from None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # "Unicode text" saved by Excel
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise FileProblem(
                _("The CSV file's text encoding cannot be read. Save it as “CSV UTF-8” and try again.")
            ) from None
    # Most files are UTF-8; Vietnamese Windows exports use cp1258; latin-1 never fails.
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


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


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileProblem(_("The file is not a text CSV file."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for values in reader:
            yield reader.line_num, _trim([nfc(v) for v in values[:MAX_COLUMNS]])
    except csv.Error:
        raise FileProblem(_("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num}) from None


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

    def __init__(self, *, path: str, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.total = 0
        self._workbook: Any = None
        self._encoding = ""
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
        return self._xlsx_iter() if self.fmt == "xlsx" else self._csv_iter()

    # -- xlsx
    def _open_xlsx(self) -> None:
        self._workbook = _open_workbook(self.path)
        try:
            # The sheet's declared size (for progress); a sheet without one shows rows read.
            self.total = int(self._workbook.worksheets[0].max_row or 0)
        except _BROKEN_XLSX:
            self.close()
            raise _broken() from None

    def _xlsx_iter(self) -> Iterator[tuple[int, list[str]]]:
        return _sheet_rows(self._workbook)

    # -- csv
    def _open_csv(self) -> None:
        with open(self.path, "rb") as handle:
            head = handle.read(4096)
            if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise FileProblem(_("The file is not a text CSV file."))
            handle.seek(0)
            self._encoding = _stream_encoding(handle)
            handle.seek(0)
            self.total = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b"")) + 1

    def _csv_iter(self) -> Iterator[tuple[int, list[str]]]:
        with open(self.path, encoding=self._encoding, newline="") as text:
            sample = "".join(line for _n, line in zip(range(50), text, strict=False))
            text.seek(0)
            reader = csv.reader(text, delimiter=_delimiter(sample))
            try:
                for values in reader:
                    yield reader.line_num, _trim([nfc(v) for v in values[:MAX_COLUMNS]])
            except csv.Error:
                raise FileProblem(
                    _("The CSV file is malformed near line %(line)s.") % {"line": reader.line_num}
                ) from None


def _stream_encoding(handle: Any) -> str:
    """The encoding a CSV file decodes with, read in chunks: UTF-16 (BOM), UTF-8, cp1258, else latin-1."""
    if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    for encoding in ("utf-8-sig", "cp1258"):
        handle.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"
