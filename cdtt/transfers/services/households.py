"""Household import as background jobs: check (a task), decide on duplicates, write (a task).

Starting a job, confirming it and sweeping dead jobs queue the tasks: they live in ``queue``.

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
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.core.tabular import MAX_SCANNED_FACTOR, FileProblem, SheetRows, check_format, too_many_rows
from cdtt.geo.models import Village
from cdtt.households import privacy as household_privacy
from cdtt.households.models import ConsentMethod, Household, Resident
from cdtt.households.services import clean_household, clean_resident
from cdtt.privacy import idnumbers
from cdtt.progress import engine
from cdtt.transfers import selectors
from cdtt.transfers.importers import households as importer
from cdtt.transfers.importers.places import AddressResolver, fast_fold, plain
from cdtt.transfers.models import ImportJob, ImportKey, ImportKind, ImportRow, ImportStatus, RowDecision, RowOutcome
from cdtt.transfers.services import import_unit_check, status_refusal

if TYPE_CHECKING:
    from cdtt.accounts.models import User

logger = logging.getLogger(__name__)

HOUSEHOLDS = ImportKind.HOUSEHOLDS
BATCH = 2000  # rows stored, households written, per statement group; also the progress step


# -- check (background) -----------------------------------------------------------------------------


def household_import_check(*, job_id: int) -> None:
    """The check task: read the stored file row by row into checked rows; the job shows the outcome."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.CHECKING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return  # already checked, or cancelled: a task run twice does nothing twice
    job = ImportJob.objects.select_related("unit__parent", "created_by").get(pk=job_id)
    # What an earlier run left when its worker died (see ``import_jobs_sweep``) is checked again from scratch.
    ImportRow.objects.filter(job=job).delete()
    ImportKey.objects.filter(job=job).delete()
    try:
        import_unit_check(actor=job.created_by, unit=job.unit, kind=HOUSEHOLDS)
        _check(job)
    except _Superseded:
        return  # the job was handed to a new run, which owns its rows and file now
    except DomainError as exc:
        ImportRow.objects.filter(job=job).delete()
        _fail(job, exc.message)
    except Exception:
        ImportRow.objects.filter(job=job).delete()
        _fail(job, _("The check stopped because of an unexpected error. Nothing was imported; try again later."))
        raise
    drop_file(job)


class _Superseded(Exception):
    """This run no longer owns the job: it was cancelled, or swept and handed to a new run."""


def _check(job: ImportJob) -> None:
    actor, commune = job.created_by, job.unit
    fmt = check_format(head=_head(job), filename=job.original_filename)
    with _local_path(job) as path, SheetRows(path=path, fmt=fmt, max_rows=importer.MAX_ROWS) as sheet:
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
    with_phones = _stage_keys(job)
    _stage_register_keys(job, actor=actor, commune=commune)
    duplicates = _flag_duplicates(job)
    stored = ImportRow.objects.filter(job=job)
    errors = stored.filter(outcome=RowOutcome.ERROR).count()
    households = stored.filter(starts_household=True).count()
    summary = {
        "shape": layout.shape,
        "households": households,
        "residents": count if layout.shape == importer.RESIDENT_SHAPE else 0,
        "duplicates": duplicates,
        "undecided": duplicates,
        "with_phones": with_phones,
    }
    _progress(job, done=sheet.total, total=sheet.total)
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING, attempts=job.attempts).update(
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
        if line > importer.MAX_ROWS * MAX_SCANNED_FACTOR:  # a sheet that did not declare its size
            raise _too_many()
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
            with transaction.atomic():  # the batch is stored only while this run still owns the job
                _progress(job, done=line, total=total)
                _store(job, pending)
            pending.clear()
    with transaction.atomic():
        _progress(job, done=total, total=total)
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
            as_json(idnumbers.mask_value(result.data), connection),  # ID numbers typed in cells: masked
            as_json(result.errors, connection),
            "",
            "",
        )
        for result in results
    ]
    with transaction.atomic(), connection.cursor() as cursor:  # one commit per batch, not per row
        cursor.executemany(sql, params)


