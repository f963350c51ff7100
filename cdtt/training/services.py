"""Training writes: enterprise partners, courses, sessions, invitations, attendance and materials.

Who may do what: officers (``MANAGE_TRAINING``) manage the courses of their units, invite members and
record attendance; an enterprise partner (``RUN_TRAINING``) manages its own enterprise's courses and
sessions but never sees or writes anything about named people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import Scope, as_id, scope_for
from cdtt.accounts.models import Role, RoleAssignment, User
from cdtt.catalog.models import Platform
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound
from cdtt.core.files import check_content, extension
from cdtt.core.text import nfc
from cdtt.difficulties.images import clean_image
from cdtt.geo.models import COMMUNE_KINDS, AdminUnit, UnitKind
from cdtt.teams.models import OPEN_STATUSES, Membership
from cdtt.training.models import (
    Attendance,
    Course,
    Enterprise,
    Invitation,
    Material,
    MaterialKind,
    Mode,
    Organiser,
    Presence,
    Session,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
MATERIAL_EXTENSIONS = (".pdf", ".docx", ".doc", ".pptx", ".ppt", ".xlsx", ".mp4", ".png", ".jpg", ".jpeg", ".zip")


# -- access ------------------------------------------------------------------------------------------------


def _manage_paths(scope: Scope) -> list[str]:
    """The subtrees where the user manages training (officers and national admins; not team roles)."""
    return [g.unit_path for g in scope.grants_with(Perm.MANAGE_TRAINING) if g.village_id is None]


def may_manage_unit(scope: Scope, unit: AdminUnit) -> bool:
    return any(unit.path.startswith(path) for path in _manage_paths(scope))


def may_manage(scope: Scope, course: Course) -> bool:
    """Change the course and its sessions: officers over its unit, or its enterprise's own accounts."""
    if may_manage_unit(scope, course.unit):
        return True
    return (
        scope.has(Perm.RUN_TRAINING)
        and course.enterprise_id is not None
        and Enterprise.objects.filter(pk=course.enterprise_id, accounts=scope.user).exists()
    )


def may_handle_people(scope: Scope, course: Course) -> bool:
    """Invite members and record attendance (named people): officers over the course's unit only."""
    return may_manage_unit(scope, course.unit)


def require_training_role(scope: Scope) -> None:
    """Course pages are for officers and enterprise partners; team roles have their own history page."""
    if not (_manage_paths(scope) or scope.has(Perm.RUN_TRAINING)):
        raise Forbidden(_("Your role does not allow this action."))


def course_q(scope: Scope) -> Q:
    """Courses the user sees: organised in their units, inviting their units' members, or run by their enterprise."""
    parts = Q(pk__in=[])
    for path in _manage_paths(scope):
        parts |= Q(unit__path__startswith=path) | Q(
            pk__in=Invitation.objects.filter(commune__path__startswith=path).values("course_id")
        )
    if scope.has(Perm.RUN_TRAINING):
        parts |= Q(enterprise__accounts=scope.user)
    return parts


def course_get(*, user: Any, course_id: Any) -> Course:
    """One visible course; a missing one and one that is not the user's are the same 404."""
    scope = scope_for(user)
    require_training_role(scope)
    course = (
        Course.objects.filter(course_q(scope), pk=as_id(course_id))
        .select_related("unit", "enterprise")
        .distinct()
        .first()
    )
    if course is None:
        raise NotFound(_("The course was not found."))
    return course


def session_get(*, user: Any, session_id: Any) -> Session:
    scope = scope_for(user)
    require_training_role(scope)
    session = (
        Session.objects.filter(pk=as_id(session_id), course__in=Course.objects.filter(course_q(scope)))
        .select_related("course__unit", "course__enterprise")
        .first()
    )
    if session is None:
        raise NotFound(_("The session was not found."))
    return session


