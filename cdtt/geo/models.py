"""Administrative units (national, province, legacy district, commune) and villages."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField
from cdtt.core.text import fold

# The two-tier government started on this date; the legacy tree ends the day before.
REFORM_DATE = datetime.date(2025, 7, 1)
LEGACY_END = datetime.date(2025, 6, 30)


class UnitKind(models.TextChoices):
    NATIONAL = "national", _("Nation")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District (before 2025)")
    COMMUNE = "commune", _("Commune")
    WARD = "ward", _("Ward")
    SPECIAL_ZONE = "special_zone", _("Special zone")
    TOWNSHIP = "township", _("Township (before 2025)")


COMMUNE_KINDS = (UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE, UnitKind.TOWNSHIP)


class AdminUnitQuerySet(models.QuerySet["AdminUnit"]):
    def valid_on(self, day: datetime.date) -> AdminUnitQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def current(self) -> AdminUnitQuerySet:
        return self.filter(valid_to__isnull=True)

    def communes(self) -> AdminUnitQuerySet:
        return self.filter(kind__in=COMMUNE_KINDS)

    def in_subtree(self, path: str) -> AdminUnitQuerySet:
        return self.filter(path__startswith=path)


class AdminUnit(models.Model):
    """An official administrative unit; legacy and current units may share a code, never a date."""

    code = models.CharField(_("code"), max_length=16, db_index=True)
    name = NFCCharField(_("name"), max_length=200)
    short_name = NFCCharField(_("short name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # "/<id>/<id>/.../" from the root: "in this subtree" is one indexed prefix filter.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = AdminUnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative unit")
        constraints = [
            # A code is unique among the units valid on a date; these catch duplicates within one tree.
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_unique_per_start"),
            models.UniqueConstraint(fields=["code", "valid_to"], name="unit_code_unique_per_end"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)
        expected = (self.parent.path if self.parent else "/") + f"{self.pk}/"
        if self.path != expected:
            self.path = expected
            self.depth = expected.count("/") - 2
            type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def is_commune(self) -> bool:
        return self.kind in COMMUNE_KINDS

    def ancestors(self) -> list[int]:
        """Return the ids on the path from the root to this unit, this unit included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class UnitSuccessor(models.Model):
    """An old (pre-2025) unit's link to a current unit it became part of."""

    old = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="successor_links")
    new = models.ForeignKey(AdminUnit, on_delete=models.CASCADE, related_name="predecessor_links")
    is_default = models.BooleanField(
        default=False, help_text="The package's primary successor when the old unit was split."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="successor_unique")]

    def __str__(self) -> str:
        return f"{self.old_id} → {self.new_id}"


class VillageKind(models.TextChoices):
    THON = "thon", _("Thôn")
    BAN = "ban", _("Bản")
    TO_DAN_PHO = "to_dan_pho", _("Tổ dân phố")
    AP = "ap", _("Ấp")
    KHOM = "khom", _("Khóm")
    BUON = "buon", _("Buôn")
    XOM = "xom", _("Xóm")
    LANG = "lang", _("Làng")
    KHU_PHO = "khu_pho", _("Khu phố")
    PLEI = "plei", _("Plei")
    SOC = "soc", _("Sóc")
    OTHER = "other", _("Other")


class VillageQuerySet(models.QuerySet["Village"]):
    def active(self) -> VillageQuerySet:
        return self.filter(valid_to__isnull=True)


class Village(models.Model):
    """A village-level community (thôn, bản, tổ dân phố, ...) inside a current commune."""

    commune = models.ForeignKey(AdminUnit, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune"))
    name = NFCCharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(_("type"), max_length=16, choices=VillageKind.choices, default=VillageKind.THON)
    code = models.CharField(_("code"), max_length=32, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("retired on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["name_folded", "id"]
        verbose_name = _("village")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "name_folded"],
                condition=Q(valid_to__isnull=True),
                name="village_name_unique_in_commune",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.valid_to is None
