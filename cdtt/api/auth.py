"""API authentication (bearer token or session) and the per-endpoint access declaration."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from cdtt.access.decorators import ACCESS_ATTR
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.services import token_authenticate
from cdtt.core.errors import Forbidden, NotFound

F = TypeVar("F", bound=Callable[..., Any])


class BearerToken(HttpBearer):
    """``Authorization: Bearer cdtt_...``: a revocable token from /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionCookie(APIKeyCookie):
    """The browser session of a signed-in user (used by the interactive API docs); CSRF checked."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


API_AUTH = [BearerToken(), SessionCookie()]


def api_requires(perm: Perm) -> Callable[[F], F]:
    """API endpoint: role without ``perm`` gets 403; NotFound/Forbidden become 404/403 JSON."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                scope_for(request.user).require(perm)
                return func(request, *args, **kwargs)
            except NotFound as exc:
                raise HttpError(404, exc.message) from None
            except Forbidden as exc:
                raise HttpError(403, exc.message) from None

        # Ninja reads parameter types from the wrapper, resolving string annotations (``from __future__ import
        # annotations``) in the wrapper's module, where the endpoint's schemas are not defined: resolve them here.
        wrapper.__signature__ = inspect.signature(func, eval_str=True)  # type: ignore[attr-defined]
        setattr(wrapper, ACCESS_ATTR, ("scoped", str(perm)))
        return wrapper  # type: ignore[return-value]

    return wrap
