"""Recording work on a phone: guidance to a household in two taps, propaganda and group sessions, the
village's recent records with their voids."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.activities import selectors
from cdtt.activities.models import Activity, ActivityKind, Channel
from cdtt.activities.services import ActivityIn, activity_record, activity_update, activity_void
from cdtt.core.errors import DomainError, NotFound

PAGE_SIZE = 30


def _day(raw: str) -> datetime.date:
    day = parse_date(raw or "") if raw else None
    if raw and day is None:
        raise DomainError(_("Enter a valid date."), field="occurred_on")
    return day or timezone.localdate()


def _key(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError):
        return uuid.uuid4()


def _choice(raw: str) -> tuple[int | None, int | None]:
    """(outcome id, platform id) from a tapped choice: "o12" is an outcome, "p3" a platform alone."""
    if raw[1:].isdigit() and raw[:1] in ("o", "p"):
        return (int(raw[1:]), None) if raw[0] == "o" else (None, int(raw[1:]))
    return None, None


def _people(raw: str) -> int:
    """People (or households) reached as typed; anything not a number is -1, which the service refuses with a
    message."""
    raw = raw.strip()
    try:
        return int(raw) if raw else 0
    except ValueError:
        return -1


@requires(Perm.RECORD_ACTIVITIES)
def guidance_new(request: SignedInRequest, household_id: int) -> HttpResponse:
    """Guidance to one household: tap what was achieved, then save (the head is the person by default)."""
    household = selectors.recording_household_get(user=request.user, household_id=household_id)
    residents = selectors.guidance_residents(household)
    error = ""
    if request.method == "POST":
        outcome_id, platform_id = _choice(request.POST.get("choice", ""))
        resident_id = request.POST.get("resident") or None
        try:
            activity, created = activity_record(
                actor=request.user,
                data=ActivityIn(
                    kind=ActivityKind.GUIDANCE,
                    occurred_on=_day(request.POST.get("occurred_on", "")),
                    uuid=_key(request.POST.get("uuid", "")),
                    household_id=household.pk,
                    resident_id=int(resident_id) if resident_id and resident_id.isdigit() else None,
                    platform_id=platform_id,
                    outcome_id=outcome_id,
                    note=request.POST.get("note", ""),
                ),
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            if created:
                messages.success(request, _("Recorded: %(what)s.") % {"what": _describe(activity)})
            return redirect(reverse("households:detail", args=[household.pk]))
    context = {
        "household": household,
        "residents": residents,
        "platforms": selectors.platform_choices(),
        "uuid": request.POST.get("uuid") or uuid.uuid4(),
        "today": timezone.localdate(),
        "error": error,
        "chosen": request.POST.get("choice", ""),
    }
    return render(request, "activities/guidance.html", context, status=400 if error else 200)


def _describe(activity: Activity) -> str:
    if activity.outcome is not None:
        return f"{activity.outcome.platform.name}: {activity.outcome.name}"
    if activity.platform_id and activity.platform:
        return activity.platform.name
    return activity.get_kind_display()


@requires(Perm.RECORD_ACTIVITIES)
def event_new(request: SignedInRequest, village_id: int) -> HttpResponse:
    """Propaganda or a group session in a village."""
    village = selectors.recording_village_get(user=request.user, village_id=village_id)
    error = ""
    if request.method == "POST":
        people = _people(request.POST.get("people_reached", ""))
        homes = _people(request.POST.get("households_reached", ""))
        try:
            activity_record(
                actor=request.user,
                data=ActivityIn(
                    kind=request.POST.get("kind", ""),
                    occurred_on=_day(request.POST.get("occurred_on", "")),
                    uuid=_key(request.POST.get("uuid", "")),
                    village_id=village.pk,
                    channel=request.POST.get("channel", "")
                    if request.POST.get("kind") == ActivityKind.PROPAGANDA
                    else "",
                    people_reached=people,
                    households_reached=homes,
                    note=request.POST.get("note", ""),
                ),
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Recorded."))
            return redirect(reverse("activities:village", args=[village.pk]))
    context = {
        "village": village,
        "kinds": [
            (ActivityKind.PROPAGANDA, ActivityKind.PROPAGANDA.label),
            (ActivityKind.GROUP, ActivityKind.GROUP.label),
        ],
        "channels": Channel.choices,
        "uuid": request.POST.get("uuid") or uuid.uuid4(),
        "today": timezone.localdate(),
        "error": error,
        "posted": request.POST,
    }
    return render(request, "activities/event.html", context, status=400 if error else 200)


@requires(Perm.RECORD_ACTIVITIES)
def village_activities(request: SignedInRequest, village_id: int) -> HttpResponse:
    """The village's records, newest first, voided ones marked."""
    village, records = selectors.activity_list(user=request.user, village_id=village_id)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "activities/list.html", {"village": village, "page": page})


@requires(Perm.RECORD_ACTIVITIES)
def activity_void_view(request: SignedInRequest, activity_id: int) -> HttpResponse:
    """Void a record (POST): it stays in the list, out of every total."""
    activity = selectors.activity_get(actor=request.user, activity_id=activity_id)
    if request.method != "POST":
        return redirect(reverse("activities:village", args=[activity.village_id]) if activity.village_id else "/")
    try:
        activity_void(actor=request.user, activity=activity, reason=request.POST.get("reason", ""), request=request)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The record was voided; the totals no longer count it."))
    if activity.village_id:
        return redirect(reverse("activities:village", args=[activity.village_id]))
    return redirect(reverse("targets:mine"))


@requires(Perm.RECORD_ACTIVITIES)
def activity_edit(request: SignedInRequest, activity_id: int) -> HttpResponse:
    """Correct a record (date, outcome, people or households reached, note); the values before are kept."""
    activity = selectors.activity_get(actor=request.user, activity_id=activity_id)
    if activity.village_id is None:  # a commune-wide record is corrected through the API
        raise NotFound(_("The activity was not found."))
    if activity.household is not None and activity.household.processing_stopped:
        # Its note and the household's name are the person's data, no longer to be used.
        raise NotFound(_("Processing of this household's data has stopped (consent withdrawn or restricted)."))
    error = ""
    if request.method == "POST":
        outcome_id, platform_id = _choice(request.POST.get("choice", ""))
        platform_id = platform_id or (None if outcome_id else activity.platform_id)
        people = _people(request.POST.get("people_reached", ""))
        homes = _people(request.POST.get("households_reached", ""))
        try:
            activity_update(
                actor=request.user,
                activity=activity,
                data=ActivityIn(
                    kind=activity.kind,
                    occurred_on=_day(request.POST.get("occurred_on", "")),
                    platform_id=platform_id if activity.kind == ActivityKind.GUIDANCE else None,
                    outcome_id=outcome_id if activity.kind == ActivityKind.GUIDANCE else None,
                    channel=request.POST.get("channel", "") if activity.kind == ActivityKind.PROPAGANDA else "",
                    people_reached=people if activity.kind != ActivityKind.GUIDANCE else 0,
                    households_reached=homes if activity.kind != ActivityKind.GUIDANCE else 0,
                    note=request.POST.get("note", ""),
                ),
                expected_version=int(request.POST.get("version") or 0) or None,
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The record was corrected; the totals moved with it."))
            return redirect(reverse("activities:village", args=[activity.village_id]))
    context = {
        "activity": activity,
        "platforms": selectors.platform_choices() if activity.kind == ActivityKind.GUIDANCE else [],
        "channels": Channel.choices,
        "today": timezone.localdate(),
        "error": error,
    }
    return render(request, "activities/edit.html", context, status=400 if error else 200)
