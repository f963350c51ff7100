"""Difficulties in the browser: the list with filters, raise one (with photos), the thread and its actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.catalog import selectors as catalog_selectors
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.files import user_file_response
from cdtt.difficulties import selectors, services
from cdtt.difficulties.models import UNRESOLVED, WAITING, Category, Status
from cdtt.difficulties.selectors import DifficultyFilters, difficulty_list, difficulty_units
from cdtt.difficulties.services import DifficultyIn, difficulty_get
from cdtt.reports.selectors import report_get

PAGE_SIZE = 20


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@requires(Perm.VIEW_DIFFICULTIES)
def difficulties_page(request: SignedInRequest) -> HttpResponse:
    """Difficulties raised in the user's units, newest first, with filters."""
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    filters = DifficultyFilters(
        status=status if status in [*Status.values, "unresolved"] else "",
        category=category if category in Category.values else "",
        unit_id=_int(request.GET.get("unit")),
        to_me=request.GET.get("to_me") == "1",
    )
    page = Paginator(difficulty_list(user=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    context = {
        "page": page,
        "filters": filters,
        "statuses": Status.choices,
        "categories": Category.choices,
        "units": difficulty_units(user=request.user),
        "can_raise": scope.has(Perm.RAISE_DIFFICULTIES) and bool(services.raise_positions(request.user)),
        "can_handle": scope.has(Perm.HANDLE_DIFFICULTIES),
        "today": timezone.localdate(),
        "waiting": WAITING,
    }
    return render(request, "difficulties/list.html", context)


@requires(Perm.RAISE_DIFFICULTIES)
def difficulty_new(request: SignedInRequest) -> HttpResponse:
    """Raise a difficulty to the level above (photos optional; their metadata is removed)."""
    positions = services.raise_positions(request.user)
    if not positions:
        raise NotFound(_("There is no level above your unit to raise a difficulty to."))
    error = ""
    field = ""
    if request.method == "POST":
        try:
            difficulty = services.difficulty_raise(
                actor=request.user,
                data=DifficultyIn(
                    category=request.POST.get("category", ""),
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    platform_id=_int(request.POST.get("platform")),
                    position=request.POST.get("position", ""),
                    report_id=_int(request.POST.get("report")),
                ),
                photos=request.FILES.getlist("photos"),
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            error, field = exc.message, exc.field or ""
        else:
            messages.success(
                request, _("The difficulty was sent to %(unit)s.") % {"unit": difficulty.handler_unit.name}
            )
            return redirect(reverse("difficulties:detail", args=[difficulty.pk]))
    report = None
    report_id = _int(request.POST.get("report") or request.GET.get("report"))
    if report_id is not None:
        report = report_get(request.user, report_id)
    context = {
        "report": report,
        "positions": positions,
        "categories": Category.choices,
        "platforms": catalog_selectors.platforms_for_choice(),
        "posted": request.POST,
        "error": error,
        "field": field,
        "max_photos": services.MAX_PHOTOS,
        "due_days": services.DEFAULT_DUE_DAYS,
    }
    return render(request, "difficulties/new.html", context, status=400 if error else 200)


@requires(Perm.VIEW_DIFFICULTIES)
def difficulty_detail(request: SignedInRequest, difficulty_id: int) -> HttpResponse:
    """One difficulty: what was raised, its photos, the thread, and the actions the user may take."""
    difficulty = difficulty_get(actor=request.user, difficulty_id=difficulty_id)
    scope = scope_for(request.user)
    handler = services.is_handler(scope, difficulty)
    raiser = services.is_raiser_side(scope, difficulty)
    waiting = difficulty.status in WAITING
    unresolved = difficulty.status in UNRESOLVED
    context = {
        "d": difficulty,
        "thread": difficulty.messages.select_related("author"),  # type: ignore[attr-defined]
        "photos": difficulty.photos.all(),  # type: ignore[attr-defined]
        "can_answer": handler and waiting,
        "can_assign": handler and waiting,
        "can_escalate": handler and waiting and difficulty.handler_unit.parent_id is not None,
        "can_set_due": handler and unresolved,
        "can_set_category": handler,
        "categories": Category.choices,
        "can_resolve": raiser and unresolved,
        "can_reopen": raiser and difficulty.status in (Status.ANSWERED, Status.RESOLVED),
        "can_write": services.may_write(scope, difficulty),
        "assignees": services.assignee_choices(difficulty) if handler and waiting else [],
        "overdue": waiting and difficulty.due_on < timezone.localdate(),
        "today": timezone.localdate(),
    }
    return render(request, "difficulties/detail.html", context)


ACTIONS = {"answer", "assign", "escalate", "due", "category", "resolve", "reopen", "comment"}


@requires(Perm.VIEW_DIFFICULTIES)
@require_POST
def difficulty_action(request: SignedInRequest, difficulty_id: int) -> HttpResponse:
    """One step on a difficulty (POST): answer, assign, escalate, due date, category, resolve, reopen or comment."""
    difficulty = difficulty_get(actor=request.user, difficulty_id=difficulty_id)
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")
    try:
        done = _act(request, difficulty, action, text)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(reverse("difficulties:detail", args=[difficulty.pk]))


def _act(request: SignedInRequest, difficulty: Any, action: str, text: str) -> str:
    user = request.user
    if action == "answer":
        services.difficulty_answer(actor=user, difficulty=difficulty, text=text, request=request)
        return _("The answer was sent.")
    if action == "assign":
        services.difficulty_assign(
            actor=user, difficulty=difficulty, assignee_id=request.POST.get("assignee"), request=request
        )
        return _("The difficulty was assigned.")
    if action == "escalate":
        moved = services.difficulty_escalate(actor=user, difficulty=difficulty, text=text, request=request)
        return _("The difficulty was passed up to %(unit)s.") % {"unit": moved.handler_unit.name}
    if action == "due":
        raw = request.POST.get("due_on", "")
        services.difficulty_set_due(
            actor=user, difficulty=difficulty, due_on=parse_date(raw) if raw else None, request=request
        )
        return _("The due date was changed.")
    if action == "category":
        services.difficulty_set_category(
            actor=user, difficulty=difficulty, category=request.POST.get("category", ""), request=request
        )
        return _("The category was changed.")
    if action == "resolve":
        services.difficulty_resolve(actor=user, difficulty=difficulty, text=text, request=request)
        return _("The difficulty was marked as resolved.")
    if action == "reopen":
        services.difficulty_reopen(actor=user, difficulty=difficulty, text=text, request=request)
        return _("The difficulty was reopened.")
    if action == "comment":
        services.difficulty_comment(actor=user, difficulty=difficulty, text=text, request=request)
        return _("The message was sent.")
    raise DomainError(_("Unknown action."))


@requires(Perm.VIEW_DIFFICULTIES)
def difficulty_photo(request: SignedInRequest, difficulty_id: int, photo_id: int) -> HttpResponseBase:
    """A photo of a difficulty the user may read (never served from a public folder)."""
    difficulty = difficulty_get(actor=request.user, difficulty_id=difficulty_id)
    photo = selectors.difficulty_photo_get(difficulty=difficulty, photo_id=photo_id)
    name = (photo.file.name or "").rsplit("/", 1)[-1]
    response = user_file_response(photo.file.open("rb"), filename=name, content_type=photo.content_type, inline=True)
    response["Cache-Control"] = "private, max-age=3600"
    return response


app_name = "difficulties"
