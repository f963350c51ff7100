"""Notifications inside the platform: one row per recipient, read or not.

The title and body are rendered in Vietnamese when the notice is made (a chat channel reads them as they
are); ``kind`` and ``url`` are stable identifiers other channels may rely on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    REPORT_DUE = "report_due", _("Report due")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    REPORT_RETURNED = "report_returned", _("Report returned")
    REPORT_APPROVED = "report_approved", _("Report approved")
    DIFFICULTY_RAISED = "difficulty_raised", _("Difficulty raised")
    DIFFICULTY_ASSIGNED = "difficulty_assigned", _("Difficulty assigned")
    DIFFICULTY_ANSWERED = "difficulty_answered", _("Difficulty answered")
    DIFFICULTY_ESCALATED = "difficulty_escalated", _("Difficulty escalated")
    DIFFICULTY_RESOLVED = "difficulty_resolved", _("Difficulty resolved")
    DIFFICULTY_REOPENED = "difficulty_reopened", _("Difficulty reopened")
    DIFFICULTY_COMMENTED = "difficulty_commented", _("New message on a difficulty")
    TARGET_ASSIGNED = "target_assigned", _("Target assigned")
    PRACTICE_SUBMITTED = "practice_submitted", _("Good practice to review")
    PRACTICE_PUBLISHED = "practice_published", _("Good practice published")
    PRACTICE_RETURNED = "practice_returned", _("Good practice returned")
    ANNOUNCEMENT = "announcement", _("Announcement")
    PRIVACY_DEADLINE = "privacy_deadline", _("Data-subject request deadline")
    BREACH_DEADLINE = "breach_deadline", _("Breach notice deadline")


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    unit = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # recipient + kind + url + local day, hashed: the same notice sent again that day is not a second one.
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        indexes = [
            # The header's unread badge on every page: one COUNT over this index.
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_read"),
            models.Index(fields=["recipient", "-created_at"], name="notice_recipient_new"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
