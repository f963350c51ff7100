"""Household import jobs handed to the background tasks: start (store the upload, queue its check), confirm
(queue the write), and the sweep that queues again the jobs whose worker died.

Apart from ``services.households`` (the work the tasks run) so the dependencies point one way:
these services -> ``tasks`` -> ``services.households``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.core.tabular import check_format
from cdtt.households.models import ConsentMethod
from cdtt.transfers import tasks
from cdtt.transfers.models import ImportJob, ImportKey, ImportRow, ImportStatus, RowDecision, RowOutcome
from cdtt.transfers.services import check_upload_size, import_unit_check, status_refusal, upload_name
from cdtt.transfers.services.households import HOUSEHOLDS, drop_file, needs_consent

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# -- upload -----------------------------------------------------------------------------------------


def household_import_start(
    *, actor: User, unit: Any, upload: UploadedFile, request: HttpRequest | None = None
) -> ImportJob:
    """Store an uploaded household file and queue its check; the register is not touched.

    What can be told from the first bytes (size, format) raises ``FileProblem`` here and stores nothing.
    """
    import_unit_check(actor=actor, unit=unit, kind=HOUSEHOLDS)
    check_upload_size(upload)
    filename = upload_name(upload)
    upload.seek(0)
    check_format(head=upload.read(8), filename=filename)
    upload.seek(0)
    job = ImportJob(
        kind=HOUSEHOLDS,
        unit=unit,
        created_by=actor,
        original_filename=filename,
        status=ImportStatus.QUEUED,
        heartbeat_at=timezone.now(),
    )
    job.file.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            audit_record(actor=actor, action="import.create", target=job, unit=unit, request=request, kind=HOUSEHOLDS)
    except BaseException:
        job.file.delete(save=False)
        raise
    tasks.household_import_check.enqueue(job.pk)
    job.refresh_from_db()
    return job


# -- confirm ----------------------------------------------------------------------------------------


def household_import_confirm(
    *, actor: User, job: ImportJob, consent: str = "", request: HttpRequest | None = None
) -> ImportJob:
    """Queue the write of a checked job; a second confirmation (or a double click) queues nothing.

    ``consent`` (a ConsentMethod value) says how the heads of the households with phones or members agreed;
    the write records one consent per such household, as the register of processing promises."""
    import_unit_check(actor=actor, unit=job.unit, kind=HOUSEHOLDS)
    if consent and consent not in ConsentMethod.values:
        raise DomainError(_("Choose how the consent was given."), field="consent")
    with transaction.atomic():
        undecided = ImportRow.objects.filter(
            job=job, outcome=RowOutcome.DUPLICATE, decision=RowDecision.UNDECIDED
        ).count()
        if undecided and job.status == ImportStatus.PREVIEW:
            raise DomainError(
                _("Decide first on the %(n)s likely duplicates: import anyway or skip.") % {"n": undecided}
            )
        if needs_consent(job) and not consent and job.status == ImportStatus.PREVIEW:
            raise DomainError(
                _(
                    "The file has phone numbers or household members, which are kept only with the households' "
                    "consent: say how the heads of household agreed."
                ),
                field="consent",
            )
        # The conditional update is the guard against double submits: only one caller flips the status.
        summary = ImportJob.objects.values_list("summary", flat=True).get(pk=job.pk)
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.PREVIEW, error_count=0, row_count__gt=0
        ).update(
            status=ImportStatus.APPLYING,
            applied_by=actor,
            heartbeat_at=timezone.now(),
            attempts=0,
            summary={**summary, "consent": consent},
        )
        if not claimed:
            job.refresh_from_db()
            raise DomainError(status_refusal(job))
    tasks.household_import_apply.enqueue(job.pk)
    job.refresh_from_db()
    return job


# -- jobs whose worker died -------------------------------------------------------------------------

# A running check reports every BATCH rows (well under a second apart); a write is one transaction,
# so it shows nothing until it ends: it gets longer. A waiting job is handed to the queue again.
STALE_CHECK = datetime.timedelta(minutes=10)
STALE_WRITE = datetime.timedelta(minutes=30)
MAX_ATTEMPTS = 3


@dataclass
class Swept:
    requeued: int = 0
    failed: int = 0


def import_jobs_sweep(*, now: datetime.datetime | None = None, job_id: int | None = None) -> Swept:
    """Run again the household jobs whose worker stopped showing signs of life, or fail them after
    ``MAX_ATTEMPTS`` runs; the upload is kept until a check ends, and a write is one transaction, so a
    run again starts from a clean state. Nothing is lost that the officer was told was received.
    """
    now = now or timezone.now()
    swept = Swept()
    jobs = ImportJob.objects.filter(kind=HOUSEHOLDS)
    if job_id is not None:
        jobs = jobs.filter(pk=job_id)
    stale = jobs.filter(
        Q(status__in=(ImportStatus.QUEUED, ImportStatus.CHECKING), heartbeat_at__lt=now - STALE_CHECK)
        | Q(status=ImportStatus.APPLYING, heartbeat_at__lt=now - STALE_WRITE)
    )
    for job in stale.only("pk", "status", "attempts", "heartbeat_at"):
        gone = job.attempts >= MAX_ATTEMPTS
        if job.status == ImportStatus.APPLYING:
            # The write task is safe to run twice: the job turns DONE in the write's own transaction.
            retry = {"status": ImportStatus.APPLYING, "attempts": F("attempts") + 1}
            task = tasks.household_import_apply
            failure = _("Writing stopped several times (the background worker restarted). Nothing was imported.")
        else:
            retry = {"status": ImportStatus.QUEUED}
            task = tasks.household_import_check
            failure = _("The check stopped several times (the background worker restarted). Upload the file again.")
        still = ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at)
        if gone:
            if still.update(status=ImportStatus.FAILED, failure=failure):
                if job.status != ImportStatus.APPLYING:
                    ImportRow.objects.filter(job=job).delete()
                ImportKey.objects.filter(job=job).delete()
                drop_file(job)
                swept.failed += 1
            continue
        if still.update(heartbeat_at=now, **retry):
            task.enqueue(job.pk)
            swept.requeued += 1
    return swept
