"""Reads for the public team finder: no user, so only what is safe for anyone to see.

Public here means: current units, active villages, whether a village has an ACTIVE team, the leader's
name, the leader's phone only with their recorded consent, and the village's chat group. Nothing else
about a person (no other members, birth years, other phones) and never the commune's internal group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.core.errors import NotFound
from cdtt.core.text import fold
from cdtt.geo import resolver
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, UnitKind, Village
from cdtt.teams.models import ChatGroup, MemberRole, Membership, Team, TeamStatus

SEARCH_LIMIT = 50
MAX_AGE = 300  # seconds a finder answer may be cached publicly: the same for every visitor


def qr_url(village_id: int) -> str:
    """The public address of a village's chat-group QR code."""
    return reverse("finder:qr", args=[village_id])


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_("The object was not found.")) from None


def public_province_list(*, q: str = "") -> QuerySet[AdminUnit]:
    """The current provinces (34 since 1 July 2025), optionally those whose name matches ``q``."""
    provinces = AdminUnit.objects.current().filter(kind=UnitKind.PROVINCE)
    needle = fold(q)
    if needle:
        provinces = provinces.filter(name_folded__contains=needle)
    return provinces.order_by("code")


def public_commune_search(*, q: str, limit: int = SEARCH_LIMIT) -> list[AdminUnit]:
    """Current communes, wards and special zones whose name matches ``q`` (diacritics ignored)."""
    needle = fold(q)
    if not needle:
        return []
    communes = (
        AdminUnit.objects.current()
        .communes()
        .filter(Q(name_folded__contains=needle) | Q(pk__in=resolver.unit_ids_named(q)))
        .select_related("parent")
        .order_by("name_folded", "id")
    )
    return list(communes[:limit])


def public_province_get(*, province_id: Any) -> AdminUnit:
    """A current province; a legacy or missing one is not found."""
    province = AdminUnit.objects.current().filter(kind=UnitKind.PROVINCE, pk=_pk(province_id)).first()
    if province is None:
        raise NotFound(_("The unit was not found."))
    return province


def public_commune_list(*, province: AdminUnit, q: str = "") -> QuerySet[AdminUnit]:
    """The province's current communes with their count of active villages and of villages with an active team."""
    communes = AdminUnit.objects.current().communes().filter(parent=province)
    needle = fold(q)
    if needle:
        communes = communes.filter(name_folded__contains=needle)
    return communes.annotate(
        village_count=Count("villages", filter=Q(villages__valid_to__isnull=True), distinct=True),
        team_count=Count(
            "teams",
            filter=Q(
                teams__status=TeamStatus.ACTIVE, teams__village__isnull=False, teams__village__valid_to__isnull=True
            ),
            distinct=True,
        ),
    ).order_by("name_folded", "id")


def public_commune_get(*, commune_id: Any) -> AdminUnit:
    """A current commune, ward or special zone; a legacy or missing one is not found."""
    commune = (
        AdminUnit.objects.current().filter(kind__in=COMMUNE_KINDS, pk=_pk(commune_id)).select_related("parent").first()
    )
    if commune is None:
        raise NotFound(_("The unit was not found."))
    return commune


@dataclass(frozen=True)
class PublicGroup:
    platform: str
    name: str
    invite_link: str
    qr_url: str | None


@dataclass(frozen=True)
class PublicVillage:
    """One village as the finder shows it (the HTML page and the JSON endpoint alike)."""

    id: int
    name: str
    has_team: bool
    leader_name: str | None
    leader_phone: str | None  # only when the leader agreed to publish it
    chat_group: PublicGroup | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def public_commune_villages(*, commune: AdminUnit, qr_url: Callable[[int], str]) -> list[PublicVillage]:
    """The commune's active villages with their active team's leader and their chat group.

    ``qr_url(village_id)`` gives the address of a village group's QR code. Four queries whatever the size.
    """
    villages = list(Village.objects.active().filter(commune=commune).order_by("name_folded", "id"))
    ids = [v.pk for v in villages]
    teams = {t.village_id: t for t in Team.objects.filter(village_id__in=ids, status=TeamStatus.ACTIVE)}
    leaders = {
        m.team_id: m.member
        for m in Membership.objects.on(timezone.localdate())
        .filter(team__in=list(teams.values()), role=MemberRole.LEADER)
        .select_related("member")
    }
    # Village groups only: the commune's common group (village empty) is internal.
    groups = {g.village_id: g for g in ChatGroup.objects.filter(village_id__in=ids)}
    rows = []
    for village in villages:
        team = teams.get(village.pk)
        leader = leaders.get(team.pk) if team else None
        group = groups.get(village.pk)
        rows.append(
            PublicVillage(
                id=village.pk,
                name=village.name,
                has_team=team is not None,
                leader_name=leader.full_name if leader else None,
                leader_phone=leader.phone if leader and leader.publish_phone and leader.phone else None,
                chat_group=PublicGroup(
                    platform=group.platform,
                    name=group.name,
                    invite_link=group.invite_link,
                    qr_url=qr_url(village.pk) if group.invite_link else None,
                )
                if group
                else None,
            )
        )
    return rows


def public_group_link(*, village_id: Any) -> str:
    """The invite link of an active village's chat group (for its QR code); not found otherwise."""
    village = (
        Village.objects.active()
        .filter(pk=_pk(village_id), commune__valid_to__isnull=True)
        .select_related("chat_group")
        .first()
    )
    group: ChatGroup | None = getattr(village, "chat_group", None) if village else None
    if group is None or not group.invite_link:
        raise NotFound(_("The village was not found."))
    return group.invite_link
