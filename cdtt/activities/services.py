"""Record, edit and void activities; progress moves in the same transaction (``cdtt.progress.engine``).

A record sent twice (same UUID, same content) is the first record, not a second; the same UUID with
other content is refused. An edit keeps the values before it; a void keeps the record, takes it out of
every total and takes back the adoption statuses it created.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.activities.models import Activity, ActivityChange, ActivityKind, Channel
from cdtt.activities.selectors import _require
from cdtt.catalog.models import Outcome, Platform
from cdtt.core.audit import audit_event, audit_record, audit_record_many
from cdtt.core.bulk import insert_many
from cdtt.core.errors import DomainError, NotFound, VersionConflict
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit, Village
from cdtt.households.models import Household, Resident
from cdtt.households.services import adoption_drop, adoption_reach, require_household, require_household_usable
from cdtt.progress import engine
from cdtt.quality import checks as quality_checks

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_BACKDATE_DAYS = 366  # a record may be entered late (offline phones), not about last year's work
MAX_PEOPLE = 100_000
MAX_NOTE = 1000


@dataclass
class ActivityIn:
    kind: str
    occurred_on: datetime.date
    uuid: uuid_module.UUID | None = None
    household_id: int | None = None
    resident_id: int | None = None
    village_id: int | None = None  # propaganda or a group session in one village
    commune_id: int | None = None  # ... or across the commune
    platform_id: int | None = None
    outcome_id: int | None = None
    channel: str = ""
    people_reached: int = 0
    households_reached: int = 0  # propaganda or a group session counted in households ("3 hộ")
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class _Place:
    commune: AdminUnit
    village: Village | None
    household: Household | None
    resident: Resident | None


# Fields an edit may change (a different household or kind is a void and a new record).
EDITABLE = ("occurred_on", "platform_id", "outcome_id", "channel", "people_reached", "households_reached", "note")


def _platform(pk: int) -> Platform | None:
    return Platform.objects.filter(pk=pk, is_active=True).first()


def _outcome(pk: int) -> Outcome | None:
    return Outcome.objects.filter(pk=pk).select_related("adoption_item", "platform").first()


class Lookups:
    """The reads the checks of a record need, one query each; ``BatchLookups`` answers them for a whole
    batch from a few queries. Both run the same checks (``_place``, ``_clean``), so a record gets the same
    answer, and the same Vietnamese reason, whichever way it came."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        self.scope = scope_for(actor)

    def household(self, pk: int) -> Household | None:
        return Household.objects.filter(pk=pk).select_related("village", "commune").first()

    def may_record_in(self, village_id: int) -> bool:
        return bool(self.scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=village_id).exists())

    def require_household(self, household: Household) -> None:
        require_household(self.actor, household)

    def resident(self, pk: int, household: Household) -> Resident | None:
        return Resident.objects.filter(pk=pk, household=household, erased_at__isnull=True).first()

    def village(self, pk: int) -> Village | None:
        """A village where the actor records (with its commune), or None."""
        return self.scope.villages(Perm.RECORD_ACTIVITIES).filter(pk=pk).select_related("commune").first()

    def commune(self, pk: int) -> AdminUnit | None:
        """A unit where the actor records, or None."""
        return self.scope.units(Perm.RECORD_ACTIVITIES).filter(pk=pk).first()

    def platform(self, pk: int) -> Platform | None:
        return _platform(pk)

    def outcome(self, pk: int) -> Outcome | None:
        return _outcome(pk)

    def team_id(self, place: _Place) -> int | None:
        return _team_id(place)


