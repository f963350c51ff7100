"""Village import: map the header row, then check each row against the user's communes.

``parse`` turns a file into row dicts (raw cells only) or raises ``FileProblem``; ``validate``
resolves each row's commune, type and name and attaches error messages. ``validate`` runs at upload
and again when the officer confirms, so the stored raw cells are what it reads.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.core.tabular import (
    Column,
    FileProblem,
    TooManyRows,
    find_header,
    label_key,
    missing_columns_message,
    read_rows,
    too_many_rows,
)
from cdtt.core.text import fold, nfc
from cdtt.geo import resolver
from cdtt.geo.models import REFORM_DATE, AdminUnit, VillageKind
from cdtt.transfers import selectors
from cdtt.transfers.importers import dates

MAX_ROWS = 5000
MAX_NAME = 200
MAX_CODE = 32
# A title or a note may sit above the header row.
HEADER_SEARCH_ROWS = 10
COMMUNE_CODE_WIDTH = 5  # official commune codes are five digits; Excel drops the leading zeros

COMMUNE_CODE, COMMUNE_NAME, NAME, KIND, CODE = "commune_code", "commune_name", "name", "kind", "code"


COLUMNS = (
    Column(
        COMMUNE_CODE,
        gettext_lazy("Commune code"),
        gettext_lazy("The official five-digit code of the commune, ward or special zone."),
        (
            "ma xa",
            "ma xa phuong",
            "ma phuong",
            "ma phuong xa",
            "ma xa phuong dac khu",
            "ma don vi",
            "ma dvhc",
            "ma don vi hanh chinh",
            "commune code",
        ),
    ),
    Column(
        COMMUNE_NAME,
        gettext_lazy("Commune name"),
        gettext_lazy("Used when the code is empty; if both are given they must match."),
        (
            "ten xa",
            "xa",
            "ten xa phuong",
            "xa phuong",
            "ten phuong",
            "phuong",
            "ten xa phuong dac khu",
            "xa phuong dac khu",
            "ten don vi",
            "commune",
            "commune name",
        ),
    ),
    Column(
        NAME,
        gettext_lazy("Village name"),
        gettext_lazy("Required. Must not repeat a village of the same commune."),
        (
            "ten thon",
            "thon",
            "ten thon to dan pho",
            "thon to dan pho",
            "ten thon ban",
            "thon ban",
            "ten thon ban to dan pho",
            "ten ban",
            "ten ap",
            "ten to dan pho",
            "ten khu pho",
            "ten thon xom",
            "ten",
            "village",
            "village name",
        ),
    ),
    Column(
        KIND,
        gettext_lazy("Type"),
        gettext_lazy("Required: one of the village types listed below."),
        ("loai", "loai thon", "kieu", "phan loai", "loai hinh", "loai thon to dan pho", "type", "village type", "kind"),
    ),
    Column(
        CODE,
        gettext_lazy("Village code"),
        gettext_lazy("Optional, at most 32 characters."),
        ("ma thon", "ma", "ma so", "ma thon to dan pho", "village code", "code"),
    ),
)

_KIND_ALIASES = {
    "tdp": VillageKind.TO_DAN_PHO,
    "to": VillageKind.TO_DAN_PHO,
    "kp": VillageKind.KHU_PHO,
    "khac": VillageKind.OTHER,
}
_DIGITS = re.compile(r"^\d+$")


# -- parsing ------------------------------------------------------------------------------------


def parse(*, data: bytes, filename: str, commune_optional: bool) -> list[dict[str, Any]]:
    """The data rows of a village file as dicts of raw cells; ``FileProblem`` for a bad file."""
    try:
        rows = read_rows(data=data, filename=filename, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS)
    except TooManyRows:
        raise _too_many() from None
    index, positions = find_header(rows[:HEADER_SEARCH_ROWS], columns=COLUMNS, anchor=NAME) or (0, {})
    missing = [key for key in (NAME, KIND) if key not in positions]
    if not commune_optional and COMMUNE_CODE not in positions and COMMUNE_NAME not in positions:
        missing.insert(0, COMMUNE_CODE)
    if missing:
        raise FileProblem(_missing_columns_message(missing))
    data_rows = rows[index + 1 :]
    if not data_rows:
        raise FileProblem(_("The file has a header row but no village rows."))
    if len(data_rows) > MAX_ROWS:
        raise _too_many()
    other_dates = dates.other_date_columns(rows[index][1], positions)
    parsed = []
    for line, cells in data_rows:
        values = {key: (cells[pos] if pos < len(cells) else "") for key, pos in positions.items()}
        known = {column.key: values.get(column.key, "") for column in COLUMNS}
        parsed.append({"line": line, **known, **dates.other_date_cells(cells, other_dates)})
    return parsed


def _too_many() -> FileProblem:
    return too_many_rows(
        _("The file has more than %(max)s village rows. Split it into smaller files."), max_rows=MAX_ROWS
    )


def _missing_columns_message(missing: list[str]) -> str:
    return missing_columns_message(missing, columns=COLUMNS, either=(COMMUNE_CODE, COMMUNE_NAME))


# -- kinds ---------------------------------------------------------------------------------------


def kind_lookup() -> dict[str, str]:
    """label_key() form of every accepted way to write a village type -> the stored value."""
    lookup: dict[str, str] = {}
    for value, label in VillageKind.choices:
        lookup[label_key(value)] = value
        lookup[label_key(str(label))] = value
    for alias, value in _KIND_ALIASES.items():
        lookup.setdefault(alias, value)
    return lookup


# -- validation ----------------------------------------------------------------------------------


@dataclass
class Checked:
    rows: list[dict[str, Any]]
    communes: dict[int, AdminUnit] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


class Communes:
    """Resolve a row's commune code or name among the current communes under the import's unit."""

    def __init__(
        self, *, user: Any, unit: AdminUnit, rows: list[dict[str, Any]], perm: Perm = Perm.MANAGE_VILLAGES
    ) -> None:
        self.unit = unit
        communes = selectors.import_communes(user=user, unit=unit, perm=perm)
        self.by_id = {c.pk: c for c in communes}
        self.by_code = {c.code: c for c in communes}
        self.by_name: dict[str, list[AdminUnit]] = defaultdict(list)
        self.by_short_name: dict[str, list[AdminUnit]] = defaultdict(list)
        for commune in communes:
            self.by_name[commune.name_folded].append(commune)
            self.by_short_name[fold(commune.short_name)].append(commune)
        unknown_codes = {normalize_commune_code(row[COMMUNE_CODE]) for row in rows} - set(self.by_code) - {""}
        unknown_names = {fold(row[COMMUNE_NAME]) for row in rows} - set(self.by_name) - set(self.by_short_name) - {""}
        legacy = selectors.import_legacy_units(
            user=user, unit=unit, codes=unknown_codes, folded_names=unknown_names, perm=perm
        )
        self.legacy_codes = {u.code for u in legacy}
        self.legacy_names = {u.name_folded for u in legacy}
        # Old communes the conversion data knows (names, aliases, codes), through the one resolver.
        self.old_by_code = resolver.old_communes(unknown_codes, retired_only=True)
        self.old_by_name = {
            fold(row[COMMUNE_NAME]): resolver.old_communes_named(
                resolver.typed_names(nfc(row[COMMUNE_NAME])), spelled=nfc(row[COMMUNE_NAME])
            )
            for row in rows
            if fold(row[COMMUNE_NAME]) in unknown_names
        }

    def resolve(self, raw_code: str, raw_name: str) -> tuple[AdminUnit | None, str | None]:
        code, name = normalize_commune_code(raw_code), nfc(raw_name)
        if not code and not name:
            if self.unit.is_commune:
                return self.unit, None
            return None, _("Enter the commune code or name.")
        if code:
            commune = self.by_code.get(code)
            if commune is None and code in self.old_by_code:
                return self._today(raw_code, [self.old_by_code[code]])
            if commune is None:
                if code in self.legacy_codes:
                    return None, _no_longer_current(raw_code)
                return None, _("No commune with code “%(code)s” was found.") % {"code": raw_code}
            if name and fold(name) not in (commune.name_folded, fold(commune.short_name)):
                return None, _("The commune code “%(code)s” does not match the name “%(name)s”.") % {
                    "code": raw_code,
                    "name": name,
                }
            return commune, None
        folded = fold(name)
        matches = self.by_name.get(folded) or self.by_short_name.get(folded) or []
        if len(matches) > 1:
            return None, _("More than one commune is named “%(name)s”; enter the commune code.") % {"name": name}
        if not matches and self.old_by_name.get(folded):
            return self._today(name, self.old_by_name[folded])
        if not matches:
            if folded in self.legacy_names:
                return None, _no_longer_current(name)
            return None, _("No commune named “%(name)s” was found.") % {"name": name}
        return matches[0], None

    def _today(self, value: str, olds: list[resolver.OldCommune]) -> tuple[AdminUnit | None, str | None]:
        """An old commune's successor under this import: taken when there is one, else a message naming them."""
        targets = {s.pk: s for old in olds for s, _default in old.successors}
        here = [self.by_id[pk] for pk in targets if pk in self.by_id]
        if len(here) == 1 and len(targets) == 1:
            return here[0], None
        names = ", ".join(sorted(unit.name for unit in targets.values()))
        if len(targets) > 1:
            return None, _(
                "The commune “%(value)s” existed before %(date)s and is now divided between %(names)s; "
                "enter the current commune."
            ) % {"value": value, "date": REFORM_DATE.strftime("%d/%m/%Y"), "names": names}
        return None, _(
            "The commune “%(value)s” existed before %(date)s and is now part of %(names)s, which is not among "
            "the communes of this import."
        ) % {"value": value, "date": REFORM_DATE.strftime("%d/%m/%Y"), "names": names or "—"}


