"""Training of the teams: enterprise partners, courses and their sessions, invitations of team members,
attendance, and the guides and materials of each platform.

A member counts as *trained on a platform* once they were present at a session of a course that covers it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField
from cdtt.core.text import fold


class Enterprise(models.Model):
    """A postal, telecom or IT enterprise (or a bank) that trains teams in its assigned areas."""

    name = NFCCharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    # The unit that registered the partner (a province, or the nation); its officers keep it up to date.
    owner = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    areas = models.ManyToManyField("geo.AdminUnit", related_name="training_partners", verbose_name=_("areas"))
    platforms = models.ManyToManyField(
        "catalog.Platform", blank=True, related_name="training_partners", verbose_name=_("platforms")
    )
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="enterprises", verbose_name=_("accounts")
    )
    contact = NFCCharField(_("contact"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_folded", "id"]
        verbose_name = _("enterprise")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)


class Organiser(models.TextChoices):
    PROVINCE = "province", _("Province department")
    COMMUNE = "commune", _("Commune")
    ENTERPRISE = "enterprise", _("Enterprise")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class Course(models.Model):
    """A training course: one subject taught in one or more sessions (follow-ups until the teams are fluent)."""

    title = NFCCharField(_("title"), max_length=255)
    organiser = models.CharField(_("organiser"), max_length=12, choices=Organiser.choices)
    # The unit the course belongs to: the organising province or commune, or the enterprise's area.
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("enterprise partner"),
    )
    covers_policy = models.BooleanField(_("DX policy and law"), default=False)
    platforms = models.ManyToManyField(
        "catalog.Platform", blank=True, related_name="training_courses", verbose_name=_("platforms")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("course")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="course_dates_ordered")
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One meeting of a course, in person or online; a follow-up repeats or deepens an earlier one."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    title = NFCCharField(_("title"), max_length=255, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.IN_PERSON)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = NFCCharField(_("place"), max_length=255, blank=True)
    meeting_link = models.URLField(_("meeting link"), max_length=500, blank=True)
    trainers = NFCCharField(_("trainers"), max_length=500, blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A cancelled session stays on record with its reason (and any attendance taken), but no longer counts
    # in the coverage figures; a session with no attendance can be deleted instead.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = NFCCharField(_("reason for cancelling"), max_length=500, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("session")

    def __str__(self) -> str:
        return self.title or self.course.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Invitation(models.Model):
    """A team member invited to a course (and so to each of its sessions)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey("teams.Member", on_delete=models.PROTECT, related_name="training_invitations")
    # Where the member served when invited: the commune and team, for scoping and per-unit counts.
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["commune_id", "member__name_folded", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "member"], name="invitation_once_per_course")]

    def __str__(self) -> str:
        return f"{self.member} · {self.course}"


class Presence(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


class Attendance(models.Model):
    """Whether an invited member came to one session, whether they completed it, and an optional score."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=8, choices=Presence.choices)
    completed = models.BooleanField(_("completed"), default=False)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "invitation_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "invitation"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="attendance_score_range"
            ),
        ]
        indexes = [models.Index(fields=["invitation", "status"], name="attendance_invitation_status")]

    def __str__(self) -> str:
        return f"{self.invitation} · {self.session_id} · {self.status}"


class MaterialKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")


def material_path(instance: Material, filename: str) -> str:
    return f"training/materials/{instance.platform_id}/{filename}"


class Material(models.Model):
    """A guide or material for one platform: a file or a link, with its version and date."""

    platform = models.ForeignKey(
        "catalog.Platform", on_delete=models.PROTECT, related_name="training_materials", verbose_name=_("platform")
    )
    title = NFCCharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=8, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to=material_path, blank=True, max_length=255)
    url = models.URLField(_("link"), max_length=500, blank=True)
    version = NFCCharField(_("version"), max_length=40, blank=True)
    issued_on = models.DateField(_("date"))
    # Who published it: the nation (for everyone) or a province or commune (for its own members).
    owner = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner"))
    # The file's size in bytes, kept when it is uploaded (phones decide from it what to keep offline).
    file_size = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A retired guide is withdrawn from members (pages, API and phones); the audit trail keeps its story.
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["platform__order", "platform__name", "-issued_on", "-id"]
        verbose_name = _("material")

    def __str__(self) -> str:
        return self.title