def _stored_households(job: ImportJob) -> Iterator[importer.FileHousehold]:
    """The job's households one at a time, summed up from its stored rows."""
    rows = ImportRow.objects.filter(job=job).order_by("group", "line")
    values = rows.values_list("line", "group", "outcome", "decision", "data").iterator(chunk_size=BATCH)
    return importer.file_households(values, timezone.localdate().year)


def _key_sql() -> tuple[str, dict[str, str]]:
    table = connection.ops.quote_name(ImportKey._meta.db_table)
    fields = {field.name: field for field in ImportKey._meta.concrete_fields}
    names = ("job", "key", "line", "rank", "household_id", "candidate")
    columns = {name: connection.ops.quote_name(fields[name].column or name) for name in names}
    return table, columns


def _insert_keys(params: list[tuple[Any, ...]]) -> None:
    """Staged keys (job, key, line, rank, household id, candidate), in one statement per batch."""
    if not params:
        return
    table, c = _key_sql()
    columns = ", ".join(c[name] for name in ("job", "key", "line", "rank", "household_id", "candidate"))
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _stage_keys(job: ImportJob) -> int:
    """Sum up each household from its rows: mark the resident-file households whose counts break the
    limits, and stage every household's duplicate keys (a household with errors is matched, not flagged).

    Returns how many households come with a phone (kept only on consent, asked for at confirmation)."""
    ImportKey.objects.filter(job=job, line__gt=0).delete()
    params: list[tuple[Any, ...]] = []
    with_phones = 0
    for household in _stored_households(job):
        with_phones += bool(household.phones)
        problem = household.problem()
        if problem:
            ImportRow.objects.filter(job=job, line=household.line).update(outcome=RowOutcome.ERROR, errors=[problem])
        candidate = not (household.has_error or problem)
        keys = importer.ranked_keys(household.head, household.address, household.phones)
        params.extend((job.pk, key, household.line, rank, None, candidate) for rank, key in keys)
        if len(params) >= BATCH:
            with transaction.atomic():
                _progress(job)
                _insert_keys(params)
            params.clear()
    _insert_keys(params)
    return with_phones


def _stage_register_keys(job: ImportJob, *, actor: User | None, commune: Any) -> None:
    """Stage the keys of the commune's households already in the register (line 0), afresh."""
    ImportKey.objects.filter(job=job, line=0).delete()
    params: list[tuple[Any, ...]] = []
    for pk, head_folded, phone, phone2, address in selectors.household_import_existing(user=actor, commune=commune):
        keys = importer.ranked_keys(plain(head_folded), plain(address), (phone, phone2))
        params.extend((job.pk, key, 0, rank, pk, False) for rank, key in keys)
        if len(params) >= BATCH:
            _insert_keys(params)
            params.clear()
    _insert_keys(params)


def _flag_duplicates(job: ImportJob) -> int:
    """Mark the households that look like one in the register, or like an earlier one of the file (a file
    uploaded twice marks every row); the number marked.

    The first key that matches gives the reason (phones before the address); a register match wins.
    """
    table, c = _key_sql()
    matches = (
        f"SELECT k.{c['line']}, k.{c['rank']}, 0, MIN(e.{c['household_id']}) FROM {table} k "  # noqa: S608
        f"JOIN {table} e ON e.{c['job']} = k.{c['job']} AND e.{c['key']} = k.{c['key']} AND e.{c['line']} = 0 "
        f"WHERE k.{c['job']} = %s AND k.{c['candidate']} GROUP BY k.{c['line']}, k.{c['rank']} "
        "UNION ALL "
        f"SELECT k.{c['line']}, k.{c['rank']}, 1, MIN(e.{c['line']}) FROM {table} k "
        f"JOIN {table} e ON e.{c['job']} = k.{c['job']} AND e.{c['key']} = k.{c['key']} "
        f"AND e.{c['line']} > 0 AND e.{c['line']} < k.{c['line']} "
        f"WHERE k.{c['job']} = %s AND k.{c['candidate']} GROUP BY k.{c['line']}, k.{c['rank']} "
        "ORDER BY 1, 3, 2"
    )
    rtable = connection.ops.quote_name(ImportRow._meta.db_table)
    outcome, line, job_id, earlier, registered, why = _columns(
        "outcome", "line", "job", "duplicate_line", "duplicate_household_id", "duplicate_reason"
    )
    update = (
        f"UPDATE {rtable} SET {outcome} = %s, {earlier} = %s, {registered} = %s, {why} = %s "  # noqa: S608
        f"WHERE {job_id} = %s AND {line} = %s AND {outcome} = %s"
    )
    params: list[tuple[Any, ...]] = []
    last = None
    with connection.cursor() as cursor:
        cursor.execute(matches, [job.pk, job.pk])
        while chunk := cursor.fetchmany(BATCH):
            for match_line, rank, source, match in chunk:
                if match_line == last:
                    continue  # the first match of a line decides
                last = match_line
                reason = "address" if rank == importer.ADDRESS_RANK else "phone"
                earlier_line, household_id = (None, match) if source == 0 else (match, None)
                params.append(
                    (RowOutcome.DUPLICATE.value, earlier_line, household_id, reason, job.pk, match_line, "new")
                )
            if len(params) >= BATCH:
                _run_many(update, params)
                params.clear()
    _run_many(update, params)
    return ImportRow.objects.filter(job=job, outcome=RowOutcome.DUPLICATE).count()