class BatchLookups(Lookups):
    """The same reads for the records of one batch, each kind fetched once for all of them; an id the
    batch did not name (none should be asked) is read one by one as ``Lookups`` does."""

    def __init__(self, actor: User, records: list[ActivityIn]) -> None:
        from cdtt.teams.models import Team, TeamStatus

        super().__init__(actor)
        household_ids = {r.household_id for r in records if r.household_id is not None}
        # (No query at all for a kind of id the batch does not name: most batches name only villages.)
        self._households = {
            h.pk: h
            for h in (
                Household.objects.filter(pk__in=household_ids).select_related("village", "commune")
                if household_ids
                else ()
            )
        }
        self._editable: set[int] = set()
        if household_ids and self.scope.has(Perm.EDIT_HOUSEHOLDS):
            self._editable = set(
                Household.objects.filter(self.scope.q(Perm.EDIT_HOUSEHOLDS), pk__in=household_ids).values_list(
                    "pk", flat=True
                )
            )
        village_ids = {r.village_id for r in records if r.village_id is not None}
        village_ids |= {h.village_id for h in self._households.values()}
        self._village_ids = village_ids
        self._villages = {
            v.pk: v
            for v in (
                self.scope.villages(Perm.RECORD_ACTIVITIES).filter(pk__in=village_ids).select_related("commune")
                if village_ids
                else ()
            )
        }
        resident_ids = {r.resident_id for r in records if r.resident_id is not None}
        self._residents = {
            r.pk: r
            for r in (Resident.objects.filter(pk__in=resident_ids, erased_at__isnull=True) if resident_ids else ())
        }
        commune_ids = {r.commune_id for r in records if r.commune_id is not None}
        self._communes = {
            u.pk: u
            for u in (self.scope.units(Perm.RECORD_ACTIVITIES).filter(pk__in=commune_ids) if commune_ids else ())
        }
        self._commune_ids = commune_ids
        outcome_ids = {r.outcome_id for r in records if r.outcome_id is not None}
        self._outcomes = {
            o.pk: o
            for o in (
                Outcome.objects.filter(pk__in=outcome_ids).select_related("adoption_item", "platform")
                if outcome_ids
                else ()
            )
        }
        platform_ids = {r.platform_id for r in records if r.platform_id is not None}
        self._platforms = {
            p.pk: p for p in (Platform.objects.filter(pk__in=platform_ids, is_active=True) if platform_ids else ())
        }
        self._asked = {
            "household": household_ids,
            "resident": resident_ids,
            "outcome": outcome_ids,
            "platform": platform_ids,
        }
        # The team a record counts for: the first open team of its village (or of its commune, for a
        # commune-wide record), in the model's order, as ``_team_id`` picks it.
        teams = Team.objects.exclude(status=TeamStatus.DISSOLVED)
        self._village_teams: dict[int, int] = {}
        self._commune_teams: dict[int, int] = {}
        if village_ids:
            for team_pk, village_id in teams.filter(village_id__in=village_ids).values_list("pk", "village_id"):
                self._village_teams.setdefault(village_id, team_pk)
        if commune_ids:
            rows = teams.filter(commune_id__in=commune_ids, village__isnull=True).values_list("pk", "commune_id")
            for team_pk, commune_id in rows:
                self._commune_teams.setdefault(commune_id, team_pk)

    def household(self, pk: int) -> Household | None:
        if pk not in self._asked["household"]:
            return super().household(pk)
        return self._households.get(pk)

    def may_record_in(self, village_id: int) -> bool:
        if village_id not in self._village_ids:
            return super().may_record_in(village_id)
        return village_id in self._villages

    def require_household(self, household: Household) -> None:
        if household.pk not in self._asked["household"]:
            super().require_household(household)
            return
        self.scope.require(Perm.EDIT_HOUSEHOLDS)
        if household.pk not in self._editable:
            raise NotFound(_("The household was not found."))
        require_household_usable(household)

    def resident(self, pk: int, household: Household) -> Resident | None:
        if pk not in self._asked["resident"]:
            return super().resident(pk, household)
        found = self._residents.get(pk)
        return found if found is not None and found.household_id == household.pk else None

    def village(self, pk: int) -> Village | None:
        if pk not in self._village_ids:
            return super().village(pk)
        return self._villages.get(pk)

    def commune(self, pk: int) -> AdminUnit | None:
        if pk not in self._commune_ids:
            return super().commune(pk)
        return self._communes.get(pk)

    def platform(self, pk: int) -> Platform | None:
        if pk not in self._asked["platform"]:
            return super().platform(pk)
        return self._platforms.get(pk)

    def outcome(self, pk: int) -> Outcome | None:
        if pk not in self._asked["outcome"]:
            return super().outcome(pk)
        return self._outcomes.get(pk)

    def team_id(self, place: _Place) -> int | None:
        if place.village is not None:
            if place.village.pk not in self._village_ids:
                return super().team_id(place)
            return self._village_teams.get(place.village.pk)
        if place.commune.pk not in self._commune_ids:
            return super().team_id(place)
        return self._commune_teams.get(place.commune.pk)


