"""The JSON API under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation

from cdtt.access.decorators import public
from cdtt.access.permissions import Perm
from cdtt.access.scope import scope_for
from cdtt.accounts.lockout import wait_minutes
from cdtt.accounts.services import token_create
from cdtt.api.auth import API_AUTH, api_requires
from cdtt.api.progress import router as progress_router
from cdtt.core.errors import DomainError
from cdtt.dashboards import api as dashboards_api
from cdtt.difficulties import api as difficulties_api
from cdtt.geo import selectors as geo_selectors
from cdtt.geo import services as geo_services
from cdtt.households import api as households_api
from cdtt.notices import api as notices_api
from cdtt.official import api as official_api
from cdtt.practices import api as practices_api
from cdtt.privacy import api as privacy_api
from cdtt.quality import api as quality_api
from cdtt.reports import api as reports_api
from cdtt.sync import api as sync_api
from cdtt.teams import api as teams_api
from cdtt.training import api as training_api

# Operation ids are part of the published contract (clients generated from the OpenAPI document name their methods
# after them). Ninja derives them from the endpoint's module; endpoints that moved into their app's api.py keep the
# id of the module they were first published from.
PUBLISHED_MODULE = {
    "cdtt.households.api": "cdtt.api.households",
    "cdtt.reports.api": "cdtt.api.reports",
    "cdtt.sync.api": "cdtt.api.sync",
    "cdtt.teams.api": "cdtt.api.teams",
    "cdtt.training.api": "cdtt.api.training",
}


class CdttAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        return (PUBLISHED_MODULE.get(module, module) + "_" + operation.view_func.__name__).replace(".", "_")


api = CdttAPI(
    title="CDTT API",
    version="1",
    description="API của nền tảng Tổ công nghệ số cộng đồng. Xác thực bằng Bearer token lấy từ /api/v1/auth/token.",
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> Any:
    from cdtt.accounts.services import token_revoked

    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and token_revoked(header[7:].strip()):
        detail = _(
            "This device's access was revoked by an officer. Nothing was received; the records stay on the "
            "device. Sign in again, or ask the commune officer."
        )
        return api.create_response(request, {"detail": detail, "revoked": True, "reason": "revoked"}, status=401)
    reason = "invalid" if header.lower().startswith("bearer ") else "missing"
    return api.create_response(
        request, {"detail": _("Sign in or send a valid API token."), "revoked": False, "reason": reason}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> Any:
    return api.create_response(
        request, {"detail": _("The request data is not valid."), "errors": exc.errors}, status=422
    )


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> Any:
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    name: str


class ErrorOut(Schema):
    detail: str


@api.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, tags=["auth"])
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


@api.get("/me", response=MeOut, tags=["auth"])
@api_requires(Perm.VIEW_UNITS)
def me(request: HttpRequest) -> Any:
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


class HitOut(Schema):
    kind: str
    id: int
    code: str
    name: str
    type: str
    parent: str
    is_current: bool


class SearchOut(Schema):
    count: int  # total matches over all pages
    limit: int
    offset: int
    results: list[HitOut]


@api.get("/units", response=SearchOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def units_search(
    request: HttpRequest, q: str = "", include_legacy: bool = False, limit: int = 20, offset: int = 0
) -> Any:
    """Search units and villages visible to the caller; diacritics and case are ignored."""
    limit = max(1, min(limit, 100))
    offset = max(0, offset)
    hits = geo_selectors.unit_search(user=request.user, q=q, include_legacy=include_legacy, limit=limit, offset=offset)
    return {
        "count": geo_selectors.unit_search_total(user=request.user, q=q, include_legacy=include_legacy),
        "limit": limit,
        "offset": offset,
        "results": [
            {
                "kind": h.kind,
                "id": h.id,
                "code": h.code,
                "name": h.name,
                "type": h.type_label,
                "parent": h.parent_name,
                "is_current": h.is_current,
            }
            for h in hits
        ],
    }


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None
    area_km2: float | None
    valid_from: str | None
    valid_to: str | None
    successors: list[dict[str, Any]]


@api.get("/units/{unit_id}", response=UnitOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def unit_get(request: HttpRequest, unit_id: int) -> Any:
    """One unit visible to the caller (404 outside their scope), with its successor links."""
    unit = scope_for(request.user).unit(unit_id)
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "area_km2": unit.area_km2,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
        "successors": [
            {"id": link.new_id, "code": link.new.code, "name": link.new.name, "is_default": link.is_default}
            for link in unit.successor_links.select_related("new")  # type: ignore[attr-defined]
        ],
    }


class VillageOut(Schema):
    id: int
    name: str
    kind: str
    code: str
    commune_id: int
    commune: str
    valid_from: str | None
    valid_to: str | None


def _village_out(village: Any) -> dict[str, Any]:
    return {
        "id": village.pk,
        "name": village.name,
        "kind": village.kind,
        "code": village.code,
        "commune_id": village.commune_id,
        "commune": village.commune.name,
        "valid_from": village.valid_from.isoformat() if village.valid_from else None,
        "valid_to": village.valid_to.isoformat() if village.valid_to else None,
    }


@api.get("/villages/{village_id}", response=VillageOut, tags=["units"])
@api_requires(Perm.VIEW_UNITS)
def village_get(request: HttpRequest, village_id: int) -> Any:
    """One village; 404 when it is outside the caller's scope."""
    return _village_out(scope_for(request.user).village(village_id))