def invitations_visible(scope: Scope, course: Course) -> QuerySet[Invitation]:
    """The invitations (named members) the user may read: those of communes in their managed subtrees."""
    paths = _manage_paths(scope)
    if not paths:
        return Invitation.objects.none()
    where = Q(pk__in=[])
    for path in paths:
        where |= Q(commune__path__startswith=path)
    return course.invitations.filter(where).select_related("member", "commune", "team__village")  # type: ignore[attr-defined]


# -- enterprises ------------------------------------------------------------------------------------------


@dataclass
class EnterpriseIn:
    name: str
    owner_id: int
    area_ids: list[int]
    platform_ids: list[int] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    contact: str = ""


def partner_accounts(scope: Scope) -> QuerySet[User]:
    """Enterprise-partner accounts an officer may link: granted in the officer's subtrees."""
    paths = _manage_paths(scope)
    where = Q(pk__in=[])
    for path in paths:
        where |= Q(unit__path__startswith=path)
    ids = RoleAssignment.objects.filter(where, role=Role.ENTERPRISE_PARTNER).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("username")


def enterprise_save(
    *, actor: User, data: EnterpriseIn, enterprise: Enterprise | None = None, request: HttpRequest | None = None
) -> Enterprise:
    """Register an enterprise partner or change it: its areas must lie in the officer's units."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_TRAINING)
    name = nfc(data.name).strip()
    if not name:
        raise DomainError(_("Enter the enterprise's name."), field="name")
    owner = AdminUnit.objects.filter(pk=data.owner_id).first()
    if owner is None or not may_manage_unit(scope, owner):
        raise NotFound(_("The unit was not found."))
    if enterprise is not None and not may_manage_unit(scope, enterprise.owner):
        raise NotFound(_("The enterprise was not found."))
    areas = list(AdminUnit.objects.filter(pk__in=data.area_ids, valid_to__isnull=True))
    if not areas or len(areas) != len(set(data.area_ids)):
        raise DomainError(_("Choose at least one area."), field="areas")
    for area in areas:
        if not area.path.startswith(owner.path):
            raise DomainError(
                _("%(area)s is not inside %(owner)s.") % {"area": area.name, "owner": owner.name}, field="areas"
            )
    platforms = list(Platform.objects.filter(pk__in=data.platform_ids, is_active=True))
    if len(platforms) != len(set(data.platform_ids)):
        raise DomainError(_("Unknown platform."), field="platforms")
    accounts = list(partner_accounts(scope).filter(pk__in=data.account_ids))
    if len(accounts) != len(set(data.account_ids)):
        raise DomainError(_("Only enterprise-partner accounts of your units can be linked."), field="accounts")
    with transaction.atomic():
        created = enterprise is None
        if enterprise is None:
            enterprise = Enterprise(owner=owner)
        enterprise.name = name
        enterprise.owner = owner
        enterprise.contact = nfc(data.contact).strip()[:255]
        enterprise.save()
        enterprise.areas.set(areas)
        enterprise.platforms.set(platforms)
        enterprise.accounts.set(accounts)
        audit_record(
            actor=actor,
            action="enterprise.create" if created else "enterprise.update",
            target=enterprise,
            unit=owner,
            request=request,
            areas=[a.pk for a in areas],
        )
    return enterprise


def enterprise_q(scope: Scope) -> Q:
    """Enterprises the user sees: registered in or working in their units, or their own."""
    parts = Q(pk__in=[])
    for path in _manage_paths(scope):
        # An enterprise assigned to a whole province works in each of its communes too.
        above = [int(part) for part in path.strip("/").split("/") if part]
        parts |= Q(owner__path__startswith=path) | Q(areas__path__startswith=path) | Q(areas__in=above)
    if scope.has(Perm.RUN_TRAINING):
        parts |= Q(accounts=scope.user)
    return parts


def enterprise_get(*, user: Any, enterprise_id: Any) -> Enterprise:
    scope = scope_for(user)
    require_training_role(scope)
    found = Enterprise.objects.filter(enterprise_q(scope), pk=as_id(enterprise_id)).select_related("owner").first()
    if found is None:
        raise NotFound(_("The enterprise was not found."))
    return found


def enterprise_choices(scope: Scope) -> QuerySet[Enterprise]:
    """Enterprises a course may name as its partner."""
    return Enterprise.objects.filter(enterprise_q(scope)).distinct()


# -- courses ----------------------------------------------------------------------------------------------


@dataclass
class CourseIn:
    title: str
    unit_id: int
    organiser: str
    starts_on: datetime.date
    ends_on: datetime.date
    enterprise_id: int | None = None
    covers_policy: bool = False
    platform_ids: list[int] = field(default_factory=list)
    description: str = ""


def _course_values(scope: Scope, data: CourseIn) -> dict[str, Any]:
    title = nfc(data.title).strip()
    if not title:
        raise DomainError(_("Enter the course title."), field="title")
    if data.organiser not in Organiser.values:
        raise DomainError(_("Choose who organises the course."), field="organiser")
    unit = AdminUnit.objects.filter(pk=data.unit_id, valid_to__isnull=True).first()
    if unit is None:
        raise NotFound(_("The unit was not found."))
    enterprise = None
    if data.enterprise_id is not None:
        enterprise = enterprise_choices(scope).filter(pk=data.enterprise_id).first()
        if enterprise is None:
            raise DomainError(_("Unknown enterprise."), field="enterprise")
    if may_manage_unit(scope, unit):
        pass
    elif (
        scope.has(Perm.RUN_TRAINING)
        and enterprise is not None
        and enterprise.accounts.filter(pk=scope.user.pk).exists()
        and enterprise.areas.filter(pk=unit.pk).exists()
    ):
        pass  # an enterprise schedules its own course in one of its areas
    else:
        raise NotFound(_("The unit was not found."))
    if data.organiser == Organiser.PROVINCE and unit.kind != UnitKind.PROVINCE:
        raise DomainError(
            _('A course of the province department belongs to a province: choose the province in "Unit".'),
            field="unit",
        )
    if data.organiser == Organiser.COMMUNE and unit.kind not in COMMUNE_KINDS:
        raise DomainError(_('A course of a commune belongs to a commune: choose the commune in "Unit".'), field="unit")
    if data.organiser == Organiser.ENTERPRISE and enterprise is None:
        raise DomainError(_("Choose the enterprise that organises the course."), field="enterprise")
    if data.ends_on < data.starts_on:
        raise DomainError(_("The course cannot end before it starts."), field="ends_on")
    platforms = list(Platform.objects.filter(pk__in=data.platform_ids, is_active=True))
    if len(platforms) != len(set(data.platform_ids)):
        raise DomainError(_("Unknown platform."), field="platforms")
    if not platforms and not data.covers_policy:
        raise DomainError(_("Choose the topics: DX policy and law, or platforms."), field="platforms")
    return {
        "title": title[:255],
        "organiser": data.organiser,
        "unit": unit,
        "enterprise": enterprise,
        "covers_policy": data.covers_policy,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "description": nfc(data.description).strip()[:4000],
        "platforms": platforms,
    }


def course_create(*, actor: User, data: CourseIn, request: HttpRequest | None = None) -> Course:
    scope = scope_for(actor)
    require_training_role(scope)
    values = _course_values(scope, data)
    platforms = values.pop("platforms")
    with transaction.atomic():
        course = Course.objects.create(created_by=actor, **values)
        course.platforms.set(platforms)
        audit_record(actor=actor, action="course.create", target=course, unit=course.unit, request=request)
    return course


def course_update(*, actor: User, course: Course, data: CourseIn, request: HttpRequest | None = None) -> Course:
    """Change a course; new dates must still hold every session."""
    scope = scope_for(actor)
    if not may_manage(scope, course):
        raise Forbidden(_("Only the organisers can change this course."))
    values = _course_values(scope, data)
    platforms = values.pop("platforms")
    outside = course.sessions.all()  # type: ignore[attr-defined]
    for session in outside:
        day = timezone.localtime(session.starts_at).date()
        if not values["starts_on"] <= day <= values["ends_on"]:
            raise DomainError(
                _("A session on %(day)s would fall outside the new dates; move it first.")
                % {"day": day.strftime("%d/%m/%Y")},
                field="starts_on",
            )
    with transaction.atomic():
        for name, value in values.items():
            setattr(course, name, value)
        course.save()
        course.platforms.set(platforms)
        audit_record(actor=actor, action="course.update", target=course, unit=course.unit, request=request)
    return course


def course_delete(*, actor: User, course: Course, request: HttpRequest | None = None) -> None:
    """Delete a course with its sessions and invitations, in one transaction; only while no attendance is
    recorded at any of its sessions (a course that took place stays on record)."""
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    with transaction.atomic():
        locked = Course.objects.select_for_update().filter(pk=course.pk).first()
        if locked is None:
            raise NotFound(_("The course was not found."))
        if Attendance.objects.filter(session__course=locked).exists():
            raise DomainError(
                _(
                    "Attendance is recorded at a session of this course, so the course cannot be deleted. "
                    "Cancel the sessions that did not take place instead."
                )
            )
        sessions = Session.objects.filter(course=locked).count()
        invitations = Invitation.objects.filter(course=locked).count()
        audit_record(
            actor=actor,
            action="course.delete",
            target=locked,
            unit=locked.unit,
            request=request,
            title=locked.title,
            sessions=sessions,
            invitations=invitations,
        )
        Invitation.objects.filter(course=locked).delete()
        Session.objects.filter(course=locked).delete()
        locked.delete()


# -- sessions ---------------------------------------------------------------------------------------------


@dataclass
class SessionIn:
    starts_at: datetime.datetime
    mode: str = Mode.IN_PERSON
    ends_at: datetime.datetime | None = None
    title: str = ""
    place: str = ""
    meeting_link: str = ""
    trainers: str = ""
    follow_up_of_id: int | None = None


def _session_values(course: Course, data: SessionIn, *, editing: Session | None = None) -> dict[str, Any]:
    """The session's values, checked against its course; a bad one raises DomainError naming its field."""
    if data.mode not in Mode.values:
        raise DomainError(_("Choose in person or online."), field="mode")
    starts_at = data.starts_at if timezone.is_aware(data.starts_at) else timezone.make_aware(data.starts_at)
    ends_at = data.ends_at
    if ends_at is not None and not timezone.is_aware(ends_at):
        ends_at = timezone.make_aware(ends_at)
    day = timezone.localtime(starts_at).date()
    if not course.starts_on <= day <= course.ends_on:
        raise DomainError(
            _("The session is on %(day)s, outside the course's dates (%(start)s – %(end)s).")
            % {
                "day": day.strftime("%d/%m/%Y"),
                "start": course.starts_on.strftime("%d/%m/%Y"),
                "end": course.ends_on.strftime("%d/%m/%Y"),
            },
            field="starts_at",
        )
    if ends_at is not None and ends_at <= starts_at:
        raise DomainError(_("The session must end after it starts."), field="ends_at")
    place, link = nfc(data.place).strip(), data.meeting_link.strip()
    if data.mode == Mode.IN_PERSON and not place:
        raise DomainError(_("Enter where the session takes place."), field="place")
    if data.mode == Mode.ONLINE and not link.startswith(("https://", "http://")):
        raise DomainError(_("Enter the meeting link (starting with https://)."), field="meeting_link")
    follow_up_of = None
    if data.follow_up_of_id is not None:
        earlier = course.sessions.all()  # type: ignore[attr-defined]
        if editing is not None:
            earlier = earlier.exclude(pk=editing.pk)
        follow_up_of = earlier.filter(pk=data.follow_up_of_id).first()
        if follow_up_of is None:
            raise DomainError(_("A follow-up repeats a session of the same course."), field="follow_up_of")
        if follow_up_of.starts_at >= starts_at:
            raise DomainError(_("A follow-up comes after the session it follows."), field="follow_up_of")
    if editing is not None and editing.follow_ups.filter(starts_at__lte=starts_at).exists():  # type: ignore[attr-defined]
        raise DomainError(_("A follow-up of this session would come before it."), field="starts_at")
    return {
        "title": nfc(data.title).strip()[:255],
        "mode": data.mode,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place[:255],
        "meeting_link": link[:500],
        "trainers": nfc(data.trainers).strip()[:500],
        "follow_up_of": follow_up_of,
    }


