"""Training pages: courses and sessions, invitations and attendance (with XLSX sheets), members' history,
coverage, materials, enterprise partners and the Ministry's network view."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cdtt.access.decorators import SignedInRequest, requires
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.audit import audit_record
from cdtt.core.errors import DomainError, NotFound
from cdtt.core.files import user_file_response
from cdtt.core.tabular import FileProblem
from cdtt.training import exports, selectors, services, sheets
from cdtt.training.forms import CourseForm, EnterpriseForm, InviteForm, MaterialForm, SessionForm
from cdtt.training.models import Presence

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_error(form: Any, exc: DomainError) -> None:
    name = exc.field if exc.field in form.fields else None
    form.add_error(name, exc.message)


def _form_page(request: HttpRequest, form: Any, *, title: str, back: str, submit: str) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, "back": back, "submit": submit}
    return render(request, "training/form.html", context, status=status)


def _confirm_page(
    request: HttpRequest,
    *,
    title: str,
    text: str,
    submit: str,
    back: str,
    act: Callable[[], object] | None = None,
    done: str = "",
    then: str = "",
    ask_reason: bool = False,
) -> HttpResponse:
    """Ask before a removal (GET); on a POST, ``act`` and, when it went through, the ``done`` message and a
    redirect to ``then``; refused (a DomainError other than NotFound), the page again with the reason
    (nothing changed, 400)."""
    error = ""
    if act is not None and request.method == "POST":
        try:
            act()
        except NotFound:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect(then)
    context = {
        "title": title,
        "text": text,
        "submit": submit,
        "back": back,
        "error": error,
        "ask_reason": ask_reason,
        "reason": request.POST.get("reason", ""),
    }
    return render(request, "training/confirm.html", context, status=400 if error else 200)


# -- courses ----------------------------------------------------------------------------------------------


@requires(Perm.VIEW_TRAINING)
def course_list(request: SignedInRequest) -> HttpResponse:
    """The courses of my units (or of my enterprise), newest first."""
    scope = scope_for(request.user)
    courses = selectors.course_list(user=request.user, q=request.GET.get("q", ""))[:200]
    context = {
        "courses": courses,
        "q": request.GET.get("q", ""),
        "units": list(scope.top_units(Perm.VIEW_FIGURES)),
        "can_manage": bool(services._manage_paths(scope)),
    }
    return render(request, "training/courses.html", context)


@requires(Perm.VIEW_TRAINING)
def course_new(request: SignedInRequest) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_training_role(scope)
    form = CourseForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, data=form.course_in(), request=request)
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The course was created. Add its sessions."))
            return redirect("training:course", course.pk)
    return _form_page(request, form, title=_("New course"), back=reverse("training:courses"), submit=_("Create"))


@requires(Perm.VIEW_TRAINING)
def course_edit(request: SignedInRequest, course_id: int) -> HttpResponse:
    course = services.course_get(user=request.user, course_id=course_id)
    scope = scope_for(request.user)
    if not services.may_manage(scope, course):
        raise NotFound(_("The course was not found."))
    form = CourseForm(request.POST or None, scope=scope, initial=CourseForm.initial_for(course))
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, data=form.course_in(), request=request)
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:course", course.pk)
    back = reverse("training:course", args=[course.pk])
    return _form_page(request, form, title=_("Change the course"), back=back, submit=_("Save"))


@requires(Perm.VIEW_TRAINING)
def course_delete(request: SignedInRequest, course_id: int) -> HttpResponse:
    """Delete a course with its sessions and invitations: only while no attendance is recorded."""
    course = services.course_get(user=request.user, course_id=course_id)
    if not services.may_manage(scope_for(request.user), course):
        raise NotFound(_("The course was not found."))
    return _confirm_page(
        request,
        title=_("Delete the course %(title)s?") % {"title": course.title},
        text=_("Its sessions and invitations are deleted with it. This cannot be undone."),
        submit=_("Delete the course"),
        back=reverse("training:course", args=[course.pk]),
        act=lambda: services.course_delete(actor=request.user, course=course, request=request),
        done=_("The course %(title)s was deleted.") % {"title": course.title},
        then=reverse("training:courses"),
    )


@requires(Perm.VIEW_TRAINING)
def course_detail(request: SignedInRequest, course_id: int) -> HttpResponse:
    """A course: its sessions with counts; for its officers, the invited members and attendance links."""
    course = services.course_get(user=request.user, course_id=course_id)
    scope = scope_for(request.user)
    figures = selectors.session_figures(course)
    sessions = [(s, figures.get(s.pk)) for s in course.sessions.select_related("follow_up_of")]  # type: ignore[attr-defined]
    invitations = list(services.invitations_visible(scope, course))
    context = {
        "course": course,
        "sessions": sessions,
        "invitations": invitations,
        "invited_total": course.invitations.count(),  # type: ignore[attr-defined]
        "can_manage": services.may_manage(scope, course),
        "can_people": services.may_handle_people(scope, course),
        # Invitations with attendance recorded cannot be revoked: no button for them; nor, with any attendance,
        # can the course be deleted (its sessions can be cancelled instead).
        "attended": selectors.attended_invitation_ids(course=course),
    }
    return render(request, "training/course.html", context)


@requires(Perm.VIEW_TRAINING)
def session_new(request: SignedInRequest, course_id: int) -> HttpResponse:
    course = services.course_get(user=request.user, course_id=course_id)
    if not services.may_manage(scope_for(request.user), course):
        raise NotFound(_("The course was not found."))
    form = SessionForm(request.POST or None, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(actor=request.user, course=course, data=form.session_in(), request=request)
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The session was added."))
            return redirect("training:course", course.pk)
    back = reverse("training:course", args=[course.pk])
    return _form_page(
        request, form, title=_("New session of %(course)s") % {"course": course}, back=back, submit=_("Add")
    )


@requires(Perm.VIEW_TRAINING)
def session_edit(request: SignedInRequest, session_id: int) -> HttpResponse:
    session = services.session_get(user=request.user, session_id=session_id)
    course = session.course
    if not services.may_manage(scope_for(request.user), course):
        raise NotFound(_("The session was not found."))
    initial = {
        "title": session.title,
        "mode": session.mode,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "place": session.place,
        "meeting_link": session.meeting_link,
        "trainers": session.trainers,
        "follow_up_of": session.follow_up_of_id,
    }
    form = SessionForm(request.POST or None, course=course, initial=initial, exclude=session)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(actor=request.user, session=session, data=form.session_in(), request=request)
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:course", course.pk)
    back = reverse("training:course", args=[course.pk])
    return _form_page(request, form, title=_("Change the session"), back=back, submit=_("Save"))


def _managed_session(request: HttpRequest, session_id: int) -> Any:
    session = services.session_get(user=request.user, session_id=session_id)
    if not services.may_manage(scope_for(request.user), session.course):
        raise NotFound(_("The session was not found."))
    return session


def _when(session: Any) -> str:
    return f"{timezone.localtime(session.starts_at):%d/%m/%Y %H:%M}"


@requires(Perm.VIEW_TRAINING)
def session_delete(request: SignedInRequest, session_id: int) -> HttpResponse:
    """Delete a session: only while no attendance is recorded for it (otherwise cancel it)."""
    session = _managed_session(request, session_id)
    course = session.course
    back = reverse("training:course", args=[course.pk])
    return _confirm_page(
        request,
        title=_("Delete the session of %(when)s?") % {"when": _when(session)},
        text=_("A session that did not take place can be deleted. This cannot be undone."),
        submit=_("Delete the session"),
        back=back,
        act=lambda: services.session_delete(actor=request.user, session=session, request=request),
        done=_("The session was deleted."),
        then=back,
    )


@requires(Perm.VIEW_TRAINING)
def session_cancel(request: SignedInRequest, session_id: int) -> HttpResponse:
    """Cancel a session, with the reason: it stays on record and no longer counts in the figures."""
    session = _managed_session(request, session_id)
    course = session.course
    back = reverse("training:course", args=[course.pk])
    return _confirm_page(
        request,
        title=_("Cancel the session of %(when)s?") % {"when": _when(session)},
        text=_(
            "The session stays on record with the reason, and any attendance taken is kept; it no longer counts "
            "in the coverage figures and no attendance can be recorded for it."
        ),
        submit=_("Cancel the session"),
        back=back,
        act=lambda: services.session_cancel(
            actor=request.user, session=session, reason=request.POST.get("reason", ""), request=request
        ),
        done=_("The session was cancelled."),
        then=back,
        ask_reason=True,
    )


@requires(Perm.VIEW_TRAINING)
def session_restore(request: SignedInRequest, session_id: int) -> HttpResponse:
    """Undo a cancellation made by mistake: the session counts again."""
    session = _managed_session(request, session_id)
    course = session.course
    back = reverse("training:course", args=[course.pk])
    return _confirm_page(
        request,
        title=_("Restore the session of %(when)s?") % {"when": _when(session)},
        text=_(
            "The cancellation is undone: the session counts again in the coverage figures and attendance can be "
            "recorded for it. The cancellation stays in the audit log."
        ),
        submit=_("Restore the session"),
        back=back,
        act=lambda: services.session_restore(actor=request.user, session=session, request=request),
        done=_("The session is no longer cancelled."),
        then=back,
    )


@requires(Perm.MANAGE_TRAINING)
def invite(request: SignedInRequest, course_id: int) -> HttpResponse:
    """Invite the members of chosen communes to the course."""
    course = services.course_get(user=request.user, course_id=course_id)
    scope = scope_for(request.user)
    if not services.may_handle_people(scope, course):
        raise NotFound(_("The course was not found."))
    form = InviteForm(request.POST or None, scope=scope, course=course)
    if request.method == "POST" and form.is_valid():
        try:
            new, already = services.invitation_create(
                actor=request.user, course=course, unit_ids=list(form.cleaned_data["units"]), request=request
            )
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("%(new)s members invited (%(already)s already were).") % {"new": new, "already": already}
            )
            return redirect("training:course", course.pk)
    back = reverse("training:course", args=[course.pk])
    return _form_page(
        request, form, title=_("Invite members to %(course)s") % {"course": course}, back=back, submit=_("Invite")
    )


@requires(Perm.MANAGE_TRAINING)
def invitation_revoke(request: SignedInRequest, course_id: int, member_id: int) -> HttpResponse:
    """Withdraw one member's invitation, while no attendance of theirs is recorded in the course."""
    course = services.course_get(user=request.user, course_id=course_id)
    scope = scope_for(request.user)
    if not services.may_handle_people(scope, course):
        raise NotFound(_("The course was not found."))
    invitation = services.invitations_visible(scope, course).filter(member_id=member_id).first()
    if invitation is None:
        raise NotFound(_("The invitation was not found."))
    back = reverse("training:course", args=[course.pk])
    return _confirm_page(
        request,
        title=_("Revoke the invitation of %(name)s?") % {"name": invitation.member.full_name},
        text=_(
            "They leave this course's attendance sheets. They can be invited again later by inviting their commune."
        ),
        submit=_("Revoke the invitation"),
        back=back,
        act=lambda: services.invitation_revoke(actor=request.user, course=course, member_id=member_id, request=request),
        done=_("The invitation of %(name)s was revoked.") % {"name": invitation.member.full_name},
        then=back,
    )


