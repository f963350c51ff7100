"""Reads of good practices, given the user: who authors and reviews a post, who sees what, one post, the
lists and the filters' choices. The writes (and the state machine) are in services.py."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, as_id, scope_for
from cdtt.catalog.models import Platform
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import fold
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.practices.models import (
    Practice,
    PracticeImage,
    PracticeKind,
    PracticeStatus,
    Tag,
)

Subject = AdminUnit | Village
_NOTHING = Q(pk__in=[])


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


# -- the pages --------------------------------------------------------------------------------------------


def practice_index_page(*, user: Any, filters: Filters) -> dict[str, Any]:
    """The network's published posts for ``filters`` (a queryset the view pages) and the filters' choices."""
    scope = scope_for(user)
    can_review = scope.has(Perm.REVIEW_PRACTICES)
    return {
        "practices": practice_list(user=user, filters=filters),
        "platforms": Platform.objects.filter(is_active=True).order_by("order", "name"),
        "tags": tags_in_use()[:200],
        "provinces": provinces_with_posts(),
        "can_write": scope.has(Perm.WRITE_PRACTICES),
        "review_count": practice_review_list(user=user).count() if can_review else 0,
        "can_review": can_review,
    }


def practice_detail_page(*, user: Any, practice_id: Any) -> dict[str, Any]:
    """One post as its page shows it to ``user`` (a 404 when they may not see it); its history only to its
    authors and reviewers."""
    practice = practice_get(user, practice_id)
    insider = is_author(user, practice) or is_reviewer(user, practice)
    return {
        "practice": practice,
        "author_label": author_label(practice),
        "images": list(practice.images.all()),
        "platforms": list(practice.platforms.all()),
        "tags": list(practice.tags.all()),
        "events": list(practice.events.select_related("actor").order_by("-at", "-pk")) if insider else [],
        "can_edit": may_edit(user, practice),
        "can_review": may_review(user, practice),
        "can_feature": may_feature(user, practice),
    }


def practice_form_initial(practice: Practice) -> dict[str, Any]:
    """What the edit form starts from: the post's platforms and its tags as typed."""
    return {
        "platforms": list(practice.platforms.all()),
        "tags": ", ".join(t.name for t in practice.tags.all()),
    }


def practice_image_get(*, user: Any, practice_id: Any, image_id: Any) -> PracticeImage:
    """A photo of a post the user may see; anything else is the same 404."""
    practice = practice_get(user, practice_id)
    row = practice.images.filter(pk=as_id(image_id)).first()
    if row is None:
        raise NotFound(_("The image was not found."))
    return row
