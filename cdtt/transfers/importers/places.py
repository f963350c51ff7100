"""Places named in imported rows: a commune's villages by name, and the commune an address line names.

Addresses in communes' lists are often written with the units before the 2025 reform ("xã Bát Tràng,
huyện Gia Lâm, Hà Nội"); ``AddressResolver`` finds the commune they belong to today through the
legacy units and their successor links.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cdtt.core.text import fold
from cdtt.geo import resolver
from cdtt.geo.models import AdminUnit, Village, VillageKind
from cdtt.transfers import selectors

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")
# Each precomposed Latin letter (Vietnamese ones included) -> what cdtt.core.text.fold makes of it.
_FOLD_TABLE = {
    code: folded
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]
    if (folded := fold(chr(code))) != chr(code) and len(folded) == 1 and folded.isascii()
}


def fast_fold(value: str) -> str:
    """The same as ``cdtt.core.text.fold``, about three times faster on Vietnamese text (imports fold a lot).

    NFC, then one table lookup per letter; any text that does not come out as plain ASCII takes the
    general path, so the result is always exactly ``fold(value)``.
    """
    folded = unicodedata.normalize("NFC", value).translate(_FOLD_TABLE)
    if folded.isascii():
        return _SPACES.sub(" ", folded).strip().lower()
    return fold(value)


def plain(value: str) -> str:
    """Folded, with punctuation turned into single spaces: "Số 5, ngõ 3." -> "so 5 ngo 3"."""
    return _NOT_WORD.sub(" ", fast_fold(value)).strip()


# -- villages ------------------------------------------------------------------------------------

# Village type words, from the stored values ("to_dan_pho" -> "to dan pho"), plus common short forms.
_KIND_PREFIXES = sorted(
    {value.replace("_", " ") for value in VillageKind.values} | {"to", "khu", "tdp", "kp"}, key=len, reverse=True
)
_SAME_KIND = {"tdp": "to dan pho", "to": "to dan pho", "kp": "khu pho", "khu": "khu pho"}


def bare_village(folded: str) -> tuple[str, str]:
    """A folded village name's type word and the rest without "số": "to dan pho so 1" -> ("to dan pho", "1")."""
    name = _NOT_WORD.sub(" ", folded).strip()
    kind = ""
    for prefix in _KIND_PREFIXES:  # longest first: "to dan pho" before "to"
        if name.startswith(prefix + " ") and len(name) > len(prefix) + 1:
            kind, name = _SAME_KIND.get(prefix, prefix), name[len(prefix) + 1 :]
            break
    if name.startswith("so ") and len(name) > 3:
        name = name[3:]
    return kind, name


class VillageFinder:
    """Find a commune's active village by name, accents and case ignored, with or without its type word."""

    def __init__(self, villages: Iterable[Village]) -> None:
        self.by_id: dict[int, Village] = {}
        self.by_name: dict[tuple[int, str], Village] = {}
        self.by_bare_name: dict[tuple[int, str], list[tuple[str, Village]]] = defaultdict(list)
        for village in villages:
            self.by_id[village.pk] = village
            self.by_name[(village.commune_id, _NOT_WORD.sub(" ", village.name_folded).strip())] = village
            kind, bare = bare_village(village.name_folded)
            self.by_bare_name[(village.commune_id, bare)].append((kind, village))
        self._cache: dict[tuple[int, str], Village | None] = {}

    def find(self, commune_id: int, name: str) -> Village | None:
        key = (commune_id, name)
        if key not in self._cache:
            self._cache[key] = self._find(commune_id, name)
        return self._cache[key]

    def _find(self, commune_id: int, name: str) -> Village | None:
        folded = plain(name)
        village = self.by_name.get((commune_id, folded))
        if village is not None:
            return village
        # "Đông Xuân" for "Thôn Đông Xuân", "TDP 1" for "Tổ dân phố số 1": when one village of that type fits.
        kind, bare = bare_village(folded)
        matches = [v for k, v in self.by_bare_name.get((commune_id, bare), []) if not kind or not k or k == kind]
        return matches[0] if len(matches) == 1 else None


# -- addresses -----------------------------------------------------------------------------------

COMMUNE, DISTRICT, PROVINCE, EITHER = "commune", "district", "province", "either"

