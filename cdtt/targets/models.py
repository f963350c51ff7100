"""Periods and targets: what each unit (or village team) is to achieve, assigned from above, split below.

A target is (a unit or a village, an indicator, a period, a value). The level above assigns it; the
level below cannot change it, only split it across its own children. A split records its method and
each child's target points to the parent it came from, so the board can reconcile every level.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Half-year")
    MONTH = "month", _("Month")
    CAMPAIGN = "campaign", _("Campaign")


class Period(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    name = NFCCharField(_("name"), max_length=150)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    # The unit that declared a campaign (calendar periods belong to everyone).
    owner = models.ForeignKey("geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-start", "kind"]
        verbose_name = _("period")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_ordered"),
            models.UniqueConstraint(
                fields=["kind", "start"], condition=~Q(kind="campaign"), name="period_calendar_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_campaign(self) -> bool:
        return self.kind == PeriodKind.CAMPAIGN

    def months(self) -> list[int]:
        """The calendar months (``yyyymm``) the period covers."""
        found = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            found.append(year * 100 + month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def buckets(self) -> list[int]:
        """The progress buckets whose sum is the period's total."""
        if self.is_campaign:
            return [-self.pk]
        whole_year = (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31)
        if self.kind == PeriodKind.YEAR and whole_year and self.start.year == self.end.year:
            return [self.start.year]
        return self.months()

    def running_ranges(self) -> list[tuple[int, int]]:
        """The buckets whose sum is a running total at the period's end, as inclusive ranges: earlier
        whole years, then the months of the last year (or that whole year when the period ends on
        31 December)."""
        year, month = self.end.year, self.end.month
        if (self.end.month, self.end.day) == (12, 31):
            return [(1000, year)]
        return [(1000, year - 1), (year * 100 + 1, year * 100 + month)]

    def running_buckets(self) -> Q:
        """``running_ranges`` as a filter on ``bucket``."""
        condition = Q()
        for low, high in self.running_ranges():
            condition |= Q(bucket__gte=low, bucket__lte=high)
        return condition

    def last_month(self) -> int:
        return self.end.year * 100 + self.end.month

    def elapsed(self, today: datetime.date) -> float:
        """The share of the period gone by (0 to 1), for "on track" marks."""
        if today <= self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return (today - self.start).days / max(1, (self.end - self.start).days)


class SplitMethod(models.TextChoices):
    MANUAL = "manual", _("By hand")
    HOUSEHOLDS = "households", _("In proportion to households")
    ADULTS = "adults", _("In proportion to adults")
    EVEN = "even", _("Evenly")


class Target(models.Model):
    unit = models.ForeignKey(
        "geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    village = models.ForeignKey(
        "geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    indicator = models.ForeignKey("catalog.Indicator", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="targets")
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    # How this target's children were made (empty until it is split).
    split_method = models.CharField(max_length=12, choices=SplitMethod.choices, blank=True)
    # The depth of the unit whose officer assigned it: a lower level cannot change it.
    assigned_depth = models.PositiveSmallIntegerField(default=0)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator__order", "indicator__code"]
        verbose_name = _("target")
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(village__isnull=True))
                | (Q(unit__isnull=True) & Q(village__isnull=False)),
                name="target_unit_or_village",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_not_negative"),
            models.UniqueConstraint(
                fields=["unit", "indicator", "period"], condition=Q(unit__isnull=False), name="target_unit_unique"
            ),
            models.UniqueConstraint(
                fields=["village", "indicator", "period"],
                condition=Q(village__isnull=False),
                name="target_village_unique",
            ),
        ]
        indexes = [models.Index(fields=["period", "indicator"], name="target_period_indicator")]

    def __str__(self) -> str:
        return f"{self.indicator_id}@{self.unit_id or self.village_id}: {self.value}"
