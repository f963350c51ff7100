"""The platform and indicator catalogue: what teams deploy, and how each result is counted, as data.

Indicators are not code: each names how it is computed (a count of activities of some kinds and
outcomes, the people they reached, the households or residents that reached an adoption status, a
register total, or a ratio of two indicators), so a ministry or a province can add one without a
release. ``cdtt.progress`` keeps the running totals of every indicator.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField


class Pillar(models.TextChoices):
    GOVERNMENT = "government", _("Digital government")
    ECONOMY = "economy", _("Digital economy")
    SOCIETY = "society", _("Digital society")


class Platform(models.Model):
    """A digital platform teams deploy to households (VNeID, the public-service portal, a wallet, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = NFCCharField(_("name"), max_length=150)
    operator = NFCCharField(_("operator"), max_length=150, blank=True)
    pillar = models.CharField(_("pillar"), max_length=12, choices=Pillar.choices)
    url = models.URLField(_("link"), blank=True)
    install_guide = models.TextField(_("install guide"), blank=True)
    in_use_from = models.PositiveSmallIntegerField(_("in use from (year)"), null=True, blank=True)
    in_use_to = models.PositiveSmallIntegerField(_("in use until (year)"), null=True, blank=True)
    # A province's own platform (its citizen app); national platforms have none.
    owner = models.ForeignKey(
        "geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("platform")

    def __str__(self) -> str:
        return self.name


class Outcome(models.Model):
    """What guidance on a platform achieved ("installed", "activated level 2", "dossier submitted")."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="outcomes")
    code = models.SlugField(max_length=40)
    name = NFCCharField(_("name"), max_length=150)
    # The household's or person's adoption status this outcome reaches (recorded with the activity).
    adoption_item = models.ForeignKey(
        "households.AdoptionItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["platform", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["platform", "code"], name="outcome_code_per_platform")]
        verbose_name = _("outcome")

    def __str__(self) -> str:
        return f"{self.platform.name}: {self.name}"


class Measure(models.TextChoices):
    PEOPLE = "people", _("people")
    HOUSEHOLDS = "households", _("households")
    DOSSIERS = "dossiers", _("dossiers")
    ACCOUNTS = "accounts", _("accounts")
    TIMES = "times", _("times")
    SESSIONS = "sessions", _("sessions")
    PERCENT = "percent", "%"


class Method(models.TextChoices):
    ACTIVITY_COUNT = "activity_count", _("Number of activities (of the kinds and outcomes chosen)")
    ACTIVITY_REACH = "activity_reach", _("People reached by activities (of the kinds chosen)")
    HOUSEHOLDS_REACHED = "households_reached", _("Households that reached an adoption status")
    RESIDENTS_REACHED = "residents_reached", _("People that reached an adoption status")
    REGISTER = "register", _("A total of the household register")
    RATIO = "ratio", _("A ratio of two indicators (%)")


class ReachMeasure(models.TextChoices):
    """What an ACTIVITY_REACH indicator adds up: the people or the households the activities reached."""

    PEOPLE = "people", _("People reached")
    HOUSEHOLDS = "households", _("Households reached")


class RegisterMetric(models.TextChoices):
    HOUSEHOLDS = "households", _("Households registered")
    MEMBERS = "members", _("Household members")
    ADULTS = "adults", _("Adults (15+)")


# Indicators whose totals are counted as things happen (a ratio is read from two of them).
COUNTED_METHODS = (
    Method.ACTIVITY_COUNT,
    Method.ACTIVITY_REACH,
    Method.HOUSEHOLDS_REACHED,
    Method.RESIDENTS_REACHED,
    Method.REGISTER,
)
# Indicators whose value for a period is their total up to the period's end, not within it.
CUMULATIVE_METHODS = (Method.REGISTER,)


class Indicator(models.Model):
    """A result that targets are set for and progress is counted on."""

    code = models.SlugField(max_length=40, unique=True)
    name = NFCCharField(_("name"), max_length=200)
    measure = models.CharField(_("unit of measure"), max_length=12, choices=Measure.choices)
    pillar = models.CharField(_("pillar"), max_length=12, choices=Pillar.choices)
    method = models.CharField(_("computed as"), max_length=20, choices=Method.choices)
    # ACTIVITY_*: which activities count (kinds; for guidance, optionally the platform and outcomes).
    activity_kinds = models.JSONField(_("activity kinds"), default=list, blank=True)
    platform = models.ForeignKey(
        Platform, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("platform")
    )
    outcomes = models.ManyToManyField(Outcome, blank=True, related_name="+", verbose_name=_("outcomes"))
    # ACTIVITY_REACH: whether it adds up the people or the households the activities reached.
    reach_measure = models.CharField(
        _("reach counted in"), max_length=12, choices=ReachMeasure.choices, default=ReachMeasure.PEOPLE
    )
    # *_REACHED: the adoption status.
    adoption_item = models.ForeignKey(
        "households.AdoptionItem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("adoption status"),
    )
    register_metric = models.CharField(max_length=12, choices=RegisterMetric.choices, blank=True)
    # RATIO: numerator / denominator × 100, both up to the period's end.
    numerator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("numerator")
    )
    denominator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("denominator")
    )
    description = models.TextField(_("description"), blank=True)
    # Other words for it in a chat report ("vneid", "thanh toan"), kept folded (no case, no diacritics).
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    valid_from_year = models.PositiveSmallIntegerField(_("valid from (year)"), null=True, blank=True)
    valid_to_year = models.PositiveSmallIntegerField(_("valid until (year)"), null=True, blank=True)
    # A province's own indicator; national indicators have none.
    owner = models.ForeignKey(
        "geo.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to_year__isnull=True)
                | Q(valid_from_year__isnull=True)
                | Q(valid_to_year__gte=models.F("valid_from_year")),
                name="indicator_years_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_counted(self) -> bool:
        return self.method in COUNTED_METHODS

    @property
    def is_cumulative(self) -> bool:
        return self.method in CUMULATIVE_METHODS

    def valid_in(self, year: int) -> bool:
        return (self.valid_from_year is None or self.valid_from_year <= year) and (
            self.valid_to_year is None or year <= self.valid_to_year
        )

    def clean(self) -> None:
        """Each way of computing needs its own fields, and only those."""
        needs: dict[str, bool] = {
            Method.ACTIVITY_COUNT: bool(self.activity_kinds),
            Method.ACTIVITY_REACH: bool(self.activity_kinds),
            Method.HOUSEHOLDS_REACHED: self.adoption_item_id is not None,
            Method.RESIDENTS_REACHED: self.adoption_item_id is not None,
            Method.REGISTER: bool(self.register_metric),
            Method.RATIO: self.numerator_id is not None and self.denominator_id is not None,
        }
        if not needs.get(self.method, False):
            raise ValidationError(_("This way of computing needs its settings filled in."))
        if self.method == Method.RATIO and self.numerator_id == self.denominator_id:
            raise ValidationError(_("A ratio needs two different indicators."))
        if self.reach_measure not in ReachMeasure.values:
            raise ValidationError({"reach_measure": _("Choose whether it counts people or households.")})
        if self.reach_measure == ReachMeasure.HOUSEHOLDS and self.method != Method.ACTIVITY_REACH:
            raise ValidationError(
                {"reach_measure": _("Only an indicator of people reached by activities can count households instead.")}
            )
        if self.reach_measure == ReachMeasure.HOUSEHOLDS and set(self.activity_kinds or []) - {"propaganda", "group"}:
            raise ValidationError(
                {"reach_measure": _("Households are counted for propaganda and group sessions only, not guidance.")}
            )
