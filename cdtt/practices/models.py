"""Good practices and typical cases shared across the network, and announcements with read receipts.

A post is written by a village team, a commune or a province and reviewed by the level above (a team's
by its commune, a commune's by its province, a province's by the Ministry). Once published it is read by
every signed-in role in the country; before that only its authors' unit and its reviewers see it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from cdtt.accounts.models import Role
from cdtt.core.fields import NFCCharField
from cdtt.core.models import WorkflowEvent
from cdtt.core.text import fold


class PracticeKind(models.TextChoices):
    GOOD_PRACTICE = "good_practice", _("Good practice")
    TYPICAL_CASE = "typical_case", _("Typical case")


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")


EDITABLE = (PracticeStatus.DRAFT, PracticeStatus.RETURNED)


class Tag(models.Model):
    """A free keyword of posts ("người cao tuổi", "chợ phiên"); one row per folded spelling."""

    name = NFCCharField(_("name"), max_length=60)
    name_folded = models.CharField(max_length=60, unique=True, editable=False)

    class Meta:
        ordering = ["name_folded"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Practice(models.Model):
    class EventAction(models.TextChoices):
        """The lines of a post's history (``events``): a return keeps the reviewer's comment."""

        CREATED = "created", _("Drafted")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned with comments")
        PUBLISHED = "published", _("Published")
        FEATURED = "featured", _("Featured nationally")
        UNFEATURED = "unfeatured", _("No longer featured")

    kind = models.CharField(_("kind"), max_length=16, choices=PracticeKind.choices, default=PracticeKind.GOOD_PRACTICE)
    title = NFCCharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    # The author: a village team (village set, unit = its commune), a commune or a province (village empty).
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The unit whose officers review it: the level directly above the author.
    reviewer = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    platforms = models.ManyToManyField("catalog.Platform", blank=True, related_name="+", verbose_name=_("platforms"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="practices", verbose_name=_("tags"))
    status = models.CharField(
        _("status"), max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT, db_index=True
    )
    # Title, text, tags and the author's place without diacritics: "cach lam hay" finds "Cách làm hay".
    search_folded = models.TextField(default="", editable=False)
    review_comment = models.TextField(blank=True)
    featured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    events = GenericRelation(WorkflowEvent, related_query_name="practice")  # its history

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("good practice")
        indexes = [
            models.Index(fields=["status", "featured_at", "published_at"], name="practice_published"),
            models.Index(fields=["reviewer", "status"], name="practice_reviewer"),
            models.Index(fields=["province", "status"], name="practice_province"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_published(self) -> bool:
        return self.status == PracticeStatus.PUBLISHED

    @property
    def is_featured(self) -> bool:
        return self.featured_at is not None


def image_path(instance: PracticeImage, filename: str) -> str:
    # Never a public media URL: images are served by a scoped view to signed-in users.
    return f"practices/{instance.practice_id}/{filename}"


class PracticeImage(models.Model):
    """A photo of a post, re-encoded as JPEG with its metadata (EXIF, GPS) removed."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(upload_to=image_path, max_length=200)
    caption = NFCCharField(_("caption"), max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.image.name or ""


class Announcement(models.Model):
    """A message from a province or the Ministry to chosen units' holders of chosen roles."""

    sender_unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    title = NFCCharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    units = models.ManyToManyField("geo.AdminUnit", related_name="+", verbose_name=_("units"))
    roles = models.JSONField(_("roles"), default=list)  # Role values
    recipients_count = models.PositiveIntegerField(default=0)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("announcement")

    def __str__(self) -> str:
        return self.title


class Receipt(models.Model):
    """One recipient of an announcement, fixed when it was sent, and when they read it."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Where the recipient holds the role that made them one (a team role: its commune and village).
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=24, choices=Role.choices)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="receipt_unique")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="receipt_user_read"),
            models.Index(fields=["announcement", "unit"], name="receipt_announcement_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id} → {self.user_id}"
