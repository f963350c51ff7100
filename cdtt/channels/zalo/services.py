"""Linking members, handling webhook events and chat commands, passing platform notices on to Zalo.

A chat command is carried out by the linked member through the ordinary services (``activity_record``,
``difficulty_raise``), so the same permissions, checks, audit and progress apply as in the app.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.activities.models import Activity, ActivityKind
from cdtt.activities.services import ActivityIn, activity_record, activity_void
from cdtt.catalog.models import Indicator, Method
from cdtt.channels.models import (
    ChatCommand,
    EventStatus,
    MessageMode,
    MessageStatus,
    ZaloEvent,
    ZaloLink,
    ZaloLinkCode,
    ZaloMessage,
)
from cdtt.channels.zalo import client
from cdtt.channels.zalo.commands import HOUSEHOLDS, MAX_CHAT_AMOUNT, Command, Kind, measure_of, parse
from cdtt.channels.zalo.config import conf, enabled
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError
from cdtt.core.text import fold
from cdtt.difficulties.categories import category_guess
from cdtt.difficulties.services import DifficultyIn, difficulty_raise
from cdtt.notices.models import NoticeKind, Notification
from cdtt.progress.selectors import current_year_period, indicator_figures

if TYPE_CHECKING:
    from cdtt.accounts.models import User

log = logging.getLogger(__name__)

CODE_MINUTES = 15
UNDO_MINUTES = 10
WINDOW = datetime.timedelta(days=7)
BACKOFF = datetime.timedelta(minutes=5)
CLAIM = datetime.timedelta(minutes=10)
SEND_BATCH = 100
NOTICE_MAX_AGE = datetime.timedelta(days=3)  # older notices stay in the platform only
# The notices passed on to Zalo; the others are read in the platform.
FORWARDED = (
    NoticeKind.REPORT_DUE,
    NoticeKind.REPORT_RETURNED,
    NoticeKind.REPORT_APPROVED,
    NoticeKind.DIFFICULTY_ANSWERED,
    NoticeKind.TARGET_ASSIGNED,
)
UUID_NAMESPACE = uuid.UUID("6f0c3f52-2b1e-4e55-9c53-7d0a5b1f2a10")
USER_EVENTS = ("user_send_text", "follow", "unfollow")


def _hash(code: str) -> str:
    return hashlib.sha256(f"zalo-link|{code}".encode()).hexdigest()


# -- linking --------------------------------------------------------------------------------------


def link_code_create(*, actor: User, now: datetime.datetime | None = None) -> str:
    """A new one-time code for the actor (their earlier unused codes stop working)."""
    scope_for(actor).require(Perm.READ_NOTICES)
    now = now or timezone.now()
    with transaction.atomic():
        ZaloLinkCode.objects.filter(user=actor, used_at__isnull=True).update(used_at=now)
        for _attempt in range(5):
            code = f"{secrets.randbelow(10**6):06d}"
            if not ZaloLinkCode.objects.filter(code_hash=_hash(code)).exists():
                break
        ZaloLinkCode.objects.create(
            user=actor, code_hash=_hash(code), created_at=now, expires_at=now + datetime.timedelta(minutes=CODE_MINUTES)
        )
        audit_record(actor=actor, action="zalo.link_code", target=actor)
    return code


def link_get(*, user: Any) -> ZaloLink | None:
    return ZaloLink.objects.filter(user=user).first()


def link_remove(*, actor: User) -> bool:
    """Unlink the actor's Zalo account (from the platform); whether there was one."""
    with transaction.atomic():
        deleted, _rows = ZaloLink.objects.filter(user=actor).delete()
        if deleted:
            audit_record(actor=actor, action="zalo.unlink", target=actor, side="platform")
    return bool(deleted)


