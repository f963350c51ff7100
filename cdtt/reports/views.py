"""Report pages: my reports, one report (write, submit, review), a unit's status tree and consolidation,
deadlines and exports."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.decorators import requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.difficulties.models import Difficulty
from cdtt.difficulties.services import visible_q
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.reports import exports, services
from cdtt.reports.models import Report, ReportStatus
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period

KIND_ORDER = [PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF, PeriodKind.YEAR, PeriodKind.CAMPAIGN]


def reportable_periods(subject: services.Subject | None = None, today: datetime.date | None = None) -> list[Period]:
    """The periods a report is written for now: this and last month, this and last quarter, this half-year,
    this year (and last year in January), and the campaigns of the subject's province that are running or
    ended in the last 30 days."""
    today = today or timezone.localdate()
    y, m = today.year, today.month
    last_month = (y - 1, 12) if m == 1 else (y, m - 1)
    q = (m - 1) // 3 + 1
    last_quarter = (y - 1, 4) if q == 1 else (y, q - 1)
    wanted = [
        (PeriodKind.MONTH, y, m),
        (PeriodKind.MONTH, *last_month),
        (PeriodKind.QUARTER, y, q),
        (PeriodKind.QUARTER, *last_quarter),
        (PeriodKind.HALF, y, 1 if m <= 6 else 2),
        (PeriodKind.YEAR, y, 1),
    ]
    if m == 1:
        wanted.append((PeriodKind.YEAR, y - 1, 1))
    periods = [calendar_period(kind, year, number) for kind, year, number in wanted]
    campaigns = Period.objects.filter(
        kind=PeriodKind.CAMPAIGN, start__lte=today, end__gte=today - datetime.timedelta(days=30)
    )
    place = (subject.commune if isinstance(subject, Village) else subject) if subject is not None else None
    for campaign in campaigns.select_related("owner").order_by("-start")[:50]:
        owner = campaign.owner
        if owner is None or place is None or place.path.startswith(owner.path) or owner.path.startswith(place.path):
            periods.append(campaign)
    return periods


def _period(request: HttpRequest) -> Period:
    raw = request.GET.get("period") or request.POST.get("period")
    if raw:
        period = Period.objects.filter(pk=as_id(raw)).first()
        if period is None:
            raise NotFound(_("The period was not found."))
        return period
    today = timezone.localdate()
    return calendar_period(PeriodKind.MONTH, today.year, today.month)


def _subject_key(subject: services.Subject) -> str:
    return f"v{subject.pk}" if isinstance(subject, Village) else f"u{subject.pk}"


@requires(Perm.VIEW_REPORTS)
def index(request: HttpRequest) -> HttpResponse:
    """The reports I write (by period, with their state and due date) and the units whose reports I review."""
    user = request.user
    scope = scope_for(user)
    today = timezone.localdate()
    mine = []
    for subject in services.own_subjects(user):
        periods = reportable_periods(subject, today)
        where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
        reports = {r.period_id: r for r in Report.objects.filter(period__in=periods, **where)}
        level = services.level_of(subject)
        province = services.province_of(subject)
        optional = services.optional_kinds(province)
        rows = []
        for period in periods:
            report = reports.get(period.pk)
            required = period.kind not in optional
            if not required and report is None:
                continue  # the province does not ask for this kind; one opened anyway stays listed
            due = report.due_on if report else services.due_date(period, level, province)
            sent = report is not None and report.is_sent
            rows.append({"period": period, "report": report, "due": due, "late": required and not sent and today > due})
        mine.append({"subject": subject, "key": _subject_key(subject), "rows": rows})
    review_units = [
        AdminUnit.objects.get(pk=grant.unit_id)
        for grant in scope.grants_with(Perm.REVIEW_REPORTS)
        if grant.village_id is None
    ]
    watch_units = list(scope.top_units(Perm.VIEW_REPORTS).exclude(pk__in=[u.pk for u in review_units]))
    awaiting = list(
        Report.objects.filter(reviewer__in=review_units, status=ReportStatus.SUBMITTED)
        .exclude(unit__in=review_units)
        .select_related("period", "unit", "village")
        .order_by("due_on", "pk")[:50]
    )
    return render(
        request,
        "reports/index.html",
        {
            "mine": mine,
            "review_units": review_units,
            "watch_units": watch_units,
            "awaiting": [(r, services.subject_label(r.subject)) for r in awaiting],  # type: ignore[arg-type]
            "today": today,
        },
    )


def _subject_from_key(user: Any, key: str) -> services.Subject:
    scope = scope_for(user)
    if key[:1] == "v":
        return scope.village(key[1:], Perm.SUBMIT_REPORTS)
    if key[:1] == "u":
        return scope.unit(key[1:], Perm.SUBMIT_REPORTS)
    raise NotFound(_("The unit was not found."))


@requires(Perm.SUBMIT_REPORTS)
def report_open_view(request: HttpRequest) -> HttpResponse:
    """Open (or go back to) a report of one of my subjects for a period."""
    if request.method != "POST":
        return redirect("reports:index")
    subject = _subject_from_key(request.user, request.POST.get("subject", ""))
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
def detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """One report: the reporter writes and submits it; the reviewer approves, returns or reopens it."""
    report = services.report_get(request.user, report_id)
    if request.method == "POST":
        return _act(request, report)
    can_write = services.may_write(request.user, report)
    can_review = services.may_review(request.user, report)
    rows = services.report_rows(report)
    org = report.organisation if report.is_sent else services.organisation(report.subject, report.period)  # type: ignore[arg-type]
    info = None
    if not report.is_sent and report.unit_id:
        _rows, info = services.live_rows(report.subject, report.period)  # type: ignore[arg-type]
    numbered = list(enumerate(rows, start=1))
    context = {
        "report": report,
        "subject_label": services.subject_label(report.subject),  # type: ignore[arg-type]
        "rows": rows,
        # Read on a phone: the indicators with a target, a result or a note first; the others (mostly
        # zeros, a third of the catalogue or more) behind "show all". The exports keep the full table.
        "rows_main": [(n, row) for n, row in numbered if _has_figures(row)],
        "rows_rest": [(n, row) for n, row in numbered if not _has_figures(row)],
        "org": org,
        "info": info,
        "events": list(report.events.select_related("actor").order_by("-at", "-pk")),
        "changes": services.live_changes(report),
        "can_write": can_write,
        "can_submit": can_write,
        "can_review": can_review and report.status == ReportStatus.SUBMITTED,
        "can_reopen": can_review and report.status == ReportStatus.APPROVED,
        "late": not report.is_sent
        and timezone.localdate() > report.due_on
        and services.is_required(report.period, services.province_of(report.subject)),  # type: ignore[arg-type]
        "can_raise": scope_for(request.user).has(Perm.RAISE_DIFFICULTIES)
        and services.is_reporter(request.user, report),
        "difficulties": _difficulties(request.user, report),
        "flags": _open_flags(request.user, report),
        "flags_unit": report.unit_id or (report.village.commune_id if report.village else None),
        "consolidated": bool(report.unit_id),
        "tree_url": reverse("reports:unit", args=[report.unit_id]) + f"?period={report.period_id}"
        if report.unit_id
        else "",
    }
    return render(request, "reports/detail.html", context)


def _has_figures(row: services.Row) -> bool:
    return bool(row.target or row.in_period or row.cumulative or row.pending or row.note)


def _open_flags(user: Any, report: Report) -> Any:
    """Open data-quality flags on the report's subject in its period (None for who may not read flags)."""
    from cdtt.quality.selectors import open_flags

    return open_flags(user=user, subject=report.subject, period=report.period)  # type: ignore[arg-type]


