"""The Zalo webhook, the member's linking page and the officers' channel health page."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cdtt.access.decorators import SignedInRequest, public, requires
from cdtt.access.permissions import Perm
from cdtt.channels import selectors
from cdtt.channels.tasks import zalo_event_handle
from cdtt.channels.zalo import services
from cdtt.channels.zalo.config import conf, enabled, signature_secret
from cdtt.channels.zalo.signature import verify
from cdtt.core.middleware import keeps_raw_body

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Zalo's events are a few kilobytes; a megabyte is not a chat message


def _refuse(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


@keeps_raw_body  # the signature is over the exact bytes Zalo sent
@public("Zalo's servers call it; every request must carry a valid X-ZEvent-Signature over its exact body")
@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Verify, keep, queue, answer 200 at once; the work happens in the background task."""
    if not enabled():
        return _refuse(404, "channel not configured")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length >= MAX_BODY:
        return _refuse(413, "body too large")
    raw = request.body
    if len(raw) >= MAX_BODY:
        return _refuse(413, "body too large")
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _refuse(400, "body is not JSON")
    if not isinstance(payload, dict):
        return _refuse(400, "body is not a JSON object")
    app_id = payload.get("app_id")
    timestamp = payload.get("timestamp") or request.headers.get("X-ZEvent-Timestamp", "")
    if not isinstance(app_id, str) or not isinstance(timestamp, str):
        return _refuse(400, "app_id and timestamp must be strings")
    header = request.headers.get("X-ZEvent-Signature", "")
    if not verify(header=header, app_id=app_id, raw_body=raw, timestamp=timestamp, secret=signature_secret()):
        log.warning("zalo: webhook with a bad or missing signature refused")
        return _refuse(401, "bad signature")
    # The signature only proves the sender knows our secret; the event must also be for our app (one OA secret
    # may serve several apps) and fresh (a captured, correctly signed event must not be replayed days later).
    if app_id != str(conf().get("APP_ID", "")):
        log.warning("zalo: webhook for another app_id refused")
        return _refuse(403, "foreign app_id")
    if not services.event_fresh(timestamp=timestamp):
        log.warning("zalo: webhook outside the time window refused (timestamp %s)", timestamp[:20])
        return _refuse(400, "event outside the time window")
    event = services.event_receive(payload=payload, raw_body=raw)
    if event is None:
        return JsonResponse({"status": "duplicate"})
    transaction.on_commit(lambda: zalo_event_handle.enqueue(event.pk))
    return JsonResponse({"status": "queued"})


@requires(Perm.READ_NOTICES)
def link_page(request: SignedInRequest) -> HttpResponse:
    """The member's Zalo link: ask for a one-time code, see the link, unlink."""
    code = request.session.pop("zalo_code", None)
    return render(
        request,
        "channels/link.html",
        {
            "link": services.link_get(user=request.user),
            "code": code,
            "enabled": enabled(),
            "minutes": services.CODE_MINUTES,
        },
    )


@requires(Perm.READ_NOTICES)
@require_POST
def link_code(request: SignedInRequest) -> HttpResponse:
    if not enabled():
        messages.error(request, _("The Zalo channel is not configured on this platform."))
        return redirect(reverse("channels:link"))
    request.session["zalo_code"] = services.link_code_create(actor=request.user)
    return redirect(reverse("channels:link"))


@requires(Perm.READ_NOTICES)
@require_POST
def unlink(request: SignedInRequest) -> HttpResponse:
    if services.link_remove(actor=request.user):
        messages.success(request, _("Your Zalo account was unlinked."))
    return redirect(reverse("channels:link"))


@requires(Perm.MANAGE_CHANNELS)
def health(request: SignedInRequest) -> HttpResponse:
    """The channel's health: configured or not, last webhook, last send, recent errors, the token."""
    return render(request, "channels/health.html", {"health": selectors.channel_health(user=request.user)})
