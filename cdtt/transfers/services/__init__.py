"""Writes for import jobs (start: parse and preview; apply; cancel) and the audited roster export."""

from __future__ import annotations

import os
import tempfile
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.tabular import FileProblem
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit, UnitKind
from cdtt.geo.services import village_create
from cdtt.teams.models import Team
from cdtt.teams.selectors import sees_full_phones
from cdtt.teams.services import member_join, team_propose
from cdtt.transfers.exporters.roster import write_roster
from cdtt.transfers.importers import teams as team_importer
from cdtt.transfers.importers import villages as village_importer
from cdtt.transfers.models import ImportJob, ImportKey, ImportKind, ImportRow, ImportStatus
from cdtt.transfers.selectors import KIND_PERMS, roster_memberships

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# Units an import can be run from: a current commune, or a province/the nation (rows then name a commune).
IMPORT_UNIT_KINDS = (UnitKind.NATIONAL, UnitKind.PROVINCE, UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)
# Households are personal data kept by the commune: they are imported at a commune only.
COMMUNE_UNIT_KINDS = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)
EXPORT_CHUNK = 2000


class RowsChanged(DomainError):
    """Re-checking a job at confirmation found errors; the job now shows them."""


class _Recheck(Exception):  # an internal signal that rolls the transaction back
    def __init__(self, rows: list[dict[str, Any]], error_count: int) -> None:
        super().__init__("rows changed")
        self.rows = rows
        self.error_count = error_count


def _check_unit(actor: User | None, unit: Any, kind: str = ImportKind.VILLAGES) -> None:
    perm = KIND_PERMS[kind]
    scope = scope_for(actor)
    scope.require(perm)
    if not scope.covers_unit(unit, perm):
        raise NotFound(_("The unit was not found."))
    if kind == ImportKind.HOUSEHOLDS:
        if not unit.is_current or unit.kind not in COMMUNE_UNIT_KINDS:
            raise DomainError(_("Households can only be imported into a current commune, ward or special zone."))
        return
    if not unit.is_current or unit.kind not in IMPORT_UNIT_KINDS:
        if kind == ImportKind.TEAMS:
            raise DomainError(_("Teams can only be imported into a current commune, ward, special zone or province."))
        if kind in (ImportKind.OFFICIAL_FIGURES, ImportKind.LEGACY_FIGURES):
            raise DomainError(_("Figures can only be imported into a current commune, ward, special zone or province."))
        raise DomainError(_("Villages can only be imported into a current commune, ward, special zone or province."))


def import_unit_check(*, actor: User | None, unit: Any, kind: str = ImportKind.VILLAGES) -> None:
    """Raise when ``kind`` cannot be imported at ``unit`` by ``actor``."""
    _check_unit(actor, unit, kind)


def upload_name(upload: UploadedFile) -> str:
    """The uploaded file's name, without any folder, in NFC, as stored with the job."""
    return nfc(os.path.basename(upload.name or ""))[:255]


def check_upload_size(upload: UploadedFile) -> None:
    """``FileProblem`` when the upload is over the size limit."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise FileProblem(_too_large(max_bytes))


def _read_upload(upload: UploadedFile) -> tuple[bytes, str]:
    """The uploaded bytes and a clean file name; ``FileProblem`` when the file is too large."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise FileProblem(_too_large(max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileProblem(_too_large(max_bytes))
    return data, nfc(os.path.basename(upload.name or ""))[:255]


def _job_create(
    *,
    actor: User,
    unit: Any,
    kind: str,
    filename: str,
    rows: list[dict[str, Any]],
    errors: int,
    request: HttpRequest | None,
) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            unit=unit,
            created_by=actor,
            original_filename=filename,
            status=ImportStatus.INVALID if errors else ImportStatus.PREVIEW,
            rows=rows,
            row_count=len(rows),
            error_count=errors,
        )
        audit_record(
            actor=actor,
            action="import.create",
            target=job,
            unit=unit,
            request=request,
            kind=job.kind,
            filename=filename,
            rows=job.row_count,
            errors=errors,
        )
    return job


def import_upload_read(upload: UploadedFile) -> tuple[bytes, str]:
    """The uploaded bytes and a clean file name, for an importer of another app; ``FileProblem`` when too large."""
    return _read_upload(upload)


