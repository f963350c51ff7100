"""Household changes made on phones against a newer version: the team leader (or commune officer) decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.core.errors import DomainError, NotFound
from cdtt.sync.selectors import conflict_get, conflicts_page, repeat_get
from cdtt.sync.services import conflict_resolve, repeat_seen


@requires(Perm.MANAGE_GROUPS)
def conflict_list(request: SignedInRequest) -> HttpResponse:
    """Changes sent from phones that met a newer version of the household: both sides, to decide."""
    return render(request, "sync/conflicts.html", conflicts_page(user=request.user))


@requires(Perm.MANAGE_GROUPS)
def repeat_seen_view(request: SignedInRequest, repeat_id: int) -> HttpResponse:
    """The team leader has seen a repeated guidance (POST); voiding one of the pair is done on its page."""
    repeat = repeat_get(user=request.user, repeat_id=repeat_id)
    if request.method == "POST":
        repeat_seen(actor=request.user, repeat=repeat)
        messages.success(request, _("Marked as seen."))
    return redirect("sync:conflicts")


@requires(Perm.MANAGE_GROUPS)
def conflict_decide(request: SignedInRequest, conflict_id: int) -> HttpResponse:
    """Apply the phone's change onto the current household, or drop it (POST)."""
    conflict = conflict_get(user=request.user, conflict_id=conflict_id)
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
