"""Users, their role assignments at units, and revocable API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField
from cdtt.core.text import fold


class Role(models.TextChoices):
    NATIONAL_ADMIN = "national_admin", _("National administrator")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    COMMUNE_OFFICER = "commune_officer", _("Commune officer")
    TEAM_LEADER = "team_leader", _("Team leader")
    TEAM_MEMBER = "team_member", _("Team member")
    ENTERPRISE_PARTNER = "enterprise_partner", _("Enterprise partner")
    LEADER = "leader", _("Leader")


TEAM_ROLES = (Role.TEAM_LEADER, Role.TEAM_MEMBER)


class User(AbstractUser):
    """A person who signs in; what they may see comes only from their role assignments."""

    full_name = NFCCharField(_("full name"), max_length=150, blank=True)
    name_folded = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(f"{self.username} {self.full_name}")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)


class RoleAssignment(models.Model):
    """User + role + unit (and, for team roles, the village): one grant of access."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    village = models.ForeignKey(
        "geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], condition=Q(village__isnull=True), name="assignment_unique_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "village"], condition=Q(village__isnull=False), name="assignment_unique_village"
            ),
        ]

    def __str__(self) -> str:
        where = self.village.name if self.village_id and self.village else self.unit.name
        return f"{self.get_role_display()} · {where}"


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored, and it can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = NFCCharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name or 'API'} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