def _place(actor: User, data: ActivityIn, lookups: Lookups | None = None) -> _Place:
    find = lookups or Lookups(actor)
    scope = find.scope
    scope.require(Perm.RECORD_ACTIVITIES)
    if data.kind == ActivityKind.GUIDANCE:
        if data.household_id is None:
            raise DomainError(_("Choose the household that was guided."), field="household")
        household = find.household(data.household_id)
        if household is None or not find.may_record_in(household.village_id):
            raise NotFound(_("The household was not found."))
        if data.village_id is not None and data.village_id != household.village_id:
            raise DomainError(_("The household is not in this village."), field="household")
        find.require_household(household)
        resident = None
        if data.resident_id is not None:
            resident = find.resident(data.resident_id, household)
            if resident is None:
                raise NotFound(_("The person was not found."))
        return _Place(household.commune, household.village, household, resident)
    if data.household_id is not None or data.resident_id is not None:
        raise DomainError(_("Only guidance is recorded for one household."), field="household")
    if data.village_id is not None:
        village = find.village(data.village_id)
        if village is None:
            raise NotFound(_("The village was not found."))
        if not village.is_active:
            raise DomainError(_("The village is retired."))
        return _Place(village.commune, village, None, None)
    if data.commune_id is None:
        raise DomainError(_("Choose the village or commune where it took place."), field="village")
    commune = find.commune(data.commune_id)
    if commune is None or not commune.is_commune:
        raise NotFound(_("The unit was not found."))
    return _Place(commune, None, None, None)


def _clean(data: ActivityIn, place: _Place, lookups: Lookups | None = None) -> dict[str, Any]:
    """The record's values, checked; a bad one raises DomainError naming its field."""
    if data.kind not in ActivityKind.values:
        raise DomainError(_("Unknown kind of activity."), field="kind")
    today = timezone.localdate()
    if data.occurred_on > today:
        raise DomainError(_("The date cannot be in the future."), field="occurred_on")
    if data.occurred_on < today - datetime.timedelta(days=MAX_BACKDATE_DAYS):
        raise DomainError(_("The date is more than a year ago."), field="occurred_on")
    platform = outcome = None
    if data.platform_id is not None:
        platform = (lookups.platform if lookups else _platform)(data.platform_id)
        if platform is None:
            raise DomainError(_("Unknown platform."), field="platform")
    if data.outcome_id is not None:
        outcome = (lookups.outcome if lookups else _outcome)(data.outcome_id)
        if outcome is None:
            raise DomainError(_("Unknown outcome."), field="outcome")
        if platform is None:
            platform = outcome.platform
        elif outcome.platform_id != platform.pk:
            raise DomainError(
                _("“%(outcome)s” is not an outcome of %(platform)s.")
                % {"outcome": outcome.name, "platform": platform.name},
                field="outcome",
            )
    if data.kind == ActivityKind.GUIDANCE and platform is None:
        raise DomainError(_("Choose the platform the household was guided on."), field="platform")
    if data.channel and data.channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if data.kind == ActivityKind.PROPAGANDA and not data.channel:
        raise DomainError(_("Choose how the propaganda was done."), field="channel")
    if not 0 <= data.people_reached <= MAX_PEOPLE:
        raise DomainError(
            _("The number of people must be between 0 and %(max)s.") % {"max": MAX_PEOPLE}, field="people_reached"
        )
    if not 0 <= data.households_reached <= MAX_PEOPLE:
        raise DomainError(
            _("The number of households must be between 0 and %(max)s.") % {"max": MAX_PEOPLE},
            field="households_reached",
        )
    if data.kind != ActivityKind.GUIDANCE and data.people_reached < 1 and data.households_reached < 1:
        raise DomainError(_("Enter how many people or households were reached."), field="people_reached")
    for value, low, high, name in ((data.latitude, -90, 90, "latitude"), (data.longitude, -180, 180, "longitude")):
        if value is not None and not low <= value <= high:
            raise DomainError(_("The location is not valid."), field=name)
    if outcome is not None and outcome.adoption_item is not None and place.household is not None:
        applies = outcome.adoption_item.applies_to
        if applies == "resident" and place.resident is None:
            raise DomainError(
                _("Choose the person: “%(item)s” is recorded for a person.") % {"item": outcome.adoption_item.name},
                field="resident",
            )
    return {
        "kind": data.kind,
        "occurred_on": data.occurred_on,
        "platform_id": platform.pk if platform else None,
        "outcome_id": outcome.pk if outcome else None,
        "channel": data.channel if data.kind != ActivityKind.GUIDANCE else "",
        "people_reached": data.people_reached if data.kind != ActivityKind.GUIDANCE else 0,
        "households_reached": data.households_reached if data.kind != ActivityKind.GUIDANCE else 0,
        "note": nfc(data.note).strip()[:MAX_NOTE],
        "latitude": data.latitude,
        "longitude": data.longitude,
    }


