"""The two figure files: official figures per commune, and periodic figures kept under the old units.

Both are read by the importers' shared reader (``core.tabular``: the same limits against
hostile files), map their header by the same aliases machinery, and are checked row by row: ``parse``
keeps the raw cells, ``validate`` resolves them (at upload and again at confirmation) and attaches
Vietnamese messages. Communes of today resolve through the village import's ``Communes`` (codes, names,
old names through ``cdtt.geo.resolver``); old communes through ``cdtt.geo.resolver`` as the household
import reads an old address ("commune, district, province"), aliases and merged communes included.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.catalog.models import Indicator
from cdtt.core.tabular import Column, FileProblem, TooManyRows, find_header, label_key, read_rows
from cdtt.core.text import fold, nfc
from cdtt.geo import resolver
from cdtt.geo.models import REFORM_DATE, AdminUnit
from cdtt.official import periods
from cdtt.official.models import ApportionRule, FigureKind
from cdtt.transfers.importers.villages import COMMUNE_CODE, COMMUNE_NAME, Communes

MAX_ROWS = 20000
HEADER_SEARCH_ROWS = 10
MAX_VALUE = 10**12
MAX_SOURCE = 200

FIGURE, PERIOD, VALUE, SOURCE = "figure", "period", "value", "source"
OLD_PROVINCE, OLD_DISTRICT, OLD_COMMUNE, OLD_CODE, INDICATOR = (
    "old_province",
    "old_district",
    "old_commune",
    "old_code",
    "indicator",
)

_PERIOD_COLUMN = Column(
    PERIOD,
    gettext_lazy("Period"),
    gettext_lazy("Required: a year (2025) or a month (06/2025)."),
    ("ky", "ky bao cao", "thoi ky", "thoi gian", "nam", "thang", "period"),
)
_VALUE_COLUMN = Column(
    VALUE,
    gettext_lazy("Value"),
    gettext_lazy("Required: a whole number, 0 or more (1.234 or 1234)."),
    ("gia tri", "so lieu", "so luong", "ket qua", "value"),
)

OFFICIAL_COLUMNS = (
    Column(
        COMMUNE_CODE,
        gettext_lazy("Commune code"),
        gettext_lazy("The official five-digit code of the commune, ward or special zone."),
        ("ma xa", "ma xa phuong", "ma phuong", "ma don vi", "ma dvhc", "commune code"),
    ),
    Column(
        COMMUNE_NAME,
        gettext_lazy("Commune name"),
        gettext_lazy("Used when the code is empty; if both are given they must match."),
        ("ten xa", "xa", "ten xa phuong", "xa phuong", "phuong", "ten don vi", "commune", "commune name"),
    ),
    Column(
        FIGURE,
        gettext_lazy("Figure"),
        gettext_lazy("Required: one of the official figures listed below."),
        ("chi tieu", "loai so lieu", "so lieu chinh thuc", "figure"),
    ),
    _PERIOD_COLUMN,
    _VALUE_COLUMN,
    Column(
        SOURCE,
        gettext_lazy("Source"),
        gettext_lazy("Optional: who published the figure (at most 200 characters)."),
        ("nguon", "nguon so lieu", "co quan cung cap", "source"),
    ),
)

LEGACY_COLUMNS = (
    Column(
        OLD_PROVINCE,
        gettext_lazy("Province (before 2025)"),
        gettext_lazy("Required: the province as it was before 1 July 2025."),
        ("tinh", "tinh cu", "tinh thanh pho", "ten tinh", "tinh thanh", "province"),
    ),
    Column(
        OLD_DISTRICT,
        gettext_lazy("District (before 2025)"),
        gettext_lazy("Required: the district, town or city of the province before 1 July 2025."),
        ("huyen", "huyen cu", "quan huyen", "ten huyen", "quan huyen thi xa", "district"),
    ),
    Column(
        OLD_COMMUNE,
        gettext_lazy("Commune (before 2025)"),
        gettext_lazy("Required: the commune, ward or township before 1 July 2025 (former names are understood)."),
        ("xa", "xa cu", "ten xa", "xa phuong", "xa phuong thi tran", "ten xa cu", "commune"),
    ),
    Column(
        OLD_CODE,
        gettext_lazy("Commune code (before 2025)"),
        gettext_lazy("Optional: the old five-digit code; when given it must be that commune's."),
        ("ma xa", "ma xa cu", "ma don vi cu", "old code"),
    ),
    Column(
        INDICATOR,
        gettext_lazy("Indicator"),
        gettext_lazy("Required: the indicator's code or name in the catalogue."),
        ("chi tieu", "ten chi tieu", "ma chi tieu", "indicator"),
    ),
    _PERIOD_COLUMN,
    _VALUE_COLUMN,
)

# Words officers write for each official figure, in ``label_key`` form.
_FIGURE_ALIASES: dict[str, tuple[str, ...]] = {
    FigureKind.VNEID_LEVEL2: (
        "vneid muc 2",
        "dinh danh muc 2",
        "dinh danh dien tu muc 2",
        "so nguoi kich hoat dinh danh dien tu muc 2",
        "kich hoat vneid muc 2",
        "tai khoan dinh danh dien tu muc 2",
    ),
    FigureKind.EPAYMENT_ACCOUNTS: (
        "tai khoan thanh toan",
        "tai khoan thanh toan dien tu",
        "so tai khoan thanh toan dien tu",
        "so tai khoan thanh toan dien tu mo moi",
        "thanh toan dien tu",
    ),
    FigureKind.ONLINE_DOSSIERS: (
        "ho so truc tuyen",
        "ho so dich vu cong truc tuyen",
        "so ho so dich vu cong truc tuyen",
        "dich vu cong truc tuyen",
    ),
    FigureKind.POPULATION: ("dan so", "so dan", "nhan khau", "so nhan khau", "tong dan so"),
    FigureKind.HOUSEHOLDS: ("ho", "so ho", "ho gia dinh", "so ho gia dinh", "tong so ho"),
}
_INTEGER = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")


# -- shared --------------------------------------------------------------------------------------


def _parse(*, data: bytes, filename: str, columns: tuple[Column, ...], anchor: str, required: list[str]) -> list[dict]:
    try:
        rows = read_rows(data=data, filename=filename, max_rows=MAX_ROWS + HEADER_SEARCH_ROWS)
    except TooManyRows:
        raise _too_many() from None
    index, positions = find_header(rows[:HEADER_SEARCH_ROWS], columns=columns, anchor=anchor) or (0, {})
    missing = [key for key in required if key not in positions]
    if missing:
        labels = {column.key: str(column.label) for column in columns}
        raise FileProblem(
            _("The header row is missing the columns %(columns)s. Download the template to see the expected columns.")
            % {"columns": ", ".join(f"“{labels[key]}”" for key in missing)}
        )
    data_rows = rows[index + 1 :]
    if not data_rows:
        raise FileProblem(_("The file has a header row but no figure rows."))
    if len(data_rows) > MAX_ROWS:
        raise _too_many()
    return [
        {
            "line": line,
            **{c.key: (cells[positions[c.key]] if positions.get(c.key, 1 << 30) < len(cells) else "") for c in columns},
        }
        for line, cells in data_rows
    ]


def _too_many() -> FileProblem:
    return FileProblem(
        _("The file has more than %(max)s figure rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
    )


def read_value(raw: str, errors: list[str]) -> int | None:
    """A whole number of 0 or more; thousands may be grouped with dots, commas or spaces (1.234, 1,234)."""
    text = nfc(raw).strip()
    if not text:
        errors.append(_("Enter the value."))
        return None
    if text.endswith(".0") and _INTEGER.match(text[:-2]):  # an Excel number cell read as "1234.0"
        text = text[:-2]
    if _INTEGER.match(text) or _GROUPED.match(text):
        value = int(re.sub(r"\D", "", text))
        if value > MAX_VALUE:
            errors.append(_("The value “%(value)s” is too large.") % {"value": text})
            return None
        return value
    errors.append(_("The value “%(value)s” is not a whole number of 0 or more.") % {"value": text})
    return None


def _period(raw: str, errors: list[str]) -> int | None:
    text = nfc(raw).strip()
    if not text:
        errors.append(_("Enter the period (a year such as 2025, or a month such as 06/2025)."))
        return None
    try:
        return periods.parse(text, column=str(_PERIOD_COLUMN.label))
    except periods.PeriodProblem as problem:
        errors.append(problem.message)
        return None


def figure_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, name in FigureKind.choices:
        lookup[label_key(value)] = value
        lookup[label_key(str(name))] = value
        for alias in _FIGURE_ALIASES[value]:
            lookup[alias] = value
    return lookup


@dataclass
class Checked:
    rows: list[dict[str, Any]]
    communes: dict[int, AdminUnit] = field(default_factory=dict)
    units: dict[int, AdminUnit] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row["errors"])


def _check_repeats(rows: list[dict[str, Any]], key_of: Any) -> None:
    first: dict[Any, int] = {}
    for row in rows:
        key = key_of(row)
        if key is None:
            continue
        if key in first:
            row["errors"].append(
                _("The same place, figure and period are already in row %(line)s.") % {"line": first[key]}
            )
        else:
            first[key] = row["line"]


# -- official figures ----------------------------------------------------------------------------


def official_parse(*, data: bytes, filename: str, commune_optional: bool) -> list[dict[str, Any]]:
    """The data rows of an official-figures file as dicts of raw cells; ``FileProblem`` for a bad file."""
    required = [FIGURE, PERIOD, VALUE]
    rows = _parse(data=data, filename=filename, columns=OFFICIAL_COLUMNS, anchor=FIGURE, required=required)
    if not commune_optional and all(not row[COMMUNE_CODE] and not row[COMMUNE_NAME] for row in rows):
        raise FileProblem(_("Enter the commune code or name in every row."))
    return rows


def official_validate(*, user: Any, unit: AdminUnit, rows: list[dict[str, Any]], today: datetime.date) -> Checked:
    """Check every row: the commune (under ``unit``, in the user's scope), figure, period and value."""
    communes = Communes(user=user, unit=unit, rows=rows, perm=Perm.IMPORT_FIGURES)
    figures = figure_lookup()
    labels = dict(FigureKind.choices)
    checked: list[dict[str, Any]] = []
    for raw in rows:
        errors: list[str] = []
        commune, problem = communes.resolve(raw.get(COMMUNE_CODE, ""), raw.get(COMMUNE_NAME, ""))
        if problem:
            errors.append(problem)
        raw_figure = nfc(raw.get(FIGURE, ""))
        kind = figures.get(label_key(raw_figure), "") if raw_figure else ""
        if not raw_figure:
            errors.append(_("Enter the figure."))
        elif not kind:
            errors.append(_("Unknown figure “%(figure)s”; use one of the figures listed.") % {"figure": raw_figure})
        bucket = _period(raw.get(PERIOD, ""), errors)
        if bucket is not None:
            text = periods.label(bucket)
            for problem in (
                periods.check_after_reform(bucket, text=text),
                periods.check_future(bucket, today=today, text=text),
            ):
                if problem:
                    errors.append(problem)
        value = read_value(raw.get(VALUE, ""), errors)
        source = nfc(raw.get(SOURCE, ""))
        if len(source) > MAX_SOURCE:
            errors.append(_("The source is too long (at most 200 characters)."))
        checked.append(
            {
                "line": raw["line"],
                COMMUNE_CODE: raw.get(COMMUNE_CODE, ""),
                COMMUNE_NAME: raw.get(COMMUNE_NAME, ""),
                FIGURE: raw_figure,
                PERIOD: raw.get(PERIOD, ""),
                VALUE: raw.get(VALUE, ""),
                SOURCE: source,
                "commune_id": commune.pk if commune else None,
                "commune_label": commune.name if commune else "",
                "kind": kind,
                "kind_label": str(labels[kind]) if kind else "",
                "bucket": bucket,
                "period_label": periods.label(bucket) if bucket else "",
                "amount": value,
                "errors": errors,
            }
        )
    _check_repeats(
        checked,
        lambda row: (
            (row["commune_id"], row["kind"], row["bucket"])
            if row["commune_id"] and row["kind"] and row["bucket"]
            else None
        ),
    )
    return Checked(rows=checked, communes=dict(communes.by_id))


# -- figures before 2025 -------------------------------------------------------------------------


def legacy_parse(*, data: bytes, filename: str) -> list[dict[str, Any]]:
    """The data rows of an old-shape history file as dicts of raw cells; ``FileProblem`` for a bad file."""
    required = [OLD_PROVINCE, OLD_DISTRICT, OLD_COMMUNE, INDICATOR, PERIOD, VALUE]
    return _parse(data=data, filename=filename, columns=LEGACY_COLUMNS, anchor=OLD_COMMUNE, required=required)


def indicator_lookup(indicators: list[Indicator]) -> dict[str, Indicator]:
    """``label_key`` of each counted indicator's code, name and aliases -> the indicator."""
    lookup: dict[str, Indicator] = {}
    for indicator in indicators:
        if not indicator.is_counted:
            continue
        for text in (indicator.code, indicator.name, *(indicator.aliases or [])):
            lookup.setdefault(label_key(str(text)), indicator)
    return lookup


class OldCommunes:
    """Resolve (province, district, commune) written the pre-2025 way to a legacy commune and its successors.

    The three parts are read as one old address by ``cdtt.geo.resolver`` (the package's parser: accents,
    type words, aliases and communes merged before 2025 understood), the way the household import reads an
    address that names a district; each distinct address is read once.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str], resolver.OldCommune | None] = {}

    def find(self, province: str, district: str, commune: str) -> resolver.OldCommune | None:
        key = (fold(province), fold(district), fold(commune))
        if key not in self._cache:
            self._cache[key] = resolver.old_commune(", ".join((commune, district, province)))
        return self._cache[key]


def apportion(value: int, weights: list[int]) -> list[int]:
    """``value`` shared in proportion to ``weights`` in whole numbers that add up to it exactly.

    Largest remainders: each part gets the floor of its exact share, and what is left goes one by one to the
    parts with the largest fractions (the earlier part on a tie), so no share is lost or invented by rounding.
    """
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than 0")
    floors = [value * weight // total for weight in weights]
    left = value - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(value * weights[i] % total), i))
    for index in order[:left]:
        floors[index] += 1
    return floors


def legacy_validate(
    *,
    user: Any,
    unit: AdminUnit,
    rows: list[dict[str, Any]],
    rule: str,
    indicators: list[Indicator],
    populations: Any,
    scope_communes: dict[int, AdminUnit],
    stored: Any = lambda _ids: set(),
) -> Checked:
    """Check every row: the old commune, where its figure goes today (under ``unit``), indicator, period, value.

    ``populations(commune_ids) -> {id: population}`` gives the successors' official population for the
    population-share rule; ``scope_communes`` the current communes under ``unit`` the user imports for;
    ``stored(old_unit_ids)`` the (old unit, indicator, bucket) already imported.
    """
    olds = OldCommunes()
    by_indicator = indicator_lookup(indicators)
    checked: list[dict[str, Any]] = []
    units: dict[int, AdminUnit] = {}
    for raw in rows:
        errors: list[str] = []
        province, district, commune = (nfc(raw.get(key, "")) for key in (OLD_PROVINCE, OLD_DISTRICT, OLD_COMMUNE))
        old: resolver.OldCommune | None = None
        if not (province and district and commune):
            errors.append(_("Enter the province, district and commune as they were before 2025."))
        else:
            old = olds.find(province, district, commune)
            if old is None:
                errors.append(
                    _("No commune “%(name)s” existed before %(date)s.")
                    % {"name": f"{commune}, {district}, {province}", "date": REFORM_DATE.strftime("%d/%m/%Y")}
                )
        code = nfc(raw.get(OLD_CODE, "")).lstrip("'")
        if old is not None and code and code.zfill(5) != old.unit.code:
            errors.append(
                _("The code “%(code)s” is not the code of %(name)s (%(expected)s).")
                % {"code": code, "name": old.unit.name, "expected": old.unit.code}
            )
        raw_indicator = nfc(raw.get(INDICATOR, ""))
        indicator = by_indicator.get(label_key(raw_indicator)) if raw_indicator else None
        if not raw_indicator:
            errors.append(_("Enter the indicator."))
        elif indicator is None:
            errors.append(
                _("Unknown indicator “%(name)s”; use a code or name of the catalogue.") % {"name": raw_indicator}
            )
        bucket = _period(raw.get(PERIOD, ""), errors)
        if bucket is not None and (problem := periods.check_before_reform(bucket, text=periods.label(bucket))):
            errors.append(problem)
        value = read_value(raw.get(VALUE, ""), errors)
        shares: list[tuple[int, int]] = []
        if old is not None:
            units[old.unit.pk] = old.unit
            if not errors and value is not None:
                shares = _shares(old, value, rule, populations, scope_communes, errors)
        checked.append(
            {
                "line": raw["line"],
                OLD_PROVINCE: raw.get(OLD_PROVINCE, ""),
                OLD_DISTRICT: raw.get(OLD_DISTRICT, ""),
                OLD_COMMUNE: raw.get(OLD_COMMUNE, ""),
                OLD_CODE: raw.get(OLD_CODE, ""),
                INDICATOR: raw_indicator,
                PERIOD: raw.get(PERIOD, ""),
                VALUE: raw.get(VALUE, ""),
                "old_unit_id": old.unit.pk if old else None,
                "old_label": _old_label(old.unit) if old else "",
                "indicator_id": indicator.pk if indicator else None,
                "indicator_label": indicator.name if indicator else "",
                "bucket": bucket,
                "period_label": periods.label(bucket) if bucket else "",
                "amount": value,
                "shares": shares,  # [(commune id, value)]
                "split": bool(old and len(old.successors) > 1),
                "shares_label": _shares_label(
                    shares, scope_communes, split=len(old.successors) > 1 if old else False, rule=rule
                ),
                "errors": errors,
            }
        )
    _check_repeats(
        checked,
        lambda row: (
            (row["old_unit_id"], row["indicator_id"], row["bucket"])
            if row["old_unit_id"] and row["indicator_id"] and row["bucket"]
            else None
        ),
    )
    _check_year_or_months(checked, stored(list(units)))
    return Checked(rows=checked, communes=scope_communes, units=units)


def _check_year_or_months(rows: list[dict[str, Any]], stored: set[tuple[int, int, int]]) -> None:
    """Refuse a whole-year figure beside monthly ones of the same commune, indicator and year (in the file or
    already stored): the year's total would count the same work twice."""
    complete = [r for r in rows if r["old_unit_id"] and r["indicator_id"] and r["bucket"]]
    keys = [*stored, *((r["old_unit_id"], r["indicator_id"], r["bucket"]) for r in complete)]
    kinds: dict[tuple[int, int, int], set[bool]] = {}
    for old, indicator, bucket in keys:
        year, month = periods.split(bucket)
        kinds.setdefault((old, indicator, year), set()).add(month is not None)
    for row in complete:
        year, _month = periods.split(row["bucket"])
        if len(kinds[(row["old_unit_id"], row["indicator_id"], year)]) > 1:
            row["errors"].append(
                _(
                    "%(year)s has both a whole-year figure and monthly figures of this commune and indicator (in "
                    "this file or imported before); keep one or the other, or the year would count twice."
                )
                % {"year": year}
            )


def _old_label(unit: AdminUnit) -> str:
    district = unit.parent
    province = district.parent if district is not None else None
    return ", ".join(part.name for part in (unit, district, province) if part is not None)


def _shares(
    old: resolver.OldCommune,
    value: int,
    rule: str,
    populations: Any,
    scope_communes: dict[int, AdminUnit],
    errors: list[str],
) -> list[tuple[int, int]]:
    """(current commune id, value) the old commune's figure is shared into, or [] with a message."""
    successors = [successor for successor, _default in old.successors]
    if not successors:
        errors.append(_("The conversion data gives no successor for %(name)s.") % {"name": old.unit.name})
        return []
    if len(successors) == 1 or rule == ApportionRule.DEFAULT:
        receivers = [old.default or successors[0]]
        parts = [value]
    else:
        found = populations([s.pk for s in successors])
        missing = [s.name for s in successors if not found.get(s.pk)]
        if missing:
            errors.append(
                _(
                    "%(name)s was divided between %(communes)s; sharing by population needs the official population "
                    "of %(missing)s. Import it first, or choose the main successor rule."
                )
                % {
                    "name": old.unit.name,
                    "communes": ", ".join(s.name for s in successors),
                    "missing": ", ".join(missing),
                }
            )
            return []
        receivers = successors
        parts = apportion(value, [found[s.pk] for s in successors])
    outside = [s.name for s in receivers if s.pk not in scope_communes]
    if outside:
        errors.append(
            _("%(name)s is now (partly) %(communes)s, outside the units you import for here.")
            % {"name": old.unit.name, "communes": ", ".join(outside)}
        )
        return []
    return [(s.pk, part) for s, part in zip(receivers, parts, strict=True)]


def _shares_label(shares: list[tuple[int, int]], communes: dict[int, AdminUnit], *, split: bool, rule: str) -> str:
    if not shares:
        return ""
    text = "; ".join(f"{communes[pk].name}: {value:,}".replace(",", ".") for pk, value in shares)
    if split:
        text += f" ({ApportionRule(rule).label})"
    return text


# -- templates -----------------------------------------------------------------------------------


def template_xlsx(columns: tuple[Column, ...], title: str, listing: tuple[str, list[str]]) -> bytes:
    """An empty sheet with the expected headers, and a second sheet listing the accepted values."""
    from openpyxl.styles import Font

    from cdtt.core.sheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([str(column.label) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    values = workbook.create_sheet(listing[0][:31])
    for text in listing[1]:
        values.append([text])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