def _run_many(sql: str, params: list[tuple[Any, ...]]) -> None:
    if params:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _too_many() -> FileProblem:
    return too_many_rows(
        _("The file has more than %(max)s rows. Split it into smaller files."), max_rows=importer.MAX_ROWS
    )


def _progress(job: ImportJob, *, done: int | None = None, total: int | None = None) -> None:
    """Report progress and show the worker is alive; stop when this run no longer owns the job."""
    values: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if done is not None:
        values.update(progress_done=done, progress_total=total)
    alive = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING, attempts=job.attempts).update(**values)
    if not alive:
        raise _Superseded


def _fail(job: ImportJob, message: str) -> None:
    running = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.APPLYING)
    ImportJob.objects.filter(pk=job.pk, status__in=running).update(status=ImportStatus.FAILED, failure=message)
    ImportKey.objects.filter(job=job).delete()


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


def drop_file(job: ImportJob) -> None:
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
    actor: User,
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


# -- write (background) -----------------------------------------------------------------


def needs_consent(job: ImportJob) -> bool:
    """The file brings phones or household members, which the register keeps only on the household's consent.

    A job checked before the count existed is taken to bring phones (asking once too often loses nothing)."""
    return bool(job.summary.get("with_phones", 1) or job.summary.get("residents"))


@dataclass
class Written:
    households: int = 0
    residents: int = 0
    skipped: int = 0
    consents: int = 0


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
                consents=written.consents,
            )
    except DomainError as exc:
        _fail(job, _("%(message)s Nothing was imported.") % {"message": exc.message})
    except Exception:
        _fail(job, _("Writing stopped because of an unexpected error. Nothing was imported."))
        raise


def _insert(model: type[models.Model], objects: list[Any]) -> list[Any]:
    """One batch of new rows (a seam for tests that need a batch to fail)."""
    idnumbers.mask_instances(objects)  # bulk_create skips pre_save, where ID numbers are masked otherwise
    return model.objects.bulk_create(objects)  # type: ignore[attr-defined,no-any-return]


