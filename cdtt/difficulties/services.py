"""Raise, assign, answer, resolve, reopen and escalate difficulties; the thread; automatic escalation.

Who may do what on one difficulty (the role table says who may at all):
- its *raiser's side* raises, resolves and reopens it: the team roles of its village, or the officers of
  the very unit that raised it;
- its *handlers* assign, answer, escalate it and set its due date: officers whose unit is, or is above, the
  unit that handles it now;
- everyone involved writes in the thread: the raiser's side and officers at or above the unit it sits at.
Leaders read only. A difficulty outside the caller's units is the same 404 as a missing one.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, as_id, holders, scope_for
from cdtt.accounts.models import User
from cdtt.catalog.models import Platform
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import clean_text, nfc
from cdtt.core.workflow import Transition, Workflow, transition_apply
from cdtt.core.workflow import locked as locked_row
from cdtt.difficulties.images import clean_image
from cdtt.difficulties.models import (
    UNRESOLVED,
    WAITING,
    Category,
    Difficulty,
    DifficultyMessage,
    DifficultyPhoto,
    MessageKind,
    Status,
)
from cdtt.geo.models import AdminUnit, Village
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from cdtt.reports.selectors import report_get

DEFAULT_DUE_DAYS = 7  # the handling unit answers within a week, or the difficulty moves up a level
MAX_DUE_DAYS = 90
MAX_PHOTOS = 3
MAX_TITLE = 200
MAX_TEXT = 4000


# -- where a user may raise a difficulty --------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a difficulty is raised from: a team's village (with its commune) or an officer's unit."""

    unit: AdminUnit
    village: Village | None

    @property
    def key(self) -> str:
        return f"v{self.village.pk}" if self.village else f"u{self.unit.pk}"

    @property
    def label(self) -> str:
        return f"{self.village.name}, {self.unit.name}" if self.village else self.unit.name


def raise_positions(user: Any) -> list[Position]:
    """The places the user may raise a difficulty from (a national grant has no level above it)."""
    scope = scope_for(user)
    grants = scope.grants_with(Perm.RAISE_DIFFICULTIES)
    units = AdminUnit.objects.in_bulk({g.unit_id for g in grants})
    villages = Village.objects.in_bulk({g.village_id for g in grants if g.village_id})
    seen: dict[str, Position] = {}
    for grant in grants:
        unit = units[grant.unit_id]
        position = Position(unit, villages[grant.village_id] if grant.village_id else None)
        if position.village is None and unit.parent_id is None:
            continue
        seen.setdefault(position.key, position)
    return sorted(seen.values(), key=lambda p: p.label)


def _position(user: Any, key: str) -> Position:
    positions = raise_positions(user)
    if not positions:
        raise Forbidden(_("Your role does not allow this action."))
    if not key and len(positions) == 1:
        return positions[0]
    for position in positions:
        if position.key == key:
            return position
    if not key:
        raise DomainError(_("Choose the team or unit the difficulty is raised for."), field="position")
    raise NotFound(_("The unit was not found."))


# -- who is involved ----------------------------------------------------------------------------------


def is_raiser_side(scope: Scope, difficulty: Difficulty) -> bool:
    if difficulty.village_id is not None:
        return any(g.village_id == difficulty.village_id for g in scope.grants_with(Perm.RAISE_DIFFICULTIES))
    return scope.holds_at(difficulty.unit_id, Perm.RAISE_DIFFICULTIES)


def is_handler(scope: Scope, difficulty: Difficulty) -> bool:
    return scope.covers_unit(difficulty.handler_unit, Perm.HANDLE_DIFFICULTIES)


def may_write(scope: Scope, difficulty: Difficulty) -> bool:
    return is_raiser_side(scope, difficulty) or scope.covers_unit(difficulty.unit, Perm.HANDLE_DIFFICULTIES)


def _officers_of(unit: AdminUnit) -> list[int]:
    """The active officers holding a handling role at exactly ``unit`` (those above it are not paged)."""
    return holders(Perm.HANDLE_DIFFICULTIES, unit_id=unit.pk)


def _raiser_side_users(difficulty: Difficulty) -> list[int]:
    ids = set(holders(Perm.RAISE_DIFFICULTIES, unit_id=difficulty.unit_id, village_id=difficulty.village_id))
    if difficulty.raised_by_id is not None:
        ids.add(difficulty.raised_by_id)
    return sorted(ids)


def _handler_users(difficulty: Difficulty) -> list[int]:
    if difficulty.assignee_id is not None:
        return [difficulty.assignee_id]
    return _officers_of(difficulty.handler_unit)


