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
from functools import reduce
from operator import or_
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, as_id, holders, scope_for
from cdtt.catalog.models import Platform
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import fold, nfc
from cdtt.core.workflow import Transition, Workflow, event_record, transition_apply
from cdtt.core.workflow import locked as locked_row
from cdtt.geo.models import AdminUnit, UnitKind, Village
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

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_COMMENT = 2_000
MAX_TAGS = 10
MAX_IMAGES = 8

Subject = AdminUnit | Village
_NOTHING = Q(pk__in=[])


@dataclass
class PracticeIn:
    title: str = ""
    body: str = ""
    kind: str = PracticeKind.GOOD_PRACTICE
    platform_ids: Sequence[int] = field(default_factory=list)
    tags: Sequence[str] | str = ""


# -- the tree ---------------------------------------------------------------------------------------------


def reviewer_of(subject: Subject) -> AdminUnit:
    """The unit that reviews a subject's posts: a village's commune, a commune's province, a province's nation."""
    if isinstance(subject, Village):
        return subject.commune
    parent = subject.parent
    if parent is None:
        raise DomainError(_("The Ministry's own posts have no level above to review them."))
    return parent


def province_of(subject: Subject) -> AdminUnit | None:
    unit: AdminUnit | None = subject.commune if isinstance(subject, Village) else subject
    while unit is not None and unit.kind != UnitKind.PROVINCE:
        unit = unit.parent
    return unit


def author_label(practice: Practice) -> str:
    if practice.village_id:
        assert practice.village is not None
        return _("Team of %(village)s, %(commune)s") % {"village": practice.village.name, "commune": practice.unit.name}
    return practice.unit.name


def subject_key(subject: Subject) -> str:
    return f"v{subject.pk}" if isinstance(subject, Village) else f"u{subject.pk}"


def author_subjects(user: Any) -> list[Subject]:
    """The village teams and units the user writes posts for (team roles: their village; officers: their unit)."""
    found: list[Subject] = []
    for grant in scope_for(user).grants_with(Perm.WRITE_PRACTICES):
        if grant.village_id is not None:
            village = Village.objects.filter(pk=grant.village_id).select_related("commune__parent").first()
            if village is not None:
                found.append(village)
        else:
            unit = AdminUnit.objects.filter(pk=grant.unit_id).select_related("parent").first()
            if unit is not None and unit.parent_id is not None:
                found.append(unit)
    return found


def author_subject(user: Any, key: str) -> Subject:
    """One of the user's own subjects from its form key ("v12", "u34"); 404 for anything else."""
    for subject in author_subjects(user):
        if subject_key(subject) == key:
            return subject
    raise NotFound(_("The unit was not found."))


# -- who sees and does what -----------------------------------------------------------------------------


def _author_q(scope: Scope) -> Q:
    parts = []
    for grant in scope.grants_with(Perm.WRITE_PRACTICES):
        if grant.village_id is not None:
            parts.append(Q(village_id=grant.village_id))
        else:
            parts.append(Q(unit_id=grant.unit_id, village__isnull=True))
    return reduce(or_, parts) if parts else _NOTHING


def _reviewer_q(scope: Scope) -> Q:
    ids = [g.unit_id for g in scope.grants_with(Perm.REVIEW_PRACTICES) if g.village_id is None]
    return Q(reviewer_id__in=ids) if ids else _NOTHING


def visible_practices(user: Any) -> QuerySet[Practice]:
    """Published posts for every role; unpublished ones for their authors' unit and (once sent) the reviewers."""
    scope = scope_for(user)
    if not scope.has(Perm.VIEW_PRACTICES):
        return Practice.objects.none()
    sent = ~Q(status=PracticeStatus.DRAFT)
    return Practice.objects.filter(Q(status=PracticeStatus.PUBLISHED) | _author_q(scope) | (_reviewer_q(scope) & sent))


def is_author(user: Any, practice: Practice) -> bool:
    scope = scope_for(user)
    if practice.village_id is not None:
        return any(g.village_id == practice.village_id for g in scope.grants_with(Perm.WRITE_PRACTICES))
    return scope.holds_at(practice.unit_id, Perm.WRITE_PRACTICES)


def is_reviewer(user: Any, practice: Practice) -> bool:
    return scope_for(user).holds_at(practice.reviewer_id, Perm.REVIEW_PRACTICES)


def may_edit(user: Any, practice: Practice) -> bool:
    return practice.is_editable and is_author(user, practice)


def may_review(user: Any, practice: Practice) -> bool:
    return practice.status == PracticeStatus.SUBMITTED and is_reviewer(user, practice)


def may_feature(user: Any, practice: Practice) -> bool:
    return practice.is_published and scope_for(user).has(Perm.FEATURE_PRACTICES)


