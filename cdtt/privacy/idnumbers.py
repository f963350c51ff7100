"""Citizen ID numbers (CCCD, 12 digits; the old CMND, 9 digits) typed into free text: found and masked.

The platform never needs an ID number (the household register has no field for one, by design), yet people
type them into notes, titles and spreadsheets. They are stored masked rather than refused: the same text
arrives from the phone app's offline queue, from spreadsheets of thousands of rows and from chat messages,
where nobody is there to answer a refusal, and a refusal there would lose the rest of a useful note. Masking
keeps the note and drops the identifier; the last three digits stay so a team member can still tell two
cards apart when talking to the person.

Heuristics (money and phone numbers must not be caught):
- CCCD: 12 digits, unbroken or in groups of 3 or 4 separated by one kind of space, dot or dash, beginning
  with a province code 001-096;
- CMND: 9 unbroken digits not followed by a currency word (a 9-digit amount is written with dots or "đ").
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_CCCD = re.compile(r"(?<![\d.,])(?:\d{12}|\d{3}([ .\-])\d{3}\1\d{3}\1\d{3}|\d{4}([ .\-])\d{4}\2\d{4})(?![\d]|[.,]\d)")
_CMND = re.compile(r"(?<![\d.,+])\d{9}(?![\d]|[.,]\d|\s*(?:đ|đồng|vnđ|vnd|k\b|nghìn|ngàn|triệu|tr\b))", re.IGNORECASE)
KEEP = 3


def _is_cccd(digits: str) -> bool:
    return len(digits) == 12 and 1 <= int(digits[:3]) <= 96


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def find(text: str) -> list[str]:
    """The ID numbers in ``text``, as digits only."""
    if not text or not any(ch.isdigit() for ch in text):
        return []
    found = [_digits(m.group(0)) for m in _CCCD.finditer(text)]
    found = [digits for digits in found if _is_cccd(digits)]
    found += [m.group(0) for m in _CMND.finditer(text)]
    return found


def _mask_match(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = _digits(raw)
    if len(digits) == 12 and not _is_cccd(digits):
        return raw
    seen = 0
    total = len(digits)
    out = []
    for ch in raw:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - KEEP else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask(text: str) -> str:
    """``text`` with every ID number masked (all but the last three digits)."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    return _CMND.sub(_mask_match, _CCCD.sub(_mask_match, text))


def replace(text: str, by: str) -> str:
    """``text`` with every ID number replaced by ``by`` whole (erasure: nothing of it stays)."""

    def whole(match: re.Match[str]) -> str:
        digits = _digits(match.group(0))
        return match.group(0) if len(digits) == 12 and not _is_cccd(digits) else by

    return _CMND.sub(whole, _CCCD.sub(whole, text))


def _is_uuid(text: str) -> bool:
    """A receipt or job key (its groups of hex digits can look like a grouped CCCD)."""
    return len(text) == 36 and text.count("-") == 4 and all(ch in "0123456789abcdefABCDEF-" for ch in text)


def mask_value(value: Any) -> Any:
    """A JSON value with every string in it masked."""
    if isinstance(value, str):
        return value if _is_uuid(value) else mask(value)
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    return value


@cache
def masked_fields(label: str) -> tuple[str, ...]:
    """The attribute names of a model's free-text fields in the map (the ones that get masked)."""
    from django.apps import apps

    from cdtt.privacy.datamap import FIELDS, Kind

    model = apps.get_model(label)
    return tuple(
        model._meta.get_field(item.field).attname
        for item in FIELDS
        if item.model == label and (item.kind == Kind.FREE_TEXT or item.field in _STAGED.get(label, ()))
    )


# Staged copies that are typed text too (spreadsheet cells): masked like free text. The audit trail's details
# copy free text too (an extension's reason, a refusal's comment, a chat command): it is append-only, so erasure
# never reaches it, and an ID number written there would stay for good; every payload is masked on the way in.
_STAGED = {"transfers.ImportRow": ("data",), "transfers.ImportJob": ("rows",), "core.AuditEvent": ("details",)}


def mask_instance(obj: Any) -> None:
    """Mask the ID numbers in the free-text fields the map declares for this instance's model."""
    for attname in masked_fields(obj._meta.label):
        value = getattr(obj, attname)
        if value:
            setattr(obj, attname, mask_value(value))


def mask_instances(objs: Any) -> None:
    for obj in objs:
        mask_instance(obj)
