"""Open, write, submit, return, approve and reopen periodic reports; their numbers, frozen and live.

The state machine::

    draft ──submit──▶ submitted ──approve──▶ approved (locked)
      ▲                  │                      │
      └──── returned ◀───┘ return (comment)     │ reopen (reason, audited)
               ▲                                │
               └────────────────────────────────┘

Only the reporter (the team of the village, or an officer of the unit) writes and submits; only an
officer of the reviewing unit (the level directly above) returns, approves and reopens. Every change
checks the version the user saw, so two people never overwrite each other silently.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdtt.access.permissions import Perm, roles_with
from cdtt.access.scope import holders, scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, Forbidden, NotFound, VersionConflict
from cdtt.core.text import clean_text
from cdtt.core.workflow import Transition, Workflow, event_record, transition_apply
from cdtt.core.workflow import locked as locked_row
from cdtt.geo.models import AdminUnit, UnitKind, Village
from cdtt.notices.models import NoticeKind
from cdtt.notices.services import notify
from cdtt.progress.models import Level
from cdtt.reports.models import (
    EDITABLE,
    Report,
    ReportDeadline,
    ReportPolicy,
    ReportStatus,
)
from cdtt.reports.models import (
    SENT as SENT_STATES,
)
from cdtt.reports.selectors import (
    DEFAULT_DEADLINES,
    Subject,
    _is_reporter,
    _is_reviewer,
    deadline_rule,
    due_date,
    is_required,
    level_of,
    live_rows,
    optional_kinds,
    organisation,
    province_of,
    report_indicators,
    reviewer_of,
    subject_label,
)
from cdtt.targets.models import Period, PeriodKind
from cdtt.targets.periods import calendar_period
from cdtt.teams.models import OPEN_STATUSES, Team, TeamStatus

if TYPE_CHECKING:
    from cdtt.accounts.models import User

MAX_TEXT = 10_000
MAX_NOTE = 500
MAX_COMMENT = 2_000


def deadline_set(
    *, actor: User, province: AdminUnit, kind: str, month_offset: int, day: int, required: bool = True
) -> ReportDeadline:
    """A province officer (or a national admin) sets the province's deadline for one kind of report, and
    whether the province asks for that kind at all."""
    scope = scope_for(actor)
    scope.require(Perm.REVIEW_REPORTS)
    if province.kind != UnitKind.PROVINCE or not scope.covers_unit(province, Perm.REVIEW_REPORTS):
        raise NotFound(_("The unit was not found."))
    if kind not in DEFAULT_DEADLINES:
        raise DomainError(_("Unknown kind of report."), field="kind")
    if kind == PeriodKind.CAMPAIGN:
        if not 0 <= day <= 60 or month_offset != 0:
            raise DomainError(_("A campaign report is due 0 to 60 days after the campaign ends."), field="day")
    elif not 1 <= day <= 31 or not -2 <= month_offset <= 2:
        raise DomainError(_("Choose a day from 1 to 31, up to two months before or after the period ends."))
    with transaction.atomic():
        rule, _created = ReportDeadline.objects.update_or_create(
            province=province,
            kind=kind,
            defaults={"month_offset": month_offset, "day": day, "required": required, "updated_by": actor},
        )
        audit_record(
            actor=actor, action="report.deadline", target=rule, unit=province, kind=kind, day=day, required=required
        )
    return rule


def deadlines_set(*, actor: User, province: AdminUnit, rules: dict[str, tuple[int, int, bool]]) -> int:
    """A province's deadlines for several kinds of report at once (kind: month offset, day, required): all of
    them or none, each change audited. Returns how many kinds changed."""
    scope = scope_for(actor)
    scope.require(Perm.REVIEW_REPORTS)
    if province.kind != UnitKind.PROVINCE or not scope.covers_unit(province, Perm.REVIEW_REPORTS):
        raise NotFound(_("The unit was not found."))  # checked here too: nothing may have changed
    optional = optional_kinds(province)
    changed = 0
    with transaction.atomic():
        for kind, (month_offset, day, required) in rules.items():
            if (month_offset, day) != deadline_rule(province, kind) or required == (kind in optional):
                deadline_set(
                    actor=actor, province=province, kind=kind, month_offset=month_offset, day=day, required=required
                )
                changed += 1
    return changed


def policy_set(*, actor: User, unit: AdminUnit, hide_unapproved: bool) -> ReportPolicy:
    scope = scope_for(actor)
    if not scope.holds_at(unit.pk, Perm.REVIEW_REPORTS):
        raise Forbidden(_("Only the unit's own officers choose what the level above sees."))
    with transaction.atomic():
        policy, _created = ReportPolicy.objects.update_or_create(
            unit=unit, defaults={"hide_unapproved": hide_unapproved, "updated_by": actor}
        )
        audit_record(actor=actor, action="report.policy", target=policy, unit=unit, hide=hide_unapproved)
    return policy


# -- the transitions ---------------------------------------------------------------------------------------


REPORT_FLOW = Workflow(
    name="report",
    queryset=lambda: Report.objects.select_related("period"),
    unit=lambda report: report.reviewer,
    history=event_record,
    transitions={
        "submit": Transition(
            EDITABLE,
            gettext_lazy("This report has already been submitted."),
            ReportStatus.SUBMITTED,
            Report.EventAction.SUBMITTED,
        ),
        "approve": Transition(
            [ReportStatus.SUBMITTED],
            gettext_lazy("Only a submitted report can be approved or returned."),
            ReportStatus.APPROVED,
            Report.EventAction.APPROVED,
        ),
        "return": Transition(
            [ReportStatus.SUBMITTED],
            gettext_lazy("Only a submitted report can be approved or returned."),
            ReportStatus.RETURNED,
            Report.EventAction.RETURNED,
        ),
        "reopen": Transition(
            [ReportStatus.APPROVED],
            gettext_lazy("Only an approved report can be reopened."),
            ReportStatus.RETURNED,
            Report.EventAction.REOPENED,
        ),
    },
)


def _check_version(report: Report, version: int | None) -> None:
    if version is not None and version != report.version:
        raise VersionConflict(
            _("Someone changed this report after you opened it. Reload the page to see the latest version.")
        )


def report_open(*, actor: User, subject: Subject, period: Period, today: datetime.date | None = None) -> Report:
    """The subject's report for the period, made (pre-filled) on first use by one of its reporters."""
    scope = scope_for(actor)
    scope.require(Perm.SUBMIT_REPORTS)
    if not _is_reporter(scope, subject):
        raise Forbidden(_("Only the team or the unit itself writes its report."))
    today = today or timezone.localdate()
    if period.start > today:
        raise DomainError(_("This period has not started yet: its report cannot be written before it."))
    where = {"village": subject} if isinstance(subject, Village) else {"unit": subject}
    existing = Report.objects.filter(period=period, **where).first()
    if existing is not None:
        return existing
    level = level_of(subject)
    team = (
        Team.objects.filter(village=subject, status__in=OPEN_STATUSES).order_by("-status").first()
        if isinstance(subject, Village)
        else None
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                period=period,
                level=level,
                team=team,
                reviewer=reviewer_of(subject),
                due_on=due_date(period, level, province_of(subject)),
                created_by=actor,
                **where,
            )
            event_record(report, actor, Report.EventAction.CREATED)
            audit_record(actor=actor, action="report.open", target=report, unit=report.reviewer, period=period.pk)
    except IntegrityError:  # opened at the same moment by a teammate
        return Report.objects.get(period=period, **where)
    return report


