"""Writes for import jobs: start (parse and preview), apply, cancel. Each checks scope and audits."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import nfc
from cdtt.geo.models import UnitKind
from cdtt.geo.services import village_create
from cdtt.transfers.importers import villages as village_importer
from cdtt.transfers.importers.tabular import FileProblem
from cdtt.transfers.models import ImportJob, ImportKind, ImportStatus

# Units an import can be run from: a current commune, or a province/the nation (rows then name a commune).
IMPORT_UNIT_KINDS = (UnitKind.NATIONAL, UnitKind.PROVINCE, UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE)


class RowsChanged(DomainError):
    """Re-checking a job at confirmation found errors; the job now shows them."""


class _Recheck(Exception):  # an internal signal that rolls the transaction back
    def __init__(self, checked: village_importer.Checked) -> None:
        super().__init__("rows changed")
        self.checked = checked


def _check_unit(actor: Any, unit: Any) -> None:
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_VILLAGES)
    if not scope.covers_unit(unit, Perm.MANAGE_VILLAGES):
        raise NotFound(_("The unit was not found."))
    if not unit.is_current or unit.kind not in IMPORT_UNIT_KINDS:
        raise DomainError(_("Villages can only be imported into a current commune, ward, special zone or province."))


def import_unit_check(*, actor: Any, unit: Any) -> None:
    """Raise when villages cannot be imported at ``unit`` by ``actor``."""
    _check_unit(actor, unit)


def village_import_start(
    *, actor: Any, unit: Any, upload: UploadedFile, request: HttpRequest | None = None
) -> ImportJob:
    """Parse and check an uploaded village file into a job to preview; villages are not touched.

    A file that cannot be read raises ``FileProblem`` and leaves nothing behind.
    """
    _check_unit(actor, unit)
    max_bytes = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise FileProblem(_too_large(max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileProblem(_too_large(max_bytes))
    filename = nfc(os.path.basename(upload.name or ""))[:255]
    rows = village_importer.parse(data=data, filename=filename, commune_optional=unit.is_commune)
    checked = village_importer.validate(user=actor, unit=unit, rows=rows)
    errors = checked.error_count
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=ImportKind.VILLAGES,
            unit=unit,
            created_by=actor,
            original_filename=filename,
            status=ImportStatus.INVALID if errors else ImportStatus.PREVIEW,
            rows=checked.rows,
            row_count=len(checked.rows),
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


def _too_large(max_bytes: int) -> str:
    return _("The file is larger than %(size)s MB.") % {"size": max_bytes // (1024 * 1024)}


def import_job_apply(*, actor: Any, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Create every village of an error-free job in one transaction, or none.

    Rows are checked again first (villages may have been added since the preview). A second
    confirmation finds the job no longer in preview and creates nothing.
    """
    _check_unit(actor, job.unit)
    try:
        with transaction.atomic():
            # The conditional update is the guard against double submits: only one caller flips the status.
            claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW, error_count=0).update(
                status=ImportStatus.DONE, applied_at=timezone.now(), applied_by=actor
            )
            if not claimed:
                job.refresh_from_db()
                raise DomainError(_status_refusal(job))
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            checked = village_importer.validate(user=actor, unit=locked.unit, rows=locked.rows)
            if checked.error_count or not checked.rows:
                raise _Recheck(checked)
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
                    raise DomainError(
                        _("Row %(line)s: %(message)s Nothing was imported.")
                        % {"line": row["line"], "message": exc.message}
                    ) from None
            locked.created_count = len(checked.rows)
            locked.save(update_fields=["created_count"])
            audit_record(
                actor=actor,
                action="import.apply",
                target=locked,
                unit=locked.unit,
                request=request,
                kind=locked.kind,
                created=locked.created_count,
            )
    except _Recheck as recheck:
        # Outside the rolled-back transaction: keep the new errors so the officer sees them.
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.INVALID, rows=recheck.checked.rows, error_count=recheck.checked.error_count
        )
        job.refresh_from_db()
        raise RowsChanged(
            _("Some rows are no longer valid (the data changed since the preview). Nothing was imported.")
        ) from None
    job.refresh_from_db()
    return job


def import_job_cancel(*, actor: Any, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Cancel a job that was not applied; its rows stay for reference."""
    _check_unit(actor, job.unit)
    with transaction.atomic():
        cancelled = ImportJob.objects.filter(pk=job.pk, status__in=[ImportStatus.PREVIEW, ImportStatus.INVALID]).update(
            status=ImportStatus.CANCELLED
        )
        if not cancelled:
            job.refresh_from_db()
            raise DomainError(_status_refusal(job))
        audit_record(actor=actor, action="import.cancel", target=job, unit=job.unit, request=request, kind=job.kind)
    job.refresh_from_db()
    return job


def _status_refusal(job: ImportJob) -> str:
    if job.status == ImportStatus.DONE:
        return _("This import has already been applied.")
    if job.status == ImportStatus.CANCELLED:
        return _("This import was cancelled.")
    return _("This file has errors. Fix them and upload the file again.")
