"""The breach register over the API (the same rules as the pages: officers of the breach's units)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import NotFound
from cdtt.privacy import selectors, services
from cdtt.privacy.models import Breach

router = Router(tags=["privacy"])


class BreachBody(Schema):
    """Every field optional in the schema: the access check comes first, then the service's own messages."""

    unit_id: int | None = None  # required
    title: str = ""
    description: str = ""
    discovered_at: datetime.datetime | None = None  # required
    occurred_at: datetime.datetime | None = None
    datasets: list[str] = []
    subjects: str = ""
    subjects_count: int | None = None
    consequences: str = ""
    measures: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""


class BreachOut(Schema):
    id: int
    unit_id: int
    title: str
    description: str
    occurred_at: datetime.datetime | None
    discovered_at: datetime.datetime
    notify_due: datetime.datetime
    notified_at: datetime.datetime | None
    overdue: bool
    status: str
    datasets: list[str]
    subjects: str
    subjects_count: int | None
    consequences: str
    measures: str


def _out(breach: Breach, overdue: bool) -> dict[str, Any]:
    fields = BreachOut.model_fields.keys() - {"overdue"}
    return {**{name: getattr(breach, name) for name in fields}, "overdue": overdue}


@router.get("/breaches", response={200: list[BreachOut], **ERRORS})
@api_requires(Perm.MANAGE_BREACHES)
def breach_list(request: SignedInRequest) -> Any:
    """Breaches of the caller's units, newest first; ``overdue`` when 72 hours passed without a notice."""
    return [_out(b, b.overdue) for b in selectors.breach_list(user=request.user)[:200]]  # type: ignore[attr-defined]


@router.get("/breaches/{breach_id}", response={200: BreachOut, **ERRORS})
@api_requires(Perm.MANAGE_BREACHES)
def breach_get(request: SignedInRequest, breach_id: int) -> Any:
    breach = selectors.breach_get(user=request.user, breach_id=breach_id)
    return _out(breach, breach.overdue)  # type: ignore[attr-defined]


@router.post("/breaches", response={201: BreachOut, **ERRORS})
@api_requires(Perm.MANAGE_BREACHES)
def breach_create(request: SignedInRequest, payload: BreachBody) -> Any:
    """Record a breach at one of the caller's units; the authority must be told within 72 hours."""
    unit = scope_for(request.user).units(Perm.MANAGE_BREACHES).filter(pk=payload.unit_id or 0).first()
    if unit is None:
        raise NotFound(_("The unit was not found."))
    data = services.BreachIn(**payload.model_dump(exclude={"unit_id"}))
    breach = services.breach_record(actor=request.user, unit=unit, data=data, request=request)
    fresh = selectors.breach_get(user=request.user, breach_id=breach.pk)
    return Status(201, _out(fresh, fresh.overdue))  # type: ignore[attr-defined]
