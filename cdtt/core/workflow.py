"""State transitions, written once: lock the row, check its state, set the new one, keep the history, audit, notify.

Each domain declares its workflow as data (a ``Workflow`` with a table of ``Transition``s) and keeps only what is
its own in its services: who may act (checked before the lock, or in ``check`` when it needs the locked row), what
else changes (``change``), and whom to tell (``notify``). Everything runs in one transaction, so a refusal at any
step leaves nothing behind; the audit action is ``<workflow>.<transition>`` (``report.approve``).
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.core.models import WorkflowEvent

if TYPE_CHECKING:
    from cdtt.accounts.models import User

M = TypeVar("M", bound=models.Model)

# The history entry of one step: (the locked object, the actor, the step's event, its note, when).
History = Callable[[Any, Any, str, str, datetime.datetime], object]


def locked(queryset: QuerySet[M], pk: Any) -> M:
    """Re-read one row under a row lock, for the rest of the transaction.

    ``of=("self",)``: only the row that changes is locked. PostgreSQL refuses to lock the nullable side of an
    outer join, and locking the rows joined for reading (a report's period, a post's units) would queue every
    writer of the same period or unit behind one another for nothing.
    """
    return queryset.select_for_update(of=("self",)).get(pk=pk)


def event_record(
    subject: models.Model, actor: User, action: str, comment: str = "", at: datetime.datetime | None = None
) -> WorkflowEvent:
    """Add a line to the subject's history (its ``events``)."""
    return WorkflowEvent.objects.create(
        subject=subject, action=action, actor=actor, comment=comment, at=at or timezone.now()
    )


@dataclass(frozen=True)
class Transition:
    """One step: the states it leaves from, the refusal when the object is in another, where it goes."""

    sources: Collection[str]
    refusal: Promise | str  # lazy: translated when it is raised
    target: str | None = None  # None: the state stays (a step that changes something else)
    event: str = ""  # the history entry it records ("": none)


@dataclass(frozen=True)
class Workflow:
    """A model's steps, and what is the same for all of them."""

    name: str  # the audit actions' prefix
    queryset: Callable[[], QuerySet[Any]]  # the rows to lock and re-read, with the relations the steps read
    unit: Callable[[Any], Any]  # the audit entry's unit
    transitions: Mapping[str, Transition]
    history: History | None = None
    state: str = "status"
    audit_as: Mapping[str, str] = field(default_factory=dict)  # a step audited under another name


def _values(row: models.Model) -> dict[str, Any]:
    return {f.attname: copy.deepcopy(getattr(row, f.attname)) for f in row._meta.concrete_fields if not f.primary_key}


def _changed(row: models.Model, before: dict[str, Any]) -> list[str]:
    """The fields the step changed, and the ``auto_now`` ones: only they are written.

    Not a whole-row save: a step may rewrite related rows that point back at this one (completing a deletion
    request redacts the request's own texts), and the stale copy in hand must not write them back.
    """
    fields = row._meta.concrete_fields
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False)]
    return list(dict.fromkeys([name for name, value in before.items() if getattr(row, name) != value] + stamped))


def transition_apply(
    flow: Workflow,
    name: str,
    *,
    actor: User,
    obj: M,
    note: str | Callable[[M], str] = "",
    at: datetime.datetime | None = None,
    request: Any = None,
    check: Callable[[M], None] | None = None,
    change: Callable[[M], Mapping[str, Any] | None] | None = None,
    notify: Callable[[M], None] | None = None,
    **details: Any,
) -> M:
    """Apply the step ``name`` of ``flow`` to ``obj`` and return the object as it is now.

    In order, in one transaction: lock and re-read the row; ``check`` it (refusals that come before the state's,
    e.g. a stale version); refuse when its state is not one the step leaves from; ``change`` it (set the other
    fields; may still refuse; returns more audit details); set the new state and save; record the history entry
    (``note`` may be worked out from the changed row); write the audit entry; ``notify``.
    """
    step = flow.transitions[name]
    at = at or timezone.now()
    with transaction.atomic():
        row = locked(flow.queryset(), obj.pk)
        if check is not None:
            check(row)
        if getattr(row, flow.state) not in step.sources:
            raise DomainError(str(step.refusal))
        before = _values(row)
        more = change(row) if change is not None else None
        if step.target is not None:
            setattr(row, flow.state, step.target)
        row.save(update_fields=_changed(row, before))
        if step.event and flow.history is not None:
            flow.history(row, actor, step.event, note(row) if callable(note) else note, at)
        action = flow.audit_as.get(name, name)
        unit = flow.unit(row)
        audit_record(
            actor=actor,
            action=f"{flow.name}.{action}",
            target=row,
            unit=unit,
            request=request,
            **details,
            **(more or {}),
        )
        if notify is not None:
            notify(row)
    return row
