"""What teams do, one record each: guidance to a household or person, propaganda, group sessions.

Every record carries the UUID its phone made (a retry is the same record, never a second one), when it
happened and when it reached the server. Edits keep the earlier version; a void keeps the record and
takes it out of every total (``cdtt.progress`` moves in the same transaction).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance to a household")
    PROPAGANDA = "propaganda", _("Propaganda")
    GROUP = "group", _("Group session")


class Channel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    LOUDSPEAKER = "loudspeaker", _("Loudspeaker")
    CHAT_POST = "chat_post", _("Chat group post")
    DOOR_TO_DOOR = "door_to_door", _("Door to door")


class Activity(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    # Guidance happens in the household's village; propaganda or a group session may be commune-wide.
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey(
        "households.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    resident = models.ForeignKey(
        "households.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    platform = models.ForeignKey(
        "catalog.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("platform"),
    )
    outcome = models.ForeignKey(
        "catalog.Outcome", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("outcome")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    # Propaganda or a group session may count households instead of (or besides) people ("3 hộ").
    households_reached = models.PositiveIntegerField(_("households reached"), default=0)
    note = models.TextField(_("note"), blank=True)
    occurred_on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(auto_now_add=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # The adoption statuses this record created (ids): a void removes them, and only them.
    effects = models.JSONField(default=list, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("activity")
        indexes = [
            models.Index(fields=["village", "occurred_on"], name="activity_village_day"),
            models.Index(fields=["commune", "occurred_on"], name="activity_commune_day"),
            models.Index(fields=["recorded_by", "occurred_on"], name="activity_member_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class ActivityChange(models.Model):
    """An edit or a void of an activity: the values before and after, who, when."""

    class Action(models.TextChoices):
        EDIT = "edit", _("Edited")
        VOID = "void", _("Voided")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.activity_id}"
