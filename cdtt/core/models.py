"""The append-only audit trail shared by every domain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk writes would bypass ``AuditEvent.save``/``delete``: refuse them too."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit events are append-only")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise RuntimeError("audit events are append-only")


ACTION_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "user.create": _("Account created"),
    "user.activate": _("Account unlocked"),
    "user.deactivate": _("Account locked"),
    "user.password_change": _("Password changed"),
    "user.password_reset": _("Password set by an officer"),
    "role.grant": _("Role granted"),
    "role.revoke": _("Role removed"),
    "token.create": _("API token created"),
    "token.revoke": _("API token revoked"),
    "village.create": _("Village created"),
    "village.update": _("Village changed"),
    "village.retire": _("Village retired"),
    "import.create": _("Import file checked"),
    "import.apply": _("Import applied"),
    "import.cancel": _("Import cancelled"),
    "team.propose": _("Team set up"),
    "team.dissolve": _("Team dissolved"),
    "member.join": _("Member joined a team"),
    "member.leave": _("Member left a team"),
    "member.update": _("Member details corrected"),
    "member.link": _("Member linked to an account"),
    "decision.update": _("Decision draft edited"),
    "decision.sign": _("Decision signed"),
    "decision.scan": _("Signed scan attached"),
    "decision.export": _("Decision downloaded"),
    "roster.export": _("Roster exported"),
    "chat_group.save": _("Chat group recorded"),
    "consent.record": _("Consent recorded"),
    "consent.withdraw": _("Consent withdrawn"),
    "request.open": _("Data-subject request logged"),
    "request.acknowledge": _("Data-subject request acknowledged"),
    "request.extend": _("Data-subject request deadline extended"),
    "request.complete": _("Data-subject request completed"),
    "request.refuse": _("Data-subject request refused"),
    "request.export": _("Export attached to an access request downloaded"),
    "breach.record": _("Personal-data breach recorded"),
    "breach.notify": _("Authority notified of a breach"),
    "breach.close": _("Personal-data breach closed"),
    "sync.pull": _("Households sent to a phone"),
    "export.refused": _("Export refused"),
    "retention.apply": _("Data past its retention removed"),
    "household.erase": _("Household's personal data erased"),
    "household.export": _("Household's personal data exported"),
    "household.view": _("Household details viewed"),
    "household.list": _("Household list viewed"),
    "household.create": _("Household added"),
    "household.update": _("Household changed"),
    "resident.create": _("Resident added"),
    "resident.update": _("Resident changed"),
    "adoption.set": _("Adoption item ticked"),
    "adoption.unset": _("Adoption tick undone"),
    "import.decide": _("Import duplicate decided"),
    "difficulty.raise": _("Difficulty raised"),
    "difficulty.assign": _("Difficulty assigned"),
    "difficulty.answer": _("Difficulty answered"),
    "difficulty.resolve": _("Difficulty resolved"),
    "difficulty.reopen": _("Difficulty reopened"),
    "difficulty.escalate": _("Difficulty passed up a level"),
    "difficulty.due": _("Difficulty due date changed"),
    "difficulty.message": _("Message on a difficulty"),
}


class AuditEvent(models.Model):
    """One thing that happened: who, when, what, on which object, from which unit. Never changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    unit = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit events are append-only")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class WorkflowEvent(models.Model):
    """One line of an object's history (a report, a post): what happened, who did it, the comment if any.

    One model for every workflow, related generically: core knows none of the models whose history it keeps
    (the apps sit above core), and a new workflow needs no new table. Each subject declares
    ``events = GenericRelation(WorkflowEvent, related_query_name=...)`` (deleting it deletes its history) and
    the labels of its actions as ``EventAction`` (the same code reads "Opened" on a report, "Drafted" on a post).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.action}"

    def get_action_display(self) -> str:
        """The action's label, from its subject's ``EventAction`` (as a ``choices`` field would give it)."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        labels = dict(getattr(model, "EventAction", models.TextChoices).choices)
        return str(labels.get(self.action, self.action))


class JobRun(models.Model):
    """One run of a scheduled job for one period: the unique (job, period) row is what makes it run once.

    Every app node may start the same timer; the first to insert the row runs the job, the others see the
    row and skip. A run whose node died (no ``finished_at`` long after ``started_at``) is taken over.
    """

    job = models.CharField(max_length=64)
    period = models.CharField(max_length=32)  # e.g. 2026-12-07 (daily), 2026-12-07T05 (hourly), 2026-12-07T05:10
    node = models.CharField(max_length=128)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    outcome = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="job_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"
