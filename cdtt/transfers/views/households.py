"""Household import pages: upload, progress and preview (with decisions on likely duplicates), confirm, cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.households.models import ConsentMethod, Relationship
from cdtt.teams.models import Gender
from cdtt.transfers import queue, selectors, services
from cdtt.transfers.importers import households as household_importer
from cdtt.transfers.models import ImportJob, ImportKind, ImportRow, ImportStatus, RowDecision, RowOutcome
from cdtt.transfers.services import households as household_services
from cdtt.transfers.views import ROWS_PER_PAGE, XLSX_TYPE, cancel_page, upload_page

HOUSEHOLDS = ImportKind.HOUSEHOLDS
SHOW = ("errors", "duplicates", "undecided")


@requires(Perm.EDIT_HOUSEHOLDS)
def household_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Upload a household file for a commune; the upload goes to its job page, which shows the check."""
    return upload_page(
        request,
        unit_id,
        perm=Perm.EDIT_HOUSEHOLDS,
        kind=HOUSEHOLDS,
        start=queue.household_import_start,
        job_view="transfers:household_job",
        template="transfers/household_import.html",
        extra=lambda unit: {
            "columns": household_importer.COLUMNS,
            "resident_columns": (
                household_importer.RESIDENT,
                household_importer.BIRTH,
                household_importer.GENDER,
                household_importer.RELATIONSHIP,
            ),
            "required": (household_importer.VILLAGE, household_importer.HEAD),
            "accepted": [(str(label), values) for label, values in _accepted()],
            "max_rows": household_importer.MAX_ROWS,
        },
    )


def _accepted() -> list[tuple[Any, str]]:
    labels = {column.key: column.label for column in household_importer.COLUMNS}
    return [(labels[key], values) for key, values in household_importer.accepted_values()]


@requires(Perm.EDIT_HOUSEHOLDS)
def household_import_template(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The empty XLSX template with the expected columns and the accepted values."""
    unit = scope_for(request.user).unit(unit_id, Perm.EDIT_HOUSEHOLDS)
    try:
        services.import_unit_check(actor=request.user, unit=unit, kind=HOUSEHOLDS)
    except (NotFound, Forbidden):
        raise
    except DomainError:
        pass  # a unit where nothing can be imported may still hand out the template
    response = HttpResponse(household_importer.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-ho-gia-dinh.xlsx"'
    return response


@requires(Perm.EDIT_HOUSEHOLDS)
def household_job(request: SignedInRequest, job_id: int) -> HttpResponse:
    """A job's progress while it runs, then every row's outcome, page by page, with the decisions to take."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=HOUSEHOLDS)
    if job.is_running and queue.import_jobs_sweep(job_id=job.pk).requeued:
        job.refresh_from_db()  # its worker had died: the job was queued again
    show = request.GET.get("show", "")
    show = show if show in SHOW else ""
    page = Paginator(selectors.import_row_list(job=job, show=show), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "page": page,
        "rows": [_row_view(row) for row in page],
        "show": show,
        "resident_file": job.summary.get("shape") == household_importer.RESIDENT_SHAPE,
        "deciding": job.status == ImportStatus.PREVIEW and job.summary.get("duplicates"),
        "needs_consent": household_services.needs_consent(job),
        "consent_methods": ConsentMethod.choices,
        "here": _job_url(job, show=show, page=page.number),
    }
    return render(request, "transfers/household_job.html", context)


def _job_url(job: ImportJob, *, show: str = "", page: int | str = "") -> str:
    query = {key: value for key, value in (("show", show), ("page", page)) if value}
    url = reverse("transfers:household_job", args=[job.pk])
    return f"{url}?{urlencode(query)}" if query else url


_GENDERS = dict(Gender.choices)
_RELATIONSHIPS = dict(Relationship.choices)


def _row_view(row: ImportRow) -> dict[str, Any]:
    """What the preview shows of a stored row: cleaned values, or the cells as written for a row with errors."""
    household = row.data.get("hh") or {}
    resident = row.data.get("r") or {}
    raw = row.data.get("raw") or {}
    reasons = household_importer.reasons()
    return {
        "line": row.line,
        "group": row.group,
        "outcome": row.outcome,
        "errors": row.errors,
        "village": household.get("vn") or raw.get(household_importer.VILLAGE, ""),
        "head": household.get("h") or raw.get(household_importer.HEAD, ""),
        "address": household.get("a") or raw.get(household_importer.ADDRESS, ""),
        "phones": [p for p in (household.get("p"), household.get("p2")) if p]
        or [raw.get(household_importer.PHONE, "")],
        "resident": resident.get("n") or raw.get(household_importer.RESIDENT, ""),
        "birth_year": resident.get("y") or raw.get(household_importer.BIRTH, ""),
        "gender": _GENDERS.get(resident.get("g") or "", ""),
        "relationship": _RELATIONSHIPS.get(resident.get("r") or "", "") if resident else "",
        "duplicate_line": row.duplicate_line,
        "duplicate_household_id": row.duplicate_household_id,
        "reason": reasons.get(row.duplicate_reason, ""),
        "decision": row.decision,
        "is_duplicate": row.outcome == RowOutcome.DUPLICATE,
    }


@requires(Perm.EDIT_HOUSEHOLDS)
def household_job_decide(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Record the officer's choice (POST) for likely duplicates: per row, or for every undecided one."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=HOUSEHOLDS)
    back = request.POST.get("next", "")
    if not back.startswith(reverse("transfers:household_job", args=[job.pk])):
        back = _job_url(job)
    if request.method != "POST":
        return redirect(back)
    decisions: dict[int, str] = {}
    for name, value in request.POST.items():
        if name.startswith("row-") and name[4:].isdigit() and value in (RowDecision.IMPORT, RowDecision.SKIP):
            decisions[int(name[4:])] = value
    every = request.POST.get("all", "")
    try:
        changed = household_services.household_import_decide(
            actor=request.user,
            job=job,
            decisions=decisions,
            all_undecided=every if every in (RowDecision.IMPORT, RowDecision.SKIP) else "",
            request=request,
        )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("%(count)s decision was saved.", "%(count)s decisions were saved.", changed) % {"count": changed},
        )
    return redirect(back)


@requires(Perm.EDIT_HOUSEHOLDS)
def household_job_confirm(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Queue the write of a checked job (POST): every household, or none."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=HOUSEHOLDS)
    if request.method == "POST":
        try:
            job = queue.household_import_confirm(
                actor=request.user, job=job, consent=request.POST.get("consent", ""), request=request
            )
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if job.status == ImportStatus.DONE:
                count = job.created_count
                messages.success(
                    request,
                    ngettext("%(count)s household was added.", "%(count)s households were added.", count)
                    % {"count": count},
                )
            elif job.status == ImportStatus.FAILED:
                messages.error(request, job.failure)
            else:
                messages.info(request, _("The households are being written; this page shows when it is done."))
    return redirect("transfers:household_job", job_id=job.pk)


@requires(Perm.EDIT_HOUSEHOLDS)
def household_job_cancel(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Discard a job that was not applied (POST); its checked rows are deleted."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=HOUSEHOLDS)
    return cancel_page(request, job, job_view="transfers:household_job", upload_view="transfers:household_import")
