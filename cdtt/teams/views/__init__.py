"""Team pages: a commune's teams, setting up a team, a team's roster and history, chat groups and their QR codes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, scope_for
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.text import fold, mask_phone
from cdtt.geo.models import AdminUnit, Village
from cdtt.teams import selectors, services
from cdtt.teams.forms import (
    ROWS_STEP,
    AccountLinkForm,
    ChatGroupForm,
    DissolveForm,
    LeaveForm,
    MemberAddForm,
    MemberForm,
    MemberReplaceForm,
    RosterDateForm,
    TeamSetupForm,
    member_formset,
    row_count,
)
from cdtt.teams.models import ChatGroup, ChatPlatform, DecisionStatus, Member, Membership, Team, TeamStatus
from cdtt.teams.qr import qr_svg
from cdtt.teams.services import MAX_MEMBERS

PAGE_SIZE = 50
SEARCH_LIMIT = 50
QR_MAX_AGE = 3600


# -- lookups: every one goes through the scope module or a selector -------------------------------


def _commune(user: Any, unit_id: Any, perm: Perm) -> AdminUnit:
    """A current commune (ward, special zone) in the user's scope for ``perm``; 404 otherwise."""
    unit = scope_for(user).unit(unit_id, perm)
    if not unit.is_commune or not unit.is_current:
        raise NotFound(_("The unit was not found."))
    return unit


def _village(user: Any, village_id: Any, perm: Perm) -> Village:
    village = scope_for(user).village(village_id, perm)
    if not village.is_active:
        raise NotFound(_("The village was not found."))
    return village


def _membership(team: Team, membership_id: int, *, current: bool = True) -> Membership:
    """One membership of ``team`` (already scoped by the caller); current ones only unless ``current`` is False."""
    for membership in selectors.roster_history(team=team):
        if membership.pk == membership_id and (membership.left_on is None or not current):
            membership.team = team  # the scoped team, with its commune already loaded
            return membership
    raise NotFound(_("The member was not found."))


def _open_team(user: Any, commune: AdminUnit, village: Village | None) -> Team | None:
    """The open team of ``village`` (or the commune-level team), if the user may see it."""
    village_id = village.pk if village else None
    return next((t for t in selectors.team_list(user=user, commune=commune) if t.village_id == village_id), None)


def _may(scope: Scope, check: Any) -> bool:
    try:
        check()
    except (NotFound, Forbidden):
        return False
    return True


def _may_edit_group(scope: Scope, commune: AdminUnit, village: Village | None) -> bool:
    """Officers edit every group of their communes; a team leader edits their own village's group only."""
    if scope.covers_unit(commune, Perm.MANAGE_GROUPS):
        return True
    return village is not None and _may(scope, lambda: scope.village(village.pk, Perm.MANAGE_GROUPS))


def _sees_full_phones(scope: Scope) -> bool:
    return selectors.sees_full_phones(scope.user)


def _phone(member: Member, full: bool) -> str:
    if not member.phone:
        return ""
    if full or member.publish_phone:  # a published phone is public in the team finder anyway
        return member.phone
    return mask_phone(member.phone)


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _status(form_or_forms: Any) -> int:
    return 400 if any(f.errors or getattr(f, "non_form_errors", list)() for f in form_or_forms) else 200


@dataclass
class MemberHit:
    member: Member
    phone: str
    team: Team | None


def _member_hits(*, user: Any, q: str, commune: AdminUnit, teams: dict[int, Team], full: bool) -> list[MemberHit]:
    """Members of ``commune`` in scope matching ``q``, each with their current team when the user may see it."""
    found = selectors.member_search(user=user, q=q, limit=SEARCH_LIMIT * 4, with_current_membership=True)
    hits = []
    for member in found:
        if member.commune_id != commune.pk:
            continue
        membership = next(iter(getattr(member, "current_memberships", [])), None)
        team = teams.get(membership.team_id) if membership else None
        hits.append(MemberHit(member, _phone(member, full), team))
    return hits[:SEARCH_LIMIT]