def assignee_choices(difficulty: Difficulty) -> QuerySet[User]:
    """Whom a difficulty can be assigned to: the officers of the unit that handles it."""
    return User.objects.filter(pk__in=_officers_of(difficulty.handler_unit)).order_by("full_name", "username")


# -- reads --------------------------------------------------------------------------------------------


def visible_q(user: Any) -> Any:
    return scope_for(user).q(Perm.VIEW_DIFFICULTIES, commune="unit", village="village")


def difficulty_get(*, actor: User, difficulty_id: Any) -> Difficulty:
    """A difficulty the actor may read; anything else is the same 404."""
    difficulty = (
        Difficulty.objects.filter(visible_q(actor), pk=as_id(difficulty_id))
        .select_related("unit", "village", "handler_unit__parent", "platform", "raised_by", "assignee")
        .first()
    )
    if difficulty is None:
        raise NotFound(_("The difficulty was not found."))
    return difficulty


# -- writes -------------------------------------------------------------------------------------------


@dataclass
class DifficultyIn:
    category: str
    description: str
    title: str = ""
    platform_id: int | None = None
    position: str = ""  # "v<village id>" or "u<unit id>"; may be left out when the user has one place
    report_id: int | None = None  # the periodic report it is raised from (one the user may read)


def _text(raw: str, *, field: str, required_message: str) -> str:
    return clean_text(raw, limit=MAX_TEXT, field=field, required=required_message)


