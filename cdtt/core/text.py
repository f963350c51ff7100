"""Vietnamese text helpers: cleaning what comes in, NFC storage, diacritic-free folding for search, phones."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext as _

from cdtt.core.errors import DomainError

_SPACES = re.compile(r"\s+")
# C0 controls except tab, line feed and carriage return; DEL; the C1 controls. No Vietnamese text carries them:
# they arrive only pasted from other programs or sent on purpose, and PostgreSQL refuses NUL in text outright.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Đ/đ is a separate letter, not D plus a mark, so NFD does not strip it.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def clean(value: str) -> str:
    """Return ``value`` in Unicode NFC without control characters (tab and line breaks are kept).

    Every query string, form and JSON body is passed through this once, on the way in
    (``cdtt.core.middleware.CleanTextMiddleware``): the characters are removed, not refused, because they
    cannot be typed and nobody could see what to correct.
    """
    if value.isascii() and value.isprintable():
        return value  # the common case, at no cost
    return _CONTROLS.sub("", unicodedata.normalize("NFC", value))


def nfc(value: str) -> str:
    """Return ``value`` cleaned, in Unicode NFC, with surrounding and repeated spaces removed."""
    return _SPACES.sub(" ", clean(value)).strip()


def clean_text(
    value: object,
    *,
    limit: int,
    field: str | None = None,
    required: str = "",
    lines: bool = True,
    label: str = "",
) -> str:
    """Free text typed by a person, as it is stored: cleaned as ``nfc`` does, refused when empty or too long.

    ``lines`` keeps the line breaks of prose (each line is tidied on its own; what is around the text is trimmed);
    one-line fields (a name, a contact) have every run of spaces, line breaks included, made one space.
    ``required`` is the message for an empty text (empty is allowed without it). ``label`` names the text in
    the too-long message ("The comment is too long ..."); without it the message says "The text".
    """
    raw = str(value or "")
    text = "\n".join(nfc(line) for line in raw.splitlines()).strip() if lines else nfc(raw)
    if required and not text:
        raise DomainError(required, field=field)
    if len(text) > limit:
        if label:
            message = _("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": limit}
        else:
            message = _("The text is too long (at most %(n)d characters).") % {"n": limit}
        raise DomainError(message, field=field)
    return text


def fold(value: str) -> str:
    """Return ``value`` lower-cased without diacritics: "Thành phố Hà Nội" -> "thanh pho ha noi"."""
    decomposed = unicodedata.normalize("NFD", value.translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.translate(_FOLD_EXTRA)).strip().casefold()


def normalize_phone(value: str) -> str:
    """Return a Vietnamese phone number as 0xxxxxxxxx; accepts +84, 84, spaces, dots and dashes."""
    raw = nfc(value)
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("84") and not digits.startswith("+") and len(digits) >= 11:
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        raise DomainError(_("The phone number “%(value)s” is not valid.") % {"value": raw}) from None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise DomainError(_("The phone number “%(value)s” is not valid.") % {"value": raw})
    return "0" + str(number.national_number)


def mask_phone(value: str) -> str:
    """Return a phone number with its middle digits hidden: 0912***678."""
    if len(value) < 7:
        return "***"
    return value[:4] + "***" + value[-3:]