class VillageIn(Schema):
    commune_id: int
    name: str
    kind: str = "thon"
    code: str = ""


@api.post("/villages", response={201: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_create(request: HttpRequest, payload: VillageIn) -> Any:
    """Create a village in a commune the caller manages."""
    commune = scope_for(request.user).unit(payload.commune_id, Perm.MANAGE_VILLAGES)
    village = geo_services.village_create(
        actor=request.user, commune=commune, name=payload.name, kind=payload.kind, code=payload.code, request=request
    )
    return Status(201, _village_out(village))


class VillageChangeIn(Schema):
    name: str | None = None
    kind: str | None = None
    code: str | None = None


@api.patch("/villages/{village_id}", response={200: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_update(request: HttpRequest, village_id: int, payload: VillageChangeIn) -> Any:
    """Rename a village or change its type or code; fields left out keep their value."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    village = geo_services.village_update(
        actor=request.user,
        village=village,
        name=village.name if payload.name is None else payload.name,
        kind=village.kind if payload.kind is None else payload.kind,
        code=village.code if payload.code is None else payload.code,
        request=request,
    )
    return _village_out(village)


class VillageRetireIn(Schema):
    on: datetime.date | None = None


@api.post("/villages/{village_id}/retire", response={200: VillageOut, 400: ErrorOut}, tags=["units"])
@api_requires(Perm.MANAGE_VILLAGES)
def village_retire(request: HttpRequest, village_id: int, payload: VillageRetireIn) -> Any:
    """Retire a village from a date (today when left out); its name becomes free in the commune."""
    village = scope_for(request.user).village(village_id, Perm.MANAGE_VILLAGES)
    return _village_out(
        geo_services.village_retire(actor=request.user, village=village, on=payload.on, request=request)
    )


__all__ = ["HttpError", "api"]

# Every app owns its endpoints in its own ``api.py``; they are mounted here in this order, which is the order of
# the OpenAPI document's paths and of URL matching.
ROUTERS = (
    teams_api.router,
    households_api.router,
    privacy_api.router,
    progress_router,
    sync_api.router,
    reports_api.router,
    practices_api.router,
    practices_api.announcements_router,
    notices_api.router,
    difficulties_api.router,
    dashboards_api.router,
    training_api.router,
    official_api.router,
    quality_api.router,
)
for _router in ROUTERS:
    api.add_router("/", _router)
