"""Draft, submit, publish, return and feature good practices; who may see and do what.

The state machine::

    draft ──submit──▶ submitted ──publish──▶ published ──feature/unfeature (national)
      ▲                  │
      └──── returned ◀───┘ return (comment)

The authors (the village team, or the officers of the commune or province that wrote it) edit and submit;
the officers of the reviewing unit (the level directly above) publish or return. Every transition is
audited and kept in the post's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, holders, scope_for
from cdtt.catalog.models import Platform
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import fold, nfc
from cdtt.core.workflow import Transition, Workflow, event_record, transition_apply
from cdtt.core.workflow import locked as locked_row
from cdtt.geo.models import Village
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from cdtt.practices import images as image_check
from cdtt.practices.models import (
    EDITABLE,
    Practice,
    PracticeImage,
    PracticeKind,
    PracticeStatus,
    Tag,
)
from cdtt.practices.selectors import (
    Subject,
    author_label,
    author_subjects,
    is_author,
    is_reviewer,
    province_of,
    reviewer_of,
    subject_key,
)

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_COMMENT = 2_000
MAX_TAGS = 10
MAX_IMAGES = 8


@dataclass
class PracticeIn:
    title: str = ""
    body: str = ""
    kind: str = PracticeKind.GOOD_PRACTICE
    platform_ids: Sequence[int] = field(default_factory=list)
    tags: Sequence[str] | str = ""


# -- writes -----------------------------------------------------------------------------------------------


def _tags(raw: Sequence[str] | str) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    names: dict[str, str] = {}
    for item in items:
        name = nfc(str(item)).strip(" #")
        if not name:
            continue
        if len(name) > 60:
            raise DomainError(_("A tag is at most 60 characters."), field="tags")
        names.setdefault(fold(name), name)
    if len(names) > MAX_TAGS:
        raise DomainError(_("A post has at most %(n)d tags.") % {"n": MAX_TAGS}, field="tags")
    return list(names.values())


def _clean(data: PracticeIn) -> tuple[str, str, str, list[Platform], list[str]]:
    title, body = nfc(data.title or ""), (data.body or "").strip()
    if not title:
        raise DomainError(_("Enter the title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title is at most %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    if not body:
        raise DomainError(_("Enter the text of the post."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is at most %(n)d characters.") % {"n": MAX_BODY}, field="body")
    if data.kind not in PracticeKind.values:
        raise DomainError(_("Choose whether this is a good practice or a typical case."), field="kind")
    wanted = {int(pk) for pk in data.platform_ids}
    platforms = list(Platform.objects.filter(pk__in=wanted, is_active=True))
    if len(platforms) != len(wanted):
        raise DomainError(_("Choose platforms from the catalogue."), field="platforms")
    return title, body, data.kind, platforms, _tags(data.tags)


def _index(practice: Practice, tag_names: Sequence[str]) -> None:
    place = [practice.unit.name]
    if practice.village_id:
        assert practice.village is not None
        place.append(practice.village.name)
    if practice.province_id and practice.province_id != practice.unit_id:
        assert practice.province is not None
        place.append(practice.province.name)
    practice.search_folded = fold(" ".join([practice.title, *tag_names, *place, practice.body]))


def _set_relations(practice: Practice, platforms: list[Platform], tag_names: list[str]) -> None:
    practice.platforms.set(platforms)
    tags = []
    for name in tag_names:
        tag = Tag.objects.filter(name_folded=fold(name)).first() or Tag.objects.create(name=name)
        tags.append(tag)
    practice.tags.set(tags)


def _cleaned_images(practice: Practice | None, uploads: Sequence[UploadedFile]) -> list[tuple[Any, int, int]]:
    have = practice.images.count() if practice is not None and practice.pk else 0
    if have + len(uploads) > MAX_IMAGES:
        raise DomainError(_("A post has at most %(n)d images.") % {"n": MAX_IMAGES}, field="images")
    return [image_check.clean_image(upload) for upload in uploads]


def _save_images(practice: Practice, cleaned: list[tuple[Any, int, int]]) -> None:
    # Images were all checked before anything was written. Should the transaction still roll back, a file
    # may stay on disk with no row: it is never served (only rows are), and holds no metadata.
    for content, width, height in cleaned:
        image = PracticeImage(practice=practice, width=width, height=height, size=content.size)
        image.image.save(f"{timezone.now():%Y%m%d%H%M%S}.jpg", content, save=False)  # the storage adds a suffix
        image.save()


def _reviewers_of(practice: Practice) -> list[int]:
    """The active officers who review at exactly the post's reviewing unit."""
    return holders(Perm.REVIEW_PRACTICES, unit_id=practice.reviewer_id)


