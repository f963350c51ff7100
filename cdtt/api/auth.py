"""API authentication (bearer token or session) and the per-endpoint access declaration."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from cdtt.access.decorators import ACCESS_ATTR
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.services import token_active
from cdtt.core.errors import Forbidden, NotFound

F = TypeVar("F", bound=Callable[..., Any])


class BearerToken(HttpBearer):
    """``Authorization: Bearer cdtt_...``: a revocable token from /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_active(token)
        if found is None:
            # A token was sent and is not (or no longer) valid: answer 401 with the reason now. Falling
            # through to the session would answer a phone's POST "CSRF check failed" (403) instead, and a
            # phone whose device was cut off would never learn why its records do not go.
            raise AuthenticationError
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


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