def _difficulties(user: Any, report: Report) -> list[Any]:
    """The difficulties raised from this report that the user may read."""
    return list(Difficulty.objects.filter(visible_q(user), source_report=report).order_by("created_at")[:20])


def _act(request: HttpRequest, report: Report) -> HttpResponse:
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
def unit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Who has reported to a unit for a period (late, returned, approved), and the consolidated numbers."""
    scope = scope_for(request.user)
    unit = scope.unit(unit_id, Perm.VIEW_REPORTS)
    period = _period(request)
    today = timezone.localdate()
    nodes = services.status_tree(unit, period, today=today)
    states: dict[str, int] = {}
    for node in nodes:
        states[node.state] = states.get(node.state, 0) + 1
    # What needs the reviewer first: awaiting review, then late, returned, in progress, approved.
    order = {"submitted": 0, "late": 1, "returned": 2, "draft": 3, "missing": 4, "approved": 5}
    nodes.sort(key=lambda n: order.get(n.state, 9))
    wanted = request.GET.get("state", "")
    shown = [n for n in nodes if n.state == wanted] if wanted in order else nodes
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    rows, info = services.live_rows(unit, period)
    own = Report.objects.filter(period=period, unit=unit).first()
    is_own = scope.holds_at(unit.pk, Perm.SUBMIT_REPORTS)
    return render(
        request,
        "reports/unit.html",
        {
            "unit": unit,
            "period": period,
            "periods": reportable_periods(unit, today),
            "nodes": nodes,
            "page": page,
            "wanted": wanted,
            "states": states,
            "rows": rows,
            "info": info,
            "own": own,
            "is_own": is_own,
            "subject_key": _subject_key(unit),
            "can_settings": unit.kind == UnitKind.PROVINCE and scope.covers_unit(unit, Perm.REVIEW_REPORTS),
            "can_policy": scope.holds_at(unit.pk, Perm.REVIEW_REPORTS),
            "hides": bool(services.policy_of([unit.pk])),
            "due": services.due_date(period, services.level_of(unit), services.province_of(unit)),
            "nationwide": unit.kind in (UnitKind.PROVINCE, UnitKind.NATIONAL),
        },
    )


@requires(Perm.VIEW_REPORTS)
def report_docx(request: HttpRequest, report_id: int) -> HttpResponse:
    report = services.report_get(request.user, report_id)
    data = exports.report_docx(report)
    return exports.download(
        data, exports.file_name(report, "docx"), exports.DOCX_TYPE, actor=request.user, report=report
    )


@requires(Perm.VIEW_REPORTS)
def report_xlsx(request: HttpRequest, report_id: int) -> HttpResponse:
    report = services.report_get(request.user, report_id)
    data = exports.report_xlsx(report)
    return exports.download(
        data, exports.file_name(report, "xlsx"), exports.XLSX_TYPE, actor=request.user, report=report
    )


@requires(Perm.VIEW_REPORTS)
def unit_xlsx(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Every child unit × indicator of a province (its communes) or of the nation (every commune)."""
    unit = scope_for(request.user).unit(unit_id, Perm.VIEW_REPORTS)
    period = _period(request)
    data = exports.consolidated_xlsx(unit, period)
    name = f"tong-hop-{exports.slug(unit.name)}-{exports.slug(period.name)}.xlsx"
    return exports.download(data, name, exports.XLSX_TYPE, actor=request.user, unit=unit, period=period)


