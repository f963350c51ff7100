"""The breach register (Law 91/2025/QH15: notify the authority within 72 hours of discovering a breach)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField

NOTIFY_WITHIN = datetime.timedelta(hours=72)


class BreachStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    NOTIFIED = "notified", _("Authority notified")
    CLOSED = "closed", _("Closed")


class Breach(models.Model):
    """One incident: what happened, when it was found, what and whom it touched, what was done, who was told."""

    unit = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    title = NFCCharField(_("what happened (short)"), max_length=200)
    description = models.TextField(_("description"))
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("when it was discovered"))
    # Dataset codes of cdtt.privacy.datamap.
    datasets = models.JSONField(_("datasets affected"), default=list)
    subjects = models.TextField(_("people affected"), blank=True)
    subjects_count = models.PositiveIntegerField(_("number of people affected"), null=True, blank=True)
    consequences = models.TextField(_("likely consequences"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    reporter_name = NFCCharField(_("contact person"), max_length=150, blank=True)
    reporter_contact = NFCCharField(_("contact phone or e-mail"), max_length=150, blank=True)
    status = models.CharField(max_length=10, choices=BreachStatus.choices, default=BreachStatus.OPEN)
    notify_due = models.DateTimeField()
    notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("personal-data breach")

    def __str__(self) -> str:
        return self.title
