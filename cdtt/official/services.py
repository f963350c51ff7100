"""Writes: start an import of official figures or of figures before 2025 (checked, to preview), and apply it.

The jobs are the import jobs of ``cdtt.transfers`` (same preview, cancel, audit and double-submit guard);
applying writes every row or none, and a row for a (place, figure, period) already stored replaces its
value, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.catalog.models import Indicator
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.geo.models import AdminUnit
from cdtt.official import importers, selectors
from cdtt.official.models import ApportionRule, LegacyFigure, LegacyShare, OfficialFigure
from cdtt.transfers import services as transfers
from cdtt.transfers.models import ImportJob, ImportKind, ImportStatus
from cdtt.transfers.services import RowsChanged

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# JSON keys of the job's summary.
RULE = "rule"
SIX_PLACES = Decimal("0.000001")


def _check_unit(actor: User, unit: AdminUnit, kind: str) -> None:
    transfers.import_unit_check(actor=actor, unit=unit, kind=kind)


def official_import_start(
    *, actor: User, unit: AdminUnit, upload: UploadedFile, request: HttpRequest | None = None
) -> ImportJob:
    """Read and check an official-figures file into a job to preview; no figure is touched yet."""
    _check_unit(actor, unit, ImportKind.OFFICIAL_FIGURES)
    data, filename = transfers.import_upload_read(upload)
    rows = importers.official_parse(data=data, filename=filename, commune_optional=unit.is_commune)
    checked = importers.official_validate(user=actor, unit=unit, rows=rows, today=timezone.localdate())
    return transfers.import_job_create(
        actor=actor,
        unit=unit,
        kind=ImportKind.OFFICIAL_FIGURES,
        filename=filename,
        rows=checked.rows,
        errors=checked.error_count,
        request=request,
    )


def _legacy_check(actor: User, unit: AdminUnit, rows: list[dict[str, Any]], rule: str) -> importers.Checked:
    return importers.legacy_validate(
        user=actor,
        unit=unit,
        rows=rows,
        rule=rule,
        indicators=list(Indicator.objects.filter(is_active=True).order_by("order", "id")),
        populations=selectors.latest_populations,
        scope_communes=selectors.import_communes(user=actor, unit=unit),
        stored=selectors.legacy_stored,
    )


def legacy_import_start(
    *, actor: User, unit: AdminUnit, upload: UploadedFile, rule: str, request: HttpRequest | None = None
) -> ImportJob:
    """Read and check a file of figures kept under the old units into a job to preview, with its apportioning
    rule for the communes that were split; nothing is written yet."""
    _check_unit(actor, unit, ImportKind.LEGACY_FIGURES)
    if rule not in ApportionRule.values:
        raise DomainError(_("Choose how the figures of a divided commune are shared."), field="rule")
    data, filename = transfers.import_upload_read(upload)
    rows = importers.legacy_parse(data=data, filename=filename)
    checked = _legacy_check(actor, unit, rows, rule)
    job = transfers.import_job_create(
        actor=actor,
        unit=unit,
        kind=ImportKind.LEGACY_FIGURES,
        filename=filename,
        rows=checked.rows,
        errors=checked.error_count,
        request=request,
    )
    ImportJob.objects.filter(pk=job.pk).update(summary={RULE: rule})
    job.summary = {RULE: rule}
    return job


def figure_import_apply(*, actor: User, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Write every row of an error-free figures job in one transaction, or nothing (rows are checked again)."""
    _check_unit(actor, job.unit, job.kind)
    recheck: importers.Checked | None = None
    with transaction.atomic():
        locked = transfers.import_job_claim_for_apply(actor=actor, job=job)
        if locked.kind == ImportKind.OFFICIAL_FIGURES:
            checked = importers.official_validate(
                user=actor, unit=locked.unit, rows=locked.rows, today=timezone.localdate()
            )
        else:
            checked = _legacy_check(actor, locked.unit, locked.rows, locked.summary.get(RULE, ApportionRule.DEFAULT))
        if checked.error_count or not checked.rows:
            recheck = checked
            transaction.set_rollback(True)
        else:
            write = _write_official if locked.kind == ImportKind.OFFICIAL_FIGURES else _write_legacy
            created, updated = write(actor, locked, checked)
            locked.created_count = created
            locked.summary = {**locked.summary, "created": created, "updated": updated}
            locked.save(update_fields=["created_count", "summary"])
            audit_record(
                actor=actor,
                action="import.apply",
                target=locked,
                unit=locked.unit,
                request=request,
                kind=locked.kind,
                created=created,
                updated=updated,
            )
    if recheck is not None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.INVALID, rows=recheck.rows, error_count=recheck.error_count
        )
        job.refresh_from_db()
        raise RowsChanged(
            _("Some rows are no longer valid (the data changed since the preview). Nothing was imported.")
        )
    job.refresh_from_db()
    return job