# Leading words of an address part, folded, longest first. "thanh pho"/"tp" is a province or (before
# 2025) a district-level city; "thi xa" must be tried before "xa".
_PART_WORDS: tuple[tuple[str, str], ...] = (
    ("thi tran", COMMUNE),
    ("thanh pho", EITHER),
    ("dac khu", COMMUNE),
    ("phuong", COMMUNE),
    ("thi xa", DISTRICT),
    ("huyen", DISTRICT),
    ("quan", DISTRICT),
    ("tinh", PROVINCE),
    ("xa", COMMUNE),
    ("tt", COMMUNE),
    ("tx", DISTRICT),
    ("tp", EITHER),
    ("p", COMMUNE),
    ("x", COMMUNE),
    ("h", DISTRICT),
    ("q", DISTRICT),
)
_COMMUNE_NAME_WORDS = ("xa", "phuong", "thi tran", "dac khu")
_PROVINCE_ALIASES = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "hn": "ha noi", "tp hcm": "ho chi minh"}
_SPLIT = re.compile(r"[,;\n]+|\s+-\s+")


@dataclass(frozen=True)
class AddressUnits:
    """The administrative parts an address names: its commune, and the parts written after it."""

    commune: str  # folded name without its type word; "" when the address names no commune
    uppers: tuple[tuple[str, str], ...]  # (kind of the part: district/province/either/"" unmarked, folded name)
    text: str = field(default="", compare=False)  # the parts as written, for messages
    # The address as written from the commune on ("Xã Ba Tô, Huyện Ba Tơ, Tỉnh Quảng Ngãi"): what the
    # package's parser reads, and part of the identity, since the folded parts lose the accents and the
    # commune's type word ("Xã Ba Tô" and "Thị trấn Ba Tơ" fold alike).
    tail: str = ""

    @property
    def names_district(self) -> bool:
        """Whether a part is a pre-2025 district: huyện, quận, thị xã, or a "thành phố" followed by a province
        ("Thành phố Cao Bằng, Tỉnh Cao Bằng": a city of a province was a district)."""
        kinds = [kind for kind, _name in self.uppers]
        city_then_province = any(k == EITHER and nxt in (PROVINCE, EITHER) for k, nxt in itertools.pairwise(kinds))
        return DISTRICT in kinds or city_then_province


def _split_word(part: str) -> tuple[str, str]:
    for word, kind in _PART_WORDS:
        if part.startswith(word + " ") and len(part) > len(word) + 1:
            return kind, part[len(word) + 1 :]
    return "", part


# A commune-level word anywhere in the folded text: without one, no part can name a commune.
_COMMUNE_WORD = re.compile(r"(?<![0-9a-z])(?:xa|phuong|thi tran|dac khu|tt|p|x)(?![0-9a-z])")


def address_units(address: str) -> AddressUnits:
    """Find the commune part of an address and the district/province parts after it."""
    text = address.replace("\n", ",")
    folded = fast_fold(text)
    # Most lines name only a house and a lane: they are told apart with one search of the folded text.
    if _COMMUNE_WORD.search(folded) is None:
        return AddressUnits(commune="", uppers=())
    return _address_units(text)


def _address_units(text: str) -> AddressUnits:
    commune = ""
    uppers: list[tuple[str, str]] = []
    written: list[str] = []
    tail, offset = "", 0
    for raw in _SPLIT.split(text):
        start = max(text.find(raw, offset), offset)
        offset = start + len(raw)
        part = plain(raw)
        if not part:
            continue
        kind, name = _split_word(part)
        if not commune:
            if kind == COMMUNE:
                commune = name
                written.append(raw.strip())
                tail = " ".join(text[start:].split())
            continue
        uppers.append((kind, _PROVINCE_ALIASES.get(name, _PROVINCE_ALIASES.get(part, name))))
        written.append(raw.strip())
    return AddressUnits(commune=commune, uppers=tuple(uppers), text=", ".join(written), tail=tail)


_SEVERAL, _UNKNOWN = "several", "unknown"  # cached problems; worded with the address as written


@dataclass(frozen=True)
class Resolved:
    """Where an address places a household: ``unit`` (None when the address names no commune) or a problem."""

    unit: AdminUnit | None = None
    problem: str = ""


def _short(unit: AdminUnit | None) -> str:
    return plain(unit.short_name) if unit is not None else ""


def _legacy_names(old: AdminUnit, links: list[tuple[AdminUnit, bool]]) -> set[str]:
    """The district and province names an address may write after a legacy commune."""
    district = old.parent
    legacy_province = district.parent if district is not None else None
    return {_short(district), _short(legacy_province)} | {_short(successor.parent) for successor, _d in links}


