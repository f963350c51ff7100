"""Writes to teams: set up, roster changes (never overwriting history), decisions, chat groups.

Each service checks the actor's scope, runs atomically, and leaves an audit event. A roster change
produces (or refreshes) a draft decision that will supersede the signed one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.text import nfc, normalize_phone
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, Village
from cdtt.teams.models import (
    ROLE_ORDER,
    ChatGroup,
    ChatPlatform,
    Decision,
    DecisionStatus,
    Gender,
    Member,
    MemberRole,
    Membership,
    Organisation,
    SignerTitle,
    Team,
    TeamStatus,
)

if TYPE_CHECKING:
    from cdtt.accounts.models import User

# Official-document text is Vietnamese whatever the interface language: it is data, not UI.
DEFAULT_LEGAL_BASES = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Căn cứ Quyết định số 749/QĐ-TTg ngày 03 tháng 6 năm 2020 của Thủ tướng Chính phủ phê duyệt "
    "“Chương trình Chuyển đổi số quốc gia đến năm 2025, định hướng đến năm 2030”;",
    "Căn cứ Văn bản số 793/BTTTT-THH ngày 05 tháng 3 năm 2022 của Bộ Thông tin và Truyền thông "
    "về việc hướng dẫn thí điểm triển khai Tổ công nghệ số cộng đồng;",
]
DEFAULT_PROPOSER = "Theo đề nghị của Trưởng phòng Văn hóa - Xã hội."
DEFAULT_RECIPIENTS = [
    "Như Điều 3;",
    "Sở Khoa học và Công nghệ (để b/c);",
    "TT Đảng ủy, TT HĐND xã (để b/c);",
    "Chủ tịch, các PCT UBND xã;",
    "Lưu: VT.",
]
TEAM_NAME_PREFIX = "Tổ công nghệ số cộng đồng"
MAX_MEMBERS = 30


@dataclass(frozen=True)
class MemberIn:
    """A person to put on a team: either an existing member (``member_id``) or new details."""

    full_name: str = ""
    role: str = MemberRole.MEMBER
    gender: str = ""
    birth_year: int | None = None
    phone: str = ""
    organisation: str = Organisation.OTHER
    occupation: str = ""
    is_village_head: bool = False
    publish_phone: bool = False
    member_id: int | None = None


# -- checks ---------------------------------------------------------------------------------------


def _require_commune(actor: User, commune: AdminUnit, perm: Perm) -> None:
    scope = scope_for(actor)
    scope.require(perm)
    if not scope.covers_unit(commune, perm):
        raise NotFound(_("The unit was not found."))
    if commune.kind not in COMMUNE_KINDS or not commune.is_current:
        raise DomainError(_("Teams belong to a current commune, ward or special zone."))


def _require_team(actor: User, team: Team, perm: Perm = Perm.MANAGE_TEAMS) -> None:
    scope = scope_for(actor)
    scope.require(perm)
    if not Team.objects.filter(scope.q(perm), pk=team.pk).exists():
        raise NotFound(_("The team was not found."))


def _check_member_fields(data: MemberIn, *, index: int | None = None) -> dict[str, Any]:
    where = _("Member %(n)d: ") % {"n": index} if index is not None else ""
    name = nfc(data.full_name)
    if not name:
        raise DomainError(where + _("enter the full name."), field="full_name")
    if len(name) > 150:
        raise DomainError(where + _("the full name is too long."), field="full_name")
    if data.role not in MemberRole.values:
        raise DomainError(where + _("unknown role."), field="role")
    if data.gender and data.gender not in Gender.values:
        raise DomainError(where + _("unknown gender."), field="gender")
    if data.organisation not in Organisation.values:
        raise DomainError(where + _("unknown organisation."), field="organisation")
    this_year = timezone.localdate().year
    if data.birth_year is not None and not (this_year - 100 <= data.birth_year <= this_year - 14):
        raise DomainError(where + _("the birth year is not plausible."), field="birth_year")
    phone = ""
    if data.phone.strip():
        try:
            phone = normalize_phone(data.phone)
        except DomainError as exc:
            raise DomainError(where + exc.message, field="phone") from None
    if data.publish_phone and not phone:
        raise DomainError(where + _("there is no phone to publish."), field="publish_phone")
    return {
        "full_name": name,
        "gender": data.gender,
        "birth_year": data.birth_year,
        "phone": phone,
        "organisation": data.organisation,
        "occupation": nfc(data.occupation)[:150],
        "is_village_head": data.is_village_head,
        "publish_phone": data.publish_phone,
        "publish_phone_at": timezone.now() if data.publish_phone else None,
    }


def _person(commune: AdminUnit, data: MemberIn, *, index: int | None = None) -> Member:
    """The existing member named by ``member_id`` (same commune, not on another team) or a new one."""
    if data.member_id is not None:
        member = Member.objects.filter(pk=data.member_id, commune=commune).first()
        if member is None:
            raise NotFound(_("The member was not found."))
        return member
    fields = _check_member_fields(data, index=index)
    if fields["phone"]:
        # The same person typed in again gets a new Member row; their phone is what tells them apart.
        holder = (
            Membership.objects.current()
            .filter(member__commune=commune, member__phone=fields["phone"])
            .select_related("member", "team")
            .first()
        )
        if holder is not None:
            raise DomainError(
                _("The phone %(phone)s belongs to %(name)s, who is already on %(team)s; they must leave it first.")
                % {"phone": fields["phone"], "name": holder.member.full_name, "team": holder.team.name},
                field="phone",
            )
    member = Member(commune=commune, **fields)
    member.save()
    return member


def _check_free(member: Member) -> None:
    other = Membership.objects.current().filter(member=member).select_related("team").first()
    if other is not None:
        raise DomainError(
            _("%(name)s is already on %(team)s; they must leave it first.")
            % {"name": member.full_name, "team": other.team.name}
        )


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc)
    if "membership_one_leader" in text or "role" in text:
        return _("A team has one leader at a time.")
    if "membership_one_open_per_person" in text or "member_id" in text:
        return _("A person can be on one team at a time.")
    if "team_one_open" in text or "village_id" in text:
        return _("The village already has a team.")
    return _("The change conflicts with another change made at the same time. Reload and try again.")


# -- decisions ------------------------------------------------------------------------------------


def roster_snapshot(team: Team, day: datetime.date | None = None) -> list[dict[str, Any]]:
    """The roster as a decision lists it: leader first, then deputies, then members."""
    rows = Membership.objects.filter(team=team).select_related("member")
    rows = rows.on(day) if day else rows.current()
    ordered = sorted(rows, key=lambda m: (ROLE_ORDER.get(m.role, 9), m.member.name_folded))
    return [
        {
            "member_id": m.member_id,
            "full_name": m.member.full_name,
            "role": m.role,
            "gender": m.member.gender,
            "birth_year": m.member.birth_year,
            "organisation": m.member.organisation,
            "occupation": m.member.occupation,
            "is_village_head": m.member.is_village_head,
            "phone": m.member.phone,
        }
        for m in ordered
    ]


def _redraft(team: Team) -> Decision:
    """Refresh the team's open draft, or start one that will supersede the signed decision."""
    draft = team.decisions.filter(status=DecisionStatus.DRAFT).first()  # type: ignore[attr-defined]
    if draft is not None:
        draft.members = roster_snapshot(team)
        draft.save(update_fields=["members", "updated_at"])
        return draft
    signed = team.decisions.filter(status=DecisionStatus.SIGNED).first()  # type: ignore[attr-defined]
    return Decision.objects.create(
        team=team,
        commune=team.commune,
        members=roster_snapshot(team),
        legal_bases=list(signed.legal_bases) if signed else list(DEFAULT_LEGAL_BASES),
        proposer=signed.proposer if signed else DEFAULT_PROPOSER,
        recipients=list(signed.recipients) if signed else list(DEFAULT_RECIPIENTS),
        signer_name=signed.signer_name if signed else "",
        signer_title=signed.signer_title if signed else SignerTitle.CHAIRMAN,
        supersedes=signed,
    )


