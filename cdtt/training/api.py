"""Training in the JSON API: courses and sessions, invitations, attendance, coverage, materials, a member's
own history and the network view, with the same rules and Vietnamese reasons as the pages. Enterprise
partners get counts, never named people."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ERRORS
from cdtt.catalog import selectors as catalog_selectors
from cdtt.core.errors import NotFound
from cdtt.training import selectors, services
from cdtt.training.models import Course

router = Router(tags=["training"])


class SessionOut(Schema):
    id: int
    title: str
    mode: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    place: str
    meeting_link: str
    trainers: str
    follow_up_of_id: int | None
    cancelled: bool
    cancel_reason: str
    present: int
    absent: int
    excused: int
    completed: int


class InvitedOut(Schema):
    member_id: int
    full_name: str
    commune_id: int
    team_id: int | None


class CourseOut(Schema):
    id: int
    title: str
    organiser: str
    unit_id: int
    unit: str
    enterprise_id: int | None
    enterprise: str | None
    covers_policy: bool
    platforms: list[str]
    starts_on: datetime.date
    ends_on: datetime.date
    invited: int
    sessions: list[SessionOut] | None = None
    invitations: list[InvitedOut] | None = None  # only for the course's officers


class CourseIn(Schema):
    title: str
    unit_id: int
    organiser: str
    starts_on: datetime.date
    ends_on: datetime.date
    enterprise_id: int | None = None
    covers_policy: bool = False
    platforms: list[str] = []  # platform codes
    description: str = ""


class SessionIn(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None = None
    mode: str = "in_person"
    title: str = ""
    place: str = ""
    meeting_link: str = ""
    trainers: str = ""
    follow_up_of_id: int | None = None


class InviteIn(Schema):
    unit_ids: list[int]


class InviteOut(Schema):
    invited: int
    already: int


class AttendanceRowIn(Schema):
    member_id: int
    status: str
    completed: bool = False
    score: Decimal | None = None


class AttendanceIn(Schema):
    rows: list[AttendanceRowIn]


class CountOut(Schema):
    recorded: int


def _invited(course: Course) -> int:
    annotated = getattr(course, "n_invited", None)  # course_list counts them in its query
    return int(annotated) if annotated is not None else course.invitations.count()  # type: ignore[attr-defined]


def _course_out(course: Course, *, detail: bool = False, user: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": course.pk,
        "title": course.title,
        "organiser": course.organiser,
        "unit_id": course.unit_id,
        "unit": course.unit.name,
        "enterprise_id": course.enterprise_id,
        "enterprise": course.enterprise.name if course.enterprise else None,
        "covers_policy": course.covers_policy,
        "platforms": [p.code for p in course.platforms.all()],
        "starts_on": course.starts_on,
        "ends_on": course.ends_on,
        "invited": _invited(course),
    }
    if detail:
        figures = selectors.session_figures(course)
        out["sessions"] = []
        for s in course.sessions.all():  # type: ignore[attr-defined]
            f = figures.get(s.pk) or selectors.SessionFigures()
            out["sessions"].append(
                {
                    "id": s.pk,
                    "title": s.title,
                    "mode": s.mode,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "place": s.place,
                    "meeting_link": s.meeting_link,
                    "trainers": s.trainers,
                    "follow_up_of_id": s.follow_up_of_id,
                    "cancelled": s.is_cancelled,
                    "cancel_reason": s.cancel_reason,
                    "present": f.present,
                    "absent": f.absent,
                    "excused": f.excused,
                    "completed": f.completed,
                }
            )
        scope = scope_for(user)
        if services.may_handle_people(scope, course):
            out["invitations"] = [
                {
                    "member_id": i.member_id,
                    "full_name": i.member.full_name,
                    "commune_id": i.commune_id,
                    "team_id": i.team_id,
                }
                for i in services.invitations_visible(scope, course)
            ]
    return out


def _course_in(payload: CourseIn) -> services.CourseIn:
    ids = catalog_selectors.platform_ids(codes=payload.platforms)
    if len(ids) != len(set(payload.platforms)):
        ids.append(0)  # an unknown code: the service refuses it with its message
    return services.CourseIn(
        title=payload.title,
        unit_id=payload.unit_id,
        organiser=payload.organiser,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        enterprise_id=payload.enterprise_id,
        covers_policy=payload.covers_policy,
        platform_ids=ids,
        description=payload.description,
    )


@router.get("/training/courses", response={200: list[CourseOut], **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def course_list(request: SignedInRequest, q: str = "") -> Any:
    """Courses of the caller's units (or enterprise), newest first (200 at most)."""
    return [_course_out(c) for c in selectors.course_list(user=request.user, q=q)[:200]]


