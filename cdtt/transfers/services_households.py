"""Household import as background jobs: upload, check (a task), decide on duplicates, confirm, write (a task).

The upload is stored under MEDIA_ROOT/imports/ and checked by a background task that streams it,
stores one ``ImportRow`` per data row and reports progress; the file is deleted once checked. Nothing
reaches the register until the officer confirms: the write task then creates every household and
resident in one transaction, through the register's own validation (``clean_household`` /
``clean_resident``), or none of them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.geo.models import Village
from cdtt.households.models import Household, Relationship, Resident
from cdtt.households.services import clean_household, clean_resident
from cdtt.transfers import selectors
from cdtt.transfers.importers import households as importer
from cdtt.transfers.importers.places import AddressResolver, fast_fold, plain
from cdtt.transfers.importers.tabular import MAX_SCANNED_FACTOR, FileProblem, SheetRows, check_format
from cdtt.transfers.models import ImportJob, ImportKind, ImportRow, ImportStatus, RowDecision, RowOutcome
from cdtt.transfers.services import check_upload_size, import_unit_check, status_refusal, upload_name

logger = logging.getLogger(__name__)

HOUSEHOLDS = ImportKind.HOUSEHOLDS
BATCH = 2000  # rows stored, households written, per statement group; also the progress step


# -- upload -----------------------------------------------------------------------------------------


def household_import_start(
    *, actor: Any, unit: Any, upload: UploadedFile, request: HttpRequest | None = None
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
        kind=HOUSEHOLDS, unit=unit, created_by=actor, original_filename=filename, status=ImportStatus.QUEUED
    )
    job.file.save(filename, upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            audit_record(actor=actor, action="import.create", target=job, unit=unit, request=request, kind=HOUSEHOLDS)
    except BaseException:
        job.file.delete(save=False)
        raise
    from cdtt.transfers import tasks

    tasks.household_import_check.enqueue(job.pk)
    job.refresh_from_db()
    return job


# -- check (background) -----------------------------------------------------------------------------


def household_import_check(*, job_id: int) -> None:
    """The check task: read the stored file row by row into checked rows; the job shows the outcome."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.CHECKING):
        return  # already checked, or cancelled: a task run twice does nothing twice
    job = ImportJob.objects.select_related("unit__parent", "created_by").get(pk=job_id)
    try:
        import_unit_check(actor=job.created_by, unit=job.unit, kind=HOUSEHOLDS)
        _check(job)
    except DomainError as exc:
        ImportRow.objects.filter(job=job).delete()
        _fail(job, exc.message)
    except Exception:
        ImportRow.objects.filter(job=job).delete()
        _fail(job, _("The check stopped because of an unexpected error. Nothing was imported; try again later."))
        raise
    finally:
        _drop_file(job)


def _check(job: ImportJob) -> None:
    actor, commune = job.created_by, job.unit
    fmt = check_format(head=_head(job), filename=job.original_filename)
    with _local_path(job) as path, SheetRows(path=path, fmt=fmt) as sheet:
        if sheet.total > importer.MAX_ROWS * MAX_SCANNED_FACTOR:
            raise _too_many()
        _progress(job, done=0, total=sheet.total)
        rows = iter(sheet)
        top: list[tuple[int, list[str]]] = []
        for line, cells in rows:
            if any(cells):
                top.append((line, cells))
                if len(top) == importer.HEADER_SEARCH_ROWS:
                    break
        if not top:
            raise FileProblem(_("The file is empty."))
        layout = importer.find_layout(top)
        checker = importer.Checker(
            commune=commune,
            layout=layout,
            villages=selectors.household_import_villages(user=actor, commune=commune),
            resolver=AddressResolver(user=actor, commune=commune),
        )
        after_header = [(line, cells) for line, cells in top if line > layout.header_line]
        count = _check_rows(job, checker, chain(after_header, rows), total=sheet.total)
    if not count:
        raise FileProblem(_("The file has a header row but no household rows."))
    duplicates = checker.duplicates(selectors.household_import_existing(user=actor, commune=commune))
    _flag_duplicates(job, duplicates)
    for line, message in checker.household_problems():
        ImportRow.objects.filter(job=job, line=line).update(outcome=RowOutcome.ERROR, errors=[message])
    stored = ImportRow.objects.filter(job=job)
    errors = stored.filter(outcome=RowOutcome.ERROR).count()
    households = stored.filter(starts_household=True).count()
    summary = {
        "shape": layout.shape,
        "households": households,
        "residents": count if layout.shape == importer.RESIDENT_SHAPE else 0,
        "duplicates": len(duplicates),
        "undecided": len(duplicates),
    }
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.INVALID if errors else ImportStatus.PREVIEW,
        row_count=count,
        error_count=errors,
        summary=summary,
        progress_done=sheet.total,
    )


