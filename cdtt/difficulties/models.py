"""Difficulties (khó khăn, vướng mắc) a team or an officer raises to the level above, and their thread.

A difficulty sits at the unit that raised it (a team's sits at its commune, with its village) and is handled
by the unit above (a team's by its commune, a commune's by its province, a province's nationally). One left
unanswered past its due date moves up a level (``escalate_difficulties``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField


class Category(models.TextChoices):
    DEVICES = "devices", _("Devices")
    CONNECTIVITY = "connectivity", _("Connectivity")
    PLATFORM_FAULT = "platform_fault", _("Platform fault")
    RELUCTANCE = "reluctance", _("Residents' reluctance")
    FUNDING = "funding", _("Funding")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    ESCALATED = "escalated", _("Escalated")
    ANSWERED = "answered", _("Answered")
    REOPENED = "reopened", _("Reopened")
    RESOLVED = "resolved", _("Resolved")


# Waiting for the handling unit: these move up a level when their due date passes.
WAITING = (Status.OPEN, Status.ESCALATED, Status.REOPENED)
UNRESOLVED = (*WAITING, Status.ANSWERED)


class Difficulty(models.Model):
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    village = models.ForeignKey(
        "geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    handler_unit = models.ForeignKey(
        "geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("handled by")
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    title = NFCCharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    platform = models.ForeignKey(
        "catalog.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("platform"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("raised by")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # The periodic report it was raised from, when it was (the report's page lists it).
    source_report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="difficulties"
    )
    due_on = models.DateField(_("answer due by"))
    escalations = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("difficulty")
        indexes = [
            models.Index(fields=["status", "due_on"], name="difficulty_status_due"),
            models.Index(fields=["handler_unit", "status"], name="difficulty_handler_status"),
            models.Index(fields=["unit", "status"], name="difficulty_unit_status"),
            models.Index(fields=["village", "status"], name="difficulty_village_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="difficulty_has_description"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_waiting(self) -> bool:
        return self.status in WAITING

    @property
    def is_resolved(self) -> bool:
        return self.status == Status.RESOLVED


class MessageKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    ANSWER = "answer", _("Answer")
    EVENT = "event", _("Event")


class DifficultyMessage(models.Model):
    """One entry of the thread: a comment, an answer, or what happened (raised, escalated, resolved, ...)."""

    difficulty = models.ForeignKey(Difficulty, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices)
    event = models.CharField(max_length=16, blank=True)  # for events: raise, assign, escalate, resolve, ...
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.difficulty_id}"


def photo_path(instance: DifficultyPhoto, filename: str) -> str:
    return f"difficulties/{instance.difficulty_id}/{filename}"


class DifficultyPhoto(models.Model):
    """A photo sent with a difficulty: checked to be a JPEG or PNG image, its metadata (EXIF, GPS) removed."""

    difficulty = models.ForeignKey(Difficulty, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path, max_length=255)
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name or ""
