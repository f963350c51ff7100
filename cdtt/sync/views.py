"""Household changes made on phones against a newer version: the team leader (or commune officer) decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cdtt.access.decorators import requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import DomainError, NotFound
from cdtt.households.models import Household
from cdtt.sync.models import SyncConflict
from cdtt.sync.services import conflict_resolve, repeat_list, repeat_seen


def _open_conflicts(user: object) -> object:
    households = Household.objects.filter(scope_for(user).q(Perm.EDIT_HOUSEHOLDS))
    return SyncConflict.objects.filter(household__in=households, resolved_at__isnull=True).select_related(
        "household__village", "user"
    )


@requires(Perm.MANAGE_GROUPS)
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Changes sent from phones that met a newer version of the household: both sides, to decide."""
    rows = []
    for conflict in _open_conflicts(request.user)[:100]:  # type: ignore[index]
        household = conflict.household
        rows.append(
            {
                "conflict": conflict,
                "changes": [
                    (_label(name), getattr(household, name, ""), value) for name, value in conflict.changes.items()
                ],
            }
        )
    repeats = list(repeat_list(user=request.user)[:100])
    return render(request, "sync/conflicts.html", {"rows": rows, "repeats": repeats})


def _label(name: str) -> str:
    """A household field's name as people read it (its translated label), never the column's name."""
    try:
        field = Household._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


@requires(Perm.MANAGE_GROUPS)
def repeat_seen_view(request: HttpRequest, repeat_id: int) -> HttpResponse:
    """The team leader has seen a repeated guidance (POST); voiding one of the pair is done on its page."""
    repeat = repeat_list(user=request.user).filter(pk=as_id(repeat_id)).first()
    if repeat is None:
        raise NotFound(_("The repeated guidance was not found."))
    if request.method == "POST":
        repeat_seen(actor=request.user, repeat=repeat)
        messages.success(request, _("Marked as seen."))
    return redirect("sync:conflicts")


@requires(Perm.MANAGE_GROUPS)
def conflict_decide(request: HttpRequest, conflict_id: int) -> HttpResponse:
    """Apply the phone's change onto the current household, or drop it (POST)."""
    conflict = _open_conflicts(request.user).filter(pk=as_id(conflict_id)).first()  # type: ignore[attr-defined]
    if conflict is None:
        raise NotFound(_("The conflict was not found."))
    if request.method == "POST":
        try:
            conflict_resolve(actor=request.user, conflict=conflict, apply=request.POST.get("apply") == "1")
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Decided."))
    return redirect("sync:conflicts")