def session_create(*, actor: User, course: Course, data: SessionIn, request: HttpRequest | None = None) -> Session:
    """Add a session (or a follow-up of an earlier one) inside the course's dates."""
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    values = _session_values(course, data)
    with transaction.atomic():
        session = Session.objects.create(course=course, **values)
        audit_record(actor=actor, action="session.create", target=session, unit=course.unit, request=request)
    return session


def session_update(*, actor: User, session: Session, data: SessionIn, request: HttpRequest | None = None) -> Session:
    """Move or change a session; it stays inside its course's dates and before its follow-ups."""
    course = session.course
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    values = _session_values(course, data, editing=session)
    with transaction.atomic():
        for name, value in values.items():
            setattr(session, name, value)
        session.save()
        audit_record(actor=actor, action="session.update", target=session, unit=course.unit, request=request)
    return session


def session_delete(*, actor: User, session: Session, request: HttpRequest | None = None) -> None:
    """Delete a session, only while no attendance is recorded for it; otherwise it can be cancelled."""
    course = session.course
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None:
            raise NotFound(_("The session was not found."))
        if Attendance.objects.filter(session=locked).exists():
            raise DomainError(
                _(
                    "Attendance is recorded for this session, so it cannot be deleted. Cancel it instead: it "
                    "stays on record with the reason and no longer counts in the coverage figures."
                )
            )
        audit_record(
            actor=actor,
            action="session.delete",
            target=locked,
            unit=course.unit,
            request=request,
            course=course.pk,
            starts_at=locked.starts_at.isoformat(),
        )
        locked.delete()