def _no_longer_current(value: str) -> str:
    return _("The commune “%(value)s” no longer exists since %(date)s; use the current commune.") % {
        "value": value,
        "date": REFORM_DATE.strftime("%d/%m/%Y"),
    }


def normalize_commune_code(value: str) -> str:
    code = nfc(value).lstrip("'")
    if _DIGITS.match(code) and len(code) < COMMUNE_CODE_WIDTH:
        code = code.zfill(COMMUNE_CODE_WIDTH)
    return code


def validate(*, user: Any, unit: AdminUnit, rows: list[dict[str, Any]]) -> Checked:
    """Check every row; return the rows with resolved values and their error messages."""
    communes = Communes(user=user, unit=unit, rows=rows)
    kinds = kind_lookup()
    kind_labels = dict(VillageKind.choices)
    checked: list[dict[str, Any]] = []
    for raw in rows:
        errors: list[str] = []
        dates.check_other_dates(raw, errors)
        commune, problem = communes.resolve(raw.get(COMMUNE_CODE, ""), raw.get(COMMUNE_NAME, ""))
        if problem:
            errors.append(problem)
        name = nfc(raw.get(NAME, ""))
        if not name:
            errors.append(_("Enter the village name."))
        elif len(name) > MAX_NAME:
            errors.append(_("The village name is too long (at most 200 characters)."))
        raw_kind = nfc(raw.get(KIND, ""))
        kind = kinds.get(label_key(raw_kind), "") if raw_kind else ""
        if not raw_kind:
            errors.append(_("Enter the village type."))
        elif not kind:
            errors.append(_("Unknown village type “%(kind)s”.") % {"kind": raw_kind})
        code = nfc(raw.get(CODE, ""))
        if len(code) > MAX_CODE:
            errors.append(_("The village code is too long (at most 32 characters)."))
        checked.append(
            {
                "line": raw["line"],
                **{key: text for key, text in raw.items() if key.startswith(dates.OTHER_DATE)},
                COMMUNE_CODE: raw.get(COMMUNE_CODE, ""),
                COMMUNE_NAME: raw.get(COMMUNE_NAME, ""),
                NAME: name,
                KIND: raw_kind,
                CODE: code,
                "commune_id": commune.pk if commune else None,
                "commune_label": commune.name if commune else "",
                "kind_value": kind,
                "kind_label": str(kind_labels[kind]) if kind else "",
                "errors": errors,
            }
        )
    _check_duplicates(user=user, rows=checked)
    return Checked(rows=checked, communes=dict(communes.by_id))


