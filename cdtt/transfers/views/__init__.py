"""Village import pages: upload, preview, confirm or cancel, and the template download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.geo.models import AdminUnit, VillageKind
from cdtt.transfers import selectors, services
from cdtt.transfers.forms import ImportUploadForm
from cdtt.transfers.importers import villages as village_importer
from cdtt.transfers.models import ImportJob, ImportKind

ROWS_PER_PAGE = 100
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_page(
    request: SignedInRequest,
    unit_id: int,
    *,
    perm: Perm,
    kind: str,
    start: Callable[..., ImportJob],
    job_view: str,
    template: str,
    extra: Callable[[AdminUnit], dict[str, Any]],
    form_class: type[ImportUploadForm] = ImportUploadForm,
) -> HttpResponse:
    """The upload page every import shares: check the unit, take the file, start the job, go to its page.

    ``extra(unit)`` adds the import's own context (columns, accepted values, …) to the page. A ``form_class``
    with more fields than the file passes them to ``start`` by name (the figures of old units: their rule).
    """
    unit = scope_for(request.user).unit(unit_id, perm)
    form = form_class(request.POST, request.FILES) if request.method == "POST" else form_class()
    unavailable = ""
    try:
        services.import_unit_check(actor=request.user, unit=unit, kind=kind)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        unavailable = exc.message
    if request.method == "POST" and not unavailable and form.is_valid():
        try:
            options = {name: value for name, value in form.cleaned_data.items() if name != "file"}
            job = start(actor=request.user, unit=unit, upload=form.cleaned_data["file"], request=request, **options)
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect(job_view, job_id=job.pk)
    context = {
        "unit": unit,
        "form": form,
        "unavailable": unavailable,
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "jobs": selectors.import_job_list(user=request.user, unit=unit, kind=kind),
        **extra(unit),
    }
    return render(request, template, context, status=400 if form.errors else 200)


@requires(Perm.MANAGE_VILLAGES)
def village_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Upload a village file for a commune (or a province); a valid upload goes to its preview."""
    return upload_page(
        request,
        unit_id,
        perm=Perm.MANAGE_VILLAGES,
        kind=ImportKind.VILLAGES,
        start=services.village_import_start,
        job_view="transfers:job",
        template="transfers/village_import.html",
        extra=lambda unit: {
            "columns": village_importer.COLUMNS,
            "kinds": [label for _value, label in VillageKind.choices],
            "max_rows": village_importer.MAX_ROWS,
        },
    )


@requires(Perm.MANAGE_VILLAGES)
def village_import_template(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The empty XLSX template with the expected columns."""
    scope_for(request.user).unit(unit_id, Perm.MANAGE_VILLAGES)
    response = HttpResponse(village_importer.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="village-import-template.xlsx"'
    return response


@requires(Perm.MANAGE_VILLAGES)
def job_detail(request: SignedInRequest, job_id: int) -> HttpResponse:
    """A job's rows with their status, and the confirm/cancel buttons while it can still be applied."""
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    errors_only = request.GET.get("errors") == "1"
    rows = [row for row in job.rows if row.get("errors")] if errors_only else job.rows
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "transfers/job.html", {"job": job, "page": page, "errors_only": errors_only})


@requires(Perm.MANAGE_VILLAGES)
def job_confirm(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Apply a job (POST): create all its villages, or none."""
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    if request.method == "POST":
        try:
            job = services.import_job_apply(actor=request.user, job=job, request=request)
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            count = job.created_count
            messages.success(
                request,
                ngettext("%(count)s village was added.", "%(count)s villages were added.", count) % {"count": count},
            )
            return redirect("geo:unit", unit_id=job.unit_id)
    return redirect("transfers:job", job_id=job.pk)


@requires(Perm.MANAGE_VILLAGES)
def job_cancel(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Cancel a job that was not applied (POST)."""
    job = selectors.import_job_get(user=request.user, job_id=job_id)
    return cancel_page(request, job, job_view="transfers:job", upload_view="transfers:village_import")


def cancel_page(request: SignedInRequest, job: ImportJob, *, job_view: str, upload_view: str) -> HttpResponse:
    """Cancel ``job`` on a POST, then back to its upload page (or to the job, with the reason it could not)."""
    if request.method == "POST":
        try:
            services.import_job_cancel(actor=request.user, job=job, request=request)
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The import was cancelled; nothing was added."))
            return redirect(upload_view, unit_id=job.unit_id)
    return redirect(job_view, job_id=job.pk)
