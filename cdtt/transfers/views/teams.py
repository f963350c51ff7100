"""Team and member import pages (upload, preview, confirm or cancel, template), and the roster export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import ngettext

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.teams.models import Gender, MemberRole, Organisation
from cdtt.transfers import selectors, services
from cdtt.transfers.importers import teams as team_importer
from cdtt.transfers.models import ImportKind
from cdtt.transfers.views import ROWS_PER_PAGE, XLSX_TYPE, cancel_page, upload_page

TEAMS = ImportKind.TEAMS


@requires(Perm.MANAGE_TEAMS)
def team_import(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Upload a team/member file for a commune (or a province); a readable upload goes to its preview."""
    return upload_page(
        request,
        unit_id,
        perm=Perm.MANAGE_TEAMS,
        kind=TEAMS,
        start=services.team_import_start,
        job_view="transfers:team_job",
        template="transfers/team_import.html",
        extra=lambda unit: {
            "columns": team_importer.COLUMNS,
            "required": team_importer.REQUIRED,
            "roles": [label for _value, label in MemberRole.choices],
            "genders": [label for _value, label in Gender.choices],
            "organisations": [label for _value, label in Organisation.choices],
            "max_rows": team_importer.MAX_ROWS,
        },
    )


@requires(Perm.MANAGE_TEAMS)
def team_import_template(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The empty XLSX template with the expected columns and the accepted values."""
    scope_for(request.user).unit(unit_id, Perm.MANAGE_TEAMS)
    response = HttpResponse(team_importer.template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="team-import-template.xlsx"'
    return response


@requires(Perm.MANAGE_TEAMS)
def team_job(request: SignedInRequest, job_id: int) -> HttpResponse:
    """A job's rows with their status and the team each goes to, and confirm/cancel while it can be applied."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=TEAMS)
    errors_only = request.GET.get("errors") == "1"
    rows = [row for row in job.rows if row.get("errors")] if errors_only else job.rows
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"job": job, "page": page, "errors_only": errors_only, "summary": team_importer.summarise(job.rows)}
    return render(request, "transfers/team_job.html", context)


@requires(Perm.MANAGE_TEAMS)
def team_job_confirm(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Apply a job (POST): propose the new teams and add the members, all or nothing."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=TEAMS)
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
                ngettext(
                    "%(count)s member was added. The teams' draft decisions are ready to complete and sign.",
                    "%(count)s members were added. The teams' draft decisions are ready to complete and sign.",
                    count,
                )
                % {"count": count},
            )
    return redirect("transfers:team_job", job_id=job.pk)


@requires(Perm.MANAGE_TEAMS)
def team_job_cancel(request: SignedInRequest, job_id: int) -> HttpResponse:
    """Cancel a job that was not applied (POST)."""
    job = selectors.import_job_get(user=request.user, job_id=job_id, kind=TEAMS)
    return cancel_page(request, job, job_view="transfers:team_job", upload_view="transfers:team_import")


@requires(Perm.VIEW_TEAMS)
def roster_export(request: SignedInRequest, unit_id: int) -> HttpResponseBase:
    """The current members of every team the user sees under a unit (or of one team, ``?team=``) as XLSX."""
    unit, team = selectors.roster_unit_team(user=request.user, unit_id=unit_id, team_id=request.GET.get("team"))
    out, _count = services.roster_export(actor=request.user, unit=unit, team=team, request=request)
    name = f"danh-sach-to-cnscd-{unit.code}" + (f"-to-{team.pk}" if team else "") + ".xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)
