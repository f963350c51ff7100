"""Erasure beyond the register's own fields: a person's name, phones and ID numbers are redacted wherever the
map of personal data says free text or a copy of the register can hold them (notes, titles, bodies, staged
import rows, sync copies, change history, chat messages, ...).

Rows are only rewritten, never deleted, so every count stays. A *name* is redacted in rows of the person's
commune, its villages, the units above it, and rows with no unit (a namesake in another commune is another
person); phone and ID numbers identify one person, so they are redacted in every row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from cdtt.core.text import fold
from cdtt.privacy import datamap, idnumbers
from cdtt.privacy.datamap import Kind

# What replaces a redacted name, phone or ID number: data (Vietnamese), not interface text.
REDACTED = "[đã xóa]"
# The register's own rows are erased field by field by the household erasure, not redacted.
_ERASED_DIRECTLY = {"households.Household", "households.Resident"}
# A member's own row and account are erased field by field by the staff erasure (``privacy.staff``).
_STAFF_ERASED_DIRECTLY = {"teams.Member", "accounts.User"}
_SEP = r"[\s.\-]?"


@dataclass
class Subject:
    """Who is being erased: the commune they live in and what identifies them in text."""

    commune_path: str
    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def add_name(self, name: str) -> None:
        name = unicodedata.normalize("NFC", name or "").strip()
        # One word ("An") would redact every An of the commune: only full names are searched for.
        if len(name.split()) >= 2:
            self.names.add(name)
            self.names.add(fold(name))

    def add_phone(self, phone: str) -> None:
        digits = "".join(ch for ch in phone or "" if ch.isdigit())
        if len(digits) >= 9:
            self.phones.add(digits[1:] if digits.startswith("0") else digits)

    def add_text(self, text: str) -> None:
        """ID numbers written in the person's own records belong to them: redacted everywhere."""
        self.ids.update(idnumbers.find(text or ""))

    @property
    def empty(self) -> bool:
        return not (self.names or self.phones or self.ids)


def _patterns(subject: Subject) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """(names, numbers): one case-insensitive pattern for the names, one for the phones and ID numbers."""
    names = [r"\s+".join(re.escape(word) for word in name.split()) for name in sorted(subject.names)]
    numbers = [r"(?:\+?\s?84|0)" + _SEP + _SEP.join(phone) for phone in sorted(subject.phones)]
    numbers += [_SEP.join(digits) for digits in sorted(subject.ids)]
    by_name = re.compile(r"(?<!\w)(?:" + "|".join(names) + r")(?!\w)", re.IGNORECASE) if names else None
    by_number = re.compile(r"(?<!\d)(?:" + "|".join(numbers) + r")(?!\d)") if numbers else None
    return by_name, by_number


def _redactor(subject: Subject, *, with_names: bool) -> Callable[[str], str]:
    by_name, by_number = _patterns(subject)

    def redact_text(text: str) -> str:
        normal = unicodedata.normalize("NFC", text)
        out = normal
        if by_number is not None:
            out = by_number.sub(REDACTED, out)
        if with_names and by_name is not None:
            out = by_name.sub(REDACTED, out)
        if out == normal:
            return text
        # A text that named the person: any other ID number in it is theirs too (and should not be there).
        return idnumbers.replace(out, REDACTED)

    return redact_text