def _text(raw: Any, label: str, limit: int = MAX_TEXT) -> str:
    # One line: a report's texts have always been stored with their line breaks made spaces.
    return clean_text(raw, limit=limit, lines=False, label=label)


def report_save(
    *,
    actor: User,
    report: Report,
    version: int | None,
    assessment: Any = None,
    plan: Any = None,
    proposals: Any = None,
    notes: dict[str, Any] | None = None,
) -> Report:
    """Save what the team wrote (assessment, plan, proposals, a note per row) while the report is open."""
    scope = scope_for(actor)
    if not _is_reporter(scope, report):
        raise Forbidden(_("Only the team or the unit itself writes its report."))
    clean = {
        "assessment": _text(assessment, _("The assessment")) if assessment is not None else None,
        "plan": _text(plan, _("The plan")) if plan is not None else None,
        "proposals": _text(proposals, _("The proposals")) if proposals is not None else None,
    }
    clean_notes: dict[str, str] | None = None
    if notes is not None:
        known = {str(i.pk) for i in report_indicators(report.period, report.subject)}  # type: ignore[arg-type]
        clean_notes = {}
        for key, raw in notes.items():
            if str(key) not in known:
                raise DomainError(_("A note is for an indicator that is not in this report."))
            note = _text(raw, _("A note"), MAX_NOTE)
            if note:
                clean_notes[str(key)] = note
    with transaction.atomic():
        locked = locked_row(Report.objects.select_related("period"), report.pk)
        _check_version(locked, version)
        if locked.status not in EDITABLE:
            raise DomainError(_("This report has been sent and is locked: it can no longer be changed."))
        for name, value in clean.items():
            if value is not None:
                setattr(locked, name, value)
        if clean_notes is not None:
            locked.notes = clean_notes
        locked.version += 1
        locked.save()
        event_record(locked, actor, Report.EventAction.SAVED)
    return locked


