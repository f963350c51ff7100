"""Teams, their members with dated memberships, establishment decisions, and chat groups."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cdtt.core.fields import NFCCharField
from cdtt.core.text import fold


class TeamStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


OPEN_STATUSES = (TeamStatus.PROPOSED, TeamStatus.ACTIVE)


class Team(models.Model):
    """A Community Digital Technology Team of one village, or the commune-level team (village empty)."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="teams")
    village = models.ForeignKey("geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="teams")
    name = NFCCharField(_("name"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=TeamStatus.choices, default=TeamStatus.PROPOSED)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["commune_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(village__isnull=False, status__in=["proposed", "active"]),
                name="team_one_open_per_village",
            ),
            models.UniqueConstraint(
                fields=["commune"],
                condition=Q(village__isnull=True, status__in=["proposed", "active"]),
                name="team_one_open_commune_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class Organisation(models.TextChoices):
    YOUTH_UNION = "youth_union", _("Youth Union")
    WOMENS_UNION = "womens_union", _("Women's Union")
    VETERANS = "veterans", _("Veterans' Association")
    OTHER = "other", _("Other")


class Member(models.Model):
    """A person who serves on teams. Their memberships carry the dates and roles."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    full_name = NFCCharField(_("full name"), max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True, db_index=True)
    organisation = models.CharField(
        _("organisation"), max_length=16, choices=Organisation.choices, default=Organisation.OTHER
    )
    occupation = NFCCharField(_("occupation"), max_length=150, blank=True)
    is_village_head = models.BooleanField(_("village head"), default=False)
    publish_phone = models.BooleanField(_("agrees to publish the phone"), default=False)
    publish_phone_at = models.DateTimeField(null=True, blank=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="team_member"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name_folded", "id"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(self.full_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Team leader (tổ trưởng)")
    DEPUTY = "deputy", _("Deputy leader (tổ phó)")
    MEMBER = "member", _("Member (thành viên)")


ROLE_ORDER: dict[str, int] = {MemberRole.LEADER: 0, MemberRole.DEPUTY: 1, MemberRole.MEMBER: 2}


class MembershipQuerySet(models.QuerySet["Membership"]):
    def on(self, day: datetime.date) -> MembershipQuerySet:
        """Memberships in force on ``day``: joined on or before it and not yet left (left_on is exclusive)."""
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))

    def current(self) -> MembershipQuerySet:
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """One person's time on one team in one role. Never rewritten: leaving sets ``left_on``."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=8, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True, help_text="First day no longer on the team.")
    left_reason = NFCCharField(_("reason for leaving"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "left_on", "role", "member__name_folded"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(left_on__isnull=True), name="membership_one_open_per_person"
            ),
            models.UniqueConstraint(
                fields=["team"], condition=Q(left_on__isnull=True, role="leader"), name="membership_one_leader"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gt=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_role_display()}"


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Superseded")


class SignerTitle(models.TextChoices):
    CHAIRMAN = "chairman", _("Chairman (Chủ tịch)")
    VICE_CHAIRMAN = "vice_chairman", _("Vice-chairman signing for the chairman (KT. Chủ tịch / Phó Chủ tịch)")


def scan_path(instance: Decision, filename: str) -> str:
    return f"decisions/{instance.commune_id}/{instance.pk or 'new'}-signed.pdf"


class Decision(models.Model):
    """The commune chairman's decision establishing a team (or changing its roster)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="decisions")
    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="+")
    number = NFCCharField(_("number"), max_length=50, blank=True, help_text="e.g. 15/QĐ-UBND")
    issued_on = models.DateField(_("date"), null=True, blank=True)
    signer_name = NFCCharField(_("signer"), max_length=150, blank=True)
    signer_title = models.CharField(
        _("signer's title"), max_length=16, choices=SignerTitle.choices, default=SignerTitle.CHAIRMAN
    )
    legal_bases = models.JSONField(_("legal bases"), default=list)
    proposer = NFCCharField(_("at the proposal of"), max_length=255, blank=True)
    recipients = models.JSONField(_("recipients"), default=list)
    members = models.JSONField(default=list, help_text="The roster as listed in this decision (a snapshot).")
    status = models.CharField(_("status"), max_length=12, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    signed_scan = models.FileField(_("signed scan (PDF)"), upload_to=scan_path, blank=True)
    scan_uploaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "number"], condition=~Q(number=""), name="decision_number_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number or str(_("Draft decision"))


class ChatPlatform(models.TextChoices):
    ZALO = "zalo", "Zalo"
    MOCHA = "mocha", "Mocha"
    GAPO = "gapo", "Gapo"
    OTHER = "other", _("Other")


class ChatGroup(models.Model):
    """A village's households group, or (village empty) the commune's common group."""

    commune = models.ForeignKey("geo.AdminUnit", on_delete=models.PROTECT, related_name="chat_groups")
    village = models.OneToOneField(
        "geo.Village", null=True, blank=True, on_delete=models.PROTECT, related_name="chat_group"
    )
    platform = models.CharField(_("platform"), max_length=8, choices=ChatPlatform.choices, default=ChatPlatform.ZALO)
    name = NFCCharField(_("group name"), max_length=200)
    invite_link = models.URLField(_("invite link"), max_length=500, blank=True)
    households_in_group = models.PositiveIntegerField(_("households in the group"), null=True, blank=True)
    households_total = models.PositiveIntegerField(
        _("households in the village"),
        null=True,
        blank=True,
        help_text="The officer's count until the register exists.",
    )
    counted_on = models.DateField(_("counted on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune"], condition=Q(village__isnull=True), name="chat_group_one_commune"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def coverage(self) -> float | None:
        """Households in the group per household of the village, as a percentage."""
        if not self.households_in_group or not self.households_total:
            return None
        return round(100 * self.households_in_group / self.households_total, 1)