def _walk(value: Any, redact_text: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [_walk(item, redact_text) for item in value]
    if isinstance(value, dict):
        return {key: _walk(item, redact_text) for key, item in value.items()}
    return value


def _targets(*, staff: bool = False) -> list[datamap.Field]:
    """Every declared place where a person of the register can appear outside the register's own rows; for a
    member of staff, the staff fields that name other people too (trainers, signers, contacts, phone labels)."""
    kinds = (Kind.FREE_TEXT, Kind.COPY, Kind.SUBJECT)
    found = [item for item in datamap.fields_of(*kinds) if item.model not in _ERASED_DIRECTLY]
    if staff:
        found += [
            item
            for item in datamap.fields_of(Kind.STAFF)
            if item.model not in _STAFF_ERASED_DIRECTLY and _is_text(item)
        ]
    return found


def _is_text(item: datamap.Field) -> bool:
    from django.db.models import CharField, JSONField
    from django.db.models import TextField as Text

    return isinstance(apps.get_model(item.model)._meta.get_field(item.field), CharField | Text | JSONField)


def _ancestors(path: str) -> list[str]:
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def _local_q(item: datamap.Field, subject: Subject) -> Q:
    unit_path = f"{item.unit_path}__path"
    return (
        Q(**{f"{item.unit_path}__isnull": True})
        | Q(**{f"{unit_path}__in": _ancestors(subject.commune_path)})
        | Q(**{f"{unit_path}__startswith": subject.commune_path})
    )


def _numbers_q(subject: Subject) -> Q:
    """Rows whose text holds the last digits of one of the numbers (the pattern then decides)."""
    q = Q(pk__in=[])
    for tail in {number[-3:] for number in subject.phones | subject.ids}:
        q |= Q(_as_text__contains=tail)
    return q


def _rows(item: datamap.Field, subject: Subject) -> Iterable[tuple[Any, Any, bool]]:
    """(pk, value, names too) of the rows that may hold the person's data."""
    model = apps.get_model(item.model)
    column = model._meta.get_field(item.field).attname
    rows = model._base_manager.exclude(**{f"{column}__isnull": True}).order_by("pk")
    if item.unit_path is None:
        for pk, value in rows.values_list("pk", column).iterator(chunk_size=2000):
            yield pk, value, True
        return
    local = _local_q(item, subject)
    for pk, value in rows.filter(local).values_list("pk", column).iterator(chunk_size=2000):
        yield pk, value, True
    far = rows.exclude(local).annotate(_as_text=Cast(column, TextField())).filter(_numbers_q(subject))
    for pk, value in far.values_list("pk", column).iterator(chunk_size=2000):
        yield pk, value, False


def mentions(subject: Subject) -> list[tuple[datamap.Field, Any, Any]]:
    """(place, row id, value) of every row whose declared text names the person (for the access export)."""
    if subject.empty:
        return []
    with_names, numbers_only = _redactor(subject, with_names=True), _redactor(subject, with_names=False)
    found = []
    for item in _targets():
        for pk, value, names_too in _rows(item, subject):
            if _walk(value, with_names if names_too else numbers_only) != value:
                found.append((item, pk, value))
    return found


def _in_file_name(subject: Subject, name: str) -> bool:
    """The file's own name names the person: ``Trần_Văn_Khải.jpg``, ``tran-van-khai-0912345671.png``."""
    base = name.rsplit("/", 1)[-1]
    words = " " + " ".join(re.split(r"[^0-9a-z]+", fold(base))) + " "
    if any(f" {fold(person)} " in words for person in subject.names):
        return True
    digits = "".join(ch for ch in base if ch.isdigit())
    return any(number in digits for number in subject.phones | subject.ids)


def _files(subject: Subject) -> list[tuple[datamap.Field, Any]]:
    """(place, row id) of every uploaded file that belongs to the person: named after them, or sent with a text
    (a difficulty, a caption) that names them. Found before the texts are redacted, deleted after.

    As in the texts, a *name* counts in rows of the person's commune and the units above it (or with no unit);
    phone and ID numbers everywhere."""
    numbers = Subject(subject.commune_path, phones=subject.phones, ids=subject.ids)
    found = []
    for item in datamap.fields_of(Kind.FILE):
        model = apps.get_model(item.model)
        rows = model._base_manager.exclude(**{item.field: ""}).order_by("pk")
        local = _local_q(item, subject) if item.unit_path else Q()
        passes = [(rows.filter(local), subject)]
        if item.unit_path:
            passes.append((rows.exclude(local), numbers))
        for part, who in passes:
            redact_text = _redactor(who, with_names=True)
            for pk, name, *texts in part.values_list("pk", item.field, *item.about).iterator(chunk_size=2000):
                if _in_file_name(who, name) or any(text and redact_text(text) != text for text in texts):
                    found.append((item, pk))
    return found


def _delete_files(found: list[tuple[datamap.Field, Any]]) -> dict[str, int]:
    """Delete the stored files; a row that cannot be without its file (a photo) goes with it, counting nothing."""
    deleted: dict[str, int] = {}
    for item, pk in found:
        model = apps.get_model(item.model)
        row = model._base_manager.filter(pk=pk).first()
        if row is None:
            continue
        model_field = model._meta.get_field(item.field)
        getattr(row, item.field).delete(save=False)
        if model_field.blank:
            model._base_manager.filter(pk=pk).update(**{item.field: ""})
        else:
            model._base_manager.filter(pk=pk).delete()
        place = f"{item.model}.{item.field}"
        deleted[place] = deleted.get(place, 0) + 1
    return deleted


def redact(subject: Subject, *, staff: bool = False) -> dict[str, int]:
    """Redact the person everywhere the map points, and delete their uploaded files; returns how many rows
    changed per place (for the audit)."""
    if subject.empty:
        return {}
    with_names, numbers_only = _redactor(subject, with_names=True), _redactor(subject, with_names=False)
    files = _files(subject)
    changed: dict[str, int] = {}
    for item in _targets(staff=staff):
        model = apps.get_model(item.model)
        column = model._meta.get_field(item.field).attname
        for pk, value, names_too in list(_rows(item, subject)):
            new = _walk(value, with_names if names_too else numbers_only)
            if new != value:
                # update(): no save() side effects (versions, timestamps, re-cleaning) on other people's records.
                model._base_manager.filter(pk=pk).update(**{column: new})
                place = f"{item.model}.{item.field}"
                changed[place] = changed.get(place, 0) + 1
    for place, count in _delete_files(files).items():
        changed[place] = changed.get(place, 0) + count
    return changed