def _check_duplicates(*, user: Any, rows: list[dict[str, Any]]) -> None:
    """Flag a name already used in its commune, and a name repeated in the file (diacritics ignored)."""
    taken = selectors.village_names_taken(
        user=user, commune_ids={row["commune_id"] for row in rows if row["commune_id"]}
    )
    first_line: dict[tuple[int, str], int] = {}
    for row in rows:
        if not row["commune_id"] or not row[NAME]:
            continue
        key = (row["commune_id"], fold(row[NAME]))
        if key in taken:
            row["errors"].append(_("The commune already has a village named “%(name)s”.") % {"name": taken[key]})
        if key in first_line:
            row["errors"].append(_("The same village name is already in row %(line)s.") % {"line": first_line[key]})
        else:
            first_line[key] = row["line"]


# -- template ------------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    """An empty village sheet with the expected headers, and a second sheet listing the types."""
    from openpyxl.styles import Font

    from cdtt.core.sheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Villages")[:31]
    sheet.append([str(column.label) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (14, 28, 32, 16, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    kinds = workbook.create_sheet(_("Village types")[:31])
    kinds.append([_("Type")])
    kinds["A1"].font = Font(bold=True)
    kinds.column_dimensions["A"].width = 24
    for _value, label in VillageKind.choices:
        kinds.append([str(label)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
