"""Team endpoints of the JSON API: teams and rosters, roster changes, decisions, chat groups, figures,
and the public finder's data.

Objects come only through the selectors and the scope helpers, so anything outside the caller's scope
is a 404; writes go through ``cdtt.teams.services``, whose DomainError becomes the API's 400.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from cdtt.access.decorators import SignedInRequest, public
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.core.errors import NotFound
from cdtt.core.text import mask_phone
from cdtt.geo.models import AdminUnit
from cdtt.teams import selectors, services
from cdtt.teams.models import ChatGroup, Decision, Membership, Team
from cdtt.teams.selectors import public as public_selectors
from cdtt.teams.selectors.public import MAX_AGE, qr_url

router = Router(tags=["teams"])

MAX_LIMIT = 100


# -- output ---------------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    commune_id: int
    commune: str
    village_id: int | None
    village: str | None
    status: str
    established_on: datetime.date | None
    dissolved_on: datetime.date | None
    member_count: int


class TeamPageOut(Schema):
    count: int  # total over all pages
    limit: int
    offset: int
    results: list[TeamOut]


class RosterMemberOut(Schema):
    membership_id: int
    member_id: int
    role: str
    full_name: str
    gender: str
    birth_year: int | None
    organisation: str
    is_village_head: bool
    joined_on: datetime.date
    left_on: datetime.date | None
    phone: str


class DecisionBriefOut(Schema):
    id: int
    number: str
    issued_on: datetime.date | None
    status: str
    supersedes_id: int | None


class TeamDetailOut(TeamOut):
    on: datetime.date  # the day the roster is for
    members: list[RosterMemberOut]
    decisions: list[DecisionBriefOut]


class DecisionMemberOut(Schema):
    member_id: int | None = None
    full_name: str = ""
    role: str = ""
    gender: str = ""
    birth_year: int | None = None
    organisation: str = ""
    occupation: str = ""
    is_village_head: bool = False
    phone: str = ""


class DecisionOut(Schema):
    id: int
    team_id: int
    commune_id: int
    status: str
    number: str
    issued_on: datetime.date | None
    signer_name: str
    signer_title: str
    legal_bases: list[str]
    proposer: str
    recipients: list[str]
    members: list[DecisionMemberOut]  # the roster as the decision lists it (a snapshot)
    supersedes_id: int | None
    has_signed_scan: bool


class ChatGroupOut(Schema):
    id: int
    commune_id: int
    village_id: int | None
    platform: str
    name: str
    invite_link: str
    households_in_group: int | None
    households_total: int | None
    counted_on: datetime.date | None
    coverage: float | None  # households in the group per household of the village, in %


class FiguresOut(Schema):
    unit_id: int
    unit: str
    villages: int
    villages_with_team: int
    teams: int
    members: int
    by_organisation: dict[str, int]
    by_gender: dict[str, int]
    team_coverage: float | None
    population: int | None
    members_per_100_residents: float | None


class PublicGroupOut(Schema):
    platform: str
    name: str
    invite_link: str
    qr_url: str | None


class PublicVillageOut(Schema):
    id: int
    name: str
    has_team: bool
    leader_name: str | None
    leader_phone: str | None
    chat_group: PublicGroupOut | None


class PublicCommuneOut(Schema):
    id: int
    name: str
    province_id: int
    province: str
    villages: list[PublicVillageOut]


# -- input ----------------------------------------------------------------------------------------


class MemberBody(Schema):
    """A person to put on a team: ``member_id`` of an existing member of the commune, or new details."""

    member_id: int | None = None
    full_name: str = ""
    role: str = "member"
    gender: str = ""
    birth_year: int | None = None
    phone: str = ""
    organisation: str = "other"
    occupation: str = ""
    is_village_head: bool = False
    publish_phone: bool = False


class TeamIn(Schema):
    commune_id: int
    village_id: int | None = None  # empty: the commune-level team
    joined_on: datetime.date | None = None  # the first members' joining date; today when left out
    members: list[MemberBody] = Field(default_factory=list)


class JoinIn(MemberBody):
    on: datetime.date | None = None


class LeaveIn(Schema):
    on: datetime.date | None = None  # the first day off the team; today when left out
    reason: str = ""


class ReplaceIn(Schema):
    on: datetime.date | None = None
    reason: str = ""
    member: MemberBody = Field(default_factory=MemberBody)


class DecisionPatchIn(Schema):
    """Draft fields to change; fields left out keep their value."""

    number: str | None = None
    issued_on: datetime.date | None = None
    signer_name: str | None = None
    signer_title: str | None = None
    legal_bases: list[str] | None = None
    proposer: str | None = None
    recipients: list[str] | None = None


class ChatGroupIn(Schema):
    platform: str = "zalo"
    name: str
    invite_link: str = ""
    households_in_group: int | None = None
    households_total: int | None = None
    counted_on: datetime.date | None = None


# -- helpers --------------------------------------------------------------------------------------


def _masks_phones(user: Any) -> bool:
    return not selectors.sees_full_phones(user)


def _phone(value: str, mask: bool) -> str:
    return mask_phone(value) if mask and value else value


def _team_out(team: Team, member_count: int) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "commune_id": team.commune_id,
        "commune": team.commune.name,
        "village_id": team.village_id,
        "village": team.village.name if team.village else None,
        "status": team.status,
        "established_on": team.established_on,
        "dissolved_on": team.dissolved_on,
        "member_count": member_count,
    }


def _team_detail(request: HttpRequest, team: Team, day: datetime.date | None = None) -> dict[str, Any]:
    mask = _masks_phones(request.user)
    rows = selectors.roster(team=team, day=day)
    return {
        **_team_out(team, len(rows)),
        "on": day or timezone.localdate(),
        "members": [
            {
                "membership_id": m.pk,
                "member_id": m.member_id,
                "role": m.role,
                "full_name": m.member.full_name,
                "gender": m.member.gender,
                "birth_year": m.member.birth_year,
                "organisation": m.member.organisation,
                "is_village_head": m.member.is_village_head,
                "joined_on": m.joined_on,
                "left_on": m.left_on,
                "phone": _phone(m.member.phone, mask),
            }
            for m in rows
        ],
        "decisions": [
            {
                "id": d.pk,
                "number": d.number,
                "issued_on": d.issued_on,
                "status": d.status,
                "supersedes_id": d.supersedes_id,
            }
            for d in selectors.decision_list(team=team)
        ],
    }


def _fresh_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    """The team as the caller now sees it, after a write."""
    return _team_detail(request, selectors.team_get(user=request.user, team_id=team_id))


def _decision_out(request: HttpRequest, decision: Decision) -> dict[str, Any]:
    mask = _masks_phones(request.user)
    return {
        "id": decision.pk,
        "team_id": decision.team_id,
        "commune_id": decision.commune_id,
        "status": decision.status,
        "number": decision.number,
        "issued_on": decision.issued_on,
        "signer_name": decision.signer_name,
        "signer_title": decision.signer_title,
        "legal_bases": list(decision.legal_bases),
        "proposer": decision.proposer,
        "recipients": list(decision.recipients),
        "members": [{**row, "phone": _phone(row.get("phone") or "", mask)} for row in decision.members],
        "supersedes_id": decision.supersedes_id,
        "has_signed_scan": bool(decision.signed_scan),
    }


def _group_out(group: ChatGroup) -> dict[str, Any]:
    return {
        "id": group.pk,
        "commune_id": group.commune_id,
        "village_id": group.village_id,
        "platform": group.platform,
        "name": group.name,
        "invite_link": group.invite_link,
        "households_in_group": group.households_in_group,
        "households_total": group.households_total,
        "counted_on": group.counted_on,
        "coverage": group.coverage,
    }


def _member_in(body: MemberBody) -> services.MemberIn:
    return services.MemberIn(
        member_id=body.member_id,
        full_name=body.full_name,
        role=body.role,
        gender=body.gender,
        birth_year=body.birth_year,
        phone=body.phone,
        organisation=body.organisation,
        occupation=body.occupation,
        is_village_head=body.is_village_head,
        publish_phone=body.publish_phone,
    )


def _membership(team: Team, membership_id: int) -> Membership:
    """One membership of a team already fetched in scope; 404 for a membership of another team."""
    for membership in selectors.roster_history(team=team):
        if membership.pk == membership_id:
            membership.team = team
            return membership
    raise NotFound(_("The member was not found."))


def _current_commune(unit: AdminUnit) -> AdminUnit:
    if not (unit.is_commune and unit.is_current):
        raise NotFound(_("The unit was not found."))
    return unit


# -- teams and rosters ----------------------------------------------------------------------------


@router.get("/teams", response=TeamPageOut)
@api_requires(Perm.VIEW_TEAMS)
def team_list(
    request: SignedInRequest,
    commune_id: int | None = None,
    status: Literal["proposed", "active", "dissolved"] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Any:
    """Teams in the caller's scope, optionally of one commune; dissolved teams only when asked by ``status``."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    commune = scope_for(request.user).unit(commune_id, Perm.VIEW_TEAMS) if commune_id is not None else None
    teams = selectors.team_list(user=request.user, commune=commune, include_dissolved=status is not None)
    if status is not None:
        teams = teams.filter(status=status)
    return {
        "count": teams.count(),
        "limit": limit,
        "offset": offset,
        "results": [_team_out(t, t.member_count) for t in teams[offset : offset + limit]],  # type: ignore[attr-defined]
    }


