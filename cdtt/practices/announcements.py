"""Announcements from a province or the Ministry to chosen units and roles, with read receipts.

The recipients are fixed when the announcement is sent (one receipt row each): whoever holds one of the
chosen roles at a unit (or a village) inside one of the chosen units' subtrees. Opening it marks it read;
the sender's unit sees who has read it and who has not, per unit and by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.accounts.models import Role, RoleAssignment
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import nfc
from cdtt.geo.models import AdminUnit
from cdtt.notices.models import NoticeKind, Notification
from cdtt.notices.services import notify
from cdtt.practices.models import Announcement, Receipt

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_UNITS = 200
BATCH = 2_000


def sender_units(user: Any) -> list[AdminUnit]:
    """The units the user sends announcements from (a province, or the nation)."""
    ids = [g.unit_id for g in scope_for(user).grants_with(Perm.SEND_ANNOUNCEMENTS) if g.village_id is None]
    return list(AdminUnit.objects.filter(pk__in=ids).order_by("depth", "name_folded"))


def target_choices(sender: AdminUnit) -> QuerySet[AdminUnit]:
    """The units offered on the form: the sender itself and its current children (a province's communes, the
    nation's provinces). The API takes any unit inside the sender's subtree."""
    return (
        AdminUnit.objects.current()
        .filter(path__startswith=sender.path, depth__lte=sender.depth + 1)
        .order_by("depth", "name_folded")
    )


def announcement_send(
    *, actor: User, sender: AdminUnit, title: str, body: str, unit_ids: Iterable[Any], roles: Sequence[str]
) -> Announcement:
    """Send an announcement from one of the actor's units to the chosen roles of the chosen units' subtrees."""
    scope = scope_for(actor)
    scope.require(Perm.SEND_ANNOUNCEMENTS)
    if sender.pk not in {u.pk for u in sender_units(actor)}:
        raise NotFound(_("The unit was not found."))
    title, body = nfc(title or ""), (body or "").strip()
    if not title:
        raise DomainError(_("Enter the title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("The title is at most %(n)d characters.") % {"n": MAX_TITLE}, field="title")
    if not body:
        raise DomainError(_("Enter the text of the announcement."), field="body")
    if len(body) > MAX_BODY:
        raise DomainError(_("The text is at most %(n)d characters.") % {"n": MAX_BODY}, field="body")
    wanted_roles = sorted(set(roles))
    if not wanted_roles:
        raise DomainError(_("Choose at least one role to send to."), field="roles")
    if any(role not in Role.values for role in wanted_roles):
        raise DomainError(_("Choose roles from the list."), field="roles")
    ids = {as_id(raw) for raw in unit_ids}
    if not ids:
        raise DomainError(_("Choose at least one unit to send to."), field="units")
    if len(ids) > MAX_UNITS:
        raise DomainError(_("Choose at most %(n)d units.") % {"n": MAX_UNITS}, field="units")
    units = list(AdminUnit.objects.filter(pk__in=ids))
    outside = [u for u in units if not u.path.startswith(sender.path)]
    if len(units) != len(ids) or outside:
        name = outside[0].name if outside else _("a unit")
        raise DomainError(
            _("You can only send announcements inside %(area)s: %(unit)s is outside it.")
            % {"area": sender.name, "unit": name},
            field="units",
        )
    with transaction.atomic():
        announcement = Announcement.objects.create(
            sender_unit=sender, title=title, body=body, roles=wanted_roles, sent_by=actor
        )
        announcement.units.set(units)
        count = _materialise(announcement, units, wanted_roles)
        announcement.recipients_count = count
        announcement.save(update_fields=["recipients_count"])
        notify(
            recipients=list(announcement.receipts.values_list("user_id", flat=True)),
            kind=NoticeKind.ANNOUNCEMENT,
            title=_("Announcement from %(unit)s: %(title)s") % {"unit": sender.name, "title": title},
            body=body[:300],
            url=_link(announcement),
            unit=sender,
        )
        audit_record(
            actor=actor,
            action="announcement.send",
            target=announcement,
            unit=sender,
            units=[u.pk for u in units],
            roles=wanted_roles,
            recipients=count,
        )
    return announcement


def _materialise(announcement: Announcement, units: list[AdminUnit], roles: list[str]) -> int:
    """One receipt per recipient (a user matched by several roles counts once, at the first match)."""
    where = reduce(or_, [Q(unit__path__startswith=u.path) for u in units])
    rows = (
        RoleAssignment.objects.filter(where, role__in=roles, user__is_active=True)
        .order_by("user_id", "id")
        .values_list("user_id", "unit_id", "village_id", "role")
    )
    seen: set[int] = set()
    batch: list[Receipt] = []
    count = 0
    for user_id, unit_id, village_id, role in rows.iterator(chunk_size=BATCH):
        if user_id in seen:
            continue
        seen.add(user_id)
        batch.append(
            Receipt(announcement=announcement, user_id=user_id, unit_id=unit_id, village_id=village_id, role=role)
        )
        if len(batch) >= BATCH:
            Receipt.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        Receipt.objects.bulk_create(batch)
        count += len(batch)
    return count


def _link(announcement: Announcement) -> str:
    return reverse("announcements:detail", args=[announcement.pk])


# -- reading --------------------------------------------------------------------------------------------


def received(*, user: Any) -> QuerySet[Receipt]:
    """The user's receipts, the newest first."""
    scope_for(user).require(Perm.VIEW_ANNOUNCEMENTS)
    return (
        Receipt.objects.filter(user=user)
        .select_related("announcement__sender_unit")
        .order_by("-announcement__sent_at", "-announcement_id")
    )


def unread(*, user: Any, limit: int = 5) -> list[Receipt]:
    """The newest unread announcements of the user (for the home page)."""
    if not scope_for(user).has(Perm.VIEW_ANNOUNCEMENTS):
        return []
    return list(
        Receipt.objects.filter(user=user, read_at__isnull=True)
        .select_related("announcement__sender_unit")
        .order_by("-announcement__sent_at", "-announcement_id")[:limit]
    )


def unread_count(user: Any) -> int:
    if not scope_for(user).has(Perm.VIEW_ANNOUNCEMENTS):
        return 0
    return Receipt.objects.filter(user=user, read_at__isnull=True).count()


def is_sender_side(user: Any, announcement: Announcement) -> bool:
    """The sending unit's officers (and those above them) see the receipts."""
    return scope_for(user).covers_unit(announcement.sender_unit, Perm.SEND_ANNOUNCEMENTS)


def sent(*, user: Any) -> QuerySet[Announcement]:
    """Announcements sent from the user's units (or below them)."""
    scope = scope_for(user)
    scope.require(Perm.SEND_ANNOUNCEMENTS)
    paths = [g.unit_path for g in scope.grants_with(Perm.SEND_ANNOUNCEMENTS) if g.village_id is None]
    where = reduce(or_, [Q(sender_unit__path__startswith=p) for p in paths]) if paths else Q(pk__in=[])
    return (
        Announcement.objects.filter(where)
        .select_related("sender_unit", "sent_by")
        .annotate(read_count=Count("receipts", filter=Q(receipts__read_at__isnull=False)))
        .order_by("-sent_at", "-id")
    )


def announcement_get(user: Any, announcement_id: Any) -> tuple[Announcement, Receipt | None]:
    """An announcement the user received or whose sender side they are on; 404 otherwise."""
    scope_for(user).require(Perm.VIEW_ANNOUNCEMENTS)
    announcement = (
        Announcement.objects.filter(pk=as_id(announcement_id)).select_related("sender_unit", "sent_by").first()
    )
    receipt = None
    if announcement is not None:
        receipt = Receipt.objects.filter(announcement=announcement, user=user).first()
        if receipt is None and not is_sender_side(user, announcement):
            announcement = None
    if announcement is None:
        raise NotFound(_("The announcement was not found."))
    return announcement, receipt


def announcement_read(*, user: Any, receipt: Receipt) -> Receipt:
    """Mark the user's own receipt read (once; the first reading time is kept)."""
    if receipt.user_id != user.pk:
        raise NotFound(_("The announcement was not found."))
    if receipt.read_at is None:
        now = timezone.now()
        updated = Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
        if updated:
            receipt.read_at = now
            # Reading the announcement also clears its notice from the unread badge.
            Notification.objects.filter(
                recipient=user, kind=NoticeKind.ANNOUNCEMENT, url=_link(receipt.announcement), read_at__isnull=True
            ).update(read_at=now)
            audit_record(
                actor=user,
                action="announcement.read",
                target=receipt.announcement,
                unit=receipt.unit,
            )
    return receipt


@dataclass
class UnitCount:
    unit: AdminUnit
    total: int
    read: int

    @property
    def unread(self) -> int:
        return self.total - self.read


def receipt_counts(announcement: Announcement) -> list[UnitCount]:
    """Recipients and readers per unit (the unit where each holds their role), most unread first."""
    rows = (
        Receipt.objects.filter(announcement=announcement)
        .values("unit_id")
        .annotate(total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False)))
    )
    units = AdminUnit.objects.in_bulk([row["unit_id"] for row in rows])
    counts = [UnitCount(units[row["unit_id"]], row["total"], row["read"]) for row in rows]
    counts.sort(key=lambda c: (-c.unread, c.unit.name_folded))
    return counts


def receipt_list(announcement: Announcement, *, state: str = "") -> QuerySet[Receipt]:
    """The recipients by name, unread first; ``state`` "read" or "unread" filters."""
    queryset = Receipt.objects.filter(announcement=announcement).select_related("user", "unit", "village")
    if state == "read":
        queryset = queryset.filter(read_at__isnull=False)
    elif state == "unread":
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-read_at" if state == "read" else "read_at", "unit__name_folded", "user__full_name", "id")