# -- attendance -------------------------------------------------------------------------------------------


def _people_session(request: HttpRequest, session_id: int) -> Any:
    session = services.session_get(user=request.user, session_id=session_id)
    if not services.may_handle_people(scope_for(request.user), session.course):
        raise NotFound(_("The session was not found."))
    return session


@requires(Perm.MANAGE_TRAINING)
def attendance(request: SignedInRequest, session_id: int) -> HttpResponse:
    """Tick attendance, completion and score for each invited member; all rows are saved together."""
    session = _people_session(request, session_id)
    invitations = list(services.invitations_visible(scope_for(request.user), session.course))
    error = ""
    if request.method == "POST":
        rows = []
        for invitation in invitations:
            status = request.POST.get(f"status-{invitation.member_id}", "")
            if not status:
                continue
            raw_score = request.POST.get(f"score-{invitation.member_id}", "").strip().replace(",", ".")
            try:
                score = Decimal(raw_score) if raw_score else None
            except InvalidOperation:
                error = _("The score of %(name)s is not a number.") % {"name": invitation.member}
                break
            rows.append(
                services.AttendanceIn(
                    member_id=invitation.member_id,
                    status=status,
                    completed=request.POST.get(f"completed-{invitation.member_id}") == "on",
                    score=score,
                )
            )
        if not error:
            try:
                n = services.attendance_record(actor=request.user, session=session, rows=rows, request=request)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("Attendance saved for %(n)s members.") % {"n": n})
                return redirect("training:course", session.course_id)
    recorded = selectors.session_attendance(session=session)
    context = {
        "session": session,
        "course": session.course,
        "rows": [(i, recorded.get(i.pk)) for i in invitations],
        "statuses": Presence.choices,
        "error": error,
    }
    return render(request, "training/attendance.html", context, status=400 if error else 200)


