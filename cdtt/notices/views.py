"""The user's own notices: the list, open one (marks it read), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.notices.selectors import notice_list, notice_unread_count
from cdtt.notices.services import notice_mark_read, notices_mark_all_read

PAGE_SIZE = 20


@requires(Perm.READ_NOTICES)
def notices_page(request: SignedInRequest) -> HttpResponse:
    """The user's notices, unread first, newest first."""
    page = Paginator(notice_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page, "unread": notice_unread_count(user=request.user)})


@requires(Perm.READ_NOTICES)
@require_POST
def notice_read(request: SignedInRequest, notice_id: int) -> HttpResponse:
    """Mark one notice read; with ``open`` go on to the page it links to."""
    notice = notice_mark_read(actor=request.user, notice_id=notice_id)
    if request.POST.get("open") and notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None):
        return redirect(notice.url)
    return redirect(reverse("notices:list"))


@requires(Perm.READ_NOTICES)
@require_POST
def notices_read_all(request: SignedInRequest) -> HttpResponse:
    """Mark every notice of the user read."""
    count = notices_mark_all_read(actor=request.user)
    messages.success(request, _("Marked as read: %(n)d.") % {"n": count})
    return redirect(reverse("notices:list"))


app_name = "notices"