def session_cancel(*, actor: User, session: Session, reason: str, request: HttpRequest | None = None) -> Session:
    """Cancel a session, with the reason: it stays on record (with any attendance taken) but no longer counts
    in the coverage figures, and no attendance can be recorded for it any more."""
    course = session.course
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    reason = nfc(reason).strip()
    if not reason:
        raise DomainError(_("Enter the reason for cancelling."), field="reason")
    with transaction.atomic():
        locked = Session.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None:
            raise NotFound(_("The session was not found."))
        if locked.cancelled_at is not None:
            raise DomainError(_("This session is already cancelled."), field="reason")
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason[:500]
        locked.cancelled_by = actor
        locked.save(update_fields=["cancelled_at", "cancel_reason", "cancelled_by"])
        audit_record(
            actor=actor, action="session.cancel", target=locked, unit=course.unit, request=request, reason=reason
        )
    session.cancelled_at, session.cancel_reason, session.cancelled_by = (
        locked.cancelled_at,
        locked.cancel_reason,
        actor,
    )
    return session


def session_restore(*, actor: User, session: Session, request: HttpRequest | None = None) -> Session:
    """Undo a cancellation made by mistake: the session counts again and attendance can be recorded. The
    cancellation and its reason stay in the audit log."""
    course = session.course
    if not may_manage(scope_for(actor), course):
        raise Forbidden(_("Only the organisers can change this course."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None:
            raise NotFound(_("The session was not found."))
        if locked.cancelled_at is None:
            raise DomainError(_("This session is not cancelled."))
        reason = locked.cancel_reason
        locked.cancelled_at, locked.cancel_reason, locked.cancelled_by = None, "", None
        locked.save(update_fields=["cancelled_at", "cancel_reason", "cancelled_by"])
        audit_record(
            actor=actor, action="session.restore", target=locked, unit=course.unit, request=request, reason=reason
        )
    session.cancelled_at, session.cancel_reason, session.cancelled_by = None, "", None
    return session


# -- invitations ------------------------------------------------------------------------------------------


def invitation_create(
    *, actor: User, course: Course, unit_ids: list[int], request: HttpRequest | None = None
) -> tuple[int, int]:
    """Invite the current members of the open teams of the chosen units; (newly invited, already invited)."""
    scope = scope_for(actor)
    if not may_handle_people(scope, course):
        raise Forbidden(_("Only the course's organising officers invite members."))
    if not unit_ids:
        raise DomainError(_("Choose the units whose members are invited."), field="units")
    units = list(AdminUnit.objects.filter(pk__in=unit_ids, valid_to__isnull=True))
    if len(units) != len(set(unit_ids)):
        raise NotFound(_("The unit was not found."))
    for unit in units:
        if not may_manage_unit(scope, unit):
            raise NotFound(_("The unit was not found."))
        if not unit.path.startswith(course.unit.path):
            raise DomainError(
                _("%(unit)s is outside the course's area (%(area)s).") % {"unit": unit.name, "area": course.unit.name},
                field="units",
            )
    where = Q(pk__in=[])
    for unit in units:
        where |= Q(team__commune__path__startswith=unit.path)
    memberships = (
        Membership.objects.current().filter(where, team__status__in=OPEN_STATUSES).select_related("team", "member")
    )
    already = set(course.invitations.values_list("member_id", flat=True))  # type: ignore[attr-defined]
    new = [
        Invitation(course=course, member=m.member, commune_id=m.team.commune_id, team=m.team, invited_by=actor)
        for m in memberships
        if m.member_id not in already
    ]
    if not new and not already:
        raise DomainError(_("The chosen units have no team members yet."), field="units")
    with transaction.atomic():
        Invitation.objects.bulk_create(new)
        audit_record(
            actor=actor,
            action="course.invite",
            target=course,
            unit=course.unit,
            request=request,
            units=[u.pk for u in units],
            invited=len(new),
        )
    return len(new), len(memberships) - len(new)


def invitation_revoke(*, actor: User, course: Course, member_id: Any, request: HttpRequest | None = None) -> None:
    """Withdraw a member's invitation, only while no attendance of theirs is recorded in the course; they
    leave the course's sheets (an import naming them is refused as not invited) and can be invited again."""
    scope = scope_for(actor)
    if not may_handle_people(scope, course):
        raise Forbidden(_("Only the course's organising officers invite members."))
    with transaction.atomic():
        visible = invitations_visible(scope, course).select_for_update(of=("self",))
        invitation = visible.filter(member_id=as_id(member_id)).first()
        if invitation is None:
            raise NotFound(_("The invitation was not found."))
        if Attendance.objects.filter(invitation=invitation).exists():
            raise DomainError(
                _("%(name)s has attendance recorded in this course, so the invitation cannot be revoked.")
                % {"name": invitation.member.full_name}
            )
        audit_record(
            actor=actor,
            action="course.uninvite",
            target=course,
            unit=course.unit,
            request=request,
            member=invitation.member_id,
            commune=invitation.commune_id,
        )
        invitation.delete()


# -- attendance -------------------------------------------------------------------------------------------


@dataclass
class AttendanceIn:
    member_id: int
    status: str
    completed: bool = False
    score: Decimal | None = None
    line: int | None = None  # the sheet row it came from, for the message


def _row_error(row: AttendanceIn, message: str, who: str) -> DomainError:
    """A sheet row's problem names its line; a form's or the API's names the member."""
    if row.line is not None:
        return DomainError(_("Row %(line)s: %(message)s") % {"line": row.line, "message": message})
    return DomainError(_("%(member)s: %(message)s") % {"member": who, "message": message}, field="member")


def attendance_check(*, session: Session, rows: list[AttendanceIn]) -> tuple[dict[int, Invitation], list[str]]:
    """Every row checked against the course's invitations; the invitations by member and the problems."""
    invitations = {i.member_id: i for i in session.course.invitations.select_related("member")}  # type: ignore[attr-defined]
    errors: list[str] = []
    seen: set[int] = set()
    for row in rows:
        invitation = invitations.get(row.member_id)
        who = invitation.member.full_name if invitation else _("Member no. %(id)s") % {"id": row.member_id}
        problems = []
        if invitation is None:
            problems.append(_("this person was not invited to the course."))
        elif row.member_id in seen:
            problems.append(_("listed twice."))
        if row.status not in Presence.values:
            problems.append(_("attendance must be present, absent or excused."))
        if row.score is not None and not Decimal(0) <= row.score <= Decimal(100):
            problems.append(_("the score must be between 0 and 100."))
        if row.completed and row.status != Presence.PRESENT:
            problems.append(_("only someone present can complete the session."))
        errors += [_row_error(row, problem, who).message for problem in problems]
        seen.add(row.member_id)
    return invitations, errors


def attendance_record(
    *, actor: User, session: Session, rows: list[AttendanceIn], request: HttpRequest | None = None
) -> int:
    """Record attendance for invited members, all rows or none; the number of rows written."""
    scope = scope_for(actor)
    if not may_handle_people(scope, session.course):
        raise Forbidden(_("Only the course's organising officers record attendance."))
    if session.cancelled_at is not None:
        raise DomainError(_("This session was cancelled: attendance cannot be recorded for it."), field="member")
    if not rows:
        raise DomainError(_("Choose the attendance of at least one member."), field="member")
    invitations, errors = attendance_check(session=session, rows=rows)
    if errors:
        raise DomainError(" ".join(errors) + " " + _("Nothing was changed."), field="member")
    with transaction.atomic():
        for row in rows:
            Attendance.objects.update_or_create(
                session=session,
                invitation=invitations[row.member_id],
                defaults={
                    "status": row.status,
                    "completed": row.completed,
                    "score": row.score,
                    "recorded_by": actor,
                },
            )
        audit_record(
            actor=actor,
            action="session.attendance",
            target=session,
            unit=session.course.unit,
            request=request,
            rows=len(rows),
        )
    return len(rows)


# -- materials --------------------------------------------------------------------------------------------


@dataclass
class MaterialIn:
    platform_id: int
    title: str
    owner_id: int
    issued_on: datetime.date
    url: str = ""
    version: str = ""


def _material_values(scope: Scope, data: MaterialIn) -> tuple[AdminUnit, Platform, str, str]:
    """The owner, platform, title and link of a guide, checked; a bad one raises naming its field."""
    owner = AdminUnit.objects.filter(pk=data.owner_id).first()
    if owner is None or not may_manage_unit(scope, owner):
        raise NotFound(_("The unit was not found."))
    platform = Platform.objects.filter(pk=data.platform_id, is_active=True).first()
    if platform is None:
        raise DomainError(_("Unknown platform."), field="platform")
    title = nfc(data.title).strip()
    if not title:
        raise DomainError(_("Enter the title."), field="title")
    url = data.url.strip()
    if url and not url.startswith(("https://", "http://")):
        raise DomainError(_("The link must start with https://."), field="url")
    return owner, platform, title, url


def _check_upload(upload: UploadedFile) -> None:
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise DomainError(_("The file is larger than 20 MB."), field="file")
    if not (upload.name or "").lower().endswith(MATERIAL_EXTENSIONS):
        raise DomainError(_("Allowed files: %(types)s.") % {"types": ", ".join(MATERIAL_EXTENSIONS)}, field="file")
    check_content(upload)


def _clean_upload(upload: UploadedFile) -> UploadedFile | ContentFile[bytes]:
    """A photo guide loses its metadata (EXIF, GPS) like every photo the platform keeps; other files are kept."""
    if extension(upload.name or "") not in {".jpg", ".jpeg", ".png"}:
        return upload
    upload.seek(0)
    cleaned = clean_image(upload.read())
    return ContentFile(cleaned.data, name=upload.name or f"tai-lieu.{cleaned.extension}")


def material_create(
    *, actor: User, data: MaterialIn, upload: UploadedFile | None = None, request: HttpRequest | None = None
) -> Material:
    """Publish a guide (file or link) for a platform to the members of the owner unit."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_TRAINING)
    owner, platform, title, url = _material_values(scope, data)
    if (upload is None) == (not url):
        raise DomainError(_("Give either a file or a link."), field="file")
    if upload is not None:
        _check_upload(upload)
    with transaction.atomic():
        material = Material(
            platform=platform,
            title=title[:255],
            kind=MaterialKind.FILE if upload is not None else MaterialKind.LINK,
            url=url[:500],
            version=nfc(data.version).strip()[:40],
            issued_on=data.issued_on,
            owner=owner,
            created_by=actor,
        )
        if upload is not None:
            stored = _clean_upload(upload)
            material.file.save(upload.name or "tai-lieu", stored, save=False)
            material.file_size = stored.size or 0
        material.save()
        audit_record(actor=actor, action="material.create", target=material, unit=owner, request=request)
    return material


def may_manage_material(scope: Scope, material: Material) -> bool:
    """Change or retire a guide: officers over the unit that published it."""
    return may_manage_unit(scope, material.owner)


def material_update(
    *,
    actor: User,
    material: Material,
    data: MaterialIn,
    upload: UploadedFile | None = None,
    request: HttpRequest | None = None,
) -> Material:
    """Change a guide: its title, platform, version, date, audience, and its file or link (a new file
    replaces the old one; without a new file or link a file guide keeps its file)."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_TRAINING)
    if material.retired_at is not None or not may_manage_material(scope, material):
        raise NotFound(_("The material was not found."))
    owner, platform, title, url = _material_values(scope, data)
    if upload is not None and url:
        raise DomainError(_("Give either a file or a link."), field="file")
    if upload is None and not url and not material.file:
        raise DomainError(_("Give either a file or a link."), field="url")
    if upload is not None:
        _check_upload(upload)
    old_file = material.file.name if material.file and (upload is not None or url) else ""
    with transaction.atomic():
        material.platform = platform
        material.title = title[:255]
        material.version = nfc(data.version).strip()[:40]
        material.issued_on = data.issued_on
        material.owner = owner
        if upload is not None:
            material.kind = MaterialKind.FILE
            material.url = ""
            stored = _clean_upload(upload)
            material.file.save(upload.name or "tai-lieu", stored, save=False)
            material.file_size = stored.size or 0
        elif url:
            material.kind = MaterialKind.LINK
            material.url = url[:500]
            material.file = None  # type: ignore[assignment]
            material.file_size = 0
        material.save()
        audit_record(actor=actor, action="material.update", target=material, unit=owner, request=request)
        if old_file:
            storage = material.file.storage
            transaction.on_commit(lambda: storage.delete(old_file))
    return material


def material_retire(*, actor: User, material: Material, request: HttpRequest | None = None) -> Material:
    """Withdraw a guide from the members (pages, API, phones); the record and its audit trail stay."""
    scope = scope_for(actor)
    scope.require(Perm.MANAGE_TRAINING)
    if material.retired_at is not None or not may_manage_material(scope, material):
        raise NotFound(_("The material was not found."))
    with transaction.atomic():
        material.retired_at = timezone.now()
        material.retired_by = actor
        material.save(update_fields=["retired_at", "retired_by", "updated_at"])
        audit_record(actor=actor, action="material.retire", target=material, unit=material.owner, request=request)
    return material


def material_q(scope: Scope) -> Q:
    """Materials a user sees: the nation's, and those of any unit on the path to one of their units (retired
    ones are gone)."""
    ids: set[int] = set()
    for grant in scope.grants:
        path = grant.village_commune_path or grant.unit_path
        ids.update(int(part) for part in path.strip("/").split("/") if part)
    where = Q(owner__parent__isnull=True) | Q(owner_id__in=ids)
    for path in _manage_paths(scope):
        where |= Q(owner__path__startswith=path)
    return Q(retired_at__isnull=True) & where


def material_get(*, user: Any, material_id: Any) -> Material:
    scope = scope_for(user)
    scope.require(Perm.VIEW_TRAINING)
    found = Material.objects.filter(material_q(scope), pk=as_id(material_id)).first()
    if found is None:
        raise NotFound(_("The material was not found."))
    return found
