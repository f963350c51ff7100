"""Official figures beside the reported ones, and the periodic figures kept under the units before 2025.

A period is stored as a progress bucket (``cdtt.progress.models``): ``yyyy`` for a whole year, ``yyyymm``
for a month, so that an official or a pre-2025 figure lines up with the cells of the same period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureKind(models.TextChoices):
    """The figures ministries and statistics offices publish per commune."""

    VNEID_LEVEL2 = "vneid_level2", _("VNeID level-2 activations")
    EPAYMENT_ACCOUNTS = "epayment_accounts", _("E-payment accounts opened")
    ONLINE_DOSSIERS = "online_dossiers", _("Online public-service dossiers")
    POPULATION = "population", _("Population")
    HOUSEHOLDS = "households", _("Households")


# Each official figure stands beside the catalogue indicator the teams' records count.
REPORTED_INDICATOR: dict[str, str] = {
    FigureKind.VNEID_LEVEL2: "vneid_level2",
    FigureKind.EPAYMENT_ACCOUNTS: "epayment_accounts",
    FigureKind.ONLINE_DOSSIERS: "online_dossiers",
    FigureKind.POPULATION: "register_members",
    FigureKind.HOUSEHOLDS: "register_households",
}
# Counts of what exists (not of what happened in the period): the latest figure up to a period holds for it.
STOCK_KINDS = (FigureKind.POPULATION, FigureKind.HOUSEHOLDS)


class ApportionRule(models.TextChoices):
    """How the figure of an old commune that was split between several new ones is shared among them."""

    DEFAULT = "default", _("all to the main successor (conversion data)")
    POPULATION = "population", _("shared by the successors' official population")


class OfficialFigure(models.Model):
    """One official figure of a current commune for one period; importing it again replaces the value."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune"))
    kind = models.CharField(_("figure"), max_length=24, choices=FigureKind.choices)
    bucket = models.IntegerField(_("period"))
    value = models.PositiveBigIntegerField(_("value"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    job = models.ForeignKey("transfers.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("official figure")
        constraints = [models.UniqueConstraint(fields=["commune", "kind", "bucket"], name="official_figure_key")]
        indexes = [models.Index(fields=["kind", "bucket"], name="official_figure_period")]

    def __str__(self) -> str:
        return f"{self.commune_id}:{self.kind}:{self.bucket}={self.value}"


class LegacyFigure(models.Model):
    """A periodic figure of a pre-2025 commune, as the province kept it; shared out to today's communes."""

    old_unit = models.ForeignKey(
        "geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune before 2025")
    )
    indicator = models.ForeignKey("catalog.Indicator", on_delete=models.PROTECT, related_name="+")
    bucket = models.IntegerField(_("period"))
    value = models.PositiveBigIntegerField(_("value"))
    rule = models.CharField(_("apportioning rule"), max_length=12, choices=ApportionRule.choices)
    job = models.ForeignKey("transfers.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("figure before 2025")
        constraints = [models.UniqueConstraint(fields=["old_unit", "indicator", "bucket"], name="legacy_figure_key")]

    def __str__(self) -> str:
        return f"{self.old_unit_id}:{self.indicator_id}:{self.bucket}={self.value}"


class LegacyShare(models.Model):
    """The part of a pre-2025 figure that counts under one of today's communes (all of it unless split).

    Kept, not computed on each read: the shares by population depend on the figures at import time, and
    the page shows the share and the rule as they were applied.
    """

    figure = models.ForeignKey(LegacyFigure, on_delete=models.CASCADE, related_name="shares")
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    # Copied from the figure: the history of a commune or province reads its shares by indicator and period.
    indicator = models.ForeignKey("catalog.Indicator", on_delete=models.PROTECT, related_name="+")
    bucket = models.IntegerField()
    value = models.BigIntegerField()
    share = models.DecimalField(max_digits=7, decimal_places=6)  # 1 when the old commune was not split
    split = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["figure", "commune"], name="legacy_share_key")]
        indexes = [models.Index(fields=["commune", "indicator", "bucket"], name="legacy_share_read")]

    def __str__(self) -> str:
        return f"{self.figure_id}→{self.commune_id}={self.value}"
