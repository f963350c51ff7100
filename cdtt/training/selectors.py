"""Training reads: course lists, a member's history, coverage figures, an enterprise's uptake, the network.

Coverage counts today's teams: *members* are the current members of open teams in the unit's subtree; a
member is *trained on a platform* once present at a session of a course covering it. Per enterprise,
trainings and people trained are counted where the members served when invited. Cancelled sessions stay on
record but count nowhere: neither their attendance nor the sessions themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from cdtt.access.permissions import Perm
from cdtt.access.scope import as_id, scope_for
from cdtt.catalog.models import Indicator, Outcome, Platform
from cdtt.core.errors import Forbidden, NotFound
from cdtt.geo.models import AdminUnit, UnitKind
from cdtt.progress import selectors as progress
from cdtt.teams.models import OPEN_STATUSES, Member, Membership, Team
from cdtt.training.models import Attendance, Course, Enterprise, Invitation, Material, Presence, Session
from cdtt.training.services import course_q, material_q, require_training_role

PRESENT = Presence.PRESENT
# An attendance that counts: present at a session that was not cancelled.
COUNTED = {"status": PRESENT, "session__cancelled_at__isnull": True}


def counted_attendance(prefix: str) -> dict[str, Any]:
    """``COUNTED`` through a relation, for one filter() call (both conditions on the same attendance row)."""
    return {f"{prefix}__{name}": value for name, value in COUNTED.items()}


def course_list(*, user: Any, q: str = "") -> QuerySet[Course]:
    """Courses the user sees, newest first, with their counts (no names)."""
    scope = scope_for(user)
    require_training_role(scope)
    found = Course.objects.filter(pk__in=Course.objects.filter(course_q(scope)).values("pk"))
    if q.strip():
        found = found.filter(title__icontains=q.strip())
    return (
        found.select_related("unit", "enterprise")
        .prefetch_related("platforms")
        .annotate(
            n_sessions=Count("sessions", distinct=True),
            n_invited=Count("invitations", distinct=True),
        )
        .order_by("-starts_on", "-id")
    )


@dataclass
class SessionFigures:
    present: int = 0
    absent: int = 0
    excused: int = 0
    completed: int = 0


def session_figures(course: Course) -> dict[int, SessionFigures]:
    """Per session: how many invited members were present, absent, excused, and completed (counts only)."""
    found: dict[int, SessionFigures] = defaultdict(SessionFigures)
    rows = (
        Attendance.objects.filter(session__course=course)
        .values_list("session_id", "status", "completed")
        .annotate(n=Count("id"))
        .order_by()
    )
    for session_id, status, completed, n in rows:
        figures = found[session_id]
        setattr(figures, status, getattr(figures, status) + n)
        if completed:
            figures.completed += n
    return found


# -- a member's history -----------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    course: Course
    invitation: Invitation
    attendances: list[Attendance]

    @property
    def present(self) -> int:
        return sum(1 for a in self.attendances if a.status == PRESENT and a.session.cancelled_at is None)


def member_history(member: Member) -> list[HistoryRow]:
    """Every course the member was invited to, with their attendance at each session."""
    invitations = (
        Invitation.objects.filter(member=member)
        .select_related("course__unit", "course__enterprise")
        .prefetch_related("course__platforms", "attendances__session")
        .order_by("-course__starts_on", "-id")
    )
    return [
        HistoryRow(i.course, i, sorted(i.attendances.all(), key=lambda a: a.session.starts_at))  # type: ignore[attr-defined]
        for i in invitations
    ]


def member_get(*, user: Any, member_id: Any) -> Member:
    """A member whose roster the user may read (their commune in scope); others are the same 404."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_TEAMS)
    member = Member.objects.filter(pk=as_id(member_id)).select_related("commune").first()
    if member is None or not scope.units(Perm.VIEW_TEAMS).filter(pk=member.commune_id).exists():
        raise NotFound(_("The member was not found."))
    return member


# -- coverage ---------------------------------------------------------------------------------------------


@dataclass
class PlatformCoverage:
    platform: Platform
    trained: int
    teams_trained: int
    members: int
    teams: int

    @property
    def share(self) -> float | None:
        return round(100 * self.trained / self.members, 1) if self.members else None

    @property
    def team_share(self) -> float | None:
        return round(100 * self.teams_trained / self.teams, 1) if self.teams else None


@dataclass
class EnterpriseCoverage:
    enterprise: Enterprise
    courses: int
    sessions: int
    people: int


@dataclass
class Coverage:
    unit: AdminUnit
    members: int
    teams: int
    trained_any: int
    platforms: list[PlatformCoverage] = field(default_factory=list)
    enterprises: list[EnterpriseCoverage] = field(default_factory=list)

    @property
    def untrained(self) -> int:
        return self.members - self.trained_any

    @property
    def share(self) -> float | None:
        return round(100 * self.trained_any / self.members, 1) if self.members else None


