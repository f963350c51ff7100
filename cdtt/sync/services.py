"""Sync push: a batch of records from a phone, each answered on its own and stored in its own transaction.

Rules (ODK/CommCare style, see research/anchors.md §2.6-2.7):
- Every record carries its client UUID. The same UUID with the same content is accepted again as a
  no-op (the first answer is returned); with other content it is an edit when it carries the version
  it was based on, otherwise a conflict for that record; never a silent overwrite.
- A household change based on an older version is kept and flagged for the team leader
  (``SyncConflict``), not thrown away.
- New activity records (the bulk of a phone's queue) are checked together against what a few queries
  fetched for the whole batch, with the same checks and reasons as one record, and the accepted ones are
  stored in one transaction: one insert of the records, one of their audit events, one sorted upsert of
  the progress cells (``activity_record_many``). Every other record (adoption ticks, household changes,
  explicit edits, a UUID met twice in one batch) goes on its own, in its own transaction, after the new
  records before it are committed, so each record still sees all the ones before it, as if sent alone.
  If the batch's transaction fails (the same record stored meanwhile by a concurrent resend), it is rolled
  back and its records are sent one by one instead.
- Nothing is answered before it is committed: a server stopped mid-batch keeps every record it answered,
  and a resend stores the others once.
- A record may name its author (the user who made it on the phone): one made by someone else than the
  token's user is refused, so a phone shared by two members never stores one's work under the other.
- Records are handled in the order sent (the phone sends them in the order they were made), and a
  household change based on the version this member's own earlier record of the batch replaced is based
  on the new one: a member's earlier tick never turns their later edit into a conflict.
- Guidance for the same person, outcome and day as one already stored is kept (both visits happened) and
  flagged for the team leader (``GuidanceRepeat``); its answer says so.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid as uuid_module
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.activities.models import Activity
from cdtt.activities.services import (
    ActivityIn,
    BatchLookups,
    Checked,
    activity_check,
    activity_record,
    activity_record_many,
    activity_replayed,
    activity_update,
)
from cdtt.catalog.models import Platform
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.households.models import Household, Resident
from cdtt.households.services import HOUSEHOLD_FIELDS as REGISTER_FIELDS
from cdtt.households.services import HouseholdIn, adoption_set, adoption_unset, household_update, require_household
from cdtt.sync.models import Device, GuidanceRepeat, SyncConflict, SyncReceipt

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_BATCH = 200
CLOCK_SKEW = datetime.timedelta(minutes=10)  # a phone's clock may run a little ahead
HOUSEHOLD_FIELDS = ("members_count", "adults_count", "smartphones", "internet", "is_business", "notes")

ACCEPTED, DUPLICATE, EDITED, CONFLICT, REFUSED = "accepted", "duplicate", "edited", "conflict", "refused"


@dataclass
class Answer:
    uuid: str
    status: str
    reason: str = ""
    id: int | None = None
    version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "status": self.status, "reason": self.reason, "id": self.id, "version": self.version}


def digest(record: dict[str, Any]) -> str:
    content = {"type": record.get("type"), "data": record.get("data"), "base_version": record.get("base_version")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def push(*, actor: User, records: list[Any]) -> list[Answer]:
    """Answer every record of a batch (at most MAX_BATCH; the caller refuses a larger one)."""
    batch = _Batch(actor, records)
    for index, record in enumerate(records):
        stranger = _not_by(actor, record)
        if stranger is not None:
            batch.answers[index] = stranger
            continue
        step = batch.check(record)
        if isinstance(step, Answer):
            batch.answers[index] = step
        elif step is None:  # on its own, after the records before it are stored
            batch.store()
            batch.answers[index] = batch.alone(record)
        else:
            batch.pending.append((index, step))
    batch.store()
    answers = [answer for answer in batch.answers if answer is not None]
    if len(answers) != len(records):
        raise RuntimeError("a record of the batch was left without an answer")
    _flag_repeats(answers)
    return answers


def _not_by(actor: User, record: Any) -> Answer | None:
    """The refusal of a record whose author is not the token's user (None when it is, or names nobody)."""
    if not isinstance(record, dict) or record.get("author") in (None, ""):
        return None
    if str(record["author"]) == str(actor.pk):
        return None
    return Answer(
        str(record.get("uuid", "")),
        REFUSED,
        _("This record was made by another user of this phone; it is sent only when they sign in."),
    )


