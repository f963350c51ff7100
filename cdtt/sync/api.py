"""Sync for the phone app: push a batch of records (each answered on its own), pull what changed.

A device signs in once (``/api/v1/auth/token`` with a device name) and keeps a revocable token; what it
pulls is limited to the member's own village and the fields the work needs, and the guides of the platforms
(no personal data).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.audit import audit_event, audit_record_many
from cdtt.core.errors import DomainError
from cdtt.core.text import mask_phone
from cdtt.geo.models import AdminUnit
from cdtt.households.models import Household
from cdtt.sync import selectors as sync_selectors
from cdtt.sync import services
from cdtt.teams.selectors import sees_full_phones
from cdtt.training.models import Material, MaterialKind
from cdtt.training.selectors import device_guides

router = Router(tags=["sync"])

PULL_LIMIT = 200


class AnswerOut(Schema):
    uuid: str
    status: str  # accepted, duplicate, edited, conflict, refused
    reason: str
    id: int | None
    version: int | None


class PushOut(Schema):
    results: list[AnswerOut]


class BatchError(Schema):
    detail: str


@router.post("/sync/push", response={200: PushOut, 400: BatchError, 413: BatchError, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def sync_push(request: SignedInRequest) -> Any:
    """A batch of up to 200 records ``{"records": [{"uuid", "type": "activity" | "adoption" | "household",
    "data": {...}, "base_version": n}]}``; each is answered (accepted, duplicate, edited, conflict or refused
    with a Vietnamese reason) and stored on its own, so a resend never duplicates anything."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return Status(400, {"detail": _("The request is not valid JSON.")})
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return Status(400, {"detail": _('Send {"records": [...]}.')})
    if len(records) > services.MAX_BATCH:
        return Status(
            413,
            {
                "detail": _("A batch holds at most %(max)s records; this one has %(n)s. Send it in parts.")
                % {"max": services.MAX_BATCH, "n": len(records)}
            },
        )
    answers = services.push(actor=request.user, records=records)
    _synced(request)
    return {"results": [answer.as_dict() for answer in answers]}


def _synced(request: HttpRequest) -> None:
    """A phone (a device token, not a session) synced: its "last sync" moves."""
    token = getattr(request, "api_token", None)
    if token is not None:
        services.device_synced(token=token)


class PersonOut(Schema):
    id: int
    full_name: str
    birth_year: int | None
    relationship: str
    reached: list[str]


class HouseholdSyncOut(Schema):
    id: int
    village_id: int
    head_name: str
    address: str
    phone: str
    members_count: int | None
    adults_count: int | None
    smartphones: int | None
    internet: str
    version: int
    removed: bool  # erased or processing stopped: the device drops its copy
    reached: list[str]
    people: list[PersonOut]


class GuideOut(Schema):
    id: int
    platform: str  # the platform's code
    platform_name: str
    title: str
    kind: str  # "file" or "link"
    version: str
    issued_on: datetime.date
    url: str  # a file's address in the app (changes when the file does), or the link
    size: int | None  # a file's size in bytes (the app keeps small ones for offline use)


class PullOut(Schema):
    households: list[HouseholdSyncOut]
    # Every guide the member's phone should hold, when they changed since the token (null when not): the
    # phone replaces its guides with this list, so a changed guide changes and a retired one disappears.
    guides: list[GuideOut] | None
    next: str  # give it back as ``since`` for the next page or the next sync
    more: bool


def _token(moment: datetime.datetime, pk: int, guides: str) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{pk}|{guides}".encode()).decode()


def _since(raw: str) -> tuple[datetime.datetime, int, str] | None:
    """The households' cursor (moment, id) and the digest of the guides the phone holds ("" for none)."""
    if not raw:
        return None
    try:
        parts = base64.urlsafe_b64decode(raw.encode()).decode().split("|")
        if len(parts) not in (2, 3):  # a token from before the guides: they are sent again
            raise ValueError
        parsed = parse_datetime(parts[0])
        if parsed is None:
            raise ValueError
        return parsed, int(parts[1]), parts[2] if len(parts) == 3 else ""
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("The sync token is not valid; pull again from the start."), field="since") from None


def _guide_out(material: Material) -> dict[str, Any]:
    if material.kind == MaterialKind.FILE:
        # The file's stored name changes with each upload: so does the address, and the phone's cached copy.
        version = hashlib.sha256((material.file.name or "").encode()).hexdigest()[:12]
        url = f"{reverse('mobile:guide_file', args=[material.pk])}?v={version}"
        size: int | None = material.file_size
    else:
        url, size = material.url, None
    return {
        "id": material.pk,
        "platform": material.platform.code,
        "platform_name": material.platform.name,
        "title": material.title,
        "kind": material.kind,
        "version": material.version,
        "issued_on": material.issued_on,
        "url": url,
        "size": size,
    }