@requires(Perm.MANAGE_TRAINING)
def attendance_export(request: SignedInRequest, session_id: int) -> HttpResponseBase:
    session = _people_session(request, session_id)
    invitations = list(services.invitations_visible(scope_for(request.user), session.course))
    out = io.BytesIO()
    sheets.write_sheet(session, invitations, out=out)
    out.seek(0)
    audit_record(actor=request.user, action="session.export", target=session, unit=session.course.unit, request=request)
    name = f"diem-danh-{timezone.localtime(session.starts_at):%Y%m%d}-{session.pk}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)


@requires(Perm.MANAGE_TRAINING)
def attendance_import(request: SignedInRequest, session_id: int) -> HttpResponse:
    """Read a filled-in sheet back: every row checked, nothing saved if any row is wrong."""
    session = _people_session(request, session_id)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose the sheet to import.")]
        else:
            try:
                rows, errors = sheets.read_sheet(upload.read(), upload.name or "", session=session)
                sheets.check_rows(rows, errors)
                n = services.attendance_record(actor=request.user, session=session, rows=rows, request=request)
            except FileProblem as exc:
                errors = [exc.message]
            except DomainError as exc:
                errors = errors or [exc.message]
            else:
                messages.success(request, _("Attendance imported for %(n)s members.") % {"n": n})
                return redirect("training:course", session.course_id)
    context = {"session": session, "course": session.course, "errors": errors}
    return render(request, "training/import.html", context, status=400 if errors else 200)


