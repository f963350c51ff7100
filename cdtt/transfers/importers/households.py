"""Household import: the shapes communes keep their lists in, checked row by row as the file streams by.

Two shapes are read. A *household file* has a row per household (village, head, address, phones,
counts). A *resident file* has a row per person (name, birth year or date, gender, relationship) with
the head and address on every row; rows with the same head and address, accents ignored, make one
household. A resident file without a head column but with a relationship column takes each "Chủ hộ"
row as the head of the rows below it.

``Checker`` turns rows into ``RowResult``s (cleaned values in short keys, an outcome and Vietnamese
error messages) without holding the file in memory; it keeps one small summary per household to find
likely duplicates (same head and phone, or same head and address) at the end. ``household_in`` and
``resident_in`` rebuild the service inputs from a stored row when the import is written.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.core.errors import DomainError
from cdtt.core.tabular import Column, FileProblem, header_lookup, label_key, missing_columns_message
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Internet, Relationship
from cdtt.households.services import MAX_MEMBERS, HouseholdIn, ResidentIn, clean_household, clean_resident
from cdtt.transfers.importers import dates
from cdtt.transfers.importers import teams as team_importer
from cdtt.transfers.importers.places import AddressResolver, VillageFinder, plain
from cdtt.transfers.models import RowOutcome

MAX_ROWS = 200_000
HEADER_SEARCH_ROWS = 10
MAX_TEXT = 255
ADULT_AGE = 15

VILLAGE, HEAD, ADDRESS, PHONE, PHONE2 = "village", "head_name", "address", "phone", "phone2"
MEMBERS, ADULTS, SMARTPHONES, INTERNET, BUSINESS, NOTES = (
    "members_count",
    "adults_count",
    "smartphones",
    "internet",
    "is_business",
    "notes",
)
RESIDENT, BIRTH, GENDER, RELATIONSHIP = "full_name", "birth", "gender", "relationship"

HOUSEHOLD_SHAPE, RESIDENT_SHAPE = "household", "resident"

COLUMNS = (
    Column(
        VILLAGE,
        gettext_lazy("Village"),
        gettext_lazy(
            "Required. The village or residential group as the commune lists it; the type word may be left out."
        ),
        (
            "thon",
            "ten thon",
            "thon to dan pho",
            "ten thon to dan pho",
            "thon ban",
            "ten thon ban",
            "thon xom",
            "thon ban to dan pho",
            "ten thon ban to dan pho",
            "thon xom to dan pho",
            "thon ap",
            "thon ban ap",
            "ap",
            "ban",
            "xom",
            "to dan pho",
            "ten to dan pho",
            "khu pho",
            "tdp",
            "thon to",
            "dia ban",
            "village",
            "village name",
        ),
    ),
    Column(
        HEAD,
        gettext_lazy("Head of household"),
        gettext_lazy("Required: the head's full name."),
        (
            "ho va ten chu ho",
            "ho ten chu ho",
            "chu ho",
            "ten chu ho",
            "ho ten chu ho gia dinh",
            "ho va ten chu ho gia dinh",
            "chu ho gia dinh",
            "head of household",
            "household head",
        ),
    ),
    Column(
        ADDRESS,
        gettext_lazy("Address"),
        gettext_lazy(
            "House number and lane; a commune written before the 2025 reorganisation "
            "(e.g. “xã Bát Tràng, huyện Gia Lâm”) is recognised."
        ),
        (
            "dia chi",
            "dia chi ho",
            "dia chi nha",
            "dia chi thuong tru",
            "dia chi cu tru",
            "noi o",
            "noi o hien nay",
            "noi o hien tai",
            "cho o hien nay",
            "so nha",
            "address",
        ),
    ),
    Column(
        PHONE,
        gettext_lazy("Phone"),
        gettext_lazy("One or two numbers (separate them with “/”); 0912…, +84 912…, spaces and dots are all fine."),
        (
            "sdt",
            "so dien thoai",
            "dien thoai",
            "so dt",
            "dt",
            "dtdd",
            "so dien thoai di dong",
            "dien thoai di dong",
            "sdt chu ho",
            "so dien thoai chu ho",
            "dien thoai lien he",
            "sdt lien he",
            "so dien thoai lien he",
            "phone",
            "phones",
            "phone number",
        ),
    ),
    Column(
        PHONE2,
        gettext_lazy("Second phone"),
        gettext_lazy("May be empty."),
        (
            "sdt 2",
            "so dien thoai 2",
            "dien thoai 2",
            "so dt 2",
            "sdt khac",
            "so dien thoai khac",
            "dien thoai khac",
            "second phone",
            "phone 2",
        ),
    ),
    Column(
        MEMBERS,
        capfirst(gettext_lazy("members")),  # "Số nhân khẩu": the register's own word
        gettext_lazy("A number; in a file with a row per person, empty means the number of rows of the household."),
        (
            "so nhan khau",
            "nhan khau",
            "so khau",
            "so thanh vien",
            "so nguoi",
            "so nguoi trong ho",
            "tong so nhan khau",
            "so thanh vien trong ho",
            "members",
            "household size",
        ),
    ),
    Column(
        ADULTS,
        gettext_lazy("Adults (15+)"),
        gettext_lazy("A number; in a file with a row per person, empty means counted from the birth years."),
        (
            "so nguoi tu 15 tuoi",
            "so nguoi tu 15 tuoi tro len",
            "tu 15 tuoi tro len",
            "so nguoi tren 15 tuoi",
            "nguoi lon",
            "so nguoi lon",
            "so nguoi truong thanh",
            "adults",
        ),
    ),
    Column(
        SMARTPHONES,
        gettext_lazy("Smartphones"),
        gettext_lazy("A number; may be empty."),
        (
            "so dien thoai thong minh",
            "dien thoai thong minh",
            "so may dien thoai thong minh",
            "so dtdd thong minh",
            "dtdd thong minh",
            "so dt thong minh",
            "so smartphone",
            "smartphone",
            "smartphones",
        ),
    ),
    Column(
        INTERNET,
        gettext_lazy("Internet"),
        gettext_lazy("Cáp quang, Di động or Không; may be empty."),
        ("internet", "ket noi internet", "loai ket noi", "loai ket noi internet", "mang internet", "co internet"),
    ),
    Column(
        BUSINESS,
        gettext_lazy("Business household"),
        gettext_lazy("“x” (or “có”) for a business household; otherwise empty."),
        (
            "ho kinh doanh",
            "la ho kinh doanh",
            "kinh doanh",
            "hkd",
            "ho kinh doanh ca the",
            "ho san xuat kinh doanh",
            "business",
            "business household",
        ),
    ),
    Column(NOTES, gettext_lazy("Notes"), gettext_lazy("May be empty."), ("ghi chu", "ghi chu khac", "notes", "note")),
    Column(
        RESIDENT,
        gettext_lazy("Resident's full name"),
        gettext_lazy("For a file with a row per person: the person's full name."),
        (
            "ho va ten",
            "ho ten",
            "ho va ten thanh vien",
            "ho ten thanh vien",
            "ten thanh vien",
            "ho ten nhan khau",
            "ho va ten nhan khau",
            "full name",
            "name",
        ),
    ),
    Column(
        BIRTH,
        gettext_lazy("Birth year or date"),
        gettext_lazy("A year (1985), a date written day/month/year (05/03/1985) or an Excel date."),
        (
            "nam sinh",
            "ngay sinh",
            "ngay thang nam sinh",
            "sinh ngay",
            "ngay sinh nam sinh",
            "nam sinh ngay sinh",
            "birth year",
            "year of birth",
            "date of birth",
        ),
    ),
    Column(
        GENDER,
        gettext_lazy("Gender"),
        gettext_lazy("Nam, Nữ or Khác; may be empty."),
        ("gioi tinh", "gioi", "nam nu", "gender", "sex"),
    ),
    Column(
        RELATIONSHIP,
        gettext_lazy("Relationship to the head"),
        gettext_lazy("Chủ hộ, Vợ/Chồng, Con, Bố/Mẹ, Cháu, Anh/Chị/Em or Khác; empty means Chủ hộ for the head."),
        (
            "quan he",
            "quan he voi chu ho",
            "quan he chu ho",
            "quan he voi chu ho gia dinh",
            "quan he gia dinh",
            "moi quan he",
            "relationship",
        ),
    ),
)
_LABELS = {column.key: column.label for column in COLUMNS}
HOUSEHOLD_KEYS = (VILLAGE, HEAD, ADDRESS, PHONE, PHONE2, MEMBERS, ADULTS, SMARTPHONES, INTERNET, BUSINESS, NOTES)

_INTERNET_WORDS = {
    Internet.FIBRE: (
        "cap quang",
        "internet cap quang",
        "ftth",
        "wifi",
        "adsl",
        "co dinh",
        "bang rong",
        "bang rong co dinh",
        "mang co dinh",
        "fibre",
        "fiber",
        "fibre broadband",
    ),
    Internet.MOBILE: (
        "di dong",
        "mang di dong",
        "du lieu di dong",
        "3g",
        "4g",
        "5g",
        "3g 4g",
        "4g 5g",
        "sim",
        "mobile",
        "mobile data",
    ),
    Internet.NONE: ("khong", "khong co", "chua co", "chua", "none", "no", "0"),
}
_RELATIONSHIP_WORDS = {
    Relationship.HEAD: ("chu ho", "ch", "chu ho gia dinh", "head", "head of household"),
    Relationship.SPOUSE: ("vo", "chong", "vo chong", "spouse", "wife", "husband"),
    Relationship.CHILD: ("con", "con trai", "con gai", "con de", "con nuoi", "child", "son", "daughter"),
    Relationship.PARENT: ("bo", "me", "cha", "bo me", "cha me", "bo de", "me de", "cha de", "parent"),
    Relationship.GRANDCHILD: ("chau", "chau noi", "chau ngoai", "grandchild"),
    Relationship.SIBLING: ("anh", "chi", "em", "anh trai", "chi gai", "em trai", "em gai", "anh chi em", "sibling"),
    Relationship.OTHER: (
        "khac",
        "con dau",
        "con re",
        "ong",
        "ba",
        "ong noi",
        "ba noi",
        "ong ngoai",
        "ba ngoai",
        "bo vo",
        "me vo",
        "bo chong",
        "me chong",
        "o nho",
        "o cung",
        "other",
    ),
}
_PHONE_SPLIT = re.compile(r"\s*(?:[/,;|\n]|\s-\s|\bhoac\b|\bhoặc\b)\s*", re.IGNORECASE)
_COUNT = re.compile(r"^\d{1,4}$")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")


def _word_lookup(words: dict[Any, tuple[str, ...]], choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    lookup = {word: str(value) for value, group in words.items() for word in group}
    for value, label in choices:
        lookup.setdefault(label_key(str(label)), value)
        if value:
            lookup.setdefault(label_key(value), value)
    return lookup


# -- the header row -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each known column is, and which shape the file has."""

    positions: dict[str, int]
    shape: str
    header_line: int
    # Date columns the import does not read ("Ngày cập nhật"): header as written -> position; checked anyway.
    other_dates: dict[str, int] = field(default_factory=dict)

    def values(self, cells: list[str]) -> dict[str, str]:
        """The known columns' cells by key, then the other date columns' cells under ``dates.OTHER_DATE + header``."""
        known = {key: (cells[pos] if pos < len(cells) else "") for key, pos in self.positions.items()}
        return known | dates.other_date_cells(cells, self.other_dates)


