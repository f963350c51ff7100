"""The members' phone app (an installable PWA): the shell page, its service worker and its manifest.

The shell holds no personal data: households, the catalogue, the guides and the queue of unsent records
live in the phone's IndexedDB, filled by ``/api/v1/sync/pull`` and emptied by ``/api/v1/sync/push``. Guide
files are served inside the app's scope (``guide_file``) so that the service worker can keep the small ones
for reading offline.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cdtt.access.decorators import SignedInRequest, public, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errors import NotFound
from cdtt.core.files import user_file_response
from cdtt.training.services import material_get

SW_VERSION = "cdtt-app-5"  # bump when app.js or app.css changes: phones fetch them again
GUIDES_CACHE = "cdtt-guides"
# Guide files the phone keeps for offline reading: each at most 5 MB, together at most 30 MB (in the order
# the app lists them); bigger ones, and links, need the network.
GUIDE_FILE_MAX_BYTES = 5 * 1024 * 1024
GUIDE_CACHE_MAX_BYTES = 30 * 1024 * 1024


@requires(Perm.RECORD_ACTIVITIES)
def app_shell(request: SignedInRequest) -> HttpResponse:
    """The app: works offline once opened; records wait on the phone until the network returns.

    The shell names nobody (no user, villages or CSRF token): the service worker serves it from its cache
    first, to whoever uses the phone next. Who is signed in comes from ``session``."""
    return render(request, "mobile/app.html", {"strings": _strings()})


@requires(Perm.RECORD_ACTIVITIES)
@never_cache
def session(request: SignedInRequest) -> JsonResponse:
    """Who is signed in on this browser now, with what the app needs from the session: the phone's data
    belongs to this user (another user's is sent or shown first, then cleared)."""
    user: Any = request.user
    villages = list(scope_for(user).villages(Perm.RECORD_ACTIVITIES).values("pk", "name")[:20])
    return JsonResponse(
        {
            "user": user.pk,
            "username": user.username,
            "name": user.full_name or user.username,
            "csrf": get_token(request),
            "villages": [{"id": v["pk"], "name": v["name"]} for v in villages],
        }
    )


def _strings() -> dict[str, str]:
    """The words the app's script shows, in the user's language."""
    return {
        "offline": _("Offline: records wait on this phone."),
        "online": _("Online."),
        "waiting": _("waiting"),
        "sent": _("sent"),
        "conflict": _("conflict"),
        "refused": _("refused"),
        "saved": _("Saved on this phone: %s. It is sent when the network is there."),
        "synced": _("Synced at %s."),
        "pending": _("%s records waiting to send."),
        "revoked": _("This phone was cut off by an officer; its records stay here."),
        "retry": _("Send again"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this record? It will never be sent."),
        "no_households": _("No household yet: sync when online."),
        "people": _("people"),
        "households": _("households"),
        "reach_needed": _("Enter how many people or households were reached."),
        "no_guides": _("No guide yet: sync when online."),
        "needs_network": _("Needs the network to open"),
        "kept_offline": _("Kept on this phone"),
        "version": _("version"),
        "link": _("Link"),
        "saved_button": _("Saved ✓"),
        "reached_already": _("Already reached"),
        "reached_by": _("Reached: %s"),
        "nothing_reached": _("Nothing reached yet"),
        "sign_in_again": _("Sign in again"),
        "revoked_keep": _(
            "This phone was cut off by an officer. The records waiting stay here: sign in again and they are sent."
        ),
        "signed_out": _("Signed out: nothing of the work is kept on this phone. Sign in when online."),
        "sign_in": _("Sign in"),
        "signed_out_waiting": _(
            "Signed out. %s records wait on this phone, without the households, until their author signs in again."
        ),
        "offline_unknown": _("Offline. Sign in when the network is there."),
        "handover": _(
            "%(n)s records made by %(name)s on this phone could not be sent. They are sent only when %(name)s "
            "signs in here again."
        ),
        "handover_back": _("Sign out so that %s signs in"),
        "handover_discard": _("Discard them and continue"),
        "handover_confirm": _("Discard the records of %s? They will never be sent."),
        "signout_waiting": _(
            "%s records are not sent yet. Signing out discards them: connect to the network to send them first."
        ),
        "signout_confirm": _("Sign out and discard the records not sent?"),
        "signing_out": _("Sending what is waiting, then clearing this phone…"),
        "device_named": _("This phone's name was saved."),
        "device_name_offline": _("Needs the network to rename this phone."),
        "me": _("Signed in as %s"),
    }


@public("The service worker script holds no data: it caches the app's own static files.")
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    assets = [static("cdtt/mobile/app.js"), static("cdtt/app.css"), static("cdtt/icon.svg"), "/app/"]
    context = {
        "assets": json.dumps(assets),
        "version": SW_VERSION,
        "guides_cache": GUIDES_CACHE,
        "guides_path": "/app/huong-dan/",
        "file_max": GUIDE_FILE_MAX_BYTES,
        "total_max": GUIDE_CACHE_MAX_BYTES,
    }
    body = render(request, "mobile/sw.js", context).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/app/"
    return response


@requires(Perm.VIEW_TRAINING)
def guide_file(request: SignedInRequest, material_id: int) -> HttpResponseBase:
    """A guide's file, opened in the phone's browser (not downloaded); the same guides as the web page."""
    material = material_get(user=request.user, material_id=material_id)
    if not material.file:
        raise NotFound(_("The material was not found."))
    name = (material.file.name or "").rsplit("/", 1)[-1]
    response = user_file_response(material.file.open("rb"), filename=name, inline=True)
    response["Cache-Control"] = "private, max-age=0"
    return response


@public("The web app manifest holds no data: the app's name, colours and icon.")
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": _("Community Digital Technology Teams"),
        "short_name": _("CDTT"),
        "lang": "vi",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "background_color": "#f7f5f2",
        "theme_color": "#b3261e",
        "icons": [{"src": static("cdtt/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