def _check_rows(job: ImportJob, checker: importer.Checker, rows: Iterator[tuple[int, list[str]]], total: int) -> int:
    """Check and store the data rows in batches, reporting progress; the number of data rows."""
    pending: list[importer.RowResult] = []
    count = 0
    first = True
    for line, cells in rows:
        if not any(cells):
            continue
        if first and importer.is_column_numbers(cells):
            first = False
            continue
        first = False
        result = checker.check(line, cells)
        if result is None:
            continue
        count += 1
        if count > importer.MAX_ROWS:
            raise _too_many()
        pending.append(result)
        if len(pending) >= BATCH:
            _store(job, pending)
            pending.clear()
            _progress(job, done=line, total=total)
    _store(job, pending)
    return count


_STORED = ("job", "line", "group", "starts_household", "outcome", "data", "errors", "decision", "duplicate_reason")


def _columns(*names: str) -> list[str]:
    """The quoted columns of ImportRow's fields ``names``, for the statements written by hand below."""
    fields = {field.name: field for field in ImportRow._meta.concrete_fields}
    return [connection.ops.quote_name(fields[name].column or name) for name in names]


def _store(job: ImportJob, results: list[importer.RowResult]) -> None:
    """Insert checked rows with one prepared statement per batch.

    These are the job's own staging rows, not register data: they skip the ORM's per-value work, which
    is most of the cost of storing 100,000 rows (the register's rows go through ``bulk_create``).
    """
    if not results:
        return
    fields = {field.name: field for field in ImportRow._meta.concrete_fields}
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    placeholders = ", ".join(["%s"] * len(_STORED))
    sql = f"INSERT INTO {table} ({', '.join(_columns(*_STORED))}) VALUES ({placeholders})"  # noqa: S608
    as_json = fields["data"].get_db_prep_save  # the backend's JSON form (text on SQLite, jsonb on PostgreSQL)
    params = [
        (
            job.pk,
            result.line,
            result.group,
            result.starts_household,
            result.outcome,
            as_json(result.data, connection),
            as_json(result.errors, connection),
            "",
            "",
        )
        for result in results
    ]
    with transaction.atomic(), connection.cursor() as cursor:  # one commit per batch, not per row
        cursor.executemany(sql, params)


def _flag_duplicates(job: ImportJob, duplicates: list[importer.Duplicate]) -> None:
    """Mark the households that look like another one (a file uploaded twice marks every row)."""
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    outcome, line, job_id, earlier, registered, why = _columns(
        "outcome", "line", "job", "duplicate_line", "duplicate_household_id", "duplicate_reason"
    )
    sql = (
        f"UPDATE {table} SET {outcome} = %s, {earlier} = %s, {registered} = %s, {why} = %s "  # noqa: S608
        f"WHERE {job_id} = %s AND {line} = %s AND {outcome} = %s"
    )
    params = [
        (RowOutcome.DUPLICATE.value, d.earlier_line, d.household_id, d.why, job.pk, d.line, RowOutcome.NEW.value)
        for d in duplicates
    ]
    for start in range(0, len(params), BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, params[start : start + BATCH])


def _too_many() -> FileProblem:
    return FileProblem(
        _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{importer.MAX_ROWS:,}"}
    )


def _progress(job: ImportJob, *, done: int, total: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)


def _fail(job: ImportJob, message: str) -> None:
    running = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.APPLYING)
    ImportJob.objects.filter(pk=job.pk, status__in=running).update(status=ImportStatus.FAILED, failure=message)