@router.get("/teams/figures", response=FiguresOut, tags=["figures"])
@api_requires(Perm.VIEW_FIGURES)
def team_figures(request: SignedInRequest, unit_id: int | None = None) -> Any:
    """Aggregate counts (no personal data) for a unit's subtree; by default the unit the caller's role is held at."""
    scope = scope_for(request.user)
    if unit_id is None:
        top = scope.top_units(Perm.VIEW_FIGURES).order_by("depth", "code").first()
        unit_id = top.pk if top else 0
    unit = scope.unit(unit_id, Perm.VIEW_FIGURES)
    figures = selectors.team_figures(user=request.user, unit=unit)
    return {
        "unit_id": unit.pk,
        "unit": unit.name,
        "villages": figures.villages,
        "villages_with_team": figures.villages_with_team,
        "teams": figures.teams,
        "members": figures.members,
        "by_organisation": figures.by_organisation,
        "by_gender": figures.by_gender,
        "team_coverage": figures.team_coverage,
        "population": figures.population,
        "members_per_100_residents": figures.members_per_100_residents,
    }


@router.get("/teams/{team_id}", response=TeamDetailOut)
@api_requires(Perm.VIEW_TEAMS)
def team_get(request: SignedInRequest, team_id: int, on: datetime.date | None = None) -> Any:
    """A team with its roster today, or on the date ``on``, and its decisions."""
    team = selectors.team_get(user=request.user, team_id=team_id)
    return _team_detail(request, team, on)