def _flag_repeats(answers: list[Answer]) -> None:
    """Flag accepted guidance that repeats stored guidance for the same person, outcome and day."""
    accepted = {a.uuid: a for a in answers if a.status == ACCEPTED and a.id is not None}
    if not accepted:
        return
    new = list(
        Activity.objects.filter(
            uuid__in=list(accepted),
            kind="guidance",
            resident__isnull=False,
            outcome__isnull=False,
            voided_at__isnull=True,
        ).values("pk", "uuid", "resident_id", "outcome_id", "occurred_on")
    )
    if not new:
        return
    # Which record came first is the order the phone sent them in (a batch is stored in UUID order). All
    # the guidance that could match is read at once: a batch of 200 records costs one query, not 200.
    place = {a.uuid: index for index, a in enumerate(answers)}
    same: dict[tuple[Any, Any, Any], list[Activity]] = {}
    for other in (
        Activity.objects.filter(
            resident_id__in={row["resident_id"] for row in new},
            outcome_id__in={row["outcome_id"] for row in new},
            occurred_on__in={row["occurred_on"] for row in new},
            kind="guidance",
            voided_at__isnull=True,
        )
        .select_related("recorded_by")
        .order_by("pk")
    ):
        same.setdefault((other.resident_id, other.outcome_id, other.occurred_on), []).append(other)
    for row in new:
        mine = place[str(row["uuid"])]
        earlier = [
            other
            for other in same.get((row["resident_id"], row["outcome_id"], row["occurred_on"]), [])
            if other.pk != row["pk"] and place.get(str(other.uuid), -1) < mine  # stored before, or sent before
        ]
        if not earlier:
            continue
        first = earlier[0]
        GuidanceRepeat.objects.get_or_create(activity_id=row["pk"], defaults={"first": first})
        by = first.recorded_by
        who = (by.full_name or by.username) if by is not None else "?"
        accepted[str(row["uuid"])].reason = _(
            "%(who)s already recorded this for this person today; both are kept and the team leader is told."
        ) % {"who": who}


def _uuid(record: Any) -> uuid_module.UUID | None:
    try:
        return uuid_module.UUID(str(record.get("uuid", "")))
    except ValueError:
        return None


def _loose_int(value: Any) -> int | None:
    """An id for prefetching (a bad one is refused later, with its reason, by the record's own check)."""
    try:
        return _int(value, "")
    except DomainError:
        return None


