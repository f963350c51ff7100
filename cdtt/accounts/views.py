"""Sign-in, own profile (password, API tokens) and account management below one's unit."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdtt.access.decorators import SignedInRequest, public, requires, signed_in
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts import selectors, services
from cdtt.accounts.forms import GrantForm, LoginForm, PasswordSetForm, TokenForm, UserCreateForm
from cdtt.accounts.lockout import wait_minutes
from cdtt.accounts.models import User
from cdtt.core.audit import audit_record
from cdtt.core.errorpages import render_error
from cdtt.core.errors import DomainError, NotFound
from cdtt.geo.models import AdminUnit

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    """The signed-in user (every view here is behind @signed_in or @requires)."""
    return cast(User, request.user)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """What django-axes shows once an account is locked after repeated failed sign-ins."""
    return render(request, "accounts/locked_out.html", {"minutes": wait_minutes()}, status=429)


login_view = public("The sign-in page must be reachable before signing in.")(LoginView.as_view())
logout_view = public("Signing out only ends the caller's own session.")(auth_views.LogoutView.as_view())


@signed_in
def profile(request: SignedInRequest) -> HttpResponse:
    """The user's own account: roles, password change, API tokens."""
    user: Any = _user(request)
    new_token = request.session.pop("new_token", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": user.assignments.select_related("unit", "village"),
            "tokens": selectors.token_list(account=user),
            "token_form": TokenForm(),
            "new_token": new_token,
        },
    )