class AddressResolver:
    """Resolve the commune an address names to a current commune, the import's own when it can be.

    Rules: an address that names a district (huyện, quận, thị xã) is from before 2025, so its commune is
    read by vietnamadminunits' own parser (``cdtt.geo.resolver``: aliases and merged communes included),
    by name among the legacy units when the parser finds none; otherwise a current commune of that name
    is tried first. A legacy commune leads to its successor: the import's commune when it is one of them
    (a split commune), else the default successor. Parts written after the commune (district, province)
    narrow the search; an address without them is taken to be local (the import's province).
    """

    def __init__(self, *, user: Any, commune: AdminUnit) -> None:
        self.user = user
        self.commune = commune
        self.province_id = commune.parent_id
        self._cache: dict[AddressUnits, Resolved] = {}
        self._legacy_provinces: list[AdminUnit] | None = None

    def resolve(self, address: str) -> Resolved:
        units = address_units(address)
        if not units.commune:
            return Resolved()
        if units not in self._cache:
            self._cache[units] = self._resolve(units)
        resolved = self._cache[units]
        if resolved.problem == _SEVERAL:
            return Resolved(
                problem=_(
                    "The address names “%(name)s”, which could be one of several communes; "
                    "add the district and province to the address."
                )
                % {"name": units.text}
            )
        if resolved.problem == _UNKNOWN:
            return Resolved(
                problem=_("The address names “%(name)s”, which is not a commune or ward, before or after 2025.")
                % {"name": units.text}
            )
        return resolved

    def _resolve(self, units: AddressUnits) -> Resolved:
        names = [f"{word} {units.commune}" for word in _COMMUNE_NAME_WORDS]
        written = {name for _kind, name in units.uppers}
        several = False
        if not units.names_district:
            current = selectors.address_current_communes(user=self.user, folded_names=names)
            fitting = [u for u in current if self._fits_current(u, units)]
            if not any(_short(u.parent) in written for u in fitting):
                # No province written: an address of the import's own province.
                fitting = [u for u in fitting if u.parent_id == self.province_id]
            if self.commune in fitting:
                return Resolved(unit=self.commune)
            if len(fitting) == 1:
                return Resolved(unit=fitting[0])
            several = len(fitting) > 1
        parsed = self._parsed_legacy(units)
        if parsed is not None:
            if any(successor.pk == self.commune.pk for successor, _d in parsed.successors):
                return Resolved(unit=self.commune)  # a split commune: the part this import is for
            return Resolved(unit=parsed.default)
        # The package's parser needs the district; without one, its keyword lists give the old communes of
        # that name or alias, narrowed below by the province written, or else the import's own.
        legacy = [
            (old.unit, list(old.successors))
            for old in resolver.old_communes_named(names, spelled=units.text.split(",")[0])
            if old.successors and self._fits_legacy(old.unit, list(old.successors), units)
        ]
        if not any(_legacy_names(old, links) & written for old, links in legacy):
            legacy = [(old, links) for old, links in legacy if any(s.parent_id == self.province_id for s, _d in links)]
        if any(successor.pk == self.commune.pk for _old, links in legacy for successor, _d in links):
            return Resolved(unit=self.commune)
        defaults = {self._default(links).pk: self._default(links) for _old, links in legacy}
        if len(defaults) == 1:
            return Resolved(unit=next(iter(defaults.values())))
        return Resolved(problem=_SEVERAL if several or len(defaults) > 1 else _UNKNOWN)

    def _parsed_legacy(self, units: AddressUnits) -> resolver.OldCommune | None:
        """The old commune vietnamadminunits' parser reads in the address (aliases included), with successors.

        An address without its province is read as one of the import's province: each pre-2025 province
        whose communes went into it is tried in turn.
        """
        found = resolver.old_commune(units.tail or units.text)
        if found is None:
            if self._legacy_provinces is None:
                province = self.commune.parent
                self._legacy_provinces = resolver.legacy_provinces_into(province) if province else []
            for province in self._legacy_provinces:
                found = resolver.old_commune(f"{units.tail or units.text}, {province.name}")
                if found is not None:
                    break
        return found if found is not None and found.successors else None

    @staticmethod
    def _default(links: list[tuple[AdminUnit, bool]]) -> AdminUnit:
        for successor, is_default in links:
            if is_default:
                return successor
        return links[0][0]

    @staticmethod
    def _fits_current(unit: AdminUnit, units: AddressUnits) -> bool:
        province = _short(unit.parent)
        for kind, name in units.uppers:
            if name == province:
                continue
            if kind in (PROVINCE, EITHER):
                return False
            # An unmarked part that is not the province (a country, a note) says nothing.
        return True

    @staticmethod
    def _fits_legacy(old: AdminUnit, links: list[tuple[AdminUnit, bool]], units: AddressUnits) -> bool:
        district = old.parent
        legacy_province = district.parent if district is not None else None
        provinces = {_short(legacy_province)} | {_short(successor.parent) for successor, _d in links}
        for kind, name in units.uppers:
            if kind == DISTRICT and name != _short(district):
                return False
            if kind == PROVINCE and name not in provinces:
                return False
            if kind == EITHER and name != _short(district) and name not in provinces:
                return False
        return True