def practice_get(user: Any, practice_id: Any) -> Practice:
    """A post the user may see; missing and not-yours give the same 404."""
    scope_for(user).require(Perm.VIEW_PRACTICES)
    practice = (
        visible_practices(user)
        .filter(pk=as_id(practice_id))
        .select_related("unit", "village", "province", "reviewer", "created_by", "published_by")
        .first()
    )
    if practice is None:
        raise NotFound(_("The post was not found."))
    return practice


# -- lists ------------------------------------------------------------------------------------------------


@dataclass
class Filters:
    q: str = ""
    platform: int | None = None
    tag: str = ""
    province: int | None = None
    kind: str = ""

    @classmethod
    def parse(cls, data: Any) -> Filters:
        def number(key: str) -> int | None:
            raw = str(data.get(key) or "").strip()
            return int(raw) if raw.isdigit() else None

        kind = str(data.get("kind") or "")
        return cls(
            q=str(data.get("q") or "")[:200],
            platform=number("platform"),
            tag=str(data.get("tag") or "")[:60],
            province=number("province"),
            kind=kind if kind in PracticeKind.values else "",
        )


def _filtered(queryset: QuerySet[Practice], filters: Filters) -> QuerySet[Practice]:
    for word in fold(filters.q).split():
        queryset = queryset.filter(search_folded__contains=word)
    if filters.platform:
        queryset = queryset.filter(platforms__id=filters.platform)
    if filters.tag.strip():
        queryset = queryset.filter(tags__name_folded=fold(filters.tag))
    if filters.province:
        queryset = queryset.filter(province_id=filters.province)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset


def practice_list(*, user: Any, filters: Filters) -> QuerySet[Practice]:
    """Published posts of the whole network matching the filters: featured ones first, then the newest."""
    scope_for(user).require(Perm.VIEW_PRACTICES)
    queryset = _filtered(Practice.objects.filter(status=PracticeStatus.PUBLISHED), filters)
    return (
        queryset.select_related("unit", "village", "province")
        .prefetch_related("platforms", "tags", "images")
        .order_by(F("featured_at").desc(nulls_last=True), "-published_at", "-id")
        .distinct()
    )


def practice_own_list(*, user: Any) -> QuerySet[Practice]:
    """The not yet published posts of the user's own village team or unit."""
    scope = scope_for(user)
    scope.require(Perm.WRITE_PRACTICES)
    return (
        Practice.objects.filter(_author_q(scope))
        .exclude(status=PracticeStatus.PUBLISHED)
        .select_related("unit", "village", "province")
        .prefetch_related("platforms", "tags", "images")
        .order_by("-updated_at", "-id")
    )


def practice_review_list(*, user: Any) -> QuerySet[Practice]:
    """Posts sent to the user's unit and awaiting its review, the oldest first."""
    scope = scope_for(user)
    scope.require(Perm.REVIEW_PRACTICES)
    return (
        Practice.objects.filter(_reviewer_q(scope), status=PracticeStatus.SUBMITTED)
        .select_related("unit", "village", "province")
        .prefetch_related("platforms", "tags", "images")
        .order_by("submitted_at", "id")
    )


def provinces_with_posts() -> QuerySet[AdminUnit]:
    ids = Practice.objects.filter(status=PracticeStatus.PUBLISHED).values("province_id")
    return AdminUnit.objects.filter(pk__in=ids).order_by("name_folded")


def tags_in_use() -> QuerySet[Tag]:
    return Tag.objects.filter(practices__status=PracticeStatus.PUBLISHED).distinct().order_by("name_folded")


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
    *, actor: Any, subject: Subject, data: PracticeIn, uploads: Sequence[UploadedFile] = ()
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


def _author_role(actor: Any, practice: Practice) -> None:
    scope_for(actor).require(Perm.WRITE_PRACTICES)
    if not is_author(actor, practice):
        raise Forbidden(_("Only the team or unit that wrote this post can change or submit it."))


def _require_author(actor: Any, practice: Practice) -> None:
    _author_role(actor, practice)
    if not practice.is_editable:
        raise DomainError(str(PRACTICE_FLOW.transitions["submit"].refusal))


def practice_update(
    *, actor: Any, practice: Practice, data: PracticeIn, uploads: Sequence[UploadedFile] = ()
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


def practice_image_remove(*, actor: Any, practice: Practice, image_id: Any) -> None:
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


def practice_submit(*, actor: Any, practice: Practice) -> Practice:
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


def _reviewer_role(actor: Any, practice: Practice) -> None:
    scope_for(actor).require(Perm.REVIEW_PRACTICES)
    if not is_reviewer(actor, practice):
        raise Forbidden(
            _("Only the officers of %(unit)s review this post: it is outside your area.")
            % {"unit": practice.reviewer.name}
        )


def practice_publish(*, actor: Any, practice: Practice) -> Practice:
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


def practice_return(*, actor: Any, practice: Practice, comment: Any) -> Practice:
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


def practice_feature(*, actor: Any, practice: Practice, featured: bool) -> Practice:
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
