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


class Device(models.Model):
    """A phone that installed the app, by its token: what lets an officer tell a member's phones apart."""

    token = models.OneToOneField("accounts.ApiToken", on_delete=models.CASCADE, related_name="device")
    label = models.CharField(_("name"), max_length=60, blank=True)  # the name the member gives it
    model = models.CharField(_("model"), max_length=80, blank=True)  # what the phone says it is
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)

    def __str__(self) -> str:
        return self.label or self.model or str(self.token_id)


class GuidanceRepeat(models.Model):
    """Guidance recorded again for the same person, outcome and day (two members offline, or a second tap
    on another phone): both are kept, since both visits happened, and the team leader sees the pair."""

    activity = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey("activities.Activity", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.activity_id}~{self.first_id}"