def _authors_of(practice: Practice) -> list[int]:
    """The active writers of the post's village team or unit."""
    return holders(Perm.WRITE_PRACTICES, unit_id=practice.unit_id, village_id=practice.village_id)


def _link(practice: Practice) -> str:
    return reverse("practices:detail", args=[practice.pk])


def practice_create(
    *, actor: User, subject: Subject, data: PracticeIn, uploads: Sequence[UploadedFile] = ()
) -> Practice:
    """A new draft of the actor's own village team or unit."""
    scope = scope_for(actor)
    scope.require(Perm.WRITE_PRACTICES)
    if subject_key(subject) not in {subject_key(s) for s in author_subjects(actor)}:
        raise NotFound(_("The unit was not found."))
    title, body, kind, platforms, tag_names = _clean(data)
    cleaned = _cleaned_images(None, uploads)
    commune_or_unit = subject.commune if isinstance(subject, Village) else subject
    with transaction.atomic():
        practice = Practice(
            kind=kind,
            title=title,
            body=body,
            unit=commune_or_unit,
            village=subject if isinstance(subject, Village) else None,
            province=province_of(subject),
            reviewer=reviewer_of(subject),
            created_by=actor,
        )
        _index(practice, tag_names)
        practice.save()
        _set_relations(practice, platforms, tag_names)
        _save_images(practice, cleaned)
        event_record(practice, actor, Practice.EventAction.CREATED)
        audit_record(actor=actor, action="practice.create", target=practice, unit=practice.unit, images=len(cleaned))
    return practice


PRACTICE_FLOW = Workflow(
    name="practice",
    queryset=lambda: Practice.objects.select_related("unit", "village", "province", "reviewer"),
    unit=lambda practice: practice.reviewer,
    history=event_record,
    transitions={
        "submit": Transition(
            EDITABLE,
            gettext_lazy("This post has been sent for review or published: it can no longer be changed."),
            PracticeStatus.SUBMITTED,
            Practice.EventAction.SUBMITTED,
        ),
        "publish": Transition(
            [PracticeStatus.SUBMITTED],
            gettext_lazy("Only a post awaiting review can be published or returned."),
            PracticeStatus.PUBLISHED,
            Practice.EventAction.PUBLISHED,
        ),
        "return": Transition(
            [PracticeStatus.SUBMITTED],
            gettext_lazy("Only a post awaiting review can be published or returned."),
            PracticeStatus.RETURNED,
            Practice.EventAction.RETURNED,
        ),
    },
)


def _author_role(actor: User, practice: Practice) -> None:
    scope_for(actor).require(Perm.WRITE_PRACTICES)
    if not is_author(actor, practice):
        raise Forbidden(_("Only the team or unit that wrote this post can change or submit it."))


def _require_author(actor: User, practice: Practice) -> None:
    _author_role(actor, practice)
    if not practice.is_editable:
        raise DomainError(str(PRACTICE_FLOW.transitions["submit"].refusal))


def practice_update(
    *, actor: User, practice: Practice, data: PracticeIn, uploads: Sequence[UploadedFile] = ()
) -> Practice:
    """Change a draft (or a returned post) and add images to it."""
    title, body, kind, platforms, tag_names = _clean(data)
    with transaction.atomic():
        locked = locked_row(PRACTICE_FLOW.queryset(), practice.pk)
        _require_author(actor, locked)
        cleaned = _cleaned_images(locked, uploads)
        locked.title, locked.body, locked.kind = title, body, kind
        _index(locked, tag_names)
        locked.save()
        _set_relations(locked, platforms, tag_names)
        _save_images(locked, cleaned)
        event_record(locked, actor, Practice.EventAction.EDITED)
        audit_record(actor=actor, action="practice.update", target=locked, unit=locked.unit, images=len(cleaned))
    return locked


