"""Periodic reports: a team's (village's) or a unit's results for a period, sent up the tree for approval.

Who reports to whom follows the tree: a village team to its commune, a commune to its province, a
province to the nation (the national report is approved by a national admin). A report opens pre-filled
from targets and progress; its numbers are frozen when it is submitted, so what the reviewer approves is
what was sent, and the page shows when live data has changed since.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.models import WorkflowEvent


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)
SENT = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)


class Report(models.Model):
    class EventAction(models.TextChoices):
        """The lines of a report's history (``events``): a return's and a reopening's comment is kept with them."""

        CREATED = "created", _("Opened")
        SAVED = "saved", _("Saved")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned with comments")
        APPROVED = "approved", _("Approved")
        REOPENED = "reopened", _("Reopened")

    period = models.ForeignKey("targets.Period", on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    # The subject: a unit (commune, province, nation) or a village (its team's report).
    level = models.PositiveSmallIntegerField(_("level"))  # cdtt.progress.models.Level
    unit = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The unit whose officers review it (the commune of a village, the province of a commune, the nation).
    reviewer = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    due_on = models.DateField(_("due on"))
    version = models.PositiveIntegerField(default=1)

    # Written by the reporter.
    assessment = models.TextField(_("assessment"), blank=True)
    plan = models.TextField(_("next period's plan"), blank=True)
    proposals = models.TextField(_("proposals"), blank=True)
    notes = models.JSONField(default=dict, blank=True)  # indicator id (as text) -> the row's note

    # Frozen at submission (and shown live before it).
    results = models.JSONField(default=list, blank=True)
    organisation = models.JSONField(default=dict, blank=True)
    figures_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Its history; related_query_name lets the privacy map reach a history line's unit ("report__unit").
    events = GenericRelation(WorkflowEvent, related_query_name="report")

    class Meta:
        ordering = ["-period__start", "level"]
        verbose_name = _("report")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(village__isnull=True))
                | (Q(unit__isnull=True) & Q(village__isnull=False)),
                name="report_unit_or_village",
            ),
            models.UniqueConstraint(
                fields=["period", "unit"], condition=Q(unit__isnull=False), name="report_unit_period_unique"
            ),
            models.UniqueConstraint(
                fields=["period", "village"], condition=Q(village__isnull=False), name="report_village_period_unique"
            ),
        ]
        indexes = [models.Index(fields=["period", "reviewer", "status"], name="report_period_reviewer")]

    def __str__(self) -> str:
        return f"{self.subject} — {self.period}"

    @property
    def subject(self) -> object:
        return self.village if self.village_id else self.unit

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_sent(self) -> bool:
        return self.status in SENT


class ReportDeadline(models.Model):
    """A province's deadline for one kind of report: day ``day`` of the month ``month_offset`` months after
    the period's last month (campaigns: ``day`` days after the campaign ends). Teams report by this date;
    each level above has one more day to consolidate. ``required`` False: the province does not ask for this
    kind of report (it may still be written), so nobody in the province is late or reminded for it."""

    province = models.ForeignKey("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10)  # a PeriodKind
    month_offset = models.SmallIntegerField(default=0)
    day = models.PositiveSmallIntegerField()
    required = models.BooleanField(_("required"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["province", "kind"], name="report_deadline_unique")]

    def __str__(self) -> str:
        return f"{self.province_id} {self.kind}: {self.month_offset:+d} {self.day}"


class ReportPolicy(models.Model):
    """A unit's choice to hide its data from the level above until its reports are approved (as in DHIS2)."""

    unit = models.OneToOneField("geo.AdminUnit", on_delete=models.CASCADE, related_name="+")
    hide_unapproved = models.BooleanField(_("hide unapproved data from the level above"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.unit_id}: hide_unapproved={self.hide_unapproved}"
