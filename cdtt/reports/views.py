"""Report pages: my reports, one report (write, submit, review), a unit's status tree and consolidation,
deadlines and exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.geo.models import UnitKind
from cdtt.quality.selectors import WITHOUT_FLAGGED
from cdtt.reports import exports, selectors, services
from cdtt.reports.models import Report
from cdtt.targets.models import Period


def _period(request: HttpRequest) -> Period:
    return selectors.report_period(request.GET.get("period") or request.POST.get("period"))


def _context(page: Any) -> dict[str, Any]:
    """A page dataclass as a template context (shallow: the rows keep their properties)."""
    return dict(vars(page))


@requires(Perm.VIEW_REPORTS)
def index(request: SignedInRequest) -> HttpResponse:
    """The reports I write (by period, with their state and due date) and the units whose reports I review."""
    page = selectors.report_index_page(user=request.user)
    return render(request, "reports/index.html", _context(page))


@requires(Perm.SUBMIT_REPORTS)
def report_open_view(request: SignedInRequest) -> HttpResponse:
    """Open (or go back to) a report of one of my subjects for a period."""
    if request.method != "POST":
        return redirect("reports:index")
    subject = selectors.own_subject_get(user=request.user, key=request.POST.get("subject", ""))
    period = _period(request)
    try:
        report = services.report_open(actor=request.user, subject=subject, period=period)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("reports:index")
    return redirect("reports:detail", report.pk)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@requires(Perm.VIEW_REPORTS)
def detail(request: SignedInRequest, report_id: int) -> HttpResponse:
    """One report: the reporter writes and submits it; the reviewer approves, returns or reopens it."""
    if request.method == "POST":
        return _act(request, selectors.report_get(request.user, report_id))
    page = selectors.report_detail_page(
        user=request.user, report_id=report_id, without_flagged=request.GET.get(WITHOUT_FLAGGED) == "1"
    )
    report = page.report
    tree_url = reverse("reports:unit", args=[report.unit_id]) + f"?period={report.period_id}" if report.unit_id else ""
    return render(request, "reports/detail.html", {**_context(page), "tree_url": tree_url})


def _act(request: SignedInRequest, report: Report) -> HttpResponse:
    action = request.POST.get("action", "")
    user, version = request.user, _version(request)
    try:
        if action in ("save", "submit"):
            notes = {key.removeprefix("note-"): value for key, value in request.POST.items() if key.startswith("note-")}
            report = services.report_save(
                actor=user,
                report=report,
                version=version,
                assessment=request.POST.get("assessment", ""),
                plan=request.POST.get("plan", ""),
                proposals=request.POST.get("proposals", ""),
                notes=notes,
            )
            if action == "submit":
                services.report_submit(actor=user, report=report, version=report.version)
                messages.success(request, _("The report was submitted. Its numbers are frozen as they are now."))
            else:
                messages.success(request, _("Saved."))
        elif action == "approve":
            services.report_approve(actor=user, report=report, version=version)
            messages.success(request, _("The report was approved and is now locked."))
        elif action == "return":
            services.report_return(actor=user, report=report, version=version, comment=request.POST.get("comment"))
            messages.success(request, _("The report was returned with your comments."))
        elif action == "reopen":
            services.report_reopen(actor=user, report=report, version=version, reason=request.POST.get("reason"))
            messages.success(request, _("The report was reopened for correction."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        if isinstance(exc, NotFound | Forbidden):
            raise  # the same 404 / 403 page as any other refusal
        messages.error(request, exc.message)
    return redirect("reports:detail", report.pk)


@requires(Perm.VIEW_REPORTS)
def unit_view(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Who has reported to a unit for a period (late, returned, approved), and the consolidated numbers."""
    page = selectors.report_unit_page(user=request.user, unit_id=unit_id, period=_period(request))
    wanted = request.GET.get("state", "")
    shown = [n for n in page.nodes if n.state == wanted] if wanted in selectors.STATE_ORDER else page.nodes
    paged = Paginator(shown, 50).get_page(request.GET.get("page"))
    return render(request, "reports/unit.html", {**_context(page), "page": paged, "wanted": wanted})


@requires(Perm.VIEW_REPORTS)
def report_docx(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(request.user, report_id)
    data = exports.report_docx(report)
    return exports.download(
        data, exports.file_name(report, "docx"), exports.DOCX_TYPE, actor=request.user, report=report
    )


@requires(Perm.VIEW_REPORTS)
def report_xlsx(request: SignedInRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(request.user, report_id)
    data = exports.report_xlsx(report)
    return exports.download(
        data, exports.file_name(report, "xlsx"), exports.XLSX_TYPE, actor=request.user, report=report
    )


@requires(Perm.VIEW_REPORTS)
def unit_xlsx(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Every child unit × indicator of a province (its communes) or of the nation (every commune)."""
    unit = selectors.report_unit_get(user=request.user, unit_id=unit_id)
    period = _period(request)
    data = exports.consolidated_xlsx(unit, period)
    name = f"tong-hop-{exports.slug(unit.name)}-{exports.slug(period.name)}.xlsx"
    return exports.download(data, name, exports.XLSX_TYPE, actor=request.user, unit=unit, period=period)


def _deadlines(request: HttpRequest) -> dict[str, tuple[int, int, bool]]:
    """The deadlines posted by the settings form, per kind of report (kinds left without a day are skipped)."""
    rules: dict[str, tuple[int, int, bool]] = {}
    for kind in selectors.KIND_ORDER:
        offset, day = request.POST.get(f"offset-{kind}", ""), request.POST.get(f"day-{kind}", "")
        if not day:
            continue
        try:
            parsed = (int(offset or 0), int(day))
        except ValueError:
            raise DomainError(_("Enter whole numbers for the deadlines.")) from None
        rules[kind] = (*parsed, bool(request.POST.get(f"required-{kind}")))
    return rules


@requires(Perm.REVIEW_REPORTS)
def settings_view(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """A province's deadlines per kind of report; a unit's choice to hide unapproved data from above."""
    if request.method == "POST":
        unit = selectors.report_settings_unit(user=request.user, unit_id=unit_id)
        try:
            if request.POST.get("action") == "policy":
                services.policy_set(actor=request.user, unit=unit, hide_unapproved=bool(request.POST.get("hide")))
            elif unit.kind == UnitKind.PROVINCE:
                services.deadlines_set(actor=request.user, province=unit, rules=_deadlines(request))
            messages.success(request, _("Saved."))
            return redirect("reports:settings", unit.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, exc.message)
    page = selectors.report_settings_page(user=request.user, unit_id=unit_id)
    return render(request, "reports/settings.html", _context(page))
