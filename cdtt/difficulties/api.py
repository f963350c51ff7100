"""Difficulties in the JSON API: list, raise, one with its thread, write in the thread, and the steps
(answer, assign, escalate, due date, resolve, reopen). Photos are sent from the web form only."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import DomainError
from cdtt.difficulties import services
from cdtt.difficulties.models import Category, Difficulty, DifficultyMessage
from cdtt.difficulties.models import Status as DifficultyStatus
from cdtt.difficulties.selectors import DifficultyFilters, difficulty_list
from cdtt.difficulties.services import DifficultyIn, difficulty_get

router = Router(tags=["difficulties"])


class MessageOut(Schema):
    id: int
    kind: str  # comment, answer or event
    event: str
    author: str | None
    body: str
    created_at: datetime.datetime


class DifficultyOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    description: str
    status: str
    status_label: str
    unit_id: int
    unit: str
    village_id: int | None
    village: str | None
    handler_unit_id: int
    handler_unit: str
    platform_id: int | None
    assignee_id: int | None
    due_on: datetime.date
    escalations: int
    created_at: datetime.datetime
    answered_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    photos: int | None = None
    messages: list[MessageOut] | None = None


class DifficultyListOut(Schema):
    count: int
    limit: int
    offset: int
    results: list[DifficultyOut]


def _out(d: Difficulty, *, thread: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": d.pk,
        "title": d.title,
        "category": d.category,
        "category_label": d.get_category_display(),
        "description": d.description,
        "status": d.status,
        "status_label": d.get_status_display(),
        "unit_id": d.unit_id,
        "unit": d.unit.name,
        "village_id": d.village_id,
        "village": d.village.name if d.village else None,
        "handler_unit_id": d.handler_unit_id,
        "handler_unit": d.handler_unit.name,
        "platform_id": d.platform_id,
        "assignee_id": d.assignee_id,
        "due_on": d.due_on,
        "escalations": d.escalations,
        "created_at": d.created_at,
        "answered_at": d.answered_at,
        "resolved_at": d.resolved_at,
    }
    if thread:
        data["photos"] = d.photos.count()  # type: ignore[attr-defined]
        data["messages"] = [_message(m) for m in d.messages.select_related("author")]  # type: ignore[attr-defined]
    return data


def _message(m: DifficultyMessage) -> dict[str, Any]:
    return {
        "id": m.pk,
        "kind": m.kind,
        "event": m.event,
        "author": (m.author.full_name or m.author.username) if m.author else None,
        "body": m.body,
        "created_at": m.created_at,
    }


@router.get("/difficulties", response={200: DifficultyListOut, **ERRORS})
@api_requires(Perm.VIEW_DIFFICULTIES)
def difficulties_list(
    request: SignedInRequest,
    status: str = "",
    category: str = "",
    unit_id: int | None = None,
    to_me: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> Any:
    """Difficulties raised in the caller's units, newest first; ``status`` may also be ``unresolved``."""
    if status and status not in [*DifficultyStatus.values, "unresolved"]:
        raise DomainError(_("Unknown status."), field="status")
    if category and category not in Category.values:
        raise DomainError(_("Choose the kind of difficulty."), field="category")
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    rows = difficulty_list(
        user=request.user, filters=DifficultyFilters(status=status, category=category, unit_id=unit_id, to_me=to_me)
    )
    return {
        "count": rows.count(),
        "limit": limit,
        "offset": offset,
        "results": [_out(d) for d in rows[offset : offset + limit]],
    }


class RaiseIn(Schema):
    # Left out or blank, they are refused by the service with a Vietnamese message (not a bare 422).
    category: str = ""
    description: str = ""
    title: str = ""
    platform_id: int | None = None
    position: str = ""  # "v<village id>" or "u<unit id>"; optional when the caller raises from one place


@router.post("/difficulties", response={201: DifficultyOut, **ERRORS})
@api_requires(Perm.RAISE_DIFFICULTIES)
def difficulties_raise(request: SignedInRequest, payload: RaiseIn) -> Any:
    """Raise a difficulty to the level above the caller's team or unit."""
    difficulty = services.difficulty_raise(
        actor=request.user,
        data=DifficultyIn(**payload.model_dump()),
        request=request,
    )
    return Status(201, _out(difficulty_get(actor=request.user, difficulty_id=difficulty.pk), thread=True))


@router.get("/difficulties/{difficulty_id}", response={200: DifficultyOut, **ERRORS})
@api_requires(Perm.VIEW_DIFFICULTIES)
def difficulties_get(request: SignedInRequest, difficulty_id: int) -> Any:
    """One difficulty with its thread (404 outside the caller's units)."""
    return _out(difficulty_get(actor=request.user, difficulty_id=difficulty_id), thread=True)


class MessageIn(Schema):
    text: str = ""


@router.post("/difficulties/{difficulty_id}/messages", response={201: MessageOut, **ERRORS})
@api_requires(Perm.VIEW_DIFFICULTIES)
def difficulties_message(request: SignedInRequest, difficulty_id: int, payload: MessageIn) -> Any:
    """Write in a difficulty's thread."""
    difficulty = difficulty_get(actor=request.user, difficulty_id=difficulty_id)
    message = services.difficulty_comment(actor=request.user, difficulty=difficulty, text=payload.text, request=request)
    return Status(201, _message(message))


class ActionIn(Schema):
    action: str = ""  # answer, assign, escalate, due, category, resolve, reopen
    text: str = ""
    assignee_id: int | None = None
    due_on: datetime.date | None = None
    category: str = ""


@router.post("/difficulties/{difficulty_id}/actions", response={200: DifficultyOut, **ERRORS})
@api_requires(Perm.VIEW_DIFFICULTIES)
def difficulties_act(request: SignedInRequest, difficulty_id: int, payload: ActionIn) -> Any:
    """One step on a difficulty; 403 when the caller's side may not take it."""
    user = request.user
    d = difficulty_get(actor=user, difficulty_id=difficulty_id)
    if payload.action == "answer":
        services.difficulty_answer(actor=user, difficulty=d, text=payload.text, request=request)
    elif payload.action == "assign":
        services.difficulty_assign(actor=user, difficulty=d, assignee_id=payload.assignee_id, request=request)
    elif payload.action == "escalate":
        services.difficulty_escalate(actor=user, difficulty=d, text=payload.text, request=request)
    elif payload.action == "due":
        services.difficulty_set_due(actor=user, difficulty=d, due_on=payload.due_on, request=request)
    elif payload.action == "category":
        services.difficulty_set_category(actor=user, difficulty=d, category=payload.category, request=request)
    elif payload.action == "resolve":
        services.difficulty_resolve(actor=user, difficulty=d, text=payload.text, request=request)
    elif payload.action == "reopen":
        services.difficulty_reopen(actor=user, difficulty=d, text=payload.text, request=request)
    else:
        raise DomainError(_("Unknown action."), field="action")
    return _out(difficulty_get(actor=user, difficulty_id=d.pk), thread=True)