def decision_update(
    *,
    actor: User,
    decision: Decision,
    number: str,
    issued_on: datetime.date | None,
    signer_name: str,
    signer_title: str,
    legal_bases: list[str],
    proposer: str,
    recipients: list[str],
    request: HttpRequest | None = None,
) -> Decision:
    """Edit a draft decision; a signed one is never edited."""
    _require_team(actor, decision.team)
    if decision.status != DecisionStatus.DRAFT:
        raise DomainError(_("Only a draft decision can be changed."))
    if signer_title not in SignerTitle.values:
        raise DomainError(_("Unknown signer title."), field="signer_title")
    number = nfc(number)
    if number and Decision.objects.filter(commune=decision.commune, number=number).exclude(pk=decision.pk).exists():
        raise DomainError(
            _("Decision number %(number)s is already used in this commune.") % {"number": number}, field="number"
        )
    decision.number, decision.issued_on = number, issued_on
    decision.signer_name, decision.signer_title = nfc(signer_name), signer_title
    decision.legal_bases = [nfc(line) for line in legal_bases if nfc(line)]
    decision.proposer = nfc(proposer)
    decision.recipients = [nfc(line) for line in recipients if nfc(line)]
    try:
        with transaction.atomic():
            decision.save()
            audit_record(
                actor=actor,
                action="decision.update",
                target=decision,
                unit=decision.commune,
                request=request,
                number=number,
            )
    except IntegrityError:
        raise DomainError(
            _("Decision number %(number)s is already used in this commune.") % {"number": number}, field="number"
        ) from None
    return decision


