"""Vietnam's administrative units, read from two PyPI packages' bundled data.

The current two-tier tree (34 provinces and 3,321 communes, wards and special
zones, valid from 2025-07-01) comes from ``vietnam-provinces``, whose codes
follow the official register. Coordinates and areas for it, the legacy
three-tier tree (63 provinces, valid until 2025-06-30) and the links from old
communes to new ones come from ``vietnamadminunits``. Only the bundled files
are read: no package API is called (some of them geocode online), and nothing
here imports Django.

The two packages disagree on the codes of about 120 current communes; the
current tree and every link use the ``vietnam-provinces`` code, matched to
``vietnamadminunits`` by province and name.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from cdtt.core.text import nfc

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "ISLAND_DISTRICT_KEYS",
    "SuccessorLink",
    "UnitRecord",
    "current_units",
    "island_commune_code",
    "legacy_aliases",
    "legacy_keyword_index",
    "legacy_units",
    "loose_key",
    "new_code_by_key",
    "successor_links",
]

# Island districts with no commune below them (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo): the package's
# legacy table has one row for each with an empty commune, and its converter maps them (key
# "province_district_") to today's special zones. The platform keeps each as a commune-level legacy unit too,
# so an old address naming only the island district resolves like any other old commune.
ISLAND_DISTRICT_KEYS = frozenset({"huyenbachlongvi", "huyenconco", "huyenhoangsa", "huyenlyson", "huyencondao"})

_T = TypeVar("_T")
_Row = dict[str, Any]

# Words that open a unit's full name; longest first, so "Thị xã" wins over "Xã".
_TYPE_WORDS: tuple[str, ...] = (
    "Thành phố",
    "Thị trấn",
    "Đặc khu",
    "Phường",
    "Thị xã",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Xã",
)

_CURRENT_KINDS: dict[str, str] = {
    "xã": "commune",
    "phường": "ward",
    "đặc khu": "special_zone",
}

_LEGACY_KINDS: dict[str, str] = {
    "xã": "commune",
    "phường": "ward",
    "thị trấn": "township",
}

_QUERIES: dict[str, str] = {
    "admin_units": "SELECT * FROM admin_units",
    "admin_units_legacy": "SELECT * FROM admin_units_legacy",
}


@dataclass(frozen=True)
class UnitRecord:
    """One administrative unit of either the current or the legacy tree."""

    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    latitude: float | None
    longitude: float | None
    area_km2: float | None


@dataclass(frozen=True)
class SuccessorLink:
    """A link from a legacy commune to a current commune that took (part of) it."""

    old_code: str
    new_code: str
    is_default: bool


def _package_dir(package: str) -> Path:
    """Return the folder of an installed package without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {package!r} is not installed"
        raise RuntimeError(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def _unit_name(value: str) -> str:
    """Return a clean full name whose type word has its usual case ("Thị xã")."""
    name = nfc(value)
    lowered = name.lower()
    for word in _TYPE_WORDS:
        if lowered.startswith(word.lower() + " "):
            return word + name[len(word) :]
    return name


def _short_name(name: str) -> str:
    """Return the name without its type word; numbered units ("Quận 1") keep it."""
    for word in _TYPE_WORDS:
        if name.startswith(word + " "):
            rest = name[len(word) + 1 :]
            return name if rest.isdigit() else rest
    return name


def _exact_key(name: str) -> str:
    """Return a case- and punctuation-free key that keeps the diacritics."""
    lowered = unicodedata.normalize("NFC", name).lower()
    return "".join(ch for ch in lowered if ch.isalnum())


def _loose_key(name: str) -> str:
    """Return an accent-free key that absorbs variants such as "Thuỷ"/"Thủy"."""
    folded = unicodedata.normalize("NFC", name).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", folded)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.lower() if ch.isalnum())


def loose_key(name: str) -> str:
    """The accent-, case- and space-free key vietnamadminunits matches names by ("Xã Trung Mầu" -> "xatrungmau")."""
    return _loose_key(name)


def _opt_float(value: object) -> float | None:
    """Return the value as a float, or None when it is missing."""
    return float(value) if isinstance(value, int | float) else None


class _NameIndex(Generic[_T]):
    """Look values up by province and name: exact first, then unique accent-free."""

    def __init__(self, items: list[tuple[str, str, _T]]) -> None:
        """Index (province code, name, value) triples."""
        self._exact: dict[tuple[str, str], _T] = {}
        self._loose: dict[tuple[str, str], list[_T]] = {}
        for province_code, name, value in items:
            self._exact[(province_code, _exact_key(name))] = value
            self._loose.setdefault((province_code, _loose_key(name)), []).append(value)

    def get(self, province_code: str, name: str) -> _T | None:
        """Return the value for the name in a province; None if absent or ambiguous."""
        exact = self._exact.get((province_code, _exact_key(name)))
        if exact is not None:
            return exact
        candidates = self._loose.get((province_code, _loose_key(name)), [])
        return candidates[0] if len(candidates) == 1 else None


@functools.lru_cache(maxsize=2)
def _vau_rows(table: Literal["admin_units", "admin_units_legacy"]) -> tuple[_Row, ...]:
    """Return every row of one table of vietnamadminunits' bundled SQLite file."""
    path = _package_dir("vietnamadminunits") / "data" / "dataset.db"
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return tuple(dict(row) for row in conn.execute(_QUERIES[table]))
    finally:
        conn.close()


def _load_json(package: str, relative: str) -> object:
    """Return one bundled JSON file of an installed package, parsed."""
    path = _package_dir(package) / relative
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@functools.lru_cache(maxsize=1)
def _current_geo() -> tuple[dict[str, tuple[float | None, float | None]], _NameIndex[_Row]]:
    """Return vietnamadminunits' current province points and its indexed ward rows."""
    provinces: dict[str, tuple[float | None, float | None]] = {}
    wards: list[tuple[str, str, _Row]] = []
    for row in _vau_rows("admin_units"):
        point = (_opt_float(row["provinceLat"]), _opt_float(row["provinceLon"]))
        provinces[row["provinceCode"]] = point
        wards.append((row["provinceCode"], row["ward"], row))
    return provinces, _NameIndex(wards)


def _current_province(raw: _Row) -> UnitRecord:
    """Build a current province from vietnam-provinces' JSON entry."""
    code = f"{int(raw['code']):02d}"
    name = _unit_name(raw["name"])
    if raw["division_type"] == "tỉnh" and not name.startswith("Tỉnh "):
        name = f"Tỉnh {name}"
    latitude, longitude = _current_geo()[0].get(code, (None, None))
    return UnitRecord(
        code=code,
        name=name,
        short_name=_short_name(name),
        kind="province",
        parent_code=None,
        latitude=latitude,
        longitude=longitude,
        area_km2=None,
    )


def _current_commune(raw: _Row, province_code: str) -> UnitRecord:
    """Build a current commune, ward or special zone from its JSON entry."""
    name = _unit_name(raw["name"])
    geo = _current_geo()[1].get(province_code, name) or {}
    return UnitRecord(
        code=f"{int(raw['code']):05d}",
        name=name,
        short_name=_short_name(name),
        kind=_CURRENT_KINDS[raw["division_type"]],
        parent_code=province_code,
        latitude=_opt_float(geo.get("wardLat")),
        longitude=_opt_float(geo.get("wardLon")),
        area_km2=_opt_float(geo.get("wardAreaKm2")),
    )


@functools.lru_cache(maxsize=1)
def _current_records() -> tuple[UnitRecord, ...]:
    """Build the current tree: provinces by code, then communes by code."""
    data = _load_json("vietnam_provinces", "data/nested-divisions.json")
    raw_provinces = cast("list[_Row]", data)
    provinces: list[UnitRecord] = []
    communes: list[UnitRecord] = []
    for raw in raw_provinces:
        province = _current_province(raw)
        provinces.append(province)
        communes.extend(_current_commune(ward, province.code) for ward in raw["wards"])
    provinces.sort(key=lambda unit: unit.code)
    communes.sort(key=lambda unit: unit.code)
    return (*provinces, *communes)


def _legacy_unit(row: _Row, level: str, parent_code: str | None) -> UnitRecord:
    """Build a legacy unit of one level ("province", "district", "ward") from a row."""
    name = _unit_name(row[level])
    kind = level
    if level == "ward":
        kind = _LEGACY_KINDS[nfc(row["wardType"]).lower()]
    return UnitRecord(
        code=row[f"{level}Code"],
        name=name,
        short_name=_short_name(name),
        kind=kind,
        parent_code=parent_code,
        latitude=_opt_float(row[f"{level}Lat"]),
        longitude=_opt_float(row[f"{level}Lon"]),
        area_km2=None,
    )


def island_commune_code(district_code: str) -> str:
    """The code of an island district's commune-level legacy unit: the district code, marked (no clash)."""
    return f"H{district_code}"


def _island_commune(row: _Row) -> UnitRecord:
    """The commune-level legacy unit of an island district that had no commune (see ISLAND_DISTRICT_KEYS)."""
    district = _legacy_unit(row, "district", row["provinceCode"])
    return UnitRecord(
        code=island_commune_code(district.code),
        name=district.name,
        short_name=district.short_name,
        kind="commune",
        parent_code=district.code,
        latitude=district.latitude,
        longitude=district.longitude,
        area_km2=None,
    )


@functools.lru_cache(maxsize=1)
def _legacy_records() -> tuple[UnitRecord, ...]:
    """Build the legacy tree: provinces, then districts, then communes, by code."""
    provinces: dict[str, UnitRecord] = {}
    districts: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for row in _vau_rows("admin_units_legacy"):
        province_code: str = row["provinceCode"]
        district_code: str = row["districtCode"]
        if province_code not in provinces:
            provinces[province_code] = _legacy_unit(row, "province", None)
        if district_code not in districts:
            districts[district_code] = _legacy_unit(row, "district", province_code)
        if row["wardCode"] is not None:
            communes[row["wardCode"]] = _legacy_unit(row, "ward", district_code)
        else:  # an island district's row without a commune
            island = _island_commune(row)
            communes[island.code] = island
    return tuple(unit for level in (provinces, districts, communes) for _, unit in sorted(level.items()))


@functools.lru_cache(maxsize=1)
def _old_code_by_key() -> dict[str, str]:
    """Map vietnamadminunits' "province_district_ward" key to the old commune code."""
    codes: dict[str, str] = {}
    for row in _vau_rows("admin_units_legacy"):
        if row["wardCode"] is not None:
            codes[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = row["wardCode"]
        else:  # the converter's key of an island district ends with an empty commune
            codes[f"{row['provinceKey']}_{row['districtKey']}_"] = island_commune_code(row["districtCode"])
    return codes


@functools.lru_cache(maxsize=1)
def _new_code_by_key() -> dict[tuple[str, str], str]:
    """Map vietnamadminunits' (province key, ward key) to the vietnam-provinces code."""
    by_name = _NameIndex(
        [(unit.parent_code, unit.name, unit.code) for unit in _current_records() if unit.parent_code is not None]
    )
    mapping: dict[tuple[str, str], str] = {}
    for row in _vau_rows("admin_units"):
        code = by_name.get(row["provinceCode"], row["ward"])
        if code is not None:
            mapping[(row["provinceKey"], row["wardKey"])] = code
    return mapping


def _raw_links() -> Iterator[tuple[str, tuple[str, str], bool]]:
    """Yield (old key, new key, is default) from vietnamadminunits' converter JSON."""
    data = _load_json("vietnamadminunits", "data/converter_2025.json")
    converter = cast("dict[str, Any]", data)
    whole: dict[str, dict[str, list[str]]] = converter["DICT_PROVINCE_WARD_NO_DIVIDED"]
    for province_key, new_wards in whole.items():
        for new_ward_key, old_keys in new_wards.items():
            for old_key in old_keys:
                yield old_key, (province_key, new_ward_key), True
    split: dict[str, dict[str, list[_Row]]] = converter["DICT_PROVINCE_WARD_DIVIDED"]
    for province_key, old_wards in split.items():
        for old_key, targets in old_wards.items():
            for target in targets:
                new_key = (province_key, target["newWardKey"])
                yield old_key, new_key, bool(target["isDefaultNewWard"])


@functools.lru_cache(maxsize=1)
def _successor_records() -> tuple[SuccessorLink, ...]:
    """Build the old-to-new commune links, by old code with the default first."""
    old_codes = _old_code_by_key()
    new_codes = _new_code_by_key()
    links: dict[tuple[str, str], bool] = {}
    for old_key, new_key, is_default in _raw_links():
        old_code = old_codes.get(old_key)
        new_code = new_codes.get(new_key)
        if old_code is not None and new_code is not None:
            pair = (old_code, new_code)
            links[pair] = links.get(pair, False) or is_default
    ordered = sorted(links.items(), key=lambda item: (item[0][0], not item[1], item[0][1]))
    return tuple(SuccessorLink(old_code=old, new_code=new, is_default=default) for (old, new), default in ordered)


def new_code_by_key(province_key: str, ward_key: str) -> str | None:
    """The platform's code of the current commune vietnamadminunits keys as (province key, ward key)."""
    return _new_code_by_key().get((province_key, ward_key))


def legacy_code_by_keys(province_key: str, district_key: str, ward_key: str | None) -> str | None:
    """The platform's code of the legacy commune vietnamadminunits keys so (island districts: no ward key)."""
    return _old_code_by_key().get(f"{province_key}_{district_key}_{ward_key or ''}")


# The type words an alias key opens with, as the conversion data writes them (no accents, no spaces).
_ALIAS_TYPES = (("thitran", "Thị trấn"), ("phuong", "Phường"), ("xa", "Xã"))


@functools.lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every accent-free syllable of every unit name the packages know: the words alias keys are made of."""
    words: set[str] = set()
    for table in ("admin_units", "admin_units_legacy"):
        for row in _vau_rows(table):  # type: ignore[arg-type]
            for column in ("province", "district", "ward"):
                if row.get(column):
                    words.update(str(row[column]).split())
    return frozenset(key for word in words if (key := _loose_key(word)))


def _spell(key: str) -> str:
    """An accent-free key ("trungmau") cut into syllables ("Trung Mau"); the key itself if it cannot be cut."""
    syllables = _syllables()
    best: list[list[str] | None] = [[]] + [None] * len(key)
    for end in range(1, len(key) + 1):
        for start in range(max(0, end - 7), end):
            head, part = best[start], key[start:end]
            if head is not None and part in syllables:
                candidate = [*head, part]
                if best[end] is None or len(candidate) < len(best[end] or []):
                    best[end] = candidate
    words = best[len(key)]
    return " ".join(word.capitalize() for word in words) if words else key


@functools.lru_cache(maxsize=1)
def _alias_records() -> dict[str, tuple[str, ...]]:
    old_codes = _old_code_by_key()
    aliases: dict[str, tuple[str, ...]] = {}
    for row in _vau_rows("admin_units_legacy"):
        if row["wardCode"] is None or not row["wardAlias"]:
            continue
        own = row["wardShortKey"]
        names: dict[str, str] = {}
        for key in json.loads(row["wardAlias"]):
            for prefix, word in _ALIAS_TYPES:
                rest = key[len(prefix) :]
                if key.startswith(prefix) and rest and rest.lstrip("0") != own.lstrip("0"):
                    bare = rest.lstrip("0") if rest.isdigit() else rest
                    names.setdefault(f"{prefix}{bare}", f"{word} {bare if bare.isdigit() else _spell(bare)}")
                    break
        code = old_codes[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"]
        if names:
            aliases[code] = tuple(names.values())
    return aliases


@functools.lru_cache(maxsize=1)
def _keyword_records() -> dict[str, tuple[tuple[str, str], ...]]:
    old_codes = _old_code_by_key()
    index: dict[str, list[tuple[str, str]]] = {}
    for row in _vau_rows("admin_units_legacy"):
        if row["wardCode"] is None:
            continue
        code = old_codes[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"]
        for key in json.loads(row["wardKeywords"] or "[]"):
            if key.startswith(("xa", "phuong", "thitran")):
                index.setdefault(key, []).append((row["provinceCode"], code))
    return {key: tuple(codes) for key, codes in index.items()}


def legacy_keyword_index() -> dict[str, tuple[tuple[str, str], ...]]:
    """The package's keys of old communes with their type word ("xatrungmau", "xaphudong") -> (old province
    code, old commune code) of each commune known by it: its own name and every alias."""
    return _keyword_records()


def legacy_aliases() -> dict[str, tuple[str, ...]]:
    """Legacy commune code -> the other units the conversion data folds into it ("Xã Trung Mau").

    The package keeps these as accent-free keys ("xatrungmau") of communes merged before 2025 or of former
    names; they are spelled back into words, without accents (the data has none), and the unit's own name
    under another type word (a "xã" that became a "phường") is left out.
    """
    return _alias_records()


def current_units() -> Iterator[UnitRecord]:
    """Yield the 34 current provinces, then their 3,321 lower units, by code."""
    return iter(_current_records())


def legacy_units() -> Iterator[UnitRecord]:
    """Yield the 63 legacy provinces, then their districts, then their communes."""
    return iter(_legacy_records())


def successor_links() -> Iterator[SuccessorLink]:
    """Yield every legacy-commune to current-commune link, one default per old code."""
    return iter(_successor_records())