def _head(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return bytes(handle.read(8))


@contextlib.contextmanager
def _local_path(job: ImportJob) -> Iterator[str]:
    """A path on disk to the stored file (a temporary copy when the storage is not the file system)."""
    try:
        yield job.file.path
        return
    except NotImplementedError:
        pass
    suffix = os.path.splitext(job.file.name or "")[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy, job.file.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            copy.write(chunk)
        copy.flush()
        yield copy.name


def _drop_file(job: ImportJob) -> None:
    """The upload is not kept once its rows are checked: the rows hold what the import needs."""
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:
            logger.warning("could not delete the stored import file of job %s", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(file="")


# -- decisions on likely duplicates -----------------------------------------------------------------


def household_import_decide(
    *,
    actor: Any,
    job: ImportJob,
    decisions: dict[int, str] | None = None,
    all_undecided: str = "",
    request: HttpRequest | None = None,
) -> int:
    """Record "import anyway" or "skip" for likely duplicates (by line), or for every undecided one.

    Returns how many rows were decided. Only a job waiting for confirmation can change.
    """
    import_unit_check(actor=actor, unit=job.unit, kind=HOUSEHOLDS)
    valid = {RowDecision.IMPORT.value, RowDecision.SKIP.value}
    changed = 0
    with transaction.atomic():
        if not ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportStatus.PREVIEW).exists():
            job.refresh_from_db()
            raise DomainError(status_refusal(job))
        duplicates = ImportRow.objects.filter(job=job, outcome=RowOutcome.DUPLICATE)
        if all_undecided in valid:
            changed += duplicates.filter(decision=RowDecision.UNDECIDED).update(decision=all_undecided)
        for decision in valid:
            lines = [line for line, value in (decisions or {}).items() if value == decision]
            for start in range(0, len(lines), 500):
                changed += duplicates.filter(line__in=lines[start : start + 500]).update(decision=decision)
        undecided = duplicates.filter(decision=RowDecision.UNDECIDED).count()
        summary = {**job.summary, "undecided": undecided}
        ImportJob.objects.filter(pk=job.pk).update(summary=summary)
        if changed:
            audit_record(
                actor=actor,
                action="import.decide",
                target=job,
                unit=job.unit,
                request=request,
                kind=HOUSEHOLDS,
                decided=changed,
                undecided=undecided,
            )
    job.refresh_from_db()
    return changed


# -- confirm and write (background) -----------------------------------------------------------------


def household_import_confirm(*, actor: Any, job: ImportJob, request: HttpRequest | None = None) -> ImportJob:
    """Queue the write of a checked job; a second confirmation (or a double click) queues nothing."""
    import_unit_check(actor=actor, unit=job.unit, kind=HOUSEHOLDS)
    with transaction.atomic():
        undecided = ImportRow.objects.filter(
            job=job, outcome=RowOutcome.DUPLICATE, decision=RowDecision.UNDECIDED
        ).count()
        if undecided and job.status == ImportStatus.PREVIEW:
            raise DomainError(
                _("Decide first on the %(n)s likely duplicates: import anyway or skip.") % {"n": undecided}
            )
        # The conditional update is the guard against double submits: only one caller flips the status.
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=ImportStatus.PREVIEW, error_count=0, row_count__gt=0
        ).update(status=ImportStatus.APPLYING, applied_by=actor)
        if not claimed:
            job.refresh_from_db()
            raise DomainError(status_refusal(job))
    from cdtt.transfers import tasks

    tasks.household_import_apply.enqueue(job.pk)
    job.refresh_from_db()
    return job


@dataclass
class Written:
    households: int = 0
    residents: int = 0
    skipped: int = 0


class _Abort(DomainError):
    """A row cannot be written: everything is rolled back and the job fails with this message."""


def household_import_apply(*, job_id: int) -> None:
    """The write task: every household and resident of a confirmed job in one transaction, or nothing."""
    job = ImportJob.objects.select_related("unit", "applied_by").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.APPLYING:
        return
    try:
        with transaction.atomic():
            # The job becomes DONE in the same transaction as the rows: a second run finds nothing to do.
            if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.APPLYING).update(
                status=ImportStatus.DONE, applied_at=timezone.now()
            ):
                return
            import_unit_check(actor=job.applied_by, unit=job.unit, kind=HOUSEHOLDS)
            written = _write(job)
            ImportJob.objects.filter(pk=job.pk).update(
                created_count=written.households, summary={**job.summary, "skipped": written.skipped}
            )
            audit_record(
                actor=job.applied_by,
                action="import.apply",
                target=job,
                unit=job.unit,
                kind=HOUSEHOLDS,
                created=written.households,
                households=written.households,
                residents=written.residents,
                skipped=written.skipped,
            )
    except DomainError as exc:
        _fail(job, _("%(message)s Nothing was imported.") % {"message": exc.message})
    except Exception:
        _fail(job, _("Writing stopped because of an unexpected error. Nothing was imported."))
        raise


def _insert(model: type[models.Model], objects: list[Any]) -> list[Any]:
    """One batch of new rows (a seam for tests that need a batch to fail)."""
    return model.objects.bulk_create(objects)  # type: ignore[attr-defined,no-any-return]