@router.post("/teams", response={201: TeamDetailOut, **ERRORS})
@api_requires(Perm.MANAGE_TEAMS)
def team_propose(request: SignedInRequest, payload: TeamIn) -> Any:
    """Set up a village's team (or the commune-level team) with its first members and a draft decision."""
    scope = scope_for(request.user)
    commune = scope.unit(payload.commune_id, Perm.MANAGE_TEAMS)
    village = scope.village(payload.village_id, Perm.MANAGE_TEAMS) if payload.village_id is not None else None
    team = services.team_propose(
        actor=request.user,
        commune=commune,
        village=village,
        members=[_member_in(m) for m in payload.members],
        joined_on=payload.joined_on,
        request=request,
    )
    return Status(201, _fresh_team(request, team.pk))


@router.post("/teams/{team_id}/members", response={200: TeamDetailOut, **ERRORS})
@api_requires(Perm.MANAGE_TEAMS)
def member_join(request: SignedInRequest, team_id: int, payload: JoinIn) -> Any:
    """Add a person to the team from ``on`` (today when left out); the draft decision is refreshed."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    services.member_join(actor=request.user, team=team, data=_member_in(payload), on=payload.on, request=request)
    return _fresh_team(request, team.pk)


@router.post("/teams/{team_id}/members/{membership_id}/leave", response={200: TeamDetailOut, **ERRORS})
@api_requires(Perm.MANAGE_TEAMS)
def member_leave(request: SignedInRequest, team_id: int, membership_id: int, payload: LeaveIn) -> Any:
    """End a membership from ``on``, the first day off the team; history keeps it."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id)
    services.member_leave(
        actor=request.user, membership=membership, on=payload.on, reason=payload.reason, request=request
    )
    return _fresh_team(request, team.pk)


