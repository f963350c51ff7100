"""Import jobs: an uploaded file parsed into rows, previewed, then applied or cancelled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    VILLAGES = "villages", _("Villages")
    TEAMS = "teams", _("Teams and members")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Ready to confirm")
    INVALID = "invalid", _("Has errors")
    DONE = "done", _("Applied")
    CANCELLED = "cancelled", _("Cancelled")


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