@requires(Perm.REVIEW_REPORTS)
def settings_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A province's deadlines per kind of report; a unit's choice to hide unapproved data from above."""
    scope = scope_for(request.user)
    unit = scope.unit(unit_id, Perm.REVIEW_REPORTS)
    is_province = unit.kind == UnitKind.PROVINCE
    if request.method == "POST":
        try:
            if request.POST.get("action") == "policy":
                services.policy_set(actor=request.user, unit=unit, hide_unapproved=bool(request.POST.get("hide")))
            elif is_province:
                optional = services.optional_kinds(unit)
                with transaction.atomic():  # all the kinds or none
                    for kind in KIND_ORDER:
                        offset, day = request.POST.get(f"offset-{kind}", ""), request.POST.get(f"day-{kind}", "")
                        if not day:
                            continue
                        try:
                            parsed = (int(offset or 0), int(day))
                        except ValueError:
                            raise DomainError(_("Enter whole numbers for the deadlines.")) from None
                        required = bool(request.POST.get(f"required-{kind}"))
                        if parsed != services.deadline_rule(unit, kind) or required == (kind in optional):
                            services.deadline_set(
                                actor=request.user,
                                province=unit,
                                kind=kind,
                                month_offset=parsed[0],
                                day=parsed[1],
                                required=required,
                            )
            messages.success(request, _("Saved."))
            return redirect("reports:settings", unit.pk)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            messages.error(request, exc.message)
    province = unit if is_province else services.province_of(unit)
    optional = services.optional_kinds(province)
    rules = [
        {
            "kind": kind,
            "label": PeriodKind(kind).label,
            "rule": services.deadline_rule(province, kind),
            "default": services.DEFAULT_DEADLINES[kind],
            "required": kind not in optional,
        }
        for kind in KIND_ORDER
    ]
    can_policy = scope.holds_at(unit.pk, Perm.REVIEW_REPORTS)
    return render(
        request,
        "reports/settings.html",
        {
            "unit": unit,
            "rules": rules,
            "is_province": is_province,
            "can_policy": can_policy,
            "hides": bool(services.policy_of([unit.pk])),
        },
    )