def _same(activity: Activity, values: dict[str, Any], place: _Place) -> bool:
    return (
        activity.household_id == (place.household.pk if place.household else None)
        and activity.resident_id == (place.resident.pk if place.resident else None)
        and activity.village_id == (place.village.pk if place.village else None)
        and all(getattr(activity, name) == value for name, value in values.items())
    )


def activity_record(*, actor: User, data: ActivityIn, request: HttpRequest | None = None) -> tuple[Activity, bool]:
    """Record an activity; (the record, whether it is new). A retry of the same record returns the first."""
    lookups = Lookups(actor)
    place = _place(actor, data, lookups)
    values = _clean(data, place, lookups)
    key = data.uuid or uuid_module.uuid4()
    existing = Activity.objects.filter(uuid=key).first()
    if existing is not None:
        return _replayed(existing, values, place)
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                uuid=key,
                commune=place.commune,
                village=place.village,
                household=place.household,
                resident=place.resident,
                team_id=_team_id(place),
                recorded_by=actor,
                **values,
            )
            engine.activity_moved(activity, +1)
            _reach(actor, activity, request)
            quality_checks.check_record(activity)  # cheap per-record rules; flags go to the commune's officers
            audit_record(
                actor=actor,
                action="activity.create",
                target=activity,
                unit=place.commune,
                request=request,
                kind=activity.kind,
                household=activity.household_id,
            )
    except IntegrityError:  # the same UUID arrived twice at once: the first one stands
        existing = Activity.objects.filter(uuid=key).first()
        if existing is None:
            raise
        return _replayed(existing, values, place)
    return activity, True


def _replayed(existing: Activity, values: dict[str, Any], place: _Place) -> tuple[Activity, bool]:
    if existing.voided_at is None and _same(existing, values, place):
        return existing, False
    raise VersionConflict(_("A different record was already sent with this identifier; nothing was changed."))


@dataclass
class Checked:
    """A new record checked for a batch: where it belongs and the values to store."""

    data: ActivityIn
    place: _Place
    values: dict[str, Any]


def activity_check(*, lookups: Lookups, data: ActivityIn) -> Checked:
    """The checks ``activity_record`` makes before it writes (same order, same reasons), writing nothing."""
    place = _place(lookups.actor, data, lookups)
    return Checked(data, place, _clean(data, place, lookups))


def activity_replayed(*, existing: Activity, checked: Checked) -> Activity:
    """A record sent again under a known UUID: the first record if it is the same, else VersionConflict."""
    return _replayed(existing, checked.values, checked.place)[0]


def activity_record_many(*, actor: User, lookups: Lookups, records: list[Checked]) -> list[Activity]:
    """Store new checked records at once, inside the caller's transaction: what ``activity_record`` writes
    for each (the record, the adoption status its outcome reaches, its audit event, its progress), in one
    insert of the records, one of the audit events and one sorted upsert of the cells.

    Households are locked in id order and records inserted in UUID order, so concurrent batches wait for
    each other rather than deadlock. A clash (the same UUID stored meanwhile) raises IntegrityError: the
    caller rolls the transaction back and sends the records one by one instead."""
    deltas = engine.Deltas()
    effects: dict[int, list[int]] = {}
    reaching = [
        (n, checked)
        for n, checked in enumerate(records)
        if checked.values["outcome_id"] is not None and checked.place.household is not None
    ]
    for n, checked in sorted(reaching, key=lambda pair: (pair[1].place.household.pk, pair[0])):  # type: ignore[union-attr]
        outcome = lookups.outcome(checked.values["outcome_id"])
        item = outcome.adoption_item if outcome is not None else None
        household = checked.place.household
        if item is None or household is None:
            continue
        status = adoption_reach(
            actor=actor,
            household=household,
            resident=checked.place.resident if item.applies_to != "household" else None,
            item=item,
            day=checked.values["occurred_on"],
            deltas=deltas,
        )
        if status is not None:
            effects[n] = [status.pk]
    activities = [
        Activity(
            uuid=checked.data.uuid or uuid_module.uuid4(),
            commune=checked.place.commune,
            village=checked.place.village,
            household=checked.place.household,
            resident=checked.place.resident,
            team_id=lookups.team_id(checked.place),
            recorded_by=actor,
            effects=effects.get(n, []),
            **checked.values,
        )
        for n, checked in enumerate(records)
    ]
    in_lock_order = sorted(activities, key=lambda activity: str(activity.uuid))  # one order for all writers
    insert_many(in_lock_order)
    for activity in activities:
        deltas.activity(activity, +1)
    audit_record_many(
        [
            audit_event(
                actor=actor,
                action="activity.create",
                target=activity,
                unit=checked.place.commune,
                kind=activity.kind,
                household=activity.household_id,
            )
            for activity, checked in zip(activities, records, strict=True)
        ]
    )
    deltas.write()
    quality_checks.check_records(activities)
    return activities