@router.get("/training/courses/{course_id}", response={200: CourseOut, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def course_detail(request: SignedInRequest, course_id: int) -> Any:
    course = services.course_get(user=request.user, course_id=course_id)
    return _course_out(course, detail=True, user=request.user)


@router.post("/training/courses", response={200: CourseOut, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def course_create(request: SignedInRequest, payload: CourseIn) -> Any:
    services.require_training_role(scope_for(request.user))
    course = services.course_create(actor=request.user, data=_course_in(payload), request=request)
    return _course_out(course, detail=True, user=request.user)


@router.delete("/training/courses/{course_id}", response={204: None, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def course_delete(request: SignedInRequest, course_id: int) -> Any:
    """Delete a course with its sessions and invitations, only while no attendance is recorded (400 otherwise)."""
    course = services.course_get(user=request.user, course_id=course_id)
    _require_manager(request, course)
    services.course_delete(actor=request.user, course=course, request=request)
    return Status(204, None)


def _require_manager(request: HttpRequest, course: Course) -> None:
    """A course the caller sees but does not organise is the same 404 as one they do not see."""
    if not services.may_manage(scope_for(request.user), course):
        raise NotFound(_("The course was not found."))


class CancelIn(Schema):
    reason: str = ""  # required: an empty one is refused with its message (field "reason")


@router.delete("/training/sessions/{session_id}", response={204: None, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def session_delete(request: SignedInRequest, session_id: int) -> Any:
    """Delete a session, only while no attendance is recorded for it (400 otherwise: cancel it instead)."""
    session = services.session_get(user=request.user, session_id=session_id)
    _require_manager(request, session.course)
    services.session_delete(actor=request.user, session=session, request=request)
    return Status(204, None)


@router.post("/training/sessions/{session_id}/cancel", response={200: CourseOut, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def session_cancel(request: SignedInRequest, session_id: int, payload: CancelIn) -> Any:
    """Cancel a session with the reason: kept on record, out of the coverage figures."""
    session = services.session_get(user=request.user, session_id=session_id)
    _require_manager(request, session.course)
    services.session_cancel(actor=request.user, session=session, reason=payload.reason, request=request)
    return _course_out(session.course, detail=True, user=request.user)


@router.post("/training/sessions/{session_id}/restore", response={200: CourseOut, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def session_restore(request: SignedInRequest, session_id: int) -> Any:
    """Undo a cancellation made by mistake: the session counts again."""
    session = services.session_get(user=request.user, session_id=session_id)
    _require_manager(request, session.course)
    services.session_restore(actor=request.user, session=session, request=request)
    return _course_out(session.course, detail=True, user=request.user)


@router.post("/training/courses/{course_id}/sessions", response={200: CourseOut, **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def session_create(request: SignedInRequest, course_id: int, payload: SessionIn) -> Any:
    course = services.course_get(user=request.user, course_id=course_id)
    services.session_create(
        actor=request.user, course=course, data=services.SessionIn(**payload.dict()), request=request
    )
    return _course_out(course, detail=True, user=request.user)


@router.post("/training/courses/{course_id}/invitations", response={200: InviteOut, **ERRORS})
@api_requires(Perm.MANAGE_TRAINING)
def invite(request: SignedInRequest, course_id: int, payload: InviteIn) -> Any:
    """Invite the current members of the open teams of the chosen units."""
    course = services.course_get(user=request.user, course_id=course_id)
    new, already = services.invitation_create(
        actor=request.user, course=course, unit_ids=payload.unit_ids, request=request
    )
    return {"invited": new, "already": already}


@router.delete("/training/courses/{course_id}/invitations/{member_id}", response={204: None, **ERRORS})
@api_requires(Perm.MANAGE_TRAINING)
def invitation_revoke(request: SignedInRequest, course_id: int, member_id: int) -> Any:
    """Withdraw a member's invitation, only while no attendance of theirs is recorded in the course."""
    course = services.course_get(user=request.user, course_id=course_id)
    if not services.may_handle_people(scope_for(request.user), course):
        raise NotFound(_("The course was not found."))
    services.invitation_revoke(actor=request.user, course=course, member_id=member_id, request=request)
    return Status(204, None)


@router.post("/training/sessions/{session_id}/attendance", response={200: CountOut, **ERRORS})
@api_requires(Perm.MANAGE_TRAINING)
def attendance(request: SignedInRequest, session_id: int, payload: AttendanceIn) -> Any:
    """Record attendance of invited members: every row or none."""
    session = services.session_get(user=request.user, session_id=session_id)
    rows = [services.AttendanceIn(r.member_id, r.status, r.completed, r.score) for r in payload.rows]
    return {"recorded": services.attendance_record(actor=request.user, session=session, rows=rows, request=request)}


class PlatformCoverageOut(Schema):
    platform: str
    name: str
    trained: int
    share: float | None
    teams_trained: int
    team_share: float | None


class EnterpriseCoverageOut(Schema):
    enterprise_id: int
    name: str
    courses: int
    sessions: int
    people: int


class CoverageOut(Schema):
    unit_id: int
    members: int
    teams: int
    trained_any: int
    untrained: int
    platforms: list[PlatformCoverageOut]
    enterprises: list[EnterpriseCoverageOut]


@router.get("/training/units/{unit_id}/coverage", response={200: CoverageOut, **ERRORS})
@api_requires(Perm.VIEW_FIGURES)
def coverage(request: SignedInRequest, unit_id: int) -> Any:
    """Training coverage of a unit: counts only."""
    found = selectors.coverage(user=request.user, unit_id=unit_id)
    return {
        "unit_id": found.unit.pk,
        "members": found.members,
        "teams": found.teams,
        "trained_any": found.trained_any,
        "untrained": found.untrained,
        "platforms": [
            {
                "platform": p.platform.code,
                "name": p.platform.name,
                "trained": p.trained,
                "share": p.share,
                "teams_trained": p.teams_trained,
                "team_share": p.team_share,
            }
            for p in found.platforms
        ],
        "enterprises": [
            {
                "enterprise_id": e.enterprise.pk,
                "name": e.enterprise.name,
                "courses": e.courses,
                "sessions": e.sessions,
                "people": e.people,
            }
            for e in found.enterprises
        ],
    }


class MaterialOut(Schema):
    id: int
    platform: str
    title: str
    kind: str
    url: str
    version: str
    issued_on: datetime.date


@router.get("/training/materials", response={200: list[MaterialOut], **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def material_list(request: SignedInRequest) -> Any:
    """Guides and materials per platform; a file's ``url`` is its download address."""
    from django.urls import reverse

    return [
        {
            "id": m.pk,
            "platform": m.platform.code,
            "title": m.title,
            "kind": m.kind,
            "url": m.url or reverse("training:material_file", args=[m.pk]),
            "version": m.version,
            "issued_on": m.issued_on,
        }
        for m in selectors.material_list(user=request.user)
    ]


class HistoryAttendanceOut(Schema):
    session_id: int
    starts_at: datetime.datetime
    status: str
    completed: bool
    score: Decimal | None


class HistoryOut(Schema):
    course_id: int
    title: str
    starts_on: datetime.date
    ends_on: datetime.date
    attendances: list[HistoryAttendanceOut]


@router.get("/training/me", response={200: list[HistoryOut], **ERRORS})
@api_requires(Perm.VIEW_TRAINING)
def my_training(request: SignedInRequest) -> Any:
    """The caller's own training history (empty when the account is not linked to a member)."""
    member = getattr(request.user, "team_member", None)
    if member is None:
        return []
    return [
        {
            "course_id": row.course.pk,
            "title": row.course.title,
            "starts_on": row.course.starts_on,
            "ends_on": row.course.ends_on,
            "attendances": [
                {
                    "session_id": a.session_id,
                    "starts_at": a.session.starts_at,
                    "status": a.status,
                    "completed": a.completed,
                    "score": a.score,
                }
                for a in row.attendances
            ],
        }
        for row in selectors.member_history(member)
    ]


class ProvinceOut(Schema):
    unit_id: int
    code: str
    name: str
    teams: int
    members: int
    trained: int
    share: float | None
    courses: int


@router.get("/training/network", response={200: list[ProvinceOut], **ERRORS})
@api_requires(Perm.VIEW_NETWORK)
def network(request: SignedInRequest, sort: str = "name") -> Any:
    """Every province side by side (national level only); ``sort`` is a column, ``-`` first for descending."""
    rows = selectors.network(user=request.user, sort=sort.lstrip("-"), descending=sort.startswith("-"))
    return [
        {
            "unit_id": r.province.pk,
            "code": r.province.code,
            "name": r.province.name,
            "teams": r.teams,
            "members": r.members,
            "trained": r.trained,
            "share": r.share,
            "courses": r.courses,
        }
        for r in rows
    ]