def import_job_create(
    *,
    actor: User,
    unit: Any,
    kind: str,
    filename: str,
    rows: list[dict[str, Any]],
    errors: int,
    request: HttpRequest | None,
) -> ImportJob:
    """A checked job to preview (audited), for an importer of another app; nothing else is written."""
    return _job_create(actor=actor, unit=unit, kind=kind, filename=filename, rows=rows, errors=errors, request=request)


def village_import_start(
    *, actor: User, unit: Any, upload: UploadedFile, request: HttpRequest | None = None
) -> ImportJob:
    """Parse and check an uploaded village file into a job to preview; villages are not touched.

    A file that cannot be read raises ``FileProblem`` and leaves nothing behind.
    """
    _check_unit(actor, unit)
    data, filename = _read_upload(upload)
    rows = village_importer.parse(data=data, filename=filename, commune_optional=unit.is_commune)
    checked = village_importer.validate(user=actor, unit=unit, rows=rows)
    return _job_create(
        actor=actor,
        unit=unit,
        kind=ImportKind.VILLAGES,
        filename=filename,
        rows=checked.rows,
        errors=checked.error_count,
        request=request,
    )


def team_import_start(*, actor: User, unit: Any, upload: UploadedFile, request: HttpRequest | None = None) -> ImportJob:
    """Parse and check an uploaded team/member file into a job to preview; teams are not touched.

    A file that cannot be read raises ``FileProblem`` and leaves nothing behind.
    """
    _check_unit(actor, unit, ImportKind.TEAMS)
    data, filename = _read_upload(upload)
    rows = team_importer.parse(data=data, filename=filename, commune_optional=unit.is_commune)
    checked = team_importer.validate(user=actor, unit=unit, rows=rows)
    return _job_create(
        actor=actor,
        unit=unit,
        kind=ImportKind.TEAMS,
        filename=filename,
        rows=checked.rows,
        errors=checked.error_count,
        request=request,
    )


def _too_large(max_bytes: int) -> str:
    return _("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}


def import_job_claim_for_apply(*, actor: User, job: ImportJob) -> ImportJob:
    """Inside the caller's transaction: move an error-free job from preview to done and return it locked, or
    refuse (in Vietnamese) if it is no longer in preview. The conditional update is the guard against double
    submits: only one caller flips the status, and a rolled-back apply leaves the job in preview."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW, error_count=0).update(
        status=ImportStatus.DONE, applied_at=timezone.now(), applied_by=actor
    )
    if not claimed:
        job.refresh_from_db()
        raise DomainError(status_refusal(job))
    return ImportJob.objects.select_for_update().get(pk=job.pk)


def import_job_apply(*, actor: User, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Write every row of an error-free job in one transaction, or nothing.

    Rows are checked again first (villages, teams or members may have changed since the preview). A
    second confirmation finds the job no longer in preview and writes nothing.
    """
    _check_unit(actor, job.unit, job.kind)
    try:
        with transaction.atomic():
            locked = import_job_claim_for_apply(actor=actor, job=job)
            apply = _apply_teams if locked.kind == ImportKind.TEAMS else _apply_villages
            details = apply(actor, locked, request)
            locked.save(update_fields=["created_count"])
            audit_record(
                actor=actor,
                action="import.apply",
                target=locked,
                unit=locked.unit,
                request=request,
                kind=locked.kind,
                created=locked.created_count,
                **details,
            )
    except _Recheck as recheck:
        # Outside the rolled-back transaction: keep the new errors so the officer sees them.
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.INVALID, rows=recheck.rows, error_count=recheck.error_count
        )
        job.refresh_from_db()
        raise RowsChanged(
            _("Some rows are no longer valid (the data changed since the preview). Nothing was imported.")
        ) from None
    job.refresh_from_db()
    return job


def _row_failed(lines: list[int], exc: DomainError) -> DomainError:
    where = ", ".join(str(line) for line in lines)
    return DomainError(_("Row %(line)s: %(message)s Nothing was imported.") % {"line": where, "message": exc.message})