@router.post("/teams/{team_id}/members/{membership_id}/replace", response={200: TeamDetailOut, **ERRORS})
@api_requires(Perm.MANAGE_TEAMS)
def member_replace(request: SignedInRequest, team_id: int, membership_id: int, payload: ReplaceIn) -> Any:
    """Replace one person by another in the same role from ``on``, as one roster change."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id)
    services.member_replace(
        actor=request.user,
        membership=membership,
        data=_member_in(payload.member),
        on=payload.on,
        reason=payload.reason,
        request=request,
    )
    return _fresh_team(request, team.pk)


# -- decisions ------------------------------------------------------------------------------------


@router.get("/decisions/{decision_id}", response=DecisionOut, tags=["decisions"])
@api_requires(Perm.VIEW_TEAMS)
def decision_get(request: SignedInRequest, decision_id: int) -> Any:
    """A decision with the roster it lists."""
    return _decision_out(request, selectors.decision_get(user=request.user, decision_id=decision_id))


@router.patch("/decisions/{decision_id}", response={200: DecisionOut, **ERRORS}, tags=["decisions"])
@api_requires(Perm.MANAGE_TEAMS)
def decision_update(request: SignedInRequest, decision_id: int, payload: DecisionPatchIn) -> Any:
    """Change a draft decision's number, date, signer, legal bases, proposer or recipients."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id, perm=Perm.MANAGE_TEAMS)
    given = payload.model_fields_set

    def pick(name: str) -> Any:
        return getattr(payload, name) if name in given else getattr(decision, name)

    decision = services.decision_update(
        actor=request.user,
        decision=decision,
        number=pick("number") or "",
        issued_on=pick("issued_on"),
        signer_name=pick("signer_name") or "",
        signer_title=pick("signer_title") or "",
        legal_bases=list(pick("legal_bases") or []),
        proposer=pick("proposer") or "",
        recipients=list(pick("recipients") or []),
        request=request,
    )
    return _decision_out(request, decision)


@router.post("/decisions/{decision_id}/sign", response={200: DecisionOut, **ERRORS}, tags=["decisions"])
@api_requires(Perm.MANAGE_TEAMS)
def decision_sign(request: SignedInRequest, decision_id: int) -> Any:
    """Record that the chairman signed the draft: it takes effect and supersedes the previous decision."""
    decision = selectors.decision_get(user=request.user, decision_id=decision_id, perm=Perm.MANAGE_TEAMS)
    return _decision_out(request, services.decision_sign(actor=request.user, decision=decision, request=request))


# -- chat groups ----------------------------------------------------------------------------------


@router.put("/villages/{village_id}/chat-group", response={200: ChatGroupOut, **ERRORS}, tags=["chat groups"])
@api_requires(Perm.MANAGE_GROUPS)
def village_chat_group_save(request: SignedInRequest, village_id: int, payload: ChatGroupIn) -> Any:
    """Record the village's households chat group (shown on the public finder)."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_GROUPS)
    if not village.is_active:
        raise NotFound(_("The village was not found."))
    group = services.chat_group_save(
        actor=request.user, commune=village.commune, village=village, request=request, **payload.model_dump()
    )
    return _group_out(group)


@router.put("/communes/{commune_id}/chat-group", response={200: ChatGroupOut, **ERRORS}, tags=["chat groups"])
@api_requires(Perm.MANAGE_GROUPS)
def commune_chat_group_save(request: SignedInRequest, commune_id: int, payload: ChatGroupIn) -> Any:
    """Record the commune's common group (internal: never shown on the public finder)."""
    commune = _current_commune(scope_for(request.user).unit(commune_id, Perm.MANAGE_GROUPS))
    group = services.chat_group_save(
        actor=request.user, commune=commune, village=None, request=request, **payload.model_dump()
    )
    return _group_out(group)


# -- the public finder ----------------------------------------------------------------------------


@router.get("/public/finder/communes/{commune_id}", auth=None, response=PublicCommuneOut, tags=["public"])
@public(
    "The public team finder's data for one current commune, field for field what /tim-to/xa/<id>/ shows: "
    "active villages, whether each has an active team, the leader's name, the leader's phone only with consent, "
    "and the village chat group."
)
def finder_commune(request: HttpRequest, commune_id: int, response: HttpResponse) -> Any:
    """A commune's villages as the public team finder shows them (no sign-in)."""
    try:
        commune = public_selectors.public_commune_get(commune_id=commune_id)
    except NotFound as exc:
        raise HttpError(404, exc.message) from None
    villages = public_selectors.public_commune_villages(commune=commune, qr_url=qr_url)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    assert commune.parent is not None
    return {
        "id": commune.pk,
        "name": commune.name,
        "province_id": commune.parent.pk,
        "province": commune.parent.name,
        "villages": [v.as_dict() for v in villages],
    }
