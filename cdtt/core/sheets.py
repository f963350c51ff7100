"""The one way the platform writes spreadsheets (XLSX and CSV) that people open: text stays text.

A name typed by a member, an officer or an import ("=HYPERLINK(…)", "+84…", "@SUM(…)") must never reach a
spreadsheet as a formula: the officer who opens the file would run it (formula or CSV injection, OWASP).

- XLSX: ``Workbook`` below replaces openpyxl's. openpyxl turns any string starting with "=" into a formula
  (data type "f"); this workbook writes every such value as a string (data type "s") and marks the cells
  whose text a spreadsheet would read as a formula with Excel's quote prefix, so they stay text even when
  someone edits them. The value is kept as typed, so an exported roster can be edited and imported again.
  Write-only sheets are made safe as each row is appended; ordinary sheets are swept when saved.
- CSV: ``csv_writer`` prefixes such text with an apostrophe, as OWASP recommends for CSV (there is no cell
  type in CSV to say "text").

The platform writes no formulas of its own; a test walks every export with hostile names and fails on any
formula cell, and another fails on any module that builds a workbook with openpyxl's own class.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any, NamedTuple

import openpyxl
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.xml.functions import Element, SubElement

# What a spreadsheet reads as the start of a formula or a command: the four operators (and their full-width
# forms, which some input methods type and some spreadsheets convert), and tab / line breaks, which CSV
# readers split on before a formula character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell: Cell) -> Cell:
    """Make a cell that holds text hold it as text: never a formula, quote-prefixed if it looks like one."""
    value = cell.value
    if cell.data_type == "f" or looks_like_formula(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_cell(sheet: Any, value: Any, **style: Any) -> Cell:
    """A write-only cell with ``value`` (text kept as text) and the given style attributes
    (font, fill, alignment, border, number_format)."""
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return as_text(cell)


class Number(NamedTuple):
    """A number with a style of its own (see ``style_id``), written to a write-only sheet without a cell."""

    value: int | float
    style_id: int


def style_id(sheet: Any, **style: Any) -> int:
    """The workbook's index of a cell style (font, fill, alignment, border, number_format) for ``Number``."""
    return int(text_cell(sheet, None, **style).style_id)


class _TextWriteOnlySheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are made safe as they are appended (they cannot be swept later).

    Its rows are also written faster than openpyxl's own: a plain number (no style of its own) goes out as
    ``<c r="D6"><v>12</v></c>`` without the cell object openpyxl builds for every value, which at the
    nation's 290,000 figures was most of the time a sheet took. Every other value goes through openpyxl's
    cell writer, text as text."""

    def _write_rows(self) -> Any:
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    self._write_row(xf, row, row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def _write_row(self, xf: Any, values: Iterable[Any], row_idx: int) -> None:
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.row_dimensions.get(row_idx, {}))
        row = f"{row_idx}"
        with xf.element("row", attrs):
            for col_idx, value in enumerate(values, 1):
                if value is None:
                    continue
                if type(value) in (int, float):
                    element = Element("c", {"r": get_column_letter(col_idx) + row})
                    SubElement(element, "v").text = safe_string(value)
                    xf.write(element)
                    continue
                if type(value) is Number:
                    element = Element("c", {"r": get_column_letter(col_idx) + row, "s": f"{value.style_id}"})
                    SubElement(element, "v").text = safe_string(value.value)
                    xf.write(element)
                    continue
                cell = value if isinstance(value, Cell) else WriteOnlyCell(self, value=value)
                as_text(cell)
                cell.column, cell.row = col_idx, row_idx
                if cell._value is None and not cell.has_style:
                    continue
                write_cell(xf, self, cell, cell.has_style)

    def append(self, row: Iterable[Any]) -> None:
        safe = []
        for value in row:
            if isinstance(value, Cell):  # WriteOnlyCell makes a Cell
                safe.append(as_text(value))
            elif looks_like_formula(value):
                safe.append(text_cell(self, value))
            else:
                safe.append(value)
        super().append(safe)


class Workbook(openpyxl.Workbook):
    """openpyxl's workbook, writing text as text (see the module's docstring). Use it for every export."""

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Any:
        if not self.write_only:
            return super().create_sheet(title, index)
        sheet = _TextWriteOnlySheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def save(self, filename: Any) -> None:
        if not self.write_only:
            for sheet in self.worksheets:
                # The cells that exist (iter_rows would create the empty ones of the range).
                for cell in list(sheet._cells.values()):
                    if isinstance(cell, Cell):
                        as_text(cell)
        super().save(filename)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


class _TextCsvWriter:
    """csv.writer whose text never starts like a formula (OWASP: an apostrophe before it)."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([f"'{v}" if looks_like_formula(v) else v for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **options: Any) -> _TextCsvWriter:
    """The CSV writer every CSV export uses (quote every field so an apostrophe prefix survives)."""
    options.setdefault("quoting", csv.QUOTE_ALL)
    return _TextCsvWriter(out, **options)
