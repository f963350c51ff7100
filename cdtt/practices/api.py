"""Good practices and announcements in the JSON API, with the same rules and Vietnamese reasons as the pages."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, UploadedFile

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import DomainError, NotFound
from cdtt.practices import announcements as notices
from cdtt.practices import selectors, services
from cdtt.practices.models import Announcement, Practice

router = Router(tags=["practices"])
NO_FILE = File(None)  # the photo is optional in the schema so that a missing one gets a Vietnamese message
PAGE_SIZE = 20


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int


class PracticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    status: str
    author: str
    unit_id: int
    village_id: int | None
    province_id: int | None
    reviewer_id: int
    platforms: list[int]
    tags: list[str]
    images: list[ImageOut]
    featured: bool
    review_comment: str
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    published_at: datetime.datetime | None


class PracticePageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PracticeOut]


class PracticeIn(Schema):
    """Which team or unit writes it: ``village_id`` (a team) or ``unit_id`` (a commune or province); with
    neither, the caller's first own subject."""

    title: str = ""
    body: str = ""
    kind: str = "good_practice"
    platforms: list[int] = []
    tags: list[str] = []
    village_id: int | None = None
    unit_id: int | None = None


class PracticeCommentIn(Schema):
    comment: str = ""


class FeatureIn(Schema):
    featured: bool = True


def _practice_out(practice: Practice) -> dict[str, Any]:
    return {
        "id": practice.pk,
        "kind": practice.kind,
        "title": practice.title,
        "body": practice.body,
        "status": practice.status,
        "author": selectors.author_label(practice),
        "unit_id": practice.unit_id,
        "village_id": practice.village_id,
        "province_id": practice.province_id,
        "reviewer_id": practice.reviewer_id,
        "platforms": [p.pk for p in practice.platforms.all()],
        "tags": [t.name for t in practice.tags.all()],
        "images": [
            {
                "id": image.pk,
                "url": reverse("practices:image", args=[practice.pk, image.pk]),
                "width": image.width,
                "height": image.height,
            }
            for image in practice.images.all()
        ],
        "featured": practice.is_featured,
        "review_comment": practice.review_comment,
        "created_at": practice.created_at,
        "submitted_at": practice.submitted_at,
        "published_at": practice.published_at,
    }


def _data(payload: PracticeIn) -> services.PracticeIn:
    return services.PracticeIn(
        title=payload.title, body=payload.body, kind=payload.kind, platform_ids=payload.platforms, tags=payload.tags
    )


@router.get("/practices", response={200: PracticePageOut, **ERRORS})
@api_requires(Perm.VIEW_PRACTICES)
def practice_list(
    request: SignedInRequest,
    q: str = "",
    platform: int | None = None,
    tag: str = "",
    province: int | None = None,
    kind: str = "",
    page: int = 1,
) -> Any:
    """Published posts of the whole network (featured first); ``q`` ignores diacritics."""
    filters = selectors.Filters.parse(
        {"q": q, "platform": platform or "", "tag": tag, "province": province or "", "kind": kind}
    )
    shown = Paginator(selectors.practice_list(user=request.user, filters=filters), PAGE_SIZE).get_page(page)
    rows = list(shown.object_list)
    return {
        "count": shown.paginator.count,
        "page": shown.number,
        "pages": shown.paginator.num_pages,
        "results": [_practice_out(p) for p in rows],
    }


@router.get("/practices/mine", response={200: list[PracticeOut], **ERRORS})
@api_requires(Perm.WRITE_PRACTICES)
def practice_mine(request: SignedInRequest) -> Any:
    """The unpublished posts of the caller's own village team or unit."""
    return [_practice_out(p) for p in selectors.practice_own_list(user=request.user)[:200]]


@router.get("/practices/to-review", response={200: list[PracticeOut], **ERRORS})
@api_requires(Perm.REVIEW_PRACTICES)
def practice_to_review(request: SignedInRequest) -> Any:
    """Posts awaiting the review of the caller's unit."""
    return [_practice_out(p) for p in selectors.practice_review_list(user=request.user)[:200]]