# -- members ----------------------------------------------------------------------------------------------


@requires(Perm.VIEW_TEAMS)
def member_history(request: SignedInRequest, member_id: int) -> HttpResponse:
    """A member's training history (read by whoever may read the member's roster)."""
    member = selectors.member_get(user=request.user, member_id=member_id)
    context = {"member": member, "history": selectors.member_history(member), "mine": False}
    return render(request, "training/history.html", context)


@requires(Perm.VIEW_TRAINING)
def my_training(request: SignedInRequest) -> HttpResponse:
    """The signed-in member's own courses and attendance, and the way to the guides."""
    member = getattr(request.user, "team_member", None)
    history = selectors.member_history(member) if member is not None else []
    return render(request, "training/history.html", {"member": member, "history": history, "mine": True})


# -- coverage ---------------------------------------------------------------------------------------------


@requires(Perm.VIEW_FIGURES)
def coverage(request: SignedInRequest, unit_id: int) -> HttpResponse:
    """A unit's training coverage: per platform, per enterprise, and members not yet trained (counts only)."""
    found = selectors.coverage(user=request.user, unit_id=unit_id)
    return render(request, "training/coverage.html", {"coverage": found, "unit": found.unit})


# -- materials --------------------------------------------------------------------------------------------


@requires(Perm.VIEW_TRAINING)
def material_list(request: SignedInRequest) -> HttpResponse:
    """Guides and materials per platform for the user's units."""
    materials = list(selectors.material_list(user=request.user))
    groups: dict[Any, list[Any]] = {}
    for material in materials:
        groups.setdefault(material.platform, []).append(material)
    scope = scope_for(request.user)
    can_add = bool(services._manage_paths(scope))
    managed = {m.pk for m in materials if can_add and services.may_manage_material(scope, m)}
    context = {"groups": list(groups.items()), "can_add": can_add, "managed": managed}
    return render(request, "training/materials.html", context)