@signed_in
def password_change(request: SignedInRequest) -> HttpResponse:
    form = PasswordChangeForm(_user(request), request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(actor=user, action="user.password_change", target=user, request=request)
        messages.success(request, _("Your password was changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form}, status=400 if form.errors else 200)


@signed_in
@require_POST
def token_create(request: SignedInRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = services.token_create(user=_user(request), name=form.cleaned_data["name"], request=request)
        request.session["new_token"] = raw
        messages.success(request, _("The token was created. Copy it now: it will not be shown again."))
    else:
        messages.error(request, _("Enter a name for the token."))
    return redirect("accounts:profile")


@signed_in
@require_POST
def token_revoke(request: SignedInRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(user=_user(request), token_id=token_id, request=request)
    except NotFound:
        return render_error(request, 404)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:profile")


def _around(request: HttpRequest) -> AdminUnit | None:
    """The unit named by ``?unit=`` (lists and forms centred on it), or None for the user's own units."""
    raw = request.GET.get("unit", "")
    return scope_for(_user(request)).unit(raw, Perm.MANAGE_ACCOUNTS) if raw else None


@requires(Perm.MANAGE_ACCOUNTS)
def user_list(request: SignedInRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    around = _around(request)
    users = selectors.user_list(user=_user(request), q=q, within=around)
    return render(
        request,
        "accounts/user_list.html",
        {"page": Paginator(users, PAGE_SIZE).get_page(request.GET.get("page")), "q": q, "around": around},
    )


def _grant_form_kwargs(request: HttpRequest, around: AdminUnit | None) -> dict[str, Any]:
    units, villages = selectors.grant_targets(user=_user(request), around=around)
    return {"units": units, "villages": villages, "roles": selectors.grantable_roles(user=_user(request))}


def _account_around(request: HttpRequest, account: User) -> AdminUnit | None:
    """Centre an account's grant form on ``?unit=``, else on the first of its units the officer manages."""
    around = _around(request)
    if around is None:
        scope = scope_for(_user(request))
        for assignment in account.assignments.all():  # type: ignore[attr-defined]
            if scope.covers_unit(assignment.unit, Perm.MANAGE_ACCOUNTS):
                return cast(AdminUnit, assignment.unit)
    return around


def _target(request: HttpRequest, data: dict[str, Any]) -> tuple[Any, Any]:
    scope = scope_for(_user(request))
    unit = scope.unit(data["unit"], Perm.MANAGE_ACCOUNTS)
    village = scope.village(data["village"], Perm.MANAGE_ACCOUNTS) if data.get("village") else None
    return unit, village


@requires(Perm.MANAGE_ACCOUNTS)
def user_create(request: SignedInRequest) -> HttpResponse:
    around = _around(request)
    form = UserCreateForm(request.POST or None, **_grant_form_kwargs(request, around))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit, village = _target(request, data)
            user = services.user_create(
                actor=_user(request),
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password"],
                role=data["role"],
                unit=unit,
                village=village,
                request=request,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Account “%(u)s” was created.") % {"u": user.username})
            return redirect("accounts:detail", user_id=user.pk)
    return render(
        request, "accounts/user_form.html", {"form": form, "around": around}, status=400 if form.errors else 200
    )


@requires(Perm.MANAGE_ACCOUNTS)
def user_detail(request: SignedInRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(user=_user(request), user_id=user_id)
    scope = scope_for(_user(request))
    assignments = [(a, scope.may_grant(a.role, a.unit, a.village)) for a in account.assignments.all()]  # type: ignore[attr-defined]
    around = _account_around(request, account)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "assignments": assignments,
            "grant_form": GrantForm(**_grant_form_kwargs(request, around)),
            "around": around,
            "password_form": PasswordSetForm(),
            "devices": selectors.token_list(account=account),
        },
    )


@requires(Perm.MANAGE_ACCOUNTS)
@require_POST
def user_device_revoke(request: SignedInRequest, user_id: int, token_id: int) -> HttpResponse:
    """Cut off one of the account's devices (or API tokens)."""
    account = selectors.user_get(user=_user(request), user_id=user_id)
    try:
        services.device_revoke(actor=_user(request), user=account, token_id=token_id, request=request)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The device was cut off; it can no longer send or receive data."))
    return redirect("accounts:detail", user_id=account.pk)


@requires(Perm.MANAGE_ACCOUNTS)
@require_POST
def user_grant(request: SignedInRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(user=_user(request), user_id=user_id)
    around = _account_around(request, account)
    form = GrantForm(request.POST, **_grant_form_kwargs(request, around))
    if form.is_valid():
        try:
            unit, village = _target(request, form.cleaned_data)
            services.role_grant(
                actor=_user(request),
                user=account,
                role=form.cleaned_data["role"],
                unit=unit,
                village=village,
                request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The role was granted."))
    else:
        messages.error(request, _("Choose a role and a unit from the lists."))
    return redirect("accounts:detail", user_id=account.pk)


@requires(Perm.MANAGE_ACCOUNTS)
@require_POST
def user_revoke(request: SignedInRequest, user_id: int, assignment_id: int) -> HttpResponse:
    account = selectors.user_get(user=_user(request), user_id=user_id)
    assignment = selectors.assignment_get(account=account, assignment_id=assignment_id)
    try:
        services.role_revoke(actor=_user(request), assignment=assignment, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role was removed."))
    return redirect("accounts:detail", user_id=account.pk)


@requires(Perm.MANAGE_ACCOUNTS)
@require_POST
def user_set_active(request: SignedInRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(user=_user(request), user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=_user(request), user=account, active=active, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The account was unlocked.") if active else _("The account was locked."))
    return redirect("accounts:detail", user_id=account.pk)


@requires(Perm.MANAGE_ACCOUNTS)
@require_POST
def user_set_password(request: SignedInRequest, user_id: int) -> HttpResponse:
    account = selectors.user_get(user=_user(request), user_id=user_id)
    form = PasswordSetForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=_user(request),
                user=account,
                password=form.cleaned_data["password"],
                request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The new password was set."))
    else:
        messages.error(request, _("Enter the new password."))
    return redirect("accounts:detail", user_id=account.pk)


@requires(Perm.VIEW_AUDIT)
def audit(request: SignedInRequest) -> HttpResponse:
    events = selectors.audit_list(user=_user(request))
    return render(
        request, "accounts/audit.html", {"page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))}
    )
