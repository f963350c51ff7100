"""The household register, digital-adoption status with history, and the personal-data records around it.

Minimisation is a design rule here: there is no field for ID-card numbers or images, nor for e-ID
credentials, and there must never be one. Adoption is stored as status flags, never as account data.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField
from cdtt.core.text import fold


class Internet(models.TextChoices):
    UNKNOWN = "", _("Not known")
    NONE = "none", _("None")
    MOBILE = "mobile", _("Mobile data")
    FIBRE = "fibre", _("Fibre broadband")


class Household(models.Model):
    """A household of a village, as the team keeps it. Personal fields are blanked when erased."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("geo.Village", on_delete=models.PROTECT, related_name="households")
    head_name = NFCCharField(_("head of household"), max_length=150)
    head_name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    address = NFCCharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    phone2 = models.CharField(_("second phone"), max_length=16, blank=True)
    members_count = models.PositiveSmallIntegerField(_("members"), null=True, blank=True)
    adults_count = models.PositiveSmallIntegerField(_("adults (15+)"), null=True, blank=True)
    smartphones = models.PositiveSmallIntegerField(_("smartphones"), null=True, blank=True)
    internet = models.CharField(_("internet"), max_length=8, choices=Internet.choices, blank=True, default="")
    is_business = models.BooleanField(_("business household"), default=False)
    caretaker = models.ForeignKey(
        "teams.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="households",
        verbose_name=_("team member who looks after it"),
    )
    notes = NFCCharField(_("notes"), max_length=500, blank=True)
    # Processing stops (beyond what law requires) after consent is withdrawn or a restriction is granted.
    processing_stopped = models.BooleanField(default=False)
    erased_at = models.DateTimeField(null=True, blank=True, help_text="Personal fields removed; counts kept.")
    version = models.PositiveIntegerField(default=1, help_text="Raised on every change (offline sync).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["village_id", "head_name_folded", "id"]
        indexes = [models.Index(fields=["village", "head_name_folded"])]

    def __str__(self) -> str:
        return self.head_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.head_name_folded = fold(self.head_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "head_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "head_name_folded"}
        super().save(*args, **kwargs)


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Resident(models.Model):
    """A person of a household (optional detail)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="residents")
    full_name = NFCCharField(_("full name"), max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, blank=True)
    relationship = models.CharField(
        _("relationship to the head"), max_length=12, choices=Relationship.choices, default=Relationship.OTHER
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    processing_stopped = models.BooleanField(default=False)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)


class AppliesTo(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    RESIDENT = "resident", _("Resident")
    BOTH = "both", _("Household or resident")


class AdoptionItem(models.Model):
    """One thing a household or person can reach (VNeID level 2, an e-payment account, …): data, not code."""

    code = models.SlugField(max_length=40, unique=True)
    name = NFCCharField(_("name"), max_length=150)  # Vietnamese: catalogue data
    applies_to = models.CharField(max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class AdoptionStatus(models.Model):
    """The current state: this household (or resident) has reached this item. Deleted when undone."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="adoptions")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="adoptions")
    item = models.ForeignKey(AdoptionItem, on_delete=models.PROTECT, related_name="+")
    reached_on = models.DateField(_("reached on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "item"], condition=Q(resident__isnull=True), name="adoption_household_item"
            ),
            models.UniqueConstraint(
                fields=["resident", "item"], condition=Q(resident__isnull=False), name="adoption_resident_item"
            ),
        ]
        indexes = [models.Index(fields=["item", "household"])]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.item_id}"


class AdoptionEvent(models.Model):
    """Append-only history of ticks and un-ticks: who recorded what, when, and what it undid."""

    class Action(models.TextChoices):
        SET = "set", _("Recorded")
        UNSET = "unset", _("Undone")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="adoption_events")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AdoptionItem, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    reached_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True, db_index=True)
    undoes = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.item_id}"


# -- personal data ------------------------------------------------------------------------------------


class ProcessingActivity(models.Model):
    """The register of processing: what is processed, why, on which legal basis, for how long."""

    code = models.SlugField(max_length=40, unique=True)
    name = NFCCharField(max_length=200)
    purpose = models.TextField()
    legal_basis = models.TextField()
    data_categories = models.TextField()
    retention = NFCCharField(max_length=200)
    recipients = models.TextField(blank=True)
    notice_version = models.CharField(max_length=20, default="1.0")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ConsentMethod(models.TextChoices):
    PAPER = "paper", _("Signed paper form")
    VERBAL = "verbal", _("Verbal, witnessed by a team member")
    ELECTRONIC = "electronic", _("Electronic (message or app)")


class Consent(models.Model):
    """A household's (or resident's) consent: who gave it, when, how, to which notice; and its withdrawal."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="consents")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="consents")
    activity = models.ForeignKey(ProcessingActivity, on_delete=models.PROTECT, related_name="+")
    given_by = NFCCharField(_("given by"), max_length=150)
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(_("how"), max_length=12, choices=ConsentMethod.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    evidence = NFCCharField(_("evidence"), max_length=255, blank=True, help_text="e.g. form number, message id")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-given_at", "-id"]

    def __str__(self) -> str:
        return f"{self.given_by} {self.given_at:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access to their data")
    CORRECT = "correct", _("Correction")
    DELETE = "delete", _("Deletion")
    RESTRICT = "restrict", _("Restriction of processing")
    OBJECT = "object", _("Objection to processing")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EXTENDED = "extended", _("Extended")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused with reasons")


class DataSubjectRequest(models.Model):
    """A person's request about their data, with the deadlines the law sets."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    resident = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("request"), max_length=10, choices=RequestKind.choices)
    requester = NFCCharField(_("requester"), max_length=150)
    contact = NFCCharField(_("contact"), max_length=150, blank=True)
    details = models.TextField(_("details"), blank=True)
    received_on = models.DateField(_("received on"))
    acknowledge_due = models.DateField()
    due = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    extended_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    outcome = models.TextField(_("outcome"), blank=True)
    # An access request, once completed: what was handed to the person (the export), kept with the request.
    export = models.JSONField(null=True, blank=True, editable=False)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.requester}"

    @property
    def is_open(self) -> bool:
        return self.status not in (RequestStatus.COMPLETED, RequestStatus.REFUSED)