def _apply_villages(actor: User, job: ImportJob, request: HttpRequest | None) -> dict[str, Any]:
    checked = village_importer.validate(user=actor, unit=job.unit, rows=job.rows)
    if checked.error_count or not checked.rows:
        raise _Recheck(checked.rows, checked.error_count)
    for row in checked.rows:
        try:
            village_create(
                actor=actor,
                commune=checked.communes[row["commune_id"]],
                name=row["name"],
                kind=row["kind_value"],
                code=row["code"],
                request=request,
            )
        except DomainError as exc:
            raise _row_failed([row["line"]], exc) from None
    job.created_count = len(checked.rows)
    return {}


def _apply_teams(actor: User, job: ImportJob, request: HttpRequest | None) -> dict[str, Any]:
    """Propose a team for each village without one and add the others' rows to the open team.

    The team services do the writing, so each team gets its draft decision as usual. A new team is
    proposed with the members of its earliest joining date; later joiners are added on their date.
    """
    checked = team_importer.validate(user=actor, unit=job.unit, rows=job.rows)
    if checked.error_count or not checked.rows:
        raise _Recheck(checked.rows, checked.error_count)
    today = timezone.localdate()
    proposed = joined = 0
    for (commune_id, village_id), rows in team_importer.by_team(checked.rows).items():
        if rows[0]["team_id"]:
            team = checked.teams[rows[0]["team_id"]]
            later = rows
        else:
            first_day = min(team_importer.joined_on(row) or today for row in rows)
            founders = [row for row in rows if (team_importer.joined_on(row) or today) == first_day]
            later = [row for row in rows if row not in founders]
            try:
                team = team_propose(
                    actor=actor,
                    commune=checked.communes[commune_id],
                    village=checked.villages[village_id] if village_id else None,
                    members=[team_importer.member_in(row) for row in founders],
                    joined_on=first_day,
                    request=request,
                )
            except DomainError as exc:
                raise _row_failed([row["line"] for row in founders], exc) from None
            proposed += 1
        for row in later:
            try:
                member_join(
                    actor=actor,
                    team=team,
                    data=team_importer.member_in(row),
                    on=team_importer.joined_on(row) or today,
                    request=request,
                )
            except DomainError as exc:
                raise _row_failed([row["line"]], exc) from None
            joined += 1
    job.created_count = len(checked.rows)
    return {"teams_proposed": proposed, "members_joined": joined}


def import_job_cancel(*, actor: User, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Cancel a job that was not applied; its rows stay for reference (a household job's checked rows go)."""
    _check_unit(actor, job.unit, job.kind)
    with transaction.atomic():
        cancelled = ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.PREVIEW, ImportStatus.INVALID]).update(
            status=ImportStatus.CANCELLED
        )
        if not cancelled:
            job.refresh_from_db()
            raise DomainError(status_refusal(job))
        # Personal data that will never be imported is not kept.
        ImportRow.objects.filter(job=job).delete()
        ImportKey.objects.filter(job=job).delete()
        audit_record(actor=actor, action="import.cancel", target=job, unit=job.unit, request=request, kind=job.kind)
    job.refresh_from_db()
    return job


def status_refusal(job: ImportJob) -> str:
    if job.status == ImportStatus.DONE:
        return _("This import has already been applied.")
    if job.status == ImportStatus.CANCELLED:
        return _("This import was cancelled.")
    if job.status == ImportStatus.APPLYING:
        return _("This import is being written; wait for it to finish.")
    if job.status in (ImportStatus.QUEUED, ImportStatus.CHECKING):
        return _("The file is still being checked; wait for it to finish.")
    if job.status == ImportStatus.FAILED:
        return _("This import failed and nothing was written. Upload the file again.")
    return _("This file has errors. Fix them and upload the file again.")


# -- roster export -------------------------------------------------------------------------------


def roster_export(
    *, actor: User, unit: AdminUnit, team: Team | None = None, request: HttpRequest | None = None
) -> tuple[IO[bytes], int]:
    """The current members under ``unit`` (or of one team) that the actor may see, as an XLSX file.

    Phones are masked for a caller who may not see them in full. The export is audited: it
    carries personal data.
    """
    mask = not sees_full_phones(actor)
    memberships = roster_memberships(user=actor, unit=unit, team=team)
    out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        count = write_roster(memberships.iterator(chunk_size=EXPORT_CHUNK), out=out, mask_phones=mask)
        audit_record(
            actor=actor,
            action="roster.export",
            target=team,
            unit=unit,
            request=request,
            rows=count,
            masked=mask,
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out, count