def _write(job: ImportJob) -> Written:
    """Write the job's households (and residents) a batch at a time; the caller holds the transaction."""
    actor, commune = job.applied_by, job.unit
    villages: dict[int, Village] = {v.pk: v for v in selectors.household_import_villages(user=actor, commune=commune)}
    rows = ImportRow.objects.filter(job=job)
    if rows.filter(outcome=RowOutcome.ERROR).exists():
        raise _Abort(_("The file has errors."))
    _stage_register_keys(job, actor=actor, commune=commune)
    _refuse_new_lookalikes(job)
    written = Written(skipped=rows.filter(outcome=RowOutcome.DUPLICATE, decision=RowDecision.SKIP).count())
    batch: list[tuple[Household, importer.FileHousehold]] = []

    def flush() -> None:
        created = _insert(Household, [household for household, _file in batch])
        totals = engine.Deltas()
        for household in created:
            totals.household(household, +1)
        totals.write()  # the register totals, one statement per batch
        people: list[Resident] = []
        consenting: list[Household] = []
        for household, (_unsaved, file_household) in zip(created, batch, strict=True):
            people.extend(_residents(household, file_household))
            if household.phone or household.phone2 or file_household.residents:
                consenting.append(household)
        written.households += len(created)
        written.residents += len(_insert(Resident, people)) if people else 0
        written.consents += _consents(job, actor, consenting)
        batch.clear()

    for file_household in _stored_households(job):
        if file_household.decision == RowDecision.SKIP:
            continue
        household = _household(file_household, villages)
        household.commune_id = commune.pk
        household.created_by = actor
        batch.append((household, file_household))
        if len(batch) >= BATCH:
            flush()
    flush()
    ImportKey.objects.filter(job=job).delete()
    return written


def _consents(job: ImportJob, actor: User | None, households: list[Household]) -> int:
    """The consent the officer stated at confirmation, recorded for each household with phones or members."""
    if not households:
        return 0
    method = job.summary.get("consent", "")
    if method not in ConsentMethod.values:  # confirmed before consent was asked for: never stored without it
        raise _Abort(_("Phone numbers and household members are kept only with the households' consent."))
    return household_privacy.consents_at_import(actor=actor, households=households, method=method, job_id=job.pk)


def _refuse_new_lookalikes(job: ImportJob) -> None:
    """Stop the write when a household to be added now looks like one added to the register after the check."""
    table, c = _key_sql()
    rtable = connection.ops.quote_name(ImportRow._meta.db_table)
    outcome, line, job_id = _columns("outcome", "line", "job")
    # From the register's keys (line 0, usually far fewer) to the file's; a likely duplicate the officer
    # already decided on is not asked about again.
    sql = (
        f"SELECT k.{c['line']}, MIN(e.{c['household_id']}) FROM {table} e "  # noqa: S608
        f"CROSS JOIN {table} k WHERE e.{c['job']} = %s AND e.{c['line']} = 0 "
        f"AND k.{c['job']} = e.{c['job']} AND k.{c['key']} = e.{c['key']} AND k.{c['line']} > 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {rtable} r WHERE r.{job_id} = k.{c['job']} AND r.{line} = k.{c['line']} "
        f"AND r.{outcome} = %s) GROUP BY k.{c['line']} ORDER BY k.{c['line']}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [job.pk, RowOutcome.DUPLICATE.value])
        found = cursor.fetchone()
    if found is not None:
        message = _(
            "It now looks like household #%(id)s, added to the register after the check. "
            "Upload the file again to decide on it."
        ) % {"id": found[1]}
        raise _Abort(_row(found[0], message))


def _household(file_household: importer.FileHousehold, villages: dict[int, Village]) -> Household:
    line, data = file_household.line, file_household.data
    village = villages.get(data["v"])
    if village is None:
        raise _Abort(_row(line, _("The village “%(name)s” is no longer active.") % {"name": data["vn"]}))
    resident_file = bool(file_household.residents)
    data_in = importer.household_in(
        {**data, "p": file_household.phone or data["p"]} if resident_file else data,
        size=file_household.members if resident_file else None,
        adults=file_household.adult_count if resident_file else None,
    )
    try:
        values = clean_household(data_in, village=village)
    except DomainError as exc:
        raise _Abort(_row(line, exc.message)) from None
    return Household(village=village, head_name_folded=fast_fold(values["head_name"]), **values)


def _residents(household: Household, file_household: importer.FileHousehold) -> Iterator[Resident]:
    for line, person in file_household.residents:
        try:
            values = clean_resident(importer.resident_in(person))
        except DomainError as exc:
            raise _Abort(_row(line, exc.message)) from None
        yield Resident(household_id=household.pk, name_folded=fast_fold(values["full_name"]), **values)


def _row(line: int, message: str) -> str:
    return _("Row %(line)s: %(message)s") % {"line": line, "message": message}