def _freeze(report: Report) -> None:
    rows, info = live_rows(report.subject, report.period)  # type: ignore[arg-type]
    report.results = [row.as_json() for row in rows]
    report.organisation = {
        **organisation(report.subject, report.period),  # type: ignore[arg-type]
        "children": info.children,
        "children_approved": info.approved,
        "children_hidden": info.hidden,
        "approved_reports": info.approved_ids,
    }
    report.figures_at = timezone.now()


def report_submit(*, actor: User, report: Report, version: int | None) -> Report:
    """Send the report up: its numbers are frozen as they are now."""
    scope = scope_for(actor)
    if not _is_reporter(scope, report):
        raise Forbidden(_("Only the team or the unit itself submits its report."))

    def freeze(locked: Report) -> None:
        _check_version(locked, version)
        if locked.period.start > timezone.localdate():
            raise DomainError(_("This period has not started yet: its report cannot be written before it."))
        _freeze(locked)
        locked.submitted_by, locked.submitted_at = actor, timezone.now()
        locked.decided_by, locked.decided_at = None, None
        locked.version += 1

    return transition_apply(REPORT_FLOW, "submit", actor=actor, obj=report, change=freeze, notify=_notify_reviewers)


def _require_reviewer(actor: User, report: Report) -> None:
    scope = scope_for(actor)
    scope.require(Perm.REVIEW_REPORTS)
    if not _is_reviewer(scope, report):
        raise Forbidden(_("Only the officers of the level this report is sent to can review it."))


def _review(actor: User, report: Report, version: int | None, name: str, text: str = "", **details: Any) -> Report:
    """Approve, return or reopen: the reviewing level decides, on the version it saw."""
    _require_reviewer(actor, report)

    def decide(locked: Report) -> None:
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.version += 1

    return transition_apply(
        REPORT_FLOW,
        name,
        actor=actor,
        obj=report,
        note=text,
        check=lambda locked: _check_version(locked, version),
        change=decide,
        notify=lambda locked: _notify_reporters(locked, approved=name == "approve", comment=text),
        **details,
    )


def report_approve(*, actor: User, report: Report, version: int | None) -> Report:
    return _review(actor, report, version, "approve")


def report_return(*, actor: User, report: Report, version: int | None, comment: Any) -> Report:
    text = _text(comment, _("The comment"), MAX_COMMENT)
    if not text:
        raise DomainError(_("Say what needs fixing: a returned report needs a comment."), field="comment")
    return _review(actor, report, version, "return", text, comment=text)


def report_reopen(*, actor: User, report: Report, version: int | None, reason: Any) -> Report:
    """Unlock an approved report for correction; the reason is kept and audited."""
    text = _text(reason, _("The reason"), MAX_COMMENT)
    if not text:
        raise DomainError(_("Give the reason for reopening an approved report."), field="reason")
    return _review(actor, report, version, "reopen", text, reason=text)


# -- notifications ---------------------------------------------------------------------------------------