def _link_with_code(zalo_user_id: str, code: str, now: datetime.datetime) -> str:
    with transaction.atomic():
        found = (
            ZaloLinkCode.objects.select_for_update()
            .select_related("user")
            .filter(code_hash=_hash(code), used_at__isnull=True, expires_at__gt=now)
            .first()
        )
        if found is None or not found.user.is_active:
            return _("This code is not valid or has expired. Ask for a new code on your profile page in the platform.")
        other = ZaloLink.objects.filter(zalo_user_id=zalo_user_id).exclude(user=found.user).first()
        if other is not None:
            return _("This Zalo account is already linked to another member. Send “huy lien ket” first.")
        found.used_at = now
        found.save(update_fields=["used_at"])
        ZaloLink.objects.update_or_create(
            user=found.user,
            defaults={"zalo_user_id": zalo_user_id, "linked_at": now, "last_interaction_at": now, "following": True},
        )
        audit_record(actor=found.user, action="zalo.link", target=found.user)
        name = found.user.full_name or found.user.username
    return _("Linked: this Zalo account is now %(name)s in the platform.") % {"name": name} + "\n\n" + help_text()


# -- the webhook ---------------------------------------------------------------------------------


def event_key(payload: dict[str, Any], raw_body: bytes) -> str:
    """The message id when there is one (a redelivery has the same), else a hash of the exact body."""
    message = payload.get("message")
    msg_id = message.get("msg_id") if isinstance(message, dict) else None
    if isinstance(msg_id, str) and msg_id:
        return f"msg:{msg_id}"[:80]
    return "body:" + hashlib.sha256(raw_body).hexdigest()


def _sender(payload: dict[str, Any]) -> str:
    """The user's per-OA id: ``follower.id`` for follow/unfollow, ``sender.id`` for their messages."""
    for field in ("follower", "sender"):
        value = payload.get(field)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return str(value["id"])[:40]
    return ""


# How far an event's own timestamp may be from our clock. Zalo delivers within seconds and retries a failed
# delivery for a few minutes; fifteen minutes covers those and a worker restart. A correctly signed event
# older than that is a replay (or a redelivery so late that it would record an activity in the wrong day or
# month), so it is refused; events with a msg_id are also refused for ever by their key (event_key).
# Two minutes ahead allow for clock skew between Zalo's servers and ours.
EVENT_MAX_AGE = datetime.timedelta(minutes=15)
EVENT_MAX_AHEAD = datetime.timedelta(minutes=2)


def event_fresh(*, timestamp: str, now: datetime.datetime | None = None) -> bool:
    """Whether Zalo's millisecond ``timestamp`` is inside the accepted window around ``now``."""
    if not timestamp.isdigit() or len(timestamp) > 15:
        return False
    now = now or timezone.now()
    sent = datetime.datetime.fromtimestamp(int(timestamp) / 1000, tz=datetime.UTC)
    return now - EVENT_MAX_AGE <= sent <= now + EVENT_MAX_AHEAD


def event_receive(*, payload: dict[str, Any], raw_body: bytes) -> ZaloEvent | None:
    """Keep a verified event; None when it was received before (Zalo retries and redelivers)."""
    key = event_key(payload, raw_body)
    try:
        with transaction.atomic():
            return ZaloEvent.objects.create(
                key=key,
                event_name=str(payload.get("event_name", ""))[:60],
                sender_id=_sender(payload),
                payload=payload,
            )
    except IntegrityError:
        return None