def _write_official(actor: User, job: ImportJob, checked: importers.Checked) -> tuple[int, int]:
    rows = checked.rows
    existing = {
        (f.commune_id, f.kind, f.bucket): f
        for f in OfficialFigure.objects.filter(commune_id__in={r["commune_id"] for r in rows}).select_for_update()
    }
    created = updated = 0
    for row in rows:
        key = (row["commune_id"], row["kind"], row["bucket"])
        figure = existing.get(key)
        if figure is None:
            OfficialFigure.objects.create(
                commune_id=row["commune_id"],
                kind=row["kind"],
                bucket=row["bucket"],
                value=row["amount"],
                source=row["source"],
                job=job,
                updated_by=actor,
            )
            created += 1
        elif (figure.value, figure.source) != (row["amount"], row["source"]):
            figure.value, figure.source, figure.job, figure.updated_by = row["amount"], row["source"], job, actor
            figure.save(update_fields=["value", "source", "job", "updated_by", "updated_at"])
            updated += 1
    return created, updated


def _write_legacy(actor: User, job: ImportJob, checked: importers.Checked) -> tuple[int, int]:
    rule = job.summary.get(RULE, ApportionRule.DEFAULT)
    rows = checked.rows
    existing = {
        (f.old_unit_id, f.indicator_id, f.bucket): f
        for f in LegacyFigure.objects.filter(old_unit_id__in={r["old_unit_id"] for r in rows})
        .prefetch_related("shares")
        .select_for_update()
    }
    created = updated = 0
    for row in rows:
        key = (row["old_unit_id"], row["indicator_id"], row["bucket"])
        shares = [(int(pk), int(value)) for pk, value in row["shares"]]
        figure = existing.get(key)
        if figure is None:
            figure = LegacyFigure.objects.create(
                old_unit_id=row["old_unit_id"],
                indicator_id=row["indicator_id"],
                bucket=row["bucket"],
                value=row["amount"],
                rule=rule,
                job=job,
                updated_by=actor,
            )
            created += 1
        else:
            same_shares = sorted((s.commune_id, s.value) for s in figure.shares.all()) == sorted(shares)
            if (figure.value, figure.rule) == (row["amount"], rule) and same_shares:
                continue
            figure.value, figure.rule, figure.job, figure.updated_by = row["amount"], rule, job, actor
            figure.save(update_fields=["value", "rule", "job", "updated_by", "updated_at"])
            figure.shares.all().delete()
            updated += 1
        total = row["amount"] or 0
        split = len(shares) > 1
        LegacyShare.objects.bulk_create(
            LegacyShare(
                figure=figure,
                commune_id=pk,
                indicator_id=figure.indicator_id,
                bucket=figure.bucket,
                value=value,
                share=(Decimal(value) / Decimal(total) if total else Decimal(1) / len(shares)).quantize(SIX_PLACES),
                split=split or _was_split(row),
            )
            for pk, value in shares
        )
    return created, updated


def _was_split(row: dict[str, Any]) -> bool:
    """Whether the old commune went to several communes (its whole figure may still go to one by the rule)."""
    return bool(row.get("split"))
