"""Accounts in the JSON API: a bearer token for a username and password, and who the caller is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cdtt.access.decorators import SignedInRequest, public
from cdtt.access.permissions import Perm
from cdtt.accounts.lockout import wait_minutes
from cdtt.accounts.services import token_create
from cdtt.api.auth import api_requires
from cdtt.api.schemas import ErrorOut

router = Router()


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    name: str


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, tags=["auth"])
@public("Exchanges a username and password for a token; failed attempts count toward the lockout.")
def auth_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Return a new bearer token for a username and password (revocable from the profile page)."""
    # Usernames are stored lower-case; the sign-in form lower-cases them too.
    user = authenticate(request, username=payload.username.strip().lower(), password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON: left set, the flag makes AxesMiddleware swap this for the HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        message = _("Too many failed sign-ins for this account or from this network. Wait %(minutes)s minutes.")
        return Status(429, {"detail": message % {"minutes": wait_minutes()}})
    if user is None or not user.is_active:
        return Status(401, {"detail": _("Wrong username or password.")})
    token, raw = token_create(user=user, name=payload.name or "API", request=request)  # type: ignore[arg-type]
    return Status(200, {"token": raw, "name": token.name})


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[dict[str, Any]]


@router.get("/me", response=MeOut, tags=["auth"])
@api_requires(Perm.VIEW_UNITS)
def me(request: SignedInRequest) -> Any:
    """The caller and their role assignments."""
    user: Any = request.user
    rows = user.assignments.select_related("unit", "village")
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {
                "role": a.role,
                "unit_id": a.unit_id,
                "unit": a.unit.name,
                "village_id": a.village_id,
                "village": a.village.name if a.village else None,
            }
            for a in rows
        ],
    }
