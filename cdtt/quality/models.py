"""Data-quality rules (a catalogue, as data) and the flags they raise on implausible records.

A rule is a row officers can read: what it checks, when (as a record is written, or by the daily job),
and its threshold. A flag names the rule, the unit it is about, the records and the numbers that raised
it; it goes to the officers of the commune, who confirm it (the numbers are real), correct the records or
void them. Every step is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RuleCode(models.TextChoices):
    CAPACITY = "capacity", _("Capacity")
    RATE = "rate", _("Recording rate")
    OUTLIER = "outlier", _("Outlier")
    DUPLICATE = "duplicate", _("Duplicate effort")
    BACKDATING = "backdating", _("Back-dating")


class RuleTiming(models.TextChoices):
    RECORD = "record", _("When a record is written")
    DAILY = "daily", _("By the daily job")


class QualityRule(models.Model):
    code = models.CharField(max_length=20, choices=RuleCode.choices, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"))
    timing = models.CharField(_("checked"), max_length=8, choices=RuleTiming.choices)
    # The rule's one number: a share of the eligible (capacity), records per day (rate), a modified z-score
    # (outlier); unused by duplicate and back-dating.
    threshold = models.FloatField(_("threshold"), default=0)
    threshold_label = models.CharField(_("threshold means"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("data-quality rule")

    def __str__(self) -> str:
        return self.name


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONFIRMED = "confirmed", _("Confirmed as real")
    CORRECTED = "corrected", _("Records corrected")
    VOIDED = "voided", _("Records voided")


class Flag(models.Model):
    rule = models.CharField(_("rule"), max_length=20, choices=RuleCode.choices)
    # The commune whose officers review it (for a village's records, the village's commune).
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        "catalog.Indicator", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    day = models.DateField(_("date"))  # the day (or the first day of the month) the records are about
    # What raised it, e.g. {"reached": 10000, "eligible": 412} (kept as numbers, shown in Vietnamese).
    numbers = models.JSONField(default=dict)
    # One open flag per thing wrong: a second record of the same thing joins it rather than making another.
    key = models.CharField(max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    note = models.TextField(_("note"), blank=True)
    records = models.ManyToManyField("activities.Activity", blank=True, related_name="quality_flags")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("data-quality flag")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(status="open"), name="quality_flag_open_key"),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="quality_flag_unit_status")]

    def __str__(self) -> str:
        return f"{self.rule} {self.key}"

    @property
    def is_open(self) -> bool:
        return self.status == FlagStatus.OPEN