def _step(request: SignedInRequest, practice_id: int, step: Callable[..., object], **arguments: Any) -> Any:
    """One step of a practice's workflow through its service, answered with the practice as it now is."""
    step(actor=request.user, practice=selectors.practice_get(request.user, practice_id), **arguments)
    return _practice_out(selectors.practice_get(request.user, practice_id))


@router.post("/practices", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.WRITE_PRACTICES)
def practice_create(request: SignedInRequest, payload: PracticeIn) -> Any:
    """A new draft (add photos with POST /practices/{id}/images)."""
    if payload.village_id is not None:
        key = f"v{payload.village_id}"
    elif payload.unit_id is not None:
        key = f"u{payload.unit_id}"
    else:
        subjects = selectors.author_subjects(request.user)
        key = selectors.subject_key(subjects[0]) if subjects else ""
    subject = selectors.author_subject(request.user, key)
    practice = services.practice_create(actor=request.user, subject=subject, data=_data(payload))
    return _practice_out(selectors.practice_get(request.user, practice.pk))


@router.get("/practices/{practice_id}", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.VIEW_PRACTICES)
def practice_detail(request: SignedInRequest, practice_id: int) -> Any:
    return _practice_out(selectors.practice_get(request.user, practice_id))


@router.patch("/practices/{practice_id}", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.WRITE_PRACTICES)
def practice_update(request: SignedInRequest, practice_id: int, payload: PracticeIn) -> Any:
    return _step(request, practice_id, services.practice_update, data=_data(payload))


@router.post("/practices/{practice_id}/images", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.WRITE_PRACTICES)
def practice_image_add(request: SignedInRequest, practice_id: int, image: UploadedFile | None = NO_FILE) -> Any:
    """Add one photo (multipart field ``image``): checked, re-encoded, its EXIF and GPS removed."""
    practice = selectors.practice_get(request.user, practice_id)
    uploads = [image] if image is not None else []
    if not uploads:
        raise DomainError(_("Choose a photo."), field="image")
    services.practice_update(
        actor=request.user,
        practice=practice,
        data=services.PracticeIn(
            title=practice.title,
            body=practice.body,
            kind=practice.kind,
            platform_ids=[p.pk for p in practice.platforms.all()],
            tags=[t.name for t in practice.tags.all()],
        ),
        uploads=uploads,
    )
    return _practice_out(selectors.practice_get(request.user, practice_id))


@router.post("/practices/{practice_id}/submit", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.WRITE_PRACTICES)
def practice_submit(request: SignedInRequest, practice_id: int) -> Any:
    return _step(request, practice_id, services.practice_submit)


@router.post("/practices/{practice_id}/publish", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.REVIEW_PRACTICES)
def practice_publish(request: SignedInRequest, practice_id: int) -> Any:
    return _step(request, practice_id, services.practice_publish)


@router.post("/practices/{practice_id}/return", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.REVIEW_PRACTICES)
def practice_return(request: SignedInRequest, practice_id: int, payload: PracticeCommentIn) -> Any:
    return _step(request, practice_id, services.practice_return, comment=payload.comment)


@router.post("/practices/{practice_id}/feature", response={200: PracticeOut, **ERRORS})
@api_requires(Perm.FEATURE_PRACTICES)
def practice_feature(request: SignedInRequest, practice_id: int, payload: FeatureIn) -> Any:
    return _step(request, practice_id, services.practice_feature, featured=payload.featured)


# -- announcements ----------------------------------------------------------------------------------------

announcements_router = Router(tags=["announcements"])


class AnnouncementOut(Schema):
    id: int
    sender_unit_id: int
    sender_unit: str
    title: str
    body: str
    sent_at: datetime.datetime
    read_at: datetime.datetime | None  # the caller's own receipt; null when unread or not a recipient


class AnnouncementIn(Schema):
    sender_unit_id: int | None = None  # with none, the caller's first unit that sends announcements
    title: str = ""
    body: str = ""
    units: list[int] = []
    roles: list[str] = []


class SentOut(Schema):
    id: int
    title: str
    sent_at: datetime.datetime
    recipients: int


class UnitCountOut(Schema):
    unit_id: int
    unit: str
    recipients: int
    read: int
    unread: int