def find_layout(rows: list[tuple[int, list[str]]]) -> Layout:
    """The header among the first non-blank rows (a title may sit above it); ``FileProblem`` if none fits."""
    lookup = header_lookup(COLUMNS)
    for line, cells in rows:
        positions: dict[str, int] = {}
        repeated = ""
        for pos, cell in enumerate(cells):
            key = lookup.get(label_key(cell))
            if key is None:
                continue
            if key in positions:
                repeated = cell
            positions[key] = positions.get(key, pos)
        if HEAD not in positions and RESIDENT not in positions:
            continue
        if repeated:
            raise FileProblem(_("The column “%(column)s” appears twice in the header row.") % {"column": repeated})
        return replace(_layout(positions, line), other_dates=dates.other_date_columns(cells, positions))
    raise FileProblem(_missing_columns([VILLAGE, HEAD]))


def _layout(positions: dict[str, int], line: int) -> Layout:
    resident_shape = RESIDENT in positions and (HEAD in positions or RELATIONSHIP in positions)
    if not resident_shape and HEAD not in positions:
        # A household list whose only name column is "Họ và tên": the name is the head's.
        positions = {HEAD if key == RESIDENT else key: pos for key, pos in positions.items()}
    if not resident_shape:
        positions = {key: pos for key, pos in positions.items() if key in HOUSEHOLD_KEYS}
    missing = [key for key in (VILLAGE,) if key not in positions]
    if missing:
        raise FileProblem(_missing_columns(missing))
    return Layout(positions=positions, shape=RESIDENT_SHAPE if resident_shape else HOUSEHOLD_SHAPE, header_line=line)


