"""Target sheets as XLSX: rows are a unit's children (communes of a province, villages of a commune), columns
are indicators. The export can be filled in and read back; reading checks every cell first and
writes nothing unless all of them are right.

Headers and unit names are document data for Vietnamese officers, so they are Vietnamese literals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from cdtt.catalog.models import Indicator
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.sheets import Workbook
from cdtt.core.tabular import FileProblem, read_rows
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, Village
from cdtt.targets import services
from cdtt.targets.models import Period

if TYPE_CHECKING:
    from cdtt.accounts.models import User

CODE_HEADER = "Mã"
NAME_HEADER = "Đơn vị"
_CODE_IN_HEADER = re.compile(r"\[([a-z0-9_-]+)\]\s*$")
MAX_ROWS = 500


def indicators_for(unit: AdminUnit, period: Period) -> list[Indicator]:
    year = period.start.year
    found = Indicator.objects.filter(is_active=True).select_related("owner").order_by("order", "code")
    return [i for i in found if i.valid_in(year) and (i.owner is None or unit.path.startswith(i.owner.path))]


def _row_code(child: AdminUnit | Village) -> str:
    return child.code if isinstance(child, AdminUnit) else f"T{child.pk}"


def write_sheet(unit: AdminUnit, period: Period, *, out: IO[bytes]) -> int:
    """The unit's children with their current targets; the number of rows."""
    children = services.children_of(unit)
    indicators = indicators_for(unit, period)
    given = services.children_targets(children, period, indicators)
    workbook = Workbook(write_only=True)
    sheet: Any = workbook.create_sheet("Chỉ tiêu")
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 28
    for index in range(len(indicators)):
        sheet.column_dimensions[get_column_letter(index + 3)].width = 22
    sheet.freeze_panes = "C3"
    title = WriteOnlyCell(sheet, f"Chỉ tiêu {period.name} - {unit.name}")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    headers = [CODE_HEADER, NAME_HEADER, *[f"{i.name} [{i.code}]" for i in indicators]]
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header_cells.append(cell)
    sheet.append(header_cells)
    for child in children:
        values = [given.get((i.pk, child.pk)) for i in indicators]
        sheet.append([_row_code(child), child.name, *[float(v) if v is not None else None for v in values]])
    workbook.save(out)
    return len(children)


@dataclass
class Change:
    line: int
    child: AdminUnit | Village
    indicator: Indicator
    before: Decimal | None
    after: Decimal


@dataclass
class Reading:
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0


def read_sheet(data: bytes, filename: str, *, unit: AdminUnit, period: Period) -> Reading:
    """Every cell checked; a file problem raises FileProblem, cell problems are listed with their place."""
    rows = read_rows(data=data, filename=filename, max_rows=MAX_ROWS)
    header_at = next(
        (n for n, (_line, cells) in enumerate(rows) if cells and fold(cells[0]) == fold(CODE_HEADER)), None
    )
    if header_at is None:
        raise FileProblem(_("No header row starting with “Mã” was found: use the exported sheet."))
    _line, header = rows[header_at]
    usable = {i.code: i for i in indicators_for(unit, period)}
    by_name = {fold(i.name): i for i in usable.values()}
    columns: dict[int, Indicator] = {}
    reading = Reading()
    for position, text in enumerate(header[2:], start=2):
        if not text.strip():
            continue
        match = _CODE_IN_HEADER.search(text.strip())
        indicator = usable.get(match.group(1)) if match else by_name.get(fold(text))
        if indicator is None:
            reading.errors.append(
                _("Column “%(header)s”: not an indicator in use in %(year)s.")
                % {"header": text, "year": period.start.year}
            )
            continue
        columns[position] = indicator
    children = services.children_of(unit)
    by_code = {_row_code(c).lower(): c for c in children}
    by_child_name = {fold(c.name): c for c in children}
    current = services.children_targets(children, period, list(columns.values()))
    for line, cells in rows[header_at + 1 :]:
        code = cells[0].strip() if cells else ""
        name = cells[1].strip() if len(cells) > 1 else ""
        child = by_code.get(code.lower()) or by_child_name.get(fold(name))
        if child is None:
            reading.errors.append(
                _("Row %(line)s: “%(name)s” is not a unit under %(unit)s.")
                % {"line": line, "name": name or code, "unit": unit.name}
            )
            continue
        for position, indicator in columns.items():
            raw = cells[position] if position < len(cells) else ""
            if not raw.strip():
                continue
            try:
                value = services.parse_value(raw, indicator=indicator)
            except DomainError as exc:
                reading.errors.append(
                    _("Row %(line)s, %(indicator)s: %(message)s")
                    % {"line": line, "indicator": indicator.code, "message": exc.message}
                )
                continue
            before = current.get((indicator.pk, child.pk))
            if before == value:
                reading.unchanged += 1
            else:
                reading.changes.append(Change(line, child, indicator, before, value))
    return reading


def apply_sheet(*, actor: User, reading: Reading, period: Period, request: Any = None) -> int:
    """Write every change of a checked sheet in one transaction, or none (a refused cell stops all)."""
    if reading.errors:
        raise DomainError(_("The sheet has errors; nothing was written."))
    with transaction.atomic():
        told: services.TargetNotices | None = None
        for change in reading.changes:
            if told is None:  # the unit whose sheet it is assigns: its children are told once, at the end
                parent = change.child.commune if isinstance(change.child, Village) else change.child.parent
                told = services.TargetNotices(actor=actor, period=period, by=parent)
            try:
                services.target_set(
                    actor=actor,
                    subject=change.child,
                    indicator=change.indicator,
                    period=period,
                    value=change.after,
                    request=request,
                    notices=told,
                )
            except (Forbidden, NotFound, DomainError) as exc:
                raise DomainError(
                    _("Row %(line)s, %(indicator)s: %(message)s Nothing was written.")
                    % {"line": change.line, "indicator": change.indicator.code, "message": exc.message}
                ) from None
        if told is not None:
            told.send()
    return len(reading.changes)