class RecipientOut(Schema):
    user_id: int
    name: str
    role: str
    unit_id: int
    village_id: int | None
    read_at: datetime.datetime | None


class ReceiptsOut(Schema):
    recipients: int
    read: int
    units: list[UnitCountOut]
    page: int
    pages: int
    people: list[RecipientOut]


def _announcement_out(announcement: Announcement, read_at: datetime.datetime | None) -> dict[str, Any]:
    return {
        "id": announcement.pk,
        "sender_unit_id": announcement.sender_unit_id,
        "sender_unit": announcement.sender_unit.name,
        "title": announcement.title,
        "body": announcement.body,
        "sent_at": announcement.sent_at,
        "read_at": read_at,
    }


@announcements_router.get("/announcements", response={200: list[AnnouncementOut], **ERRORS})
@api_requires(Perm.VIEW_ANNOUNCEMENTS)
def announcement_list(request: SignedInRequest, unread: bool = False, page: int = 1) -> Any:
    """Announcements sent to the caller, the newest first (``unread=true``: only those not yet read)."""
    receipts = notices.received(user=request.user)
    if unread:
        receipts = receipts.filter(read_at__isnull=True)
    shown = Paginator(receipts, PAGE_SIZE).get_page(page)
    return [_announcement_out(r.announcement, r.read_at) for r in shown.object_list]


@announcements_router.post("/announcements", response={200: SentOut, **ERRORS})
@api_requires(Perm.SEND_ANNOUNCEMENTS)
def announcement_send(request: SignedInRequest, payload: AnnouncementIn) -> Any:
    """Send to the chosen roles of the chosen units (each with everything below it)."""
    senders = notices.sender_units(request.user)
    if payload.sender_unit_id is None:
        sender = senders[0] if senders else None
    else:
        sender = next((u for u in senders if u.pk == payload.sender_unit_id), None)
    if sender is None:
        raise NotFound(_("The unit was not found."))
    announcement = notices.announcement_send(
        actor=request.user,
        sender=sender,
        title=payload.title,
        body=payload.body,
        unit_ids=payload.units,
        roles=payload.roles,
    )
    return {
        "id": announcement.pk,
        "title": announcement.title,
        "sent_at": announcement.sent_at,
        "recipients": announcement.recipients_count,
    }


@announcements_router.get("/announcements/{announcement_id}", response={200: AnnouncementOut, **ERRORS})
@api_requires(Perm.VIEW_ANNOUNCEMENTS)
def announcement_detail(request: SignedInRequest, announcement_id: int) -> Any:
    """One announcement; reading it as a recipient marks it read."""
    announcement, receipt = notices.announcement_get(request.user, announcement_id)
    if receipt is not None:
        notices.announcement_read(user=request.user, receipt=receipt)
    return _announcement_out(announcement, receipt.read_at if receipt else None)


@announcements_router.get("/announcements/{announcement_id}/receipts", response={200: ReceiptsOut, **ERRORS})
@api_requires(Perm.SEND_ANNOUNCEMENTS)
def announcement_receipts(request: SignedInRequest, announcement_id: int, state: str = "", page: int = 1) -> Any:
    """Who has read it: counts per unit and the recipients by name (``state`` read / unread), 50 a page."""
    announcement, _receipt = notices.announcement_get(request.user, announcement_id)
    if not notices.is_sender_side(request.user, announcement):
        raise NotFound(_("The announcement was not found."))
    counts = notices.receipt_counts(announcement)
    people = Paginator(notices.receipt_list(announcement, state=state), 50).get_page(page)
    return {
        "recipients": sum(c.total for c in counts),
        "read": sum(c.read for c in counts),
        "units": [
            {"unit_id": c.unit.pk, "unit": c.unit.name, "recipients": c.total, "read": c.read, "unread": c.unread}
            for c in counts
        ],
        "page": people.number,
        "pages": people.paginator.num_pages,
        "people": [
            {
                "user_id": r.user_id,
                "name": r.user.full_name or r.user.username,
                "role": r.role,
                "unit_id": r.unit_id,
                "village_id": r.village_id,
                "read_at": r.read_at,
            }
            for r in people.object_list
        ],
    }