def _team_id(place: _Place) -> int | None:
    from cdtt.teams.models import Team, TeamStatus

    teams = Team.objects.exclude(status=TeamStatus.DISSOLVED)
    if place.village is not None:
        return teams.filter(village=place.village).values_list("pk", flat=True).first()
    return teams.filter(commune=place.commune, village__isnull=True).values_list("pk", flat=True).first()


def _reach(actor: User, activity: Activity, request: HttpRequest | None) -> None:
    """Give the household (or person) the adoption status the outcome reaches; remember it if new."""
    if activity.outcome_id is None or activity.household_id is None:
        return
    outcome = Outcome.objects.select_related("adoption_item").get(pk=activity.outcome_id)
    item = outcome.adoption_item
    if item is None:
        return
    household = Household.objects.get(pk=activity.household_id)
    resident = activity.resident if item.applies_to != "household" else None
    status = adoption_reach(
        actor=actor, household=household, resident=resident, item=item, day=activity.occurred_on, request=request
    )
    if status is not None:
        activity.effects = [*activity.effects, status.pk]
        Activity.objects.filter(pk=activity.pk).update(effects=activity.effects)


def _undo_effects(actor: User, activity: Activity, request: HttpRequest | None) -> None:
    for status_id in activity.effects:
        adoption_drop(actor=actor, status_id=status_id, request=request)
    activity.effects = []
    Activity.objects.filter(pk=activity.pk).update(effects=[])


def _snapshot(activity: Activity) -> dict[str, Any]:
    """The editable values as JSON."""
    values = {name: getattr(activity, name) for name in EDITABLE}
    return {name: value.isoformat() if isinstance(value, datetime.date) else value for name, value in values.items()}


def activity_update(
    *,
    actor: User,
    activity: Activity,
    data: ActivityIn,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> Activity:
    """Change what was recorded; progress moves from the old values to the new in one transaction."""
    _require(actor, activity)
    if activity.voided_at is not None:
        raise DomainError(_("A voided record cannot be changed."))
    data.kind = activity.kind
    data.household_id, data.resident_id = activity.household_id, activity.resident_id
    data.village_id, data.commune_id = activity.village_id, activity.commune_id
    place = (
        _place(actor, data)
        if activity.kind != ActivityKind.GUIDANCE
        else _Place(activity.commune, activity.village, activity.household, activity.resident)
    )
    values = _clean(data, place)
    with transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(_("The record was changed by someone else meanwhile. Reload it and try again."))
        if current.voided_at is not None:
            raise DomainError(_("A voided record cannot be changed."))
        before = _snapshot(current)
        reach_changed = (current.outcome_id, current.occurred_on) != (values["outcome_id"], values["occurred_on"])
        moved = engine.Deltas().activity(current, -1)
        for name in EDITABLE:
            setattr(current, name, values[name])
        moved.activity(current, +1).write()
        current.version = F("version") + 1
        current.save(update_fields=[*EDITABLE, "version", "updated_at"])
        current.refresh_from_db()
        if reach_changed:
            _undo_effects(actor, current, request)
            _reach(actor, current, request)
        quality_checks.check_record(current)
        ActivityChange.objects.create(
            activity=current,
            action=ActivityChange.Action.EDIT,
            before=before,
            after=_snapshot(current),
            changed_by=actor,
        )
        audit_record(actor=actor, action="activity.update", target=current, unit=current.commune, request=request)
    return current


def activity_void(*, actor: User, activity: Activity, reason: str = "", request: HttpRequest | None = None) -> Activity:
    """Take a record out of every total (and back the statuses it created); voiding twice is refused."""
    _require(actor, activity)
    with transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if current.voided_at is not None:
            raise DomainError(_("This record was already voided."))
        engine.activity_moved(current, -1)
        _undo_effects(actor, current, request)
        current.voided_at = timezone.now()
        current.voided_by = actor
        current.void_reason = nfc(reason).strip()[:MAX_NOTE]
        current.version = F("version") + 1
        current.save(update_fields=["voided_at", "voided_by", "void_reason", "version", "updated_at"])
        current.refresh_from_db()
        ActivityChange.objects.create(
            activity=current,
            action=ActivityChange.Action.VOID,
            before=_snapshot(current),
            after={"void_reason": current.void_reason},
            changed_by=actor,
        )
        audit_record(actor=actor, action="activity.void", target=current, unit=current.commune, request=request)
    return current