def _write(job: ImportJob) -> Written:
    actor, commune = job.applied_by, job.unit
    villages: dict[int, Village] = {v.pk: v for v in selectors.household_import_villages(user=actor, commune=commune)}
    rows = ImportRow.objects.filter(job=job)
    if rows.filter(outcome=RowOutcome.ERROR).exists():
        raise _Abort(_("The file has errors."))
    skipped_groups = set(
        rows.filter(outcome=RowOutcome.DUPLICATE, decision=RowDecision.SKIP).values_list("group", flat=True)
    )
    resident_file = job.summary.get("shape") == importer.RESIDENT_SHAPE
    groups = _groups(rows) if resident_file else {}
    known = _registered(actor, commune)
    written = Written(skipped=len(skipped_groups))
    household_ids: dict[int, int] = {}
    batch: list[Household] = []
    lines: list[int] = []

    def flush() -> None:
        for line, household in zip(lines, _insert(Household, batch), strict=True):
            household_ids[line] = household.pk
        written.households += len(batch)
        batch.clear()
        lines.clear()

    starts = rows.filter(starts_household=True).order_by("line")
    for line, data, outcome in starts.values_list("line", "data", "outcome").iterator(chunk_size=BATCH):
        if line in skipped_groups:
            continue
        household = _household(line, data["hh"], outcome, groups.get(line), villages, known)
        household.commune_id = commune.pk
        household.created_by = actor
        batch.append(household)
        lines.append(line)
        if len(batch) >= BATCH:
            flush()
    flush()
    if resident_file:
        written.residents = _write_residents(rows, skipped_groups, household_ids)
    return written


def _groups(rows: models.QuerySet[ImportRow]) -> dict[int, importer.FileHousehold]:
    """Per household of a resident file: its size, adults and the head's phone (from all its rows)."""
    this_year = timezone.localdate().year
    groups: dict[int, importer.FileHousehold] = {}
    for group, data in rows.order_by("line").values_list("group", "data").iterator(chunk_size=BATCH):
        household = groups.get(group)
        if household is None:
            household = groups[group] = importer.FileHousehold(line=group, head="", address="", village_key="")
            first = data.get("hh") or {}
            household.members_given, household.adults_given = first.get("m"), first.get("ad")
            if first.get("p"):
                household.phones.append(first["p"])
        resident = data["r"]
        household.add_resident(resident, this_year)
        if resident["r"] == Relationship.HEAD and resident["p"] and resident["p"] not in household.phones:
            household.phones.insert(0, resident["p"])
    return groups


def _registered(actor: Any, commune: Any) -> dict[tuple[str, str, str], int]:
    known: dict[tuple[str, str, str], int] = {}
    for pk, head_folded, phone, phone2, address in selectors.household_import_existing(user=actor, commune=commune):
        for key in importer.duplicate_keys(plain(head_folded), plain(address), (phone, phone2)):
            known.setdefault(key, pk)
    return known


def _household(
    line: int,
    data: dict[str, Any],
    outcome: str,
    group: importer.FileHousehold | None,
    villages: dict[int, Village],
    known: dict[tuple[str, str, str], int],
) -> Household:
    village = villages.get(data["v"])
    if village is None:
        raise _Abort(_row(line, _("The village “%(name)s” is no longer active.") % {"name": data["vn"]}))
    data_in = importer.household_in(
        {**data, "p": group.phone or data["p"]} if group is not None else data,
        size=group.members if group is not None else None,
        adults=group.adult_count if group is not None else None,
    )
    try:
        values = clean_household(data_in, village=village)
    except DomainError as exc:
        raise _Abort(_row(line, exc.message)) from None
    if outcome != RowOutcome.DUPLICATE:
        phones = (values["phone"], values["phone2"])
        keys = importer.duplicate_keys(plain(values["head_name"]), plain(values["address"]), phones)
        match = next((known[key] for key in keys if key in known), None)
        if match is not None:
            raise _Abort(
                _row(
                    line,
                    _(
                        "It now looks like household #%(id)s, added to the register after the check. "
                        "Upload the file again to decide on it."
                    )
                    % {"id": match},
                )
            )
    return Household(village=village, head_name_folded=fast_fold(values["head_name"]), **values)


def _write_residents(rows: models.QuerySet[ImportRow], skipped: set[int], household_ids: dict[int, int]) -> int:
    count = 0
    batch: list[Resident] = []
    for line, group, data in rows.order_by("line").values_list("line", "group", "data").iterator(chunk_size=BATCH):
        if group in skipped:
            continue
        try:
            values = clean_resident(importer.resident_in(data["r"]))
        except DomainError as exc:
            raise _Abort(_row(line, exc.message)) from None
        batch.append(Resident(household_id=household_ids[group], name_folded=fast_fold(values["full_name"]), **values))
        if len(batch) >= BATCH:
            count += len(_insert(Resident, batch))
            batch.clear()
    count += len(_insert(Resident, batch))
    return count


def _row(line: int, message: str) -> str:
    return _("Row %(line)s: %(message)s") % {"line": line, "message": message}