def _current_memberships(unit: AdminUnit) -> QuerySet[Membership]:
    return Membership.objects.current().filter(
        team__status__in=OPEN_STATUSES, team__commune__path__startswith=unit.path
    )


def coverage_of(unit: AdminUnit) -> Coverage:
    """The unit's training coverage (a fixed number of queries, whatever its size)."""
    memberships = _current_memberships(unit)
    members = memberships.values("member_id").distinct().count()
    teams = Team.objects.filter(status__in=OPEN_STATUSES, commune__path__startswith=unit.path).count()
    present = Q(**counted_attendance("member__training_invitations__attendances"))
    trained_any = memberships.filter(present).values("member_id").distinct().count()
    platform_key = "member__training_invitations__course__platforms"
    per_platform = {
        row[platform_key]: row
        for row in memberships.filter(present, **{f"{platform_key}__isnull": False})
        .values(platform_key)
        .annotate(trained=Count("member_id", distinct=True), teams=Count("team_id", distinct=True))
        .order_by()
    }
    platforms = [
        PlatformCoverage(
            platform=p,
            trained=per_platform.get(p.pk, {}).get("trained", 0),
            teams_trained=per_platform.get(p.pk, {}).get("teams", 0),
            members=members,
            teams=teams,
        )
        for p in Platform.objects.filter(Q(is_active=True) | Q(pk__in=list(per_platform)))
        # National platforms, the unit's province's own, and any that someone here was trained on.
        if p.owner_id is None or f"/{p.owner_id}/" in unit.path or p.pk in per_platform
    ]
    invited_here = Invitation.objects.filter(commune__path__startswith=unit.path, course__enterprise__isnull=False)
    courses = {
        row["course__enterprise"]: row
        for row in invited_here.values("course__enterprise")
        .annotate(
            courses=Count("course", distinct=True),
            sessions=Count("course__sessions", filter=Q(course__sessions__cancelled_at__isnull=True), distinct=True),
        )
        .order_by()
    }
    people = dict(
        Attendance.objects.filter(invitation__in=invited_here, **COUNTED)
        .values_list("invitation__course__enterprise")
        .annotate(n=Count("invitation__member", distinct=True))
        .order_by()
        .values_list("invitation__course__enterprise", "n")
    )
    enterprises = [
        EnterpriseCoverage(e, courses[e.pk]["courses"], courses[e.pk]["sessions"], people.get(e.pk, 0))
        for e in Enterprise.objects.filter(pk__in=list(courses))
    ]
    return Coverage(unit, members, teams, trained_any, platforms, enterprises)


def coverage(*, user: Any, unit_id: Any) -> Coverage:
    """Coverage of a unit the user may see figures of (aggregates only)."""
    unit = scope_for(user).unit(unit_id, Perm.VIEW_FIGURES)
    return coverage_of(unit)


# -- an enterprise's view ---------------------------------------------------------------------------------


@dataclass
class AreaUptake:
    area: AdminUnit
    figures: list[progress.Figure]
    coverage: Coverage


def platform_indicators(platform_ids: list[int]) -> list[Indicator]:
    """Active indicators that count a platform's use: by the platform itself, its outcomes, the adoption
    statuses its outcomes reach, or a ratio over one of those."""
    items = Outcome.objects.filter(platform_id__in=platform_ids, adoption_item__isnull=False).values("adoption_item")
    direct = Indicator.objects.filter(
        Q(platform_id__in=platform_ids) | Q(outcomes__platform_id__in=platform_ids) | Q(adoption_item__in=items)
    )
    found = Indicator.objects.filter(Q(pk__in=direct.values("pk")) | Q(numerator__in=direct.values("pk")))
    return list(found.filter(is_active=True).order_by("order", "code"))


def enterprise_uptake(enterprise: Enterprise) -> list[AreaUptake]:
    """For each assigned area: this year's progress on the indicators of the enterprise's platforms, and the
    training coverage (counts only). Progress is read through ``cdtt.progress.selectors``."""
    period = progress.current_year_period()
    indicators = platform_indicators(list(enterprise.platforms.values_list("pk", flat=True)))
    found = []
    for area in enterprise.areas.order_by("code"):
        figures = progress.indicator_figures(area, period, indicators, rank=False) if indicators else []
        found.append(AreaUptake(area, figures, coverage_of(area)))
    return found