def _reporters(report: Report) -> list[int]:
    if report.village_id is not None:
        return holders(Perm.SUBMIT_REPORTS, village_id=report.village_id)
    return holders(Perm.SUBMIT_REPORTS, unit_id=report.unit_id)


def _url(report: Report) -> str:
    from django.urls import reverse

    return reverse("reports:detail", args=[report.pk])


def _notify_reviewers(report: Report) -> None:
    """Tell the reviewing unit's officers a report arrived."""
    label = subject_label(report.subject)  # type: ignore[arg-type]
    notify(
        recipients=holders(Perm.REVIEW_REPORTS, unit_id=report.reviewer_id),
        kind=NoticeKind.REPORT_SUBMITTED,
        title=_("%(name)s submitted the report for %(period)s") % {"name": label, "period": report.period.name},
        url=_url(report),
        unit=report.reviewer,
    )


def _notify_reporters(report: Report, *, approved: bool, comment: str) -> None:
    """Tell the reporters their report was approved, returned or reopened (with the comment)."""
    period = report.period.name
    if approved:
        kind, title = NoticeKind.REPORT_APPROVED, _("Your report for %(period)s was approved") % {"period": period}
    else:
        kind, title = NoticeKind.REPORT_RETURNED, _("Your report for %(period)s was returned") % {"period": period}
    notify(recipients=_reporters(report), kind=kind, title=title, body=comment, url=_url(report), unit=report.reviewer)


def remind_due(*, today: datetime.date | None = None, days_ahead: int = 3) -> int:
    """Leave a "report due" notice for the reporters of every report of this period not yet sent whose due
    date is within ``days_ahead`` days or already past (one a day at most, whatever the number of runs).

    Villages with an active team and every current commune, province and the nation are expected to
    report. Returns the number of new notices."""
    from django.urls import reverse

    today = today or timezone.localdate()
    periods = [calendar_period(PeriodKind.MONTH, today.year, today.month)]
    periods += [
        calendar_period(kind, today.year, number)
        for kind, number in (
            (PeriodKind.QUARTER, (today.month - 1) // 3 + 1),
            (PeriodKind.HALF, 1 if today.month <= 6 else 2),
            (PeriodKind.YEAR, 1),
        )
    ]
    made = 0
    for period in periods:
        made += _remind_villages(period, today, days_ahead, notify, NoticeKind.REPORT_DUE, reverse("reports:index"))
    return made


def _remind_villages(period: Period, today: datetime.date, days_ahead: int, notify: Any, kind: str, url: str) -> int:
    """Team members of villages that have not sent ``period``'s report, when it is (nearly) due."""
    from cdtt.accounts.models import RoleAssignment

    sent = set(
        Report.objects.filter(period=period, village__isnull=False, status__in=SENT_STATES).values_list(
            "village_id", flat=True
        )
    )
    rows = (
        RoleAssignment.objects.filter(
            role__in=roles_with(Perm.SUBMIT_REPORTS),
            user__is_active=True,
            village__isnull=False,
            village__teams__status=TeamStatus.ACTIVE,
        )
        .exclude(village_id__in=sent)
        .values_list("user_id", "village_id", "village__commune_id")
        .distinct()
    )
    by_due: dict[datetime.date, list[int]] = defaultdict(list)
    due_cache: dict[int, datetime.date | None] = {}  # None: the commune's province does not ask for it
    for user_id, _village_id, commune_id in rows:
        if commune_id not in due_cache:
            commune = AdminUnit.objects.select_related("parent").get(pk=commune_id)
            province = province_of(commune)
            due_cache[commune_id] = due_date(period, Level.VILLAGE, province) if is_required(period, province) else None
        due = due_cache[commune_id]
        if due is not None:
            by_due[due].append(user_id)
    made = 0
    for due, users in by_due.items():
        if (due - today).days > days_ahead:
            continue
        if due < today:
            title = _("The report for %(period)s was due on %(due)s") % {
                "period": period.name,
                "due": f"{due:%d/%m/%Y}",
            }
        else:
            title = _("The report for %(period)s is due on %(due)s") % {"period": period.name, "due": f"{due:%d/%m/%Y}"}
        made += notify(recipients=users, kind=kind, title=title, url=url)
    return made