@requires(Perm.MANAGE_TRAINING)
def material_new(request: SignedInRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = MaterialForm(request.POST or None, request.FILES or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_create(
                actor=request.user, data=form.material_in(), upload=form.cleaned_data.get("file"), request=request
            )
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The material was published."))
            return redirect("training:materials")
    form.multipart = True  # type: ignore[attr-defined]
    return _form_page(
        request,
        form,
        title=_("New guide or material"),
        back=reverse("training:materials"),
        submit=_("Save and publish"),
    )


def _managed_material(request: HttpRequest, material_id: int) -> Any:
    material = services.material_get(user=request.user, material_id=material_id)
    if not services.may_manage_material(scope_for(request.user), material):
        raise NotFound(_("The material was not found."))
    return material


@requires(Perm.MANAGE_TRAINING)
def material_edit(request: SignedInRequest, material_id: int) -> HttpResponse:
    """Change a guide: a new file or link replaces the old one; phones get the change on their next sync."""
    material = _managed_material(request, material_id)
    scope = scope_for(request.user)
    initial = MaterialForm.initial_for(material)
    form = MaterialForm(request.POST or None, request.FILES or None, scope=scope, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.material_update(
                actor=request.user,
                material=material,
                data=form.material_in(),
                upload=form.cleaned_data.get("file"),
                request=request,
            )
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("training:materials")
    form.multipart = True  # type: ignore[attr-defined]
    return _form_page(
        request, form, title=_("Change the guide or material"), back=reverse("training:materials"), submit=_("Save")
    )


@requires(Perm.MANAGE_TRAINING)
def material_retire(request: SignedInRequest, material_id: int) -> HttpResponse:
    """Withdraw a guide from the members; it disappears from their phones on the next sync."""
    material = _managed_material(request, material_id)
    if request.method == "POST":
        services.material_retire(actor=request.user, material=material, request=request)
        messages.success(request, _("The guide %(title)s was withdrawn.") % {"title": material.title})
        return redirect("training:materials")
    return _confirm_page(
        request,
        title=_("Withdraw the guide %(title)s?") % {"title": material.title},
        text=_("Members no longer see it, on the web or in the phone app (from their next sync)."),
        submit=_("Withdraw"),
        back=reverse("training:materials"),
    )


@requires(Perm.VIEW_TRAINING)
def material_file(request: SignedInRequest, material_id: int) -> HttpResponseBase:
    material = services.material_get(user=request.user, material_id=material_id)
    if not material.file:
        raise NotFound(_("The material was not found."))
    name = (material.file.name or "").rsplit("/", 1)[-1]
    return user_file_response(material.file.open("rb"), filename=name)


# -- enterprises ------------------------------------------------------------------------------------------


@requires(Perm.VIEW_TRAINING)
def enterprise_list(request: SignedInRequest) -> HttpResponse:
    enterprises = selectors.enterprise_list(user=request.user)
    can_add = bool(services._manage_paths(scope_for(request.user)))
    return render(request, "training/enterprises.html", {"enterprises": enterprises, "can_add": can_add})


@requires(Perm.MANAGE_TRAINING)
def enterprise_new(request: SignedInRequest) -> HttpResponse:
    scope = scope_for(request.user)
    services.require_training_role(scope)
    form = EnterpriseForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.enterprise_save(actor=request.user, data=form.enterprise_in(), request=request)
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The enterprise partner was saved."))
            return redirect("training:enterprise", enterprise.pk)
    back = reverse("training:enterprises")
    return _form_page(request, form, title=_("New enterprise partner"), back=back, submit=_("Save"))


@requires(Perm.MANAGE_TRAINING)
def enterprise_edit(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    enterprise = services.enterprise_get(user=request.user, enterprise_id=enterprise_id)
    scope = scope_for(request.user)
    if not services.may_manage_unit(scope, enterprise.owner):
        raise NotFound(_("The enterprise was not found."))
    form = EnterpriseForm(request.POST or None, scope=scope, initial=EnterpriseForm.initial_for(enterprise))
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_save(
                actor=request.user, data=form.enterprise_in(), enterprise=enterprise, request=request
            )
        except NotFound:
            raise
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The enterprise partner was saved."))
            return redirect("training:enterprise", enterprise.pk)
    back = reverse("training:enterprise", args=[enterprise.pk])
    return _form_page(request, form, title=enterprise.name, back=back, submit=_("Save"))


@requires(Perm.VIEW_TRAINING)
def enterprise_detail(request: SignedInRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise: its areas, the trainings it runs (counts) and the uptake of its platforms there."""
    enterprise = services.enterprise_get(user=request.user, enterprise_id=enterprise_id)
    scope = scope_for(request.user)
    rows = selectors.enterprise_courses(enterprise)
    context = {
        "enterprise": enterprise,
        "areas": selectors.enterprise_uptake(enterprise),
        "courses": rows,
        "platforms": list(enterprise.platforms.all()),
        "can_edit": services.may_manage_unit(scope, enterprise.owner),
    }
    return render(request, "training/enterprise.html", context)


# -- the network ------------------------------------------------------------------------------------------


def _sort(request: HttpRequest) -> tuple[str, bool]:
    raw = request.GET.get("sort", "name")
    return raw.lstrip("-"), raw.startswith("-")


@requires(Perm.VIEW_NETWORK)
def network(request: SignedInRequest) -> HttpResponse:
    """Every province side by side, sortable by any column."""
    sort, descending = _sort(request)
    rows = selectors.network(user=request.user, sort=sort, descending=descending)
    totals = selectors.ProvinceRow(province=None)  # type: ignore[arg-type]
    for row in rows:
        totals.teams += row.teams
        totals.members += row.members
        totals.trained += row.trained
        totals.courses += row.courses
        totals.practices += row.practices
    columns = [
        ("name", _("Province")),
        ("teams", _("Teams")),
        ("members", _("Members")),
        ("trained", _("Trained")),
        ("share", _("Share trained (%)")),
        ("courses", _("Courses")),
        ("practices", _("Published good practices")),
    ]
    context = {"rows": rows, "totals": totals, "sort": sort, "descending": descending, "columns": columns}
    return render(request, "training/network.html", context)


@requires(Perm.VIEW_NETWORK)
def network_export(request: SignedInRequest) -> HttpResponseBase:
    sort, descending = _sort(request)
    rows = selectors.network(user=request.user, sort=sort, descending=descending)
    out = io.BytesIO()
    exports.write_network(rows, out=out)
    out.seek(0)
    audit_record(actor=request.user, action="network.export", request=request)
    name = f"mang-luoi-to-cntt-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_TYPE)


# The Ministry's network view lives at /mang-luoi/, beside training rather than under it.