def event_handle(*, event_id: int, now: datetime.datetime | None = None) -> None:
    """Carry out one received event (run in the background); a second run does nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        event = ZaloEvent.objects.select_for_update().filter(pk=event_id, status=EventStatus.RECEIVED).first()
        if event is None:
            return
        if event.event_name not in USER_EVENTS or not event.sender_id:
            event.status, event.handled_at = EventStatus.IGNORED, now
            event.save(update_fields=["status", "handled_at"])
            return
        event.status, event.handled_at = EventStatus.DONE, now
        event.save(update_fields=["status", "handled_at"])
    try:
        with translation.override(settings.LANGUAGE_CODE):
            reply = _handle(event, now)
    except Exception as exc:
        log.exception("zalo: event %s failed", event.pk)
        ZaloEvent.objects.filter(pk=event.pk).update(status=EventStatus.FAILED, error=repr(exc)[:1000])
        return
    if reply:
        reply_send(zalo_user_id=event.sender_id, text=reply)


def _handle(event: ZaloEvent, now: datetime.datetime) -> str:
    link = ZaloLink.objects.select_related("user").filter(zalo_user_id=event.sender_id).first()
    if link is not None:
        link.last_interaction_at = now
        link.following = event.event_name != "unfollow"
        link.save(update_fields=["last_interaction_at", "following"])
    if event.event_name == "unfollow":
        return ""
    if event.event_name == "follow":
        return help_text() if link is not None else how_to_link()
    message = event.payload.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str):
        return ""
    command = parse(text, vocabulary())
    if command.kind == Kind.LINK:
        return _link_with_code(event.sender_id, command.code, now)
    if link is None or not link.user.is_active:
        return how_to_link()
    if command.kind == Kind.UNLINK:
        ZaloLink.objects.filter(pk=link.pk).delete()
        audit_record(actor=link.user, action="zalo.unlink", target=link.user, side="zalo")
        return _("Unlinked. This Zalo account no longer reports for you; link it again from your profile page.")
    return _carry_out(link, event, command, now)


# -- commands -------------------------------------------------------------------------------------


def vocabulary() -> dict[str, list[Indicator]]:
    """Folded words (codes and aliases) of the active indicators a chat report can count."""
    words: dict[str, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(is_active=True, method=Method.ACTIVITY_REACH).select_related("platform"):
        names = {fold(indicator.code.replace("_", " ")), fold(indicator.code)}
        names |= {fold(str(alias)) for alias in indicator.aliases or [] if str(alias).strip()}
        for name in names:
            words.setdefault(name, []).append(indicator)
    return words


def help_text() -> str:
    aliases = Indicator.objects.filter(is_active=True, method=Method.ACTIVITY_REACH).values_list("aliases", flat=True)
    words = sorted({fold(str(word)) for found in aliases for word in found or []})
    return _(
        "Send a short report:\n"
        "• bc vneid 5 — 5 people guided on VNeID\n"
        "• bc thanh toan 3 ho — 3 households guided on e-payment (nguoi or ho when a word counts both)\n"
        "• tuyen truyen 40 nguoi hop — propaganda to 40 people at a meeting (hop, loa, nhom, tan nha)\n"
        "• kho khan: ... — raise a difficulty to the commune\n"
        "• tien do — your progress\n"
        "• huy — undo your last report (within 10 minutes)\n"
        "• huy lien ket — unlink this Zalo account\n"
        "Report words: %(words)s"
    ) % {"words": ", ".join(words) or "—"}


def how_to_link() -> str:
    return _(
        "This Zalo account is not linked to the platform yet. Sign in to the platform, open “My account” → "
        "“Zalo”, ask for a code and send the 6 digits here."
    )


def _village(user: Any) -> Any:
    villages = list(scope_for(user).villages(Perm.RECORD_ACTIVITIES).filter(valid_to__isnull=True)[:2])
    return villages[0] if len(villages) == 1 else None


def _carry_out(link: ZaloLink, event: ZaloEvent, command: Command, now: datetime.datetime) -> str:
    user = link.user
    if command.kind == Kind.HELP or command.kind == Kind.UNKNOWN:
        prefix = "" if command.kind == Kind.HELP else _("I did not understand that; nothing was recorded.") + "\n\n"
        return prefix + help_text()
    if command.kind == Kind.PROGRESS:
        return progress_text(user)
    if command.kind == Kind.UNDO:
        return _undo(user, now)
    if command.kind == Kind.QUESTION:
        return _question(command)
    if command.kind == Kind.REFUSED:
        return _refusal(command)
    if command.kind == Kind.DIFFICULTY:
        return _difficulty(user, event, command, now)
    return _report(user, event, command, now)


def _question(command: Command) -> str:
    nothing = _("Nothing was recorded.")
    if command.problem == "no_description":
        return _("What is the difficulty? Send for example: kho khan: mat song o thon 3.") + " " + nothing
    if command.problem == "no_number":
        return _("How many people? Send for example: bc %(word)s 5.") % {"word": command.words} + " " + nothing
    if command.problem == "several_numbers":
        return _("Send one number per report, for example: bc vneid 5.") + " " + nothing
    if command.problem == "ambiguous":
        names = "; ".join(i.name for i in command.choices)
        return _("“%(word)s” can mean several indicators: %(names)s. Use the indicator's code.") % {
            "word": command.words,
            "names": names,
        } + (" " + nothing)
    if command.problem == "unit":
        return _("%(n)s people or %(n)s households? Send again, for example: bc %(word)s %(n)s nguoi.") % {
            "n": command.amount,
            "word": command.words,
        } + (" " + nothing)
    if command.problem == "people":
        return _(
            "“%(name)s” counts households. How many households were reached? Send for example: bc %(code)s 5 ho."
        ) % {"name": command.indicator.name, "code": command.indicator.code} + (" " + nothing)
    if command.problem == "households":
        return _(
            "Chat reports count people. How many people were guided in those %(n)s households? "
            "Send for example: bc %(code)s 5 nguoi."
        ) % {"n": command.amount, "code": command.indicator.code} + (" " + nothing)
    if command.problem == "extra_words":
        return _("I did not understand “%(words)s”. Send for example: bc vneid 5 nguoi.") % {"words": command.words} + (
            " " + nothing
        )
    return (
        _("I do not know the report word “%(word)s”.") % {"word": command.words} + " " + nothing + "\n\n" + help_text()
    )


def _refusal(command: Command) -> str:
    if command.problem == "too_long":
        return _("The message is too long (at most 2,000 characters). Nothing was recorded.")
    if command.problem == "not_positive":
        return _("The number must be at least 1. Nothing was recorded.")
    if measure_of(command.indicator) == HOUSEHOLDS:
        return _(
            "%(n)s households in one chat report is too many (at most %(max)s). If it is right, record it in the "
            "app. Nothing was recorded."
        ) % {"n": command.amount, "max": MAX_CHAT_AMOUNT}
    return _(
        "%(n)s people in one chat report is too many (at most %(max)s). If it is right, record it in the app. "
        "Nothing was recorded."
    ) % {"n": command.amount, "max": MAX_CHAT_AMOUNT}


def _report(user: Any, event: ZaloEvent, command: Command, now: datetime.datetime) -> str:
    indicator: Indicator = command.indicator
    kinds = [k for k in indicator.activity_kinds if k != ActivityKind.GUIDANCE]
    if not kinds:
        return _("“%(name)s” is recorded per household in the app, not by chat.") % {"name": indicator.name}
    kind = kinds[0]
    if kind == ActivityKind.PROPAGANDA and not command.channel:
        return _(
            "How was the propaganda done? Send again with one of: hop, loa, nhom, tan nha — for example: "
            "tuyen truyen %(n)s nguoi hop. Nothing was recorded."
        ) % {"n": command.amount}
    village = _village(user)
    if village is None:
        return _("Chat reports are for members of one village team. Record it in the app. Nothing was recorded.")
    households = measure_of(indicator) == HOUSEHOLDS
    data = ActivityIn(
        kind=kind,
        occurred_on=timezone.localdate(now),
        uuid=uuid.uuid5(UUID_NAMESPACE, f"zalo:{event.key}"),
        village_id=village.pk,
        platform_id=indicator.platform_id,
        channel=command.channel,
        people_reached=0 if households else command.amount,
        households_reached=command.amount if households else 0,
        note=_("Reported by Zalo: %(text)s") % {"text": _text_of(event)},
    )
    try:
        activity, _new = activity_record(actor=user, data=data)
    except DomainError as exc:
        return exc.message + " " + _("Nothing was recorded.")
    ChatCommand.objects.get_or_create(
        event=event, defaults={"user": user, "text": _text_of(event), "activity_ids": [activity.pk], "created_at": now}
    )
    if households:
        recorded = _("Recorded: %(name)s — %(n)s households, %(village)s, %(day)s.")
    else:
        recorded = _("Recorded: %(name)s — %(n)s people, %(village)s, %(day)s.")
    recorded = recorded % {
        "name": indicator.name,
        "n": command.amount,
        "village": village.name,
        "day": f"{activity.occurred_on:%d/%m/%Y}",
    }
    return recorded + "\n" + progress_line(village, indicator) + "\n" + _("Send “huy” within 10 minutes to undo.")


def _text_of(event: ZaloEvent) -> str:
    message = event.payload.get("message")
    return str(message.get("text", ""))[:500] if isinstance(message, dict) else ""


def _difficulty(user: Any, event: ZaloEvent, command: Command, now: datetime.datetime) -> str:
    existing = ChatCommand.objects.filter(event=event).select_related("difficulty").first()
    if existing is not None and existing.difficulty is not None:
        return _("Difficulty already raised.")
    try:
        difficulty = difficulty_raise(
            actor=user, data=DifficultyIn(category=category_guess(command.text), description=command.text), now=now
        )
    except DomainError as exc:
        return exc.message + " " + _("Nothing was recorded.")
    ChatCommand.objects.create(event=event, user=user, text=_text_of(event), difficulty=difficulty, created_at=now)
    return _(
        "Difficulty raised to %(unit)s: “%(title)s”. Category: %(category)s (%(unit)s can change it). You will "
        "get their answer here. A difficulty cannot be withdrawn by chat; resolve it in the platform if it is no "
        "longer needed."
    ) % {"unit": difficulty.handler_unit.name, "title": difficulty.title, "category": difficulty.get_category_display()}


def _undo(user: Any, now: datetime.datetime) -> str:
    last = ChatCommand.objects.filter(user=user, undone_at__isnull=True).order_by("-created_at", "-id").first()
    if last is None or now - last.created_at > datetime.timedelta(minutes=UNDO_MINUTES):
        return _("There is no report from the last 10 minutes to undo. Void older records in the app.")
    if last.difficulty_id is not None:
        return _("A difficulty cannot be withdrawn by chat; resolve it in the platform if it is no longer needed.")
    voided = 0
    with transaction.atomic():
        for activity in Activity.objects.filter(pk__in=last.activity_ids, voided_at__isnull=True):
            try:
                activity_void(actor=user, activity=activity, reason=_("Undone by chat (huy)"))
            except DomainError as exc:
                return exc.message
            voided += 1
        last.undone_at = now
        last.save(update_fields=["undone_at"])
    return _("Undone: “%(text)s” no longer counts.") % {"text": last.text}


def progress_line(village: Any, indicator: Indicator) -> str:
    found = indicator_figures(village, current_year_period(), [indicator], rank=False)
    figure = found[0] if found else None
    achieved = int(figure.achieved) if figure else 0
    if figure is None or figure.target is None:
        return _("%(village)s this year: %(n)s (no target set).") % {"village": village.name, "n": achieved}
    return _("%(village)s this year: %(n)s of %(target)s (%(percent)s%%).") % {
        "village": village.name,
        "n": achieved,
        "target": int(figure.target),
        "percent": _percent(figure.percent),
    }


def _percent(value: float | None) -> str:
    return f"{value or 0:.1f}".replace(".", ",")  # Vietnamese decimal comma


def progress_text(user: Any) -> str:
    village = _village(user)
    if village is None:
        return _("Progress by chat is for members of one village team; see the platform.")
    found = [
        f for f in indicator_figures(village, current_year_period(), rank=False) if f.target is not None or f.achieved
    ]
    if not found:
        return _("%(village)s: nothing recorded and no target set this year yet.") % {"village": village.name}
    lines = [_("Progress of %(village)s this year:") % {"village": village.name}]
    for figure in found[:8]:
        if figure.target is None:
            lines.append(f"• {figure.indicator.name}: {int(figure.achieved)}")
        else:
            share = _percent(figure.percent)
            lines.append(f"• {figure.indicator.name}: {int(figure.achieved)}/{int(figure.target)} ({share}%)")
    return "\n".join(lines)


# -- sending ---------------------------------------------------------------------------------------


def reply_send(*, zalo_user_id: str, text: str) -> ZaloMessage:
    """Answer a user who just wrote (inside the 7-day window by definition); failures are recorded."""
    message = ZaloMessage.objects.create(
        link=ZaloLink.objects.filter(zalo_user_id=zalo_user_id).first(), zalo_user_id=zalo_user_id, text=text[:2000]
    )
    _attempt_cs(message, timezone.now(), fallback=False)
    return message


def _record(message: ZaloMessage, status: str, *, code: int | None = None, error: str = "", **extra: Any) -> None:
    message.status = status
    message.next_attempt_at = None
    message.error_code = code
    message.error = error[:1000]
    message.attempts += 1
    for name, value in extra.items():
        setattr(message, name, value)
    message.save()


def _attempt_cs(message: ZaloMessage, now: datetime.datetime, *, fallback: bool = True) -> str:
    """One consultation send; returns the outcome: "sent", "window" (when there is a ``fallback``),
    "backoff" or "failed"."""
    try:
        message_id = client.send_text(user_id=message.zalo_user_id, text=message.text)
    except client.ZaloError as exc:
        if exc.code in client.WINDOW_ERRORS and fallback:
            return "window"
        if exc.code == client.RATE_LIMITED:
            _record(message, MessageStatus.PENDING, code=exc.code, error=exc.message, next_attempt_at=now + BACKOFF)
            return "backoff"
        _record(message, MessageStatus.FAILED, code=exc.code, error=exc.message)
        return "failed"
    _record(message, MessageStatus.SENT, mode=MessageMode.CONSULTATION, zalo_message_id=message_id, sent_at=now)
    return "sent"


def _phone_84(phone: str) -> str:
    return "84" + phone[1:] if phone.startswith("0") else phone.lstrip("+")


def _attempt_template(message: ZaloMessage, now: datetime.datetime) -> None:
    template = conf().get("TEMPLATE_ID")
    phone = getattr(message.link.user, "phone", "") if message.link else ""
    if not template or not phone:
        _record(message, MessageStatus.LEFT, error=_("Outside the 7-day window and no template: left in the platform."))
        return
    notice = message.notification
    try:
        message_id = client.send_template(
            phone=_phone_84(phone),
            template_id=str(template),
            data={"title": notice.title if notice else message.text[:100], "content": message.text[:400]},
            tracking_id=f"notice-{notice.pk}" if notice else f"message-{message.pk}",
        )
    except client.ZaloError as exc:
        if exc.code == client.RATE_LIMITED:
            _record(message, MessageStatus.PENDING, code=exc.code, error=exc.message, next_attempt_at=now + BACKOFF)
            return
        _record(message, MessageStatus.FAILED, code=exc.code, error=exc.message)
        return
    _record(message, MessageStatus.SENT, mode=MessageMode.TEMPLATE, zalo_message_id=message_id, sent_at=now)


def notice_text(notice: Notification) -> str:
    parts = [notice.title]
    if notice.body:
        parts.append(notice.body[:1200])
    return "\n".join(parts)


def notices_send(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Pass new notices of linked members on to Zalo; each notice at most once. Counts by outcome."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    if not enabled():
        return counts
    links = {link.user_id: link for link in ZaloLink.objects.select_related("user")}
    if links:
        fresh = Notification.objects.filter(
            kind__in=FORWARDED,
            recipient_id__in=list(links),
            created_at__gte=now - NOTICE_MAX_AGE,
            zalo_message__isnull=True,
        ).order_by("created_at", "id")[:SEND_BATCH]
        for notice in fresh:
            link = links[notice.recipient_id]
            if notice.created_at < link.linked_at:
                continue  # what came before the link stays in the platform
            try:
                with transaction.atomic():
                    ZaloMessage.objects.create(
                        link=link, zalo_user_id=link.zalo_user_id, notification=notice, text=notice_text(notice)[:2000]
                    )
            except IntegrityError:
                continue  # another worker made it
    ready = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    due = ZaloMessage.objects.filter(ready, status=MessageStatus.PENDING, notification__isnull=False)
    for message in due.select_related("link__user", "notification").order_by("created_at", "id")[:SEND_BATCH]:
        # Claim it: of two workers that both picked it, one updates the row and sends; the other skips it.
        # A worker that dies after the claim leaves it to be tried again once the claim lapses.
        claim = now + CLAIM
        if not ZaloMessage.objects.filter(ready, pk=message.pk, status=MessageStatus.PENDING).update(
            next_attempt_at=claim
        ):
            continue
        message.next_attempt_at = claim
        outcome = _deliver(message, now)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "backoff":
            break  # Zalo asked us to slow down: the rest waits for the next run
    return counts


def _deliver(message: ZaloMessage, now: datetime.datetime) -> str:
    link = message.link
    in_window = link is not None and link.last_interaction_at is not None and now - link.last_interaction_at < WINDOW
    if in_window:
        outcome = _attempt_cs(message, now)
        if outcome != "window":
            return outcome
    _attempt_template(message, now)
    return str(message.status)