def decision_sign(*, actor: User, decision: Decision, request: HttpRequest | None = None) -> Decision:
    """Record that the chairman signed the draft: it takes effect and supersedes the previous one."""
    _require_team(actor, decision.team)
    if decision.status != DecisionStatus.DRAFT:
        raise DomainError(_("Only a draft decision can be signed."))
    missing = [
        label
        for label, value in [
            (_("number"), decision.number),
            (_("date"), decision.issued_on),
            (_("signer"), decision.signer_name),
        ]
        if not value
    ]
    if missing:
        raise DomainError(_("Before signing, fill in: %(fields)s.") % {"fields": ", ".join(str(m) for m in missing)})
    if not decision.members:
        raise DomainError(_("A decision must list at least one member."))
    assert decision.issued_on is not None
    if decision.issued_on > timezone.localdate():
        raise DomainError(_("The decision date cannot be in the future."), field="issued_on")
    team = decision.team
    with transaction.atomic():
        previous = decision.supersedes
        if previous is not None:
            previous.status = DecisionStatus.SUPERSEDED
            previous.save(update_fields=["status", "updated_at"])
        decision.status = DecisionStatus.SIGNED
        decision.save(update_fields=["status", "updated_at"])
        if team.status == TeamStatus.PROPOSED:
            team.status, team.established_on = TeamStatus.ACTIVE, decision.issued_on
            team.save(update_fields=["status", "established_on", "updated_at"])
        audit_record(
            actor=actor,
            action="decision.sign",
            target=decision,
            unit=decision.commune,
            request=request,
            number=decision.number,
            supersedes=previous.pk if previous else None,
        )
    return decision


