"""Import jobs: an uploaded file parsed into rows, previewed, then applied or cancelled."""

from __future__ import annotations

import os
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    VILLAGES = "villages", _("Villages")
    TEAMS = "teams", _("Teams and members")
    HOUSEHOLDS = "households", _("Households")
    OFFICIAL_FIGURES = "official_figures", _("Official figures")
    LEGACY_FIGURES = "legacy_figures", _("Figures before 1 July 2025")


class ImportStatus(models.TextChoices):
    # Background jobs (households) pass through QUEUED/CHECKING before PREVIEW, and APPLYING before DONE.
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    PREVIEW = "preview", _("Ready to confirm")
    INVALID = "invalid", _("Has errors")
    APPLYING = "applying", _("Being written")
    DONE = "done", _("Applied")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


RUNNING_STATUSES = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.APPLYING)


def upload_path(_instance: Any, filename: str) -> str:
    """A random name under MEDIA_ROOT/imports/: the officer's file name stays in the job, not on disk."""
    extension = os.path.splitext(filename)[1].lower()[:8]
    return f"imports/{uuid.uuid4().hex}{extension}"


class ImportJob(models.Model):
    """One upload: its parsed rows with per-row errors; nothing is written until it is applied."""

    kind = models.CharField(_("kind"), max_length=32, choices=ImportKind.choices)
    # The unit whose page the import was run from (a commune or a province); rows resolve inside it.
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    original_filename = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    # One dict per data row: the raw cells, the resolved values and the list of error messages.
    rows = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # Background jobs: the stored upload (deleted once checked), progress, and why a job failed.
    file = models.FileField(upload_to=upload_path, blank=True, max_length=255)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    # Background jobs: when the worker last showed it was alive on this job, and how many runs it took.
    # A job whose worker died is found by ``sweep_import_jobs`` and run again (or failed after a few tries).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Counts shown with the preview (households, residents, duplicates, undecided, ...).
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        indexes = [models.Index(fields=["unit", "-created_at"], name="import_job_unit_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_filename}"

    @property
    def ok_count(self) -> int:
        return self.row_count - self.error_count

    @property
    def can_apply(self) -> bool:
        return self.status == ImportStatus.PREVIEW and self.error_count == 0 and self.row_count > 0

    @property
    def can_cancel(self) -> bool:
        return self.status in (ImportStatus.PREVIEW, ImportStatus.INVALID)

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def undecided_count(self) -> int:
        return int(self.summary.get("undecided", 0))

    @property
    def can_confirm(self) -> bool:
        """A background job: valid rows, and a decision on every likely duplicate."""
        return self.can_apply and self.undecided_count == 0

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class RowOutcome(models.TextChoices):
    NEW = "new", _("New household")
    JOINS = "joins", _("Joins a household")
    DUPLICATE = "duplicate", _("Likely duplicate")
    ERROR = "error", _("Error")


class RowDecision(models.TextChoices):
    UNDECIDED = "", _("Not decided")
    IMPORT = "import", _("Import anyway")
    SKIP = "skip", _("Skip")


class ImportRow(models.Model):
    """One checked data row of a background import job, kept so the preview pages and the write stream it.

    ``data`` holds the cleaned values in short keys (see ``importers.households``); a row that starts a
    household carries the household's fields, a resident row the person's.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_set")
    line = models.PositiveIntegerField()
    # The line of the household's first row: rows of one household share it (a resident-per-row file).
    group = models.PositiveIntegerField()
    starts_household = models.BooleanField(default=True)
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    data = models.JSONField(default=dict)
    errors = models.JSONField(default=list, blank=True)
    duplicate_line = models.PositiveIntegerField(null=True, blank=True)
    # An id, not a foreign key: the preview is history, and a later deletion must not touch it.
    duplicate_household_id = models.PositiveBigIntegerField(null=True, blank=True)
    duplicate_reason = models.CharField(max_length=8, blank=True)  # "phone" or "address"
    decision = models.CharField(max_length=8, choices=RowDecision.choices, blank=True, default="")

    class Meta:
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="import_row_line_unique")]
        indexes = [models.Index(fields=["job", "outcome", "line"], name="import_row_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"


class ImportKey(models.Model):
    """A staged duplicate key of a background import: lets the database, not the worker's memory, find
    households that look alike (the worker keeps one household at a time, whatever the file's size).

    ``key`` is a 64-bit digest of (kind, head's plain name, phone or plain address). A file household has
    its first line; a register household has line 0 and its id. Deleted once the job is written or ends.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    line = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField(default=0)  # the key's order: phones first, then the address
    household_id = models.PositiveBigIntegerField(null=True, blank=True)
    # False for a household that has errors: it is not flagged, but later rows still match it.
    candidate = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["job", "key", "line"], name="import_key_lookup")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}:{self.key}"
