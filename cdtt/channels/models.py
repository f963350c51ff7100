"""Chat channels (the Zalo Official Account): linked members, inbound events, outbound messages, the token.

Zalo's IDs are kept as strings (they exceed 2^53). The platform stays the system of record: a chat command
becomes ordinary activity records or a difficulty, made by the linked member through the usual services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ZaloLink(models.Model):
    """This Zalo user (their per-OA id) is this member."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zalo_link")
    zalo_user_id = models.CharField(max_length=40, unique=True)
    linked_at = models.DateTimeField(default=timezone.now)
    # The last message, follow or button press: consultation messages are allowed for 7 days after it.
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    following = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("Zalo link")

    def __str__(self) -> str:
        return f"{self.user_id} ↔ {self.zalo_user_id}"


class ZaloLinkCode(models.Model):
    """A one-time code a member sends to the OA to link their Zalo account (only its hash is kept)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.user_id}"


class EventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DONE = "done", _("Handled")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class ZaloEvent(models.Model):
    """One webhook delivery; ``key`` (the message id, else a hash of the body) makes a redelivery a no-op."""

    key = models.CharField(max_length=80, unique=True)
    event_name = models.CharField(max_length=60)
    sender_id = models.CharField(max_length=40, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["-received_at"], name="zalo_event_received")]

    def __str__(self) -> str:
        return f"{self.event_name} {self.key}"


class ChatCommand(models.Model):
    """What an accepted chat command made (so ``huy`` can take it back)."""

    event = models.OneToOneField(ZaloEvent, on_delete=models.CASCADE, related_name="command")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    activity_ids = models.JSONField(default=list, blank=True)
    difficulty = models.ForeignKey(
        "difficulties.Difficulty", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    LEFT = "left", _("Left in the platform")
    FAILED = "failed", _("Failed")


class MessageMode(models.TextChoices):
    CONSULTATION = "cs", _("Consultation message")
    TEMPLATE = "template", _("Template message by phone")


class ZaloMessage(models.Model):
    """A message to a Zalo user: a reply to a command or a platform notice passed on."""

    link = models.ForeignKey(ZaloLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    zalo_user_id = models.CharField(max_length=40)
    # A notice passed on (at most once); a reply has none.
    notification = models.OneToOneField(
        "notices.Notification", null=True, blank=True, on_delete=models.CASCADE, related_name="zalo_message"
    )
    text = models.TextField()
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    mode = models.CharField(max_length=10, choices=MessageMode.choices, blank=True)
    zalo_message_id = models.CharField(max_length=60, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="zalo_message_due")]

    def __str__(self) -> str:
        return f"{self.status} → {self.zalo_user_id}"


class ZaloToken(models.Model):
    """The OA's token pair (one row), encrypted at rest; the refresh token is single-use and rotates."""

    access_token = models.TextField(blank=True)  # Fernet ciphertext
    refresh_token = models.TextField(blank=True)  # Fernet ciphertext
    expires_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return "Zalo OA token"