def decision_attach_scan(
    *, actor: User, decision: Decision, upload: UploadedFile, request: HttpRequest | None = None
) -> Decision:
    """Keep the signed scan (PDF) with a signed decision."""
    _require_team(actor, decision.team)
    if decision.status == DecisionStatus.DRAFT:
        raise DomainError(_("Sign the decision before attaching its signed scan."))
    if upload.size is None or upload.size > settings.UPLOAD_MAX_BYTES:
        raise DomainError(
            _("The file is too large (at most %(mb)d MB).") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
            field="scan",
        )
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise DomainError(_("The signed scan must be a PDF file."), field="scan")
    old_name = decision.signed_scan.name if decision.signed_scan else ""
    with transaction.atomic():
        decision.signed_scan.save("signed.pdf", upload, save=False)  # the storage picks a fresh name
        if old_name and old_name != decision.signed_scan.name:
            storage = decision.signed_scan.storage
            transaction.on_commit(lambda: storage.delete(old_name))  # keep the old scan until the new one is saved
        decision.scan_uploaded_at = timezone.now()
        decision.save(update_fields=["signed_scan", "scan_uploaded_at", "updated_at"])
        audit_record(
            actor=actor,
            action="decision.scan",
            target=decision,
            unit=decision.commune,
            request=request,
            size=upload.size,
        )
    return decision


# -- teams and rosters ----------------------------------------------------------------------------