def _photos(uploads: Sequence[UploadedFile]) -> list[Any]:
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(_("Send at most %(n)d photos.") % {"n": MAX_PHOTOS}, field="photos")
    cleaned = []
    for upload in uploads:
        if upload.size is None or upload.size > settings.UPLOAD_MAX_BYTES:
            raise DomainError(
                _("The photo “%(name)s” is too large (at most %(mb)d MB).")
                % {"name": upload.name, "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                field="photos",
            )
        cleaned.append(clean_image(upload.read()))
    return cleaned


def _link(difficulty: Difficulty) -> str:
    return reverse("difficulties:detail", args=[difficulty.pk])


def _event(difficulty: Difficulty, actor: User | None, event: str, body: str, now: datetime.datetime) -> None:
    DifficultyMessage.objects.create(
        difficulty=difficulty,
        kind=MessageKind.EVENT,
        event=event,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        body=body,
        created_at=now,
    )


def difficulty_raise(
    *,
    actor: User,
    data: DifficultyIn,
    photos: Sequence[UploadedFile] = (),
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """Raise a difficulty to the level above the team or unit; it is due an answer within a week."""
    scope = scope_for(actor)
    scope.require(Perm.RAISE_DIFFICULTIES)
    position = _position(actor, data.position)
    source_report = None
    if data.report_id is not None:
        source_report = report_get(actor, data.report_id)  # the same 404 as any report the user may not read
    if data.category not in Category.values:
        raise DomainError(_("Choose the kind of difficulty."), field="category")
    description = _text(
        data.description, field="description", required_message=_("Describe the difficulty: what is wrong, where.")
    )
    title = nfc(data.title or "")[:MAX_TITLE] or nfc(description.splitlines()[0])[:80]
    platform = None
    if data.platform_id is not None:
        platform = Platform.objects.filter(pk=data.platform_id, is_active=True).first()
        if platform is None:
            raise DomainError(_("Unknown platform."), field="platform")
    handler = position.unit if position.village is not None else position.unit.parent
    if handler is None:
        raise DomainError(_("There is no level above this unit to raise a difficulty to."))
    cleaned = _photos(photos)
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        difficulty = Difficulty.objects.create(
            source_report=source_report,
            unit=position.unit,
            village=position.village,
            handler_unit=handler,
            category=data.category,
            title=title,
            description=description,
            platform=platform,
            raised_by=actor,
            due_on=timezone.localdate(now) + datetime.timedelta(days=DEFAULT_DUE_DAYS),
        )
        for image in cleaned:
            photo = DifficultyPhoto(
                difficulty=difficulty,
                content_type=image.content_type,
                width=image.width,
                height=image.height,
                size=len(image.data),
                uploaded_by=actor,
            )
            photo.file.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
            photo.save()
        _event(
            difficulty,
            actor,
            "raise",
            _("Raised by %(who)s from %(where)s; %(unit)s handles it.")
            % {"who": _name(actor), "where": position.label, "unit": handler.name},
            now,
        )
        notify(
            recipients=_officers_of(handler),
            kind=NoticeKind.DIFFICULTY_RAISED,
            title=_("New difficulty from %(where)s: %(title)s") % {"where": position.label, "title": title},
            body=description[:300],
            url=_link(difficulty),
            unit=handler,
            now=now,
        )
        audit_record(
            actor=actor,
            action="difficulty.raise",
            target=difficulty,
            unit=position.unit,
            request=request,
            category=difficulty.category,
            photos=len(cleaned),
        )
    return difficulty


def _name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user is not None else ""


def _history(difficulty: Difficulty, actor: User, event: str, body: str, at: datetime.datetime) -> None:
    _event(difficulty, actor, event, body, at)


DIFFICULTY_FLOW = Workflow(
    name="difficulty",
    queryset=lambda: Difficulty.objects.select_related("unit", "village", "handler_unit__parent"),
    unit=lambda difficulty: difficulty.unit,
    history=_history,
    transitions={
        "assign": Transition(
            WAITING, gettext_lazy("Only a difficulty waiting for an answer can be assigned."), None, "assign"
        ),
        # the answer is a message of its own in the thread, not an event line
        "answer": Transition(WAITING, gettext_lazy("This difficulty is not waiting for an answer."), Status.ANSWERED),
        "resolve": Transition(
            UNRESOLVED, gettext_lazy("This difficulty is already resolved."), Status.RESOLVED, "resolve"
        ),
        "reopen": Transition(
            (Status.ANSWERED, Status.RESOLVED),
            gettext_lazy("Only an answered or resolved difficulty can be reopened."),
            Status.REOPENED,
            "reopen",
        ),
        # moving up records its own event and notices (the overdue command moves difficulties up too)
        "escalate": Transition(WAITING, gettext_lazy("Only a difficulty waiting for an answer can be passed up.")),
        "due": Transition(UNRESOLVED, gettext_lazy("This difficulty is already resolved."), None, "due"),
    },
)


def _require_handler(actor: User, difficulty: Difficulty) -> Scope:
    scope = scope_for(actor)
    scope.require(Perm.HANDLE_DIFFICULTIES)
    if not is_handler(scope, difficulty):
        raise Forbidden(_("Only the unit handling this difficulty (or a unit above it) can do this."))
    return scope


def _require_raiser(actor: User, difficulty: Difficulty) -> Scope:
    scope = scope_for(actor)
    scope.require(Perm.RAISE_DIFFICULTIES)
    if not is_raiser_side(scope, difficulty):
        raise Forbidden(_("Only the team or unit that raised this difficulty can do this."))
    return scope


def difficulty_assign(
    *,
    actor: User,
    difficulty: Difficulty,
    assignee_id: Any,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """Give a waiting difficulty to one officer of the handling unit."""
    _require_handler(actor, difficulty)
    now = now or timezone.now()

    def assign(current: Difficulty) -> dict[str, Any]:
        assignee = assignee_choices(current).filter(pk=as_id(assignee_id)).first()
        if assignee is None:
            raise DomainError(_("Choose an officer of the unit handling the difficulty."), field="assignee")
        current.assignee = assignee
        return {"to": assignee.pk}

    def tell_assignee(current: Difficulty) -> None:
        notify(
            recipients=[current.assignee],
            kind=NoticeKind.DIFFICULTY_ASSIGNED,
            title=_("A difficulty was assigned to you: %(title)s") % {"title": current.title},
            body=_("Answer by %(day)s.") % {"day": current.due_on.strftime("%d/%m/%Y")},
            url=_link(current),
            unit=current.handler_unit,
            now=now,
        )

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW,
            "assign",
            actor=actor,
            obj=difficulty,
            at=now,
            request=request,
            note=lambda current: _("Assigned to %(who)s.") % {"who": _name(current.assignee)},
            change=assign,
            notify=tell_assignee,
        )


def difficulty_answer(
    *,
    actor: User,
    difficulty: Difficulty,
    text: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """Answer a waiting difficulty; the raiser's side then resolves it or reopens it."""
    _require_handler(actor, difficulty)
    body = _text(text, field="text", required_message=_("Write the answer."))
    now = now or timezone.now()

    def answer(current: Difficulty) -> None:
        current.answered_at = now
        DifficultyMessage.objects.create(
            difficulty=current, kind=MessageKind.ANSWER, author=actor, body=body, created_at=now
        )

    def tell_raiser(current: Difficulty) -> None:
        notify(
            recipients=_raiser_side_users(current),
            kind=NoticeKind.DIFFICULTY_ANSWERED,
            title=_("Your difficulty was answered: %(title)s") % {"title": current.title},
            body=body[:300],
            url=_link(current),
            unit=current.unit,
            now=now,
        )

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW,
            "answer",
            actor=actor,
            obj=difficulty,
            at=now,
            request=request,
            change=answer,
            notify=tell_raiser,
        )


def difficulty_resolve(
    *,
    actor: User,
    difficulty: Difficulty,
    text: str = "",
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """The raiser's side closes the difficulty: it is solved."""
    _require_raiser(actor, difficulty)
    now = now or timezone.now()
    note = nfc(text or "")[:MAX_TEXT]

    def resolve(current: Difficulty) -> None:
        current.resolved_at = now

    def tell_handler(current: Difficulty) -> None:
        notify(
            recipients=_handler_users(current),
            kind=NoticeKind.DIFFICULTY_RESOLVED,
            title=_("Difficulty resolved: %(title)s") % {"title": current.title},
            body=note,
            url=_link(current),
            unit=current.handler_unit,
            now=now,
        )

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW,
            "resolve",
            actor=actor,
            obj=difficulty,
            at=now,
            request=request,
            note=_("Marked as resolved by %(who)s.") % {"who": _name(actor)} + (f" {note}" if note else ""),
            change=resolve,
            notify=tell_handler,
        )


def difficulty_reopen(
    *,
    actor: User,
    difficulty: Difficulty,
    text: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """The raiser's side says the answer did not solve it: it waits for an answer again, due in a week."""
    _require_raiser(actor, difficulty)
    reason = _text(text, field="text", required_message=_("Say why the difficulty is not solved."))
    now = now or timezone.now()

    def reopen(current: Difficulty) -> None:
        current.resolved_at = None
        current.due_on = timezone.localdate(now) + datetime.timedelta(days=DEFAULT_DUE_DAYS)
        DifficultyMessage.objects.create(
            difficulty=current, kind=MessageKind.COMMENT, author=actor, body=reason, created_at=now
        )

    def tell_handler(current: Difficulty) -> None:
        notify(
            recipients=_handler_users(current),
            kind=NoticeKind.DIFFICULTY_REOPENED,
            title=_("Difficulty reopened: %(title)s") % {"title": current.title},
            body=reason[:300],
            url=_link(current),
            unit=current.handler_unit,
            now=now,
        )

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW,
            "reopen",
            actor=actor,
            obj=difficulty,
            at=now,
            request=request,
            note=_("Reopened by %(who)s.") % {"who": _name(actor)},
            change=reopen,
            notify=tell_handler,
        )


def _move_up(current: Difficulty, actor: User | None, reason: str, now: datetime.datetime) -> AdminUnit:
    """Hand the difficulty to the unit above the one handling it (the caller holds the row lock and saves it)."""
    parent = current.handler_unit.parent
    if parent is None:
        raise DomainError(_("There is no level above this unit."))
    previous = current.handler_unit
    current.handler_unit = parent
    current.status = Status.ESCALATED
    current.assignee = None
    current.escalations += 1
    current.due_on = timezone.localdate(now) + datetime.timedelta(days=DEFAULT_DUE_DAYS)
    _event(
        current,
        actor,
        "escalate",
        _("Moved up from %(old)s to %(new)s: %(reason)s")
        % {"old": previous.name, "new": parent.name, "reason": reason},
        now,
    )
    notify(
        recipients=_officers_of(parent),
        kind=NoticeKind.DIFFICULTY_ESCALATED,
        title=_("Difficulty escalated to your unit: %(title)s") % {"title": current.title},
        body=reason,
        url=_link(current),
        unit=parent,
        now=now,
    )
    notify(
        recipients=_raiser_side_users(current),
        kind=NoticeKind.DIFFICULTY_ESCALATED,
        title=_("Your difficulty went up to %(unit)s: %(title)s") % {"unit": parent.name, "title": current.title},
        body=reason,
        url=_link(current),
        unit=current.unit,
        now=now,
    )
    return previous


def difficulty_escalate(
    *,
    actor: User,
    difficulty: Difficulty,
    text: str = "",
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """A handler passes a waiting difficulty to the level above."""
    _require_handler(actor, difficulty)
    now = now or timezone.now()

    def move_up(current: Difficulty) -> dict[str, Any]:
        note = nfc(text or "")[:MAX_TEXT]
        reason = _("passed up by %(who)s.") % {"who": _name(actor)} + (f" {note}" if note else "")
        previous = _move_up(current, actor, reason, now)
        return {"from_unit": previous.pk, "to_unit": current.handler_unit_id}

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW, "escalate", actor=actor, obj=difficulty, at=now, request=request, change=move_up
        )


def difficulty_set_due(
    *,
    actor: User,
    difficulty: Difficulty,
    due_on: datetime.date | None,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """The handler gives itself more (or less) time to answer: from today to 90 days ahead."""
    _require_handler(actor, difficulty)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if due_on is None:
        raise DomainError(_("Enter a valid date."), field="due_on")
    if due_on < today:
        raise DomainError(_("The due date cannot be in the past."), field="due_on")
    if due_on > today + datetime.timedelta(days=MAX_DUE_DAYS):
        raise DomainError(_("The due date is at most %(n)d days ahead.") % {"n": MAX_DUE_DAYS}, field="due_on")

    def set_due(current: Difficulty) -> dict[str, Any]:
        before = current.due_on
        current.due_on = due_on
        return {"before": before.isoformat(), "after": due_on.isoformat()}

    with translation.override(settings.LANGUAGE_CODE):
        return transition_apply(
            DIFFICULTY_FLOW,
            "due",
            actor=actor,
            obj=difficulty,
            at=now,
            request=request,
            note=_("Answer due by %(day)s.") % {"day": due_on.strftime("%d/%m/%Y")},
            change=set_due,
        )


def difficulty_set_category(
    *,
    actor: User,
    difficulty: Difficulty,
    category: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> Difficulty:
    """The handling unit (or a unit above it) corrects the kind of difficulty, e.g. a chat's first guess."""
    _require_handler(actor, difficulty)
    if category not in Category.values:
        raise DomainError(_("Choose the kind of difficulty."), field="category")
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        current = locked_row(DIFFICULTY_FLOW.queryset(), difficulty.pk)
        before = current.category
        if before == category:
            return current
        current.category = category
        current.save(update_fields=["category", "updated_at"])
        _event(
            current,
            actor,
            "category",
            _("Category changed from “%(before)s” to “%(after)s”.")
            % {"before": Category(before).label, "after": Category(category).label},
            now,
        )
        audit_record(
            actor=actor,
            action="difficulty.category",
            target=current,
            unit=current.unit,
            request=request,
            before=before,
            after=category,
        )
    return current


def difficulty_comment(
    *,
    actor: User,
    difficulty: Difficulty,
    text: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> DifficultyMessage:
    """Write in the thread (the raiser's side, or officers at or above the unit it sits at)."""
    scope = scope_for(actor)
    if not may_write(scope, difficulty):
        raise Forbidden(_("Your role does not allow this action."))
    body = _text(text, field="text", required_message=_("Write a message."))
    now = now or timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        message = DifficultyMessage.objects.create(
            difficulty=difficulty, kind=MessageKind.COMMENT, author=actor, body=body, created_at=now
        )
        others = set(_raiser_side_users(difficulty)) | set(_handler_users(difficulty))
        others.discard(actor.pk)
        notify(
            recipients=others,
            kind=NoticeKind.DIFFICULTY_COMMENTED,
            title=_("New message on: %(title)s") % {"title": difficulty.title},
            body=f"{_name(actor)}: {body[:300]}",
            url=_link(difficulty),
            unit=difficulty.unit,
            now=now,
        )
        audit_record(actor=actor, action="difficulty.message", target=difficulty, unit=difficulty.unit, request=request)
    return message


@dataclass
class Escalated:
    moved: int
    at_top: int  # overdue, but already at the national level


def difficulties_escalate_overdue(*, now: datetime.datetime | None = None) -> Escalated:
    """Move every difficulty still waiting for an answer after its due date up one level.

    Its due date starts again, so running this twice on a day moves nothing the second time.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    overdue = Difficulty.objects.filter(status__in=WAITING, due_on__lt=today)
    moved = 0
    for pk in overdue.filter(handler_unit__parent__isnull=False).values_list("pk", flat=True):
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            current = locked_row(Difficulty.objects.select_related("handler_unit__parent"), pk)
            if current.status not in WAITING or current.due_on >= today or current.handler_unit.parent is None:
                continue  # answered or moved meanwhile
            days = (today - current.due_on).days
            reason = _("no answer %(n)d days after the due date.") % {"n": days}
            previous = _move_up(current, None, reason, now)
            current.save(update_fields=["handler_unit", "status", "assignee", "escalations", "due_on", "updated_at"])
            audit_record(
                actor=None,
                action="difficulty.escalate",
                target=current,
                unit=current.unit,
                actor_name="escalate_difficulties",
                automatic=True,
                from_unit=previous.pk,
                to_unit=current.handler_unit_id,
            )
            moved += 1
    return Escalated(moved=moved, at_top=overdue.filter(handler_unit__parent__isnull=True).count())