class _Batch:
    """One push: what its activity records need, fetched once; the new records waiting to be stored."""

    def __init__(self, actor: User, records: list[Any]) -> None:
        self.actor = actor
        self.records = records
        self.answers: list[Answer | None] = [None] * len(records)
        self.pending: list[tuple[int, Checked]] = []
        self.seen: set[uuid_module.UUID] = set()
        # (household id, version before) -> version after, for this member's own records of the batch.
        self.moved: dict[tuple[int, int], int] = {}
        activities = [
            r
            for r in records
            if isinstance(r, dict) and r.get("type") == "activity" and isinstance(r.get("data"), dict)
        ]
        keys = {key for key in map(_uuid, activities) if key is not None}
        self.existing = {a.uuid: a for a in Activity.objects.filter(uuid__in=keys)} if keys else {}
        codes = {str(r["data"]["platform"]) for r in activities if r["data"].get("platform")}
        self.platforms: dict[str, int] = (
            dict(Platform.objects.filter(code__in=codes, is_active=True).values_list("code", "pk")) if codes else {}
        )
        self.lookups = BatchLookups(
            actor,
            [
                ActivityIn(
                    kind="",
                    occurred_on=datetime.date.min,
                    household_id=_loose_int(r["data"].get("household_id")),
                    resident_id=_loose_int(r["data"].get("resident_id")),
                    village_id=_loose_int(r["data"].get("village_id")),
                    commune_id=_loose_int(r["data"].get("commune_id")),
                    platform_id=self.platforms.get(str(r["data"].get("platform") or "")),
                    outcome_id=_loose_int(r["data"].get("outcome_id")),
                )
                for r in activities
            ],
        )

    def check(self, record: Any) -> Answer | Checked | None:
        """The answer of a record known without writing, a new activity to store with the others, or None
        for a record that goes on its own (``_one``). Same checks, order and reasons as ``_one``."""
        if not isinstance(record, dict) or record.get("type") != "activity":
            if isinstance(record, dict) and record.get("type") in ("adoption", "household"):
                return None
            return _one(self.actor, record)  # refused without a query: not an object, no uuid, no data, a bad type
        key = _uuid(record)
        data = record.get("data")
        if key is None or not isinstance(data, dict) or key in self.seen:
            return None if key is not None and isinstance(data, dict) else _one(self.actor, record)
        self.seen.add(key)
        existing = self.existing.get(key)
        try:
            if existing is not None and existing.voided_at is not None:
                return Answer(
                    str(key), DUPLICATE, _("Already received, and voided since: not recorded again."), existing.pk
                )
            incoming = _activity_in(key, data, self.platforms)
            if existing is not None and record.get("base_version") not in (None, ""):
                return None  # an explicit edit
            checked = activity_check(lookups=self.lookups, data=incoming)
            if existing is not None:
                first = activity_replayed(existing=existing, checked=checked)
                return Answer(str(key), DUPLICATE, "", first.pk, first.version)
        except NotFound as exc:
            return Answer(str(key), REFUSED, exc.message)
        except VersionConflict as exc:
            return Answer(str(key), CONFLICT, exc.message)
        except DomainError as exc:
            return Answer(str(key), REFUSED, exc.message)
        return checked

    def alone(self, record: Any) -> Answer:
        """A record on its own; a household change is based past this member's own earlier changes."""
        if not isinstance(record, dict) or record.get("type") not in ("adoption", "household"):
            return _one(self.actor, record)
        data = record.get("data")
        household_id = _loose_int(data.get("household_id")) if isinstance(data, dict) else None
        if household_id is None:
            return _one(self.actor, record)
        before = Household.objects.filter(pk=household_id).values_list("version", flat=True).first()
        sent = record
        base = _loose_int(record.get("base_version"))
        if record["type"] == "household" and base is not None and (household_id, base) in self.moved:
            while (household_id, base) in self.moved:
                base = self.moved[(household_id, base)]
            sent = {**record, "base_version": base}
        # The receipt keeps the digest of the record as the phone sent it: a resend is the same record.
        answer = _one(self.actor, sent, content=digest(record))
        if answer.status == ACCEPTED and before is not None and answer.version not in (None, before):
            self.moved[(household_id, before)] = answer.version
        return answer

    def store(self) -> None:
        """Store the new records waiting, in one transaction; if it fails, each on its own."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        try:
            with transaction.atomic():
                stored = activity_record_many(
                    actor=self.actor, lookups=self.lookups, records=[checked for _index, checked in pending]
                )
        except DatabaseError:  # e.g. the same records stored meanwhile by a concurrent resend
            for index, _checked in pending:
                self.answers[index] = _one(self.actor, self.records[index])
            return
        for (index, checked), activity in zip(pending, stored, strict=True):
            self.answers[index] = Answer(str(checked.data.uuid), ACCEPTED, "", activity.pk, activity.version)


def _one(actor: User, record: Any, content: str | None = None) -> Answer:
    if not isinstance(record, dict):
        return Answer("", REFUSED, _("The record is not an object."))
    raw_uuid = str(record.get("uuid", ""))
    try:
        key = uuid_module.UUID(raw_uuid)
    except ValueError:
        return Answer(raw_uuid, REFUSED, _("The record has no valid identifier (uuid)."))
    kind = record.get("type")
    data = record.get("data")
    if not isinstance(data, dict):
        return Answer(str(key), REFUSED, _("The record has no data."))
    try:
        if kind == "activity":
            return _activity(actor, key, data, record.get("base_version"))
        if kind in ("adoption", "household"):
            return _receipted(actor, key, kind, record, content or digest(record))
        return Answer(str(key), REFUSED, _("Unknown kind of record “%(kind)s”.") % {"kind": kind})
    except NotFound as exc:
        return Answer(str(key), REFUSED, exc.message)
    except VersionConflict as exc:
        return Answer(str(key), CONFLICT, exc.message)
    except DomainError as exc:
        return Answer(str(key), REFUSED, exc.message)


def _date(value: Any, field: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}, field=field) from None
    if day > (timezone.localtime() + CLOCK_SKEW).date():
        raise DomainError(_("The date cannot be in the future."), field=field)
    return day


def _int(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise DomainError(_("“%(field)s” must be a whole number.") % {"field": field}, field=field)
    return int(value)


def _activity_in(key: uuid_module.UUID, data: dict[str, Any], platforms: dict[str, int] | None = None) -> ActivityIn:
    """The record's fields; ``platforms`` (active platforms by code) when a batch fetched them already."""
    platform_id = None
    if data.get("platform"):
        code = str(data["platform"])
        if platforms is not None:
            platform_id = platforms.get(code)
        else:
            platform_id = Platform.objects.filter(code=code, is_active=True).values_list("pk", flat=True).first()
        if platform_id is None:
            raise DomainError(_("Unknown platform."), field="platform")
    return ActivityIn(
        kind=str(data.get("kind", "")),
        occurred_on=_date(data.get("occurred_on"), "occurred_on"),
        uuid=key,
        household_id=_int(data.get("household_id"), "household_id"),
        resident_id=_int(data.get("resident_id"), "resident_id"),
        village_id=_int(data.get("village_id"), "village_id"),
        commune_id=_int(data.get("commune_id"), "commune_id"),
        platform_id=platform_id,
        outcome_id=_int(data.get("outcome_id"), "outcome_id"),
        channel=str(data.get("channel", "")),
        people_reached=_int(data.get("people_reached"), "people_reached") or 0,
        households_reached=_int(data.get("households_reached"), "households_reached") or 0,
        note=str(data.get("note", "")),
    )


