"""Data-quality flags in the browser: a unit's flags, one flag with the review actions, the rule catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.quality import services
from cdtt.quality.models import FlagStatus, RuleCode
from cdtt.quality.selectors import FlagFilters, flag_list, flag_summary, rule_list

PAGE_SIZE = 20


def _filters(request: HttpRequest, unit_id: int | None) -> FlagFilters:
    status = request.GET.get("status", FlagStatus.OPEN)
    rule = request.GET.get("rule", "")
    return FlagFilters(
        unit_id=unit_id,
        status=status if status in FlagStatus.values else "",
        rule=rule if rule in RuleCode.values else "",
    )


@requires(Perm.VIEW_QUALITY)
def flags_home(request: SignedInRequest) -> HttpResponse:
    """The flags of the user's own unit (the first unit they review or read)."""
    grants = scope_for(request.user).grants_with(Perm.VIEW_QUALITY)
    return redirect(reverse("quality:unit", args=[grants[0].unit_id]))


@requires(Perm.VIEW_QUALITY)
def unit_flags(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """A unit's flags (with those of everything under it), open ones first, filtered by status and rule."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_QUALITY)
    filters = _filters(request, unit.pk)
    page = Paginator(flag_list(user=request.user, filters=filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(flag, flag_summary(flag)) for flag in page]
    context = {
        "unit": unit,
        "page": page,
        "rows": rows,
        "filters": filters,
        "statuses": FlagStatus.choices,
        "rules": RuleCode.choices,
    }
    return render(request, "quality/unit.html", context)


@requires(Perm.VIEW_QUALITY)
def flag_detail(request: SignedInRequest, flag_id: int) -> HttpResponse:
    """One flag: the rule, the numbers, the records, and the review actions for the commune's officers."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    context = {
        "flag": flag,
        "summary": flag_summary(flag),
        "records": flag.records.select_related("village", "recorded_by").order_by("pk"),
        "can_review": flag.is_open and services.may_review(request.user, flag),
    }
    return render(request, "quality/detail.html", context)


@requires(Perm.REVIEW_QUALITY)
@require_POST
def flag_action(request: SignedInRequest, flag_id: int) -> HttpResponse:
    """Confirm, mark corrected, or void the records of a flag (POST)."""
    flag = services.flag_get(user=request.user, flag_id=flag_id)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    steps = {
        "confirm": (services.flag_confirm, _("The flag was confirmed: the numbers stay counted.")),
        "correct": (services.flag_correct, _("The flag was closed: the records were corrected.")),
        "void": (services.flag_void, _("The flagged records were voided.")),
    }
    if action not in steps:
        messages.error(request, _("Unknown action."))
        return redirect(reverse("quality:detail", args=[flag.pk]))
    service, done = steps[action]
    try:
        service(actor=request.user, flag=flag, note=note, request=request)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(reverse("quality:detail", args=[flag.pk]))


@requires(Perm.VIEW_QUALITY)
def rules_page(request: SignedInRequest) -> HttpResponse:
    """The rule catalogue, in Vietnamese: what each rule checks, when, and its threshold."""
    return render(request, "quality/rules.html", {"rules": rule_list(user=request.user)})


app_name = "quality"