# -- pages -----------------------------------------------------------------------------------------


@requires(Perm.VIEW_TEAMS)
def home(request: SignedInRequest) -> HttpResponse:
    """One commune: straight to it (a team role: to their team). Several: a searchable list with counts."""
    user = request.user
    q = request.GET.get("q", "").strip()
    if not q and "page" not in request.GET:
        first = list(selectors.team_commune_list(user=user)[:2])
        if len(first) == 1:
            commune = first[0]
            if not scope_for(user).covers_unit(commune, Perm.VIEW_TEAMS):  # a team role, held at a village
                team = selectors.team_list(user=user, commune=commune).first()
                if team is not None:
                    return redirect("teams:team", team_id=team.pk)
            return redirect("teams:commune", unit_id=commune.pk)
    page = Paginator(selectors.team_commune_list(user=user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.team_commune_rows(list(page))
    provinces = len({row.commune.parent_id for row in rows}) > 1
    return render(request, "teams/home.html", {"page": page, "rows": rows, "q": q, "show_province": provinces})


@requires(Perm.VIEW_TEAMS)
def commune_detail(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Every active village of a commune with its team status, the commune-level team and the common group."""
    user = request.user
    scope = scope_for(user)
    commune = _commune(user, unit_id, Perm.VIEW_TEAMS)
    rows, commune_team = selectors.commune_overview(user=user, commune=commune)
    group = selectors.chat_group_get(user=user, commune=commune, village=None)
    can_manage = scope.covers_unit(commune, Perm.MANAGE_TEAMS)
    group_villages: set[int] = set()
    if scope.covers_unit(commune, Perm.MANAGE_GROUPS):
        group_villages = {row.village.pk for row in rows}
    elif scope.has(Perm.MANAGE_GROUPS):
        group_villages = set(scope.villages(Perm.MANAGE_GROUPS).filter(commune=commune).values_list("pk", flat=True))
    q = request.GET.get("q", "").strip()
    teams = {row.team.pk: row.team for row in rows if row.team}
    if commune_team:
        teams[commune_team.pk] = commune_team
    hits = (
        _member_hits(user=user, q=q, commune=commune, teams=teams, full=_sees_full_phones(scope))
        if fold(q) or any(ch.isdigit() for ch in q)
        else []
    )
    counts = {
        "villages": len(rows),
        "active": sum(1 for r in rows if r.team and r.team.status == TeamStatus.ACTIVE),
        "proposed": sum(1 for r in rows if r.team and r.team.status == TeamStatus.PROPOSED),
        "without": sum(1 for r in rows if r.team is None),
    }
    return render(
        request,
        "teams/commune.html",
        {
            "commune": commune,
            "rows": rows,
            "commune_team": commune_team,
            "group": group,
            "counts": counts,
            "can_manage": can_manage,
            "can_edit_commune_group": scope.covers_unit(commune, Perm.MANAGE_GROUPS),
            "group_villages": group_villages,
            "q": q,
            "hits": hits,
        },
    )


@requires(Perm.MANAGE_TEAMS)
def team_new(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """Set up a village's team (``?village=<id>``) or the commune-level team, with its first members."""
    user = request.user
    commune = _commune(user, unit_id, Perm.MANAGE_TEAMS)
    village = None
    if request.GET.get("village"):
        village = _village(user, request.GET["village"], Perm.MANAGE_TEAMS)
        if village.commune_id != commune.pk:
            raise NotFound(_("The village was not found."))
    existing = _open_team(user, commune, village)
    rows = row_count(request.GET.get("rows"))
    data = request.POST if request.method == "POST" else None
    if data is not None and "more" in data:
        # "More rows" as a submit button keeps what was typed; the plain link (?rows=) starts afresh.
        more = data.copy()
        more["m-TOTAL_FORMS"] = str(min(row_count(data.get("m-TOTAL_FORMS")) + ROWS_STEP, MAX_MEMBERS))
        form, formset = TeamSetupForm(more), member_formset(rows=rows, data=more)
        return _render_team_new(request, commune, village, existing, form, formset, 200)
    form, formset = TeamSetupForm(data), member_formset(rows=rows, data=data)
    if data is not None:
        form_ok, rows_ok = form.is_valid(), formset.is_valid()
        if form_ok and rows_ok:
            try:
                team = services.team_propose(
                    actor=user,
                    commune=commune,
                    village=village,
                    members=[row.member_in() for row in formset.filled()],
                    joined_on=form.cleaned_data["joined_on"],
                    request=request,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The team was set up; a draft decision is ready for the chairman to sign."))
                return redirect("teams:team", team_id=team.pk)
    return _render_team_new(request, commune, village, existing, form, formset, _status([form, formset]))


def _render_team_new(
    request: HttpRequest,
    commune: AdminUnit,
    village: Village | None,
    existing: Team | None,
    form: TeamSetupForm,
    formset: Any,
    status: int,
) -> HttpResponse:
    shown = formset.total_form_count()
    context = {
        "commune": commune,
        "village": village,
        "existing": existing,
        "form": form,
        "formset": formset,
        "more_rows": min(shown + ROWS_STEP, MAX_MEMBERS) if shown < MAX_MEMBERS else None,
        "max_members": MAX_MEMBERS,
    }
    return render(request, "teams/team_new.html", context, status=status)


@dataclass
class RosterRow:
    membership: Membership
    phone: str


@dataclass
class HistoryEvent:
    day: datetime.date
    joined: bool  # a join, or else a leave
    membership: Membership


def _events(history: list[Membership]) -> list[HistoryEvent]:
    """Joins and leaves, most recent first; on one day a join is listed above the leave it follows."""
    events = [HistoryEvent(m.joined_on, True, m) for m in history]
    events += [HistoryEvent(m.left_on, False, m) for m in history if m.left_on]
    return sorted(events, key=lambda e: (e.day, e.joined, e.membership.pk), reverse=True)


@requires(Perm.VIEW_TEAMS)
def team_detail(request: SignedInRequest, team_id: int) -> HttpResponse:
    """A team: status, today's roster (leader first), the roster on a date, history, decisions, chat group."""
    user = request.user
    scope = scope_for(user)
    team = selectors.team_get(user=user, team_id=team_id)
    full = _sees_full_phones(scope)
    date_form = RosterDateForm(request.GET if request.GET.get("on") else None)
    day: datetime.date | None = date_form.day() if date_form.is_bound else None
    roster = [RosterRow(m, _phone(m.member, full)) for m in selectors.roster(team=team)]
    on_day = [RosterRow(m, _phone(m.member, full)) for m in selectors.roster(team=team, day=day)] if day else None
    decisions = list(selectors.decision_list(team=team))
    context = {
        "team": team,
        "roster": roster,
        "date_form": date_form,
        "day": day,
        "on_day": on_day,
        "events": _events(selectors.roster_history(team=team)),
        "decisions": decisions,
        "draft": next((d for d in decisions if d.status == DecisionStatus.DRAFT), None),
        "group": selectors.chat_group_get(user=user, commune=team.commune, village=team.village),
        "can_manage": team.is_open and scope.covers_unit(team.commune, Perm.MANAGE_TEAMS),
        "can_edit_group": team.is_open and _may_edit_group(scope, team.commune, team.village),
    }
    return render(request, "teams/team.html", context, status=400 if date_form.is_bound and not day else 200)


def _action_page(
    request: HttpRequest, *, team: Team, form: Any, title: str, submit: str, intro: str = "", danger: bool = False
) -> HttpResponse:
    return render(
        request,
        "teams/action_form.html",
        {"team": team, "form": form, "title": title, "submit": submit, "intro": intro, "danger": danger},
        status=_status([form]),
    )


@requires(Perm.MANAGE_TEAMS)
def member_add(request: SignedInRequest, team_id: int) -> HttpResponse:
    """Add a person to the team from a date; the draft decision follows."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.member_join(
                actor=request.user, team=team, data=form.member_in(), on=form.cleaned_data["joined_on"], request=request
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s joined the team.") % {"name": membership.member.full_name})
            return redirect("teams:team", team_id=team.pk)
    return _action_page(request, team=team, form=form, title=_("Add a member"), submit=_("Add"))


@requires(Perm.MANAGE_TEAMS)
def member_leave(request: SignedInRequest, team_id: int, membership_id: int) -> HttpResponse:
    """A member leaves the team from a date, with the reason; history keeps them."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_leave(
                actor=request.user,
                membership=membership,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("%(name)s left the team.") % {"name": membership.member.full_name})
            return redirect("teams:team", team_id=team.pk)
    title = _("%(name)s leaves the team") % {"name": membership.member.full_name}
    intro = _("The person stays in the team's history; the draft decision is updated.")
    return _action_page(request, team=team, form=form, title=title, submit=_("Confirm"), intro=intro)


@requires(Perm.MANAGE_TEAMS)
def member_replace(request: SignedInRequest, team_id: int, membership_id: int) -> HttpResponse:
    """Another person takes over a member's role from a date, as one roster change."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id)
    form = MemberReplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            joined = services.member_replace(
                actor=request.user,
                membership=membership,
                data=form.member_in(role=membership.role),
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(new)s replaced %(old)s.") % {"new": joined.member.full_name, "old": membership.member.full_name},
            )
            return redirect("teams:team", team_id=team.pk)
    title = _("Replace %(name)s (%(role)s)") % {
        "name": membership.member.full_name,
        "role": membership.get_role_display(),
    }
    intro = _("Enter the person who takes over the role. The draft decision is updated.")
    return _action_page(request, team=team, form=form, title=title, submit=_("Replace"), intro=intro)


@requires(Perm.MANAGE_TEAMS)
def member_edit(request: SignedInRequest, team_id: int, membership_id: int) -> HttpResponse:
    """Correct a member's details, including their consent to publish the phone."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id, current=False)
    member = membership.member
    form = MemberForm(request.POST or None, initial=MemberForm.initial_for(member))
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                actor=request.user, member=member, data=form.member_in(role=membership.role), request=request
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The member's details were saved."))
            return redirect("teams:team", team_id=team.pk)
    title = _("Details of %(name)s") % {"name": member.full_name}
    return _action_page(request, team=team, form=form, title=title, submit=_("Save"))


@requires(Perm.MANAGE_TEAMS)
def member_account(request: SignedInRequest, team_id: int, membership_id: int) -> HttpResponse:
    """Link a member to the account they sign in with, so that their own pages know them."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    membership = _membership(team, membership_id)
    accounts = {user.pk: user for user in selectors.linkable_accounts(team=team)}
    choices = [(pk, f"{user.full_name or user.username} ({user.username})") for pk, user in accounts.items()]
    initial = {"account": str(membership.member.user_id or "")}
    form = AccountLinkForm(request.POST or None, accounts=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["account"]
        try:
            services.member_link_user(
                actor=request.user,
                membership=membership,
                user=accounts[int(chosen)] if chosen else None,
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The account link was saved."))
            return redirect("teams:team", team_id=team.pk)
    title = _("Account of %(name)s") % {"name": membership.member.full_name}
    intro = _("The member signs in with this account; it must hold a team role at the team's village.")
    return _action_page(request, team=team, form=form, title=title, submit=_("Save"), intro=intro)


@requires(Perm.MANAGE_TEAMS)
def team_dissolve(request: SignedInRequest, team_id: int) -> HttpResponse:
    """Dissolve the team from a date: every membership ends; the village may then get a new team."""
    team = selectors.team_get(user=request.user, team_id=team_id, perm=Perm.MANAGE_TEAMS)
    form = DissolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_dissolve(
                actor=request.user,
                team=team,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The team was dissolved."))
            return redirect("teams:team", team_id=team.pk)
    intro = _("Every member leaves the team on that date and the draft decision is deleted. This cannot be undone.")
    return _action_page(
        request, team=team, form=form, title=_("Dissolve the team"), submit=_("Dissolve"), intro=intro, danger=True
    )


# -- chat groups -----------------------------------------------------------------------------------


@requires(Perm.MANAGE_GROUPS)
def commune_group(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The commune's common chat group (officers only)."""
    commune = _commune(request.user, unit_id, Perm.MANAGE_GROUPS)
    if not scope_for(request.user).covers_unit(commune, Perm.MANAGE_GROUPS):
        raise NotFound(_("The unit was not found."))  # team leaders record their own village's group only
    return _group_page(request, commune=commune, village=None)


@requires(Perm.MANAGE_GROUPS)
def village_group(request: SignedInRequest, village_id: int) -> HttpResponse:
    """A village's households group (officers, or the village's team leader)."""
    village = _village(request.user, village_id, Perm.MANAGE_GROUPS)
    return _group_page(request, commune=village.commune, village=village)


def _group_page(request: SignedInRequest, *, commune: AdminUnit, village: Village | None) -> HttpResponse:
    user = request.user
    group = selectors.chat_group_get(user=user, commune=commune, village=village)
    initial: dict[str, Any] = {"platform": ChatPlatform.ZALO}
    if group is not None:
        initial = {
            "platform": group.platform,
            "name": group.name,
            "invite_link": group.invite_link,
            "households_in_group": group.households_in_group,
            "households_total": group.households_total,
            "counted_on": group.counted_on,
        }
    form = ChatGroupForm(request.POST or None, initial=initial, commune_level=village is None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_group_save(actor=user, commune=commune, village=village, request=request, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The chat group was saved."))
            team = _open_team(user, commune, village) if village is not None else None
            if team is not None:
                return redirect("teams:team", team_id=team.pk)
            return redirect("teams:commune", unit_id=commune.pk)
    return render(
        request,
        "teams/group_form.html",
        {"commune": commune, "village": village, "group": group, "form": form},
        status=_status([form]),
    )


def _qr_response(group: ChatGroup | None) -> HttpResponse:
    if group is None or not group.invite_link:
        raise NotFound(_("The group has no invite link."))
    response = HttpResponse(qr_svg(group.invite_link), content_type="image/svg+xml")
    response["Cache-Control"] = f"private, max-age={QR_MAX_AGE}"
    return response


@requires(Perm.VIEW_TEAMS)
def village_group_qr(request: SignedInRequest, village_id: int) -> HttpResponse:
    """The QR code of a village group's invite link (SVG)."""
    village = scope_for(request.user).village(village_id, Perm.VIEW_TEAMS)
    return _qr_response(selectors.chat_group_get(user=request.user, commune=village.commune, village=village))


@requires(Perm.VIEW_TEAMS)
def commune_group_qr(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """The QR code of the commune's common group (SVG)."""
    commune = _commune(request.user, unit_id, Perm.VIEW_TEAMS)
    return _qr_response(selectors.chat_group_get(user=request.user, commune=commune, village=None))


# -- the member's own page -------------------------------------------------------------------------


@requires(Perm.VIEW_TEAMS)
def me(request: SignedInRequest) -> HttpResponse:
    """The signed-in person's own member record: their team, role, dates and details."""
    member: Member | None = getattr(request.user, "team_member", None)
    memberships: list[Membership] = []
    if member is not None:
        memberships = list(
            member.memberships.select_related("team__village", "team__commune").order_by(  # type: ignore[attr-defined]
                "-joined_on", "-id"
            )
        )
    current = next((m for m in memberships if m.left_on is None), None)
    return render(request, "teams/me.html", {"member": member, "current": current, "memberships": memberships})
