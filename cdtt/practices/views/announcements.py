"""Announcement pages: what I received (opening marks read), what my unit sent with who has read it, and
the form to send one."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.practices import announcements as service
from cdtt.practices.forms import AnnouncementForm

PAGE_SIZE = 20
RECEIPTS_PAGE_SIZE = 50


@requires(Perm.VIEW_ANNOUNCEMENTS)
def index(request: SignedInRequest) -> HttpResponse:
    """The announcements sent to me, the newest first, unread ones marked."""
    page = Paginator(service.received(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    can_send = scope_for(request.user).has(Perm.SEND_ANNOUNCEMENTS)
    return render(request, "practices/announcements/index.html", {"page": page, "can_send": can_send})


@requires(Perm.SEND_ANNOUNCEMENTS)
def sent(request: SignedInRequest) -> HttpResponse:
    """The announcements sent from my units, with how many have read each."""
    page = Paginator(service.sent(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practices/announcements/sent.html", {"page": page})


@requires(Perm.SEND_ANNOUNCEMENTS)
def create(request: SignedInRequest) -> HttpResponse:
    """Send an announcement to chosen units (with everything below them) and roles."""
    senders = service.sender_units(request.user)
    if not senders:
        raise Forbidden(_("Your role does not allow this action."))
    sender_choices = [(str(u.pk), u.name) for u in senders]
    units = [
        (str(u.pk), u.name if u.pk != sender.pk else _("%(unit)s (all of it)") % {"unit": u.name})
        for sender in senders
        for u in service.target_choices(sender)
    ]
    form = AnnouncementForm(
        request.POST or None, senders=sender_choices, units=units, initial={"sender": sender_choices[0][0]}
    )
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data.get("sender") or sender_choices[0][0]
        sender = next((u for u in senders if str(u.pk) == raw), None)
        try:
            if sender is None:
                raise NotFound(_("The unit was not found."))
            announcement = service.announcement_send(
                actor=request.user,
                sender=sender,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                unit_ids=form.cleaned_data["units"],
                roles=form.cleaned_data["roles"],
            )
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("The announcement was sent to %(n)d people.") % {"n": announcement.recipients_count},
            )
            return redirect("announcements:detail", announcement.pk)
    return render(request, "practices/announcements/form.html", {"form": form})


@requires(Perm.VIEW_ANNOUNCEMENTS)
def detail(request: SignedInRequest, announcement_id: int) -> HttpResponse:
    """One announcement: a recipient's opening marks it read; the sender side sees who has read it."""
    announcement, receipt = service.announcement_get(request.user, announcement_id)
    if receipt is not None:
        service.announcement_read(user=request.user, receipt=receipt)
    context: dict[str, object] = {"announcement": announcement, "receipt": receipt}
    if service.is_sender_side(request.user, announcement):
        state = request.GET.get("state", "")
        state = state if state in ("read", "unread") else ""
        counts = service.receipt_counts(announcement)
        context.update(
            {
                "units": Paginator(counts, RECEIPTS_PAGE_SIZE).get_page(request.GET.get("units")),
                "people": Paginator(service.receipt_list(announcement, state=state), RECEIPTS_PAGE_SIZE).get_page(
                    request.GET.get("page")
                ),
                "sender_side": True,
                "state": state,
                "read_total": sum(c.read for c in counts),
                "total": sum(c.total for c in counts),
                "roles": announcement.roles,
                "targets": list(announcement.units.order_by("depth", "name_folded")),
            }
        )
    response = render(request, "practices/announcements/detail.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@requires(Perm.VIEW_ANNOUNCEMENTS)
def read(request: SignedInRequest, announcement_id: int) -> HttpResponse:
    """Mark an announcement read without opening it (from the list)."""
    _announcement, receipt = service.announcement_get(request.user, announcement_id)
    if request.method == "POST" and receipt is not None:
        service.announcement_read(user=request.user, receipt=receipt)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("announcements:index")