def practice_image_remove(*, actor: User, practice: Practice, image_id: Any) -> None:
    with transaction.atomic():
        locked = locked_row(PRACTICE_FLOW.queryset(), practice.pk)
        _require_author(actor, locked)
        image = locked.images.filter(pk=as_id(image_id)).first()
        if image is None:
            raise NotFound(_("The image was not found."))
        name, storage = image.image.name or "", image.image.storage
        image.delete()
        transaction.on_commit(lambda: storage.delete(name))
        audit_record(actor=actor, action="practice.image_remove", target=locked, unit=locked.unit)


def practice_submit(*, actor: User, practice: Practice) -> Practice:
    """Send the post to the level above for review."""

    def stamp(locked: Practice) -> None:
        locked.submitted_at = timezone.now()

    def tell_reviewers(locked: Practice) -> None:
        notify(
            recipients=_reviewers_of(locked),
            kind=NoticeKind.PRACTICE_SUBMITTED,
            title=_("New post to review from %(author)s: %(title)s")
            % {"author": author_label(locked), "title": locked.title},
            url=_link(locked),
            unit=locked.reviewer,
        )

    return transition_apply(
        PRACTICE_FLOW,
        "submit",
        actor=actor,
        obj=practice,
        check=lambda locked: _author_role(actor, locked),
        change=stamp,
        notify=tell_reviewers,
    )


def _reviewer_role(actor: User, practice: Practice) -> None:
    scope_for(actor).require(Perm.REVIEW_PRACTICES)
    if not is_reviewer(actor, practice):
        raise Forbidden(
            _("Only the officers of %(unit)s review this post: it is outside your area.")
            % {"unit": practice.reviewer.name}
        )


def practice_publish(*, actor: User, practice: Practice) -> Practice:
    """Publish the post to the whole network."""

    def publish(locked: Practice) -> None:
        locked.published_at, locked.published_by = timezone.now(), actor
        locked.review_comment = ""

    def tell_authors(locked: Practice) -> None:
        notify(
            recipients=_authors_of(locked),
            kind=NoticeKind.PRACTICE_PUBLISHED,
            title=_("Your post was published to the whole network: %(title)s") % {"title": locked.title},
            url=_link(locked),
            unit=locked.unit,
        )

    return transition_apply(
        PRACTICE_FLOW,
        "publish",
        actor=actor,
        obj=practice,
        check=lambda locked: _reviewer_role(actor, locked),
        change=publish,
        notify=tell_authors,
    )


def practice_return(*, actor: User, practice: Practice, comment: Any) -> Practice:
    """Send the post back to its authors with the reviewer's comment."""
    text = str(comment or "").strip()
    if not text:
        raise DomainError(_("Say what should be changed before returning the post."), field="comment")
    if len(text) > MAX_COMMENT:
        raise DomainError(_("The comment is at most %(n)d characters.") % {"n": MAX_COMMENT}, field="comment")

    def keep_comment(locked: Practice) -> None:
        locked.review_comment = text

    def tell_authors(locked: Practice) -> None:
        notify(
            recipients=_authors_of(locked),
            kind=NoticeKind.PRACTICE_RETURNED,
            title=_("Your post was returned with comments: %(title)s") % {"title": locked.title},
            body=text[:300],
            url=_link(locked),
            unit=locked.unit,
        )

    return transition_apply(
        PRACTICE_FLOW,
        "return",
        actor=actor,
        obj=practice,
        note=text,
        check=lambda locked: _reviewer_role(actor, locked),
        change=keep_comment,
        notify=tell_authors,
        comment=text,
    )


def practice_feature(*, actor: User, practice: Practice, featured: bool) -> Practice:
    """Feature (or stop featuring) a published post nationally: featured posts are listed first."""
    scope_for(actor).require(Perm.FEATURE_PRACTICES)
    with transaction.atomic():
        locked = locked_row(PRACTICE_FLOW.queryset(), practice.pk)
        if not locked.is_published:
            raise DomainError(_("Only a published post can be featured."))
        if featured == locked.is_featured:
            return locked
        locked.featured_at, locked.featured_by = (timezone.now(), actor) if featured else (None, None)
        locked.save(update_fields=["featured_at", "featured_by", "updated_at"])
        action = Practice.EventAction.FEATURED if featured else Practice.EventAction.UNFEATURED
        event_record(locked, actor, action)
        audit_record(actor=actor, action=f"practice.{action}", target=locked, unit=locked.unit)
    return locked