def _missing_columns(missing: list[str]) -> str:
    return missing_columns_message(missing, columns=COLUMNS)


def is_column_numbers(cells: list[str]) -> bool:
    """A row under the header that only numbers the columns: "(1) (2) (3)…" or "1 2 3…"."""
    filled = [cell for cell in cells if cell]
    return len(filled) >= 3 and all(_COLUMN_NUMBER.match(cell) for cell in filled)


# -- single values ----------------------------------------------------------------------------------


def split_phones(raw: str) -> list[str]:
    """The numbers written in one cell: "0912 345 678 / 0987.654.321" -> two numbers."""
    return [part for part in _PHONE_SPLIT.split(raw) if part and part.strip()]


def read_count(raw: str, key: str, errors: list[str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if _COUNT.match(text):
        return int(text)
    errors.append(
        _("“%(value)s” in the column “%(column)s” is not a number.") % {"value": text, "column": _LABELS[key]}
    )
    return None


def read_birth(raw: str, errors: list[str]) -> int | None:
    """A year, a month/year, or the year of a date (``dates.read_year``); an error otherwise."""
    year = dates.read_year(raw, column=str(_LABELS[BIRTH]), errors=errors)
    if year is not None and year > timezone.localdate().year:
        errors.append(_("The birth year %(year)s is in the future.") % {"year": year})
        return None
    return year


class Words:
    """The accepted words of the columns with a fixed list, built once per check."""

    def __init__(self) -> None:
        self.internet = _word_lookup(_INTERNET_WORDS, Internet.choices)
        self.relationship = _word_lookup(_RELATIONSHIP_WORDS, Relationship.choices)
        self._keys: dict[str, str] = {}
        self._flags: dict[str, bool | None] = {}
        self._genders: dict[str, str | None] = {}

    def key(self, raw: str) -> str:
        """``label_key(raw)``, remembered: these columns repeat a handful of words over many rows."""
        if raw not in self._keys:
            self._keys[raw] = label_key(raw)
        return self._keys[raw]

    def read_flag(self, raw: str) -> bool | None:
        if raw not in self._flags:
            self._flags[raw] = team_importer.read_flag(raw)
        return self._flags[raw]

    def read_gender(self, raw: str) -> str | None:
        if raw not in self._genders:
            self._genders[raw] = team_importer.read_gender(raw)
        return self._genders[raw]

    def read_internet(self, raw: str, errors: list[str]) -> str:
        key = self.key(raw)
        if not key:
            return ""
        value = self.internet.get(key)
        if value is None:
            errors.append(
                _("Unknown internet connection “%(value)s”: use Cáp quang, Di động or Không.") % {"value": raw}
            )
            return ""
        return value

    def read_relationship(self, raw: str, errors: list[str]) -> str | None:
        key = self.key(raw)
        if not key:
            return None
        value = self.relationship.get(key)
        if value is None:
            errors.append(
                _("Unknown relationship “%(value)s”: use Chủ hộ, Vợ/Chồng, Con, Bố/Mẹ, Cháu, Anh/Chị/Em or Khác.")
                % {"value": raw}
            )
            return Relationship.OTHER
        return value


# -- checking ---------------------------------------------------------------------------------------


@dataclass
class RowResult:
    """One checked row, in the form it is stored (``ImportRow``)."""

    line: int
    group: int
    starts_household: bool
    outcome: str
    data: dict[str, Any]
    errors: list[str]


@dataclass(slots=True)
class FileHousehold:
    """One household of a checked file, summed up from its stored rows (see ``file_households``)."""

    line: int  # of its first row
    head: str  # plain() of the head's name
    address: str  # plain() of the address
    outcome: str = ""  # of its first row
    decision: str = ""  # on its first row (a likely duplicate: import anyway or skip)
    data: dict[str, Any] = field(default_factory=dict)  # the first row's household fields
    phones: list[str] = field(default_factory=list)
    members_given: int | None = None
    adults_given: int | None = None
    size: int = 0
    adults: int = 0
    births_known: bool = True
    has_error: bool = False
    residents: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, person)

    def add_resident(self, resident: dict[str, Any], this_year: int) -> None:
        self.size += 1
        year = resident.get("y")
        if year is None:
            self.births_known = False
        elif this_year - year >= ADULT_AGE:
            self.adults += 1

    @property
    def members(self) -> int | None:
        """The member count to store: as written, else (a file with a row per person) its rows."""
        return self.members_given if self.members_given is not None else (self.size or None)

    @property
    def adult_count(self) -> int | None:
        if self.adults_given is not None:
            return self.adults_given
        return self.adults if self.size and self.births_known else None

    @property
    def phone(self) -> str:
        return self.phones[0] if self.phones else ""

    def problem(self) -> str:
        """Why the counted members of a resident-file household break the limits ("" when they do not)."""
        members, adults = self.members, self.adult_count
        if self.has_error or not self.size:
            return ""
        if members is not None and members > MAX_MEMBERS:
            return _("The number must be between 0 and %(max)d.") % {"max": MAX_MEMBERS}
        if members is not None and adults is not None and adults > members:
            return _("There cannot be more adults than members.")
        return ""


def file_households(
    rows: Iterable[tuple[int, int, str, str, dict[str, Any]]], this_year: int
) -> Iterator[FileHousehold]:
    """The households of stored rows ``(line, group, outcome, decision, data)`` ordered by group then line.

    One household is built at a time, so memory does not grow with the file.
    """
    current: FileHousehold | None = None
    for line, group, outcome, decision, data in rows:
        if current is None or group != current.line:
            if current is not None:
                yield current
            first = data.get("hh") or {}
            current = FileHousehold(
                line=group,
                head=plain(first.get("h", "")),
                address=plain(first.get("a", "")),
                outcome=outcome,
                decision=decision,
                data=first,
                phones=[p for p in (first.get("p"), first.get("p2")) if p],
                members_given=first.get("m"),
                adults_given=first.get("ad"),
            )
        resident = data.get("r")
        if resident is not None:
            current.add_resident(resident, this_year)
            current.residents.append((line, resident))
            if resident["r"] == Relationship.HEAD and resident["p"] and resident["p"] not in current.phones:
                current.phones.insert(0, resident["p"])  # a head listed below the first row brings the phone
        if outcome == RowOutcome.ERROR:
            current.has_error = True
    if current is not None:
        yield current


def key_digest(*parts: str) -> int:
    """A signed 64-bit digest of ``parts`` (fits a BIGINT column; collisions are negligible here)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def duplicate_keys(head: str, address: str, phones: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """The keys two records of one household are likely to share: head with each phone, head with address."""
    if not head:
        return
    for phone in phones:
        if phone:
            yield ("phone", head, phone)
    if address:
        yield ("address", head, address)


ADDRESS_RANK = 9  # phones rank 0, 1 in their order; the address after them


def ranked_keys(head: str, address: str, phones: Iterable[str]) -> Iterator[tuple[int, int]]:
    """(rank, 64-bit digest) of a household's duplicate keys, for staging in the database."""
    for rank, (why, key_head, value) in enumerate(duplicate_keys(head, address, phones)):
        yield (ADDRESS_RANK if why == "address" else rank), key_digest(why, key_head, value)


class Checker:
    """Check a file's data rows one at a time for an import into ``commune``."""

    def __init__(
        self,
        *,
        commune: AdminUnit,
        layout: Layout,
        villages: Iterable[Village],
        resolver: AddressResolver,
    ) -> None:
        self.commune = commune
        self.layout = layout
        self.villages = VillageFinder(villages)
        self.resolver = resolver
        self.words = Words()
        self.this_year = timezone.localdate().year
        # Resident files: digest of (head, address) -> (first line, plain village) of each household.
        # The only state kept per household; everything else is summed up later from the stored rows.
        self._groups: dict[int, tuple[int, str]] = {}
        self._above: tuple[str, str, str] | None = None  # resident files: head, address, village of the row above
        self._placeholder = Village(commune=commune, name="")

    @property
    def resident_shape(self) -> bool:
        return self.layout.shape == RESIDENT_SHAPE

    def check(self, line: int, cells: list[str]) -> RowResult | None:
        """The row's result; None for a row with nothing in the columns read (a row number, a note)."""
        values = self.layout.values(cells)  # cells come in NFC with tidy spaces (tabular.cell_text)
        if not any(values.values()):
            return None
        if self.resident_shape:
            return self._resident_row(line, values)
        errors = self._other_dates(values)
        household = self._household_values(values, errors)
        return self._start_household(line, values, household, errors, resident=None)

    @staticmethod
    def _other_dates(values: dict[str, str]) -> list[str]:
        """Errors for the cells of date columns the import does not read: 31/02/2025 is refused there too."""
        errors: list[str] = []
        dates.check_other_dates(values, errors)
        return errors

    # -- households
    def _household_values(self, values: dict[str, str], errors: list[str]) -> dict[str, Any]:
        """The household's cleaned fields in short keys (see ``household_in``), errors appended."""
        village = self._village(values.get(VILLAGE, ""), errors)
        address = values.get(ADDRESS, "")
        self._check_address(address, errors)
        phones = split_phones(values.get(PHONE, "")) + split_phones(values.get(PHONE2, ""))
        if len(phones) > 2:
            errors.append(_("At most two phone numbers can be kept for a household."))
        counts = {key: read_count(values.get(key, ""), key, errors) for key in (MEMBERS, ADULTS, SMARTPHONES)}
        internet = self.words.read_internet(values.get(INTERNET, ""), errors)
        business = self.words.read_flag(values.get(BUSINESS, ""))
        if business is None:
            errors.append(
                _("“%(value)s” in the column “%(column)s”: enter x (or có) for yes, or leave it empty.")
                % {"value": values[BUSINESS], "column": _LABELS[BUSINESS]}
            )
        data = HouseholdIn(
            head_name=values.get(HEAD, ""),
            address=address[:MAX_TEXT],
            phone=phones[0] if phones else "",
            phone2=phones[1] if len(phones) > 1 else "",
            members_count=counts[MEMBERS],
            adults_count=counts[ADULTS],
            smartphones=counts[SMARTPHONES],
            internet=internet,
            is_business=bool(business),
            notes=values.get(NOTES, ""),
        )
        try:
            cleaned = clean_household(data, village=village or self._placeholder)
        except DomainError as exc:
            errors.append(exc.message)
            cleaned = {"head_name": nfc(data.head_name), "address": data.address, "phone": "", "phone2": ""}
        return {
            "v": village.pk if village else None,
            "vn": village.name if village else values.get(VILLAGE, ""),
            "h": cleaned["head_name"],
            "a": cleaned["address"],
            "p": cleaned["phone"],
            "p2": cleaned["phone2"],
            "m": data.members_count,
            "ad": data.adults_count,
            "s": data.smartphones,
            "i": data.internet,
            "b": data.is_business,
            "n": nfc(data.notes)[:500],
        }

    def _village(self, name: str, errors: list[str]) -> Village | None:
        if not name:
            errors.append(_("Enter the village."))
            return None
        village = self.villages.find(self.commune.pk, name)
        if village is None:
            errors.append(
                _("No village named “%(name)s” was found in %(commune)s.")
                % {"name": name, "commune": self.commune.name}
            )
        return village

    def _check_address(self, address: str, errors: list[str]) -> None:
        resolved = self.resolver.resolve(address)
        if resolved.problem:
            errors.append(resolved.problem)
        elif resolved.unit is not None and resolved.unit.pk != self.commune.pk:
            errors.append(
                _("The address belongs to %(commune)s (%(province)s), not to %(unit)s.")
                % {
                    "commune": resolved.unit.name,
                    "province": resolved.unit.parent.name if resolved.unit.parent else "",
                    "unit": self.commune.name,
                }
            )

    def _start_household(
        self,
        line: int,
        values: dict[str, str],
        household: dict[str, Any],
        errors: list[str],
        resident: dict[str, Any] | None,
    ) -> RowResult:
        data: dict[str, Any] = {"hh": household}
        if resident is not None:
            data["r"] = resident
        return self._result(line, line, True, data, errors, values)

    def _result(
        self,
        line: int,
        group: int,
        starts: bool,
        data: dict[str, Any],
        errors: list[str],
        values: dict[str, str],
    ) -> RowResult:
        if errors:
            # Keep the cells as written, so the officer sees what to correct.
            data["raw"] = {key: text for key, text in values.items() if text}
            outcome = RowOutcome.ERROR
        else:
            outcome = RowOutcome.NEW if starts else RowOutcome.JOINS
        return RowResult(line=line, group=group, starts_household=starts, outcome=outcome, data=data, errors=errors)

    # -- residents
    def _resident_row(self, line: int, values: dict[str, str]) -> RowResult:
        errors = self._other_dates(values)
        name = values.get(RESIDENT, "")
        relationship = self.words.read_relationship(values.get(RELATIONSHIP, ""), errors)
        head, address, village = self._place(values, name, relationship, errors)
        if relationship is None:
            relationship = Relationship.HEAD if head and plain(name) == plain(head) else Relationship.OTHER
        birth_year = read_birth(values.get(BIRTH, ""), errors)
        gender = self.words.read_gender(values.get(GENDER, ""))
        if gender is None:
            errors.append(_("Unknown gender “%(value)s”: use Nam, Nữ or Khác.") % {"value": values[GENDER]})
        person = ResidentIn(
            full_name=name,
            birth_year=birth_year,
            gender=gender or "",
            relationship=relationship,
            phone=values.get(PHONE, ""),
        )
        try:
            cleaned = clean_resident(person)
        except DomainError as exc:
            errors.append(exc.message)
            cleaned = {"full_name": nfc(name)[:150], "phone": ""}
        resident = {"n": cleaned["full_name"], "y": birth_year, "g": person.gender, "r": relationship}
        resident["p"] = cleaned["phone"]
        values = {**values, HEAD: head, ADDRESS: address, VILLAGE: village}
        key = key_digest(plain(head), plain(address))
        known = self._groups.get(key) if head else None
        if known is None:
            # The household's phone is the head's own; a head listed below the first row brings it later.
            household_values = {**values, PHONE: cleaned["phone"] if relationship == Relationship.HEAD else ""}
            household_values.pop(PHONE2, None)
            household = self._household_values(household_values, errors)
            if head:
                self._groups[key] = (line, sys.intern(plain(village)))  # a few villages, many households
            return self._start_household(line, values, household, errors, resident)
        first, village_key = known
        if village and plain(village) != village_key:
            errors.append(_("The village differs from row %(line)s of the same household.") % {"line": first})
        return self._result(line, first, False, {"r": resident}, errors, values)

    def _place(
        self, values: dict[str, str], name: str, relationship: str | None, errors: list[str]
    ) -> tuple[str, str, str]:
        """The head, address and village a person's row belongs to.

        The head is written on the row, or marked ("x" in the head column, "Chủ hộ" as relationship), or
        left empty: then it is the head of the row above, as when the head's cell is merged over the
        household's rows. Address and village carry down the same way within one head's rows.
        """
        written = values.get(HEAD, "")
        # A mark is a short word ("x", "có", "✓"); a name is not looked up as one.
        mark = self.words.read_flag(written) if written and len(written) <= 8 else (False if not written else None)
        if written and mark is None:
            head = written
        elif mark or relationship == Relationship.HEAD:
            head = name
        elif self._above is not None:
            head = self._above[0]
        else:
            errors.append(_("No head of household above this row: write the head's name or mark the head's row."))
            head = ""
        address, village = values.get(ADDRESS, ""), values.get(VILLAGE, "")
        if self._above is not None and plain(head) == plain(self._above[0]):
            address = address or self._above[1]
            village = village or self._above[2]
        self._above = (head, address, village)
        return head, address, village


@dataclass(frozen=True)
class Duplicate:
    line: int
    why: str  # "phone" or "address"
    earlier_line: int | None = None
    household_id: int | None = None


# -- writing ----------------------------------------------------------------------------------------


def household_in(data: dict[str, Any], *, size: int | None = None, adults: int | None = None) -> HouseholdIn:
    """The service input for a stored household row; counts missing from a resident file are filled in."""
    return HouseholdIn(
        head_name=data["h"],
        address=data["a"],
        phone=data["p"],
        phone2=data["p2"],
        members_count=data["m"] if data["m"] is not None else size,
        adults_count=data["ad"] if data["ad"] is not None else adults,
        smartphones=data["s"],
        internet=data["i"],
        is_business=data["b"],
        notes=data["n"],
    )


def resident_in(data: dict[str, Any]) -> ResidentIn:
    return ResidentIn(
        full_name=data["n"], birth_year=data["y"], gender=data["g"], relationship=data["r"], phone=data["p"]
    )


# -- template ----------------------------------------------------------------------------------------

TEMPLATE_COLUMNS = (VILLAGE, HEAD, ADDRESS, PHONE, MEMBERS, ADULTS, SMARTPHONES, INTERNET, BUSINESS, NOTES)
RESIDENT_TEMPLATE_COLUMNS = (VILLAGE, HEAD, ADDRESS, RESIDENT, BIRTH, GENDER, RELATIONSHIP, PHONE)


def template_xlsx() -> bytes:
    """Two sheets: a row per household (the one read), and the layout of a file with a row per person."""
    from openpyxl.styles import Font

    from cdtt.core.sheets import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Households")[:31]
    _template_sheet(sheet, TEMPLATE_COLUMNS, Font)
    people = workbook.create_sheet(_("Residents")[:31])
    people.append([_("A file with a row per person uses these columns (put them on the first sheet).")])
    _template_sheet(people, RESIDENT_TEMPLATE_COLUMNS, Font)
    values = workbook.create_sheet(_("Accepted values")[:31])
    values.append([_("Column"), _("Accepted values")])
    for cell in values[1]:
        cell.font = Font(bold=True)
    values.column_dimensions["A"].width = 26
    values.column_dimensions["B"].width = 70
    for key, accepted in accepted_values():
        values.append([str(_LABELS[key]), accepted])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_sheet(sheet: Any, keys: tuple[str, ...], font: Any) -> None:
    from openpyxl.utils import get_column_letter

    sheet.append([str(_LABELS[key]) for key in keys])
    widths = {VILLAGE: 22, HEAD: 26, ADDRESS: 36, RESIDENT: 26, PHONE: 16, BIRTH: 14, RELATIONSHIP: 16}
    for index, key in enumerate(keys, start=1):
        sheet.cell(row=sheet.max_row, column=index).font = font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(key, 14)
        if key in (PHONE, BIRTH):
            sheet.column_dimensions[letter].number_format = "@"  # keeps a phone's leading 0
    sheet.freeze_panes = sheet.cell(row=sheet.max_row + 1, column=1).coordinate


def accepted_values() -> list[tuple[str, str]]:
    """(column key, the values a user may write) for the columns with a fixed list."""
    # Official Vietnamese terms: the words officers write in their lists.
    return [
        (INTERNET, "Cáp quang (wifi, FTTH), Di động (3G/4G/5G), Không"),
        (BUSINESS, "x, có"),
        (GENDER, "Nam, Nữ, Khác"),
        (RELATIONSHIP, "Chủ hộ, Vợ, Chồng, Con, Bố, Mẹ, Cháu, Anh, Chị, Em, Khác"),
        (BIRTH, "1985, 05/03/1985"),
    ]


def reasons() -> dict[str, str]:
    """Why two households look alike, by duplicate key kind."""
    return {
        "phone": _("same head of household and phone"),
        "address": _("same head of household and address"),
    }
