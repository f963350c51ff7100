"""What the phone app's sync needs to keep: a receipt per record received (so a resent record is the
same record, never a second one) and the household changes that met a newer version (kept for the team
leader to decide, never thrown away)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncReceipt(models.Model):
    """One record of a push, by its client UUID, with the answer it got (returned again on a resend)."""

    uuid = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    # A digest of the record's content: the same UUID with other content is not the same record.
    digest = models.CharField(max_length=64)
    answer = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.uuid)


class SyncConflict(models.Model):
    """A household change made on a phone against a version that has changed since: kept, flagged."""

    household = models.ForeignKey("households.Household", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uuid = models.UUIDField(unique=True)
    base_version = models.PositiveIntegerField()
    found_version = models.PositiveIntegerField()
    changes = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=8, blank=True)  # "applied" or "dropped"

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["household", "resolved_at"], name="sync_conflict_open")]

    def __str__(self) -> str:
        return f"{self.household_id}@{self.base_version}"