def _activity(actor: User, key: uuid_module.UUID, data: dict[str, Any], base_version: Any) -> Answer:
    existing = Activity.objects.filter(uuid=key).first()
    if existing is not None and existing.voided_at is not None:
        return Answer(str(key), DUPLICATE, _("Already received, and voided since: not recorded again."), existing.pk)
    incoming = _activity_in(key, data)
    if existing is not None and base_version not in (None, ""):
        # Other content under a known UUID, based on the version the phone saw: an explicit edit.
        if "households_reached" not in data:  # a phone that does not know the field leaves it as it was
            incoming.households_reached = existing.households_reached
        updated = activity_update(
            actor=actor, activity=existing, data=incoming, expected_version=_int(base_version, "base_version")
        )
        return Answer(str(key), EDITED, "", updated.pk, updated.version)
    activity, created = activity_record(actor=actor, data=incoming)
    return Answer(str(key), ACCEPTED if created else DUPLICATE, "", activity.pk, activity.version)


def _receipted(actor: User, key: uuid_module.UUID, kind: str, record: dict[str, Any], content: str) -> Answer:
    """Adoption ticks and household changes: the receipt makes a resend (or a replay) a no-op."""
    seen = SyncReceipt.objects.filter(uuid=key).first()
    if seen is not None:
        return _again(seen, content, key)
    try:
        with transaction.atomic():
            answer = _adoption(actor, key, record["data"]) if kind == "adoption" else _household(actor, key, record)
            SyncReceipt.objects.create(uuid=key, user=actor, kind=kind, digest=content, answer=answer.as_dict())
    except IntegrityError:  # the same record arrived twice at once: the first one stands
        seen = SyncReceipt.objects.filter(uuid=key).first()
        if seen is None:
            raise
        return _again(seen, content, key)
    return answer


def _again(seen: SyncReceipt, content: str, key: uuid_module.UUID) -> Answer:
    if seen.digest != content:
        return Answer(
            str(key), CONFLICT, _("A different record was already sent with this identifier; nothing was changed.")
        )
    first = seen.answer
    return Answer(str(key), DUPLICATE, first.get("reason", ""), first.get("id"), first.get("version"))


def _household_of(actor: User, data: dict[str, Any]) -> Household:
    household_id = _int(data.get("household_id"), "household_id")
    household = Household.objects.filter(pk=household_id or 0).select_related("village", "commune").first()
    if household is None:
        raise NotFound(_("The household was not found."))
    require_household(actor, household)  # scope (another village is "not found"), erased, stopped
    return household


def _adoption(actor: User, key: uuid_module.UUID, data: dict[str, Any]) -> Answer:
    household = _household_of(actor, data)
    resident = None
    resident_id = _int(data.get("resident_id"), "resident_id")
    if resident_id is not None:
        resident = Resident.objects.filter(pk=resident_id, household=household).first()
        if resident is None:
            raise NotFound(_("The person was not found."))
    item = str(data.get("item", ""))
    action = data.get("action", "set")
    if action == "set":
        status = adoption_set(
            actor=actor,
            household=household,
            item_code=item,
            resident=resident,
            reached_on=_date(data.get("reached_on") or timezone.localdate(), "reached_on"),
        )
        household.refresh_from_db(fields=["version"])
        return Answer(str(key), ACCEPTED, "", status.pk, household.version)
    if action == "unset":
        adoption_unset(actor=actor, household=household, item_code=item, resident=resident)
        household.refresh_from_db(fields=["version"])
        return Answer(str(key), ACCEPTED, "", None, household.version)
    raise DomainError(_("Unknown action “%(action)s”: use set or unset.") % {"action": action}, field="action")


