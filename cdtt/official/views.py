"""Pages: a unit's reported and official figures with the gaps and its history across the 2025 reform (an
old commune's: where it went), and the two imports (upload, preview, confirm or cancel)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.official import charts, importers, periods, selectors, services
from cdtt.official.forms import LegacyUploadForm
from cdtt.official.models import ApportionRule, FigureKind
from cdtt.transfers.models import ImportJob, ImportKind
from cdtt.transfers.views import XLSX_TYPE, cancel_page, upload_page

ROWS_PER_PAGE = 100


def _bucket(request: HttpRequest) -> int:
    """The period asked for (?ky=2026 or ?ky=06/2026), this year when absent or unreadable."""
    raw = request.GET.get("ky", "")
    try:
        return periods.parse(raw, column="ky") if raw else timezone.localdate().year
    except periods.PeriodProblem:
        return timezone.localdate().year


@requires(Perm.VIEW_FIGURES)
def unit_figures(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Reported beside official figures, the units with the widest gaps, and the years across the reform;
    for an old commune, where it went and its figures shared out."""
    unit = selectors.figures_subject(user=request.user, unit_id=unit_id)
    if not unit.is_current:
        return render(
            request, "official/legacy_unit.html", {"detail": selectors.legacy_detail(user=request.user, unit=unit)}
        )
    today = timezone.localdate()
    comparison = selectors.official_comparison(
        user=request.user, unit=unit, bucket=_bucket(request), kind=request.GET.get("so_lieu", "")
    )
    indicators = selectors.history_indicators(unit=unit)
    wanted = request.GET.get("chi_tieu", "")
    indicator = next((i for i in indicators if i.code == wanted), indicators[0] if indicators else None)
    history = selectors.history(user=request.user, unit=unit, indicator=indicator, today=today)
    scope = scope_for(request.user)
    context: dict[str, Any] = {
        "unit": unit,
        "comparison": comparison,
        "kinds": FigureKind.choices,
        "history": history,
        "chart": charts.history_chart(history),
        "indicators": indicators,
        "can_import": scope.covers_unit(unit, Perm.IMPORT_FIGURES),
    }
    return render(request, "official/unit.html", context)


@requires(Perm.IMPORT_FIGURES)
def official_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Upload official figures per commune and period; a readable file goes to its preview."""
    return upload_page(
        request,
        unit_id,
        perm=Perm.IMPORT_FIGURES,
        kind=ImportKind.OFFICIAL_FIGURES,
        start=services.official_import_start,
        job_view="official:job",
        template="official/import.html",
        extra=lambda unit: {
            "columns": importers.OFFICIAL_COLUMNS,
            "figures": [label for _v, label in FigureKind.choices],
            "max_rows": importers.MAX_ROWS,
        },
    )


@requires(Perm.IMPORT_FIGURES)
def legacy_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Upload figures kept under the old units before 1 July 2025 (old province, district, commune)."""
    return upload_page(
        request,
        unit_id,
        perm=Perm.IMPORT_FIGURES,
        kind=ImportKind.LEGACY_FIGURES,
        start=services.legacy_import_start,
        job_view="official:job",
        template="official/legacy_import.html",
        extra=lambda unit: {
            "columns": importers.LEGACY_COLUMNS,
            "rules": ApportionRule.choices,
            "max_rows": importers.MAX_ROWS,
        },
        form_class=LegacyUploadForm,
    )


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Perm.IMPORT_FIGURES)
def official_template(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The empty official-figures sheet, with the accepted figures on a second sheet."""
    scope_for(request.user).unit(unit_id, Perm.IMPORT_FIGURES)
    listing = (_("Figures"), [str(label) for _v, label in FigureKind.choices])
    return _xlsx(
        importers.template_xlsx(importers.OFFICIAL_COLUMNS, _("Official figures"), listing), "so-lieu-chinh-thuc.xlsx"
    )


@requires(Perm.IMPORT_FIGURES)
def legacy_template(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The empty sheet of figures before 2025, with the catalogue's indicators on a second sheet."""
    scope_for(request.user).unit(unit_id, Perm.IMPORT_FIGURES)
    listing = (_("Indicators"), selectors.indicator_names())
    return _xlsx(
        importers.template_xlsx(importers.LEGACY_COLUMNS, _("Before 2025"), listing), "so-lieu-truoc-2025.xlsx"
    )


@requires(Perm.IMPORT_FIGURES)
def job_detail(request: SignedInRequest, job_id: int) -> HttpResponse:
    """A figures job's rows with their status, and confirm/cancel while it can still be applied."""
    job = selectors.figure_job_get(user=request.user, job_id=job_id)
    errors_only = request.GET.get("errors") == "1"
    rows = [row for row in job.rows if row.get("errors")] if errors_only else job.rows
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rule = job.summary.get(services.RULE, "")
    context = {
        "job": job,
        "page": page,
        "errors_only": errors_only,
        "legacy": job.kind == ImportKind.LEGACY_FIGURES,
        "rule_label": ApportionRule(rule).label if rule in ApportionRule.values else "",
    }
    return render(request, "official/job.html", context)


@requires(Perm.IMPORT_FIGURES)
def job_confirm(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Apply a figures job (POST): every row, or none."""
    job = selectors.figure_job_get(user=request.user, job_id=job_id)
    if request.method == "POST":
        try:
            job = services.figure_import_apply(actor=request.user, job=job, request=request)
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            created, updated = job.summary.get("created", 0), job.summary.get("updated", 0)
            messages.success(
                request,
                ngettext(
                    "%(count)s figure was added, %(updated)s changed.",
                    "%(count)s figures were added, %(updated)s changed.",
                    created,
                )
                % {"count": created, "updated": updated},
            )
            return redirect("official:unit", unit_id=job.unit_id)
    return redirect("official:job", job_id=job.pk)


@requires(Perm.IMPORT_FIGURES)
def job_cancel(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Cancel a figures job that was not applied (POST)."""
    job: ImportJob = selectors.figure_job_get(user=request.user, job_id=job_id)
    upload = "official:legacy_import" if job.kind == ImportKind.LEGACY_FIGURES else "official:import"
    return cancel_page(request, job, job_view="official:job", upload_view=upload)