def team_propose(
    *,
    actor: User,
    commune: AdminUnit,
    village: Village | None,
    members: list[MemberIn],
    joined_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Team:
    """Set up a team for a village (or the commune-level team) with its first members and a draft decision."""
    _require_commune(actor, commune, Perm.MANAGE_TEAMS)
    if village is not None and (village.commune_id != commune.pk or not village.is_active):
        raise NotFound(_("The village was not found."))
    if not members:
        raise DomainError(_("Add at least one member."))
    if len(members) > MAX_MEMBERS:
        raise DomainError(_("A team has at most %(n)d members.") % {"n": MAX_MEMBERS})
    if sum(1 for m in members if m.role == MemberRole.LEADER) > 1:
        raise DomainError(_("A team has one leader at a time."))
    open_teams = Team.objects.filter(status__in=[TeamStatus.PROPOSED, TeamStatus.ACTIVE])
    clash = open_teams.filter(village=village) if village else open_teams.filter(commune=commune, village=None)
    if clash.exists():
        raise DomainError(_("The village already has a team.") if village else _("The commune already has a team."))
    day = joined_on or timezone.localdate()
    try:
        with transaction.atomic():
            team = Team.objects.create(
                commune=commune,
                village=village,
                name=f"{TEAM_NAME_PREFIX} {village.name if village else commune.name}",
            )
            seen: set[int] = set()
            for index, data in enumerate(members, 1):
                member = _person(commune, data, index=index)
                if member.pk in seen:
                    raise DomainError(_("%(name)s is listed twice.") % {"name": member.full_name})
                seen.add(member.pk)
                _check_free(member)
                Membership.objects.create(team=team, member=member, role=data.role, joined_on=day)
            decision = _redraft(team)
            audit_record(
                actor=actor,
                action="team.propose",
                target=team,
                unit=commune,
                request=request,
                members=len(members),
                decision=decision.pk,
            )
    except IntegrityError as exc:
        raise DomainError(_integrity_message(exc)) from None
    return team


def member_join(
    *, actor: User, team: Team, data: MemberIn, on: datetime.date | None = None, request: HttpRequest | None = None
) -> Membership:
    """Add a person to a team from a date; the draft decision is refreshed."""
    _require_team(actor, team)
    if not team.is_open:
        raise DomainError(_("The team is dissolved."))
    if team.memberships.current().count() >= MAX_MEMBERS:  # type: ignore[attr-defined]
        raise DomainError(_("A team has at most %(n)d members.") % {"n": MAX_MEMBERS})
    day = on or timezone.localdate()
    try:
        with transaction.atomic():
            member = _person(team.commune, data)
            _check_free(member)
            membership = Membership.objects.create(team=team, member=member, role=data.role, joined_on=day)
            _redraft(team)
            audit_record(
                actor=actor,
                action="member.join",
                target=membership,
                unit=team.commune,
                request=request,
                member=member.pk,
                role=data.role,
                on=day.isoformat(),
            )
    except IntegrityError as exc:
        raise DomainError(_integrity_message(exc)) from None
    return membership


def member_leave(
    *,
    actor: User,
    membership: Membership,
    on: datetime.date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    redraft: bool = True,
    replacing: bool = False,
) -> Membership:
    """End a membership from a date (the first day off the team); history keeps it."""
    team = membership.team
    _require_team(actor, team)
    if membership.left_on is not None:
        raise DomainError(_("This person has already left the team."))
    if membership.role == MemberRole.LEADER and not replacing and team.is_open:
        # A team without a leader has no one to report or approve its members' records; replacing the
        # leader (member_replace) ends the membership itself, with the successor named in the same step.
        raise DomainError(
            _(
                "%(name)s leads the team. Replace the leader first (choose “Replace” and name the new leader), "
                "or dissolve the team."
            )
            % {"name": membership.member.full_name}
        )
    day = on or timezone.localdate()
    if day <= membership.joined_on:
        raise DomainError(_("The leaving date must be after the joining date."), field="on")
    membership.left_on, membership.left_reason = day, nfc(reason)[:255]
    with transaction.atomic():
        membership.save(update_fields=["left_on", "left_reason"])
        if redraft:
            _redraft(team)
        audit_record(
            actor=actor,
            action="member.leave",
            target=membership,
            unit=team.commune,
            request=request,
            member=membership.member_id,
            on=day.isoformat(),
            reason=membership.left_reason,
        )
    return membership


def member_replace(
    *,
    actor: User,
    membership: Membership,
    data: MemberIn,
    on: datetime.date | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Replace one person by another in the same role from a date, as one roster change."""
    team = membership.team
    _require_team(actor, team)
    day = on or timezone.localdate()
    try:
        with transaction.atomic():
            member_leave(
                actor=actor,
                membership=membership,
                on=day,
                reason=reason,
                request=request,
                redraft=False,
                replacing=True,
            )
            replacement = (
                data if data.role == membership.role else MemberIn(**{**data.__dict__, "role": membership.role})
            )
            return member_join(actor=actor, team=team, data=replacement, on=day, request=request)
    except IntegrityError as exc:
        raise DomainError(_integrity_message(exc)) from None


def member_update(*, actor: User, member: Member, data: MemberIn, request: HttpRequest | None = None) -> Member:
    """Correct a member's details (name spelling, phone, consent to publish the phone)."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_TEAMS)
    if not scope.covers_unit(member.commune, Perm.MANAGE_TEAMS):
        raise NotFound(_("The member was not found."))
    fields = _check_member_fields(data)
    if member.publish_phone and fields["publish_phone"]:
        fields["publish_phone_at"] = member.publish_phone_at  # consent unchanged: keep when it was given
    before = {"full_name": member.full_name, "phone": member.phone, "publish_phone": member.publish_phone}
    for name, value in fields.items():
        setattr(member, name, value)
    with transaction.atomic():
        member.save()
        audit_record(
            actor=actor,
            action="member.update",
            target=member,
            unit=member.commune,
            request=request,
            before=before,
            after={"full_name": member.full_name, "phone": member.phone, "publish_phone": member.publish_phone},
        )
    return member


def member_link_user(
    *, actor: User, membership: Membership, user: Any | None, request: HttpRequest | None = None
) -> Member:
    """Link a member to the account they sign in with (a team role at their village), or unlink (None)."""
    from cdtt.teams.selectors import linkable_accounts

    team = membership.team
    _require_team(actor, team)
    member = membership.member
    if user is not None:
        if membership.left_on is not None:
            raise DomainError(_("This person has left the team."))
        if not linkable_accounts(team=team).filter(pk=user.pk).exists():
            raise DomainError(_("Only an account holding a team role at this village can be linked."), field="account")
        other = Member.objects.filter(user=user).exclude(pk=member.pk).first()
        if other is not None:
            raise DomainError(
                _("The account is already linked to %(name)s.") % {"name": other.full_name}, field="account"
            )
    member.user = user
    with transaction.atomic():
        member.save(update_fields=["user", "updated_at"])
        audit_record(
            actor=actor,
            action="member.link",
            target=member,
            unit=team.commune,
            request=request,
            account=user.pk if user is not None else None,
        )
    return member


def _refuse_pending_reports(team: Team) -> None:
    """A dissolved team cannot answer a return or see an approval: its sent reports must be settled first."""
    from cdtt.reports.models import Report, ReportStatus

    pending = Report.objects.filter(team=team, status__in=(ReportStatus.SUBMITTED, ReportStatus.RETURNED)).count()
    if pending:
        raise DomainError(
            _(
                "The team has %(n)s reports waiting for review or returned for changes. Have the commune approve "
                "them (or the team resubmit the returned ones) first, then dissolve the team."
            )
            % {"n": pending}
        )


def team_dissolve(
    *, actor: User, team: Team, on: datetime.date | None = None, reason: str = "", request: HttpRequest | None = None
) -> Team:
    """Dissolve a team: every open membership ends on that date; the village may get a new team."""
    _require_team(actor, team)
    if not team.is_open:
        raise DomainError(_("The team is already dissolved."))
    _refuse_pending_reports(team)
    day = on or timezone.localdate()
    with transaction.atomic():
        for membership in team.memberships.current():  # type: ignore[attr-defined]
            if day <= membership.joined_on:
                raise DomainError(_("The dissolution date must be after every member joined."))
            membership.left_on, membership.left_reason = day, nfc(reason)[:255]
            membership.save(update_fields=["left_on", "left_reason"])
        team.decisions.filter(status=DecisionStatus.DRAFT).delete()  # type: ignore[attr-defined]
        team.status, team.dissolved_on = TeamStatus.DISSOLVED, day
        team.save(update_fields=["status", "dissolved_on", "updated_at"])
        audit_record(
            actor=actor,
            action="team.dissolve",
            target=team,
            unit=team.commune,
            request=request,
            on=day.isoformat(),
            reason=nfc(reason),
        )
    return team


# -- chat groups ----------------------------------------------------------------------------------


def chat_group_save(
    *,
    actor: User,
    commune: AdminUnit,
    village: Village | None,
    platform: str,
    name: str,
    invite_link: str = "",
    households_in_group: int | None = None,
    households_total: int | None = None,
    counted_on: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> ChatGroup:
    """Record a village's households group, or the commune's common group (village empty)."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_GROUPS)
    if village is not None:
        if village.commune_id != commune.pk or not scope.villages(Perm.MANAGE_GROUPS).filter(pk=village.pk).exists():
            raise NotFound(_("The village was not found."))
        if not village.is_active:
            raise DomainError(_("The village is retired."))
    elif not scope.covers_unit(commune, Perm.MANAGE_GROUPS):
        raise NotFound(_("The unit was not found."))
    if commune.kind not in COMMUNE_KINDS or not commune.is_current:
        raise DomainError(_("Chat groups belong to a current commune, ward or special zone."))
    if platform not in ChatPlatform.values:
        raise DomainError(_("Unknown platform."), field="platform")
    name = nfc(name)
    if not name:
        raise DomainError(_("Enter the group name."), field="name")
    link = invite_link.strip()
    if link and not link.startswith("https://"):
        raise DomainError(_("The invite link must start with https://"), field="invite_link")
    for value in (households_in_group, households_total):
        if value is not None and value < 0:
            raise DomainError(_("Household counts cannot be negative."))
    if households_in_group is not None and households_total and households_in_group > households_total:
        raise DomainError(_("The group cannot have more households than the village."), field="households_in_group")
    if counted_on and counted_on > timezone.localdate():
        raise DomainError(_("The count date cannot be in the future."), field="counted_on")
    with transaction.atomic():
        group = ChatGroup.objects.filter(commune=commune, village=village).first() or ChatGroup(
            commune=commune, village=village
        )
        group.platform, group.name, group.invite_link = platform, name[:200], link[:500]
        group.households_in_group, group.households_total = households_in_group, households_total
        group.counted_on = counted_on or (timezone.localdate() if households_in_group is not None else None)
        group.save()
        audit_record(
            actor=actor,
            action="chat_group.save",
            target=group,
            unit=commune,
            request=request,
            village=village.pk if village else None,
            households=households_in_group,
        )
    return group