def _household(actor: User, key: uuid_module.UUID, record: dict[str, Any]) -> Answer:
    data = record["data"]
    household = _household_of(actor, data)
    base = _int(record.get("base_version"), "base_version")
    if base is None:
        raise DomainError(_("A household change needs the version it was based on."), field="base_version")
    changes = data.get("fields")
    if not isinstance(changes, dict) or not changes or set(changes) - set(HOUSEHOLD_FIELDS):
        raise DomainError(
            _("A household change may set only: %(fields)s.") % {"fields": ", ".join(HOUSEHOLD_FIELDS)}, field="fields"
        )
    if household.version != base:
        # Kept for the team leader, who sees both versions and decides.
        SyncConflict.objects.create(
            household=household,
            user=actor,
            uuid=key,
            base_version=base,
            found_version=household.version,
            changes=changes,
        )
        return Answer(
            str(key),
            CONFLICT,
            _("The household changed meanwhile; your change is kept for the team leader to decide."),
            household.pk,
            household.version,
        )
    current = {name: getattr(household, name) for name in HouseholdIn.__dataclass_fields__ if hasattr(household, name)}
    merged = HouseholdIn(**{**current, **changes})
    updated = household_update(actor=actor, household=household, data=merged, expected_version=base)
    return Answer(str(key), ACCEPTED, "", updated.pk, updated.version)


def conflict_resolve(*, actor: User, conflict: SyncConflict, apply: bool) -> SyncConflict:
    """The team leader applies the kept change onto the current household, or drops it."""
    household = conflict.household
    require_household(actor, household)
    if conflict.resolved_at is not None:
        raise DomainError(_("This conflict was already resolved."))
    with transaction.atomic():
        if apply:
            current = {name: getattr(household, name) for name in REGISTER_FIELDS}
            household_update(actor=actor, household=household, data=HouseholdIn(**{**current, **conflict.changes}))
        conflict.resolved_at = timezone.now()
        conflict.resolved_by = actor
        conflict.resolution = "applied" if apply else "dropped"
        conflict.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return conflict


def device_register(*, user: Any, label: str, model: str, request: Any = None) -> tuple[Any, str]:
    """Give a phone its own revocable token, named so that an officer can tell it from the member's others."""
    from cdtt.accounts.services import token_create

    label, model = label.strip()[:60], model.strip()[:80]
    shown = " · ".join(part for part in (label, model) if part) or _("Phone")
    with transaction.atomic():
        token, raw = token_create(user=user, name=_("Device: %(name)s") % {"name": shown}, request=request)
        Device.objects.create(token=token, label=label, model=model)
    return token, raw


def device_rename(*, token: Any, label: str) -> Any:
    """The member names this phone (e.g. "Máy của Lan"); the token's name follows."""
    from cdtt.accounts.models import ApiToken

    label = label.strip()[:60]
    if not label:
        raise DomainError(_("Enter a name for this phone."), field="name")
    device, _created = Device.objects.get_or_create(token=token)
    device.label = label
    shown = " · ".join(part for part in (label, device.model) if part)
    with transaction.atomic():
        device.save(update_fields=["label"])
        ApiToken.objects.filter(pk=token.pk).update(name=(_("Device: %(name)s") % {"name": shown})[:100])
    return device


def device_synced(*, token: Any) -> None:
    """Note that the phone behind ``token`` synced (at most one write a minute)."""
    now = timezone.now()
    updated = Device.objects.filter(token=token).filter(
        models.Q(last_sync_at__isnull=True) | models.Q(last_sync_at__lt=now - datetime.timedelta(minutes=1))
    )
    if not updated.update(last_sync_at=now) and not Device.objects.filter(token=token).exists():
        Device.objects.create(token=token, last_sync_at=now)  # a token from before devices were named


def repeat_seen(*, actor: User, repeat: GuidanceRepeat) -> GuidanceRepeat:
    """The team leader has seen a repeated guidance (and voided one of the pair if it was a mistake)."""
    if repeat.seen_at is None:
        repeat.seen_at = timezone.now()
        repeat.seen_by = actor
        repeat.save(update_fields=["seen_at", "seen_by"])
    return repeat