def enterprise_courses(enterprise: Enterprise) -> list[tuple[Course, int, int, int]]:
    """The enterprise's courses with their sessions, invited members and attendances present (counts only)."""
    courses = list(
        enterprise.courses.select_related("unit")  # type: ignore[attr-defined]
        .annotate(
            n_sessions=Count("sessions", filter=Q(sessions__cancelled_at__isnull=True), distinct=True),
            n_invited=Count("invitations", distinct=True),
        )
        .order_by("-starts_on", "-id")
    )
    present = dict(
        Attendance.objects.filter(session__course__enterprise=enterprise, **COUNTED)
        .values_list("session__course_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(c, c.n_sessions, c.n_invited, present.get(c.pk, 0)) for c in courses]


def enterprise_list(*, user: Any) -> QuerySet[Enterprise]:
    from cdtt.training.services import enterprise_q

    scope = scope_for(user)
    require_training_role(scope)
    return (
        Enterprise.objects.filter(pk__in=Enterprise.objects.filter(enterprise_q(scope)).values("pk"))
        .select_related("owner")
        .prefetch_related("areas", "platforms")
        .annotate(n_courses=Count("courses", distinct=True))
    )


# -- materials --------------------------------------------------------------------------------------------


def material_list(*, user: Any) -> QuerySet[Material]:
    scope = scope_for(user)
    scope.require(Perm.VIEW_TRAINING)
    return Material.objects.filter(material_q(scope)).select_related("platform", "owner")


def device_guides(*, user: Any) -> list[Material]:
    """The guides a member's phone keeps: those the member sees, of active platforms, none retired (the
    guide itself only: nothing about who published it)."""
    scope = scope_for(user)
    if not scope.has(Perm.VIEW_TRAINING):
        return []
    found = Material.objects.filter(material_q(scope), platform__is_active=True).select_related("platform")
    return list(found.order_by("platform__order", "platform__name", "-issued_on", "-id"))


# -- the network ------------------------------------------------------------------------------------------


@dataclass
class ProvinceRow:
    province: AdminUnit
    teams: int = 0
    members: int = 0
    trained: int = 0
    courses: int = 0
    practices: int = 0  # good practices published by the province's units

    @property
    def share(self) -> float | None:
        return round(100 * self.trained / self.members, 1) if self.members else None


NETWORK_SORTS = ("name", "teams", "members", "trained", "share", "courses", "practices")


def require_national(user: Any) -> None:
    """The network view is for national-level holders of ``VIEW_NETWORK`` only."""
    scope = scope_for(user)
    scope.require(Perm.VIEW_NETWORK)
    national = AdminUnit.objects.filter(kind=UnitKind.NATIONAL).values_list("pk", flat=True)
    if not any(g.unit_id in set(national) for g in scope.grants_with(Perm.VIEW_NETWORK)):
        raise Forbidden(_("The network view is for the Ministry's national level."))


def network(*, user: Any, sort: str = "name", descending: bool = False) -> list[ProvinceRow]:
    """Every current province side by side: teams, members, trained members, share, courses held."""
    require_national(user)
    provinces = AdminUnit.objects.current().filter(kind=UnitKind.PROVINCE).order_by("code")
    rows = {p.pk: ProvinceRow(p) for p in provinces}
    province_of_team = "team__commune__parent_id"
    for pk, n in (
        Team.objects.filter(status__in=OPEN_STATUSES)
        .values_list("commune__parent_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if pk in rows:
            rows[pk].teams = n
    memberships = Membership.objects.current().filter(team__status__in=OPEN_STATUSES)
    for pk, n in memberships.values_list(province_of_team).annotate(n=Count("member_id", distinct=True)).order_by():
        if pk in rows:
            rows[pk].members = n
    for pk, n in (
        memberships.filter(**counted_attendance("member__training_invitations__attendances"))
        .values_list(province_of_team)
        .annotate(n=Count("member_id", distinct=True))
        .order_by()
    ):
        if pk in rows:
            rows[pk].trained = n
    # A course belongs to its province, or to a commune of it.
    by_province = Course.objects.filter(unit__kind=UnitKind.PROVINCE).values_list("unit_id")
    by_commune = Course.objects.exclude(unit__kind=UnitKind.PROVINCE).values_list("unit__parent_id")
    for found in (by_province, by_commune):
        for pk, n in found.annotate(n=Count("id")).order_by():
            if pk in rows:
                rows[pk].courses += n
    from cdtt.practices.models import Practice, PracticeStatus

    published = Practice.objects.filter(status=PracticeStatus.PUBLISHED).values_list("province_id")
    for pk, n in published.annotate(n=Count("id")).order_by():
        if pk in rows:
            rows[pk].practices = n
    if sort not in NETWORK_SORTS:
        sort = "name"

    def key(row: ProvinceRow) -> Any:
        if sort == "name":
            return row.province.name_folded
        value = getattr(row, sort)
        return (value is not None, value or 0)

    return sorted(rows.values(), key=key, reverse=descending)


def attended_invitation_ids(*, course: Course) -> set[int]:
    """The invitations of a course (already in the caller's reach) with attendance recorded at any session."""
    return set(Attendance.objects.filter(invitation__course=course).values_list("invitation_id", flat=True).distinct())


def session_attendance(*, session: Session) -> dict[int, Attendance]:
    """A session's (already in reach) recorded attendance, by invitation id."""
    return {a.invitation_id: a for a in Attendance.objects.filter(session=session)}
