"""Old (pre-2025) addresses and commune names, resolved by vietnamadminunits' own parser.

Every place that turns a written old address or commune name into a unit (the imports of villages,
teams and households) asks here. The package's parser knows the aliases of old communes (communes merged
before 2025, former names, "P4"/"F4" for "Phường 4", spellings without accents) that a name match misses:
"Xã Trung Mầu, Huyện Gia Lâm, Hà Nội" is the old Xã Phù Đổng, now Xã Phù Đổng. Its result is mapped to the
platform's legacy unit by the package's own keys (``sources.legacy_code_by_keys``), and from there to today's
commune through the successor links loaded from the package's converter, so the answer is the one
``vietnamadminunits.convert_address`` gives (``test_every_old_commune_and_alias_resolves_like_convert_address``).

``parse_address`` is called with ``keep_street=False``: the package geocodes online only to place a street
inside a split commune, which the platform never does (the default successor, or the import's own commune
when it is one of the successors, is taken instead).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdtt.geo import sources
from cdtt.geo.models import LEGACY_END, AdminUnit, UnitSuccessor

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class OldCommune:
    """A legacy commune an address names, with its successors today (unit, is the package's default)."""

    unit: AdminUnit
    successors: tuple[tuple[AdminUnit, bool], ...]

    @property
    def default(self) -> AdminUnit | None:
        """The current commune the package converts the old one to (the default successor when it was split)."""
        for successor, is_default in self.successors:
            if is_default:
                return successor
        return self.successors[0][0] if self.successors else None


@functools.lru_cache(maxsize=50_000)
def legacy_code(address: str) -> str | None:
    """The platform's code of the old commune an address names, by the package's LEGACY parser; None if none.

    The address is written the old way: "(street,) commune, district, province"; accents and case are
    ignored, aliases understood. An island district without communes (Côn Đảo, ...) is its own commune.
    """
    from vietnamadminunits import ParseMode, parse_address  # loads the package's tables on first use

    text = " ".join(address.split())
    if not text:
        return None
    unit: Any = parse_address(text, mode=ParseMode.LEGACY, keep_street=False, level=3)
    if not unit.province_key or not unit.district_key:
        return None
    if unit.ward_key is None and unit.district_key not in sources.ISLAND_DISTRICT_KEYS:
        return None
    return sources.legacy_code_by_keys(unit.province_key, unit.district_key, unit.ward_key)


def legacy_codes_named(name: str, *, province_codes: Iterable[str] | None = None) -> list[str]:
    """Codes of the old communes a bare name ("Xã Trung Mầu", type word included) means, aliases included.

    Without a district the package's parser cannot read a commune, so its own keyword lists (the names and
    aliases its parser matches) are looked up instead, within the old provinces given.
    """
    key = sources.loose_key(name)  # the package's key_normalize, without loading its parser
    wanted = set(province_codes) if province_codes is not None else None
    hits = sources.legacy_keyword_index().get(key, ())
    return list(dict.fromkeys(code for province, code in hits if wanted is None or province in wanted))


def old_communes(codes: Iterable[str], *, retired_only: bool = False) -> dict[str, OldCommune]:
    """The legacy communes with these codes, each with its successors; two queries whatever the count.

    ``retired_only`` leaves out the codes a current unit also has: both trees reuse codes for different
    units, and a code written after 2025 means the current one.
    """
    wanted = set(codes)
    if wanted and retired_only:
        wanted -= set(AdminUnit.objects.current().filter(code__in=wanted).values_list("code", flat=True))
    if not wanted:
        return {}
    units = AdminUnit.objects.filter(valid_to=LEGACY_END, code__in=wanted).communes().select_related("parent__parent")
    by_pk = {unit.pk: unit for unit in units}
    links: dict[int, list[tuple[AdminUnit, bool]]] = {pk: [] for pk in by_pk}
    for link in UnitSuccessor.objects.filter(old__in=list(by_pk)).select_related("new__parent").order_by("id"):
        links[link.old_id].append((link.new, link.is_default))
    return {unit.code: OldCommune(unit=unit, successors=tuple(links[pk])) for pk, unit in by_pk.items()}


_TYPE_PREFIXES = ("xa ", "phuong ", "thi tran ", "x ", "p ", "tt ")


def typed_names(name: str) -> list[str]:
    """A commune name as written, with each old type word in front when it was written without one."""
    from cdtt.core.text import fold

    if fold(name).startswith(_TYPE_PREFIXES):
        return [name]
    return [f"{word} {name}" for word in ("Xã", "Phường", "Thị trấn")]


def old_communes_named(names: Iterable[str], *, spelled: str = "") -> list[OldCommune]:
    """The old communes any of these bare names (type word included) means, aliases included.

    Accents are ignored by the package's keys ("Phù Đổng" and "Phú Đông" share one); when some of the
    communes found are spelled exactly as ``spelled`` (case aside), only those are kept.
    """
    codes = [code for name in names for code in legacy_codes_named(name)]
    found = list(old_communes(codes).values())
    exact = " ".join(spelled.split()).casefold()
    same = [old for old in found if exact and old.unit.name.casefold() == exact]
    return same or found


def unit_ids_named(q: str) -> list[int]:
    """Ids of the old communes a search names (own name or an alias the package knows) and of what they became.

    Searches add these to their name matches: "Trung Mầu" finds Xã Phù Đổng, into which the old commune was
    merged before 2025. A search of current units keeps only the current ones.
    """
    from cdtt.core.text import fold

    text = " ".join(q.split())
    if len(fold(text)) < 3:
        return []
    ids: list[int] = []
    for old in old_communes_named(typed_names(text), spelled=text):
        ids.append(old.unit.pk)
        ids.extend(successor.pk for successor, _default in old.successors)
    return ids


def old_commune(address: str) -> OldCommune | None:
    """The legacy commune an old address names, with its successors; None if the parser finds none."""
    code = legacy_code(address)
    if code is None:
        return None
    return old_communes([code]).get(code)


def current_commune(address: str) -> AdminUnit | None:
    """Today's commune for an old address: the one ``vietnamadminunits.convert_address`` gives (no street)."""
    found = old_commune(address)
    return found.default if found is not None else None


def legacy_provinces_into(province: AdminUnit) -> list[AdminUnit]:
    """The pre-2025 provinces whose communes went (partly) into this current province, by name."""
    ids = (
        UnitSuccessor.objects.filter(new__parent=province, old__valid_to=LEGACY_END)
        .values_list("old__parent__parent", flat=True)
        .distinct()
    )
    return list(AdminUnit.objects.filter(pk__in=list(ids)).order_by("name"))


def unit_aliases(unit: AdminUnit) -> tuple[str, ...]:
    """Other units the conversion data folds into a legacy commune ("Xã Trung Mau" in Xã Phù Đổng)."""
    if unit.is_current:
        return ()
    return sources.legacy_aliases().get(unit.code, ())
