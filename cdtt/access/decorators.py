"""Every view declares its access: ``@requires(perm)`` (signed in, role checked) or ``@public(reason)``.

A test walks every URL pattern and fails for a view that declares neither.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.core.errorpages import render_error
from cdtt.core.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from cdtt.accounts.models import User

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTR = "cdtt_access"


class SignedInRequest(HttpRequest):
    """The request a view behind ``requires``, ``signed_in`` or ``api_requires`` receives: its user is signed
    in (the decorator sent everyone else away), so services can be given ``request.user`` as their actor."""

    user: User  # type: ignore[assignment]


def public(reason: str) -> Callable[[F], F]:
    """Mark a view as open to anyone, with the reason it is safe."""
    if not reason.strip():
        raise ValueError("a public view needs a reason")

    def mark(view: F) -> F:
        setattr(view, ACCESS_ATTR, ("public", reason))
        return view

    return mark


def requires(perm: Perm) -> Callable[[F], F]:
    """HTML view: anonymous users go to the login page, a role without ``perm`` gets 403.

    Domain errors raised inside become 404 (NotFound) or 403 (Forbidden) pages.
    """

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                scope_for(request.user).require(perm)
                return view(request, *args, **kwargs)
            except NotFound as exc:
                return render_error(request, 404, exc.message)
            except Forbidden as exc:
                return render_error(request, 403, exc.message)

        setattr(wrapper, ACCESS_ATTR, ("scoped", str(perm)))
        return wrapper  # type: ignore[return-value]

    return wrap


def signed_in(view: F) -> F:
    """HTML view about the user's own account only (profile, password): any signed-in user."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, ("self", "the signed-in user's own account"))
    return wrapper  # type: ignore[return-value]