def _guides(user: Any) -> tuple[list[dict[str, Any]], str]:
    """The member's guides and a digest of them (what the phone holds is named by it in the token)."""
    guides = [_guide_out(m) for m in device_guides(user=user)]
    content = json.dumps(guides, sort_keys=True, default=str).encode()
    return guides, hashlib.sha256(content).hexdigest()[:16]


def _audit_pull(request: SignedInRequest, page: list[Household]) -> None:
    """Names and birth years went to a phone: one audit event per commune, naming the households sent."""
    by_commune: dict[int, list[int]] = {}
    for household in page:
        if household.erased_at is None and not household.processing_stopped:
            by_commune.setdefault(household.commune_id, []).append(household.pk)
    audit_record_many(
        [
            audit_event(
                actor=request.user, action="sync.pull", unit=AdminUnit(pk=commune_id), request=request, households=ids
            )
            for commune_id, ids in by_commune.items()
        ]
    )


@router.get("/sync/pull", response={200: PullOut, **ERRORS})
@api_requires(Perm.EDIT_HOUSEHOLDS)
def sync_pull(request: SignedInRequest, since: str = "", limit: int = PULL_LIMIT) -> Any:
    """The households of the member's villages changed since the token (all of them without one), oldest
    change first, a page at a time; with the people and what each has reached. The member's guides come
    whole with the first page after they changed (``guides``), and are ``null`` otherwise."""
    limit = max(1, min(limit, PULL_LIMIT))
    cursor = _since(since)
    guides, digest = _guides(request.user)
    held = cursor[2] if cursor is not None else None
    after = (cursor[0], cursor[1]) if cursor is not None else None
    page = sync_selectors.pull_page(user=request.user, after=after, limit=limit)
    more = len(page) > limit
    page = page[:limit]
    _audit_pull(request, page)
    full = sees_full_phones(request.user)
    out = []
    for household in page:
        removed = household.erased_at is not None or household.processing_stopped
        statuses = list(household.adoptions.all())
        out.append(
            {
                "id": household.pk,
                "village_id": household.village_id,
                "head_name": "" if removed else household.head_name,
                "address": "" if removed else household.address,
                "phone": ""
                if removed or not household.phone
                else (household.phone if full else mask_phone(household.phone)),
                "members_count": household.members_count,
                "adults_count": household.adults_count,
                "smartphones": household.smartphones,
                "internet": household.internet,
                "version": household.version,
                "removed": removed,
                "reached": [s.item.code for s in statuses if s.resident_id is None],
                "people": []
                if removed
                else [
                    {
                        "id": r.pk,
                        "full_name": r.full_name,
                        "birth_year": r.birth_year,
                        "relationship": r.relationship,
                        "reached": [s.item.code for s in statuses if s.resident_id == r.pk],
                    }
                    for r in household.residents.all()
                    if r.erased_at is None and not r.processing_stopped
                ],
            }
        )
    last = page[-1] if page else None
    if last is not None:
        next_token = _token(last.updated_at, last.pk, digest)
    elif cursor is not None:
        next_token = _token(cursor[0], cursor[1], digest)
    else:
        next_token = _token(timezone.now(), 0, digest)
    _synced(request)
    return {"households": out, "guides": None if held == digest else guides, "next": next_token, "more": more}


class DeviceIn(Schema):
    name: str = ""  # the name the member gives the phone
    model: str = ""  # what the phone says it is (e.g. "SM-A515F", "Android 13")


class DeviceOut(Schema):
    token: str
    name: str


class DeviceNameIn(Schema):
    name: str


class DeviceNamedOut(Schema):
    name: str
    model: str


@router.post("/sync/device", response={201: DeviceOut, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def device_register(request: SignedInRequest, payload: DeviceIn) -> Any:
    """Give this phone its own revocable token (from a signed-in session); officers see and can cut it off."""
    token, raw = services.device_register(user=request.user, label=payload.name, model=payload.model, request=request)
    return Status(201, {"token": raw, "name": token.name})


@router.patch("/sync/device", response={200: DeviceNamedOut, 400: BatchError, **ERRORS})
@api_requires(Perm.RECORD_ACTIVITIES)
def device_rename(request: SignedInRequest, payload: DeviceNameIn) -> Any:
    """Name the phone that sends this request (with its own token), so its owner and officers know it."""
    token = getattr(request, "api_token", None)
    if token is None:
        return Status(400, {"detail": _("Only a phone, with its own token, can name itself.")})
    device = services.device_rename(token=token, label=payload.name)
    return {"name": device.label, "model": device.model}
